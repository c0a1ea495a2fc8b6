/**
 * Auto-evict (LINSTOR user's guide, "Auto-Evict"): a satellite that stays unreachable longer than
 * DrbdOptions/AutoEvictAfterTime minutes (node -> controller, default 60), while every DRBD peer has
 * lost it too, is marked EVICTED and its DRBD replicas are replaced elsewhere as far as
 * DrbdOptions/AutoEvictMinReplicaCount needs (node-operations.ts). DrbdOptions/AutoEvictAllowEviction=false
 * (node -> controller) keeps a node from being evicted. When more than
 * DrbdOptions/AutoEvictMaxDisconnectedNodes percent (controller, default 34; 0 turns the feature off)
 * of the nodes are unreachable at once, nothing is evicted: that looks like the controller's own
 * network problem, not the nodes'. Replicas of an evicted node that found no replacement are tried
 * again on every tick.
 *
 * The clock is injected, so tests drive time; the timer only calls `tick`.
 */
import type { Logger } from 'pino';
import type { ApiCallRc } from '../../model/apicallrc.js';
import type { NodeRecord } from '../../store/records.js';
import type { Controller } from '../controller.js';
import { key } from '../graph.js';
import { satelliteConnected } from '../satellites/deletion.js';
import { NodeOperationsService } from '../services/node-operations.js';

export const AFTER_TIME = 'DrbdOptions/AutoEvictAfterTime';
export const MAX_DISCONNECTED = 'DrbdOptions/AutoEvictMaxDisconnectedNodes';
export const ALLOW_EVICTION = 'DrbdOptions/AutoEvictAllowEviction';
const HOLDERS = ['SATELLITE', 'COMBINED'];

export interface TaskOptions {
  /** Milliseconds since the epoch; Date.now unless a test drives time. */
  now?: () => number;
  log?: Logger;
}

/** A non-negative number from a property, else the default. */
export function numberProp(value: string | undefined, dflt: number): number {
  const n = value === undefined || value.trim() === '' ? NaN : Number(value);
  return Number.isFinite(n) && n >= 0 ? n : dflt;
}

export class AutoEvictTask {
  /** When each node was first seen unreachable (by node key); cleared when it is back or evicted. */
  private readonly offlineSince = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;

  constructor(private readonly c: Controller, private readonly opts: TaskOptions = {}) {
    this.now = opts.now ?? Date.now;
  }

  /** One evaluation of every node; returns the entries of what it did (for the log and for tests). */
  tick(): ApiCallRc[] {
    const g = this.c.graph;
    const ctrl = g.controller.props;
    const ops = new NodeOperationsService(this.c);
    const now = this.now();
    const holders = g.nodes.values().filter((n) => HOLDERS.includes(n.type));
    const out: ApiCallRc[] = [];
    // Earlier evictions first: replicas that found no replacement then may find one now.
    for (const n of holders.filter((x) => x.flags.includes('EVICTED'))) out.push(...ops.relocateEvicted(n.name));

    const live = holders.filter((n) => !n.flags.includes('EVICTED'));
    const known = new Set(live.map((n) => key.node(n.name)));
    for (const k of [...this.offlineSince.keys()]) if (!known.has(k)) this.offlineSince.delete(k);
    const down: NodeRecord[] = [];
    for (const n of live) {
      const k = key.node(n.name);
      if (satelliteConnected(this.c, n.name)) {
        this.offlineSince.delete(k);
        continue;
      }
      if (!this.offlineSince.has(k)) this.offlineSince.set(k, now);
      down.push(n);
    }
    if (down.length === 0) return out;
    const maxPercent = numberProp(ctrl[MAX_DISCONNECTED], 34);
    if (down.length * 100 > maxPercent * live.length) {
      this.opts.log?.warn({ unreachable: down.map((n) => n.name), of: live.length, maxPercent },
        'auto-evict: too many nodes unreachable at once; evicting none');
      return out;
    }
    for (const n of down) {
      const minutes = numberProp(n.props[AFTER_TIME] ?? ctrl[AFTER_TIME], 60);
      if (now - this.offlineSince.get(key.node(n.name))! < minutes * 60_000) continue;
      if ((n.props[ALLOW_EVICTION] ?? ctrl[ALLOW_EVICTION] ?? 'true').trim().toLowerCase() === 'false') continue;
      if (this.drbdStillConnected(n)) continue;
      this.opts.log?.warn({ node: n.name, minutes }, 'auto-evict: evicting a node that stayed unreachable');
      out.push(...ops.evict(n.name));
      this.offlineSince.delete(key.node(n.name));
    }
    return out;
  }

  /** Runs `tick` every `intervalMs` until stopped (unref'd: it never keeps the process alive). */
  start(intervalMs = 60_000): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.safeTick(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private safeTick(): void {
    try {
      const done = this.tick();
      if (done.length) this.opts.log?.info({ entries: done.map((e) => e.message) }, 'auto-evict');
    } catch (err) {
      this.c.recordError(err, 'Auto-evict task');
    }
  }

  /** A DRBD peer still reports a connection to the node: DRBD can reach it, only the controller cannot. */
  private drbdStillConnected(node: NodeRecord): boolean {
    const nodeKey = key.node(node.name);
    for (const r of this.c.graph.resourcesOn(node.name)) {
      if (!r.layer_stack.includes('DRBD')) continue;
      for (const peer of this.c.graph.resourcesOf(r.name)) {
        if (key.node(peer.node_name) === nodeKey) continue;
        const conns = this.c.runtime.resource?.(peer.name, peer.node_name).connections ?? {};
        if (Object.entries(conns).some(([name, s]) => key.node(name) === nodeKey && s.connected)) return true;
      }
    }
    return false;
  }
}
