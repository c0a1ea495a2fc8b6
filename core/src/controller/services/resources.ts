/**
 * Resources (a resource definition placed on a node) and their volumes, as records: create (one or
 * many in one change), modify, delete. Deploying them on satellites is the reconciler's job.
 */
import type { ApiCallRc } from '../../model/apicallrc.js';
import { StorhubError } from '../../model/errors.js';
import { DEFAULT_DISKLESS_POOL, type LayerKind } from '../../model/enums.js';
import { checkLayerStack } from '../../model/layers.js';
import { normaliseRscFlags, type ResourceCreate, type ResourceModify, type VolumeModify } from '../../model/resource.js';
import type {
  NodeRecord, ResourceDefinitionRecord, ResourceRecord, StoragePoolRecord, VolumeDefinitionRecord, VolumeRecord,
} from '../../store/records.js';
import { applyPropsModify } from '../../props/modify.js';
import { normaliseKey, validateProp } from '../../props/whitelist.js';
import { resolveStorPoolName } from '../../props/resolve.js';
import { allocateNodeId, allocateTcpPort } from '../allocation.js';
import { Change } from '../change.js';
import type { Controller } from '../controller.js';
import { key, type Graph } from '../graph.js';
import { rc } from '../responses.js';
import { checkLayersSupported, checkProviderSupported } from '../satellites/capabilities.js';
import { EncryptionService } from './encryption.js';
import { deleteResourceRecords, markForDeletion, offlineDeleteWarning, satelliteConnected } from '../satellites/deletion.js';
import { claimTieBreaker, drbdAutomatisms, keepTieBreaker } from './tiebreaker.js';

const what = (rd: string, node: string) => `resource '${rd}' on node '${node}'`;
const refs = (rd: string, node: string) => ({ RscDfn: rd, Node: node });

/** Flags a client may set when creating a resource. */
const CREATE_FLAGS = new Set(['DISKLESS', 'DRBD_DISKLESS', 'NVME_INITIATOR', 'EBS_INITIATOR', 'INACTIVE']);
const DEFAULT_LAYERS: LayerKind[] = ['DRBD', 'STORAGE'];

/** Node ids and ports taken by resources of the same request that are not committed yet. */
export interface Pending {
  nodeIds: Set<number>;
  portsByNode: Map<string, Set<number>>;
  drbdCount: number;
}

/** An empty Pending, for callers (autoplace) that build several records for one change. */
export const newPending = (): Pending => ({ nodeIds: new Set(), portsByNode: new Map(), drbdCount: 0 });

export class ResourceService {
  constructor(private readonly c: Controller) {}

  definition(rdName: string): ResourceDefinitionRecord {
    const rd = this.c.graph.resourceDefinition(rdName);
    if (!rd) {
      throw new StorhubError('FAIL_NOT_FOUND_RSC_DFN', `Resource definition '${rdName}' not found.`, {
        correction: `Create it first (resource-definition create ${rdName}).`,
        objRefs: { RscDfn: rdName },
      });
    }
    return rd;
  }

  node(name: string): NodeRecord {
    const node = this.c.graph.node(name);
    if (!node) {
      throw new StorhubError('FAIL_NOT_FOUND_NODE', `Node '${name}' not found.`, {
        correction: `Register the node first with 'node create ${name} <address>'.`,
        objRefs: { Node: name },
      });
    }
    return node;
  }

  /** The resource, or 404 (the bare not-found of a single GET). */
  get(rdName: string, nodeName: string): ResourceRecord {
    const rd = this.definition(rdName);
    const r = this.c.graph.resource(rd.name, nodeName);
    if (!r) {
      throw new StorhubError('FAIL_NOT_FOUND_RSC', `Resource '${rd.name}' on '${nodeName}' not found.`, {
        objRefs: refs(rd.name, nodeName),
      });
    }
    return r;
  }

