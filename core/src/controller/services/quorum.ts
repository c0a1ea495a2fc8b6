/**
 * Auto-quorum: DRBD quorum is only meaningful with at least three voters, so the controller sets
 * `DrbdOptions/Resource/quorum=majority` and `DrbdOptions/Resource/on-no-quorum` (io-error, LINSTOR's
 * default auto-quorum policy) on a resource definition when it has two diskful replicas plus a
 * diskless one (a tie-breaker or a client) or three diskful ones, and removes them again when that
 * no longer holds (LINSTOR user's guide, "Auto-Quorum Policies"). Every change is reported as an
 * INFO entry of the request that caused it.
 *
 * A value the user set is never touched: the controller marks the values it set with
 * `Internal/Drbd/QuorumSetBy=linstor` on the definition. A key set on the resource group or the
 * controller, a key on the definition without that mark or with another value, or
 * `Internal/Drbd/QuorumSetBy=user` anywhere leaves the key to the user; `DrbdOptions/auto-quorum=disabled`
 * (deprecated, still honoured) turns the automatism off.
 */
import { type ApiCallRc, type OpName, isoOffsetNow, retCode, Code } from '../../model/apicallrc.js';
import type { Props, ResourceDefinitionRecord, ResourceRecord } from '../../store/records.js';
import type { Change } from '../change.js';
import type { Controller } from '../controller.js';
import { key } from '../graph.js';
import { pendingRd, pendingResourcesOf } from './pending-state.js';

export const QUORUM = 'DrbdOptions/Resource/quorum';
export const ON_NO_QUORUM = 'DrbdOptions/Resource/on-no-quorum';
export const AUTO_QUORUM = 'DrbdOptions/auto-quorum';
export const QUORUM_SET_BY = 'Internal/Drbd/QuorumSetBy';
const BY_LINSTOR = 'linstor';

/** Flags that take a replica out of every count (it is going away or not running). */
const NOT_COUNTED = ['DELETE', 'DRBD_DELETE', 'INACTIVE', 'EVACUATE'];

export interface DrbdCounts {
  diskful: number;
  /** Diskless DRBD replicas that are not the tie-breaker. */
  diskless: number;
  tieBreakers: number;
}

/** Whether the resource takes part in DRBD and still counts (not being deleted, evacuated, inactive). */
export function countsForQuorum(r: ResourceRecord): boolean {
  return r.layer_stack.includes('DRBD') && !r.flags.some((f) => NOT_COUNTED.includes(f));
}

export function drbdCounts(resources: readonly ResourceRecord[]): DrbdCounts {
  const out: DrbdCounts = { diskful: 0, diskless: 0, tieBreakers: 0 };
  for (const r of resources) {
    if (!countsForQuorum(r)) continue;
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
  return { ret_code: retCode('info', Code[code], op, 'RSC_DFN'), message, obj_refs: { RscDfn: rdName }, created_at: isoOffsetNow() };
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
  const ours = rd.props[QUORUM_SET_BY] === BY_LINSTOR;
  // Nothing of DRBD here and nothing of ours to clean up: leave the definition alone.
  if (!resources.some((r) => r.layer_stack.includes('DRBD')) && !ours) return [];

  const feasible = quorumFeasible(drbdCounts(resources));
  const wanted: Array<[string, string]> = [[QUORUM, 'majority'], [ON_NO_QUORUM, auto === 'suspend-io' ? 'suspend-io' : 'io-error']];
  const rg = c.graph.resourceGroup(rd.resource_group_name);
  const props: Props = { ...rd.props };
  const answers: ApiCallRc[] = [];
  /** Keys that hold a value of the automatism after this call. */
  const owned = new Set<string>();
  for (const [k, value] of wanted) {
    // Set higher up by the user: the inherited value applies, the definition must not shadow it.
    if (rg?.props[k] !== undefined || c.graph.controller.props[k] !== undefined) continue;
    const current = props[k];
    const mine = ours && current !== undefined && isOurValue(k, current);
    if (current !== undefined && !mine) continue;
    if (feasible) owned.add(k);
    if (feasible && current === undefined) {
      props[k] = value;
      answers.push(infoEntry('INFO_PROP_SET', op, rd.name,
        `Resource-definition property '${k}' updated from undefined to '${value}' by auto-quorum`));
    } else if (feasible && mine && current !== value) {
      props[k] = value;
      answers.push(infoEntry('INFO_PROP_SET', op, rd.name,
        `Resource-definition property '${k}' updated from '${current}' to '${value}' by auto-quorum`));
    } else if (!feasible && mine) {
      delete props[k];
      answers.push(infoEntry('INFO_PROP_REMOVED', op, rd.name,
        `Resource-definition property '${k}' was removed as there are not enough resources for quorum`));
    }
  }
  if (answers.length === 0) return [];
  if (owned.size > 0) props[QUORUM_SET_BY] = BY_LINSTOR;
  else if (ours) delete props[QUORUM_SET_BY];
  change.put('rd', key.rd(rd.name), { ...rd, props });
  return answers;
}

/** Values the automatism itself writes (a different value on the definition is the user's). */
function isOurValue(k: string, v: string): boolean {
  return k === QUORUM ? v === 'majority' : v === 'io-error' || v === 'suspend-io';
}
