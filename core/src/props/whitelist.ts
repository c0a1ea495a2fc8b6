/**
 * The property whitelist: which keys each object kind accepts and what values they take.
 * Keys under `Aux/` are always accepted with any value.
 */
import { StorhubError } from '../model/errors.js';
import type { PropObject, PropRule, PropsInfo } from './types.js';
import { RULES } from './rules.js';

const byObject = new Map<PropObject, Map<string, PropRule>>();
for (const [object, rules] of Object.entries(RULES) as [PropObject, readonly PropRule[]][]) {
  byObject.set(object, new Map(rules.map((r) => [r.key, r])));
}

/** Namespaces accepted with any key below them, per object (Aux/ everywhere). */
const FREE_NAMESPACES: Partial<Record<PropObject, string[]>> = {
  STOR_POOL: ['SED/'],
  NODE_CONN: ['Paths/'],
  RSC_CONN: ['Paths/'],
};

export function normaliseKey(raw: string): string {
  return raw.replace(/\/{2,}/g, '/').replace(/^\//, '');
}

export function ruleFor(object: PropObject, k: string): PropRule | undefined {
  return byObject.get(object)?.get(k);
}

function isFree(object: PropObject, k: string): boolean {
  if (k.startsWith('Aux/')) return true;
  return (FREE_NAMESPACES[object] ?? []).some((ns) => k.startsWith(ns));
}

function invalidKey(k: string): StorhubError {
  return new StorhubError('FAIL_INVLD_PROP', `Invalid property key: ${k}`, {
    cause: `The key '${k}' is not whitelisted.`,
    correction: "Use a key listed by the matching 'properties/info' endpoint, or put free-form labels under 'Aux/'.",
  });
}

/** Returns the normalised value to store, or throws FAIL_INVLD_PROP. */
export function validateProp(object: PropObject, k: string, value: string): string {
  if (k.length === 0 || k.length > 256) {
    throw new StorhubError('FAIL_INVLD_PROP', `Invalid property key: '${k}' (1 to 256 characters).`);
  }
  if (isFree(object, k)) return value;
  const rule = ruleFor(object, k);
  if (!rule || rule.internal) throw invalidKey(k);
  const normalised = checkValue(rule, value);
  if (normalised === undefined) {
    throw new StorhubError('FAIL_INVLD_PROP', `Invalid property(${k}) value: ${value}`, {
      details: describeRule(rule),
    });
  }
  return normalised;
}

/** Deleting a key needs it to be whitelisted too (or free-form). */
export function checkDeletable(object: PropObject, k: string): void {
  if (isFree(object, k)) return;
  const rule = ruleFor(object, k);
  if (!rule || rule.internal) throw invalidKey(k);
}

function checkValue(rule: PropRule, value: string): string | undefined {
  const v = value.trim();
  switch (rule.type) {
    case 'boolean': {
      const b = v.toLowerCase();
      if (['yes', 'true'].includes(b)) return 'yes';
      if (['no', 'false'].includes(b)) return 'no';
      return undefined;
    }
    case 'boolean_true_false': {
      const b = v.toLowerCase();
      if (['yes', 'true'].includes(b)) return 'true';
      if (['no', 'false'].includes(b)) return 'false';
      return undefined;
    }
    case 'symbol':
      return rule.values?.find((s) => s.toLowerCase() === v.toLowerCase());
    case 'range':
      return /^-?\d+$/.test(v) && inRange(Number(v), rule) ? String(Number(v)) : undefined;
    case 'range_float':
      return v !== '' && !isNaN(Number(v)) && inRange(Number(v), rule) ? v : undefined;
    case 'long':
      return /^-?\d+$/.test(v) ? v : undefined;
    case 'numeric_or_symbol':
      if (/^-?\d+$/.test(v)) return inRange(Number(v), rule) ? v : undefined;
      return rule.values?.find((s) => s.toLowerCase() === v.toLowerCase());
    case 'regex':
      return new RegExp(`^(?:${rule.pattern})$`).test(value) ? value : undefined;
    case 'string':
      return value;
  }
}

function inRange(n: number, rule: PropRule): boolean {
  return (rule.min === undefined || n >= rule.min) && (rule.max === undefined || n <= rule.max);
}

function describeRule(rule: PropRule): string {
  switch (rule.type) {
    case 'boolean': return 'Allowed values: yes, no';
    case 'boolean_true_false': return 'Allowed values: true, false';
    case 'symbol': return `Allowed values: ${rule.values?.join(', ')}`;
    case 'range':
    case 'range_float': return `Allowed range: ${rule.min} - ${rule.max}`;
    case 'numeric_or_symbol': return `Allowed: ${rule.min} - ${rule.max} or ${rule.values?.join(', ')}`;
    case 'regex': return `Must match: ${rule.pattern}`;
    default: return `Type: ${rule.type}`;
  }
}

/** The `properties/info` answer for one object kind. */
export function propsInfo(object: PropObject): Record<string, PropsInfo> {
  const out: Record<string, PropsInfo> = {};
  for (const rule of byObject.get(object)?.values() ?? []) {
    if (rule.internal) continue;
    const entry: PropsInfo = { prop_type: rule.type };
    if (rule.info) entry.info = rule.info;
    const value = infoValue(rule);
    if (value) entry.value = value;
    if (rule.dflt !== undefined) entry.dflt = rule.dflt;
    if (rule.unit) entry.unit = rule.unit;
    out[rule.key] = entry;
  }
  return out;
}

function infoValue(rule: PropRule): string | undefined {
  switch (rule.type) {
    case 'regex': return rule.pattern;
    case 'symbol': return rule.values?.join('|');
    case 'range':
    case 'range_float': return `(${rule.min} - ${rule.max})`;
    case 'numeric_or_symbol': return `(${rule.min} - ${rule.max}) | ${rule.values?.join('|')}`;
    case 'boolean': return 'yes|no';
    case 'boolean_true_false': return 'true|false';
    default: return undefined;
  }
}
