/**
 * The satellite: the node agent's converge engine.
 *
 * It holds the desired state the controller last sent and makes the node match it. A full update says
 * "exactly this": what is missing is created or grown, what is no longer wanted is removed — but only
 * devices named like Storhub names them (`<resource>_<nnnnn>`), so nothing it did not create is ever
 * touched. A delta applies on top of the update it names as its base; when that is not the one applied
 * last (a restart, a lost update), the answer is "need full sync" and the controller sends everything.
 *
 * Updates run one after another (a delta's base must be checked against a settled state). Inside an
 * update, resources converge concurrently (a small bound) and one operation at a time per resource.
 * A failure never fails the whole update: it becomes a Report on the resource or pool it concerns,
 * and a resource that failed is tried again by itself with backoff, between updates (retry.ts says why
 * the satellite and not the controller). Live watchers (watchers.ts; DRBD events2) send state changes
 * of the resources between updates, on top of what the last converge observed.
 */
import type { Logger } from 'pino';
import type { CommandRunner } from '../exec/runner.js';
import type { LayerKind, ProviderKind } from '../model/enums.js';
import { STORHUB_VERSION } from '../version.js';
import { detectCapabilities, type Detector } from './capabilities.js';
import { KeyedLock, mapLimit } from './concurrency.js';
import { ExternalFiles } from './ext-files.js';
import { NewVolumeFormatter } from './filesystem.js';
import type { Layer } from './layers/layer.js';
import { createStorageLayer } from './layers/storage.js';
import { ResourceEngine, wantedVolumeNames, type PoolListings } from './resource-engine.js';
import {
  PROTOCOL_VERSION, parseVolumeName, type Capabilities, type DesiredPool, type DesiredResource, type ObservedPool,
  type ObservedResource, type Report, type SatelliteEvent, type SatelliteInfo, type StateReport, type StateUpdate,
} from './protocol.js';
import type { StorageProvider } from './providers/provider.js';
import { errorReport } from './reports.js';
import { DEFAULT_RETRY, RetrySchedule, type RetryBackoff, type RetryToken } from './retry.js';
import { StateCache } from './state-cache.js';
import type { LayerWatcher, LayerWatcherFactory } from './watchers.js';

export const DEFAULT_CONCURRENCY = 4;
export const DEFAULT_POLL_MS = 30_000;

export interface SatelliteOptions {
  nodeName: string;
  runner: CommandRunner;
  /** The root logger; the satellite logs through a child {component: 'satellite', node}. */
  logger: Logger;
  /** Caches and markers (the satellite's own directory). */
  stateDir: string;
  /** Directories external files may be written below (default: none). */
  allowExtFiles?: readonly string[];
  /** Every provider implementation, by kind; only the detected ones are used. */
  providers: ReadonlyMap<ProviderKind, StorageProvider>;
  /** Every layer implementation except STORAGE (which the satellite brings); only detected ones are used. */
  layers: ReadonlyMap<LayerKind, Layer>;
  /** What finds this node's capabilities. */
  detectors: readonly Detector[];
  /** Resources converging at once (default 4). */
  concurrency?: number;
  /** How often pool capacities are re-read for events (default 30 s; 0: never). */
  pollMs?: number;
  /** Backoff of the convergence retries of failed resources (retry.ts; default 2 s doubling to 60 s). */
  retry?: RetryBackoff;
  /** Live watchers (e.g. DRBD events2), each started only when this node supports its layer. */
  watchers?: readonly LayerWatcherFactory[];
}

export type UpdateResult =
  | { status: 'applied'; report: StateReport }
  | { status: 'need_full_sync'; last_update_id: number | undefined };

/** The update is for another node: the controller has this satellite's address under a wrong name. */
export class WrongNodeError extends Error {
  constructor(readonly ours: string, readonly theirs: string) {
    super(`This satellite is node '${ours}', but the update is for node '${theirs}'. ` +
      `Fix the node's address in the controller, or the satellite's [node] name.`);
    this.name = 'WrongNodeError';
  }
}

