/**
 * The cluster graph: every object in memory, the only thing GET endpoints read. It changes only
 * through `apply`, which the Change commit calls after the store transaction succeeded.
 */
import type {
  ControllerRecord, ErrorReportRecord, Kind, KeyValueStoreRecord, NodeConnectionRecord, NodeRecord,
  RecordKinds, ResourceConnectionRecord, ResourceDefinitionRecord, ResourceGroupRecord, ResourceRecord,
  StoragePoolDefinitionRecord, StoragePoolRecord, SnapshotRecord, ExternalFileRecord,
} from '../store/records.js';

/** A map that also hands out its values sorted by key (LINSTOR lists are ordered by upper-cased name). */
export class SortedMap<V> {
  private readonly map = new Map<string, V>();
  private sorted: V[] | undefined;

  get size(): number {
    return this.map.size;
  }
  get(key: string): V | undefined {
    return this.map.get(key);
  }
  has(key: string): boolean {
    return this.map.has(key);
  }
  set(key: string, value: V): void {
    this.map.set(key, value);
    this.sorted = undefined;
  }
  delete(key: string): void {
    if (this.map.delete(key)) this.sorted = undefined;
  }
  values(): readonly V[] {
    if (!this.sorted) {
      const keys = [...this.map.keys()].sort();
      this.sorted = keys.map((k) => this.map.get(k)!);
    }
    return this.sorted;
  }
}

/** Store keys: upper-cased names joined by '/', which no LINSTOR name can contain. */
export const key = {
  node: (node: string) => node.toUpperCase(),
  spd: (pool: string) => pool.toUpperCase(),
  sp: (node: string, pool: string) => `${node.toUpperCase()}/${pool.toUpperCase()}`,
  rg: (rg: string) => rg.toUpperCase(),
  rd: (rd: string) => rd.toUpperCase(),
  rsc: (rd: string, node: string) => `${rd.toUpperCase()}/${node.toUpperCase()}`,
  rscConn: (rd: string, a: string, b: string) => `${rd.toUpperCase()}/${pairKey(a, b)}`,
  nodeConn: (a: string, b: string) => pairKey(a, b),
  kvs: (name: string) => name.toUpperCase(),
  ctrl: () => 'CTRL',
  snapshot: (rd: string, snap: string) => `${rd.toUpperCase()}/${snap.toUpperCase()}`,
  /** External files are keyed by their path as given: paths are case-sensitive. */
  extFile: (path: string) => path,
};

function pairKey(a: string, b: string): string {
  const [x, y] = [a.toUpperCase(), b.toUpperCase()].sort();
  return `${x}/${y}`;
}

export class Graph {
  readonly nodes = new SortedMap<NodeRecord>();
  readonly storagePoolDefinitions = new SortedMap<StoragePoolDefinitionRecord>();
  readonly storagePools = new SortedMap<StoragePoolRecord>();
  readonly resourceGroups = new SortedMap<ResourceGroupRecord>();
  readonly resourceDefinitions = new SortedMap<ResourceDefinitionRecord>();
  readonly resources = new SortedMap<ResourceRecord>();
  readonly resourceConnections = new SortedMap<ResourceConnectionRecord>();
  readonly nodeConnections = new SortedMap<NodeConnectionRecord>();
  readonly keyValueStores = new SortedMap<KeyValueStoreRecord>();
  readonly errorReports = new SortedMap<ErrorReportRecord>();
  readonly snapshots = new SortedMap<SnapshotRecord>();
  readonly externalFiles = new SortedMap<ExternalFileRecord>();
  controller: ControllerRecord = { props: {} };

  /** Resources per resource definition and per node, keyed like `resources`. */
  private readonly rscByRd = new Map<string, Map<string, ResourceRecord>>();
  private readonly rscByNode = new Map<string, Map<string, ResourceRecord>>();
  private readonly poolsByNode = new Map<string, Map<string, StoragePoolRecord>>();

