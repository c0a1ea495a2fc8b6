/**
 * The controller <-> satellite protocol (Storhub's own; LINSTOR's is not a public contract).
 *
 * HTTP/1.1 + JSON on the satellite port (3366). The controller is always the client:
 *   GET  /satellite/v1/info    -> SatelliteInfo: who the satellite is and what this node supports
 *   PUT  /satellite/v1/state   <- StateUpdate (full, or a delta on top of `base_update_id`)
 *                              -> StateReport: what the satellite observed after converging
 *                                 409 + {need_full_sync: true} when a delta does not fit its state
 *   GET  /satellite/v1/events  -> NDJSON stream of SatelliteEvent, kept open; a heartbeat every 5 s
 *
 * Satellites keep no state of their own beyond caches: after every (re)connect the controller sends
 * the node's full desired state, and the satellite converges to it. A satellite only ever removes
 * devices whose names it would create itself (`<resource>_<volume number, 5 digits>`, or with a
 * layer's suffix for auxiliary volumes: `<resource>.dmcache_cache_<nnnnn>` and so on).
 */
import { z } from 'zod';
import { LAYER_KINDS, PROVIDER_KINDS } from '../model/enums.js';

export const PROTOCOL_VERSION = 1;
export const SATELLITE_PORT = 3366;

const Props = z.record(z.string(), z.string());

// --- handshake ---

export const Capabilities = z.object({
  providers: z.array(z.enum(PROVIDER_KINDS)),
  layers: z.array(z.enum(LAYER_KINDS)),
  /** Why a provider or layer is missing on this node, e.g. {"DRBD": ["kernel module drbd is not loaded"]}. */
  unsupported_providers: z.record(z.string(), z.array(z.string())),
  unsupported_layers: z.record(z.string(), z.array(z.string())),
  /** Versions of the tools found, for reports (e.g. {"drbd-utils": "9.22.0", "kernel": "6.1.0"}). */
  versions: z.record(z.string(), z.string()).optional(),
  /** The directories this node writes external files below (its allowExtFiles); absent from older satellites. */
  allow_ext_files: z.array(z.string()).optional(),
});
export type Capabilities = z.infer<typeof Capabilities>;

export const SatelliteInfo = z.object({
  node_name: z.string(),
  storhub_version: z.string(),
  protocol_version: z.number().int(),
  capabilities: Capabilities,
});
export type SatelliteInfo = z.infer<typeof SatelliteInfo>;

// --- desired state (controller -> satellite) ---

export const DesiredPool = z.object({
  name: z.string(),
  provider_kind: z.enum(PROVIDER_KINDS),
  /** The pool's own props: StorDriver/StorPoolName (vg, vg/thinpool, zpool, directory), StorDriver/*. */
  props: Props,
});
export type DesiredPool = z.infer<typeof DesiredPool>;

export const DrbdPeer = z.object({
  node_name: z.string(),
  node_id: z.number().int(),
  /** Address and port of the peer's DRBD endpoint for this resource. */
  address: z.string(),
  port: z.number().int(),
  diskless: z.boolean(),
  /** Resource-connection level props of this pair (DrbdOptions/Net/*, PeerDevice/*, Paths/*), resolved. */
  connection_props: Props,
});
export type DrbdPeer = z.infer<typeof DrbdPeer>;

export const DesiredDrbd = z.object({
  node_id: z.number().int(),
  address: z.string(),
  port: z.number().int(),
  secret: z.string(),
  peer_slots: z.number().int(),
  al_stripes: z.number().int(),
  al_stripe_size_kib: z.number().int(),
  transport_type: z.string(),
  diskless: z.boolean(),
  peers: z.array(DrbdPeer),
});
export type DesiredDrbd = z.infer<typeof DesiredDrbd>;

export const DesiredVolume = z.object({
  volume_number: z.number().int(),
  /** Net size the user asked for (the volume definition's size_kib). */
  size_kib: z.number().int(),
  /** The volume definition's GROSS_SIZE flag: size_kib includes layer metadata. */
  gross_size: z.boolean(),
  storage_pool: z.string(),
  /** Effective props of the volume (volume -> resource -> vd -> vg -> rd -> rg -> node -> controller). */
  props: Props,
  /** DRBD minor of this volume, when the stack has DRBD. */
  minor_number: z.number().int().optional(),
  /** LUKS: the volume's key, derived by the controller from the cluster passphrase (base64). */
  luks_key: z.string().optional(),
});
export type DesiredVolume = z.infer<typeof DesiredVolume>;

