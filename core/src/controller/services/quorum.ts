/**
 * Auto-quorum: DRBD quorum is only meaningful with at least three voters, so the controller sets
 * `DrbdOptions/Resource/quorum=majority` and `DrbdOptions/Resource/on-no-quorum` (io-error, LINSTOR's
 * default auto-quorum policy) on a resource definition when it has two diskful replicas plus a
 * diskless one (a tie-breaker or a client) or three diskful ones, and removes them again when that
 * no longer holds (LINSTOR user's guide, "Auto-Quorum Policies"). Every change is reported as an
 * INFO entry of the request that caused it.
 *
 * A value the user set is never touched: the controller marks the values it set with
 * `Internal/Drbd/QuorumSetBy=linstor` (LINSTOR's key) and `Internal/Drbd/OnNoQuorumSetBy=linstor`
 * on the definition. A key set on the resource group or the
 * controller, a key on the definition without that mark or with another value, or
 * `Internal/Drbd/QuorumSetBy=user` anywhere leaves the key to the user; `DrbdOptions/auto-quorum=disabled`
 * (deprecated, still honoured) turns the automatism off.
 */
import type { ApiCallRc, OpName } from '../../model/apicallrc.js';
import type { Props, ResourceDefinitionRecord, ResourceRecord } from '../../store/records.js';
import type { Change } from '../change.js';
import type { Controller } from '../controller.js';
import { key } from '../graph.js';
import { rc } from '../responses.js';
import { pendingRd, pendingResourcesOf } from './pending-state.js';

export const QUORUM = 'DrbdOptions/Resource/quorum';
export const ON_NO_QUORUM = 'DrbdOptions/Resource/on-no-quorum';
export const AUTO_QUORUM = 'DrbdOptions/auto-quorum';
export const QUORUM_SET_BY = 'Internal/Drbd/QuorumSetBy';
/** Which internal key marks each value as set by the controller (LINSTOR's QuorumSetBy, and one for on-no-quorum). */
const MARKER: Record<string, string> = { [QUORUM]: QUORUM_SET_BY, [ON_NO_QUORUM]: 'Internal/Drbd/OnNoQuorumSetBy' };
const BY_LINSTOR = 'linstor';

/** Flags of a replica that is no longer part of DRBD (being deleted, or not running). */
const GONE = ['DELETE', 'DRBD_DELETE', 'INACTIVE'];

export interface DrbdCounts {
  diskful: number;
  /** Diskless DRBD replicas that are not the tie-breaker. */
  diskless: number;
  tieBreakers: number;
}

/** Whether the replica votes in DRBD now: a replica moving away (EVACUATE) still does, until it is deleted. */
export function drbdVoter(r: ResourceRecord): boolean {
  return r.layer_stack.includes('DRBD') && !r.flags.some((f) => GONE.includes(f));
}

/** A voter that also stays: not moving away. The tie-breaker is planned for these. */
export function countsForQuorum(r: ResourceRecord): boolean {
  return drbdVoter(r) && !r.flags.includes('EVACUATE');
}

/** Counts the voters; `staying` leaves out the replicas that are moving away. */
export function drbdCounts(resources: readonly ResourceRecord[], staying = false): DrbdCounts {
  const out: DrbdCounts = { diskful: 0, diskless: 0, tieBreakers: 0 };
  for (const r of resources) {
    if (!(staying ? countsForQuorum(r) : drbdVoter(r))) continue;
    if (!r.flags.includes('DISKLESS')) out.diskful++;
    else if (r.flags.includes('TIE_BREAKER')) out.tieBreakers++;
    else out.diskless++;
  }
  return out;
}

/** LINSTOR's rule: two diskful plus at least one diskless voter, or three diskful. */
export function quorumFeasible(c: DrbdCounts): boolean {
  return (c.diskful === 2 && c.diskless + c.tieBreakers >= 1) || c.diskful >= 3;
}

/** The first of resource definition, resource group, controller that has the key. */
export function rdLevelProp(c: Controller, rd: ResourceDefinitionRecord, k: string): string | undefined {
  const rg = c.graph.resourceGroup(rd.resource_group_name);
  for (const props of [rd.props, rg?.props, c.graph.controller.props]) {
    if (props && Object.hasOwn(props, k)) return props[k];
  }
  return undefined;
}

/** An INFO entry with the request's operation bits, on the resource definition. */
export function infoEntry(code: 'INFO_PROP_SET' | 'INFO_PROP_REMOVED', op: OpName, rdName: string, message: string): ApiCallRc {
  return rc.info(code, op, 'RSC_DFN', message, { obj_refs: { RscDfn: rdName } });
}

/**
 * Sets or removes the quorum properties of the definition as its replicas in `change` require; puts
 * the changed definition into `change` and returns the INFO entries.
 */
export function manageQuorum(c: Controller, rdName: string, change: Change, op: OpName): ApiCallRc[] {
  const rd = pendingRd(c.graph, change, rdName);
  if (!rd) return [];
  const auto = rdLevelProp(c, rd, AUTO_QUORUM)?.toLowerCase();
  if (auto === 'disabled' || rdLevelProp(c, rd, QUORUM_SET_BY)?.toLowerCase() === 'user') return [];
  const resources = pendingResourcesOf(c.graph, change, rd.name);
  const markers = wantedValues(auto).map(([k]) => MARKER[k]);
  // Nothing of DRBD here and nothing of ours to clean up: leave the definition alone.
  if (!resources.some((r) => r.layer_stack.includes('DRBD')) && !markers.some((m) => rd.props[m] === BY_LINSTOR)) return [];

  const feasible = quorumFeasible(drbdCounts(resources));
  const rg = c.graph.resourceGroup(rd.resource_group_name);
  const props: Props = { ...rd.props };
  const answers: ApiCallRc[] = [];
  for (const [k, value] of wantedValues(auto)) {
    // Set higher up by the user: the inherited value applies, the definition must not shadow it.
    if (rg?.props[k] !== undefined || c.graph.controller.props[k] !== undefined) continue;
    const current = props[k];
    const mine = current !== undefined && current === value && props[MARKER[k]] === BY_LINSTOR;
    if (current !== undefined && !mine) continue;
    if (feasible && current === undefined) {
      props[k] = value;
      props[MARKER[k]] = BY_LINSTOR;
      answers.push(infoEntry('INFO_PROP_SET', op, rd.name,
        `Resource-definition property '${k}' updated from undefined to '${value}' by auto-quorum`));
    } else if (!feasible && mine) {
      delete props[k];
      delete props[MARKER[k]];
      answers.push(infoEntry('INFO_PROP_REMOVED', op, rd.name,
        `Resource-definition property '${k}' was removed as there are not enough resources for quorum`));
    }
  }
  if (answers.length === 0) return [];
  change.put('rd', key.rd(rd.name), { ...rd, props });
  return answers;
}

/** The values auto-quorum sets: quorum majority, and on-no-quorum from the (deprecated) auto-quorum policy. */
function wantedValues(auto: string | undefined): Array<[string, string]> {
  return [[QUORUM, 'majority'], [ON_NO_QUORUM, auto === 'suspend-io' ? 'suspend-io' : 'io-error']];
}
