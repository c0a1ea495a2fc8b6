/**
 * The state a request sees before it commits: the graph with the writes of its Change laid over it.
 * Services that add follow-up records to a change (the tie-breaker after an autoplace, quorum props
 * after a delete) must see what the change already holds — a spawn's resource definition exists only
 * in its change until the commit.
 */
import type { NodeRecord, ResourceDefinitionRecord, ResourceRecord } from '../../store/records.js';
import type { Change } from '../change.js';
import { key, type Graph } from '../graph.js';
import type { Pending } from './resources.js';

/** The last write of the change per store key of one kind (null = deleted), in write order. */
function writesOf<T>(change: Change, kind: string): Map<string, T | null> {
  const out = new Map<string, T | null>();
  for (const w of change.written) if (w.kind === kind) out.set(w.key, w.value as T | null);
  return out;
}

/** The resource definition as the change leaves it (undefined when deleted or unknown). */
export function pendingRd(graph: Graph, change: Change, rdName: string): ResourceDefinitionRecord | undefined {
  const k = key.rd(rdName);
  const written = writesOf<ResourceDefinitionRecord>(change, 'rd');
  return written.has(k) ? written.get(k) ?? undefined : graph.resourceDefinitions.get(k);
}

/** The node as the change leaves it. */
export function pendingNode(graph: Graph, change: Change, nodeName: string): NodeRecord | undefined {
  const k = key.node(nodeName);
  const written = writesOf<NodeRecord>(change, 'node');
  return written.has(k) ? written.get(k) ?? undefined : graph.nodes.get(k);
}

/** The resources of a definition as the change leaves them, sorted by node. */
export function pendingResourcesOf(graph: Graph, change: Change, rdName: string): ResourceRecord[] {
  const prefix = key.rd(rdName) + '/';
  const byKey = new Map<string, ResourceRecord>();
  for (const r of graph.resourcesOf(rdName)) byKey.set(key.rsc(r.name, r.node_name), r);
  for (const [k, v] of writesOf<ResourceRecord>(change, 'rsc')) {
    if (!k.startsWith(prefix)) continue;
    if (v === null) byKey.delete(k);
    else byKey.set(k, v);
  }
  return [...byKey.keys()].sort().map((k) => byKey.get(k)!);
}

/** The record of one resource as the change leaves it. */
export function pendingResource(graph: Graph, change: Change, rdName: string, nodeName: string): ResourceRecord | undefined {
  const k = key.rsc(rdName, nodeName);
  const written = writesOf<ResourceRecord>(change, 'rsc');
  return written.has(k) ? written.get(k) ?? undefined : graph.resources.get(k);
}

/**
 * DRBD numbers the change already hands out (node ids of the definition, ports per node), so a
 * record built for the same change does not get them again.
 */
export function pendingAllocations(graph: Graph, change: Change, rdName: string): Pending {
  const pending: Pending = { nodeIds: new Set(), portsByNode: new Map(), drbdCount: 0 };
  const prefix = key.rd(rdName) + '/';
  for (const [k, r] of writesOf<ResourceRecord>(change, 'rsc')) {
    if (!r?.drbd) continue;
    const nodeKey = key.node(r.node_name);
    let ports = pending.portsByNode.get(nodeKey);
    if (!ports) pending.portsByNode.set(nodeKey, (ports = new Set()));
    for (const p of r.drbd.tcp_ports) ports.add(p);
    if (!k.startsWith(prefix)) continue;
    pending.nodeIds.add(r.drbd.node_id);
    if (!graph.resources.has(k)) pending.drbdCount++;
  }
  return pending;
}