  volume(rdName: string, nodeName: string, volumeNumber: number): VolumeRecord {
    const r = this.get(rdName, nodeName);
    const v = r.volumes.find((x) => x.volume_number === volumeNumber);
    if (!v) {
      throw new StorhubError('FAIL_NOT_FOUND_VLM', `Volume '${volumeNumber}' of resource '${r.name}' on '${r.node_name}' not found.`, {
        objRefs: { ...refs(r.name, r.node_name), VlmNr: String(volumeNumber) },
      });
    }
    return v;
  }

  /** Creates every resource of the list in one change: all of them, or none. */
  create(rdName: string, items: ResourceCreate[], pathNode?: string): ApiCallRc[] {
    const rd = this.definition(rdName);
    const change = new Change();
    const answers: ApiCallRc[] = [];
    const seen = new Set<string>();
    const pending: Pending = { nodeIds: new Set(), portsByNode: new Map(), drbdCount: 0 };
    for (const item of items) {
      const nodeName = pathNode ?? item.resource.node_name;
      if (!nodeName) {
        throw new StorhubError('FAIL_INVLD_NODE_NAME', 'The node name of a resource to create is missing.', {
          correction: "Give 'resource.node_name' for every entry of the list.",
          objRefs: { RscDfn: rd.name },
        });
      }
      const node = this.node(nodeName);
      const nodeKey = key.node(node.name);
      const existing = this.c.graph.resource(rd.name, node.name);
      // A replica asked for where the tie-breaker is: the tie-breaker becomes that replica.
      if (existing?.flags.includes('TIE_BREAKER') && !existing.flags.includes('DELETE') && !seen.has(nodeKey)) {
        seen.add(nodeKey);
        answers.push(claimTieBreaker(this.c, change, existing, item));
        continue;
      }
      if (existing || seen.has(nodeKey)) {
        throw new StorhubError('FAIL_EXISTS_RSC', `Resource '${rd.name}' on node '${node.name}' already exists.`, {
          correction: 'Use another node, or delete the existing resource first.',
          objRefs: refs(rd.name, node.name),
        });
      }
      seen.add(nodeKey);
      const rsc = this.build(rd, node, item, pending);
      change.put('rsc', key.rsc(rd.name, node.name), rsc);
      answers.push(rc.created('RSC', what(rd.name, node.name), refs(rd.name, node.name), rsc.uuid, 'registered'));
      const locked = rsc.layer_stack.includes('LUKS') ? EncryptionService.of(this.c).lockedLuksWarning(rd.name, node.name) : undefined;
      if (locked) answers.push(locked);
    }
    answers.push(...drbdAutomatisms(this.c, rd.name, change, { op: 'CREATE' }));
    this.c.commit(change);
    return answers;
  }

  /** Validates one create entry and builds its record (nothing is written here; autoplace reuses it). */
  build(rd: ResourceDefinitionRecord, node: NodeRecord, item: ResourceCreate, pending: Pending): ResourceRecord {
    const layers = this.layerStack(rd, item);
    checkLayersSupported(this.c, node.name, rd.name, layers);
    if (layers.includes('LUKS')) EncryptionService.of(this.c).requireLuksPassphrase(rd.name, node.name);
    const flags = this.createFlags(rd, node, item, layers);
    const diskless = flags.includes('DISKLESS');

    const props: Record<string, string> = {};
    for (const [k, v] of Object.entries(item.resource.props ?? {})) {
      const nk = normaliseKey(k);
      props[nk] = validateProp('RSC', nk, v);
    }
    const givenPool = props.StorPoolName;
    if (givenPool !== undefined) this.poolOn(node, givenPool, rd.name);

    const volumes: VolumeRecord[] = rd.volume_definitions.map((vd) => {
      const poolName = diskless
        ? givenPool ?? DEFAULT_DISKLESS_POOL
        : storPoolFor(this.c.graph, rd, vd, node, props);
      const pool = this.poolOn(node, poolName, rd.name);
      checkPoolKind(pool, diskless, rd.name);
      checkProviderSupported(this.c, node.name, rd.name, pool.name, pool.provider_kind);
      return { volume_number: vd.volume_number, storage_pool_name: pool.name, props: {}, flags: [], uuid: this.c.newUuid() };
    });

    const rsc: ResourceRecord = {
      name: rd.name,
      node_name: node.name,
      props,
      flags,
      layer_stack: layers,
      volumes,
      create_timestamp: Date.now(),
      uuid: this.c.newUuid(),
    };
    if (layers.includes('DRBD')) rsc.drbd = this.drbdData(rd, node, item, pending);
    return rsc;
  }

