/**
 * The autoplacer's inputs and outputs as plain data. The autoplacer never reads the graph or the
 * runtime itself: an adapter (adapter.ts) builds a ClusterInput from them, and unit tests build
 * synthetic clusters directly. That keeps placement a pure, deterministic function of its input.
 */
import type { LayerKind, NodeType, ProviderKind } from '../../model/enums.js';
import type { AutoSelectFilterRecord, Props } from '../../store/records.js';

export interface PlacementPool {
  name: string;
  provider: ProviderKind;
  /** KiB the satellite reported; undefined until it reported (unknown capacity never qualifies). */
  free?: number;
  total?: number;
  /** Oversubscription ratios applied to free and total capacity (1 for thick pools). */
  freeRatio: number;
  totalRatio: number;
  /** KiB of the volumes already placed in the pool (sizes of their volume definitions). */
  reserved: number;
  /** Resources with a volume in the pool (MinRscCount). */
  resources: number;
  /** Autoplacer/MaxThroughput minus the throttles of the volumes in the pool (MaxThroughput). */
  throughput: number;
  /** The pool's own AutoplaceTarget property is not 'false'. */
  target: boolean;
  /** Pools sharing one space (free_space_mgr_name) hold the same data: one of them per placement. */
  sharedSpace: string;
}

export interface PlacementNode {
  name: string;
  type: NodeType;
  /** Connection status as the runtime reports it; only ONLINE nodes are targets (unless disabled). */
  connection: string;
  flags: readonly string[];
  props: Readonly<Props>;
  /** AutoplaceTarget resolved over node and controller: false keeps the node out of every placement. */
  target: boolean;
  /** Layers the satellite reported it supports; undefined (not reported yet) is not checked. */
  layers?: readonly LayerKind[];
  /** Storage providers the satellite reported it supports; undefined (not reported yet) is not checked. */
  providers?: readonly ProviderKind[];
  /** Resource definitions with a resource on this node (not_place_with_rsc). */
  resources: readonly string[];
  /** The same names upper-cased, for lookups (built on demand when absent). */
  resourceKeys?: ReadonlySet<string>;
  /** Sorted by name. */
  pools: readonly PlacementPool[];
}

export interface ClusterInput {
  /** Sorted by name. */
  nodes: readonly PlacementNode[];
}

/** A replica the resource already has (it counts towards place_count and fixes same/different values). */
export interface ExistingReplica {
  node: string;
  diskless: boolean;
  /** Provider of the pool of a diskful replica. */
  provider?: ProviderKind;
}

export type StrategyName = 'MaxFreeSpace' | 'MinReservedSpace' | 'MinRscCount' | 'MaxThroughput';
export type Weights = Readonly<Record<StrategyName, number>>;

export interface PlacementRequest {
  /** The resource being placed (not_place_with_rsc ignores it; messages name it). */
  resource?: string;
  /** What messages call the placement when it is not a resource ("the next spawn from ..."). */
  subject?: string;
  /** The merged select filter (request over resource group). */
  filter: Readonly<AutoSelectFilterRecord>;
  /** How many diskful replicas to add. */
  count: number;
  /** KiB every chosen pool must still have (the sum of the volume definitions' sizes). */
  sizeKib: number;
  /** The layer stack the new replicas will use (checked against what nodes support). */
  layers: readonly LayerKind[];
  existing: readonly ExistingReplica[];
  weights: Weights;
  /** Skip nodes that are not ONLINE (default true; unit tests on synthetic clusters may turn it off). */
  requireOnline?: boolean;
  /** AllowMixingStoragePoolDriver: replicas may use different provider kinds. */
  allowMixing?: boolean;
  /**
   * Pools whose capacity the satellite has not reported yet: 'fallback' (default) uses them, without a
   * space check, only when the pools with known capacity cannot satisfy the request; 'exclude' never.
   */
  uncheckedCapacity?: 'fallback' | 'exclude';
}

/** A pool that passed every filter, with its score. */
export interface Candidate {
  node: PlacementNode;
  pool: PlacementPool;
  /** Virtual free capacity in KiB (with oversubscription). */
  free: number;
  score: number;
  /** The node holds a diskless replica of the resource that this placement turns diskful. */
  convert: boolean;
  /** The pool's capacity is not reported yet: chosen without a space check (last resort). */
  unchecked?: boolean;
}

/** Why a node is not a target; `label` groups nodes in the summary, `detail` is the per-node text. */
export interface Exclusion {
  node: string;
  kind: ExclusionKind;
  label: string;
  detail: string;
}

export type ExclusionKind =
  | 'node-type' | 'node-flag' | 'offline' | 'target' | 'node-list' | 'has-replica' | 'not-place-with'
  | 'same' | 'different' | 'layer' | 'no-pool' | 'pool-name' | 'provider' | 'pool-target' | 'space'
  | 'unknown-capacity' | 'mixing' | 'unsupported-provider';

export type PlacementResult =
  | { ok: true; selected: Candidate[]; qualified: Candidate[]; excluded: Exclusion[] }
  | { ok: false; qualified: Candidate[]; excluded: Exclusion[]; conflict?: string };
