/**
 * The autoplacer: filter the pools, score them, then choose `count` of them on distinct nodes with
 * the highest total score that respects the cross-replica rules. Pure and deterministic: the same
 * input always gives the same selection (candidates are ordered by score, then node and pool name,
 * and the search visits them in that order).
 *
 * Selection: candidates are split into groups that can be combined at all (one value per
 * replicas_on_same key without a value; one provider kind unless mixing is allowed). In each group a
 * depth-first search takes candidates best-first, skipping any that would break a rule (one pool per
 * node, one pool per shared space, replicas_on_different limits), and prunes branches that cannot beat
 * the best total found so far. Without cross-replica rules the first path is the answer, so the usual
 * case costs one pass; a step budget bounds pathological searches.
 *
 * Unknown capacity (a pool the satellite has not reported yet): such a pool is not skipped outright,
 * because a pool created a moment ago would then block every placement until the next report. It is
 * used only when the pools of known capacity cannot satisfy the request, ranked below all of them,
 * and the answer says it was placed without a space check. Pools of offline nodes never qualify.
 */
import { filterCandidates, selectionRules, type DifferentRule, type SelectionRules } from './filter.js';
import { compareCandidates, scoreCandidates } from './strategies.js';
import type { Candidate, ClusterInput, PlacementNode, PlacementRequest, PlacementResult } from './types.js';

/** Candidate visits per placement before the search gives up (enough for thousands of nodes). */
export const SEARCH_BUDGET = 200_000;
const EPS = 1e-9;

interface Found {
  selected: Candidate[];
  score: number;
}

export function autoplace(cluster: ClusterInput, req: PlacementRequest): PlacementResult {
  const rules = selectionRules(cluster, req);
  const { candidates, fallback, excluded } = filterCandidates(cluster, req, rules);
  if (req.count <= 0) return { ok: true, selected: [], qualified: candidates, excluded };
  scoreCandidates(candidates, req.weights);
  candidates.sort(compareCandidates);
  const first = select(candidates, req, rules);
  if (first.best || fallback.length === 0) return result(first, candidates, excluded, req, rules);

  // Last resort: pools whose capacity is not reported yet (e.g. created a moment ago), ranked after
  // every pool with a known capacity, so they are used only to complete an otherwise impossible set.
  const floor = candidates.length ? candidates[candidates.length - 1].score : 0;
  const extra = [...fallback].sort(compareCandidates).map((c) => ({ ...c, score: floor - 1 }));
  const withFallback = [...candidates, ...extra];
  const fallbackNodes = new Set(extra.map((c) => c.node.name.toUpperCase()));
  const stillExcluded = excluded.filter((e) => !fallbackNodes.has(e.node.toUpperCase()));
  return result(select(withFallback, req, rules), withFallback, stillExcluded, req, rules);
}

interface Selection {
  best?: Found;
  groups: Candidate[][];
  gaveUp: boolean;
}

function select(candidates: Candidate[], req: PlacementRequest, rules: SelectionRules): Selection {
  const groups = partition(candidates, rules);
  const budget = { left: SEARCH_BUDGET };
  let best: Found | undefined;
  for (const group of groups) {
    const found = search(group, req.count, rules, budget);
    if (found && (!best || found.score > best.score + EPS)) best = found;
  }
  return { best, groups, gaveUp: budget.left <= 0 };
}

function result(sel: Selection, qualified: Candidate[], excluded: PlacementResult['excluded'], req: PlacementRequest, rules: SelectionRules): PlacementResult {
  if (sel.best) {
    const selected = [...sel.best.selected].sort((a, b) => (a.node.name.toUpperCase() < b.node.name.toUpperCase() ? -1 : 1));
    return { ok: true, selected, qualified, excluded };
  }
  return { ok: false, qualified, excluded, conflict: conflict(qualified, sel.groups, req, rules, sel.gaveUp) };
}

/** Groups of candidates that may be combined, in the order of their best candidate. */
function partition(candidates: Candidate[], rules: SelectionRules): Candidate[][] {
  const byProvider = rules.oneProvider && rules.provider === undefined;
  if (rules.sameOpen.length === 0 && !byProvider) return [candidates];
  const groups = new Map<string, Candidate[]>();
  for (const c of candidates) {
    const parts = rules.sameOpen.map((k) => c.node.props[k] ?? '');
    if (byProvider) parts.push(c.pool.provider);
    const k = parts.join('\u0000');
    let g = groups.get(k);
    if (!g) groups.set(k, (g = []));
    g.push(c);
  }
  return [...groups.values()];
}

