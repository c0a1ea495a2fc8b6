/**
 * Volume definitions: create (next free number, DRBD minor when the definition uses DRBD, a volume on
 * every existing resource), resize/modify (growing always; shrinking only while nothing is deployed),
 * delete (the volume leaves every resource too). Records only: devices follow in later work.
 */
import type { ApiCallRc } from '../../model/apicallrc.js';
import { StorhubError } from '../../model/errors.js';
import { DEFAULT_DISKLESS_POOL, DEFAULT_STORAGE_POOL } from '../../model/enums.js';
import type { VolumeDefinitionCreate, VolumeDefinitionModify, VolumeDefinitionSpec } from '../../model/resource-definition.js';
import type { ResourceDefinitionRecord, ResourceRecord, VolumeDefinitionRecord } from '../../store/records.js';
import { applyPropsModify } from '../../props/modify.js';
import { allocateMinor, claimMinor } from '../allocation.js';
import { Change } from '../change.js';
import type { Controller } from '../controller.js';
import { key } from '../graph.js';
import { rc } from '../responses.js';
import { propsAnswers } from './props-answer.js';
import { ResourceDefinitionService } from './resource-definitions.js';
import { isDiskless } from './snapshot-common.js';
import { applyFlagChanges, checkVolumeNumber, nextVolumeNumber } from './volume-groups.js';

export const vdWhat = (rd: string, nr: number) => `volume definition with number '${nr}' of resource definition '${rd}'`;
export const vdRefs = (rd: string, nr: number) => ({ RscDfn: rd, VlmNr: String(nr) });

const CREATE_FLAGS = ['ENCRYPTED', 'GROSS_SIZE'];
const MODIFY_FLAGS = ['GROSS_SIZE'];

/** Numbers handed out within one not yet committed change (spawn builds several volumes). */
export interface VdReservations {
  numbers: Set<number>;
  minors: Set<number>;
}

export class VolumeDefinitionService {
  private readonly rds: ResourceDefinitionService;

  constructor(private readonly c: Controller) {
    this.rds = new ResourceDefinitionService(c);
  }

  list(rdName: string): { rd: ResourceDefinitionRecord; vds: VolumeDefinitionRecord[] } {
    const rd = this.rds.get(rdName);
    return { rd, vds: rd.volume_definitions };
  }

  get(rdName: string, nr: string | number): { rd: ResourceDefinitionRecord; vd: VolumeDefinitionRecord } {
    const rd = this.rds.get(rdName);
    const number = checkVolumeNumber(nr);
    const vd = rd.volume_definitions.find((v) => v.volume_number === number);
    if (!vd) {
      throw new StorhubError('FAIL_NOT_FOUND_VLM_DFN', `Volume definition with number '${number}' of resource definition '${rd.name}' not found.`, {
        objRefs: vdRefs(rd.name, number),
      });
    }
    return { rd, vd };
  }

  create(rdName: string, body: VolumeDefinitionCreate): ApiCallRc[] {
    const rd = this.rds.get(rdName);
    const vd = this.build(rd, body.volume_definition, { numbers: new Set(), minors: new Set() }, body.drbd_minor_number);
    const change = new Change();
    // Volumes on the resources that already exist, so every resource keeps one volume per definition.
    for (const r of this.c.graph.resourcesOf(rd.name)) {
      const volume = { volume_number: vd.volume_number, storage_pool_name: this.poolForNewVolume(r), props: {}, flags: [], uuid: this.c.newUuid() };
      const volumes = [...r.volumes, volume].sort((a, b) => a.volume_number - b.volume_number);
      change.put('rsc', key.rsc(r.name, r.node_name), { ...r, volumes });
    }
    change.put('rd', key.rd(rd.name), withVolumeDefinitions(rd, [...rd.volume_definitions, vd]));
    this.c.commit(change);
    const refs = vdRefs(rd.name, vd.volume_number);
    return [
      ...propsAnswers('VLM_DFN', { override_props: vd.props }, refs),
      rc.created('VLM_DFN', vdWhat(rd.name, vd.volume_number), refs, vd.uuid),
    ];
  }

  /** Validates and builds one volume definition of `rd`; commits nothing. */
  build(rd: ResourceDefinitionRecord, spec: VolumeDefinitionSpec, reserved: VdReservations, minor?: number): VolumeDefinitionRecord {
    const taken = new Set([...rd.volume_definitions.map((v) => v.volume_number), ...reserved.numbers]);
    const nr = spec.volume_number === undefined ? nextVolumeNumber(taken) : checkVolumeNumber(spec.volume_number);
    if (taken.has(nr)) {
      throw new StorhubError('FAIL_EXISTS_VLM_DFN', `Volume definition with number '${nr}' of resource definition '${rd.name}' already exists.`, {
        correction: 'Leave the volume number out to use the next free one, or resize the existing volume definition.',
        objRefs: vdRefs(rd.name, nr),
      });
    }
    const vd: VolumeDefinitionRecord = {
      volume_number: nr,
      size_kib: checkSize(spec.size_kib),
      props: applyPropsModify('VLM_DFN', {}, { override_props: spec.props }).props,
      flags: applyFlagChanges([], spec.flags, CREATE_FLAGS),
      uuid: this.c.newUuid(),
    };
    if (rd.layer_stack.includes('DRBD')) {
      vd.minor_number = minor === undefined ? allocateMinor(this.c.graph, reserved.minors) : claimMinor(this.c.graph, minor, reserved.minors);
    }
    reserved.numbers.add(nr);
    return vd;
  }

