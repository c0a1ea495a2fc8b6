/**
 * All satellite connections of a controller: one connector per node that has a satellite (every
 * node with a reachable interface, except CONTROLLER and AUXILIARY nodes), kept in step with the node
 * records; the live runtime the API reads; the reconciler that turns commits into pushes; and a bound
 * on how many pushes run at once, so a change touching every node does not open hundreds of requests.
 *
 * LUKS keys come from the encryption service while its passphrase is entered; when it gets entered
 * (or created), every node holding a diskful LUKS resource gets a full resync, so the satellites that
 * reported "passphrase locked" create those volumes now.
 */
import type { Logger } from 'pino';
import type { Controller, SatelliteControl } from '../controller.js';
import { key } from '../graph.js';
import type { NodeRecord } from '../../store/records.js';
import { SATELLITE_PORT } from '../../satellite/protocol.js';
import { DEFAULT_TIMEOUTS, satelliteUrl, type SatelliteTimeouts } from './client.js';
import { DEFAULT_BACKOFF, SatelliteConnector, type Backoff } from './connector.js';
import { removeConfirmed } from './deletion.js';
import { desiredStateOf, type DesiredStateOptions } from './desired-state.js';
import { EncryptionService } from '../services/encryption.js';
import { LiveRuntime } from './live-runtime.js';
import { Reconciler } from './reconciler.js';
import { foldObserved, pruneWithResources } from './snapshot-sync.js';

export interface SatelliteManagerOptions {
  logger: Logger;
  timeouts?: Partial<SatelliteTimeouts>;
  backoff?: Partial<Backoff>;
  /** Pushes in flight at once, over all nodes. */
  concurrency?: number;
}

interface Entry {
  connector: SatelliteConnector;
  nodeName: string;
}

export class SatelliteManager implements SatelliteControl {
  readonly runtime: LiveRuntime;
  readonly reconciler: Reconciler;
  private readonly connectors = new Map<string, Entry>();
  private readonly stopping = new Set<Promise<void>>();
  private readonly log: Logger;
  private readonly timeouts: SatelliteTimeouts;
  private readonly backoff: Backoff;
  private readonly limiter: Limiter;
  private unsubscribe: (() => void) | undefined;
  /** Snapshot copies go with their resource's record (snapshot-sync.ts). */
  private unsubscribePrune: (() => void) | undefined;
  private unsubscribeUnlock: (() => void) | undefined;
  private readonly desiredOpts: DesiredStateOptions;
  private updateId = Date.now();
  private started = false;