/** The best-scoring choice of `count` candidates of one group, or undefined. */
function search(group: Candidate[], count: number, rules: SelectionRules, budget: { left: number }): Found | undefined {
  if (distinctNodes(group).length < count) return undefined;
  // A replicas_on_different key whose values leave too little room makes the group hopeless; saying
  // so up front spares the search from proving it combination by combination.
  for (const [k, r] of rules.different) if (room(group, k, r) < count) return undefined;
  // prefix[i] = sum of the first i scores: the best any `r` candidates from index j can add is
  // prefix[j + r] - prefix[j], because the group is sorted best-first.
  const prefix = [0];
  for (const c of group) prefix.push(prefix[prefix.length - 1] + c.score);
  const diffKeys = [...rules.different.keys()];
  const picked = new Map<string, number>();
  const usedNodes = new Set<PlacementNode>();
  const usedSpaces = new Set<string>();
  const chosen: Candidate[] = [];
  let best: Found | undefined;

  const slot = (k: string, v: string) => `${k}\u0000${v}`;
  const fits = (c: Candidate): boolean => {
    if (usedNodes.has(c.node) || usedSpaces.has(c.pool.sharedSpace)) return false;
    for (const k of diffKeys) {
      const v = c.node.props[k];
      if (v === undefined) continue;
      const r = rules.different.get(k)!;
      if ((r.used.get(v) ?? 0) + (picked.get(slot(k, v)) ?? 0) >= r.limit) return false;
    }
    return true;
  };
  const take = (c: Candidate, delta: 1 | -1) => {
    const node = c.node;
    if (delta === 1) {
      usedNodes.add(node);
      usedSpaces.add(c.pool.sharedSpace);
      chosen.push(c);
    } else {
      usedNodes.delete(node);
      usedSpaces.delete(c.pool.sharedSpace);
      chosen.pop();
    }
    for (const k of diffKeys) {
      const v = c.node.props[k];
      if (v !== undefined) picked.set(slot(k, v), (picked.get(slot(k, v)) ?? 0) + delta);
    }
  };

  const dfs = (from: number, remaining: number, score: number): void => {
    if (remaining === 0) {
      if (!best || score > best.score + EPS) best = { selected: [...chosen], score };
      return;
    }
    for (let j = from; j <= group.length - remaining; j++) {
      if (budget.left-- <= 0) return;
      if (best && score + prefix[j + remaining] - prefix[j] <= best.score + EPS) return;
      const c = group[j];
      if (!fits(c)) continue;
      take(c, 1);
      dfs(j + 1, remaining - 1, score + c.score);
      take(c, -1);
    }
  };
  dfs(0, count, 0);
  return best;
}

/** One candidate per node (the best one; candidates are sorted best-first). Nodes are unique objects of the input. */
function distinctNodes(cs: Candidate[]): Candidate[] {
  const seen = new Set<PlacementNode>();
  return cs.filter((c) => {
    if (seen.has(c.node)) return false;
    seen.add(c.node);
    return true;
  });
}

/** How many more replicas the nodes of `cs` can take under one replicas_on_different key. */
function room(cs: Candidate[], k: string, r: DifferentRule): number {
  let n = 0;
  const perValue = new Map<string, number>();
  for (const c of distinctNodes(cs)) {
    const v = c.node.props[k];
    if (v === undefined) n++;
    else perValue.set(v, (perValue.get(v) ?? 0) + 1);
  }
  for (const [v, count] of perValue) n += Math.min(count, Math.max(0, r.limit - (r.used.get(v) ?? 0)));
  return n;
}

/** Why enough qualifying nodes still cannot be combined (for the error message). */
function conflict(candidates: Candidate[], groups: Candidate[][], req: PlacementRequest, rules: SelectionRules, gaveUp: boolean): string | undefined {
  const nodes = (cs: Candidate[]) => distinctNodes(cs).length;
  if (nodes(candidates) < req.count) return undefined;
  const parts: string[] = [];
  if (groups.length > 1 || rules.sameOpen.length > 0) {
    const keys = [...rules.sameOpen];
    if (rules.oneProvider && rules.provider === undefined) keys.push('the provider kind');
    const largest = Math.max(...groups.map(nodes));
    parts.push(`replicas must share ${keys.join(' and ')}, and the largest such set has ${largest} node(s)`);
  }
  for (const [k, r] of rules.different) {
    const left = room(candidates, k, r);
    if (left < req.count) {
      parts.push(`replicas_on_different ${k} allows ${r.limit} replica(s) per value, which leaves room for ${left}`);
    }
  }
  if (gaveUp) parts.push(`the search stopped after ${SEARCH_BUDGET} steps`);
  if (parts.length === 0) parts.push('no combination satisfies replicas_on_different together with one pool per node and shared space');
  return parts.join('; ');
}
