/**
 * The auto-select filter of resource groups: applying a (lenient) input onto a stored filter field by
 * field (absent/null = keep, a list replaces, an empty list or string clears), with LINSTOR's checks,
 * and merging a request's filter over a group's (request first).
 */
import type { AutoSelectFilterInput } from '../../model/resource-group.js';
import { StorhubError } from '../../model/errors.js';
import { checkName } from '../../model/names.js';
import { PROVIDER_KINDS, type ProviderKind } from '../../model/enums.js';
import { checkLayerStack, parseLayerKinds } from '../../model/layers.js';
import type { AutoSelectFilterRecord } from '../../store/records.js';

const DISKLESS_TYPES = ['DRBD_DISKLESS', 'NVME_INITIATOR', 'EBS_INITIATOR'];

type ListField = 'node_name_list' | 'storage_pool_list' | 'storage_pool_diskless_list' | 'not_place_with_rsc'
  | 'replicas_on_same' | 'replicas_on_different';

const LIST_FIELDS: Array<[ListField, ((s: string) => string) | undefined]> = [
  ['node_name_list', (s) => checkName('node', s)],
  ['storage_pool_list', (s) => checkName('storage pool', s)],
  ['storage_pool_diskless_list', (s) => checkName('storage pool', s)],
  ['not_place_with_rsc', undefined],
  ['replicas_on_same', undefined],
  ['replicas_on_different', undefined],
];

function checkPlaceCount(field: string, value: number, min: number): number {
  if (value < min) {
    throw new StorhubError('FAIL_INVLD_PLACE_COUNT', `Invalid ${field} ${value}: it must be at least ${min}.`, {
      correction: field === 'place_count'
        ? 'Give the number of diskful replicas to place (1 or more).'
        : 'Give the number of additional replicas (0 or more).',
    });
  }
  return value;
}

function parseProviders(values: readonly string[]): ProviderKind[] {
  return values.map((v) => {
    const kind = v.trim().toUpperCase();
    if (!(PROVIDER_KINDS as readonly string[]).includes(kind)) {
      throw new StorhubError('FAIL_INVLD_PROVIDER', `Invalid storage provider kind '${v}'.`, {
        correction: `Use one of: ${PROVIDER_KINDS.join(', ')}.`,
      });
    }
    return kind as ProviderKind;
  });
}

/** Returns the filter with the input's changes applied; throws (and changes nothing) on a bad value. */
export function applyFilterChanges(
  current: Readonly<AutoSelectFilterRecord>,
  input: AutoSelectFilterInput | undefined,
): AutoSelectFilterRecord {
  const f: AutoSelectFilterRecord = structuredClone(current);
  if (!input) return f;
  if (input.place_count !== undefined) f.place_count = checkPlaceCount('place_count', input.place_count, 1);
  if (input.additional_place_count !== undefined) {
    f.additional_place_count = checkPlaceCount('additional_place_count', input.additional_place_count, 0);
  }
  for (const [field, check] of LIST_FIELDS) {
    const value = input[field];
    if (value === undefined) continue;
    const list = value.map((s) => s.trim()).filter((s) => s.length > 0);
    if (check) list.forEach(check);
    if (list.length > 0) f[field] = list;
    else delete f[field];
  }
  // The legacy single pool stands for a one-element list unless a list is given as well.
  if (input.storage_pool !== undefined && input.storage_pool_list === undefined) {
    const pool = input.storage_pool.trim();
    if (pool) f.storage_pool_list = [checkName('storage pool', pool)];
    else delete f.storage_pool_list;
  }
  delete f.storage_pool;
  if (input.not_place_with_rsc_regex !== undefined) {
    const re = input.not_place_with_rsc_regex;
    if (re === '') delete f.not_place_with_rsc_regex;
    else {
      try {
        new RegExp(re);
      } catch (err) {
        throw new StorhubError('FAIL_INVLD_REQUEST', `Invalid not_place_with_rsc_regex '${re}': ${(err as Error).message}.`, {
          correction: 'Give a valid regular expression.',
        });
      }
      f.not_place_with_rsc_regex = re;
    }
  }
  if (input.x_replicas_on_different_map !== undefined) {
    if (Object.keys(input.x_replicas_on_different_map).length > 0) f.x_replicas_on_different_map = { ...input.x_replicas_on_different_map };
    else delete f.x_replicas_on_different_map;
  }
  if (input.layer_stack !== undefined) {
    const stack = parseLayerKinds(input.layer_stack.filter((s) => s.trim() !== ''));
    if (stack.length > 0) {
      checkLayerStack(stack); // the stack as it will be used (STORAGE appended when missing) must be valid
      f.layer_stack = stack;
    } else delete f.layer_stack;
  }
  if (input.provider_list !== undefined) {
    const providers = parseProviders(input.provider_list.filter((s) => s.trim() !== ''));
    if (providers.length > 0) f.provider_list = providers;
    else delete f.provider_list;
  }
  if (input.diskless_on_remaining !== undefined) f.diskless_on_remaining = input.diskless_on_remaining;
  if (input.diskless_type !== undefined) {
    const t = input.diskless_type.trim().toUpperCase();
    if (t === '') delete f.diskless_type;
    else if (!DISKLESS_TYPES.includes(t)) {
      throw new StorhubError('FAIL_INVLD_REQUEST', `Invalid diskless_type '${input.diskless_type}'.`, {
        correction: `Use one of: ${DISKLESS_TYPES.join(', ')}.`,
      });
    } else f.diskless_type = t;
  }
  if (input.overprovision !== undefined) {
    if (!Number.isFinite(input.overprovision) || input.overprovision < 0) {
      throw new StorhubError('FAIL_INVLD_REQUEST', `Invalid overprovision ${input.overprovision}.`, {
        correction: 'Give a non-negative multiplier of thin pools\' free space.',
      });
    }
    f.overprovision = input.overprovision;
  }
  return f;
}

/** A request's filter over a group's: every field the request sets wins (AutoSelectFilterPojo.merge). */
export function mergeFilters(request: Readonly<AutoSelectFilterRecord>, group: Readonly<AutoSelectFilterRecord>): AutoSelectFilterRecord {
  const out: AutoSelectFilterRecord = structuredClone(group);
  for (const [k, v] of Object.entries(request)) {
    if (v !== undefined) (out as Record<string, unknown>)[k] = structuredClone(v);
  }
  return out;
}
