/**
 * What a satellite has acknowledged, and the updates that bring it to a new desired state: a full
 * update after every (re)connect, afterwards deltas that carry only the resources whose desired state
 * differs from the acknowledged one (compared as JSON), plus the removals.
 *
 * Pure bookkeeping: the connector sends the update and calls `acknowledge` with the satellite's report.
 */
import { key } from '../graph.js';
import type { StateReport, StateUpdate } from '../../satellite/protocol.js';
import { fullUpdate, type NodeDesiredState } from './desired-state.js';

interface AckedResource {
  name: string;
  json: string;
}

export interface PendingUpdate {
  update: StateUpdate;
  /** Resources marked DELETE that this update asks the satellite to remove (they wait for its confirmation). */
  removing: string[];
  /** The acknowledged state once the satellite confirms this update. */
  next: Map<string, AckedResource>;
  nextHead: string;
}

export class SyncState {
  private acked = new Map<string, AckedResource>();
  /** node_props + pools + external files as acknowledged (sent complete, but only when they or a resource changed). */
  private head: string | undefined;
  /** Update id of the last acknowledged update; undefined until a full sync succeeded. */
  ackedId: number | undefined;

  get synced(): boolean {
    return this.ackedId !== undefined;
  }

  /** Forget everything: the next update must be full. */
  reset(): void {
    this.acked = new Map();
    this.head = undefined;
    this.ackedId = undefined;
  }

  full(desired: NodeDesiredState, updateId: number): PendingUpdate {
    const next = new Map<string, AckedResource>();
    for (const [k, r] of desired.resources) next.set(k, { name: r.name, json: JSON.stringify(r) });
    return { update: fullUpdate(desired, updateId), removing: [...desired.deleting], next, nextHead: headOf(desired) };
  }

  /** The delta from the acknowledged state to `desired`, or undefined when they are the same. */
  delta(desired: NodeDesiredState, updateId: number): PendingUpdate | undefined {
    if (this.ackedId === undefined) throw new Error('delta before the first full sync');
    const next = new Map(this.acked);
    const changed = [];
    for (const [k, r] of desired.resources) {
      const json = JSON.stringify(r);
      if (this.acked.get(k)?.json === json) continue;
      changed.push(r);
      next.set(k, { name: r.name, json });
    }
    const removed = new Map<string, string>();
    for (const [k, r] of this.acked) if (!desired.resources.has(k)) removed.set(k, r.name);
    // A resource marked DELETE is asked for even when the satellite never got it, so that the
    // satellite's answer confirms it and the record can go.
    for (const name of desired.deleting) removed.set(key.rd(name), name);
    for (const k of removed.keys()) next.delete(k);
    const nextHead = headOf(desired);
    if (changed.length === 0 && removed.size === 0 && nextHead === this.head) return undefined;
    const update: StateUpdate = {
      update_id: updateId,
      full: false,
      base_update_id: this.ackedId,
      node_name: desired.node_name,
      node_props: desired.node_props,
      pools: desired.pools,
      resources: changed,
      removed_resources: [...removed.values()],
      // Always complete: the satellite writes exactly these and removes the ones it wrote before.
      external_files: desired.external_files,
    };
    return { update, removing: [...desired.deleting], next, nextHead };
  }

  /**
   * Records the satellite's answer to `pending`; returns the DELETE-marked resources it confirmed
   * removed: those it lists as removed, or that it does not report as still there.
   */
  acknowledge(pending: PendingUpdate, report: StateReport): string[] {
    this.acked = pending.next;
    this.head = pending.nextHead;
    this.ackedId = pending.update.update_id;
    const removed = new Set(report.removed_resources.map((n) => key.rd(n)));
    const present = new Set(report.resources.map((r) => key.rd(r.name)));
    return pending.removing.filter((n) => removed.has(key.rd(n)) || !present.has(key.rd(n)));
  }
}

function headOf(desired: NodeDesiredState): string {
  // External files are sent complete with every update; a change of them alone is worth a delta too.
  return JSON.stringify([desired.node_props, desired.pools, desired.external_files]);
}
