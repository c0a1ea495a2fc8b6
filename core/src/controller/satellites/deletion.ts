/**
 * Deleting a resource while satellites run. On a connected node the record is only marked DELETE
 * (views show it, clients show DELETING); the satellite removes the devices and, when it confirms,
 * the record goes. On a node whose satellite is not connected the record goes at once: the satellite
 * removes the devices when it reconnects, because its full state no longer contains them (and it
 * only ever removes devices named like the ones it creates).
 */
import type { ApiCallRc } from '../../model/apicallrc.js';
import { normaliseRscFlags } from '../../model/resource.js';
import type { ResourceRecord } from '../../store/records.js';
import { Change } from '../change.js';
import type { Controller } from '../controller.js';
import { key, type Graph } from '../graph.js';
import { rc } from '../responses.js';

const what = (r: ResourceRecord) => `resource '${r.name}' on node '${r.node_name}'`;
const refs = (r: ResourceRecord) => ({ RscDfn: r.name, Node: r.node_name });

/** Whether the node's satellite is connected now (its answer can confirm a removal). */
export function satelliteConnected(c: Controller, nodeName: string): boolean {
  const status = c.runtime.node(nodeName).connection_status;
  return status === 'ONLINE' || status === 'CONNECTED';
}

/**
 * Marks the resource DELETE; the satellite's confirmation removes the record. With `change` the mark
 * goes into it (the caller commits), else it is committed here.
 */
export function markForDeletion(c: Controller, r: ResourceRecord, change?: Change): ApiCallRc[] {
  if (!r.flags.includes('DELETE')) {
    const marked: ResourceRecord = { ...r, flags: normaliseRscFlags([...r.flags, 'DELETE']) };
    if (change) change.put('rsc', key.rsc(r.name, r.node_name), marked);
    else c.commit(new Change().put('rsc', key.rsc(r.name, r.node_name), marked));
  }
  return [
    rc.success('DELETED', 'DELETE', 'RSC', `Resource '${r.name}' on node '${r.node_name}' marked for deletion.`, {
      details: `The satellite on '${r.node_name}' removes its devices; until it confirms, the resource is listed as DELETING.`,
      obj_refs: { ...refs(r), UUID: r.uuid },
    }),
  ];
}

/** The warning for a resource deleted while its node's satellite is not connected. */
export function offlineDeleteWarning(r: ResourceRecord): ApiCallRc {
  return rc.warn('WARN_NOT_CONNECTED', 'DELETE', 'RSC',
    `Node '${r.node_name}' is not connected: ${what(r)} was removed from the controller only.`, {
      details: `The satellite on '${r.node_name}' removes the volumes of '${r.name}' when it reconnects.`,
      correction: `Start the satellite on '${r.node_name}' (or use 'node lost ${r.node_name}' if the node is gone for good).`,
      obj_refs: refs(r),
    });
}

/** Adds the deletion of the resource and of its resource connections to `change`. */
export function deleteResourceRecords(graph: Graph, change: Change, r: ResourceRecord): void {
  change.delete('rsc', key.rsc(r.name, r.node_name));
  const nodeKey = key.node(r.node_name);
  const rdKey = key.rd(r.name);
  for (const conn of graph.resourceConnections.values()) {
    if (key.rd(conn.resource_name) !== rdKey) continue;
    if (key.node(conn.node_a) === nodeKey || key.node(conn.node_b) === nodeKey) {
      change.delete('rsc_conn', key.rscConn(conn.resource_name, conn.node_a, conn.node_b));
    }
  }
}

/** The satellite confirmed these resources removed: the DELETE-marked records go. */
export function removeConfirmed(c: Controller, nodeName: string, names: readonly string[]): string[] {
  const change = new Change();
  const removed: string[] = [];
  for (const name of names) {
    const r = c.graph.resource(name, nodeName);
    if (!r || !r.flags.includes('DELETE')) continue;
    deleteResourceRecords(c.graph, change, r);
    removed.push(r.name);
  }
  c.commit(change);
  return removed;
}
