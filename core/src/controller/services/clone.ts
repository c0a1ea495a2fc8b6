/**
 * Cloning a resource definition (`POST .../clone`): a new definition with the source's props, layers
 * and volume sizes, and a resource on every node of the source, each volume in the pool the source
 * volume uses. The diskful clones carry `source` = the source resource: their satellites create the
 * volumes as copies of it (a temporary snapshot or a copy), and the definition stays CLONING until
 * every one of them reported its volumes (satellites/snapshot-sync.ts folds that in). The status
 * endpoint answers CLONING, COMPLETE or FAILED; sync-status whether every diskful replica is UpToDate.
 */
import type { ApiCallRc } from '../../model/apicallrc.js';
import { StorhubError } from '../../model/errors.js';
import type { ResourceCreate } from '../../model/resource.js';
import type { CloneStatus, ResourceDefinitionCloneRequest } from '../../model/snapshot.js';
import type { ResourceDefinitionRecord, ResourceRecord } from '../../store/records.js';
import { applyPropsModify } from '../../props/modify.js';
import { Change } from '../change.js';
import type { Controller } from '../controller.js';
import { key } from '../graph.js';
import { rc } from '../responses.js';
import { ResourceDefinitionService, rdRefs, rdWhat } from './resource-definitions.js';
import { ResourceService, newPending } from './resources.js';
import { VolumeDefinitionService, vdRefs, vdWhat } from './volume-definitions.js';
import { isDeletingRsc, isDiskless, requireConnected, requireRd } from './snapshot-common.js';

export interface CloneStarted {
  location: string;
  source_name: string;
  clone_name: string;
  messages: ApiCallRc[];
}

/** Flags a resource create accepts; a clone replica keeps the diskless kind of its source. */
const CREATE_FLAGS = new Set(['DISKLESS', 'DRBD_DISKLESS', 'NVME_INITIATOR', 'EBS_INITIATOR', 'INACTIVE']);
const VD_FLAGS = new Set(['ENCRYPTED', 'GROSS_SIZE']);

export class CloneService {
  constructor(private readonly c: Controller) {}

  clone(srcName: string, body: ResourceDefinitionCloneRequest): CloneStarted {
    const src = requireRd(this.c, srcName);
    if (!body.name && !body.external_name) {
      throw new StorhubError('FAIL_INVLD_RSC_NAME', 'No name for the cloned resource was specified.', {
        correction: "Give 'name' (LINSTOR naming rules) or 'external_name'.",
        objRefs: rdRefs(src.name),
      });
    }
    const sources = this.c.graph.resourcesOf(src.name).filter((r) => !isDeletingRsc(r, src));
    requireConnected(this.c, sources.map((r) => r.node_name), `Cloning resource definition '${src.name}'`, rdRefs(src.name));

    const props = applyPropsModify('RSC_DFN', src.props, body).props;
    const rds = new ResourceDefinitionService(this.c);
    const requestedLayers = (body.layer_list ?? []).filter((l) => l.trim() !== '');
    const plan = rds.build({
      name: body.name,
      externalName: body.external_name,
      props,
      layers: requestedLayers.length ? requestedLayers : src.layer_stack,
      groupName: body.resource_group || src.resource_group_name,
      peerSlots: src.drbd?.peer_slots,
      transportType: src.drbd?.transport_type,
    });
    const reserved = { numbers: new Set<number>(), minors: new Set<number>() };
    const vds = new VolumeDefinitionService(this.c);
    const rd: ResourceDefinitionRecord = { ...plan.rd, flags: [...plan.rd.flags, 'CLONING'], cloned_from: src.name };
    rd.volume_definitions = src.volume_definitions.map((svd) => vds.build(rd, {
      volume_number: svd.volume_number, size_kib: svd.size_kib, props: { ...svd.props }, flags: svd.flags.filter((f) => VD_FLAGS.has(f)),
    }, reserved));

    // Nothing to copy: the clone is complete as it is.
    if (!sources.some((s) => !isDiskless(s)) || rd.volume_definitions.length === 0) rd.flags = rd.flags.filter((f) => f !== 'CLONING');

    const resources = new ResourceService(this.c);
    const pending = newPending();
    const change = new Change().put('rd', key.rd(rd.name), rd);
    const answers: ApiCallRc[] = [
      ...plan.answers,
      rc.created('RSC_DFN', rdWhat(rd.name), rdRefs(rd.name), rd.uuid),
      ...rd.volume_definitions.map((vd) => rc.created('VLM_DFN', vdWhat(rd.name, vd.volume_number), vdRefs(rd.name, vd.volume_number), vd.uuid)),
    ];
    for (const s of sources) {
      const r = this.cloneOf(resources, rd, s, requestedLayers, pending);
      change.put('rsc', key.rsc(rd.name, r.node_name), r);
      answers.push(rc.created('RSC', `resource '${rd.name}' on node '${r.node_name}'`, { RscDfn: rd.name, Node: r.node_name }, r.uuid, 'registered'));
    }
    this.c.commit(change);
    return {
      location: `/v1/resource-definitions/${src.name}/clone/${rd.name}`,
      source_name: src.name,
      clone_name: rd.name,
      messages: answers,
    };
  }

