/**
 * List query parameters as LINSTOR reads them: repeated keys are arrays (the first wins for scalars,
 * since golinstor can send a key twice), booleans in any case, name filters case-insensitive,
 * `props` filters as `key` or `key=value` (all must match), `limit`/`offset` only when limit > 0.
 */
import { toBool } from '../model/lenient.js';
import { checkName, type NameKind } from '../model/names.js';

export type Query = Record<string, string | string[] | undefined>;

export function list(q: Query, name: string): string[] {
  const v = q[name];
  if (v === undefined) return [];
  const arr = Array.isArray(v) ? v : [v];
  // Clients also send comma-separated lists.
  return arr.flatMap((s) => s.split(',')).map((s) => s.trim()).filter((s) => s.length > 0);
}

export function first(q: Query, name: string): string | undefined {
  const v = q[name];
  return Array.isArray(v) ? v[0] : v;
}

export function bool(q: Query, name: string, dflt = false): boolean {
  const v = first(q, name);
  if (v === undefined || v === '') return dflt;
  const b = toBool(v);
  return typeof b === 'boolean' ? b : dflt;
}

export function int(q: Query, name: string, dflt = 0): number {
  const v = first(q, name);
  const n = v === undefined ? NaN : Number(v);
  return Number.isFinite(n) ? Math.trunc(n) : dflt;
}

/** Which name rules the values of each name-filter parameter follow. */
const FILTER_KIND: Record<string, NameKind> = {
  nodes: 'node',
  node_a: 'node',
  node_b: 'node',
  resources: 'resource',
  resource_definitions: 'resource',
  storage_pools: 'storage pool',
  resource_groups: 'resource group',
};

/**
 * A case-insensitive name filter; an empty filter matches everything. A value that is not a valid
 * name is an error (LINSTOR refuses it rather than silently matching nothing).
 */
export function nameFilter(q: Query, name: string): (value: string) => boolean {
  const values = list(q, name);
  const kind = FILTER_KIND[name];
  if (kind) for (const v of values) checkName(kind, v);
  const wanted = new Set(values.map((s) => s.toUpperCase()));
  return wanted.size === 0 ? () => true : (value) => wanted.has(value.toUpperCase());
}

/** The `props` filter: every entry `key` must be set, every `key=value` must match exactly. */
export function propsFilter(q: Query): (props: Record<string, string> | undefined) => boolean {
  const wanted = list(q, 'props').map((entry) => {
    const eq = entry.indexOf('=');
    return eq < 0 ? { key: entry, value: undefined } : { key: entry.slice(0, eq), value: entry.slice(eq + 1) };
  });
  if (wanted.length === 0) return () => true;
  return (props) =>
    wanted.every(({ key, value }) => props !== undefined && key in props && (value === undefined || props[key] === value));
}

/** Applies limit/offset the way LINSTOR does: only when limit > 0. */
export function paginate<T>(items: readonly T[], q: Query): T[] {
  const limit = int(q, 'limit', 0);
  if (limit <= 0) return items as T[];
  const offset = Math.max(0, int(q, 'offset', 0));
  return items.slice(offset, offset + limit);
}
