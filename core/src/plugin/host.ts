/**
 * The plugin host inside storhubd: runs the plugins listed in [plugins], keeps each one isolated, and
 * applies a changed configuration without touching what did not change.
 *
 * apply() (first start and every SIGHUP) works in three phases, so nothing stops or starts before
 * everything was checked:
 * 1. prepare: load every plugin that has to (re)start and validate its config with its configSchema;
 * 2. stop: plugins that were removed or disabled, and those whose entry changed (package, options or
 *    the controllers) and whose new entry is valid; in reverse start order;
 * 3. start: new and changed plugins, and plugins that failed before (a reload retries them), in file
 *    order, each with a time limit. A plugin whose config is invalid or whose start throws is marked
 *    failed with the reason; the others run. Unchanged running plugins are not touched at all (their
 *    sockets and connections stay up).
 * On a reload, a changed plugin whose new entry is invalid keeps running with its previous config
 * (like the rest of the configuration, a bad reload changes nothing); its status says why.
 *
 * stop() stops every plugin, newest first: first its AbortSignal is aborted, then stop() is awaited
 * (with a time limit), then its REST client is closed. storhubd calls it before closing the API, so a
 * plugin can still talk to the controller while it stops.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { StorhubClient } from '../client/index.js';
import { LocalRunner } from '../exec/local.js';
import type { CommandRunner } from '../exec/runner.js';
import type { Adapter, PluginContext, PluginStatus } from './adapter.js';
import { type LoadAdapter, moduleLoader } from './loader.js';
import { NO_PLUGINS, type PluginEntry, type PluginsSettings } from './settings.js';
import { createVolumeOps } from './volume-ops-rest.js';

/** One plugin as /health, GET /v1/storhub/plugins and `storhub plugin list` show it. */
export interface PluginInfo extends PluginStatus {
  /** The plugin id: its key in [plugins]. */
  name: string;
  package: string;
  /** When it entered its current state, ms since the epoch. */
  since: number;
}

export interface PluginHostOptions {
  /** The daemon's root logger; each plugin gets a child {component: 'plugin', plugin: <id>}. */
  logger: Logger;
  nodeName: string;
  /** Plugins keep their state in <stateDir>/<id>. */
  stateDir: string;
  /** Controllers when [plugins] names none: this storhubd's own REST API (undefined: none). */
  defaultControllers?: () => string[] | undefined;
  /** How packages are loaded (default: dynamic import, see loader.ts). */
  load?: LoadAdapter;
  runner?: CommandRunner;
  /** Time budget of one REST request of a plugin's client, ms (default 60 s). */
  requestTimeoutMs?: number;
}

interface Instance {
  entry: PluginEntry;
  /** What decides whether a reload restarts it: package, options, controllers. */
  fingerprint: string;
  state: PluginStatus['state'];
  message?: string;
  since: number;
  adapter?: Adapter;
  abort?: AbortController;
  client?: StorhubClient;
  log?: Logger;
}

interface Prepared {
  entry: PluginEntry;
  fingerprint: string;
  adapter?: Adapter;
  config?: unknown;
  /** Why it cannot start. */
  problem?: string;
}

