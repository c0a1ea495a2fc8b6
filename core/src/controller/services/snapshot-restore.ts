/**
 * Restoring a snapshot into another (existing, empty) resource definition, in LINSTOR's two steps:
 * first its volume definitions (the snapshot's sizes), then its resources on the snapshot's nodes (or
 * the nodes given), each volume in the pool its snapshot lives in (or the pool `stor_pool_rename`
 * maps that to). A restored resource carries `source` = the snapshot until its satellite reported
 * the volumes, so the satellite creates them from the snapshot instead of empty.
 */
import type { ApiCallRc } from '../../model/apicallrc.js';
import { StorhubError } from '../../model/errors.js';
import type { ResourceCreate } from '../../model/resource.js';
import type { SnapshotRestore } from '../../model/snapshot.js';
import type { ResourceDefinitionRecord, ResourceRecord, SnapshotRecord } from '../../store/records.js';
import { Change } from '../change.js';
import type { Controller } from '../controller.js';
import { key } from '../graph.js';
import { rc } from '../responses.js';
import { ResourceService, newPending } from './resources.js';
import { VolumeDefinitionService, vdRefs, vdWhat } from './volume-definitions.js';
import { entryOn, isLiveOn, isSuccessful, nodeEntries, requireRd, requireSnapshot, snapRefs, snapWhat } from './snapshot-common.js';

/** Volume definition flags a restore carries over (the ones a create may set). */
const VD_FLAGS = new Set(['ENCRYPTED', 'GROSS_SIZE']);

export class SnapshotRestoreService {
  constructor(private readonly c: Controller) {}

  /** POST .../snapshot-restore-volume-definition/{snap}: the snapshot's volume definitions on the target. */
  restoreVolumeDefinitions(rdName: string, snapName: string, body: SnapshotRestore): ApiCallRc[] {
    const { from, snap, to } = this.parties(rdName, snapName, body);
    if (to.volume_definitions.length > 0) {
      throw new StorhubError('FAIL_EXISTS_VLM_DFN', `Cannot restore volume definitions to resource definition '${to.name}': it already has volume definitions (${to.volume_definitions.map((v) => v.volume_number).join(', ')}).`, {
        correction: `Restore into a new, empty resource definition (resource-definition create <name>), or delete the volume definitions of '${to.name}' first.`,
        objRefs: { RscDfn: to.name },
      });
    }
    this.refuseWithResources(to);
    const vds = new VolumeDefinitionService(this.c);
    const reserved = { numbers: new Set<number>(), minors: new Set<number>() };
    const built = snap.volume_definitions.map((svd) => vds.build(to, {
      volume_number: svd.volume_number,
      size_kib: svd.size_kib,
      props: { ...svd.props },
      flags: (svd.flags ?? []).filter((f) => VD_FLAGS.has(f)),
    }, reserved));
    this.c.commit(new Change().put('rd', key.rd(to.name), { ...to, volume_definitions: built }));
    return [
      ...built.map((vd) => rc.created('VLM_DFN', vdWhat(to.name, vd.volume_number), vdRefs(to.name, vd.volume_number), vd.uuid)),
      rc.success('CREATED', 'CREATE', 'SNAPSHOT', `Volume definitions of resource '${to.name}' restored from resource '${from.name}', snapshot '${snap.name}'.`, {
        obj_refs: { ...snapRefs(from.name, snap.name), TargetRscDfn: to.name },
      }),
    ];
  }

