/**
 * The RuntimeState the API shows while satellites are connected: per node the connection status and
 * what its satellite supports, per pool the capacities it reported, per resource what the satellite
 * observed. Connectors write it; views read it.
 *
 * Every update REPLACES the objects it changes (never mutates them): resource views are cached by the
 * identity of the runtime object, so a new object is what makes a view rebuild.
 */
import type { Graph } from '../graph.js';
import { key } from '../graph.js';
import type {
  LayerVolumeRuntime, NodeRuntime, ResourceRuntime, RuntimeState, StoragePoolRuntime, VolumeRuntime,
} from '../runtime.js';
import type { ConnectionStatus, LayerKind } from '../../model/enums.js';
import type { Capabilities, ObservedPool, ObservedResource, Report, StateReport } from '../../satellite/protocol.js';
import { Code, isoOffsetNow, retCode, type ApiCallRc } from '../../model/apicallrc.js';

const NOTHING: ResourceRuntime = Object.freeze({});
const NO_POOL: StoragePoolRuntime = Object.freeze({});

interface NodeEntry {
  status: ConnectionStatus;
  capabilities?: Capabilities;
  /** The runtime handed out, rebuilt when status or capabilities change. */
  view: NodeRuntime;
}

export class LiveRuntime implements RuntimeState {
  private readonly nodes = new Map<string, NodeEntry>();
  private readonly pools = new Map<string, StoragePoolRuntime>();
  /** Per node key: resource key -> runtime, so a node's resources can be dropped together. */
  private readonly resources = new Map<string, Map<string, ResourceRuntime>>();
  /** Per node key: the satellite's findings about the node as a whole (e.g. external files it did not write). */
  private readonly nodeFindings = new Map<string, readonly Report[]>();

  /** Told every resource a satellite reported, after it is shown (the manager folds it into the records). */
  observer: ((nodeName: string, observed: ObservedResource) => void) | undefined;

  constructor(private readonly graph: Graph) {}

  // --- RuntimeState (read by the API) ---

  node(name: string): NodeRuntime {
    return this.nodes.get(key.node(name))?.view ?? { connection_status: 'OFFLINE' };
  }

  storagePool(node: string, pool: string): StoragePoolRuntime {
    return this.pools.get(key.sp(node, pool)) ?? NO_POOL;
  }

  resource(rd: string, node: string): ResourceRuntime {
    return this.resources.get(key.node(node))?.get(key.rd(rd)) ?? NOTHING;
  }

  // --- written by the connectors ---

  setStatus(nodeName: string, status: ConnectionStatus): void {
    const entry = this.entry(nodeName);
    if (entry.status === status) return;
    entry.status = status;
    entry.view = nodeView(entry);
  }

  status(nodeName: string): ConnectionStatus {
    return this.nodes.get(key.node(nodeName))?.status ?? 'OFFLINE';
  }

  /** Capabilities stay known after a disconnect: the node still has (or lacks) the same tools. */
  setCapabilities(nodeName: string, capabilities: Capabilities): void {
    const entry = this.entry(nodeName);
    entry.capabilities = capabilities;
    entry.view = nodeView(entry);
  }

  /** What the satellite observed after an update; a full report replaces everything of the node. */
  applyReport(nodeName: string, report: StateReport, full: boolean): void {
    const nodeKey = key.node(nodeName);
    if (full) {
      this.dropPools(nodeKey);
      this.resources.delete(nodeKey);
    }
    for (const pool of report.pools) this.applyPool(nodeName, pool);
    for (const r of report.resources) this.applyResource(nodeName, r);
    for (const name of report.removed_resources) this.resources.get(nodeKey)?.delete(key.rd(name));
    // Every update carries the complete external files, so its node-level findings replace the last ones.
    this.nodeFindings.set(nodeKey, Object.freeze([...(report.reports ?? [])]));
  }

  /** The node-level reports of the satellite's last update (external files outside allowExtFiles, ...). */
  nodeReports(nodeName: string): readonly Report[] {
    return this.nodeFindings.get(key.node(nodeName)) ?? [];
  }

  applyPool(nodeName: string, pool: ObservedPool): void {
    const rt: StoragePoolRuntime = {};
    if (pool.free_capacity !== undefined) rt.free_capacity = Math.trunc(pool.free_capacity);
    if (pool.total_capacity !== undefined) rt.total_capacity = Math.trunc(pool.total_capacity);
    if (pool.reports.length) rt.reports = pool.reports.map((r) => poolReport(nodeName, pool.name, r));
    this.pools.set(key.sp(nodeName, pool.name), Object.freeze(rt));
  }

