/**
 * Builds the autoplacer's plain-data input from the controller: nodes and pools from the graph,
 * connection status, supported layers and capacities from the runtime (what satellites reported),
 * and what is already placed in every pool from the resource records.
 *
 * The per-pool usage needs a pass over every resource; it is cached per state of the graph (the
 * sorted value arrays of the resource and definition tables are replaced on every change, so their
 * identity is the version), which makes repeated placements on an unchanged cluster cheap.
 */
import { THIN_PROVIDERS, type LayerKind } from '../../model/enums.js';
import { resolve, resolveOversubscription } from '../../props/resolve.js';
import type { Props, ResourceDefinitionRecord, ResourceRecord, StoragePoolRecord } from '../../store/records.js';
import type { StoragePoolRuntime } from '../runtime.js';
import type { Controller } from '../controller.js';
import { key, type Graph } from '../graph.js';
import { weightsFrom } from './strategies.js';
import type { ClusterInput, ExistingReplica, PlacementNode, PlacementPool, Weights } from './types.js';

interface PoolUsage {
  reserved: number;
  resources: number;
}

interface Usage {
  /** By store key of the pool (NODE/POOL). */
  pools: Map<string, PoolUsage>;
  /** Resource definition names (and their keys) by node key. */
  resourcesOn: Map<string, { names: string[]; keys: Set<string> }>;
}

const usageCache = new WeakMap<readonly ResourceRecord[], { rds: readonly ResourceDefinitionRecord[]; usage: Usage }>();

const isDiskless = (r: ResourceRecord) => r.flags.includes('DISKLESS');

/** Volume sizes by resource definition and volume number. */
function vdSize(rd: ResourceDefinitionRecord | undefined, volumeNumber: number): number {
  return rd?.volume_definitions.find((vd) => vd.volume_number === volumeNumber)?.size_kib ?? 0;
}

function usage(graph: Graph): Usage {
  const rscs = graph.resources.values();
  const rds = graph.resourceDefinitions.values();
  const hit = usageCache.get(rscs);
  if (hit && hit.rds === rds) return hit.usage;
  const out: Usage = { pools: new Map(), resourcesOn: new Map() };
  // Names repeat a lot (1,000 nodes, a few pool names, resources sorted by definition): upper-case
  // each distinct name once.
  const upper = new Map<string, string>();
  const up = (s: string) => {
    let u = upper.get(s);
    if (u === undefined) upper.set(s, (u = s.toUpperCase()));
    return u;
  };
  let rd: ResourceDefinitionRecord | undefined;
  for (const r of rscs) {
    const nodeKey = up(r.node_name);
    const rdKey = up(r.name);
    let on = out.resourcesOn.get(nodeKey);
    if (!on) out.resourcesOn.set(nodeKey, (on = { names: [], keys: new Set() }));
    on.names.push(r.name);
    on.keys.add(rdKey);
    if (isDiskless(r)) continue;
    if (rd === undefined || rd.name !== r.name) rd = graph.resourceDefinitions.get(rdKey);
    // A resource counts once per pool, however many of its volumes are there.
    const seen = r.volumes.length > 1 ? new Set<string>() : undefined;
    for (const v of r.volumes) {
      const poolKey = `${nodeKey}/${up(v.storage_pool_name)}`;
      let u = out.pools.get(poolKey);
      if (!u) out.pools.set(poolKey, (u = { reserved: 0, resources: 0 }));
      u.reserved += vdSize(rd, v.volume_number);
      if (!seen) u.resources++;
      else if (!seen.has(poolKey)) {
        seen.add(poolKey);
        u.resources++;
      }
    }
  }
  usageCache.set(rscs, { rds, usage: out });
  return out;
}

const num = (v: string | undefined): number => {
  const n = v === undefined ? NaN : Number(v);
  return Number.isFinite(n) ? n : 0;
};

