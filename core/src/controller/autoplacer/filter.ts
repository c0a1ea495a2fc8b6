/**
 * Which nodes and pools may take a new diskful replica, and why the others may not. Every node gets
 * one answer: candidate pools, or the first rule that excluded it (LINSTOR's StorPoolFilter order:
 * node state, node rules, layers, then the pools). Rules that depend on which other nodes are chosen
 * (replicas_on_same without a value, per-value limits of replicas_on_different, one provider kind)
 * are prepared here as SelectionRules and enforced by the selector.
 */
import { StorhubError } from '../../model/errors.js';
import type { LayerKind, ProviderKind } from '../../model/enums.js';
import type {
  Candidate, ClusterInput, ExclusionKind, Exclusion, PlacementNode, PlacementPool, PlacementRequest,
} from './types.js';

/** Node flags that keep a node out of placement, with how messages say it. */
const GONE_FLAGS: ReadonlyArray<[string, string]> = [['DELETE', 'being deleted'], ['EVICTED', 'evicted'], ['EVACUATE', 'being evacuated']];
/** Node types that can hold resources. */
const HOLDERS = new Set(['SATELLITE', 'COMBINED']);
const KIB_UNITS: Array<[number, string]> = [[1024 ** 3, 'TiB'], [1024 ** 2, 'GiB'], [1024, 'MiB']];

/** A KiB amount in the largest unit that keeps it at least 1 (for messages). */
export function showKib(kib: number): string {
  for (const [size, unit] of KIB_UNITS) {
    if (Math.abs(kib) >= size) return `${+(kib / size).toFixed(2)} ${unit}`;
  }
  return `${Math.round(kib)} KiB`;
}

/**
 * What the pool can still take, in KiB, as LINSTOR estimates it: the smaller of free capacity times
 * its oversubscription ratio and total capacity times its ratio minus what is already placed there.
 * Thick pools use ratio 1, so this is min(free, total - placed). Undefined while unreported.
 */
export function virtualFree(p: PlacementPool): number | undefined {
  if (p.free === undefined || p.total === undefined) return undefined;
  return Math.max(0, Math.floor(Math.min(p.free * p.freeRatio, p.total * p.totalRatio - p.reserved)));
}

/** Splits `key=value` into its parts; a bare `key` has no value. */
export function splitKeyValue(entry: string): [string, string | undefined] {
  const i = entry.indexOf('=');
  return i === -1 ? [entry, undefined] : [entry.slice(0, i), entry.slice(i + 1)];
}

export interface DifferentRule {
  /** Replicas allowed per value (x_replicas_on_different_map, default 1). */
  limit: number;
  /** Replicas per value so far (existing diskful ones); a prohibited value counts as full. */
  used: Map<string, number>;
  prohibited: Set<string>;
}

/** The rules the selector applies across the chosen nodes. */
export interface SelectionRules {
  /** replicas_on_same keys with a required value (given, or taken from the existing replicas). */
  sameFixed: Map<string, string>;
  /** replicas_on_same keys whose value is free, but must be equal on every new replica. */
  sameOpen: string[];
  different: Map<string, DifferentRule>;
  /** The provider kind every new replica must use (when mixing is not allowed and one is fixed). */
  provider?: ProviderKind;
  /** Whether every new replica must share one provider kind (AllowMixingStoragePoolDriver unset). */
  oneProvider: boolean;
}

