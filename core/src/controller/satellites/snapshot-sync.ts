/**
 * Snapshots, restores, clones and rollbacks between the records and the satellites.
 *
 * Desired (pure, from the graph): a diskful resource's `snapshots` are the snapshots of its definition
 * that live on its node (neither the snapshot nor the node's copy marked DELETE); the list is always
 * sent, also empty, since the satellite deletes only the Storhub snapshots a list leaves out. A
 * restored or cloned resource carries `source` until its satellite reported the volumes; a resource
 * with a rollback request carries `rollback` until the satellite applied it.
 *
 * Observed (the fold): what a satellite reports about one resource updates the records in one commit:
 *  - a snapshot it reports created marks that node's copy created; once every copy that stays is
 *    created the snapshot is SUCCESSFUL; an error report on a copy not created marks FAILED_DEPLOYMENT
 *    (cleared if it is created later);
 *  - a copy marked DELETE that it no longer lists is gone: dropped, and with the last copy the record;
 *  - `rollback_applied` at or above the request id clears the request;
 *  - every volume reported (a device) clears `source`; when no resource of a CLONING definition has
 *    a source left the clone is COMPLETE (an error report while the volumes are missing marks FAILED).
 */
import type { DesiredResource, DesiredSnapshot, ObservedResource, ObservedSnapshot } from '../../satellite/protocol.js';
import type { ResourceDefinitionRecord, ResourceRecord, SnapshotNodeRecord, SnapshotRecord } from '../../store/records.js';
import { Change } from '../change.js';
import type { CommitListener, Controller } from '../controller.js';
import { key, type Graph } from '../graph.js';
import { isDiskless, isLiveOn } from '../services/snapshot-common.js';

/** The snapshot, source and rollback parts of one resource's desired state (only the keys that apply). */
export function snapshotDesired(graph: Graph, nodeName: string, rd: ResourceDefinitionRecord, r: ResourceRecord): Partial<DesiredResource> {
  const out: Partial<DesiredResource> = {};
  // Always a list where data lives: a satellite deletes only what a list leaves out (absent = no opinion),
  // and a snapshot deleted while the node was offline must go when it reconnects.
  if (!isDiskless(r)) {
    const suspend = r.layer_stack.includes('DRBD');
    out.snapshots = graph.snapshotsOf(rd.name).filter((s) => isLiveOn(s, nodeName))
      .map((s): DesiredSnapshot => ({ name: s.name, suspend_io: suspend }));
  }
  if (r.source) out.source = { ...r.source };
  if (r.rollback) out.rollback = { ...r.rollback };
  return out;
}

/**
 * A commit listener: when a resource record goes (removal confirmed, deleted offline, node lost), the
 * snapshot copies of its node go too; the satellite removes a resource's snapshots with it.
 */
export function pruneWithResources(c: Controller): CommitListener {
  return (writes) => {
    const gone = writes.filter((w) => w.kind === 'rsc' && w.value === null).map((w) => w.key.split('/'));
    if (gone.length === 0) return;
    const change = new Change();
    const next = new Map<string, SnapshotRecord>();
    for (const [rdKey, nodeKey] of gone) {
      for (const s of c.graph.snapshotsOf(rdKey)) {
        const sk = key.snapshot(s.resource_name, s.name);
        const current = next.get(sk) ?? s;
        const entries = current.node_snapshots;
        if (!entries?.some((e) => key.node(e.node_name) === nodeKey)) continue;
        next.set(sk, withState(current, entries.filter((e) => key.node(e.node_name) !== nodeKey)));
      }
    }
    for (const [sk, s] of next) {
      if (s.node_snapshots!.length === 0) change.delete('snapshot', sk);
      else change.put('snapshot', sk, s);
    }
    if (!change.isEmpty) c.commit(change);
  };
}

/** Folds one observed resource into the records; never throws (a failure becomes an error report). */
export function foldObserved(c: Controller, nodeName: string, observed: ObservedResource): void {
  try {
    const change = foldChange(c.graph, nodeName, observed);
    if (!change.isEmpty) c.commit(change);
  } catch (err) {
    c.recordError(err, `Folding the report of resource '${observed.name}' on node '${nodeName}' into the records`);
  }
}