  private layerStack(rd: ResourceDefinitionRecord, item: ResourceCreate): LayerKind[] {
    if (item.layer_list?.length) return checkLayerStack(item.layer_list).stack;
    return rd.layer_stack.length ? [...rd.layer_stack] : [...DEFAULT_LAYERS];
  }

  /** The flags of a new resource; a bare DISKLESS becomes the diskless kind of the top layer. */
  private createFlags(rd: ResourceDefinitionRecord, node: NodeRecord, item: ResourceCreate, layers: LayerKind[]): string[] {
    const given = new Set<string>(item.resource.flags ?? []);
    if (item.drbd_client) given.add('DRBD_DISKLESS');
    for (const f of given) {
      if (!CREATE_FLAGS.has(f)) {
        throw new StorhubError('FAIL_INVLD_REQUEST', `Flag '${f}' cannot be set when creating a resource.`, {
          correction: `Use only ${[...CREATE_FLAGS].join(', ')}.`,
          objRefs: refs(rd.name, node.name),
        });
      }
    }
    if (given.has('DISKLESS') && !given.has('DRBD_DISKLESS') && !given.has('NVME_INITIATOR') && !given.has('EBS_INITIATOR')) {
      if (layers.includes('DRBD')) given.add('DRBD_DISKLESS');
      else if (layers.includes('NVME')) given.add('NVME_INITIATOR');
    }
    const needs: Array<[string, LayerKind]> = [['DRBD_DISKLESS', 'DRBD'], ['NVME_INITIATOR', 'NVME']];
    for (const [flag, layer] of needs) {
      if (given.has(flag) && !layers.includes(layer)) {
        throw new StorhubError('FAIL_INVLD_LAYER_STACK', `Flag ${flag} needs the ${layer} layer, but resource '${rd.name}' on node '${node.name}' uses [${layers.join(', ')}].`, {
          correction: `Add ${layer} to the layer list, or drop the ${flag} flag.`,
          objRefs: refs(rd.name, node.name),
        });
      }
    }
    return normaliseRscFlags(given);
  }

  /** The pool on the node, or a 404 that says how to get one. */
  private poolOn(node: NodeRecord, poolName: string, rdName: string): StoragePoolRecord {
    const pool = this.c.graph.storagePool(node.name, poolName);
    if (!pool) {
      throw new StorhubError('FAIL_NOT_FOUND_STOR_POOL', `Storage pool '${poolName}' not found on node '${node.name}'.`, {
        cause: `Resource '${rdName}' on node '${node.name}' would place its volumes in storage pool '${poolName}'.`,
        correction: `Create it (storage-pool create <kind> ${node.name} ${poolName} ...), or name an existing pool of the node with the 'StorPoolName' property.`,
        objRefs: { ...refs(rdName, node.name), StorPoolName: poolName },
      });
    }
    return pool;
  }

