/**
 * The quorum tie-breaker. Two diskful DRBD replicas cannot form a majority after a split: with a
 * third, diskless voter they can. So while a resource definition has exactly two diskful DRBD
 * replicas and no other diskless one, the controller keeps a diskless replica flagged TIE_BREAKER on a
 * third node, and removes it when a third diskful (or another diskless) replica arrives or fewer than
 * two diskful ones are left. `DrbdOptions/auto-add-quorum-tiebreaker=false` (resource definition ->
 * resource group -> controller) turns it off; so does quorum=off.
 *
 * The node is chosen with the autoplacer's node rules (state, AutoplaceTarget, the group's node list,
 * replicas_on_same/different with at most one replica per value, not_place_with_rsc, DRBD support,
 * online) plus a diskless storage pool; among the nodes left, the one holding the fewest resources,
 * then by name, so the choice is deterministic.
 *
 * Everything happens inside the Change of the request that caused it (resource create/delete,
 * autoplace, spawn, toggle-disk, node operations) and is answered as INFO entries of that request.
 * Deleting the tie-breaker by hand turns the automatism off for the definition (else it would come
 * back at once), unless keep_tiebreaker is given: then it stays. keep_tiebreaker on the delete of
 * another replica keeps an existing tie-breaker even when it is no longer needed.
 */
import type { ApiCallRc, OpName } from '../../model/apicallrc.js';
import { StorhubError } from '../../model/errors.js';
import { normaliseRscFlags } from '../../model/resource.js';
import type { AutoSelectFilterRecord, NodeRecord, ResourceDefinitionRecord, ResourceRecord } from '../../store/records.js';
import { clusterFromController, weightsOf } from '../autoplacer/adapter.js';
import { nodeExclusion, selectionRules, type SelectionRules } from '../autoplacer/filter.js';
import type { PlacementRequest } from '../autoplacer/types.js';
import { Change } from '../change.js';
import type { Controller } from '../controller.js';
import { key } from '../graph.js';
import { deleteResourceRecords, satelliteConnected } from '../satellites/deletion.js';
import { pendingAllocations, pendingNode, pendingRd, pendingResourcesOf } from './pending-state.js';
import { disklessPoolOn } from './placement.js';
import { countsForQuorum, drbdCounts, infoEntry, manageQuorum, QUORUM, rdLevelProp } from './quorum.js';
import { ResourceService } from './resources.js';
import { ToggleDiskService } from '../satellites/toggle-disk.js';
import { rc } from '../responses.js';
import type { ResourceCreate } from '../../model/resource.js';

export const AUTO_TIEBREAKER = 'DrbdOptions/auto-add-quorum-tiebreaker';
const GONE_NODE = ['DELETE', 'EVICTED', 'EVACUATE'];
/** Flags a replica loses when it is taken over as the tie-breaker instead of being deleted. */
const TAKEN_OVER_DROPS = ['DELETE', 'DRBD_DELETE', 'EVACUATE'];

export interface AutomatismContext {
  /** Operation of the request (for the ret_code bits of the entries). */
  op: OpName;
  /** The replica the request deletes (as it was before), if it is a delete. */
  deleted?: ResourceRecord;
  keepTiebreaker?: boolean;
}

/**
 * LINSTOR's DRBD automatisms for one resource definition, in its order: the tie-breaker first (it
 * counts as a voter), then quorum. Writes into `change`; returns the entries for the answer.
 */
export function drbdAutomatisms(c: Controller, rdName: string, change: Change, ctx: AutomatismContext): ApiCallRc[] {
  return [...manageTieBreaker(c, rdName, change, ctx), ...manageQuorum(c, rdName, change, ctx.op)];
}

/** The same for every definition with a resource among `resources` (node operations touch many). */
export function drbdAutomatismsFor(c: Controller, rdNames: Iterable<string>, change: Change, op: OpName): ApiCallRc[] {
  const seen = new Set<string>();
  const out: ApiCallRc[] = [];
  for (const name of rdNames) {
    if (seen.has(key.rd(name))) continue;
    seen.add(key.rd(name));
    out.push(...drbdAutomatisms(c, name, change, { op }));
  }
  return out;
}