  /** The clone's replica on the node of `s`: same kind, same pools, DRBD node id kept when possible. */
  private cloneOf(resources: ResourceService, rd: ResourceDefinitionRecord, s: ResourceRecord, layers: string[],
    pending: ReturnType<typeof newPending>): ResourceRecord {
    const node = resources.node(s.node_name);
    const item = {
      resource: { node_name: node.name, props: { ...s.props }, flags: s.flags.filter((f) => CREATE_FLAGS.has(f)) },
      layer_list: layers.length ? layers : [...s.layer_stack],
      ...(rd.drbd && s.drbd ? { drbd_node_id: s.drbd.node_id } : {}),
    } as ResourceCreate;
    const built = resources.build(rd, node, item, pending);
    const r: ResourceRecord = {
      ...built,
      flags: s.flags.includes('TIE_BREAKER') && !built.flags.includes('TIE_BREAKER') ? [...built.flags, 'TIE_BREAKER'] : built.flags,
      volumes: built.volumes.map((v) => {
        const pool = s.volumes.find((x) => x.volume_number === v.volume_number)?.storage_pool_name;
        return pool === undefined ? v : { ...v, storage_pool_name: pool };
      }),
    };
    if (!isDiskless(s) && r.volumes.length > 0) r.source = { resource: s.name };
    return r;
  }

  /** GET .../clone/{clone}: 404 unless `clone` is a clone of `srcName`. */
  status(srcName: string, cloneName: string): { status: CloneStatus } {
    const src = requireRd(this.c, srcName);
    const clone = this.c.graph.resourceDefinition(cloneName);
    if (!clone || clone.cloned_from?.toUpperCase() !== src.name.toUpperCase()) {
      throw new StorhubError('FAIL_NOT_FOUND_RSC_DFN', `Resource definition '${cloneName}' is no clone of '${src.name}'.`, {
        objRefs: { RscDfn: cloneName, SourceRscDfn: src.name },
      });
    }
    if (clone.flags.includes('FAILED')) return { status: 'FAILED' };
    return { status: clone.flags.includes('CLONING') ? 'CLONING' : 'COMPLETE' };
  }

  /** GET .../sync-status: every diskful replica reported each volume UpToDate. */
  syncStatus(rdName: string): { synced_on_all: boolean } {
    const rd = requireRd(this.c, rdName);
    const synced = this.c.graph.resourcesOf(rd.name)
      .filter((r) => !isDiskless(r) && !isDeletingRsc(r, rd))
      .every((r) => {
        const rt = this.c.runtime.resource?.(rd.name, r.node_name);
        return r.volumes.every((v) => {
          const vrt = rt?.volumes?.[v.volume_number];
          const top = r.layer_stack[0];
          return (vrt?.disk_state ?? (top ? vrt?.layers?.[top]?.disk_state : undefined)) === 'UpToDate';
        });
      });
    return { synced_on_all: synced };
  }
}