  applyResource(nodeName: string, observed: ObservedResource): void {
    const record = this.graph.resource(observed.name, nodeName);
    // Nothing to show it on (e.g. an event about a resource deleted meanwhile).
    if (!record) return;
    const nodeKey = key.node(nodeName);
    let perNode = this.resources.get(nodeKey);
    if (!perNode) this.resources.set(nodeKey, (perNode = new Map()));
    perNode.set(key.rd(observed.name), resourceRuntime(observed, record.layer_stack));
    this.observer?.(nodeName, observed);
  }

  forgetResources(nodeName: string, names: readonly string[]): void {
    const perNode = this.resources.get(key.node(nodeName));
    for (const n of names) perNode?.delete(key.rd(n));
  }

  /** The satellite is gone: what it reported is no longer known (capabilities excepted). */
  disconnected(nodeName: string, status: ConnectionStatus = 'OFFLINE'): void {
    const nodeKey = key.node(nodeName);
    this.setStatus(nodeName, status);
    this.dropPools(nodeKey);
    this.resources.delete(nodeKey);
    this.nodeFindings.delete(nodeKey);
  }

  /** The node left the cluster (deleted or lost). */
  forgetNode(nodeName: string): void {
    const nodeKey = key.node(nodeName);
    this.nodes.delete(nodeKey);
    this.dropPools(nodeKey);
    this.resources.delete(nodeKey);
    this.nodeFindings.delete(nodeKey);
  }

  private entry(nodeName: string): NodeEntry {
    const nodeKey = key.node(nodeName);
    let entry = this.nodes.get(nodeKey);
    if (!entry) {
      entry = { status: 'OFFLINE', view: { connection_status: 'OFFLINE' } };
      this.nodes.set(nodeKey, entry);
    }
    return entry;
  }

  private dropPools(nodeKey: string): void {
    const prefix = nodeKey + '/';
    for (const k of [...this.pools.keys()]) if (k.startsWith(prefix)) this.pools.delete(k);
  }
}

/** A satellite's finding about a pool, as the ApiCallRc entry LINSTOR lists in the pool's `reports`. */
function poolReport(nodeName: string, pool: string, r: Report): ApiCallRc {
  const out: ApiCallRc = {
    ret_code: retCode(r.severity, Code.FAIL_STOR_POOL_CONFIGURATION_ERROR, undefined, 'STOR_POOL'),
    message: r.message,
    obj_refs: { Node: nodeName, StorPool: pool },
    created_at: isoOffsetNow(),
  };
  if (r.cause) out.cause = r.cause;
  if (r.correction) out.correction = r.correction;
  if (r.details) out.details = r.details;
  return out;
}

function nodeView(entry: NodeEntry): NodeRuntime {
  const view: NodeRuntime = { connection_status: entry.status };
  const caps = entry.capabilities;
  if (caps) {
    view.storage_providers = [...caps.providers];
    view.resource_layers = [...caps.layers];
    view.unsupported_providers = caps.unsupported_providers;
    view.unsupported_layers = caps.unsupported_layers;
    if (caps.allow_ext_files) view.allow_ext_files = [...caps.allow_ext_files];
  }
  return Object.freeze(view);
}

/** ObservedResource -> the ResourceRuntime shape resource views read. */
export function resourceRuntime(observed: ObservedResource, stack: readonly LayerKind[]): ResourceRuntime {
  const volumes: Record<number, VolumeRuntime> = {};
  for (const v of observed.volumes) {
    const layers: Partial<Record<LayerKind, LayerVolumeRuntime>> = {};
    for (const l of v.layers) {
      const { layer, ...data } = l;
      layers[layer] = Object.freeze(data);
    }
    // A satellite may report only the top device; the views read it from the top layer's entry.
    const top = stack[0];
    if (top && !layers[top] && (v.device_path || v.disk_state || v.usable_size_kib !== undefined || v.allocated_size_kib !== undefined)) {
      const data: LayerVolumeRuntime = {};
      if (v.device_path) data.device_path = v.device_path;
      if (v.allocated_size_kib !== undefined) data.allocated_size_kib = v.allocated_size_kib;
      if (v.usable_size_kib !== undefined) data.usable_size_kib = v.usable_size_kib;
      if (v.disk_state) data.disk_state = v.disk_state;
      layers[top] = Object.freeze(data);
    }
    const vrt: VolumeRuntime = { layers };
    if (v.allocated_size_kib !== undefined) vrt.allocated_size_kib = v.allocated_size_kib;
    if (v.disk_state !== undefined) vrt.disk_state = v.disk_state;
    if (v.replication_states) vrt.replication_states = v.replication_states;
    volumes[v.volume_number] = Object.freeze(vrt);
  }
  const out: { -readonly [K in keyof ResourceRuntime]: ResourceRuntime[K] } = { volumes: Object.freeze(volumes) };
  if (observed.in_use !== undefined) out.in_use = observed.in_use;
  if (observed.connections) out.connections = Object.freeze({ ...observed.connections });
  return Object.freeze(out);
}
