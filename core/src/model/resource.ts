/**
 * Wire shapes of resources, their volumes, resource connections and snapshots (contract §2.7, §2.8):
 * output shapes as LINSTOR emits them, lenient input shapes as real clients send them.
 */
import { z } from 'zod';
import { LAYER_KINDS, PROVIDER_KINDS, RSC_FLAGS, RSC_FLAG_IMPLIES } from './enums.js';
import { DrbdResourceDefinitionLayer } from './resource-definition.js';
import { optBool, optInt, optString, optStringList, propsMap, PropsModifyFields, upperEnum, nullToUndefined } from './lenient.js';

const Props = z.record(z.string(), z.string());

// --- output shapes ---

/** Per-volume data of one layer; DRBD carries its definition, the others their volume number. */
export const VolumeLayerData = z.object({
  drbd_volume_definition: z
    .object({ resource_name_suffix: z.string().optional(), volume_number: z.number().int(), minor_number: z.number().int().optional() })
    .optional(),
  volume_number: z.number().int().optional(),
  device_path: z.string().optional(),
  backing_device: z.string().optional(),
  allocated_size_kib: z.number().int().optional(),
  usable_size_kib: z.number().int().optional(),
  disk_state: z.string().optional(),
});
export type VolumeLayerData = z.infer<typeof VolumeLayerData>;

export const DrbdConnection = z.object({ connected: z.boolean(), message: z.string().optional() });

export const DrbdResource = z.object({
  drbd_resource_definition: DrbdResourceDefinitionLayer.optional(),
  node_id: z.number().int().optional(),
  tcp_ports: z.array(z.number().int()).optional(),
  peer_slots: z.number().int().optional(),
  al_stripes: z.number().int().optional(),
  al_size: z.number().int().optional(),
  flags: z.array(z.string()).optional(),
  drbd_volumes: z.array(VolumeLayerData).optional(),
  connections: z.record(z.string(), DrbdConnection).optional(),
  promotion_score: z.number().int().optional(),
  may_promote: z.boolean().optional(),
});

const ResourceLayerFields = {
  type: z.enum(LAYER_KINDS),
  resource_name_suffix: z.string().optional(),
  drbd: DrbdResource.optional(),
  luks: z.object({ luks_volumes: z.array(VolumeLayerData).optional() }).optional(),
  storage: z.object({ storage_volumes: z.array(VolumeLayerData).optional() }).optional(),
  nvme: z.object({ nvme_volumes: z.array(VolumeLayerData).optional() }).optional(),
  writecache: z.object({ writecache_volumes: z.array(VolumeLayerData).optional() }).optional(),
  cache: z.object({ cache_volumes: z.array(VolumeLayerData).optional() }).optional(),
  bcache: z.object({ bcache_volumes: z.array(VolumeLayerData).optional() }).optional(),
};

/**
 * The layer tree of a resource: one node per layer, the lower layers as `children`. Spelled out to a
 * fixed depth (deeper levels are untyped) because a recursive schema would need $defs references,
 * which do not resolve once the schema is embedded in the OpenAPI document.
 */
export const ResourceLayer = z.object({
  ...ResourceLayerFields,
  children: z.array(z.object({
    ...ResourceLayerFields,
    children: z.array(z.object({ ...ResourceLayerFields, children: z.array(z.unknown()).optional() })).optional(),
  })).optional(),
});
export type ResourceLayer = z.infer<typeof ResourceLayer>;

export const Volume = z.object({
  volume_number: z.number().int(),
  storage_pool_name: z.string().optional(),
  provider_kind: z.enum(PROVIDER_KINDS).optional(),
  device_path: z.string().optional(),
  allocated_size_kib: z.number().int().optional(),
  usable_size_kib: z.number().int().optional(),
  props: Props.optional(),
  flags: z.array(z.string()).optional(),
  state: z
    .object({
      disk_state: z.string().optional(),
      replication_states: z
        .record(z.string(), z.object({ replication_state: z.string().optional(), done_percentage: z.number().optional() }))
        .optional(),
    })
    .optional(),
  layer_data_list: z.array(z.object({ type: z.enum(LAYER_KINDS), data: VolumeLayerData.optional() })).optional(),
  uuid: z.string().optional(),
  reports: z.array(z.unknown()).optional(),
});
export type Volume = z.infer<typeof Volume>;

