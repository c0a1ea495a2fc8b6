/**
 * Scoring: each strategy rates every candidate pool, the ratings are normalised by the largest one
 * (so strategies with different units can be weighed against each other), multiplied by the
 * strategy's weight from the controller properties `Autoplacer/Weights/<name>`, and summed. A
 * minimising strategy counts negatively, so a positive weight always means "prefer by this rule".
 * Defaults: MaxFreeSpace 1, the others 0 (as LINSTOR).
 */
import type { Props } from '../../store/records.js';
import type { Candidate, PlacementPool, StrategyName, Weights } from './types.js';

interface Strategy {
  name: StrategyName;
  /** true: more is better; false: less is better. */
  maximize: boolean;
  rate(pool: PlacementPool, free: number): number;
}

export const STRATEGIES: readonly Strategy[] = [
  { name: 'MaxFreeSpace', maximize: true, rate: (_p, free) => free },
  { name: 'MinReservedSpace', maximize: false, rate: (p) => p.reserved },
  { name: 'MinRscCount', maximize: false, rate: (p) => p.resources },
  { name: 'MaxThroughput', maximize: true, rate: (p) => p.throughput },
];

export const DEFAULT_WEIGHTS: Weights = { MaxFreeSpace: 1, MinReservedSpace: 0, MinRscCount: 0, MaxThroughput: 0 };

export const WEIGHT_PREFIX = 'Autoplacer/Weights/';

/** Weights from the controller properties; an unset or unparsable value keeps the default. */
export function weightsFrom(ctrlProps: Readonly<Props>): Weights {
  const out: Record<StrategyName, number> = { ...DEFAULT_WEIGHTS };
  for (const s of STRATEGIES) {
    const text = ctrlProps[WEIGHT_PREFIX + s.name];
    if (text === undefined || text.trim() === '') continue;
    const n = Number(text);
    if (Number.isFinite(n)) out[s.name] = n;
  }
  return out;
}

/** Sets `score` on every candidate. Candidates are scored against each other, so pass them all. */
export function scoreCandidates(candidates: Candidate[], weights: Weights): void {
  for (const c of candidates) c.score = 0;
  for (const s of STRATEGIES) {
    const w = weights[s.name];
    if (!w) continue;
    const ratings = candidates.map((c) => s.rate(c.pool, c.free));
    let top = 0;
    for (const r of ratings) if (Math.abs(r) > top) top = Math.abs(r);
    // All ratings 0: the strategy cannot tell the candidates apart.
    if (top === 0) continue;
    const sign = s.maximize ? 1 : -1;
    candidates.forEach((c, i) => {
      c.score += sign * w * (ratings[i] / top);
    });
  }
}

/** Best first; ties broken by node name, then pool name, so equal clusters place identically. */
export function compareCandidates(a: Candidate, b: Candidate): number {
  if (a.score !== b.score) return b.score - a.score;
  const an = a.node.name.toUpperCase();
  const bn = b.node.name.toUpperCase();
  if (an !== bn) return an < bn ? -1 : 1;
  const ap = a.pool.name.toUpperCase();
  const bp = b.pool.name.toUpperCase();
  return ap < bp ? -1 : ap > bp ? 1 : 0;
}