/** A snapshot that must exist of this resource on this node (all its volumes). */
export const DesiredSnapshot = z.object({
  name: z.string(),
  /** Suspend I/O on the top layer while the provider snapshots (DRBD stacks). */
  suspend_io: z.boolean().default(false),
});
export type DesiredSnapshot = z.infer<typeof DesiredSnapshot>;

/**
 * Where a NEW resource's volumes come from instead of being created empty: a snapshot of another
 * resource on this node (snapshot restore), or another resource itself (clone; the satellite takes a
 * temporary snapshot or copies). Ignored once the volume exists.
 */
export const VolumeSource = z.object({
  resource: z.string(),
  snapshot: z.string().optional(),
});
export type VolumeSource = z.infer<typeof VolumeSource>;

/**
 * A one-shot rollback to a snapshot. Applied when `request_id` is higher than the last one the
 * satellite applied for this resource (remembered in its state cache), so a resend is harmless.
 */
export const RollbackRequest = z.object({
  snapshot: z.string(),
  request_id: z.number().int(),
});
export type RollbackRequest = z.infer<typeof RollbackRequest>;

export const DesiredResource = z.object({
  name: z.string(),
  layer_stack: z.array(z.enum(LAYER_KINDS)),
  /** Resource flags (DISKLESS, DRBD_DISKLESS, INACTIVE, DELETE, ...). */
  flags: z.array(z.string()),
  /** Effective resource-level props (resource -> rd -> rg -> node -> controller). */
  props: Props,
  volumes: z.array(DesiredVolume),
  drbd: DesiredDrbd.optional(),
  /** Snapshots that must exist; Storhub-named snapshots of this resource not listed are deleted. */
  snapshots: z.array(DesiredSnapshot).optional(),
  /** Restore/clone source for volumes that do not exist yet. */
  source: VolumeSource.optional(),
  rollback: RollbackRequest.optional(),
});
export type DesiredResource = z.infer<typeof DesiredResource>;

export const ExternalFile = z.object({
  path: z.string(),
  /** base64 */
  content: z.string(),
});
export type ExternalFile = z.infer<typeof ExternalFile>;

export const StateUpdate = z.object({
  update_id: z.number().int(),
  /** A full update replaces everything; a delta applies on top of `base_update_id`. */
  full: z.boolean(),
  base_update_id: z.number().int().optional(),
  node_name: z.string(),
  /** Effective node props (node -> controller), e.g. DrbdOptions defaults. Always complete. */
  node_props: Props,
  /** Always complete (a node has few pools). */
  pools: z.array(DesiredPool),
  /** full: every resource of the node; delta: the resources that changed. */
  resources: z.array(DesiredResource),
  /** delta only: resources to remove from the node. */
  removed_resources: z.array(z.string()).default([]),
  /** Always complete: external files attached to resources on this node. */
  external_files: z.array(ExternalFile).default([]),
});
export type StateUpdate = z.infer<typeof StateUpdate>;

// --- observed state (satellite -> controller) ---

export const Report = z.object({
  severity: z.enum(['error', 'warn', 'info']),
  message: z.string(),
  cause: z.string().optional(),
  correction: z.string().optional(),
  details: z.string().optional(),
});
export type Report = z.infer<typeof Report>;

export const ObservedPool = z.object({
  name: z.string(),
  /** KiB; absent when it could not be read (see reports). */
  free_capacity: z.number().optional(),
  total_capacity: z.number().optional(),
  reports: z.array(Report).default([]),
});
export type ObservedPool = z.infer<typeof ObservedPool>;

export const ObservedLayerVolume = z.object({
  layer: z.enum(LAYER_KINDS),
  device_path: z.string().optional(),
  backing_device: z.string().optional(),
  allocated_size_kib: z.number().optional(),
  usable_size_kib: z.number().optional(),
  disk_state: z.string().optional(),
});
export type ObservedLayerVolume = z.infer<typeof ObservedLayerVolume>;

export const ObservedVolume = z.object({
  volume_number: z.number().int(),
  /** The top layer's device. */
  device_path: z.string().optional(),
  allocated_size_kib: z.number().optional(),
  usable_size_kib: z.number().optional(),
  /** Top layer's disk state (DRBD: UpToDate, Inconsistent, Diskless, ...; STORAGE: "UpToDate" when present). */
  disk_state: z.string().optional(),
  /** Per peer (DRBD): replication state and sync progress. */
  replication_states: z.record(z.string(), z.object({ replication_state: z.string(), done_percentage: z.number().optional() })).optional(),
  /** Per layer, top first. */
  layers: z.array(ObservedLayerVolume).default([]),
});
export type ObservedVolume = z.infer<typeof ObservedVolume>;