/**
 * MaxThroughput ratings: Autoplacer/MaxThroughput (pool, pool definition, controller) minus the
 * blkio read+write throttles of the volumes in the pool (volume, resource, node, volume definition,
 * resource definition, controller). Computed only when the strategy has a weight.
 */
function throughputs(graph: Graph): Map<string, number> {
  const ctrl = graph.controller.props;
  const out = new Map<string, number>();
  for (const sp of graph.storagePools.values()) {
    const max = resolve(['pool', 'spd', 'ctrl'], { pool: sp.props, spd: graph.storagePoolDefinition(sp.name)?.props, ctrl }, 'Autoplacer/MaxThroughput');
    out.set(key.sp(sp.node_name, sp.name), num(max?.value));
  }
  const order = ['vlm', 'rsc', 'node', 'vd', 'rd', 'ctrl'] as const;
  for (const r of graph.resources.values()) {
    if (isDiskless(r)) continue;
    const rd = graph.resourceDefinition(r.name);
    const node = graph.node(r.node_name);
    for (const v of r.volumes) {
      const vd = rd?.volume_definitions.find((x) => x.volume_number === v.volume_number);
      const containers = { vlm: v.props, rsc: r.props, node: node?.props, vd: vd?.props, rd: rd?.props, ctrl };
      const used = num(resolve(order, containers, 'sys/fs/blkio_throttle_read')?.value)
        + num(resolve(order, containers, 'sys/fs/blkio_throttle_write')?.value);
      const k = key.sp(r.node_name, v.storage_pool_name);
      out.set(k, (out.get(k) ?? 0) - used);
    }
  }
  return out;
}

const toNumber = (v: bigint | number | undefined): number | undefined => (v === undefined ? undefined : Number(v));

const notFalse = (v: string | undefined) => v === undefined || v.trim().toLowerCase() !== 'false';

export interface ClusterOptions {
  /** Compute MaxThroughput ratings (only needed when its weight is not 0). */
  throughput?: boolean;
}

/** What a pool record and the properties it inherits decide; cached per record (records are replaced, never changed). */
interface PoolStatic {
  spdProps: Props | undefined;
  ctrlProps: Props;
  spKey: string;
  nodeKey: string;
  freeRatio: number;
  totalRatio: number;
  target: boolean;
  sharedSpace: string;
}

const poolStatics = new WeakMap<StoragePoolRecord, PoolStatic>();

function poolStatic(g: Graph, sp: StoragePoolRecord): PoolStatic {
  const spdProps = g.storagePoolDefinition(sp.name)?.props;
  const ctrlProps = g.controller.props;
  const hit = poolStatics.get(sp);
  if (hit && hit.spdProps === spdProps && hit.ctrlProps === ctrlProps) return hit;
  const thin = THIN_PROVIDERS.has(sp.provider_kind);
  const containers = { storagePool: sp.props, storagePoolDefinition: spdProps, controller: ctrlProps };
  const base = thin ? resolveOversubscription(containers).value : 1;
  const out: PoolStatic = {
    spdProps,
    ctrlProps,
    spKey: key.sp(sp.node_name, sp.name),
    nodeKey: key.node(sp.node_name),
    freeRatio: thin ? resolveOversubscription(containers, 'MaxFreeCapacityOversubscriptionRatio', base).value : 1,
    totalRatio: thin ? resolveOversubscription(containers, 'MaxTotalCapacityOversubscriptionRatio', base).value : 1,
    target: notFalse(sp.props.AutoplaceTarget),
    sharedSpace: (sp.free_space_mgr_name ?? `${sp.node_name};${sp.name}`).toUpperCase(),
  };
  poolStatics.set(sp, out);
  return out;
}