export class PluginHost {
  private readonly instances = new Map<string, Instance>();
  /** Ids of running plugins in start order (stop goes backwards). */
  private order: string[] = [];
  private readonly load: LoadAdapter;
  private readonly runner: CommandRunner;
  private readonly log: Logger;
  private settings: PluginsSettings = NO_PLUGINS;
  /** apply() and stop() run one at a time, in call order. */
  private queue: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly opts: PluginHostOptions) {
    this.load = opts.load ?? moduleLoader();
    this.runner = opts.runner ?? new LocalRunner();
    this.log = opts.logger.child({ component: 'plugin-host' });
  }

  /** Starts (or, on a reload, reconciles to) the configured plugins. Never throws for a plugin's failure. */
  apply(settings: PluginsSettings): Promise<void> {
    return this.serial(async () => {
      if (this.stopped) return;
      await this.reconcile(settings);
    });
  }

  /** Stops every plugin (newest first). Further apply() calls do nothing. */
  stop(): Promise<void> {
    return this.serial(async () => {
      this.stopped = true;
      for (const id of [...this.order].reverse()) await this.stopOne(id, 'storhubd is stopping');
    });
  }

  /** Every configured plugin, sorted by name. */
  list(): PluginInfo[] {
    return [...this.instances.values()]
      .map((inst) => this.info(inst))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** For /health: one line per failed plugin, or undefined when none failed. */
  healthProblem(): string | undefined {
    const failed = this.list().filter((p) => p.state === 'failed');
    if (failed.length === 0) return undefined;
    return failed.map((p) => `plugin '${p.name}' failed: ${p.message ?? 'unknown reason'}`).join('\n');
  }

  private serial(fn: () => Promise<void>): Promise<void> {
    const next = this.queue.then(fn);
    this.queue = next.catch((err: unknown) => this.log.error({ err }, 'plugin host error'));
    return next;
  }

  private info(inst: Instance): PluginInfo {
    const out: PluginInfo = { name: inst.entry.id, package: inst.entry.package, state: inst.state, since: inst.since };
    if (inst.message) out.message = inst.message;
    if (inst.state === 'running' && inst.adapter?.status) {
      try {
        const live = inst.adapter.status();
        if (live.state) out.state = live.state;
        if (live.endpoint) out.endpoint = live.endpoint;
        // The host's own note (e.g. a rejected reload) stays visible next to the plugin's.
        if (live.message) out.message = out.message ? `${out.message}; ${live.message}` : live.message;
      } catch (err) {
        out.message = `status() failed: ${(err as Error).message}`;
      }
    }
    return out;
  }

  private async reconcile(settings: PluginsSettings): Promise<void> {
    this.settings = settings;
    const controllers = settings.controllers ?? this.opts.defaultControllers?.();
    const wanted = new Map(settings.entries.map((e) => [e.id, e]));

    // Keep the log level of running plugins in step with the daemon's (SIGHUP may have changed it).
    for (const inst of this.instances.values()) if (inst.log) inst.log.level = this.opts.logger.level;

    // 1. prepare everything that has to (re)start
    const toStart: Prepared[] = [];
    for (const entry of settings.entries) {
      if (!entry.enabled) continue;
      const fingerprint = stableJson({ package: entry.package, config: entry.config, controllers: controllers ?? null });
      const current = this.instances.get(entry.id);
      if (current?.state === 'running' && current.fingerprint === fingerprint) continue;
      toStart.push(await this.prepare(entry, fingerprint, controllers));
    }

    // 2. stop: removed, disabled, and changed plugins whose new entry is valid
    const replaced = new Set<string>();
    for (const p of toStart) {
      const current = this.instances.get(p.entry.id);
      if (current?.state !== 'running') continue;
      if (p.problem) {
        current.message = `the new configuration was rejected, still running with the previous one: ${p.problem}`;
        this.log.error({ plugin: p.entry.id, problem: p.problem }, 'reload: plugin configuration rejected; the plugin keeps its previous configuration');
        continue;
      }
      replaced.add(p.entry.id);
    }
    for (const id of [...this.order].reverse()) {
      const entry = wanted.get(id);
      if (!entry) await this.stopOne(id, 'removed from the configuration');
      else if (!entry.enabled) await this.stopOne(id, 'disabled in the configuration');
      else if (replaced.has(id)) await this.stopOne(id, 'its configuration changed');
    }
    for (const [id, inst] of this.instances) {
      const entry = wanted.get(id);
      if (!entry) this.instances.delete(id);
      else if (!entry.enabled) this.setState(inst, 'stopped', `disabled ([plugins.${id}] enabled = false)`);
    }
    for (const entry of settings.entries) {
      if (!entry.enabled && !this.instances.has(entry.id)) {
        this.instances.set(entry.id, { entry, fingerprint: '', state: 'stopped', message: `disabled ([plugins.${entry.id}] enabled = false)`, since: Date.now() });
      }
    }

    // 3. start, in file order
    for (const p of toStart) {
      const current = this.instances.get(p.entry.id);
      if (current?.state === 'running') continue; // kept: its new entry was rejected
      await this.startOne(p, controllers);
    }
  }

  private async prepare(entry: PluginEntry, fingerprint: string, controllers: string[] | undefined): Promise<Prepared> {
    if (entry.problem) return { entry, fingerprint, problem: entry.problem };
    if (!controllers || controllers.length === 0) {
      return { entry, fingerprint, problem: 'no controller to talk to: this storhubd serves no REST API; set [plugins] controllers' };
    }
    let adapter: Adapter;
    try {
      adapter = await this.load(entry.package);
    } catch (err) {
      return { entry, fingerprint, problem: (err as Error).message };
    }
    const parsed = adapter.configSchema.safeParse(entry.config);
    if (!parsed.success) {
      const lines = parsed.error.issues.map((i) => `${i.path.length ? `${i.path.join('.')}: ` : ''}${i.message}`);
      return { entry, fingerprint, adapter, problem: `invalid configuration in [plugins.${entry.id}.config]: ${lines.join('; ')}` };
    }
    return { entry, fingerprint, adapter, config: parsed.data };
  }

  private async startOne(p: Prepared, controllers: string[] | undefined): Promise<void> {
    const inst: Instance = { entry: p.entry, fingerprint: p.fingerprint, state: 'stopped', since: Date.now() };
    this.instances.set(p.entry.id, inst);
    const log = this.opts.logger.child({ component: 'plugin', plugin: p.entry.id });
    if (p.problem || !p.adapter) {
      log.error({ package: p.entry.package, problem: p.problem }, 'plugin not started');
      return this.setState(inst, 'failed', p.problem ?? 'not loaded');
    }
    const adapter = p.adapter;
    const twin = [...this.instances.values()].find((o) => o !== inst && o.adapter === adapter && o.state === 'running');
    if (twin) {
      const problem = `package '${p.entry.package}' already runs as plugin '${twin.entry.id}' (a package's adapter runs once per storhubd)`;
      log.error({ problem }, 'plugin not started');
      return this.setState(inst, 'failed', problem);
    }
    const stateDir = join(this.opts.stateDir, p.entry.id);
    const abort = new AbortController();
    const client = new StorhubClient({ controllers, timeoutMs: this.opts.requestTimeoutMs, userAgent: `storhub-plugin/${p.entry.id}` });
    Object.assign(inst, { adapter, abort, client, log });
    try {
      mkdirSync(stateDir, { recursive: true, mode: 0o700 });
      const ctx: PluginContext = {
        log, client, runner: this.runner, signal: abort.signal, nodeName: this.opts.nodeName, stateDir,
        volumes: createVolumeOps(client, { log, signal: abort.signal }),
      };
      await withTimeout(Promise.resolve().then(() => adapter.start(ctx, p.config)), this.settings.startTimeoutMs, 'start()');
    } catch (err) {
      log.error({ err }, 'plugin failed to start; the other plugins keep running');
      this.setState(inst, 'failed', `start failed: ${(err as Error).message ?? String(err)}`);
      // Whatever start() got running before it failed is released (stop() must be safe to call then).
      await this.release(inst);
      return;
    }
    this.order.push(p.entry.id);
    this.setState(inst, 'running', undefined);
    log.info({ package: p.entry.package, state_dir: stateDir }, 'plugin started');
  }

  private async stopOne(id: string, why: string): Promise<void> {
    const inst = this.instances.get(id);
    this.order = this.order.filter((x) => x !== id);
    if (!inst || inst.state !== 'running') return;
    inst.log?.info({ reason: why }, 'stopping plugin');
    await this.release(inst);
    this.setState(inst, 'stopped', why);
  }

  /** Abort, stop(), close the client; errors are logged, never thrown (the next plugin must still stop). */
  private async release(inst: Instance): Promise<void> {
    inst.abort?.abort(new Error(`plugin '${inst.entry.id}' is stopping`));
    try {
      if (inst.adapter) await withTimeout(Promise.resolve().then(() => inst.adapter!.stop()), this.settings.stopTimeoutMs, 'stop()');
    } catch (err) {
      inst.log?.error({ err }, 'plugin stop failed');
    }
    await inst.client?.close().catch((err: unknown) => inst.log?.warn({ err }, 'closing the plugin REST client'));
    inst.abort = undefined;
    inst.client = undefined;
  }

  private setState(inst: Instance, state: PluginStatus['state'], message: string | undefined): void {
    inst.state = state;
    inst.message = message;
    inst.since = Date.now();
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms / 1000} s`)), ms);
  });
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}

/** JSON with sorted keys (dates and bigints as text): equal configurations give equal strings. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (typeof v === 'bigint') return `${v}n`;
    if (v instanceof Date) return v.toISOString();
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    return v;
  });
}