export const ObservedSnapshot = z.object({
  name: z.string(),
  /** True once every volume's snapshot exists. */
  created: z.boolean(),
  volumes: z.array(z.object({ volume_number: z.number().int(), allocated_size_kib: z.number().optional() })).default([]),
  reports: z.array(Report).default([]),
});
export type ObservedSnapshot = z.infer<typeof ObservedSnapshot>;

export const ObservedResource = z.object({
  name: z.string(),
  /** Device opened by someone (DRBD Primary / mounted / open count > 0). */
  in_use: z.boolean().optional(),
  volumes: z.array(ObservedVolume),
  /** DRBD: connection state per peer node. */
  connections: z.record(z.string(), z.object({ connected: z.boolean(), message: z.string() })).optional(),
  reports: z.array(Report).default([]),
  /** The snapshots of this resource that exist on this node. */
  snapshots: z.array(ObservedSnapshot).optional(),
  /** The highest rollback request_id applied. */
  rollback_applied: z.number().int().optional(),
});
export type ObservedResource = z.infer<typeof ObservedResource>;

export const StateReport = z.object({
  update_id: z.number().int(),
  pools: z.array(ObservedPool),
  /** Every resource of the update (full) or of the delta. */
  resources: z.array(ObservedResource),
  /** Resources the satellite has removed (confirming a removal asked for). */
  removed_resources: z.array(z.string()).default([]),
  /** Findings about the node as a whole (e.g. an external file outside allowExtFiles). */
  reports: z.array(Report).default([]),
});
export type StateReport = z.infer<typeof StateReport>;

export const SatelliteEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('heartbeat'), update_id: z.number().int() }),
  z.object({ type: z.literal('resource'), resource: ObservedResource }),
  z.object({ type: z.literal('pool'), pool: ObservedPool }),
]);
export type SatelliteEvent = z.infer<typeof SatelliteEvent>;

/** A volume's snapshot on the pool: `<resource>_<nnnnn>_<snapshot>` (LINSTOR's naming for thin LVs). */
export function snapshotVolumeName(resource: string, volumeNumber: number, snapshot: string): string {
  return `${volumeName(resource, volumeNumber)}_${snapshot}`;
}

/** LINSTOR's volume naming, the proof a satellite created a device: `<resource>_<nnnnn>`. */
export function volumeName(resource: string, volumeNumber: number): string {
  return `${resource}_${String(volumeNumber).padStart(5, '0')}`;
}

/**
 * Auxiliary volumes some layers make next to the data volume, named with LINSTOR's resource-name
 * suffixes (RscLayerSuffixes): `<resource><suffix>_<nnnnn>`. The suffix starts with a dot, which no
 * resource name contains, so a name splits one way only.
 */
export const AUX_VOLUME_SUFFIXES = {
  /** CACHE: the dm-cache cache device. */
  dmcache_cache: '.dmcache_cache',
  /** CACHE: the dm-cache metadata device. */
  dmcache_meta: '.dmcache_meta',
  /** WRITECACHE: the dm-writecache cache device. */
  cache: '.cache',
} as const;

/** `data`: the resource's own `<resource>_<nnnnn>`; otherwise which auxiliary volume it is. */
export type VolumeKind = 'data' | keyof typeof AUX_VOLUME_SUFFIXES;

const SUFFIX_KIND = new Map<string, VolumeKind>(
  Object.entries(AUX_VOLUME_SUFFIXES).map(([kind, suffix]) => [suffix, kind as VolumeKind]),
);
const VOLUME_NAME = new RegExp(
  `^([A-Za-z_][A-Za-z0-9_-]{1,47})(${Object.values(AUX_VOLUME_SUFFIXES).map((x) => x.replace('.', '\\.')).join('|')})?_(\\d{5})$`,
);

/** Parses `<resource>_<nnnnn>` or `<resource><aux suffix>_<nnnnn>` back; undefined for names Storhub did not make. */
export function parseVolumeName(name: string): { resource: string; volumeNumber: number; kind: VolumeKind } | undefined {
  const m = VOLUME_NAME.exec(name);
  if (!m) return undefined;
  return { resource: m[1], volumeNumber: Number(m[3]), kind: m[2] === undefined ? 'data' : SUFFIX_KIND.get(m[2])! };
}