export class Satellite {
  readonly log: Logger;
  private caps: Capabilities | undefined;
  private engine: ResourceEngine | undefined;
  private lastUpdateId: number | undefined;
  private pools = new Map<string, DesiredPool>();
  private nodeProps: Record<string, string> = {};
  /** The resources last asked for (upper-case key), including ones whose removal failed. */
  private readonly resources = new Map<string, DesiredResource>();
  private readonly poolStates = new Map<string, ObservedPool>();
  private readonly listeners = new Set<(e: SatelliteEvent) => void>();
  private readonly resourceLock = new KeyedLock();
  private readonly updateLock = new KeyedLock();
  private readonly cache: StateCache;
  private readonly extFiles: ExternalFiles;
  private readonly formatter: NewVolumeFormatter;
  private pollTimer: NodeJS.Timeout | undefined;
  /** What each held resource looked like after its last converge (live watchers add to it). */
  private readonly observed = new Map<string, ObservedResource>();
  /** Failed resources to try again; the payload is the state to diff against (see converged()). */
  private readonly retries: RetrySchedule<DesiredResource | undefined>;
  private readonly watchers: LayerWatcher[] = [];

  constructor(private readonly opts: SatelliteOptions) {
    this.log = opts.logger.child({ component: 'satellite', node: opts.nodeName });
    this.retries = new RetrySchedule(opts.retry ?? DEFAULT_RETRY, (key, token) => void this.retry(key, token));
    this.cache = new StateCache(opts.stateDir);
    this.extFiles = new ExternalFiles({ stateDir: opts.stateDir, allowed: opts.allowExtFiles ?? [], log: this.log });
    this.formatter = new NewVolumeFormatter(opts.runner, opts.stateDir, this.log);
  }

  get nodeName(): string {
    return this.opts.nodeName;
  }

  /** The update applied last (undefined until the first full update). */
  get appliedUpdateId(): number | undefined {
    return this.lastUpdateId;
  }

  /** Detects the capabilities (once) and loads the cache of resources held before a restart. */
  async start(): Promise<void> {
    this.caps = await detectCapabilities(this.opts.detectors, this.log);
    const providers = new Map<string, StorageProvider>();
    for (const kind of this.caps.providers) {
      const p = this.opts.providers.get(kind);
      if (p) providers.set(kind, p);
    }
    const layers = new Map<LayerKind, Layer>();
    for (const kind of this.caps.layers) {
      const l = this.opts.layers.get(kind);
      if (l && kind !== 'STORAGE') layers.set(kind, l);
    }
    layers.set('STORAGE', createStorageLayer({ layers: () => layers }));
    this.engine = new ResourceEngine({
      runner: this.opts.runner, log: this.log, nodeName: this.opts.nodeName, stateDir: this.opts.stateDir,
      providers, layers, capabilities: this.caps, formatter: this.formatter,
    });
    try {
      for (const r of await this.cache.load()) this.resources.set(r.name.toUpperCase(), r);
    } catch (err) {
      // Only a convenience is lost: orphans are still found by their volume names on the first full sync.
      this.log.warn({ err }, 'the resource cache is unreadable; starting without it');
    }
    if ((this.opts.pollMs ?? DEFAULT_POLL_MS) > 0) {
      this.pollTimer = setInterval(() => void this.pollCapacities(), this.opts.pollMs ?? DEFAULT_POLL_MS);
      this.pollTimer.unref();
    }
    for (const f of this.opts.watchers ?? []) {
      if (!this.caps.layers.includes(f.layer)) continue;
      const w = f.create({
        log: this.log,
        observed: (name) => {
          const key = name.toUpperCase();
          return this.resources.get(key)?.layer_stack[0] === f.layer ? this.observed.get(key) : undefined;
        },
        publishResource: (resource) => this.publish({ type: 'resource', resource }),
      });
      this.watchers.push(w);
      w.start();
    }
  }

  /** Stops the poller and forgets listeners; devices stay as they are (a restart must not touch them). */
  async close(): Promise<void> {
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.retries.close();
    await Promise.all(this.watchers.splice(0).map((w) => w.stop()));
    this.listeners.clear();
    await this.updateLock.run('update', async () => undefined);
  }

  info(): SatelliteInfo {
    return {
      node_name: this.opts.nodeName, storhub_version: STORHUB_VERSION, protocol_version: PROTOCOL_VERSION,
      // The allowance travels with the capabilities, so the controller can answer /v1/files/{path}/check/{node}.
      capabilities: { ...this.capabilities(), allow_ext_files: [...(this.opts.allowExtFiles ?? [])] },
    };
  }

  capabilities(): Capabilities {
    if (!this.caps) throw new Error('the satellite is not started');
    return this.caps;
  }

