/**
 * Property inheritance ("priority props"): an order is a list of named containers, highest priority
 * first, and the first container that has a key wins. Works on plain props maps so it does not depend
 * on the graph; containers.ts picks the maps out of the graph. A missing container (undefined) is
 * skipped. The orders follow rest-api-contract.md §5.2.
 */

export type PropsMap = Readonly<Record<string, string>> | undefined;

export const ORDERS = {
  /** `DrbdOptions/Resource/*` and handlers of one resource. */
  drbdResource: ['resource', 'resourceDefinition', 'resourceGroup', 'node', 'controller'],
  /** `DrbdOptions/Net/*` and `DrbdOptions/PeerDevice/*` of one connection. */
  drbdConnection: ['resourceConnection', 'resourceDefinition', 'nodeConnection', 'resourceGroup', 'controller'],
  /** `DrbdOptions/Disk/*` of one volume, and any other per-volume setting. */
  volume: [
    'volume', 'resource', 'volumeDefinition', 'volumeGroup', 'resourceDefinition', 'resourceGroup', 'node', 'controller',
  ],
  /** `StorPoolName` for a new volume; see resolveStorPoolName for what follows. */
  storPoolName: ['resource', 'volumeDefinition', 'resourceDefinition', 'resourceGroup', 'node'],
  /** `PeerSlotsNewResource`; `request` is the value asked for in the call itself. */
  peerSlots: ['request', 'resourceDefinition', 'resourceGroup', 'controller'],
  /** `MaxOversubscriptionRatio` and its Free/Total variants. */
  oversubscription: ['storagePool', 'storagePoolDefinition', 'controller'],
} as const;

export type OrderName = keyof typeof ORDERS;
export type LevelOf<O extends OrderName> = (typeof ORDERS)[O][number];
export type ContainersOf<O extends OrderName> = Partial<Record<LevelOf<O>, PropsMap>>;

export interface Resolved<L extends string = string> {
  value: string;
  source: L;
}

/** One key of the effective view: the winner plus the values it shadows, highest priority first. */
export interface Effective<L extends string = string> extends Resolved<L> {
  other: Resolved<L>[];
}

export const DEFAULT_STOR_POOL = 'DfltStorPool';
export const DEFAULT_PEER_SLOTS = 7;
export const DEFAULT_OVERSUBSCRIPTION_RATIO = 20;
export const PEER_SLOTS_KEY = 'PeerSlotsNewResource';

/** The value of `key` from the first container (in `order`) that has it. */
export function resolve<L extends string>(
  order: readonly L[],
  containers: Partial<Record<L, PropsMap>>,
  key: string,
): Resolved<L> | undefined {
  for (const level of order) {
    const props = containers[level];
    if (props && Object.hasOwn(props, key)) return { value: props[key], source: level };
  }
  return undefined;
}

/** Every key of every container, each with its winning value and source; keys sorted. */
export function resolveAll<L extends string>(
  order: readonly L[],
  containers: Partial<Record<L, PropsMap>>,
): Record<string, Effective<L>> {
  const found = new Map<string, Resolved<L>[]>();
  for (const level of order) {
    for (const [key, value] of Object.entries(containers[level] ?? {})) {
      let list = found.get(key);
      if (!list) found.set(key, (list = []));
      list.push({ value, source: level });
    }
  }
  const out: Record<string, Effective<L>> = {};
  for (const key of [...found.keys()].sort()) {
    const [winner, ...other] = found.get(key)!;
    out[key] = { ...winner, other };
  }
  return out;
}

export type StorPoolSource = LevelOf<'storPoolName'> | 'diskfulPeers' | 'default';

/**
 * The storage pool for a new volume: the storPoolName order; if none sets `StorPoolName`, the first
 * pool the diskful peers use (the caller lists those usable on this node), then `DfltStorPool`.
 */
export function resolveStorPoolName(
  containers: ContainersOf<'storPoolName'>,
  diskfulPeerPools: readonly string[] = [],
): Resolved<StorPoolSource> {
  const found = resolve(ORDERS.storPoolName, containers, 'StorPoolName');
  if (found) return found;
  if (diskfulPeerPools.length > 0) return { value: diskfulPeerPools[0], source: 'diskfulPeers' };
  return { value: DEFAULT_STOR_POOL, source: 'default' };
}

/** Numeric value of the first container whose value parses; `dflt` if none does. */
function resolveNumber<L extends string>(
  order: readonly L[],
  containers: Partial<Record<L, PropsMap>>,
  key: string,
  parse: (v: string) => number | undefined,
  dflt: number,
): { value: number; source: L | 'default' } {
  for (const level of order) {
    const props = containers[level];
    if (!props || !Object.hasOwn(props, key)) continue;
    const n = parse(props[key]);
    if (n !== undefined) return { value: n, source: level };
  }
  return { value: dflt, source: 'default' };
}

const asPeerSlots = (v: string) => (/^\s*\d+\s*$/.test(v) && +v >= 1 && +v <= 31 ? +v : undefined);
const asRatio = (v: string) => (v.trim() !== '' && Number.isFinite(+v) && +v > 0 ? +v : undefined);

/**
 * Peer slots of a new DRBD resource: the requested count (`drbd_peer_slots`, or the group's
 * `peer_slots` on spawn), then `PeerSlotsNewResource` on rd, rg, controller; default 7.
 */
export function resolvePeerSlots(
  containers: ContainersOf<'peerSlots'>,
  requested?: number,
): { value: number; source: LevelOf<'peerSlots'> | 'default' } {
  const withRequest: ContainersOf<'peerSlots'> =
    requested === undefined ? containers : { ...containers, request: { [PEER_SLOTS_KEY]: String(requested) } };
  return resolveNumber(ORDERS.peerSlots, withRequest, PEER_SLOTS_KEY, asPeerSlots, DEFAULT_PEER_SLOTS);
}

/**
 * Oversubscription ratio of a thin pool: pool, then its definition, then controller; default 20.
 * For the Free/Total variants pass their key and, as default, the resolved MaxOversubscriptionRatio.
 */
export function resolveOversubscription(
  containers: ContainersOf<'oversubscription'>,
  key = 'MaxOversubscriptionRatio',
  dflt = DEFAULT_OVERSUBSCRIPTION_RATIO,
): { value: number; source: LevelOf<'oversubscription'> | 'default' } {
  return resolveNumber(ORDERS.oversubscription, containers, key, asRatio, dflt);
}
