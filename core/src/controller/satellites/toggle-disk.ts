/**
 * toggle-disk: turns a diskful replica into a diskless client (DRBD diskless / NVMe initiator) or
 * back. Only the records change here (flags, the volumes' pools, optionally the layer stack); the
 * commit makes the reconciler push the node and its DRBD peers, and the satellite attaches or
 * detaches the disk.
 */
import type { ApiCallRc } from '../../model/apicallrc.js';
import { StorhubError } from '../../model/errors.js';
import { DEFAULT_DISKLESS_POOL, type LayerKind } from '../../model/enums.js';
import { checkLayerStack } from '../../model/layers.js';
import { normaliseRscFlags } from '../../model/resource.js';
import { resolveStorPoolName } from '../../props/resolve.js';
import type { ResourceRecord, StoragePoolRecord } from '../../store/records.js';
import { Change } from '../change.js';
import type { Controller } from '../controller.js';
import { key } from '../graph.js';
import { rc } from '../responses.js';
import { ResourceService } from '../services/resources.js';
import { DISKLESS_FLAGS } from '../services/snapshot-common.js';
import { drbdAutomatisms } from '../services/tiebreaker.js';
import { checkLayersSupported, checkProviderSupported } from './capabilities.js';

const what = (r: ResourceRecord) => `Resource '${r.name}' on node '${r.node_name}'`;
const refs = (r: ResourceRecord) => ({ RscDfn: r.name, Node: r.node_name });

export class ToggleDiskService {
  private readonly resources: ResourceService;

  constructor(private readonly c: Controller) {
    this.resources = new ResourceService(c);
  }

  toDiskless(rdName: string, nodeName: string, poolName?: string): ApiCallRc[] {
    const r = this.resource(rdName, nodeName);
    if (r.flags.includes('DISKLESS')) {
      throw new StorhubError('FAIL_INVLD_REQUEST', `${what(r)} is already diskless.`, {
        correction: `Nothing to do; to give it a disk again use toggle-disk/diskful.`, objRefs: refs(r),
      });
    }
    const clientFlag = r.layer_stack.includes('DRBD') ? 'DRBD_DISKLESS' : r.layer_stack.includes('NVME') ? 'NVME_INITIATOR' : undefined;
    if (!clientFlag) {
      throw new StorhubError('FAIL_INVLD_LAYER_STACK', `${what(r)} uses the layers ${r.layer_stack.join(', ')}: without DRBD or NVME a diskless replica has no device.`, {
        correction: 'Delete the resource instead, or use a layer stack with DRBD.', objRefs: refs(r),
      });
    }
    const diskfulPeers = this.c.graph.resourcesOf(r.name).filter(
      (p) => p !== r && !p.flags.includes('DISKLESS') && !p.flags.includes('DELETE'),
    );
    if (diskfulPeers.length === 0) {
      throw new StorhubError('FAIL_INVLD_REQUEST', `${what(r)} is the only replica of '${r.name}' with a disk; making it diskless would lose the data.`, {
        correction: `Add a diskful replica on another node first (resource create <node> ${r.name}), then toggle this one.`,
        objRefs: refs(r),
      });
    }
    const pool = this.pool(r, poolName ?? DEFAULT_DISKLESS_POOL);
    if (pool.provider_kind !== 'DISKLESS') {
      throw new StorhubError('FAIL_INVLD_STOR_DRIVER', `Storage pool '${pool.name}' on node '${r.node_name}' is not diskless (${pool.provider_kind}).`, {
        correction: `Name a DISKLESS pool, or leave the pool out to use ${DEFAULT_DISKLESS_POOL}.`,
        objRefs: { ...refs(r), StorPoolName: pool.name },
      });
    }
    const flags = normaliseRscFlags([...r.flags, 'DISKLESS', clientFlag]);
    const volumes = r.volumes.map((v) => ({ ...v, storage_pool_name: pool.name }));
    const props = r.props.StorPoolName !== undefined ? { ...r.props, StorPoolName: pool.name } : r.props;
    const change = new Change().put('rsc', key.rsc(r.name, r.node_name), { ...r, flags, volumes, props });
    const automatisms = drbdAutomatisms(this.c, r.name, change, { op: 'MODIFY' });
    this.c.commit(change);
    return [answer(r, `${what(r)} toggled to diskless (storage pool '${pool.name}').`), ...automatisms];
  }

  toDiskful(rdName: string, nodeName: string, poolName?: string, layerList?: readonly string[]): ApiCallRc[] {
    const change = new Change();
    const { before, pool } = this.diskfulInto(change, rdName, nodeName, poolName, layerList);
    const automatisms = drbdAutomatisms(this.c, before.name, change, { op: 'MODIFY' });
    this.c.commit(change);
    return [answer(before, `${what(before)} toggled to diskful (storage pool '${pool}').`), ...automatisms];
  }

