/**
 * LINSTOR's name rules. Names compare case-insensitively (keyed upper-case) and are shown as given.
 */
import { StorhubError } from './errors.js';
import type { CodeName } from './apicallrc.js';

export type NameKind =
  | 'node'
  | 'resource'
  | 'snapshot'
  | 'resource group'
  | 'storage pool'
  | 'net interface'
  | 'key-value store'
  | 'shared space';

interface GenericRule {
  min: number;
  max: number;
  first: RegExp;
  rest: RegExp;
  code: CodeName;
  reserved?: string[];
}

const GENERIC: Record<Exclude<NameKind, 'node'>, GenericRule> = {
  resource: { min: 2, max: 48, first: /[A-Za-z_]/, rest: /[A-Za-z0-9_-]/, code: 'FAIL_INVLD_RSC_NAME', reserved: ['ALL', 'PROXY'] },
  snapshot: { min: 2, max: 48, first: /[A-Za-z_]/, rest: /[A-Za-z0-9_-]/, code: 'FAIL_INVLD_SNAPSHOT_NAME' },
  'resource group': { min: 2, max: 48, first: /[A-Za-z_]/, rest: /[A-Za-z0-9_-]/, code: 'FAIL_INVLD_RSC_GRP_NAME' },
  'storage pool': { min: 3, max: 48, first: /[A-Za-z_]/, rest: /[A-Za-z0-9_-]/, code: 'FAIL_INVLD_STOR_POOL_NAME' },
  'net interface': { min: 3, max: 32, first: /[A-Za-z_]/, rest: /[A-Za-z0-9_-]/, code: 'FAIL_INVLD_NET_NAME' },
  'key-value store': { min: 2, max: 48, first: /[A-Za-z_]/, rest: /[A-Za-z0-9_-]/, code: 'FAIL_INVLD_KVS_NAME' },
  'shared space': { min: 1, max: 48, first: /[A-Za-z0-9_]/, rest: /[A-Za-z0-9_.-]/, code: 'FAIL_INVLD_FREE_SPACE_MGR_NAME' },
};

/** Returns why `name` is not a valid name of this kind, or undefined when it is. */
export function nameProblem(kind: NameKind, name: string): string | undefined {
  if (kind === 'node') return hostNameProblem(name);
  const rule = GENERIC[kind];
  const len = Buffer.byteLength(name, 'utf8');
  if (len < rule.min || len > rule.max) return `must be ${rule.min} to ${rule.max} characters long`;
  if (!/[A-Za-z]/.test(name)) return 'must contain at least one letter';
  if (!rule.first.test(name[0])) return `must not start with '${name[0]}'`;
  for (const ch of name.slice(1)) {
    if (!rule.rest.test(ch)) return `must not contain '${ch}'`;
  }
  if (rule.reserved?.includes(name.toUpperCase())) return `'${name}' is a reserved name`;
  return undefined;
}

function hostNameProblem(name: string): string | undefined {
  if (name.length < 2 || name.length > 255) return 'must be 2 to 255 characters long';
  if (name.startsWith('.') || name.startsWith('-')) return "must not start with '.' or '-'";
  if (name.endsWith('-')) return "must not end with '-'";
  for (const label of name.split('.')) {
    if (label.length === 0) return 'must not contain empty labels';
    if (label.length > 63) return 'labels must be at most 63 characters long';
    if (!/^[A-Za-z0-9-]+$/.test(label)) return 'may contain only letters, digits, hyphens and dots';
  }
  return undefined;
}

const NAME_CODE: Record<NameKind, CodeName> = {
  node: 'FAIL_INVLD_NODE_NAME',
  resource: GENERIC.resource.code,
  snapshot: GENERIC.snapshot.code,
  'resource group': GENERIC['resource group'].code,
  'storage pool': GENERIC['storage pool'].code,
  'net interface': GENERIC['net interface'].code,
  'key-value store': GENERIC['key-value store'].code,
  'shared space': GENERIC['shared space'].code,
};

/** Throws LINSTOR's "invalid name" error when the name breaks the rules; returns the name otherwise. */
export function checkName(kind: NameKind, name: unknown): string {
  if (typeof name !== 'string' || name.length === 0) {
    throw new StorhubError(NAME_CODE[kind], `The ${kind} name is missing.`, {
      correction: `Give a ${kind} name.`,
    });
  }
  const problem = nameProblem(kind, name);
  if (problem) {
    throw new StorhubError(NAME_CODE[kind], `Invalid ${kind} name '${name}': it ${problem}.`, {
      correction: `Choose a ${kind} name that follows LINSTOR's naming rules.`,
    });
  }
  return name;
}

/** The comparison key of a name. */
export const nameKey = (name: string): string => name.toUpperCase();