  constructor(private readonly c: Controller, opts: SatelliteManagerOptions) {
    this.log = opts.logger.child({ component: 'satellites' });
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...opts.timeouts };
    this.backoff = { ...DEFAULT_BACKOFF, ...opts.backoff };
    this.limiter = new Limiter(opts.concurrency ?? 8);
    const enc = EncryptionService.of(c);
    this.desiredOpts = { luksKey: (rd, volumeNumber) => enc.volumeKeyIfUnlocked(rd, volumeNumber) };
    this.runtime = new LiveRuntime(c.graph);
    // Snapshot states, deletions, rollbacks and restore/clone progress come from the reports.
    this.runtime.observer = (nodeName, observed) => foldObserved(c, nodeName, observed);
    this.reconciler = new Reconciler(c.graph, {
      nodeKeys: () => this.connectors.keys(),
      nodeChanged: (nodeKey) => this.syncNode(nodeKey),
      push: (nodeKeys) => {
        for (const k of nodeKeys) this.connectors.get(k)?.connector.requestPush();
      },
    });
  }

  /** Makes the runtime the controller's, and connects to every satellite. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.c.runtime = this.runtime;
    this.c.satellites = this;
    this.unsubscribe = this.c.onCommit(this.reconciler.onCommit);
    this.unsubscribePrune = this.c.onCommit(pruneWithResources(this.c));
    this.unsubscribeUnlock = EncryptionService.of(this.c).onUnlock(() => this.resyncLuksNodes());
    for (const node of this.c.graph.nodes.values()) this.syncNode(key.node(node.name));
    this.log.info({ satellites: this.connectors.size }, 'connecting to the satellites');
  }

  /** Closes every connection; resolves when no request or timer of it is left. */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.unsubscribePrune?.();
    this.unsubscribePrune = undefined;
    this.unsubscribeUnlock?.();
    this.unsubscribeUnlock = undefined;
    this.reconciler.cancel();
    if (this.c.satellites === this) this.c.satellites = undefined;
    for (const [k, e] of this.connectors) this.stopConnector(k, e);
    await Promise.allSettled([...this.stopping]);
  }

  reconnect(nodeName: string): boolean {
    const entry = this.connectors.get(key.node(nodeName));
    if (!entry) return false;
    entry.connector.reconnect();
    return true;
  }

  /** The connector of a node, for tests and diagnostics. */
  connector(nodeName: string): SatelliteConnector | undefined {
    return this.connectors.get(key.node(nodeName))?.connector;
  }

  /** Creates, restarts or stops the node's connector so it matches the node record. */
  syncNode(nodeKey: string): void {
    if (!this.started) return;
    const node = this.c.graph.nodes.get(nodeKey);
    const url = node ? endpointOf(node) : undefined;
    const existing = this.connectors.get(nodeKey);
    if (existing && url === existing.connector.url) return;
    if (existing) this.stopConnector(nodeKey, existing);
    if (!node) {
      this.runtime.forgetNode(nodeKey);
      return;
    }
    if (!url) return;
    const connector = new SatelliteConnector({
      nodeName: node.name,
      url,
      runtime: this.runtime,
      log: this.log.child({ node: node.name }),
      timeouts: this.timeouts,
      backoff: this.backoff,
      desired: () => desiredStateOf(this.c.graph, node.name, this.desiredOpts),
      limit: (fn) => this.limiter.run(fn),
      nextUpdateId: () => ++this.updateId,
      confirmRemoved: (names) => this.confirmRemoved(node.name, names),
    });
    this.connectors.set(nodeKey, { connector, nodeName: node.name });
    connector.start();
  }

  /** The passphrase became available: a full sync for every node with a diskful LUKS resource. */
  private resyncLuksNodes(): void {
    const nodes = new Set<string>();
    for (const r of this.c.graph.resources.values()) {
      if (r.layer_stack.includes('LUKS') && !r.flags.includes('DISKLESS')) nodes.add(key.node(r.node_name));
    }
    if (nodes.size) this.log.info({ nodes: nodes.size }, 'encryption passphrase entered: resyncing the nodes with LUKS resources');
    for (const k of nodes) this.connectors.get(k)?.connector.requestFullSync();
  }

  private stopConnector(nodeKey: string, entry: Entry): void {
    this.connectors.delete(nodeKey);
    const done = entry.connector.stop();
    this.stopping.add(done);
    void done.finally(() => this.stopping.delete(done));
  }

  private confirmRemoved(nodeName: string, names: string[]): void {
    try {
      const removed = removeConfirmed(this.c, nodeName, names);
      this.runtime.forgetResources(nodeName, names);
      if (removed.length) this.log.info({ node: nodeName, resources: removed }, 'the satellite removed the resources; records deleted');
    } catch (err) {
      this.c.recordError(err, `Deleting the records of resources removed on node '${nodeName}'`);
    }
  }
}

/**
 * Where the controller reaches the node's satellite: its active interface (else the first one with a
 * satellite port). CONTROLLER and AUXILIARY nodes run no satellite.
 */
export function endpointOf(node: NodeRecord): string | undefined {
  if (node.type === 'CONTROLLER' || node.type === 'AUXILIARY') return undefined;
  const active = node.net_interfaces.find((n) => n.name.toUpperCase() === node.active_net_interface?.toUpperCase());
  const nif = active ?? node.net_interfaces.find((n) => n.satellite_port !== undefined);
  if (!nif) return undefined;
  return satelliteUrl(nif.address, nif.satellite_port ?? SATELLITE_PORT);
}

/** At most `max` tasks at once; the others wait in order. */
class Limiter {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly max: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}