  private drbdData(rd: ResourceDefinitionRecord, node: NodeRecord, item: ResourceCreate, pending: Pending): NonNullable<ResourceRecord['drbd']> {
    if (!rd.drbd) {
      throw new StorhubError('FAIL_INVLD_LAYER_STACK', `Resource definition '${rd.name}' has no DRBD layer, so resource '${rd.name}' on node '${node.name}' cannot use it.`, {
        correction: `Create the resource with a layer list without DRBD, or give the resource definition a DRBD layer (resource-definition modify ${rd.name} --layer-list drbd,storage).`,
      });
    }
    const peers = this.c.graph.resourcesOf(rd.name).filter((r) => r.drbd);
    const total = peers.length + pending.drbdCount + 1;
    const slots = Math.min(rd.drbd.peer_slots, ...peers.map((p) => p.drbd!.peer_slots));
    if (total - 1 > slots) {
      throw new StorhubError('FAIL_INSUFFICIENT_PEER_SLOTS', `Resource '${rd.name}' would get ${total} DRBD replicas, but it has only ${slots} peer slots.`, {
        correction: `Raise the peer slots of the resource definition (resource-definition modify ${rd.name} --peer-slots N) before adding more replicas.`,
        objRefs: refs(rd.name, node.name),
      });
    }

    let nodeId: number;
    if (item.drbd_node_id !== undefined) {
      if (pending.nodeIds.has(item.drbd_node_id) || peers.some((p) => p.drbd!.node_id === item.drbd_node_id)) {
        throw new StorhubError('FAIL_INVLD_NODE_ID', `DRBD node id ${item.drbd_node_id} is already used by another resource of '${rd.name}'.`, {
          correction: "Leave 'drbd_node_id' out to get the lowest free id, or give an unused one (0-31).",
          objRefs: refs(rd.name, node.name),
        });
      }
      nodeId = item.drbd_node_id;
      pending.nodeIds.add(nodeId);
    } else {
      nodeId = allocateNodeId(this.c.graph, rd, pending.nodeIds);
    }
    pending.drbdCount++;

    // Ports are per node: the set collects what this request already handed out on the node.
    const nodeKey = key.node(node.name);
    let reserved = pending.portsByNode.get(nodeKey);
    if (!reserved) pending.portsByNode.set(nodeKey, (reserved = new Set()));
    let ports: number[];
    if (item.drbd_tcp_ports?.length) {
      const used = new Set(this.c.graph.resourcesOn(node.name).flatMap((r) => r.drbd?.tcp_ports ?? []));
      for (const p of item.drbd_tcp_ports) {
        if (used.has(p) || reserved.has(p)) {
          throw new StorhubError('FAIL_INVLD_TCP_PORT', `TCP port ${p} is already used on node '${node.name}'.`, {
            correction: "Leave 'drbd_tcp_ports' out to get a free port, or give one that is free on that node.",
            objRefs: refs(rd.name, node.name),
          });
        }
        reserved.add(p);
      }
      ports = [...item.drbd_tcp_ports];
    } else {
      ports = [];
      for (let i = 0; i < (item.drbd_tcp_port_count ?? 1); i++) ports.push(allocateTcpPort(this.c.graph, node.name, reserved));
    }
    return { node_id: nodeId, tcp_ports: ports, peer_slots: rd.drbd.peer_slots };
  }

  modify(rdName: string, nodeName: string, body: ResourceModify): ApiCallRc[] {
    const r = this.get(rdName, nodeName);
    const result = applyPropsModify('RSC', r.props, body);
    let flags = r.flags;
    // drbd_tiebreaker=false keeps the diskless replica but stops treating it as a tie-breaker.
    if (body.drbd_tiebreaker === false) flags = flags.filter((f) => f !== 'TIE_BREAKER');
    if (body.drbd_tiebreaker === true && flags.includes('DRBD_DISKLESS')) flags = normaliseRscFlags([...flags, 'TIE_BREAKER']);
    this.c.commit(new Change().put('rsc', key.rsc(r.name, r.node_name), { ...r, props: result.props, flags }));
    return [rc.modified('RSC', what(r.name, r.node_name), refs(r.name, r.node_name), r.uuid)];
  }