/** Derives the cross-replica rules from the filter and the existing diskful replicas. */
export function selectionRules(cluster: ClusterInput, req: PlacementRequest): SelectionRules {
  const byName = new Map(cluster.nodes.map((n) => [n.name.toUpperCase(), n]));
  const holders = req.existing.filter((e) => !e.diskless);
  const holderProps = holders.map((e) => byName.get(e.node.toUpperCase())?.props ?? {});

  const sameFixed = new Map<string, string>();
  const sameOpen: string[] = [];
  for (const entry of req.filter.replicas_on_same ?? []) {
    const [k, v] = splitKeyValue(entry);
    if (v !== undefined) {
      sameFixed.set(k, v);
      continue;
    }
    const values = [...new Set(holderProps.map((p) => p[k]).filter((x): x is string => x !== undefined))].sort();
    if (values.length > 1) {
      throw new StorhubError('FAIL_NOT_ENOUGH_NODES', `Not enough available nodes: replicas_on_same '${k}' cannot be met.`, {
        cause: `The existing replicas of '${req.resource ?? 'the resource'}' already have different values of ${k}: ${values.join(', ')}.`,
        correction: `Give the value to use (replicas_on_same ${k}=<value>), or move the existing replicas first.`,
      });
    }
    if (values.length === 1) sameFixed.set(k, values[0]);
    else sameOpen.push(k);
  }

  const different = new Map<string, DifferentRule>();
  const xmap = req.filter.x_replicas_on_different_map ?? {};
  const rule = (k: string): DifferentRule => {
    let r = different.get(k);
    if (!r) different.set(k, (r = { limit: Math.max(1, xmap[k] ?? 1), used: new Map(), prohibited: new Set() }));
    return r;
  };
  for (const entry of req.filter.replicas_on_different ?? []) {
    const [k, v] = splitKeyValue(entry);
    const r = rule(k);
    if (v !== undefined) r.prohibited.add(v);
  }
  for (const k of Object.keys(xmap)) rule(k);
  for (const [k, r] of different) {
    for (const props of holderProps) {
      const v = props[k];
      if (v !== undefined) r.used.set(v, (r.used.get(v) ?? 0) + 1);
    }
  }

  const oneProvider = req.allowMixing !== true;
  const providers = [...new Set(holders.map((h) => h.provider).filter((p): p is ProviderKind => p !== undefined))];
  return { sameFixed, sameOpen, different, oneProvider, ...(oneProvider && providers.length > 0 ? { provider: providers[0] } : {}) };
}

/** The layers a node must support to hold a diskful replica: an NVMe target needs only NVMe and below. */
export function requiredLayers(layers: readonly LayerKind[]): LayerKind[] {
  const nvme = layers.indexOf('NVME');
  return (nvme >= 0 ? layers.slice(nvme) : [...layers]).filter((l) => l !== 'STORAGE');
}

type Verdict = { kind: ExclusionKind; label: string; detail: string };

const no = (kind: ExclusionKind, label: string, detail = label): Verdict => ({ kind, label, detail });

/** Per-request values the node checks share (computed once, not per node). */
interface NodeChecks {
  holders: Set<string>;
  /** Nodes whose diskless replica may get a disk. */
  diskless: Set<string>;
  /** not_place_with_rsc, upper-cased. */
  avoid: string[];
  re?: RegExp;
  self?: string;
  layers: LayerKind[];
  pools?: Set<string>;
  nodes?: Set<string>;
}

const keyCache = new WeakMap<PlacementNode, ReadonlySet<string>>();

/** The node's resource names upper-cased (from the input, or built once per node object). */
function resourceKeys(node: PlacementNode): ReadonlySet<string> {
  if (node.resourceKeys) return node.resourceKeys;
  let keys = keyCache.get(node);
  if (!keys) keyCache.set(node, (keys = new Set(node.resources.map((r) => r.toUpperCase()))));
  return keys;
}