export const Resource = z.object({
  name: z.string(),
  node_name: z.string(),
  props: Props.optional(),
  flags: z.array(z.string()).optional(),
  layer_object: ResourceLayer.optional(),
  state: z.object({ in_use: z.boolean().optional() }).optional(),
  uuid: z.string().optional(),
  create_timestamp: z.number().int().optional(),
});
export type Resource = z.infer<typeof Resource>;

export const ResourceWithVolumes = Resource.extend({
  volumes: z.array(Volume).optional(),
  shared_name: z.string().optional(),
});
export type ResourceWithVolumes = z.infer<typeof ResourceWithVolumes>;

export const ResourceConnection = z.object({
  node_a: z.string(),
  node_b: z.string(),
  props: Props.optional(),
  flags: z.array(z.string()).optional(),
  port: z.number().int().optional(),
});
export type ResourceConnection = z.infer<typeof ResourceConnection>;

export const Snapshot = z.object({
  name: z.string(),
  resource_name: z.string(),
  nodes: z.array(z.string()).optional(),
  props: Props.optional(),
  snapshot_definition_props: Props.optional(),
  resource_definition_props: Props.optional(),
  flags: z.array(z.string()).optional(),
  volume_definitions: z.array(z.object({ volume_number: z.number().int(), size_kib: z.number().int() })).optional(),
  uuid: z.string().optional(),
  snapshots: z
    .array(
      z.object({
        snapshot_name: z.string(),
        node_name: z.string(),
        create_timestamp: z.number().int().optional(),
        flags: z.array(z.string()).optional(),
        uuid: z.string().optional(),
        snapshot_volumes: z.array(z.object({ uuid: z.string().optional(), vlm_nr: z.number().int(), state: z.string().optional() })).optional(),
      }),
    )
    .optional(),
});
export type Snapshot = z.infer<typeof Snapshot>;

// --- input shapes ---

const tcpPort = z.preprocess(
  (v) => (typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : v),
  z.number().int().min(1).max(65535),
);

/** One resource to create: the item of the array body, and the single body of POST .../resources/{node}. */
export const ResourceCreate = z.object({
  resource: z.preprocess(
    (v) => (v === null || v === undefined ? {} : v),
    z.object({
      name: optString(),
      node_name: optString(),
      props: propsMap(),
      flags: z.preprocess(
        (v) => (v === null ? undefined : typeof v === 'string' ? [v] : v),
        z.array(upperEnum(RSC_FLAGS)).optional(),
      ),
    }),
  ),
  /** Checked by the service (unknown kinds are FAIL_INVLD_LAYER_KIND, not a parse error). */
  layer_list: optStringList(),
  drbd_node_id: optInt(0, 31),
  drbd_tcp_port_count: optInt(1, 16),
  drbd_tcp_ports: z.preprocess(nullToUndefined, z.array(tcpPort).optional()),
  snap_names: optStringList(),
  copy_all_snaps: optBool(),
  drbd_client: optBool(),
});
export type ResourceCreate = z.infer<typeof ResourceCreate>;
export const ResourceCreateList = z.array(ResourceCreate);

export const ResourceModify = z.object({
  ...PropsModifyFields,
  drbd_tiebreaker: optBool(),
  drbd_client: optBool(),
});
export type ResourceModify = z.infer<typeof ResourceModify>;

export const VolumeModify = z.object(PropsModifyFields);
export type VolumeModify = z.infer<typeof VolumeModify>;

export const ResourceConnectionModify = z.object(PropsModifyFields);
export type ResourceConnectionModify = z.infer<typeof ResourceConnectionModify>;

/**
 * Resource flags as LINSTOR emits them: every composite flag together with its components
 * (DRBD_DISKLESS -> DISKLESS, DRBD_DISKLESS), in the declaration order of the flag enum.
 */
export function normaliseRscFlags(flags: Iterable<string>): string[] {
  const set = new Set<string>();
  for (const f of flags) {
    set.add(f);
    for (const implied of RSC_FLAG_IMPLIES[f] ?? []) set.add(implied);
  }
  return RSC_FLAGS.filter((f) => set.has(f));
}
