/**
 * Moving a replica without losing redundancy, the shared part of node evacuate, auto-evict and
 * toggle-disk --migrate-from: the replacement is placed first (the autoplacer, the definition's
 * group filter, the replica's own layer stack); the old replica is then "retired". A DRBD replica on
 * a connected node is only flagged EVACUATE: it keeps serving until the replacement reports UpToDate,
 * and `settleMoves` (run by the controller's evacuation task) deletes it then. Anything else goes at
 * once: a replica on a node that is not connected cannot help the sync anyway.
 *
 * The replacement's node is kept on the old replica as `Internal/Evacuate/ReplacedBy`, so the wait is
 * for that replica; without it (or when it is gone) every other diskful replica must be UpToDate.
 */
import type { ApiCallRc, OpName } from '../../model/apicallrc.js';
import { StorhubError } from '../../model/errors.js';
import { normaliseRscFlags } from '../../model/resource.js';
import type { AutoSelectFilterRecord, ResourceRecord } from '../../store/records.js';
import { Change } from '../change.js';
import type { Controller } from '../controller.js';
import { key } from '../graph.js';
import { rc } from '../responses.js';
import { deleteResourceRecords, markForDeletion, offlineDeleteWarning, satelliteConnected } from '../satellites/deletion.js';
import { PlacementService } from './placement.js';
import { countsForQuorum } from './quorum.js';
import { mergeFilters } from './select-filter.js';
import { drbdAutomatisms } from './tiebreaker.js';

export const REPLACED_BY = 'Internal/Evacuate/ReplacedBy';
const refs = (r: ResourceRecord) => ({ RscDfn: r.name, Node: r.node_name });

export type Replacement =
  | { ok: true; answers: ApiCallRc[]; nodes: string[] }
  | { ok: false; error: StorhubError };

/**
 * Places one more diskful replica of the replica's definition into `change` (nothing is written when
 * it fails). `restrict` narrows the candidate nodes (evacuate's target / do_not_target).
 */
export function placeReplacement(c: Controller, r: ResourceRecord, change: Change, restrict: Partial<AutoSelectFilterRecord> = {}): Replacement {
  const rd = c.graph.resourceDefinition(r.name);
  if (!rd) return { ok: false, error: new StorhubError('FAIL_NOT_FOUND_RSC_DFN', `Resource definition '${r.name}' not found.`) };
  const group = c.graph.resourceGroup(rd.resource_group_name)?.select_filter ?? {};
  const filter = mergeFilters({ ...restrict, additional_place_count: 1, diskless_on_remaining: false }, group);
  const trial = new Change();
  let answers: ApiCallRc[];
  try {
    answers = new PlacementService(c).place(rd, filter, trial, { layers: [...r.layer_stack] });
  } catch (err) {
    // A replica without a replacement stays where it is; the caller reports why.
    if (err instanceof StorhubError) return { ok: false, error: err };
    throw err;
  }
  const nodes: string[] = [];
  for (const w of trial.written) {
    change.put('rsc', w.key, w.value as ResourceRecord);
    nodes.push((w.value as ResourceRecord).node_name);
  }
  return { ok: true, answers, nodes };
}

/**
 * Takes the replica out after its replacement (on `replacedBy`) was placed: DRBD diskful replicas
 * on a connected node wait for the sync (flag EVACUATE), everything else is deleted now.
 */
export function retireReplica(c: Controller, r: ResourceRecord, change: Change, replacedBy?: string): ApiCallRc[] {
  if (r.layer_stack.includes('DRBD') && !r.flags.includes('DISKLESS') && satelliteConnected(c, r.node_name)) {
    const props = replacedBy ? { ...r.props, [REPLACED_BY]: replacedBy } : r.props;
    change.put('rsc', key.rsc(r.name, r.node_name), { ...r, props, flags: normaliseRscFlags([...r.flags, 'EVACUATE']) });
    return [rc.success('MODIFIED', 'MODIFY', 'RSC',
      `Resource '${r.name}' on node '${r.node_name}' is deleted once ${replacedBy ? `its replacement on '${replacedBy}'` : 'its replacement'} is in sync.`, {
        obj_refs: { ...refs(r), UUID: r.uuid },
      })];
  }
  return deleteNow(c, r, change);
}

/** Deletes the replica as `resource delete` does: marked on a connected node, removed otherwise. */
export function deleteNow(c: Controller, r: ResourceRecord, change: Change): ApiCallRc[] {
  if (satelliteConnected(c, r.node_name)) return markForDeletion(c, r, change);
  deleteResourceRecords(c.graph, change, r);
  return [rc.deleted('RSC', `resource '${r.name}' on node '${r.node_name}'`, refs(r), r.uuid), offlineDeleteWarning(r)];
}

/** Whether the EVACUATE-flagged replica may go now: its replacement (else every diskful peer) is UpToDate. */
export function moveSettled(c: Controller, r: ResourceRecord): boolean {
  if (!satelliteConnected(c, r.node_name)) return true;
  if (c.runtime.resource?.(r.name, r.node_name).in_use) return false;
  const g = c.graph;
  const peers = g.resourcesOf(r.name).filter((p) => key.node(p.node_name) !== key.node(r.node_name) && !p.flags.includes('DISKLESS') && countsForQuorum(p));
  const wanted = r.props[REPLACED_BY];
  const replacement = wanted ? peers.find((p) => key.node(p.node_name) === key.node(wanted)) : undefined;
  const mustSync = replacement ? [replacement] : peers;
  if (mustSync.length === 0) return false;
  const volumes = g.resourceDefinition(r.name)?.volume_definitions.map((vd) => vd.volume_number) ?? [];
  return mustSync.every((p) => satelliteConnected(c, p.node_name) && volumes.every((nr) => diskState(c, p, nr) === 'UpToDate'));
}

function diskState(c: Controller, r: ResourceRecord, volumeNumber: number): string | undefined {
  const v = c.runtime.resource?.(r.name, r.node_name).volumes?.[volumeNumber];
  return v?.disk_state ?? v?.layers?.DRBD?.disk_state;
}

/**
 * Deletes every EVACUATE-flagged replica whose move has settled, each in its own change with the
 * tie-breaker and quorum following. Returns what was done (the task logs it).
 */
export function settleMoves(c: Controller, op: OpName = 'DELETE'): ApiCallRc[] {
  const out: ApiCallRc[] = [];
  const waiting = c.graph.resources.values().filter((r) => r.flags.includes('EVACUATE') && !r.flags.includes('DELETE'));
  for (const r of waiting) {
    if (!moveSettled(c, r)) continue;
    const change = new Change();
    const answers = deleteNow(c, r, change);
    answers.push(...drbdAutomatisms(c, r.name, change, { op, deleted: r }));
    c.commit(change);
    out.push(...answers);
  }
  return out;
}