export function tieBreakerEnabled(c: Controller, rd: ResourceDefinitionRecord): boolean {
  return rdLevelProp(c, rd, AUTO_TIEBREAKER)?.toLowerCase() !== 'false';
}

export function manageTieBreaker(c: Controller, rdName: string, change: Change, ctx: AutomatismContext): ApiCallRc[] {
  const rd = pendingRd(c.graph, change, rdName);
  if (!rd) return [];
  const answers: ApiCallRc[] = [];
  const resources = pendingResourcesOf(c.graph, change, rd.name);
  if (!resources.some((r) => r.layer_stack.includes('DRBD'))) return [];
  const tieBreaker = resources.find((r) => r.flags.includes('TIE_BREAKER') && countsForQuorum(r));
  // Planned for the replicas that stay: one moving away (EVACUATE) is about to leave.
  const counts = drbdCounts(resources, true);
  const wanted = tieBreakerEnabled(c, rd) && rdLevelProp(c, rd, QUORUM)?.toLowerCase() !== 'off'
    && counts.diskful === 2 && counts.diskless === 0;

  if (ctx.deleted?.flags.includes('TIE_BREAKER') && wanted) {
    // The user deleted the tie-breaker itself: without switching the automatism off it would come back at once.
    change.put('rd', key.rd(rd.name), { ...rd, props: { ...rd.props, [AUTO_TIEBREAKER]: 'false' } });
    return [infoEntry('INFO_PROP_SET', ctx.op, rd.name,
      `Disabling auto-tiebreaker on resource-definition '${rd.name}' as tiebreaker resource was manually deleted`)];
  }
  if (wanted && !tieBreaker) {
    const taken = ctx.deleted ? takeOver(c, rd, ctx.deleted, change, ctx.op) : undefined;
    answers.push(...(taken ?? create(c, rd, resources, change, ctx.op)));
  } else if (!wanted && tieBreaker && !ctx.keepTiebreaker) {
    answers.push(remove(c, tieBreaker, change, ctx.op));
  }
  return answers;
}

/**
 * keep_tiebreaker on the delete of the tie-breaker itself: it stays (and the automatism is switched
 * on for the definition if it was off, as LINSTOR does).
 */
export function keepTieBreaker(c: Controller, r: ResourceRecord): ApiCallRc[] {
  const rd = c.graph.resourceDefinition(r.name)!;
  const change = new Change();
  const answers: ApiCallRc[] = [];
  if (!tieBreakerEnabled(c, rd)) {
    change.put('rd', key.rd(rd.name), { ...rd, props: { ...rd.props, [AUTO_TIEBREAKER]: 'true' } });
    answers.push(infoEntry('INFO_PROP_SET', 'DELETE', rd.name, 'Autotiebreaker automatically enabled due to --keep-tiebreaker'));
  }
  c.commit(change);
  answers.push(entry('INFO_TIE_BREAKER_TAKEOVER', 'DELETE', r,
    'The given resource will not be deleted but will be taken over as a linstor managed tiebreaker resource.'));
  return answers;
}

/**
 * A resource create on the tie-breaker's node: the tie-breaker becomes the asked-for replica, a
 * plain diskless one or (toggled) a diskful one, keeping its DRBD node id and ports.
 */
export function claimTieBreaker(c: Controller, change: Change, tb: ResourceRecord, item: ResourceCreate): ApiCallRc {
  const flags = item.resource.flags ?? [];
  const refs = { RscDfn: tb.name, Node: tb.node_name, UUID: tb.uuid };
  if (item.drbd_client || flags.some((f) => f === 'DISKLESS' || f === 'DRBD_DISKLESS')) {
    change.put('rsc', key.rsc(tb.name, tb.node_name), { ...tb, flags: normaliseRscFlags(tb.flags.filter((f) => f !== 'TIE_BREAKER')) });
    return rc.success('CREATED', 'CREATE', 'RSC',
      `Tie-breaker resource '${tb.name}' on node '${tb.node_name}' is now a regular diskless replica.`, { obj_refs: refs });
  }
  const { pool } = new ToggleDiskService(c).diskfulInto(change, tb.name, tb.node_name, item.resource.props?.StorPoolName, item.layer_list);
  return rc.success('CREATED', 'CREATE', 'RSC',
    `Tie-breaker resource '${tb.name}' on node '${tb.node_name}' is now a diskful replica (storage pool '${pool}').`, { obj_refs: refs });
}