  private tableOf(kind: Kind): SortedMap<unknown> | undefined {
    switch (kind) {
      case 'node': return this.nodes;
      case 'spd': return this.storagePoolDefinitions;
      case 'sp': return this.storagePools;
      case 'rg': return this.resourceGroups;
      case 'rd': return this.resourceDefinitions;
      case 'rsc': return this.resources;
      case 'rsc_conn': return this.resourceConnections;
      case 'node_conn': return this.nodeConnections;
      case 'kvs': return this.keyValueStores;
      case 'error_report': return this.errorReports;
      case 'snapshot': return this.snapshots;
      case 'ext_file': return this.externalFiles;
      case 'ctrl': return undefined;
    }
  }

  apply<K extends Kind>(kind: K, k: string, value: RecordKinds[K] | null): void {
    if (kind === 'ctrl') {
      this.controller = (value as ControllerRecord | null) ?? { props: {} };
      return;
    }
    if (kind === 'rsc') this.indexResource(k, value as ResourceRecord | null);
    if (kind === 'sp') this.indexPool(k, value as StoragePoolRecord | null);
    const table = this.tableOf(kind)!;
    if (value === null) table.delete(k);
    else table.set(k, value);
  }

  private indexResource(k: string, value: ResourceRecord | null): void {
    const old = this.resources.get(k);
    const rec = value ?? old;
    if (!rec) return;
    const rdKey = key.rd(rec.name);
    const nodeKey = key.node(rec.node_name);
    if (value) {
      index(this.rscByRd, rdKey).set(nodeKey, value);
      index(this.rscByNode, nodeKey).set(rdKey, value);
    } else {
      this.rscByRd.get(rdKey)?.delete(nodeKey);
      this.rscByNode.get(nodeKey)?.delete(rdKey);
    }
  }

  private indexPool(k: string, value: StoragePoolRecord | null): void {
    const rec = value ?? this.storagePools.get(k);
    if (!rec) return;
    const nodeKey = key.node(rec.node_name);
    if (value) index(this.poolsByNode, nodeKey).set(key.spd(rec.name), value);
    else this.poolsByNode.get(nodeKey)?.delete(key.spd(rec.name));
  }

  // --- lookups by display name (case-insensitive) ---

  node(name: string) { return this.nodes.get(key.node(name)); }
  storagePoolDefinition(name: string) { return this.storagePoolDefinitions.get(key.spd(name)); }
  storagePool(node: string, pool: string) { return this.storagePools.get(key.sp(node, pool)); }
  resourceGroup(name: string) { return this.resourceGroups.get(key.rg(name)); }
  resourceDefinition(name: string) { return this.resourceDefinitions.get(key.rd(name)); }
  resource(rd: string, node: string) { return this.resources.get(key.rsc(rd, node)); }
  kvs(name: string) { return this.keyValueStores.get(key.kvs(name)); }
  externalFile(path: string) { return this.externalFiles.get(key.extFile(path)); }

  /** Resources of a definition, sorted by node name. */
  resourcesOf(rd: string): ResourceRecord[] {
    return sortedValues(this.rscByRd.get(key.rd(rd)));
  }
  /** Resources on a node, sorted by resource name. */
  resourcesOn(node: string): ResourceRecord[] {
    return sortedValues(this.rscByNode.get(key.node(node)));
  }
  /** Snapshots of a resource definition, sorted by snapshot name. */
  snapshotsOf(rd: string): SnapshotRecord[] {
    const prefix = key.rd(rd) + '/';
    return this.snapshots.values().filter((s) => key.rd(s.resource_name) + '/' === prefix);
  }
  /** Storage pools of a node, sorted by pool name. */
  poolsOf(node: string): StoragePoolRecord[] {
    return sortedValues(this.poolsByNode.get(key.node(node)));
  }
}

function index<V>(m: Map<string, Map<string, V>>, k: string): Map<string, V> {
  let inner = m.get(k);
  if (!inner) m.set(k, (inner = new Map()));
  return inner;
}

function sortedValues<V>(m: Map<string, V> | undefined): V[] {
  if (!m || m.size === 0) return [];
  return [...m.keys()].sort().map((k) => m.get(k)!);
}