/** The first node-level rule that keeps the node out, or undefined. `upper` is the upper-cased node name. */
function nodeVerdict(node: PlacementNode, upper: string, req: PlacementRequest, rules: SelectionRules, checks: NodeChecks): Verdict | undefined {
  const f = req.filter;
  if (!HOLDERS.has(node.type)) return no('node-type', `node type ${node.type}`);
  if (node.flags.length) {
    for (const [flag, what] of GONE_FLAGS) if (node.flags.includes(flag)) return no('node-flag', what);
  }
  if (req.requireOnline !== false && node.connection !== 'ONLINE') {
    return no('offline', 'offline', `offline (connection status ${node.connection})`);
  }
  if (!node.target) return no('target', 'AutoplaceTarget=false');
  if (checks.nodes && !checks.nodes.has(upper)) {
    return no('node-list', 'not in node_name_list');
  }
  if (checks.holders.has(upper)) return no('has-replica', 'already holds a replica', 'already holds a diskful replica');
  const { avoid, re, self } = checks;
  // A replica that does not count (being deleted, evicted, SkipDisk) still occupies the node.
  if (self !== undefined && !checks.diskless.has(upper) && resourceKeys(node).has(self)) {
    return no('has-replica', 'already holds a replica', 'already holds a replica that is being deleted, evacuated or evicted');
  }
  if (avoid.length || re) {
    const keys = resourceKeys(node);
    const listed = avoid.find((a) => a !== self && keys.has(a));
    const clash = listed !== undefined
      ? node.resources.find((r) => r.toUpperCase() === listed) ?? listed
      : re ? node.resources.find((r) => re.test(r) && r.toUpperCase() !== self) : undefined;
    if (clash !== undefined) {
      return no('not-place-with', 'holds a resource of not_place_with_rsc', `holds resource '${clash}' (not_place_with_rsc${listed === undefined ? '_regex' : ''})`);
    }
  }

  for (const [k, v] of rules.sameFixed) {
    const has = node.props[k];
    if (has !== v) {
      return no('same', `replicas_on_same ${k}=${v}`, has === undefined ? `${k} is not set (replicas_on_same needs ${v})` : `${k}=${has}, replicas_on_same needs ${v}`);
    }
  }
  for (const k of rules.sameOpen) {
    if (node.props[k] === undefined) return no('same', `replicas_on_same ${k}`, `${k} is not set (replicas_on_same)`);
  }
  for (const [k, r] of rules.different) {
    const v = node.props[k];
    if (v === undefined) continue;
    if (r.prohibited.has(v)) return no('different', `replicas_on_different ${k}`, `${k}=${v} is excluded by replicas_on_different`);
    const used = r.used.get(v) ?? 0;
    if (used >= r.limit) {
      return no('different', `replicas_on_different ${k}`, `${k}=${v} already holds ${used} replica(s) (at most ${r.limit} per value)`);
    }
  }

  if (node.layers) {
    const missing = checks.layers.find((l) => !node.layers!.includes(l));
    if (missing) return no('layer', `layer ${missing} unsupported`, `does not support the ${missing} layer`);
  }
  return undefined;
}

/** Why the pool cannot take the replica, or undefined (then `free` is its virtual free capacity). */
function poolVerdict(node: PlacementNode, pool: PlacementPool, req: PlacementRequest, rules: SelectionRules, pools?: Set<string>): Verdict | undefined {
  const f = req.filter;
  if (pools && !pools.has(pool.name.toUpperCase())) {
    return no('pool-name', 'no pool of storage_pool_list', `pool '${pool.name}' is not in storage_pool_list [${f.storage_pool_list!.join(', ')}]`);
  }
  if (f.provider_list?.length && !f.provider_list.includes(pool.provider)) {
    return no('provider', 'no pool of provider_list', `pool '${pool.name}' is ${pool.provider}, not in provider_list [${f.provider_list.join(', ')}]`);
  }
  if (rules.provider && pool.provider !== rules.provider) {
    return no('mixing', `existing replicas use ${rules.provider}`,
      `pool '${pool.name}' is ${pool.provider}, the existing replicas use ${rules.provider} (AllowMixingStoragePoolDriver is not set)`);
  }
  if (node.providers && !node.providers.includes(pool.provider)) {
    return no('unsupported-provider', 'provider unsupported by the satellite', `pool '${pool.name}': the satellite does not support ${pool.provider}`);
  }
  if (!pool.target) return no('pool-target', 'pool AutoplaceTarget=false', `pool '${pool.name}' has AutoplaceTarget=false`);
  const free = virtualFree(pool);
  if (free === undefined) return no('unknown-capacity', 'capacity not reported yet', `pool '${pool.name}': capacity not reported by the satellite yet`);
  if (free < req.sizeKib) {
    return no('space', 'not enough free space',
      `pool '${pool.name}': ${showKib(free)} free${pool.freeRatio !== 1 || pool.totalRatio !== 1 ? ' (with oversubscription)' : ''}, ${showKib(req.sizeKib)} needed`);
  }
  return undefined;
}

