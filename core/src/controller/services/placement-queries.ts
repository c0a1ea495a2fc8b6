/**
 * Size queries: what the next spawn from a group could hold (query-size-info, and for every group
 * query-all-size-info, which the Proxmox plugin polls for its storage status), and the deprecated
 * query-max-volume-size (per pool name). All are dry runs of the autoplacer: nothing is written.
 *
 * As in LINSTOR: max_vlm_size_in_kib is the smallest (oversubscribed) free capacity among the pools
 * the next spawn would use; available_size_in_kib and capacity_in_kib estimate how much could be
 * placed with place_count replicas over all qualifying pools, by free and by total capacity.
 */
import { type ApiCallRc, Code, isoOffsetNow, retCode } from '../../model/apicallrc.js';
import { StorhubError } from '../../model/errors.js';
import { THIN_PROVIDERS } from '../../model/enums.js';
import { DEFAULT_OVERSUBSCRIPTION_RATIO } from '../../props/resolve.js';
import type { QuerySizeInfoRequest, QuerySizeInfoSpaceInfo } from '../../model/placement.js';
import type { AutoSelectFilterRecord, ResourceGroupRecord } from '../../store/records.js';
import { clusterFromController, weightsOf } from '../autoplacer/adapter.js';
import { autoplace } from '../autoplacer/autoplacer.js';
import { notEnoughNodes } from '../autoplacer/explain.js';
import type { ClusterInput, PlacementRequest } from '../autoplacer/types.js';
import type { Controller } from '../controller.js';
import { DEFAULT_PLACE_COUNT } from './placement.js';
import { applyFilterChanges, mergeFilters } from './select-filter.js';

export interface QuerySizeInfoAnswer {
  space_info: QuerySizeInfoSpaceInfo;
  reports: ApiCallRc[];
}

export interface MaxVolumeSizesAnswer {
  candidates: Array<{ storage_pool: string; max_volume_size_kib: number; node_names: string[]; all_thin: boolean }>;
  default_max_oversubscription_ratio: number;
}

/**
 * How much `count` replicas can hold over pools of these sizes: repeatedly fill the `count` largest
 * equally up to the smallest of them (each replica on a different pool), until fewer than `count`
 * pools have room left.
 */
export function simulateFill(sizes: readonly number[], count: number): number {
  if (count <= 0) return 0;
  let left = sizes.filter((s) => s > 0);
  let total = 0;
  while (left.length >= count) {
    left.sort((a, b) => a - b);
    const step = left[left.length - count];
    total += step;
    for (let i = left.length - count; i < left.length; i++) left[i] -= step;
    left = left.filter((s) => s > 0);
  }
  return total;
}

export class PlacementQueryService {
  constructor(private readonly c: Controller) {}

  private group(name: string): ResourceGroupRecord {
    const rg = this.c.graph.resourceGroup(name);
    if (!rg) {
      throw new StorhubError('FAIL_NOT_FOUND_RSC_GRP', `Resource group '${name}' not found.`, { objRefs: { RscGrp: name } });
    }
    return rg;
  }

  private defaultRatio(): number {
    const v = Number(this.c.graph.controller.props.MaxOversubscriptionRatio);
    return Number.isFinite(v) && v > 0 ? v : DEFAULT_OVERSUBSCRIPTION_RATIO;
  }

  private request(filter: Readonly<AutoSelectFilterRecord>, subject?: string): PlacementRequest {
    return {
      ...(subject ? { subject } : {}),
      filter,
      count: filter.place_count ?? DEFAULT_PLACE_COUNT,
      sizeKib: 0,
      layers: filter.layer_stack ?? ['DRBD', 'STORAGE'],
      existing: [],
      weights: weightsOf(this.c.graph),
      // A size answer needs sizes: pools that have not reported theirs do not count.
      uncheckedCapacity: 'exclude',
    };
  }

  /** POST /v1/resource-groups/{rg}/query-size-info. */
  querySizeInfo(rgName: string, body: QuerySizeInfoRequest): QuerySizeInfoAnswer {
    const rg = this.group(rgName);
    return this.sizeInfo(rg, applyFilterChanges({}, body.select_filter), clusterFromController(this.c));
  }

