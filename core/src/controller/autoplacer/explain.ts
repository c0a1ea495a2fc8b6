/**
 * The answer to an impossible placement: LINSTOR's "Not enough available nodes" (FAIL_NOT_ENOUGH_NODES),
 * but saying which rule excluded which nodes, so the user knows what to change. The message groups
 * nodes by reason (short enough for clients that show only the message), `details` has one line per
 * node and the rules that were applied, `correction` what to do for the reasons that occurred.
 */
import { StorhubError } from '../../model/errors.js';
import type { CodeName } from '../../model/apicallrc.js';
import { showKib } from './filter.js';
import type { Candidate, Exclusion, ExclusionKind, PlacementRequest } from './types.js';

const NAMES_PER_GROUP = 6;
const DETAIL_LINES = 100;

const FIXES: Partial<Record<ExclusionKind, string>> = {
  offline: 'start or reconnect the satellites of the offline nodes',
  'unknown-capacity': 'wait until the satellites have reported their storage pools',
  space: 'add capacity, free space, or (thin pools) raise MaxOversubscriptionRatio',
  target: 'set AutoplaceTarget=true on the nodes that may hold replicas',
  'pool-target': 'set AutoplaceTarget=true on the storage pools that may hold replicas',
  'node-list': 'widen node_name_list',
  'pool-name': 'widen storage_pool_list or create the pools on more nodes',
  provider: 'widen provider_list',
  mixing: 'use pools of the existing replicas\' provider, or set AllowMixingStoragePoolDriver=true',
  same: 'relax replicas_on_same or set the property on more nodes',
  different: 'relax replicas_on_different / x_replicas_on_different_map',
  'not-place-with': 'relax not_place_with_rsc / not_place_with_rsc_regex',
  layer: 'use a layer stack the nodes support, or install what the missing layer needs',
  'no-pool': 'create storage pools on more nodes',
  'unsupported-provider': 'install what the pools\' provider needs on those nodes, or use pools of a supported provider',
  'node-flag': 'wait for evacuations and deletions to finish, or restore the nodes',
};

/** Nodes grouped by label, in first-seen order: "offline: a, b; not enough free space: c". */
export function summarise(excluded: readonly Exclusion[]): string {
  const groups = new Map<string, string[]>();
  for (const e of excluded) {
    let g = groups.get(e.label);
    if (!g) groups.set(e.label, (g = []));
    g.push(e.node);
  }
  return [...groups].map(([label, nodes]) => {
    const shown = nodes.slice(0, NAMES_PER_GROUP).join(', ');
    const more = nodes.length > NAMES_PER_GROUP ? ` and ${nodes.length - NAMES_PER_GROUP} more` : '';
    return `${label}: ${shown}${more}`;
  }).join('; ');
}

/** The filter as applied, like LINSTOR's "Auto-place configuration details". */
export function describeRequest(req: PlacementRequest): string {
  const f = req.filter;
  const lines = [`replicas to add: ${req.count}`, `size per replica: ${showKib(req.sizeKib)}`, `layer stack: ${req.layers.join(', ')}`];
  const list = (name: string, v: readonly string[] | undefined) => { if (v?.length) lines.push(`${name}: ${v.join(', ')}`); };
  list('node_name_list', f.node_name_list);
  list('storage_pool_list', f.storage_pool_list);
  list('provider_list', f.provider_list);
  list('replicas_on_same', f.replicas_on_same);
  list('replicas_on_different', f.replicas_on_different);
  if (f.x_replicas_on_different_map && Object.keys(f.x_replicas_on_different_map).length) {
    lines.push(`x_replicas_on_different_map: ${Object.entries(f.x_replicas_on_different_map).map(([k, v]) => `${k}=${v}`).join(', ')}`);
  }
  list('not_place_with_rsc', f.not_place_with_rsc);
  if (f.not_place_with_rsc_regex) lines.push(`not_place_with_rsc_regex: ${f.not_place_with_rsc_regex}`);
  if (req.existing.length) lines.push(`existing replicas: ${req.existing.map((e) => `${e.node}${e.diskless ? ' (diskless)' : ''}`).join(', ')}`);
  return lines.map((l) => `  ${l}`).join('\n');
}

export interface FailureInput {
  qualified: readonly Candidate[];
  excluded: readonly Exclusion[];
  conflict?: string;
}

/** The error for a placement that cannot be made. `what` names the target ("resource 'r1'"). */
export function notEnoughNodes(req: PlacementRequest, failure: FailureInput, code: CodeName = 'FAIL_NOT_ENOUGH_NODES'): StorhubError {
  const what = req.subject ?? (req.resource ? `resource '${req.resource}'` : 'the placement');
  const nodes = [...new Set(failure.qualified.map((c) => c.node.name))];
  const shown = nodes.slice(0, NAMES_PER_GROUP).join(', ') + (nodes.length > NAMES_PER_GROUP ? ` and ${nodes.length - NAMES_PER_GROUP} more` : '');
  let message = `Not enough available nodes: ${what} needs ${req.count} more diskful replica(s), `;
  message += failure.conflict
    ? `and ${nodes.length} node(s) qualify (${shown}), but ${failure.conflict}.`
    : nodes.length === 0
      ? 'but no node qualifies.'
      : `but only ${nodes.length} node(s) qualify (${shown}).`;
  if (failure.excluded.length) message += ` Excluded: ${summarise(failure.excluded)}.`;

  const lines = failure.excluded.slice(0, DETAIL_LINES).map((e) => `  node '${e.node}': ${e.detail}`);
  if (failure.excluded.length > DETAIL_LINES) lines.push(`  ... and ${failure.excluded.length - DETAIL_LINES} more node(s)`);
  const details = `${lines.length ? `Excluded nodes:\n${lines.join('\n')}\n` : ''}Placement rules:\n${describeRequest(req)}`;

  const kinds = [...new Set(failure.excluded.map((e) => e.kind))];
  const fixes = kinds.map((k) => FIXES[k]).filter((x): x is string => x !== undefined);
  if (failure.conflict) fixes.push('relax the replicas_on_same / replicas_on_different rules');
  fixes.push('or ask for fewer replicas');
  const correction = fixes.length > 1
    ? `${fixes.slice(0, -1).join('; ')}; ${fixes[fixes.length - 1]}.`
    : 'Add nodes with storage pools, or ask for fewer replicas.';
  return new StorhubError(code, message, {
    details,
    correction: correction.charAt(0).toUpperCase() + correction.slice(1),
    ...(req.resource ? { objRefs: { RscDfn: req.resource } } : {}),
  });
}
