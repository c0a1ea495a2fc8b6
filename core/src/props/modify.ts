/**
 * Applies a props-modify body (`override_props`, `delete_props`, `delete_namespaces`) to one
 * container: validates every key and value against the whitelist first, and only then builds the new
 * map, so a rejected request changes nothing.
 */
import type { PropsModify } from '../model/lenient.js';
import { StorhubError } from '../model/errors.js';
import type { PropObject } from './types.js';
import { checkDeletable, normaliseKey, validateProp } from './whitelist.js';

export interface PropsChangeResult {
  props: Record<string, string>;
  changed: boolean;
  setKeys: string[];
  deletedKeys: string[];
}

export interface PropsChangeOptions {
  /** Allow keys that are not whitelisted (key-value stores accept any key). */
  anyKey?: boolean;
}

export function applyPropsModify(
  object: PropObject,
  current: Readonly<Record<string, string>>,
  body: PropsModify,
  opts: PropsChangeOptions = {},
): PropsChangeResult {
  const overrides: [string, string][] = [];
  for (const [rawKey, rawValue] of Object.entries(body.override_props ?? {})) {
    const k = normaliseKey(rawKey);
    const value = opts.anyKey ? rawValue : validateProp(object, k, rawValue);
    overrides.push([k, value]);
  }
  const deletes = (body.delete_props ?? []).map(normaliseKey);
  if (!opts.anyKey) for (const k of deletes) checkDeletable(object, k);
  const namespaces = (body.delete_namespaces ?? []).map((ns) => normaliseKey(ns).replace(/\/$/, ''));
  for (const ns of namespaces) {
    if (ns === '') throw new StorhubError('FAIL_INVLD_PROP', 'An empty namespace cannot be deleted.');
  }

  const props: Record<string, string> = { ...current };
  const deletedKeys: string[] = [];
  for (const k of deletes) {
    if (k in props) {
      delete props[k];
      deletedKeys.push(k);
    }
  }
  for (const ns of namespaces) {
    for (const k of Object.keys(props)) {
      if (k === ns || k.startsWith(ns + '/')) {
        delete props[k];
        deletedKeys.push(k);
      }
    }
  }
  const setKeys: string[] = [];
  for (const [k, v] of overrides) {
    if (props[k] !== v) setKeys.push(k);
    props[k] = v;
  }
  return { props, changed: setKeys.length > 0 || deletedKeys.length > 0, setKeys, deletedKeys };
}