  modify(rdName: string, nr: string, body: VolumeDefinitionModify): ApiCallRc[] {
    const { rd, vd: old } = this.get(rdName, nr);
    const vd: VolumeDefinitionRecord = {
      ...old,
      props: applyPropsModify('VLM_DFN', old.props, body).props,
      flags: applyFlagChanges(old.flags, body.flags, MODIFY_FLAGS),
    };
    if (body.size_kib !== undefined) {
      const size = checkSize(body.size_kib);
      const resources = this.c.graph.resourcesOf(rd.name);
      if (size < old.size_kib && resources.length > 0) {
        throw new StorhubError('FAIL_INVLD_VLM_SIZE', `Cannot shrink volume ${old.volume_number} of resource definition '${rd.name}' from ${old.size_kib} KiB to ${size} KiB: it is deployed on ${resources.map((r) => r.node_name).join(', ')}.`, {
          cause: 'Shrinking a deployed volume is not supported (the data above the new size would be lost).',
          correction: 'Keep or grow the size; to get a smaller volume, create a new resource of the wanted size and copy the data, or delete the resources first.',
          objRefs: vdRefs(rd.name, old.volume_number),
        });
      }
      vd.size_kib = size;
    }
    this.c.commit(new Change().put('rd', key.rd(rd.name), withVolumeDefinitions(rd, rd.volume_definitions.map((v) => (v === old ? vd : v)))));
    const refs = vdRefs(rd.name, vd.volume_number);
    return [...propsAnswers('VLM_DFN', body, refs), rc.modified('VLM_DFN', vdWhat(rd.name, vd.volume_number), refs, vd.uuid)];
  }

  delete(rdName: string, nr: string): ApiCallRc[] {
    const rd = this.rds.get(rdName);
    const number = checkVolumeNumber(nr);
    const vd = rd.volume_definitions.find((v) => v.volume_number === number);
    if (!vd) return [rc.deleteMissing('VLM_DFN', vdWhat(rd.name, number), vdRefs(rd.name, number))];
    const change = new Change();
    for (const r of this.c.graph.resourcesOf(rd.name)) {
      if (!r.volumes.some((v) => v.volume_number === number)) continue;
      change.put('rsc', key.rsc(r.name, r.node_name), { ...r, volumes: r.volumes.filter((v) => v.volume_number !== number) });
    }
    change.put('rd', key.rd(rd.name), withVolumeDefinitions(rd, rd.volume_definitions.filter((v) => v !== vd)));
    this.c.commit(change);
    return [rc.deleted('VLM_DFN', vdWhat(rd.name, number), vdRefs(rd.name, number), vd.uuid)];
  }

  /**
   * The pool of a volume added to an existing resource: the resource's StorPoolName, else the pool
   * its other volumes use (diskless resources: their diskless pool first), else the default pool.
   */
  private poolForNewVolume(r: ResourceRecord): string {
    const diskless = isDiskless(r);
    const sibling = r.volumes[0]?.storage_pool_name;
    const pool = diskless
      ? sibling ?? r.props.StorPoolName ?? DEFAULT_DISKLESS_POOL
      : r.props.StorPoolName ?? sibling ?? DEFAULT_STORAGE_POOL;
    if (!this.c.graph.storagePool(r.node_name, pool)) {
      throw new StorhubError('FAIL_NOT_FOUND_STOR_POOL', `Storage pool '${pool}' on node '${r.node_name}' not found, so resource '${r.name}' there cannot get the new volume.`, {
        correction: `Create storage pool '${pool}' on node '${r.node_name}', or set the resource's StorPoolName to a pool that exists there.`,
        objRefs: { Node: r.node_name, StorPoolName: pool },
      });
    }
    return pool;
  }
}

function checkSize(size: number | undefined): number {
  if (size === undefined) {
    throw new StorhubError('FAIL_INVLD_VLM_SIZE', 'The volume size is missing.', { correction: "Give 'size_kib' (KiB, at least 1)." });
  }
  if (!Number.isSafeInteger(size) || size < 1) {
    throw new StorhubError('FAIL_INVLD_VLM_SIZE', `Invalid volume size ${size} KiB.`, { correction: 'Give a size of at least 1 KiB.' });
  }
  return size;
}

function withVolumeDefinitions(rd: ResourceDefinitionRecord, vds: VolumeDefinitionRecord[]): ResourceDefinitionRecord {
  return { ...rd, volume_definitions: [...vds].sort((a, b) => a.volume_number - b.volume_number) };
}