  /**
   * Validates toggling the replica to diskful and puts the new record into `change` (a tie-breaker
   * toggled diskful stops being one). Returns the record as it was and the pool it gets.
   */
  diskfulInto(change: Change, rdName: string, nodeName: string, poolName?: string, layerList?: readonly string[]): { before: ResourceRecord; pool: string } {
    const r = this.resource(rdName, nodeName);
    if (!r.flags.includes('DISKLESS')) {
      throw new StorhubError('FAIL_INVLD_REQUEST', `${what(r)} already has a disk.`, {
        correction: 'Nothing to do; to drop its disk use toggle-disk/diskless.', objRefs: refs(r),
      });
    }
    let layers: LayerKind[] = r.layer_stack;
    if (layerList?.length) {
      layers = checkLayerStack(layerList).stack;
      if (layers.includes('DRBD') !== r.layer_stack.includes('DRBD')) {
        throw new StorhubError('FAIL_INVLD_LAYER_STACK', `The layer list ${layers.join(',')} must keep DRBD as ${what(r)} has it (${r.layer_stack.join(',')}).`, {
          correction: `Leave the layer list out, or give one that ${r.layer_stack.includes('DRBD') ? 'starts with' : 'does not contain'} DRBD.`,
          objRefs: refs(r),
        });
      }
    }
    checkLayersSupported(this.c, r.node_name, r.name, layers);
    const pool = this.pool(r, poolName ?? this.diskfulPoolName(r));
    if (pool.provider_kind === 'DISKLESS') {
      throw new StorhubError('FAIL_INVLD_STOR_DRIVER', `Storage pool '${pool.name}' on node '${r.node_name}' is DISKLESS; a diskful replica needs storage.`, {
        correction: "Name a pool with storage (toggle-disk/diskful/<pool>), or set 'StorPoolName' on the resource.",
        objRefs: { ...refs(r), StorPoolName: pool.name },
      });
    }
    checkProviderSupported(this.c, r.node_name, r.name, pool.name, pool.provider_kind);
    const flags = r.flags.filter((f) => !DISKLESS_FLAGS.has(f));
    const volumes = r.volumes.map((v) => ({ ...v, storage_pool_name: pool.name }));
    const props = r.props.StorPoolName !== undefined ? { ...r.props, StorPoolName: pool.name } : r.props;
    change.put('rsc', key.rsc(r.name, r.node_name), { ...r, flags, volumes, props, layer_stack: [...layers] });
    return { before: r, pool: pool.name };
  }

  private resource(rdName: string, nodeName: string): ResourceRecord {
    const r = this.resources.get(rdName, nodeName);
    if (r.flags.includes('DELETE')) {
      throw new StorhubError('FAIL_IN_USE', `${what(r)} is being deleted.`, {
        correction: 'Wait until the deletion finished, then create the resource again.', objRefs: refs(r),
      });
    }
    return r;
  }

  private pool(r: ResourceRecord, name: string): StoragePoolRecord {
    const pool = this.c.graph.storagePool(r.node_name, name);
    if (!pool) {
      throw new StorhubError('FAIL_NOT_FOUND_STOR_POOL', `Storage pool '${name}' not found on node '${r.node_name}'.`, {
        correction: `Create it (storage-pool create <kind> ${r.node_name} ${name} ...), or name an existing pool of the node.`,
        objRefs: { ...refs(r), StorPoolName: name },
      });
    }
    return pool;
  }

  /** StorPoolName as for a new volume, ignoring a diskless pool the resource itself names. */
  private diskfulPoolName(r: ResourceRecord): string {
    const g = this.c.graph;
    const rd = g.resourceDefinition(r.name);
    const own = r.props.StorPoolName;
    const ownIsDiskless = own !== undefined && g.storagePool(r.node_name, own)?.provider_kind === 'DISKLESS';
    const peerPools: string[] = [];
    for (const peer of g.resourcesOf(r.name)) {
      if (peer.flags.includes('DISKLESS')) continue;
      const p = peer.volumes[0]?.storage_pool_name;
      if (p !== undefined && g.storagePool(r.node_name, p)) peerPools.push(p);
    }
    return resolveStorPoolName({
      resource: ownIsDiskless ? undefined : r.props,
      volumeDefinition: rd?.volume_definitions[0]?.props,
      resourceDefinition: rd?.props,
      resourceGroup: rd ? g.resourceGroup(rd.resource_group_name)?.props : undefined,
      node: g.node(r.node_name)?.props,
    }, peerPools).value;
  }
}

function answer(r: ResourceRecord, message: string): ApiCallRc {
  return rc.success('MODIFIED', 'MODIFY', 'RSC', message, { obj_refs: { ...refs(r), UUID: r.uuid } });
}