export interface FilterResult {
  candidates: Candidate[];
  /** Pools that pass every rule but whose capacity is not reported yet (used only as a last resort). */
  fallback: Candidate[];
  excluded: Exclusion[];
}

function nodeChecks(req: PlacementRequest): NodeChecks {
  const f = req.filter;
  return {
    holders: new Set(req.existing.filter((e) => !e.diskless).map((e) => e.node.toUpperCase())),
    diskless: new Set(req.existing.filter((e) => e.diskless).map((e) => e.node.toUpperCase())),
    avoid: f.not_place_with_rsc?.map((s) => s.toUpperCase()) ?? [],
    re: f.not_place_with_rsc_regex ? new RegExp(f.not_place_with_rsc_regex, 'i') : undefined,
    self: req.resource?.toUpperCase(),
    layers: requiredLayers(req.layers),
    ...(f.storage_pool_list?.length ? { pools: new Set(f.storage_pool_list.map((p) => p.toUpperCase())) } : {}),
    ...(f.node_name_list?.length ? { nodes: new Set(f.node_name_list.map((n) => n.toUpperCase())) } : {}),
  };
}

/**
 * The node-level rules alone (state, AutoplaceTarget, node list, existing replicas, not_place_with,
 * replicas_on_same/different, layers), without any pool: for diskless placements such as the
 * tie-breaker, which needs no storage. Undefined means the node may take the replica.
 */
export function nodeExclusion(req: PlacementRequest, rules: SelectionRules): (node: PlacementNode) => Exclusion | undefined {
  const checks = nodeChecks(req);
  return (node) => {
    const v = nodeVerdict(node, node.name.toUpperCase(), req, rules, checks);
    return v ? { node: node.name, ...v } : undefined;
  };
}

/** Every pool that may take a new diskful replica (score 0), and every excluded node with its reason. */
export function filterCandidates(cluster: ClusterInput, req: PlacementRequest, rules: SelectionRules): FilterResult {
  const checks = nodeChecks(req);
  const diskless = checks.diskless;
  const candidates: Candidate[] = [];
  const fallback: Candidate[] = [];
  const excluded: Exclusion[] = [];
  for (const node of cluster.nodes) {
    const upper = node.name.toUpperCase();
    const nv = nodeVerdict(node, upper, req, rules, checks);
    if (nv) {
      excluded.push({ node: node.name, ...nv });
      continue;
    }
    const storage = node.pools.filter((p) => p.provider !== 'DISKLESS');
    if (storage.length === 0) {
      excluded.push({ node: node.name, ...no('no-pool', 'no storage pool with storage') });
      continue;
    }
    const reasons: Verdict[] = [];
    let found = false;
    for (const pool of storage) {
      const pv = poolVerdict(node, pool, req, rules, checks.pools);
      if (pv) {
        reasons.push(pv);
        if (pv.kind === 'unknown-capacity' && req.uncheckedCapacity !== 'exclude') {
          fallback.push({ node, pool, free: 0, score: 0, convert: diskless.has(upper), unchecked: true });
        }
        continue;
      }
      found = true;
      candidates.push({ node, pool, free: virtualFree(pool)!, score: 0, convert: diskless.has(upper) });
    }
    if (!found) excluded.push({ node: node.name, ...poolSummary(reasons) });
  }
  return { candidates, fallback, excluded };
}

/** One verdict for a node none of whose pools qualified: the shared reason, or "no matching pool". */
function poolSummary(reasons: Verdict[]): Verdict {
  const kinds = new Set(reasons.map((r) => r.kind));
  const detail = reasons.map((r) => r.detail).join('; ');
  if (kinds.size === 1) return { kind: reasons[0].kind, label: reasons[0].label, detail };
  // The most specific reason among the pools that got furthest (space beats name mismatches).
  const order: ExclusionKind[] = ['space', 'unknown-capacity', 'pool-target', 'unsupported-provider', 'mixing', 'provider', 'pool-name'];
  const kind = order.find((k) => kinds.has(k)) ?? reasons[0].kind;
  return { kind, label: reasons.find((r) => r.kind === kind)!.label, detail };
}
