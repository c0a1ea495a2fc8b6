/** Volume groups of a resource group: the per-volume templates spawn turns into volume definitions. */
import type { ApiCallRc } from '../../model/apicallrc.js';
import { StorhubError } from '../../model/errors.js';
import { VLM_GRP_FLAGS } from '../../model/enums.js';
import type { VolumeGroupCreate, VolumeGroupModify } from '../../model/resource-group.js';
import type { ResourceGroupRecord, VolumeGroupRecord } from '../../store/records.js';
import { applyPropsModify } from '../../props/modify.js';
import { Change } from '../change.js';
import type { Controller } from '../controller.js';
import { key } from '../graph.js';
import { rc } from '../responses.js';
import { propsAnswers } from './props-answer.js';
import { ResourceGroupService } from './resource-groups.js';

export const MAX_VOLUME_NUMBER = 65534;

const what = (rg: string, nr: number) => `volume group with number '${nr}' of resource group '${rg}'`;
const refs = (rg: string, nr: number) => ({ RscGrp: rg, VlmNr: String(nr) });

/** Parses a volume number from a path or body (0-65534, else FAIL_INVLD_VLM_NR). */
export function checkVolumeNumber(value: string | number): number {
  const nr = typeof value === 'number' ? value : /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(nr) || nr < 0 || nr > MAX_VOLUME_NUMBER) {
    throw new StorhubError('FAIL_INVLD_VLM_NR', `Invalid volume number '${value}'.`, {
      correction: `Give a volume number between 0 and ${MAX_VOLUME_NUMBER}.`,
    });
  }
  return nr;
}

/** The lowest volume number not in `taken`. */
export function nextVolumeNumber(taken: ReadonlySet<number>): number {
  for (let nr = 0; nr <= MAX_VOLUME_NUMBER; nr++) if (!taken.has(nr)) return nr;
  throw new StorhubError('FAIL_POOL_EXHAUSTED_VLM_NR', 'No free volume number left.', {
    correction: 'Delete unused volumes first.',
  });
}

/** Applies flag changes: `X` sets, `-X` clears; only `allowed` flags may be touched. */
export function applyFlagChanges(current: readonly string[], changes: readonly string[] | undefined, allowed: readonly string[]): string[] {
  const flags = new Set(current);
  for (const raw of changes ?? []) {
    const remove = raw.startsWith('-');
    const flag = (remove ? raw.slice(1) : raw).trim().toUpperCase();
    if (!allowed.includes(flag)) {
      throw new StorhubError('FAIL_INVLD_REQUEST', `Flag '${flag}' cannot be set here.`, {
        correction: `Allowed flags: ${allowed.join(', ')} (prefix with '-' to clear one).`,
      });
    }
    if (remove) flags.delete(flag);
    else flags.add(flag);
  }
  return [...flags].sort();
}

export class VolumeGroupService {
  private readonly groups: ResourceGroupService;

  constructor(private readonly c: Controller) {
    this.groups = new ResourceGroupService(c);
  }

  list(rgName: string): VolumeGroupRecord[] {
    return this.groups.get(rgName).volume_groups;
  }

  get(rgName: string, nr: string | number): VolumeGroupRecord {
    const rg = this.groups.get(rgName);
    const number = checkVolumeNumber(nr);
    const vg = rg.volume_groups.find((v) => v.volume_number === number);
    if (!vg) {
      throw new StorhubError('FAIL_NOT_FOUND_VLM_GRP', `Volume group with number '${number}' of resource group '${rg.name}' not found.`, {
        objRefs: refs(rg.name, number),
      });
    }
    return vg;
  }

  create(rgName: string, body: VolumeGroupCreate): ApiCallRc[] {
    const rg = this.groups.get(rgName);
    const taken = new Set(rg.volume_groups.map((v) => v.volume_number));
    const nr = body.volume_number === undefined ? nextVolumeNumber(taken) : checkVolumeNumber(body.volume_number);
    if (taken.has(nr)) {
      throw new StorhubError('FAIL_EXISTS_VLM_GRP', `Volume group with number '${nr}' of resource group '${rg.name}' already exists.`, {
        correction: 'Leave the volume number out to use the next free one, or modify the existing volume group.',
        objRefs: refs(rg.name, nr),
      });
    }
    const props = applyPropsModify('VLM_DFN', {}, { override_props: body.props }).props;
    const vg: VolumeGroupRecord = {
      volume_number: nr,
      props,
      flags: applyFlagChanges([], body.flags, VLM_GRP_FLAGS),
      uuid: this.c.newUuid(),
    };
    this.save(rg, [...rg.volume_groups, vg]);
    return [
      ...propsAnswers('VLM_DFN', { override_props: props }, refs(rg.name, nr)),
      rc.created('VLM_GRP', what(rg.name, nr), refs(rg.name, nr), vg.uuid),
    ];
  }

  modify(rgName: string, nr: string, body: VolumeGroupModify): ApiCallRc[] {
    const rg = this.groups.get(rgName);
    const old = this.get(rgName, nr);
    const vg: VolumeGroupRecord = {
      ...old,
      props: applyPropsModify('VLM_DFN', old.props, body).props,
      flags: applyFlagChanges(old.flags, body.flags, VLM_GRP_FLAGS),
    };
    this.save(rg, rg.volume_groups.map((v) => (v === old ? vg : v)));
    const r = refs(rg.name, vg.volume_number);
    return [...propsAnswers('VLM_DFN', body, r), rc.modified('VLM_GRP', what(rg.name, vg.volume_number), r, vg.uuid)];
  }

  delete(rgName: string, nr: string): ApiCallRc[] {
    const rg = this.groups.get(rgName);
    const number = checkVolumeNumber(nr);
    const vg = rg.volume_groups.find((v) => v.volume_number === number);
    if (!vg) return [rc.deleteMissing('VLM_GRP', what(rg.name, number), refs(rg.name, number))];
    this.save(rg, rg.volume_groups.filter((v) => v !== vg));
    return [rc.deleted('VLM_GRP', what(rg.name, number), refs(rg.name, number), vg.uuid)];
  }

  private save(rg: ResourceGroupRecord, volumeGroups: VolumeGroupRecord[]): void {
    const sorted = [...volumeGroups].sort((a, b) => a.volume_number - b.volume_number);
    this.c.commit(new Change().put('rg', key.rg(rg.name), { ...rg, volume_groups: sorted }));
  }
}
