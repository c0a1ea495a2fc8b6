/**
 * Helpers for LINSTOR's NON_EMPTY output rule: null, undefined, empty strings, empty arrays and empty
 * maps are left out of every object; false and 0 stay.
 */
export function nonEmpty<T extends Record<string, unknown>>(obj: T): Partial<T> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (v === undefined || v === null || v === '') continue;
    if (Array.isArray(v) && v.length === 0) continue;
    if (typeof v === 'object' && !Array.isArray(v) && typeof v !== 'bigint' && Object.keys(v as object).length === 0) continue;
    out[k] = v;
  }
  return out as Partial<T>;
}