/** The record changes one observed resource implies (pure; exported for tests). */
export function foldChange(graph: Graph, nodeName: string, observed: ObservedResource): Change {
  const change = new Change();
  const r = graph.resource(observed.name, nodeName);
  const rd = graph.resourceDefinition(observed.name);
  if (!r || !rd) return change;
  if (observed.snapshots) foldSnapshots(graph, change, rd, r.node_name, observed.snapshots);

  let next = r;
  if (r.rollback && observed.rollback_applied !== undefined && observed.rollback_applied >= r.rollback.request_id) {
    const { rollback: _applied, ...rest } = next;
    next = rest;
  }
  const reported = volumesReported(r, observed);
  if (r.source && reported) {
    const { source: _done, ...rest } = next;
    next = rest;
  }
  if (next !== r) change.put('rsc', key.rsc(r.name, r.node_name), next);

  if (rd.flags.includes('CLONING') || rd.flags.includes('FAILED')) {
    const copying = graph.resourcesOf(rd.name).filter((x) => (x === r ? next : x).source !== undefined);
    let flags = rd.flags;
    if (copying.length === 0) flags = flags.filter((f) => f !== 'CLONING' && f !== 'FAILED');
    else if (next.source && !reported && hasError(observed) && !flags.includes('FAILED')) flags = [...flags, 'FAILED'];
    if (flags !== rd.flags) change.put('rd', key.rd(rd.name), { ...rd, flags });
  }
  return change;
}

function foldSnapshots(graph: Graph, change: Change, rd: ResourceDefinitionRecord, nodeName: string, observed: readonly ObservedSnapshot[]): void {
  const byName = new Map(observed.map((o) => [o.name.toUpperCase(), o]));
  const nodeKey = key.node(nodeName);
  for (const s of graph.snapshotsOf(rd.name)) {
    const entries = s.node_snapshots;
    if (!entries) continue;
    const idx = entries.findIndex((e) => key.node(e.node_name) === nodeKey);
    if (idx < 0) continue;
    const entry = entries[idx];
    const seen = byName.get(s.name.toUpperCase());
    let nextEntry: SnapshotNodeRecord | undefined = entry;
    if (entry.flags.includes('DELETE')) {
      if (!seen) nextEntry = undefined;
    } else if (seen?.created && !entry.created) {
      const { failure: _cleared, ...rest } = entry;
      nextEntry = { ...rest, created: true };
    } else if (seen && !seen.created && !entry.created) {
      const failure = seen.reports.find((x) => x.severity === 'error')?.message;
      if (failure !== entry.failure) {
        const { failure: _old, ...rest } = entry;
        nextEntry = failure === undefined ? rest : { ...rest, failure };
      }
    }
    if (nextEntry === entry) continue;
    const kept = entries.flatMap((e, i) => (i !== idx ? [e] : nextEntry ? [nextEntry] : []));
    if (kept.length === 0) {
      change.delete('snapshot', key.snapshot(s.resource_name, s.name));
      continue;
    }
    change.put('snapshot', key.snapshot(s.resource_name, s.name), withState(s, kept));
  }
}

/** The record with these node copies, its node list and the flags they imply. */
function withState(s: SnapshotRecord, entries: SnapshotNodeRecord[]): SnapshotRecord {
  const staying = entries.filter((e) => !e.flags.includes('DELETE'));
  let flags = s.flags.filter((f) => f !== 'SUCCESSFUL' && f !== 'FAILED_DEPLOYMENT');
  // Once SUCCESSFUL, removing some copies does not make it less so.
  if (s.flags.includes('SUCCESSFUL') || (staying.length > 0 && staying.every((e) => e.created))) flags = [...flags, 'SUCCESSFUL'];
  else if (staying.some((e) => !e.created && e.failure !== undefined)) flags = [...flags, 'FAILED_DEPLOYMENT'];
  if (staying.length === 0 && !flags.includes('DELETE')) flags = [...flags, 'DELETE'];
  return { ...s, nodes: entries.map((e) => e.node_name), flags, node_snapshots: entries };
}

/** Every volume of the resource was reported with a device or an allocation, and no error came with it. */
function volumesReported(r: ResourceRecord, observed: ObservedResource): boolean {
  if (hasError(observed)) return false;
  return r.volumes.every((v) => observed.volumes.some((o) =>
    o.volume_number === v.volume_number && (o.device_path !== undefined || o.allocated_size_kib !== undefined)));
}

function hasError(observed: ObservedResource): boolean {
  return (observed.reports ?? []).some((x) => x.severity === 'error');
}
