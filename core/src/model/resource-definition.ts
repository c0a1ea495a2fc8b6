/** Wire shapes of resource definitions (with their layer data) and volume definitions. */
import { z } from 'zod';
import { LAYER_KINDS } from './enums.js';
import { optInt, optString, optStringList, propsMap, PropsModifyFields } from './lenient.js';

export const DrbdResourceDefinitionLayer = z.object({
  resource_name_suffix: z.string().optional(),
  peer_slots: z.number().int(),
  al_stripes: z.number().int(),
  al_stripe_size_kib: z.number().int(),
  /** The preferred TCP port; -1 when none (old clients require the key). */
  port: z.number().int(),
  transport_type: z.string(),
  secret: z.string(),
  down: z.boolean(),
});

export const ResourceDefinitionLayer = z.object({
  type: z.enum(LAYER_KINDS),
  data: DrbdResourceDefinitionLayer.optional(),
});

export const DrbdVolumeDefinition = z.object({
  resource_name_suffix: z.string().optional(),
  volume_number: z.number().int(),
  minor_number: z.number().int().optional(),
});

export const VolumeDefinitionLayer = z.object({
  type: z.enum(LAYER_KINDS),
  data: DrbdVolumeDefinition.optional(),
});

export const VolumeDefinition = z.object({
  volume_number: z.number().int(),
  size_kib: z.number().int(),
  props: z.record(z.string(), z.string()).optional(),
  flags: z.array(z.string()).optional(),
  layer_data: z.array(VolumeDefinitionLayer).optional(),
  uuid: z.string().optional(),
});
export type VolumeDefinition = z.infer<typeof VolumeDefinition>;

export const ResourceDefinition = z.object({
  name: z.string(),
  external_name: z.string().optional(),
  props: z.record(z.string(), z.string()).optional(),
  flags: z.array(z.string()).optional(),
  layer_data: z.array(ResourceDefinitionLayer).optional(),
  uuid: z.string().optional(),
  resource_group_name: z.string().optional(),
  volume_definitions: z.array(VolumeDefinition).optional(),
});
export type ResourceDefinition = z.infer<typeof ResourceDefinition>;

/** Only the layer *types* of `layer_data` are used on create; plain strings are accepted too. */
const LayerTypeList = z.preprocess(
  (v) => (v === null ? undefined : Array.isArray(v) ? v.map((e) => (typeof e === 'string' ? { type: e } : e)) : v),
  z.array(z.object({ type: z.string() })).optional(),
);

export const ResourceDefinitionCreate = z.object({
  resource_definition: z.preprocess(
    (v) => (v === null || v === undefined ? {} : v),
    z.object({
      name: optString(),
      external_name: optString(),
      props: propsMap(),
      layer_data: LayerTypeList,
      resource_group_name: optString(),
    }),
  ),
  drbd_port: optInt(),
  drbd_secret: optString(),
  drbd_peer_slots: optInt(),
  drbd_transport_type: optString(),
});
export type ResourceDefinitionCreate = z.infer<typeof ResourceDefinitionCreate>;

export const ResourceDefinitionModify = z.object({
  ...PropsModifyFields,
  drbd_port: optInt(),
  drbd_peer_slots: optInt(),
  layer_stack: optStringList(),
  resource_group: optString(),
});
export type ResourceDefinitionModify = z.infer<typeof ResourceDefinitionModify>;

/** The volume definition part of a create request (sizes and numbers checked by the service). */
export const VolumeDefinitionSpec = z.object({
  volume_number: optInt(),
  size_kib: optInt(),
  props: propsMap(),
  flags: optStringList(),
});
export type VolumeDefinitionSpec = z.infer<typeof VolumeDefinitionSpec>;

export const VolumeDefinitionCreate = z.object({
  volume_definition: z.preprocess((v) => (v === null || v === undefined ? {} : v), VolumeDefinitionSpec),
  drbd_minor_number: optInt(),
  passphrase: optString(),
});
export type VolumeDefinitionCreate = z.infer<typeof VolumeDefinitionCreate>;

/** Resize is `{"size_kib": N}`; `flags` adds `X` / removes `-X`. */
export const VolumeDefinitionModify = z.object({
  size_kib: optInt(),
  ...PropsModifyFields,
  flags: optStringList(),
});
export type VolumeDefinitionModify = z.infer<typeof VolumeDefinitionModify>;
