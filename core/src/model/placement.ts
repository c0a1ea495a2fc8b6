/**
 * Wire shapes of placement: autoplace and make-available requests, and the size queries
 * (query-size-info, query-all-size-info, query-max-volume-size), as in LINSTOR's OpenAPI document.
 */
import { z } from 'zod';
import { optBool, optInt, optStringList, nullToUndefined } from './lenient.js';
import { AutoSelectFilterInput } from './resource-group.js';

const optFilter = () => z.preprocess(nullToUndefined, AutoSelectFilterInput.optional());

/**
 * POST /v1/resource-definitions/{rd}/autoplace. The top-level `diskless_on_remaining` and
 * `layer_list` override the filter's fields of the same meaning when given (the CLI sends
 * `"diskless_on_remaining": null` when the flag is not used).
 */
export const AutoPlaceRequest = z.object({
  select_filter: optFilter(),
  diskless_on_remaining: optBool(),
  layer_list: optStringList(),
  copy_all_snaps: optBool(),
  snap_names: optStringList(),
});
export type AutoPlaceRequest = z.infer<typeof AutoPlaceRequest>;

const tcpPort = z.preprocess(
  (v) => (typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : v),
  z.number().int().min(1).max(65535),
);

/** POST .../resources/{node}/make-available. */
export const ResourceMakeAvailable = z.object({
  layer_list: optStringList(),
  diskful: optBool(),
  drbd_tcp_ports: z.preprocess(nullToUndefined, z.array(tcpPort).optional()),
  snap_names: optStringList(),
  copy_all_snaps: optBool(),
});
export type ResourceMakeAvailable = z.infer<typeof ResourceMakeAvailable>;

/** POST /v1/resource-groups/{rg}/adjust and /v1/resource-groups/adjustall. */
export const ResourceGroupAdjust = z.object({
  select_filter: optFilter(),
});
export type ResourceGroupAdjust = z.infer<typeof ResourceGroupAdjust>;

/** POST .../query-size-info and /v1/queries/resource-groups/query-all-size-info. */
export const QuerySizeInfoRequest = z.object({
  select_filter: optFilter(),
  ignore_cache_older_than_sec: optInt(),
});
export type QuerySizeInfoRequest = z.infer<typeof QuerySizeInfoRequest>;

export const QuerySizeInfoSpawnResult = z.object({
  node_name: z.string(),
  stor_pool_name: z.string(),
  stor_pool_oversubscription_ratio: z.number().optional(),
  stor_pool_free_capacity_oversubscription_ratio: z.number().optional(),
  stor_pool_total_capacity_oversubscription_ratio: z.number().optional(),
});

export const QuerySizeInfoSpaceInfo = z.object({
  max_vlm_size_in_kib: z.number().int(),
  available_size_in_kib: z.number().int().optional(),
  capacity_in_kib: z.number().int().optional(),
  default_max_oversubscription_ratio: z.number().optional(),
  max_oversubscription_ratio: z.number().optional(),
  max_free_capacity_oversubscription_ratio: z.number().optional(),
  max_total_capacity_oversubscription_ratio: z.number().optional(),
  next_spawn_result: z.array(QuerySizeInfoSpawnResult).optional(),
});
export type QuerySizeInfoSpaceInfo = z.infer<typeof QuerySizeInfoSpaceInfo>;

const ReportList = z.array(z.object({ ret_code: z.number().int(), message: z.string() }).passthrough());

export const QuerySizeInfoResponse = z.object({
  space_info: QuerySizeInfoSpaceInfo.optional(),
  reports: ReportList.optional(),
});

export const QueryAllSizeInfoResponse = z.object({
  result: z.record(z.string(), QuerySizeInfoResponse).optional(),
  reports: ReportList.optional(),
});

/** One storage pool name usable for a placement, and the largest volume it can take on its nodes. */
export const MaxVolumeSizeCandidate = z.object({
  storage_pool: z.string().optional(),
  max_volume_size_kib: z.number().int().optional(),
  node_names: z.array(z.string()).optional(),
  all_thin: z.boolean().optional(),
});

export const MaxVolumeSizes = z.object({
  candidates: z.array(MaxVolumeSizeCandidate).optional(),
  default_max_oversubscription_ratio: z.number().optional(),
});