  modifyVolume(rdName: string, nodeName: string, volumeNumber: number, body: VolumeModify): ApiCallRc[] {
    const r = this.get(rdName, nodeName);
    const v = this.volume(rdName, nodeName, volumeNumber);
    const result = applyPropsModify('VLM', v.props, body);
    const volumes = r.volumes.map((x) => (x === v ? { ...v, props: result.props } : x));
    this.c.commit(new Change().put('rsc', key.rsc(r.name, r.node_name), { ...r, volumes }));
    return [rc.modified('VLM', `volume '${volumeNumber}' of resource '${r.name}' on node '${r.node_name}'`,
      { ...refs(r.name, r.node_name), VlmNr: String(volumeNumber) }, v.uuid)];
  }

  /**
   * Deletes the record and its resource connections; a missing resource is a warning. The
   * tie-breaker and quorum follow in the same change; keep_tiebreaker keeps the tie-breaker.
   */
  delete(rdName: string, nodeName: string, opts: { keepTiebreaker?: boolean } = {}): ApiCallRc[] {
    const rd = this.definition(rdName);
    const node = this.node(nodeName);
    const r = this.c.graph.resource(rd.name, node.name);
    if (!r) return [rc.deleteMissing('RSC', what(rd.name, node.name), refs(rd.name, node.name))];
    if (opts.keepTiebreaker && r.flags.includes('TIE_BREAKER') && !r.flags.includes('DELETE')) return keepTieBreaker(this.c, r);
    const change = new Change();
    let answers: ApiCallRc[];
    // With its satellite connected, the record goes when the satellite confirms the devices are gone.
    if (satelliteConnected(this.c, r.node_name)) {
      answers = markForDeletion(this.c, r, change);
    } else {
      deleteResourceRecords(this.c.graph, change, r);
      answers = [rc.deleted('RSC', what(r.name, r.node_name), refs(r.name, r.node_name), r.uuid), offlineDeleteWarning(r)];
    }
    answers.push(...drbdAutomatisms(this.c, rd.name, change, { op: 'DELETE', deleted: r, keepTiebreaker: opts.keepTiebreaker }));
    this.c.commit(change);
    return answers;
  }
}

/** A diskful volume needs a pool with storage, a diskless one a DISKLESS pool. */
function checkPoolKind(pool: StoragePoolRecord, diskless: boolean, rdName: string): void {
  if (diskless === (pool.provider_kind === 'DISKLESS')) return;
  throw new StorhubError('FAIL_INVLD_STOR_DRIVER', diskless
    ? `Storage pool '${pool.name}' on node '${pool.node_name}' has storage (${pool.provider_kind}), but resource '${rdName}' there is diskless.`
    : `Storage pool '${pool.name}' on node '${pool.node_name}' is DISKLESS, but resource '${rdName}' there is diskful.`, {
    correction: diskless
      ? `Leave 'StorPoolName' out (diskless resources use ${DEFAULT_DISKLESS_POOL}) or name a DISKLESS pool.`
      : "Name a pool with storage in 'StorPoolName', or create the resource diskless (flag DRBD_DISKLESS).",
    objRefs: { RscDfn: rdName, Node: pool.node_name, StorPoolName: pool.name },
  });
}

/**
 * The storage pool of a new diskful volume (contract §5.2): StorPoolName on the resource, volume
 * definition, resource definition, resource group, node; else a pool the diskful peers use for this
 * volume that this node has too; else DfltStorPool.
 */
function storPoolFor(
  graph: Graph, rd: ResourceDefinitionRecord, vd: VolumeDefinitionRecord, node: NodeRecord, rscProps: Record<string, string>,
): string {
  const peerPools: string[] = [];
  for (const peer of graph.resourcesOf(rd.name)) {
    if (peer.flags.includes('DISKLESS')) continue;
    const pool = peer.volumes.find((v) => v.volume_number === vd.volume_number)?.storage_pool_name;
    if (pool !== undefined && graph.storagePool(node.name, pool)) peerPools.push(pool);
  }
  return resolveStorPoolName({
    resource: rscProps,
    volumeDefinition: vd.props,
    resourceDefinition: rd.props,
    resourceGroup: graph.resourceGroup(rd.resource_group_name)?.props,
    node: node.props,
  }, peerPools).value;
}