  /** POST /v1/queries/resource-groups/query-all-size-info: the same for every group, by name. */
  queryAllSizeInfo(body: QuerySizeInfoRequest): { result: Record<string, QuerySizeInfoAnswer>; reports: ApiCallRc[] } {
    const request = applyFilterChanges({}, body.select_filter);
    const cluster = clusterFromController(this.c);
    const result: Record<string, QuerySizeInfoAnswer> = {};
    for (const rg of this.c.graph.resourceGroups.values()) result[rg.name] = this.sizeInfo(rg, request, cluster);
    return { result, reports: [] };
  }

  private sizeInfo(rg: ResourceGroupRecord, request: AutoSelectFilterRecord, cluster: ClusterInput): QuerySizeInfoAnswer {
    const req = this.request(mergeFilters(request, rg.select_filter), `the next spawn from resource group '${rg.name}'`);
    const result = autoplace(cluster, req);
    const qualified = result.qualified;
    const space: QuerySizeInfoSpaceInfo = {
      max_vlm_size_in_kib: result.ok ? Math.min(...result.selected.map((s) => s.free)) : 0,
      available_size_in_kib: result.ok ? simulateFill(qualified.map((q) => q.pool.free ?? 0), req.count) : 0,
      capacity_in_kib: simulateFill(qualified.map((q) => q.pool.total ?? 0), req.count),
      default_max_oversubscription_ratio: this.defaultRatio(),
    };
    if (result.ok) {
      space.next_spawn_result = result.selected.map((s) => ({
        node_name: s.node.name,
        stor_pool_name: s.pool.name,
        stor_pool_oversubscription_ratio: Math.min(s.pool.freeRatio, s.pool.totalRatio),
        stor_pool_free_capacity_oversubscription_ratio: s.pool.freeRatio,
        stor_pool_total_capacity_oversubscription_ratio: s.pool.totalRatio,
      }));
    }
    const reports: ApiCallRc[] = [];
    if (!result.ok) {
      // Not an error of the query: the answer is "nothing fits", and the report says why.
      const err = notEnoughNodes(req, result);
      reports.push({
        ret_code: retCode('warn', Code.FAIL_NOT_ENOUGH_NODES),
        message: err.message,
        ...(err.info.details ? { details: err.info.details } : {}),
        ...(err.info.correction ? { correction: err.info.correction } : {}),
        obj_refs: { RscGrp: rg.name },
        created_at: isoOffsetNow(),
      });
    }
    return { space_info: space, reports };
  }

  /**
   * GET /v1/resource-groups/{rg}/query-max-volume-size and OPTIONS /v1/query-max-volume-size: for
   * every storage pool name, the nodes the autoplacer would use with only that pool and the largest
   * volume they can all take.
   */
  queryMaxVolumeSize(filter: Readonly<AutoSelectFilterRecord>): MaxVolumeSizesAnswer {
    const cluster = clusterFromController(this.c);
    const names = new Map<string, string>();
    for (const n of cluster.nodes) for (const p of n.pools) if (p.provider !== 'DISKLESS') names.set(p.name.toUpperCase(), p.name);
    const allowed = filter.storage_pool_list?.map((p) => p.toUpperCase());
    const candidates: MaxVolumeSizesAnswer['candidates'] = [];
    for (const [upper, name] of [...names].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      if (allowed?.length && !allowed.includes(upper)) continue;
      const result = autoplace(cluster, this.request({ ...filter, storage_pool_list: [name] }));
      if (!result.ok) continue;
      candidates.push({
        storage_pool: name,
        max_volume_size_kib: Math.min(...result.selected.map((s) => s.free)),
        node_names: result.selected.map((s) => s.node.name),
        all_thin: result.selected.every((s) => THIN_PROVIDERS.has(s.pool.provider)),
      });
    }
    return { candidates, default_max_oversubscription_ratio: this.defaultRatio() };
  }

  /** The rg's filter only (the deprecated GET variant takes no body). */
  queryMaxVolumeSizeOfGroup(rgName: string): MaxVolumeSizesAnswer {
    return this.queryMaxVolumeSize(this.group(rgName).select_filter);
  }
}