  /** Events for the /events stream; returns the unsubscribe function. */
  subscribe(listener: (e: SatelliteEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Sends an event to every listener (layers' watchers, e.g. DRBD events2, publish through here too). */
  publish(event: SatelliteEvent): void {
    for (const l of this.listeners) {
      try {
        l(event);
      } catch (err) {
        this.log.error({ err }, 'event listener failed');
      }
    }
  }

  applyUpdate(update: StateUpdate): Promise<UpdateResult> {
    return this.updateLock.run('update', () => this.applyLocked(update));
  }

  private async applyLocked(update: StateUpdate): Promise<UpdateResult> {
    const engine = this.engine;
    if (!engine) throw new Error('the satellite is not started');
    if (update.node_name.toUpperCase() !== this.opts.nodeName.toUpperCase()) throw new WrongNodeError(this.opts.nodeName, update.node_name);
    if (!update.full && update.base_update_id !== this.lastUpdateId) {
      this.log.info({ base: update.base_update_id, applied: this.lastUpdateId }, 'delta does not fit: asking for a full sync');
      return { status: 'need_full_sync', last_update_id: this.lastUpdateId };
    }
    this.log.info({ update_id: update.update_id, full: update.full, resources: update.resources.length }, 'applying update');
    this.pools = new Map(update.pools.map((p) => [p.name.toUpperCase(), p]));
    this.nodeProps = update.node_props;
    // Snapshot names are split against every resource held or wanted; this update's versions win.
    const ctx = { pools: this.pools, nodeProps: this.nodeProps, knownResources: () => [...this.resources.values(), ...update.resources] };
    const poolReports = new Map<string, Report[]>([...this.pools.keys()].map((k) => [k, []]));
    for (const pool of this.pools.values()) poolReports.get(pool.name.toUpperCase())!.push(...(await engine.checkPool(pool)));

    // What goes away: DELETE-flagged resources, the delta's removals, and (full) everything not listed.
    const wanted = update.resources.filter((r) => !r.flags.some((f) => f.toUpperCase() === 'DELETE'));
    const wantedKeys = new Set(wanted.map((r) => r.name.toUpperCase()));
    const removals = new Map<string, DesiredResource>();
    for (const r of update.resources) if (!wantedKeys.has(r.name.toUpperCase())) removals.set(r.name.toUpperCase(), r);
    const removedNames = update.full
      ? [...this.resources.values()].filter((r) => !wantedKeys.has(r.name.toUpperCase())).map((r) => r.name)
      : update.removed_resources;
    for (const name of removedNames) {
      const key = name.toUpperCase();
      if (wantedKeys.has(key) || removals.has(key)) continue;
      // Unknown here (e.g. removed while the satellite was down): the volumes are still found by name.
      removals.set(key, this.resources.get(key) ?? { name, layer_stack: ['STORAGE'], flags: [], props: {}, volumes: [] });
    }

    const listings: PoolListings = engine.poolListings(this.pools);
    const bound = this.opts.concurrency ?? DEFAULT_CONCURRENCY;
    const removed: string[] = [];
    const observed: ObservedResource[] = [];
    // Removals first: they free the capacity the creations may need.
    await mapLimit([...removals.values()], bound, (r) => this.resourceLock.run(r.name.toUpperCase(), async () => {
      const reports = await engine.remove(ctx, r, listings);
      // A removal ends convergence retries; a failed removal is asked for again by the controller.
      this.retries.cancel(r.name.toUpperCase());
      if (reports.some((x) => x.severity === 'error')) {
        observed.push({ name: r.name, volumes: [], reports });
        this.resources.set(r.name.toUpperCase(), r); // retried on the next full sync
      } else {
        removed.push(r.name);
        this.resources.delete(r.name.toUpperCase());
        this.observed.delete(r.name.toUpperCase());
      }
    }));
    const applied = await mapLimit(wanted, bound, (r) => this.resourceLock.run(r.name.toUpperCase(), async () => {
      const key = r.name.toUpperCase();
      const previous = this.retries.payload(key) ?? this.resources.get(key);
      const obs = await engine.apply(ctx, r, previous, listings);
      this.resources.set(key, r);
      this.converged(r, previous, obs, true);
      return obs;
    }));
    observed.push(...applied);

    if (update.full) {
      // Volumes with Storhub names of resources this node should not have (the cache was lost, or a
      // crash interrupted a removal). Never a name desired anywhere on the node.
      const desiredVolumes = wantedVolumeNames(wanted);
      for (const pool of this.pools.values()) {
        // A pool that is misconfigured is already reported; listing it would only repeat that.
        if (poolReports.get(pool.name.toUpperCase())!.some((r) => r.severity === 'error')) continue;
        const reports = await engine.sweep(pool, listings, (name) => {
          const parsed = parseVolumeName(name);
          return parsed !== undefined && !desiredVolumes.has(name.toUpperCase());
        });
        poolReports.get(pool.name.toUpperCase())!.push(...reports);
      }
    }

    let extReports: Report[];
    try {
      extReports = await this.extFiles.apply(update.external_files);
    } catch (err) {
      extReports = [errorReport('Writing the external files', err)];
    }
    for (const r of extReports) this.log.warn({ report: r }, 'external file');

    const pools = await Promise.all([...this.pools.values()].map(async (p) => {
      const state = await engine.observePool(p, poolReports.get(p.name.toUpperCase()) ?? []);
      this.poolStates.set(p.name.toUpperCase(), state);
      return state;
    }));
    for (const key of [...this.poolStates.keys()]) if (!this.pools.has(key)) this.poolStates.delete(key);

    this.lastUpdateId = update.update_id;
    try {
      await this.cache.save(this.resources.values());
    } catch (err) {
      this.log.error({ err }, 'could not write the resource cache');
    }
    this.log.info({ update_id: update.update_id, removed: removed.length, resources: observed.length }, 'update applied');
    const report: StateReport = {
      update_id: update.update_id,
      pools: pools.sort((a, b) => a.name.localeCompare(b.name)),
      resources: observed.sort((a, b) => a.name.localeCompare(b.name)),
      removed_resources: removed.sort(),
      reports: extReports,
    };
    return { status: 'applied', report };
  }

  /**
   * After a converge: remembers and publishes what was observed, and schedules a retry when it failed
   * (`fresh`: for a new desired state, so the backoff starts over) or ends the retries when it worked.
   */
  private converged(r: DesiredResource, previous: DesiredResource | undefined, obs: ObservedResource, fresh: boolean): void {
    const key = r.name.toUpperCase();
    this.observed.set(key, obs);
    this.publish({ type: 'resource', resource: obs });
    const failed = obs.reports.some((x) => x.severity === 'error');
    // A layer this node lacks stays lacking until the satellite restarts: trying again cannot help.
    const hopeless = r.layer_stack.some((k) => !this.caps?.layers.includes(k));
    if (!failed || hopeless) {
      this.retries.cancel(key);
      return;
    }
    // The payload: the state last converged, whose volumes a later success may still have to drop.
    const delay = this.retries.failed(key, fresh, previous);
    this.log.info({ resource: r.name, retry_in_ms: delay }, 'resource did not converge; trying again');
  }

  /** A scheduled retry: converges the resource's current desired state again, between updates. */
  private async retry(key: string, token: RetryToken): Promise<void> {
    const engine = this.engine;
    if (!engine) return;
    try {
      await this.updateLock.run('update', () => this.resourceLock.run(key, async () => {
        // An update may have converged, removed or re-scheduled the resource while this waited.
        if (!this.retries.isCurrent(key, token)) return;
        const r = this.resources.get(key);
        if (!r || r.flags.some((f) => f.toUpperCase() === 'DELETE')) {
          this.retries.cancel(key);
          return;
        }
        const previous = this.retries.payload(key);
        const obs = await engine.apply({ pools: this.pools, nodeProps: this.nodeProps, knownResources: () => this.resources.values() }, r, previous, engine.poolListings(this.pools));
        this.converged(r, previous, obs, false);
        if (!obs.reports.some((x) => x.severity === 'error')) this.log.info({ resource: r.name }, 'resource converged on retry');
      }));
    } catch (err) {
      // engine.apply turns device problems into reports; what lands here is a bug, but must not stop retrying.
      this.log.error({ err, resource: key }, 'retrying the resource failed');
      const r = this.resources.get(key);
      if (r && this.retries.isCurrent(key, token)) this.retries.failed(key, false, undefined);
    }
  }

  /** Re-reads pool capacities between updates and sends an event for each pool whose numbers changed. */
  async pollCapacities(): Promise<void> {
    const engine = this.engine;
    if (!engine) return;
    await this.updateLock.run('update', async () => {
      for (const pool of this.pools.values()) {
        const key = pool.name.toUpperCase();
        const before = this.poolStates.get(key);
        const now = await engine.observePool(pool, await engine.checkPool(pool));
        this.poolStates.set(key, now);
        if (before?.free_capacity !== now.free_capacity || before?.total_capacity !== now.total_capacity) {
          this.publish({ type: 'pool', pool: now });
        }
      }
    }).catch((err: unknown) => this.log.error({ err }, 'capacity poll failed'));
  }
}