/** The cluster as the autoplacer sees it. Nodes and pools sorted by name. */
export function clusterFromController(c: Controller, opts: ClusterOptions = {}): ClusterInput {
  const g = c.graph;
  const ctrl = g.controller.props;
  const used = usage(g);
  const tp = opts.throughput ? throughputs(g) : undefined;
  const poolsByNode = new Map<string, PlacementPool[]>();
  for (const sp of g.storagePools.values()) {
    const st = poolStatic(g, sp);
    const rt = sp.provider_kind === 'DISKLESS' ? NO_CAPACITY : c.runtime.storagePool(sp.node_name, sp.name);
    const u = used.pools.get(st.spKey);
    const pool: PlacementPool = {
      name: sp.name,
      provider: sp.provider_kind,
      free: toNumber(rt.free_capacity),
      total: toNumber(rt.total_capacity),
      freeRatio: st.freeRatio,
      totalRatio: st.totalRatio,
      reserved: u?.reserved ?? 0,
      resources: u?.resources ?? 0,
      throughput: tp?.get(st.spKey) ?? 0,
      target: st.target,
      sharedSpace: st.sharedSpace,
    };
    let list = poolsByNode.get(st.nodeKey);
    if (!list) poolsByNode.set(st.nodeKey, (list = []));
    list.push(pool);
  }
  const ctrlTarget = ctrl.AutoplaceTarget;
  const nodes: PlacementNode[] = g.nodes.values().map((n) => {
    const rt = c.runtime.node(n.name);
    const nodeKey = key.node(n.name);
    const on = used.resourcesOn.get(nodeKey);
    const node: PlacementNode = {
      name: n.name,
      type: n.type,
      connection: rt.connection_status,
      flags: n.flags,
      props: n.props,
      target: notFalse(n.props.AutoplaceTarget ?? ctrlTarget),
      resources: on?.names ?? [],
      resourceKeys: on?.keys ?? EMPTY,
      pools: poolsByNode.get(nodeKey) ?? [],
    };
    if (rt.resource_layers) node.layers = rt.resource_layers as LayerKind[];
    if (rt.storage_providers) node.providers = rt.storage_providers;
    return node;
  });
  return { nodes };
}

const NO_CAPACITY: StoragePoolRuntime = Object.freeze({});
const EMPTY: ReadonlySet<string> = new Set();

const GONE_RSC = ['DELETE', 'DRBD_DELETE', 'EVICTED', 'EVACUATE'];
const GONE_NODE = ['EVACUATE', 'EVICTED'];

/** The replicas that count for placement: not being deleted, evicted or evacuated, not SkipDisk. */
export function existingReplicas(graph: Graph, rdName: string): ExistingReplica[] {
  const out: ExistingReplica[] = [];
  for (const r of graph.resourcesOf(rdName)) {
    if (r.flags.some((f) => GONE_RSC.includes(f))) continue;
    if (graph.node(r.node_name)?.flags.some((f) => GONE_NODE.includes(f))) continue;
    const skip = r.props['DrbdOptions/SkipDisk']?.toLowerCase();
    if (skip === 'true' || skip === 'yes') continue;
    const diskless = isDiskless(r);
    const pool = diskless ? undefined : graph.storagePool(r.node_name, r.volumes[0]?.storage_pool_name ?? '');
    out.push({ node: r.node_name, diskless, ...(pool ? { provider: pool.provider_kind } : {}) });
  }
  return out;
}

/** The weights of the strategies (controller properties Autoplacer/Weights/*). */
export function weightsOf(graph: Graph): Weights {
  return weightsFrom(graph.controller.props);
}

/** AllowMixingStoragePoolDriver over resource definition, resource group, controller. */
export function mixingAllowed(graph: Graph, rd?: ResourceDefinitionRecord): boolean {
  const props: Array<Props | undefined> = [rd?.props, rd ? graph.resourceGroup(rd.resource_group_name)?.props : undefined, graph.controller.props];
  const v = props.find((p) => p?.AllowMixingStoragePoolDriver !== undefined)?.AllowMixingStoragePoolDriver;
  return v?.toLowerCase() === 'true';
}

/** KiB a diskful replica of the definition needs: the sum of its volume definitions' sizes. */
export function sizeOf(rd: ResourceDefinitionRecord): number {
  return rd.volume_definitions.reduce((sum, vd) => sum + vd.size_kib, 0);
}