/**
 * A replica this request deletes becomes the tie-breaker instead, when its node could hold one
 * (LINSTOR's takeover: better than a tie-breaker elsewhere, or none at all).
 */
function takeOver(c: Controller, rd: ResourceDefinitionRecord, deleted: ResourceRecord, change: Change, op: OpName): ApiCallRc[] | undefined {
  const node = pendingNode(c.graph, change, deleted.node_name);
  if (!node || !deleted.layer_stack.includes('DRBD') || !satelliteConnected(c, node.name)) return undefined;
  if (!spots(c, rd, change, [], [node.name]).length) return undefined;
  const pool = disklessPoolOn(c, node, groupFilter(c, rd));
  if (!pool) return undefined;
  // A replica that was moving away (migrate_from) stops moving: it stays, as the tie-breaker.
  const props = Object.fromEntries(Object.entries(deleted.props).filter(([k]) => !k.startsWith('Internal/Evacuate/')));
  const kept: ResourceRecord = {
    ...deleted,
    flags: normaliseRscFlags([...deleted.flags.filter((f) => !TAKEN_OVER_DROPS.includes(f)), 'DISKLESS', 'DRBD_DISKLESS', 'TIE_BREAKER']),
    volumes: deleted.volumes.map((v) => ({ ...v, storage_pool_name: pool })),
    props: { ...props, StorPoolName: pool },
  };
  change.put('rsc', key.rsc(kept.name, kept.node_name), kept);
  return [entry('INFO_TIE_BREAKER_TAKEOVER', op, kept,
    'The given resource will not be deleted but will be taken over as a linstor managed tiebreaker resource.')];
}

function create(c: Controller, rd: ResourceDefinitionRecord, resources: ResourceRecord[], change: Change, op: OpName): ApiCallRc[] {
  const taken = resources.map((r) => r.node_name);
  const reasons: string[] = [];
  for (const node of spots(c, rd, change, taken)) {
    const pool = disklessPoolOn(c, node, groupFilter(c, rd));
    if (!pool) {
      reasons.push(`${node.name}: no diskless storage pool`);
      continue;
    }
    let rsc: ResourceRecord;
    try {
      rsc = new ResourceService(c).build(rd, node, {
        resource: { node_name: node.name, props: { StorPoolName: pool }, flags: ['DRBD_DISKLESS'] },
        // A diskless voter needs DRBD only; layers below it (LUKS, caches) would have nothing to work on.
        layer_list: ['DRBD', 'STORAGE'],
      }, pendingAllocations(c.graph, change, rd.name));
    } catch (err) {
      // The tie-breaker is a courtesy of the request that caused it: its failure must not fail that request.
      if (!(err instanceof StorhubError)) throw err;
      reasons.push(`${node.name}: ${err.message}`);
      continue;
    }
    rsc.flags = normaliseRscFlags([...rsc.flags, 'TIE_BREAKER']);
    change.put('rsc', key.rsc(rd.name, node.name), rsc);
    return [entry('INFO_TIE_BREAKER_CREATED', op, rsc, `Tie breaker resource '${rd.name}' created on ${node.name}`)];
  }
  return [rc.warn('WARN_NOT_ENOUGH_NODES_FOR_TIE_BREAKER', op, 'RSC',
    `Could not find suitable node to automatically create a tie breaking resource for '${rd.name}'.`, {
      ...(reasons.length ? { details: `Nodes considered: ${reasons.join('; ')}.` } : {}),
      correction: 'Add a third node with a diskless storage pool (every satellite has DfltDisklessStorPool) that is online and supports DRBD, '
        + `or set ${AUTO_TIEBREAKER}=false on the resource definition to silence this.`,
      obj_refs: { RscDfn: rd.name },
    })];
}

