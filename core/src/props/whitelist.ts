/**
 * The property whitelist: which keys each object kind accepts and what values they take.
 * Keys under `Aux/` are always accepted with any value (also `SED/` on storage pools, `Paths/` on
 * connections).
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

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

export function normaliseKey(raw: string): string {
  return raw.replace(/\/{2,}/g, '/').replace(/^\//, '');
}

export function ruleFor(object: PropObject, k: string): PropRule | undefined {
  return byObject.get(object)?.get(k);
}

/** All rules of one object kind (internal ones included). */
export function rulesOf(object: PropObject): readonly PropRule[] {
  return RULES[object];
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

function internalKey(k: string): StorhubError {
  return new StorhubError('FAIL_INVLD_PROP', `Invalid property key: ${k}`, {
    cause: `The key '${k}' is maintained by the controller.`,
    correction: 'Leave it to the controller; it is readable but cannot be set or deleted by clients.',
  });
}

function checkKey(object: PropObject, k: string): PropRule | undefined {
  if (k.length === 0 || k.length > 256) {
    throw new StorhubError('FAIL_INVLD_PROP', `Invalid property key: '${k}' (1 to 256 characters).`);
  }
  if (isFree(object, k)) return undefined;
  const rule = ruleFor(object, k);
  if (!rule) throw invalidKey(k);
  if (rule.internal) throw internalKey(k);
  return rule;
}

/** Returns the normalised value to store, or throws FAIL_INVLD_PROP. */
export function validateProp(object: PropObject, k: string, value: string): string {
  const rule = checkKey(object, k);
  return rule ? validateValue(rule, value) : value;
}

/** Checks a value against one rule (also for rule lists outside RULES, like DRBD Proxy compression). */
export function validateValue(rule: PropRule, value: string): string {
  const normalised = checkValue(rule, value);
  if (normalised === undefined) {
    throw new StorhubError('FAIL_INVLD_PROP', `Invalid property(${rule.key}) value: ${value}`, {
      details: describeRule(rule),
      correction: `Use a value the rule of '${rule.key}' allows.`,
    });
  }
  return normalised;
}

/** Deleting a key needs it to be whitelisted too (or free-form). */
export function checkDeletable(object: PropObject, k: string): void {
  checkKey(object, k);
}

const regexCache = new Map<string, RegExp>();
function fullMatch(pattern: string, value: string): boolean {
  let re = regexCache.get(pattern);
  if (!re) {
    // LINSTOR uses Java's Matcher.matches(): the whole value must match
    re = new RegExp(`^(?:${pattern})$`);
    regexCache.set(pattern, re);
  }
  return re.test(value);
}

/** Parses a Java-long-like integer; BigInt so that 64-bit values compare exactly. */
function parseInteger(v: string): bigint | undefined {
  if (!/^[+-]?\d+$/.test(v)) return undefined;
  const n = BigInt(v);
  return n >= INT64_MIN && n <= INT64_MAX ? n : undefined;
}

function inRange(n: bigint | number, rule: PropRule): boolean {
  const big = typeof n === 'bigint';
  const lo = rule.min === undefined ? undefined : big ? BigInt(rule.min) : rule.min;
  const hi = rule.max === undefined ? undefined : big ? BigInt(rule.max) : rule.max;
  return (lo === undefined || n >= lo) && (hi === undefined || n <= hi);
}

function checkValue(rule: PropRule, value: string): string | undefined {
  const v = value.trim();
  switch (rule.type) {
    case 'boolean': {
      const b = v.toLowerCase();
      if (b === 'yes' || b === 'true') return 'yes';
      if (b === 'no' || b === 'false') return 'no';
      return undefined;
    }
    case 'boolean_true_false': {
      const b = v.toLowerCase();
      if (b === 'yes' || b === 'true') return 'true';
      if (b === 'no' || b === 'false') return 'false';
      return undefined;
    }
    case 'symbol':
      return rule.values?.find((s) => s.toLowerCase() === v.toLowerCase());
    case 'range': {
      const n = parseInteger(v);
      return n !== undefined && inRange(n, rule) ? n.toString() : undefined;
    }
    case 'range_float': {
      const n = Number(v);
      return v !== '' && Number.isFinite(n) && inRange(n, rule) ? v : undefined;
    }
    case 'long': {
      const n = parseInteger(v);
      return n === undefined ? undefined : n.toString();
    }
    case 'numeric_or_symbol': {
      const n = parseInteger(v);
      if (n !== undefined) return inRange(n, rule) ? n.toString() : undefined;
      return rule.values?.find((s) => s.toLowerCase() === v.toLowerCase());
    }
    case 'regex':
      return fullMatch(rule.pattern ?? '', value) ? value : undefined;
    case 'string':
      return value;
  }
}

function unitSuffix(rule: PropRule): string {
  return rule.unit ? ` ${rule.unit}` : '';
}

/** The rule in words, for the `details` of a refused value. */
export function describeRule(rule: PropRule): string {
  switch (rule.type) {
    case 'boolean': return "This value must be either 'yes' or 'no'.";
    case 'boolean_true_false': return "This value must be either 'yes', 'no', 'true' or 'false'.";
    case 'symbol': return `This value has to be one of: ${rule.values?.join(', ')}.`;
    case 'range':
    case 'range_float': return `This value has to match (${rule.min} - ${rule.max})${unitSuffix(rule)}.`;
    case 'numeric_or_symbol':
      return `This value has to match (${rule.min} - ${rule.max}) or one of: ${rule.values?.join(', ')}.`;
    case 'regex': return `This value has to match ${rule.pattern}.`;
    case 'long': return 'This value has to be of type Long.';
    case 'string': return 'Any string.';
  }
}

/** The `properties/info` answer for a list of rules (controller-maintained keys left out). */
export function propsInfoOf(rules: readonly PropRule[]): Record<string, PropsInfo> {
  const out: Record<string, PropsInfo> = {};
  for (const rule of rules) {
    if (rule.internal) continue;
    const entry: PropsInfo = { prop_type: rule.type };
    if (rule.info) entry.info = rule.info;
    const value = infoValue(rule);
    if (value) entry.value = value;
    if (rule.dflt !== undefined && rule.dflt !== '') entry.dflt = rule.dflt;
    if (rule.unit) entry.unit = rule.unit;
    out[rule.key] = entry;
  }
  return out;
}

/** The `properties/info` answer for one object kind. */
export function propsInfo(object: PropObject): Record<string, PropsInfo> {
  return propsInfoOf(RULES[object]);
}

function infoValue(rule: PropRule): string | undefined {
  switch (rule.type) {
    case 'regex': return rule.pattern;
    case 'symbol': return rule.values?.join('|');
    case 'range':
    case 'range_float': return `(${rule.min} - ${rule.max})`;
    case 'numeric_or_symbol': return `(${rule.min} - ${rule.max}) or ${rule.values?.join('|')}`;
    case 'boolean': return 'yes|no';
    case 'boolean_true_false': return 'true|false';
    default: return undefined; // string, long: any value of the type
  }
}
