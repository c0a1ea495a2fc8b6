/** Wire shapes of resource groups, their select filter, volume groups and the spawn request. */
import { z } from 'zod';
import { optBool, optInt, optNumber, optString, optStringList, propsMap, PropsModifyFields, nullToUndefined } from './lenient.js';

const toInt = (v: unknown) => (typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : v);

/** The select filter as LINSTOR emits it (NON_EMPTY: unset fields are absent). */
export const AutoSelectFilter = z.object({
  place_count: z.number().int().optional(),
  additional_place_count: z.number().int().optional(),
  node_name_list: z.array(z.string()).optional(),
  storage_pool: z.string().optional(),
  storage_pool_list: z.array(z.string()).optional(),
  storage_pool_diskless_list: z.array(z.string()).optional(),
  not_place_with_rsc: z.array(z.string()).optional(),
  not_place_with_rsc_regex: z.string().optional(),
  replicas_on_same: z.array(z.string()).optional(),
  replicas_on_different: z.array(z.string()).optional(),
  x_replicas_on_different_map: z.record(z.string(), z.number().int()).optional(),
  layer_stack: z.array(z.string()).optional(),
  provider_list: z.array(z.string()).optional(),
  diskless_on_remaining: z.boolean().optional(),
  diskless_type: z.string().optional(),
  overprovision: z.number().optional(),
});
export type AutoSelectFilter = z.infer<typeof AutoSelectFilter>;

/**
 * The select filter as clients send it: numbers as strings ("place_count": "3" from the CLI), nulls
 * for "not given", enum values in any case (layer/provider names are checked by the service, so the
 * answer carries LINSTOR's FAIL_INVLD_LAYER_KIND / FAIL_INVLD_PROVIDER codes, not a parse error).
 */
export const AutoSelectFilterInput = z.object({
  place_count: optInt(),
  additional_place_count: optInt(),
  node_name_list: optStringList(),
  storage_pool: optString(),
  storage_pool_list: optStringList(),
  storage_pool_diskless_list: optStringList(),
  not_place_with_rsc: optStringList(),
  not_place_with_rsc_regex: optString(),
  replicas_on_same: optStringList(),
  replicas_on_different: optStringList(),
  x_replicas_on_different_map: z.preprocess(
    nullToUndefined,
    z.record(z.string(), z.preprocess(toInt, z.number().int())).optional(),
  ),
  layer_stack: optStringList(),
  provider_list: optStringList(),
  diskless_on_remaining: optBool(),
  diskless_type: optString(),
  overprovision: optNumber(),
});
export type AutoSelectFilterInput = z.infer<typeof AutoSelectFilterInput>;

const optFilter = () => z.preprocess(nullToUndefined, AutoSelectFilterInput.optional());

export const ResourceGroup = z.object({
  name: z.string(),
  description: z.string().optional(),
  props: z.record(z.string(), z.string()).optional(),
  select_filter: AutoSelectFilter.optional(),
  uuid: z.string().optional(),
  peer_slots: z.number().int().optional(),
});
export type ResourceGroup = z.infer<typeof ResourceGroup>;

/** POST /v1/resource-groups. `props` is accepted but ignored, as the reference server does. */
export const ResourceGroupCreate = z.object({
  name: optString(),
  description: optString(),
  props: propsMap(),
  select_filter: optFilter(),
  peer_slots: optInt(),
});
export type ResourceGroupCreate = z.infer<typeof ResourceGroupCreate>;

export const ResourceGroupModify = z.object({
  description: optString(),
  ...PropsModifyFields,
  select_filter: optFilter(),
  peer_slots: optInt(),
});
export type ResourceGroupModify = z.infer<typeof ResourceGroupModify>;

export const VolumeGroup = z.object({
  volume_number: z.number().int(),
  props: z.record(z.string(), z.string()).optional(),
  uuid: z.string().optional(),
  flags: z.array(z.string()).optional(),
});
export type VolumeGroup = z.infer<typeof VolumeGroup>;

/** Body may be `{}`: the next free volume number is used. */
export const VolumeGroupCreate = z.object({
  volume_number: optInt(),
  props: propsMap(),
  flags: optStringList(),
});
export type VolumeGroupCreate = z.infer<typeof VolumeGroupCreate>;

/** Props change plus `flags`: `X` sets a flag, `-X` clears it. */
export const VolumeGroupModify = z.object({
  ...PropsModifyFields,
  flags: optStringList(),
});
export type VolumeGroupModify = z.infer<typeof VolumeGroupModify>;

export const ResourceGroupSpawn = z.object({
  resource_definition_name: optString(),
  resource_definition_external_name: optString(),
  volume_sizes: z.preprocess((v) => (v === null || v === undefined ? [] : v), z.array(z.preprocess(toInt, z.number().int()))),
  select_filter: optFilter(),
  partial: optBool(),
  definitions_only: optBool(),
  peer_slots: optInt(),
  volume_passphrases: optStringList(),
  resource_definition_props: propsMap(),
});
export type ResourceGroupSpawn = z.infer<typeof ResourceGroupSpawn>;