function remove(c: Controller, tb: ResourceRecord, change: Change, op: OpName): ApiCallRc {
  if (satelliteConnected(c, tb.node_name)) {
    change.put('rsc', key.rsc(tb.name, tb.node_name), { ...tb, flags: normaliseRscFlags([...tb.flags, 'DELETE']) });
  } else {
    // Its satellite removes the device when it reconnects (its full state no longer has it).
    deleteResourceRecords(c.graph, change, tb);
  }
  return entry('INFO_TIE_BREAKER_DELETING', op, tb, 'Tie breaker marked for deletion');
}

function groupFilter(c: Controller, rd: ResourceDefinitionRecord): AutoSelectFilterRecord {
  return c.graph.resourceGroup(rd.resource_group_name)?.select_filter ?? {};
}

/**
 * Nodes that may hold the tie-breaker, best first. `taken` nodes already hold a replica; `only`
 * restricts the answer to the given nodes (takeover).
 */
function spots(c: Controller, rd: ResourceDefinitionRecord, change: Change, taken: readonly string[], only?: readonly string[]): NodeRecord[] {
  const g = c.graph;
  const group = groupFilter(c, rd);
  const filter: AutoSelectFilterRecord = {
    ...(group.node_name_list ? { node_name_list: group.node_name_list } : {}),
    ...(group.replicas_on_same ? { replicas_on_same: group.replicas_on_same } : {}),
    ...(group.replicas_on_different ? { replicas_on_different: group.replicas_on_different } : {}),
    // One replica per value: the tie-breaker should sit where no diskful replica is (e.g. a third site).
    ...(group.x_replicas_on_different_map
      ? { x_replicas_on_different_map: Object.fromEntries(Object.keys(group.x_replicas_on_different_map).map((k) => [k, 1])) }
      : {}),
    ...(group.not_place_with_rsc ? { not_place_with_rsc: group.not_place_with_rsc } : {}),
    ...(group.not_place_with_rsc_regex ? { not_place_with_rsc_regex: group.not_place_with_rsc_regex } : {}),
  };
  const resources = pendingResourcesOf(g, change, rd.name).filter(countsForQuorum);
  const req: PlacementRequest = {
    resource: rd.name,
    filter,
    count: 1,
    sizeKib: 0,
    layers: ['DRBD'],
    existing: resources.map((r) => ({ node: r.node_name, diskless: r.flags.includes('DISKLESS') })),
    weights: weightsOf(g),
  };
  const cluster = clusterFromController(c);
  const rules = rulesOf(cluster, req);
  const excluded = nodeExclusion(req, rules);
  const takenKeys = new Set(taken.map(key.node));
  const onlyKeys = only ? new Set(only.map(key.node)) : undefined;
  const out: Array<{ node: NodeRecord; load: number }> = [];
  for (const pn of cluster.nodes) {
    const k = key.node(pn.name);
    if (onlyKeys ? !onlyKeys.has(k) : takenKeys.has(k)) continue;
    const node = pendingNode(g, change, pn.name);
    if (!node || node.flags.some((f) => GONE_NODE.includes(f))) continue;
    // A node being taken over still holds the replica: only the node-level rules matter for it.
    const why = excluded(pn);
    if (why && !(onlyKeys && why.kind === 'has-replica')) continue;
    out.push({ node, load: pn.resources.length });
  }
  out.sort((a, b) => a.load - b.load || (key.node(a.node.name) < key.node(b.node.name) ? -1 : 1));
  return out.map((o) => o.node);
}

/** The selection rules; a replicas_on_same the existing replicas already break is dropped (any spot beats none). */
function rulesOf(cluster: ReturnType<typeof clusterFromController>, req: PlacementRequest): SelectionRules {
  try {
    return selectionRules(cluster, req);
  } catch (err) {
    if (!(err instanceof StorhubError) || err.code !== 'FAIL_NOT_ENOUGH_NODES') throw err;
    const { replicas_on_same: _dropped, ...rest } = req.filter;
    return selectionRules(cluster, { ...req, filter: rest });
  }
}

function entry(code: 'INFO_TIE_BREAKER_CREATED' | 'INFO_TIE_BREAKER_DELETING' | 'INFO_TIE_BREAKER_TAKEOVER', op: OpName, r: ResourceRecord, message: string): ApiCallRc {
  return rc.info(code, op, 'RSC', message, { obj_refs: { RscDfn: r.name, Node: r.node_name } });
}
