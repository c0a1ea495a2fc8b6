/**
 * What the snapshot services, the restore and clone services, the satellite sync and the
 * auto-snapshot task share: lookups with LINSTOR's not-found errors, the per-node view of a snapshot
 * record (older records carry only node names), creation order, and the checks every call repeats.
 */
import { StorhubError } from '../../model/errors.js';
import type { ResourceDefinitionRecord, ResourceRecord, SnapshotNodeRecord, SnapshotRecord } from '../../store/records.js';
import type { Controller } from '../controller.js';
import { key, type Graph } from '../graph.js';
import { satelliteConnected } from '../satellites/deletion.js';

export const snapWhat = (rd: string, snap: string) => `snapshot '${snap}' of resource '${rd}'`;
export const snapDfnWhat = (rd: string, snap: string) => `snapshot definition '${snap}' of resource '${rd}'`;
export const snapRefs = (rd: string, snap: string) => ({ RscDfn: rd, Snapshot: snap });

/** Resource flags of replicas without their own storage: they hold no snapshot. */
export const DISKLESS_FLAGS: ReadonlySet<string> = new Set(['DISKLESS', 'DRBD_DISKLESS', 'NVME_INITIATOR', 'EBS_INITIATOR', 'TIE_BREAKER']);

export function isDiskless(r: ResourceRecord): boolean {
  return r.flags.some((f) => DISKLESS_FLAGS.has(f));
}

export function isDeletingRsc(r: ResourceRecord, rd?: ResourceDefinitionRecord): boolean {
  return r.flags.includes('DELETE') || (rd?.flags.includes('DELETE') ?? false);
}

export function requireRd(c: Controller, name: string): ResourceDefinitionRecord {
  const rd = c.graph.resourceDefinition(name);
  if (!rd) {
    throw new StorhubError('FAIL_NOT_FOUND_RSC_DFN', `Resource definition '${name}' not found.`, {
      correction: `Create it first (resource-definition create ${name}), or check the name with 'resource-definition list'.`,
      objRefs: { RscDfn: name },
    });
  }
  return rd;
}

export function findSnapshot(graph: Graph, rd: string, snap: string): SnapshotRecord | undefined {
  return graph.snapshots.get(key.snapshot(rd, snap));
}

export function requireSnapshot(c: Controller, rd: ResourceDefinitionRecord, snap: string): SnapshotRecord {
  const s = findSnapshot(c.graph, rd.name, snap);
  if (!s) {
    throw new StorhubError('FAIL_NOT_FOUND_SNAPSHOT_DFN', `Snapshot '${snap}' of resource '${rd.name}' not found.`, {
      correction: `List the snapshots of '${rd.name}' with 'snapshot list -r ${rd.name}'.`,
      objRefs: snapRefs(rd.name, snap),
    });
  }
  return s;
}

/** True for records written before snapshots were deployed: node names only, taken as created. */
export const isLegacy = (s: SnapshotRecord): boolean => s.node_snapshots === undefined;

/** The per-node snapshots of a record (older records: one created entry per node name). */
export function nodeEntries(s: SnapshotRecord): SnapshotNodeRecord[] {
  if (s.node_snapshots) return s.node_snapshots;
  return s.nodes.map((node_name) => ({
    node_name, flags: [], create_timestamp: s.create_timestamp, uuid: s.uuid, created: true, layer_stack: [], resource_props: {}, volumes: [],
  }));
}

export function entryOn(s: SnapshotRecord, node: string): SnapshotNodeRecord | undefined {
  const k = key.node(node);
  return nodeEntries(s).find((e) => key.node(e.node_name) === k);
}

/** The node's snapshot exists there and stays (not being deleted, not the whole definition either). */
export function isLiveOn(s: SnapshotRecord, node: string): boolean {
  const e = entryOn(s, node);
  return e !== undefined && !e.flags.includes('DELETE') && !s.flags.includes('DELETE');
}

/** SUCCESSFUL once every node that keeps it reported it created. */
export function isSuccessful(s: SnapshotRecord): boolean {
  return s.flags.includes('SUCCESSFUL');
}

/** Creation order: sequence number, then time, then name (records without a sequence number sort first). */
export function compareSnapshots(a: SnapshotRecord, b: SnapshotRecord): number {
  return (a.sequence_number ?? 0) - (b.sequence_number ?? 0)
    || a.create_timestamp - b.create_timestamp
    || (a.name.toUpperCase() < b.name.toUpperCase() ? -1 : a.name.toUpperCase() > b.name.toUpperCase() ? 1 : 0);
}

export function nextSequenceNumber(graph: Graph, rd: string): number {
  return graph.snapshotsOf(rd).reduce((max, s) => Math.max(max, s.sequence_number ?? 0), 0) + 1;
}

/** Refuses when a node's satellite is not connected: what it must do would not happen now. */
export function requireConnected(c: Controller, nodes: readonly string[], what: string, refs: Record<string, string>): void {
  const offline = [...new Set(nodes)].filter((n) => !satelliteConnected(c, n));
  if (offline.length === 0) return;
  const states = offline.map((n) => `'${n}' (${c.runtime.node(n).connection_status})`).join(', ');
  throw new StorhubError('FAIL_NOT_CONNECTED', `${what} cannot be performed while the satellites of the nodes are not connected: ${states}.`, {
    correction: `Start the satellite on ${offline.join(', ')} and wait until 'node list' shows it Online, then try again.`,
    objRefs: refs,
  });
}

/** "a", "a and b", "a, b and c" */
export function listing(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}
