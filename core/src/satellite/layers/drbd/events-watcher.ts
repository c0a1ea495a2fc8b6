/**
 * Live DRBD state: `drbdsetup events2 --timestamps --statistics all` runs for as long as the satellite
 * does (where the DRBD layer is supported), its lines go through the events2 parser, and whenever the
 * disk, replication, connection or role state of a resource Storhub holds changes, the satellite sends
 * a `resource` event: the resource as last converged, with DRBD's current state laid over it.
 *
 * events2 prints the current state first (`exists ...`, ended by `exists -`), then one line per change,
 * and statistics lines (counters) often; counters alone never make an event. Changes are debounced per
 * resource: a connect or resync start changes several objects within milliseconds, and the controller
 * needs the state once they settled, not every step. If drbdsetup ends (it should not), it is started
 * again after 1 s, 2 s, 4 s ... at most 30 s; a run that lasted a minute starts the backoff over.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { CommandError, type StreamExit, type StreamingRunner } from '../../../exec/runner.js';
import type { ObservedResource, ObservedVolume } from '../../protocol.js';
import type { LayerWatcher, LayerWatcherFactory, WatcherHost } from '../../watchers.js';
import { DEFAULT_TOOLS, type Argv, type DrbdTools } from './drbdadm.js';
import { applyEvents2, observe, parseEvents2Line, type DrbdObservation, type DrbdResourceState } from './events2.js';

/** The long-running watch of every resource: state first, then changes, with timestamps and statistics. */
export function events2Watch(tools: DrbdTools): Argv {
  return [tools.drbdsetup, ['events2', '--timestamps', '--statistics', 'all']];
}

export interface DrbdEventsWatcherOptions {
  runner: StreamingRunner;
  tools?: DrbdTools;
  env?: Record<string, string>;
  /** Quiet time after a change before the event goes out (default 200 ms). */
  debounceMs?: number;
  /** Restarts of drbdsetup (default 1 s doubling to 30 s). */
  backoff?: { initialMs: number; maxMs: number };
  /** A run at least this long starts the backoff over (default 60 s). */
  healthyMs?: number;
}

/** The watcher factory the satellite starts where the DRBD layer is supported (see wiring.ts). */
export function drbdEventsWatcher(opts: DrbdEventsWatcherOptions): LayerWatcherFactory {
  return { layer: 'DRBD', create: (host) => new DrbdEventsWatcher(opts, host) };
}

export class DrbdEventsWatcher implements LayerWatcher {
  /** Times drbdsetup was started (diagnostics, tests). */
  runs = 0;
  private states = new Map<string, DrbdResourceState>();
  /** Per resource: the state key of the event sent last. */
  private readonly emitted = new Map<string, string>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly stopping = new AbortController();
  private loop: Promise<void> | undefined;
  private lastProblem: string | undefined;

  constructor(private readonly o: DrbdEventsWatcherOptions, private readonly host: WatcherHost) {}

  start(): void {
    this.loop ??= this.runLoop();
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    await this.loop;
  }

  private async runLoop(): Promise<void> {
    const [file, args] = events2Watch(this.o.tools ?? DEFAULT_TOOLS);
    const { initialMs, maxMs } = this.o.backoff ?? { initialMs: 1_000, maxMs: 30_000 };
    let attempt = 0;
    while (!this.stopping.signal.aborted) {
      // Each run starts with a full dump: state from an earlier run would only hide what changed meanwhile.
      this.states = new Map();
      this.runs++;
      const started = Date.now();
      let why: string;
      try {
        const exit = await this.o.runner.spawnStream(file, args, { signal: this.stopping.signal, env: this.o.env, onLine: (l) => this.onLine(l) });
        if (exit.canceled || this.stopping.signal.aborted) break;
        why = describeExit(exit);
      } catch (err) {
        if (this.stopping.signal.aborted) break;
        why = err instanceof CommandError && err.notFound ? `${file} not found (install drbd-utils 9)` : (err as Error).message;
      }
      if (Date.now() - started >= (this.o.healthyMs ?? 60_000)) attempt = 0;
      const delay = Math.min(maxMs, initialMs * 2 ** Math.min(attempt++, 30));
      // Once per problem: a drbdsetup that keeps failing must not fill the log.
      const level = why === this.lastProblem ? 'debug' : 'warn';
      this.host.log[level]({ argv: [file, ...args], reason: why, restart_in_ms: delay }, 'drbdsetup events2 ended; DRBD state changes are not seen until it runs again');
      this.lastProblem = why;
      try {
        await sleep(delay, undefined, { signal: this.stopping.signal });
      } catch (err) {
        if (this.stopping.signal.aborted) break;
        throw err;
      }
    }
  }