  /** POST .../snapshot-restore-resource/{snap}: resources of the target on the snapshot's nodes. */
  restoreResources(rdName: string, snapName: string, body: SnapshotRestore): ApiCallRc[] {
    const g = this.c.graph;
    const { from, snap, to } = this.parties(rdName, snapName, body);
    this.refuseWithResources(to);
    if (!isSuccessful(snap)) {
      throw new StorhubError('FAIL_UNKNOWN_ERROR', `Cannot restore from ${snapWhat(from.name, snap.name)}: it was not created successfully on every node (flags: ${snap.flags.join(', ') || 'none'}).`, {
        correction: "Wait until 'snapshot list' shows it Successful, or restore from another snapshot.",
        objRefs: snapRefs(from.name, snap.name),
      });
    }
    const requested = body.nodes ?? [];
    const nodeNames = requested.length ? requested : nodeEntries(snap).filter((e) => isLiveOn(snap, e.node_name)).map((e) => e.node_name);
    const rename = renameMap(body.stor_pool_rename);
    const resources = new ResourceService(this.c);
    const pending = newPending();
    const change = new Change();
    const answers: ApiCallRc[] = [];
    const records: ResourceRecord[] = [];
    const seen = new Set<string>();
    for (const n of nodeNames) {
      const node = resources.node(n);
      if (seen.has(key.node(node.name))) continue;
      seen.add(key.node(node.name));
      const entry = entryOn(snap, node.name);
      if (!entry || !isLiveOn(snap, node.name)) {
        throw new StorhubError('FAIL_NOT_FOUND_SNAPSHOT', `${capital(snapWhat(from.name, snap.name))} does not exist on node '${node.name}'.`, {
          correction: `Restore on the nodes that hold it: ${snap.nodes.join(', ') || 'none'}.`,
          objRefs: { ...snapRefs(from.name, snap.name), Node: node.name },
        });
      }
      const pools = new Map<number, string>();
      for (const vd of to.volume_definitions) {
        const svd = snap.volume_definitions.find((x) => x.volume_number === vd.volume_number);
        if (!svd) {
          throw new StorhubError('FAIL_NOT_FOUND_SNAPSHOT_VLM_DFN', `${capital(snapWhat(from.name, snap.name))} does not contain volume number ${vd.volume_number}, which resource definition '${to.name}' has.`, {
            correction: `Restore the volume definitions first (snapshot volume-definition restore), or delete volume definition ${vd.volume_number} of '${to.name}'.`,
            objRefs: { ...snapRefs(from.name, snap.name), VlmNr: String(vd.volume_number) },
          });
        }
        if (svd.size_kib !== vd.size_kib) {
          throw new StorhubError('FAIL_INVLD_VLM_SIZE', `Snapshot size does not match for volume number ${vd.volume_number}; snapshot size: ${svd.size_kib}KiB, required size: ${vd.size_kib}KiB.`, {
            correction: `Give volume definition ${vd.volume_number} of '${to.name}' the snapshot's size (${svd.size_kib} KiB).`,
            objRefs: { RscDfn: to.name, VlmNr: String(vd.volume_number) },
          });
        }
        const snapPool = entry.volumes.find((v) => v.volume_number === vd.volume_number)?.storage_pool_name;
        if (snapPool === undefined) continue;
        const wanted = rename.get(snapPool.toUpperCase()) ?? snapPool;
        const pool = g.storagePool(node.name, wanted);
        if (!pool) {
          throw new StorhubError('FAIL_NOT_FOUND_STOR_POOL', `Storage pool '${wanted}' not found on node '${node.name}'.`, {
            cause: `Volume ${vd.volume_number} of ${snapWhat(from.name, snap.name)} lives in storage pool '${snapPool}' there.`,
            correction: `Map it to an existing pool with 'stor_pool_rename' ({"${snapPool}": "<pool>"}), or create the pool.`,
            objRefs: { Node: node.name, StorPoolName: wanted },
          });
        }
        pools.set(vd.volume_number, pool.name);
      }
      const firstPool = pools.values().next().value;
      const item = {
        resource: { node_name: node.name, props: firstPool !== undefined ? { StorPoolName: firstPool } : {} },
        ...(to.drbd && entry.drbd_node_id !== undefined ? { drbd_node_id: entry.drbd_node_id } : {}),
      } as ResourceCreate;
      const built = resources.build(to, node, item, pending);
      // The pools come from the snapshot, not from a property: the restored resource keeps no StorPoolName.
      const { StorPoolName: _fromSnapshot, ...props } = built.props;
      const r: ResourceRecord = {
        ...built,
        props,
        volumes: built.volumes.map((v) => {
          const pool = pools.get(v.volume_number);
          return pool === undefined ? v : { ...v, storage_pool_name: pool };
        }),
        source: { resource: from.name, snapshot: snap.name },
      };
      change.put('rsc', key.rsc(to.name, node.name), r);
      records.push(r);
      answers.push(rc.created('RSC', `resource '${to.name}' on node '${node.name}'`, { RscDfn: to.name, Node: node.name }, r.uuid, 'registered'));
    }
    if (records.length === 0) {
      throw new StorhubError('FAIL_NOT_FOUND_SNAPSHOT', `${capital(snapWhat(from.name, snap.name))} exists on no node to restore from.`, {
        objRefs: snapRefs(from.name, snap.name),
      });
    }
    this.c.commit(change);
    if (to.volume_definitions.length === 0) {
      answers.push(rc.warn('WARN_NOT_FOUND', 'CREATE', 'SNAPSHOT', 'No volumes to restore.', {
        details: 'The target resource definition has no volume definitions. The restored resources will be empty.',
        correction: 'Restore the volume definitions to the target resource definition.',
        obj_refs: { RscDfn: to.name },
      }));
    }
    const where = requested.length ? `resource '${to.name}' on nodes '${records.map((r) => r.node_name).join(', ')}'` : `resource '${to.name}'`;
    answers.push(rc.success('CREATED', 'CREATE', 'SNAPSHOT', `${capital(where)} restored from resource '${from.name}', snapshot '${snap.name}'.`, {
      details: `Resource UUIDs: ${records.map((r) => r.uuid).join(', ')}`,
      obj_refs: { ...snapRefs(from.name, snap.name), TargetRscDfn: to.name },
    }));
    return answers;
  }

  private parties(rdName: string, snapName: string, body: SnapshotRestore): { from: ResourceDefinitionRecord; snap: SnapshotRecord; to: ResourceDefinitionRecord } {
    const from = requireRd(this.c, rdName);
    const snap = requireSnapshot(this.c, from, snapName);
    if (!body.to_resource) {
      throw new StorhubError('FAIL_INVLD_RSC_NAME', 'The resource definition to restore to is missing.', {
        correction: "Give 'to_resource': an existing resource definition (create it first with resource-definition create).",
        objRefs: snapRefs(from.name, snap.name),
      });
    }
    if (snap.flags.includes('DELETE')) {
      throw new StorhubError('FAIL_NOT_FOUND_SNAPSHOT_DFN', `${capital(snapWhat(from.name, snap.name))} is being deleted.`, { objRefs: snapRefs(from.name, snap.name) });
    }
    return { from, snap, to: requireRd(this.c, body.to_resource) };
  }

  private refuseWithResources(to: ResourceDefinitionRecord): void {
    const existing = this.c.graph.resourcesOf(to.name);
    if (existing.length === 0) return;
    throw new StorhubError('FAIL_EXISTS_RSC', `Cannot restore to resource definition '${to.name}' which already has resources (on ${existing.map((r) => r.node_name).join(', ')}).`, {
      correction: 'Restore into a new resource definition, or delete its resources first.',
      objRefs: { RscDfn: to.name },
    });
  }
}

/** `stor_pool_rename` keyed by the upper-cased old pool name. */
function renameMap(m: Record<string, string> | undefined): Map<string, string> {
  return new Map(Object.entries(m ?? {}).map(([from, to]) => [from.toUpperCase(), to]));
}

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
