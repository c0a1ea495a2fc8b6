/**
 * Placement test fixtures: a RuntimeState whose node states and pool capacities tests set (the
 * controller's view of what satellites reported), and builders for synthetic autoplacer inputs.
 */
import type { NodeRuntime, ResourceRuntime, RuntimeState, StoragePoolRuntime } from '../src/controller/runtime.js';
import type { LayerKind, ProviderKind } from '../src/model/enums.js';
import { THIN_PROVIDERS } from '../src/model/enums.js';
import { DEFAULT_WEIGHTS } from '../src/controller/autoplacer/strategies.js';
import type { ClusterInput, PlacementNode, PlacementPool, PlacementRequest } from '../src/controller/autoplacer/types.js';

export const GiB = 1024 * 1024;

export interface FakeRuntimeDefaults {
  /** Nodes not set explicitly are ONLINE unless this is false. */
  online?: boolean;
  /** Capacity of every pool not set explicitly (KiB); unknown when absent. */
  pool?: StoragePoolRuntime;
}

/** Satellite state as tests want it: every node ONLINE and pools of a default capacity unless set. */
export class FakeRuntime implements RuntimeState {
  private readonly nodes = new Map<string, NodeRuntime>();
  private readonly pools = new Map<string, StoragePoolRuntime>();

  constructor(private readonly defaults: FakeRuntimeDefaults = {}) {}

  node(name: string): NodeRuntime {
    return this.nodes.get(name.toUpperCase()) ?? { connection_status: this.defaults.online === false ? 'OFFLINE' : 'ONLINE' };
  }
  storagePool(node: string, pool: string): StoragePoolRuntime {
    return this.pools.get(`${node}/${pool}`.toUpperCase()) ?? this.defaults.pool ?? {};
  }
  resource(): ResourceRuntime {
    return {};
  }

  setNode(name: string, rt: NodeRuntime): this {
    this.nodes.set(name.toUpperCase(), rt);
    return this;
  }
  setPool(node: string, pool: string, freeKib: number | undefined, totalKib: number | undefined): this {
    this.pools.set(`${node}/${pool}`.toUpperCase(), {
      ...(freeKib !== undefined ? { free_capacity: freeKib } : {}),
      ...(totalKib !== undefined ? { total_capacity: totalKib } : {}),
    });
    return this;
  }
}

// --- synthetic autoplacer inputs ---

export interface PoolSpec {
  name?: string;
  provider?: ProviderKind;
  free?: number;
  total?: number;
  ratio?: number;
  reserved?: number;
  resources?: number;
  throughput?: number;
  target?: boolean;
  sharedSpace?: string;
}

export function pool(spec: PoolSpec = {}): PlacementPool {
  const provider = spec.provider ?? 'LVM_THIN';
  const thin = THIN_PROVIDERS.has(provider);
  const name = spec.name ?? 'pool1';
  return {
    name,
    provider,
    ...('free' in spec ? (spec.free === undefined ? {} : { free: spec.free }) : { free: 100 * GiB }),
    ...('total' in spec ? (spec.total === undefined ? {} : { total: spec.total }) : { total: 100 * GiB }),
    freeRatio: thin ? spec.ratio ?? 20 : 1,
    totalRatio: thin ? spec.ratio ?? 20 : 1,
    reserved: spec.reserved ?? 0,
    resources: spec.resources ?? 0,
    throughput: spec.throughput ?? 0,
    target: spec.target ?? true,
    // Empty: node() fills in the per-pool space '<node>;<pool>'.
    sharedSpace: spec.sharedSpace ?? '',
  };
}

export interface NodeSpec {
  connection?: string;
  flags?: string[];
  props?: Record<string, string>;
  target?: boolean;
  layers?: LayerKind[];
  providers?: ProviderKind[];
  resources?: string[];
  pools?: PlacementPool[];
  type?: PlacementNode['type'];
}

export function node(name: string, spec: NodeSpec = {}): PlacementNode {
  const pools = (spec.pools ?? [pool()]).map((p) => ({ ...p, sharedSpace: p.sharedSpace || `${name};${p.name}` }));
  return {
    name,
    type: spec.type ?? 'SATELLITE',
    connection: spec.connection ?? 'ONLINE',
    flags: spec.flags ?? [],
    props: spec.props ?? {},
    target: spec.target ?? true,
    ...(spec.layers ? { layers: spec.layers } : {}),
    ...(spec.providers ? { providers: spec.providers } : {}),
    resources: spec.resources ?? [],
    pools: [...pools].sort((a, b) => (a.name < b.name ? -1 : 1)),
  };
}

export function cluster(nodes: PlacementNode[]): ClusterInput {
  return { nodes: [...nodes].sort((a, b) => (a.name.toUpperCase() < b.name.toUpperCase() ? -1 : 1)) };
}

export function request(over: Partial<PlacementRequest> = {}): PlacementRequest {
  return {
    resource: 'r1',
    filter: {},
    count: 2,
    sizeKib: GiB,
    layers: ['DRBD', 'STORAGE'],
    existing: [],
    weights: DEFAULT_WEIGHTS,
    ...over,
  };
}

/** Names of the nodes of a selection (sorted). */
export const names = (selected: Array<{ node: { name: string } }>) => selected.map((s) => s.node.name);

/**
 * A mixed cluster of `n` nodes: providers rotate LVM_THIN / ZFS / FILE_THIN / LVM, sites a/b/c by
 * node number modulo 3, racks by number / 4, free space decreasing with the number (node-00 most).
 */
export function mixedCluster(n: number): ClusterInput {
  const kinds: ProviderKind[] = ['LVM_THIN', 'ZFS', 'FILE_THIN', 'LVM'];
  return cluster(Array.from({ length: n }, (_, i) => {
    const name = `node-${String(i).padStart(2, '0')}`;
    const provider = kinds[i % kinds.length];
    return node(name, {
      props: { 'Aux/site': ['a', 'b', 'c'][i % 3], 'Aux/rack': `r${Math.floor(i / 4)}` },
      pools: [pool({ name: 'data', provider, free: (200 - i) * GiB, total: 200 * GiB }), pool({ name: 'DfltDisklessStorPool', provider: 'DISKLESS', free: undefined, total: undefined })],
    });
  }));
}