  private onLine(line: string): void {
    const ev = parseEvents2Line(line);
    if (!ev) return;
    if (ev.action === 'exists' && ev.object === '-') {
      // End of the initial dump: resources reported before but missing now went down while not watched.
      for (const name of this.emitted.keys()) if (!this.states.has(name)) this.touch(name);
      return;
    }
    const name = applyEvents2(this.states, ev);
    if (name) this.touch(name);
  }

  private touch(name: string): void {
    if (this.timers.has(name) || this.stopping.signal.aborted) return;
    if (stateKey(this.states.get(name)) === this.emitted.get(name)) return;
    const timer = setTimeout(() => this.flush(name), this.o.debounceMs ?? 200);
    timer.unref();
    this.timers.set(name, timer);
  }

  private flush(name: string): void {
    this.timers.delete(name);
    const state = this.states.get(name);
    const key = stateKey(state);
    if (key === this.emitted.get(name)) return; // changed and changed back
    // Only resources Storhub holds, and only once the satellite converged them (it knows their devices).
    const base = this.host.observed(name);
    if (!base) return;
    this.emitted.set(name, key);
    this.host.publishResource(withDrbdState(base, state ? observe(state) : undefined));
  }
}

/**
 * What makes an event: role and "in use", disk state per volume, connection state and peer role per
 * peer, replication state, peer disk and whole percent of resync progress per peer device. Counters
 * (`--statistics`) are left out on purpose.
 */
export function stateKey(s: DrbdResourceState | undefined): string {
  if (!s) return 'absent';
  const devices = [...s.devices.values()].sort((a, b) => a.volume - b.volume).map((d) => [d.volume, d.disk, d.client, d.open]);
  const conns = [...s.connections.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map((c) => [
    c.name, c.connection, c.role,
    [...c.peerDevices.values()].sort((a, b) => a.volume - b.volume).map((p) => [p.volume, p.replication, p.peerDisk, p.done === undefined ? null : Math.floor(p.done)]),
  ]);
  return JSON.stringify([s.role ?? null, devices, conns]);
}

/**
 * The resource as last converged with DRBD's live state laid over it. `seen` undefined: DRBD does not
 * know the resource (it was taken down), so no DRBD state is claimed at all.
 */
export function withDrbdState(base: ObservedResource, seen: DrbdObservation | undefined): ObservedResource {
  const volumes = base.volumes.map((v): ObservedVolume => {
    const s = seen?.volumes.get(v.volume_number);
    const out: ObservedVolume = {
      ...v,
      layers: v.layers.map((l) => {
        if (l.layer !== 'DRBD') return l;
        const { disk_state: _old, ...rest } = l;
        return s?.disk_state ? { ...rest, disk_state: s.disk_state } : rest;
      }),
    };
    delete out.disk_state;
    delete out.replication_states;
    if (s?.disk_state) out.disk_state = s.disk_state;
    if (s && Object.keys(s.replication_states).length) out.replication_states = s.replication_states;
    return out;
  });
  return { ...base, in_use: seen?.in_use ?? false, connections: seen?.connections ?? {}, volumes };
}

function describeExit(exit: StreamExit): string {
  const how = exit.exitCode !== undefined ? `exit code ${exit.exitCode}` : `signal ${exit.signal ?? 'unknown'}`;
  const err = exit.stderr.trim().split('\n').slice(-3).join(' | ');
  return err ? `${how}: ${err}` : how;
}
