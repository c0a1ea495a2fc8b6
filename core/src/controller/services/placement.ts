/**
 * Placement: autoplace a resource definition (also used by spawn, inside its change), and
 * make-available. The autoplacer picks the pools; the records are built by ResourceService.build,
 * the same code as a manual create, so node ids, ports and pools are allocated the same way.
 *
 * Count: `additional_place_count` > 0 adds exactly that many diskful replicas; otherwise
 * `place_count` is the total wanted and the existing diskful replicas count towards it (LINSTOR's
 * rule). A node holding a diskless replica may be chosen; its replica then gets a disk.
 */
import { type ApiCallRc, isoOffsetNow, retCode } from '../../model/apicallrc.js';
import { StorhubError } from '../../model/errors.js';
import { DEFAULT_DISKLESS_POOL, type LayerKind } from '../../model/enums.js';
import { checkLayerStack } from '../../model/layers.js';
import { normaliseRscFlags, type ResourceCreate } from '../../model/resource.js';
import type { AutoPlaceRequest, ResourceMakeAvailable } from '../../model/placement.js';
import type { AutoSelectFilterRecord, NodeRecord, ResourceDefinitionRecord, ResourceRecord } from '../../store/records.js';
import {
  clusterFromController, existingReplicas, mixingAllowed, sizeOf, weightsOf,
} from '../autoplacer/adapter.js';
import { autoplace } from '../autoplacer/autoplacer.js';
import { notEnoughNodes } from '../autoplacer/explain.js';
import type { Candidate, PlacementRequest } from '../autoplacer/types.js';
import { Change } from '../change.js';
import type { Controller } from '../controller.js';
import { key } from '../graph.js';
import { rc } from '../responses.js';
import { ToggleDiskService } from '../satellites/toggle-disk.js';
import { newPending, ResourceService } from './resources.js';
import { DISKLESS_FLAGS } from './snapshot-common.js';
import { drbdAutomatisms } from './tiebreaker.js';
import { applyFilterChanges, mergeFilters } from './select-filter.js';

const DEFAULT_LAYERS: LayerKind[] = ['DRBD', 'STORAGE'];
const HOLDERS = ['SATELLITE', 'COMBINED'];
const what = (rd: string, node: string) => `resource '${rd}' on node '${node}'`;
const refs = (rd: string, node: string) => ({ RscDfn: rd, Node: node });
/** The default total when neither request nor group sets place_count (autoplace, per the spec). */
export const DEFAULT_PLACE_COUNT = 2;

export interface PlaceOptions {
  /** Layer stack for the new resources when the request overrides the definition's. */
  layers?: LayerKind[];
  /** Total replicas when the filter has no place_count (autoplace: 2; spawn never gets here without one). */
  defaultCount?: number;
}

/** The diskless flag for a layer stack: DRBD clients, else NVMe initiators; STORAGE alone has none. */
export function disklessFlagFor(layers: readonly LayerKind[]): 'DRBD_DISKLESS' | 'NVME_INITIATOR' | undefined {
  return layers.includes('DRBD') ? 'DRBD_DISKLESS' : layers.includes('NVME') ? 'NVME_INITIATOR' : undefined;
}

export class PlacementService {
  private readonly resources: ResourceService;

  constructor(private readonly c: Controller) {
    this.resources = new ResourceService(c);
  }

  /** POST .../autoplace: the request's filter over the group's; all new replicas in one change. */
  autoplace(rdName: string, body: AutoPlaceRequest): ApiCallRc[] {
    const rd = this.resources.definition(rdName);
    const request = applyFilterChanges({}, body.select_filter);
    if (body.layer_list?.some((l) => l.trim() !== '')) request.layer_stack = checkLayerStack(body.layer_list.filter((l) => l.trim() !== '')).stack;
    if (body.diskless_on_remaining !== undefined) request.diskless_on_remaining = body.diskless_on_remaining;
    // The group's layer stack already shaped the definition; only a stack the request names overrides it.
    const layers = request.layer_stack;
    const filter = mergeFilters(request, this.c.graph.resourceGroup(rd.resource_group_name)?.select_filter ?? {});
    const change = new Change();
    const answers = this.place(rd, filter, change, { layers, defaultCount: DEFAULT_PLACE_COUNT });
    answers.push(...drbdAutomatisms(this.c, rd.name, change, { op: 'CREATE' }));
    this.c.commit(change);
    return answers;
  }

  /**
   * Chooses nodes for `rd` under `filter` and adds the records to `change` (not committed here:
   * spawn commits them together with the definition). Throws FAIL_NOT_ENOUGH_NODES when the
   * placement is impossible, so the caller's change is never committed half.
   */
  place(rd: ResourceDefinitionRecord, filter: Readonly<AutoSelectFilterRecord>, change: Change, opts: PlaceOptions = {}): ApiCallRc[] {
    const g = this.c.graph;
    const existing = existingReplicas(g, rd.name);
    const diskful = existing.filter((e) => !e.diskless);
    const count = (filter.additional_place_count ?? 0) > 0
      ? filter.additional_place_count!
      : (filter.place_count ?? opts.defaultCount ?? 0) - diskful.length;
    const usedNodes = diskful.map((e) => `'${e.node}'`).join(', ');
    if (count < 0) {
      return [rc.warn('WARN_RSC_ALREADY_DEPLOYED', 'CREATE', 'RSC',
        `The resource '${rd.name}' was already deployed on ${diskful.length} nodes: ${usedNodes}. The resource would have to be deleted from nodes to reach the placement count.`,
        { correction: `Delete replicas (resource delete <node> ${rd.name}) or ask for at least ${diskful.length}.`, obj_refs: { RscDfn: rd.name } })];
    }
    if (count === 0 && !filter.diskless_on_remaining) {
      return [rc.warn('WARN_RSC_ALREADY_DEPLOYED', 'CREATE', 'RSC', `Resource '${rd.name}' was already deployed on ${diskful.length} nodes. Skipping.`, {
        details: `Used nodes: ${usedNodes || 'none'}`, obj_refs: { RscDfn: rd.name },
      })];
    }

    const layers = opts.layers ?? (rd.layer_stack.length ? rd.layer_stack : DEFAULT_LAYERS);
    const selected = count > 0 ? this.choose(rd, filter, count, layers) : [];
    if (diskful.length + selected.length === 0) {
      throw new StorhubError('FAIL_NOT_FOUND_RSC', `Cannot place 'diskless-on-remaining' for '${rd.name}' without diskful replicas.`, {
        correction: `Place diskful replicas first (place_count, or resource create <node> ${rd.name}).`,
        objRefs: { RscDfn: rd.name },
      });
    }

    const answers: ApiCallRc[] = [];
    const pending = newPending();
    for (const cand of selected) {
      const node = g.node(cand.node.name)!;
      const current = g.resource(rd.name, node.name);
      if (cand.convert && current) {
        const rsc = withDisk(current, cand.pool.name);
        change.put('rsc', key.rsc(rd.name, node.name), rsc);
        answers.push(rc.modified('RSC', what(rd.name, node.name), refs(rd.name, node.name), rsc.uuid));
        continue;
      }
      const rsc = this.resources.build(rd, node, item(node.name, cand.pool.name, opts.layers), pending);
      change.put('rsc', key.rsc(rd.name, node.name), rsc);
      answers.push(rc.created('RSC', what(rd.name, node.name), refs(rd.name, node.name), rsc.uuid, 'registered'));
    }
    if (selected.length > 0) {
      answers.push(rc.success('CREATED', 'CREATE', 'RSC', `Resource '${rd.name}' successfully autoplaced on ${selected.length} nodes`, {
        details: `Used nodes (storage pool name): ${selected.map((s) => `'${s.node.name} (${s.pool.name})'`).join(', ')}`,
        obj_refs: { RscDfn: rd.name },
      }));
      answers.push(...uncheckedWarnings(rd.name, selected));
    }
    if (filter.diskless_on_remaining) {
      answers.push(...this.disklessOnRemaining(rd, filter, layers, new Set(selected.map((s) => key.node(s.node.name))), change, pending, opts.layers));
    }
    if (answers.length === 0) {
      answers.push(rc.warn('WARN_RSC_ALREADY_DEPLOYED', 'CREATE', 'RSC', `Resource '${rd.name}' was already deployed on ${diskful.length} nodes. Skipping.`, {
        details: `Used nodes: ${usedNodes}; every other node already has a replica or cannot take a diskless one.`, obj_refs: { RscDfn: rd.name },
      }));
    }
    return answers;
  }

  /** The autoplacer's choice of `count` new diskful replicas, or FAIL_NOT_ENOUGH_NODES. */
  private choose(rd: ResourceDefinitionRecord, filter: Readonly<AutoSelectFilterRecord>, count: number, layers: readonly LayerKind[]): Candidate[] {
    const req = this.request(rd, filter, count, layers);
    const result = autoplace(clusterFromController(this.c, { throughput: req.weights.MaxThroughput !== 0 }), req);
    if (!result.ok) throw notEnoughNodes(req, result);
    return result.selected;
  }

  private request(rd: ResourceDefinitionRecord, filter: Readonly<AutoSelectFilterRecord>, count: number, layers: readonly LayerKind[]): PlacementRequest {
    const g = this.c.graph;
    return {
      resource: rd.name,
      filter,
      count,
      sizeKib: sizeOf(rd),
      layers,
      existing: existingReplicas(g, rd.name),
      weights: weightsOf(g),
      allowMixing: mixingAllowed(g, rd),
    };
  }

  /**
   * A diskless replica on every other satellite that can take one: not being deleted or evacuated,
   * with a diskless pool (storage_pool_diskless_list, else DfltDisklessStorPool, else any) and the
   * layers of the stack if its satellite reported them. A tie-breaker there becomes a normal replica.
   */
  private disklessOnRemaining(
    rd: ResourceDefinitionRecord, filter: Readonly<AutoSelectFilterRecord>, layers: readonly LayerKind[], chosen: Set<string>,
    change: Change, pending: ReturnType<typeof newPending>, layerOverride?: LayerKind[],
  ): ApiCallRc[] {
    const g = this.c.graph;
    const flag = disklessFlagFor(layers);
    if (!flag) {
      return [note('info', `No diskless replicas of '${rd.name}' were added: the layer stack ${layers.join(', ')} has no DRBD or NVME layer.`, rd.name)];
    }
    const answers: ApiCallRc[] = [];
    const skipped: string[] = [];
    for (const node of g.nodes.values()) {
      if (chosen.has(key.node(node.name)) || !HOLDERS.includes(node.type)) continue;
      if (node.flags.some((f) => ['DELETE', 'EVICTED', 'EVACUATE'].includes(f))) continue;
      const current = g.resource(rd.name, node.name);
      if (current) {
        if (current.flags.includes('TIE_BREAKER')) {
          const plain: ResourceRecord = { ...current, flags: current.flags.filter((f) => f !== 'TIE_BREAKER') };
          change.put('rsc', key.rsc(rd.name, node.name), plain);
          answers.push(rc.modified('RSC', what(rd.name, node.name), refs(rd.name, node.name), plain.uuid));
        }
        continue;
      }
      const supported = this.c.runtime.node(node.name).resource_layers;
      const pool = disklessPoolOn(this.c, node, filter);
      if (!pool || (supported && layers.some((l) => !supported.includes(l)))) {
        skipped.push(`${node.name} (${pool ? 'layers not supported' : 'no diskless storage pool'})`);
        continue;
      }
      const rsc = this.resources.build(rd, node, item(node.name, pool, layerOverride, flag), pending);
      change.put('rsc', key.rsc(rd.name, node.name), rsc);
      answers.push(rc.created('RSC', what(rd.name, node.name), refs(rd.name, node.name), rsc.uuid, 'registered'));
    }
    if (skipped.length) {
      answers.push(note('info', `No diskless replica of '${rd.name}' on ${skipped.length} node(s): ${skipped.join(', ')}.`, rd.name));
    }
    return answers;
  }

  /** POST .../resources/{node}/make-available (200). */
  makeAvailable(rdName: string, nodeName: string, body: ResourceMakeAvailable): ApiCallRc[] {
    const rd = this.resources.definition(rdName);
    const node = this.resources.node(nodeName);
    const given = body.layer_list?.filter((l) => l.trim() !== '') ?? [];
    const layers = given.length ? checkLayerStack(given).stack : rd.layer_stack.length ? [...rd.layer_stack] : [...DEFAULT_LAYERS];
    const current = this.c.graph.resource(rd.name, node.name);
    if (current) return this.ensureAvailable(rd, current, given.length ? layers : undefined, body.diskful === true);

    const peers = this.c.graph.resourcesOf(rd.name).filter((r) => !r.flags.includes('DELETE'));
    let flag: 'DRBD_DISKLESS' | 'NVME_INITIATOR' | undefined;
    if (!body.diskful && layers.includes('DRBD') && peers.some((p) => !p.flags.includes('DRBD_DISKLESS'))) flag = 'DRBD_DISKLESS';
    else if (!body.diskful && !layers.includes('DRBD') && layers.includes('NVME') && peers.some((p) => !p.flags.includes('NVME_INITIATOR'))) flag = 'NVME_INITIATOR';

    let pool: string;
    if (flag) {
      const found = disklessPoolOn(this.c, node, this.groupFilter(rd));
      if (!found) {
        throw new StorhubError('FAIL_NOT_FOUND_STOR_POOL', `Node '${node.name}' has no diskless storage pool for a diskless replica of '${rd.name}'.`, {
          correction: `Create one (storage-pool create diskless ${node.name} ${DEFAULT_DISKLESS_POOL}), or ask for a diskful replica ("diskful": true).`,
          objRefs: refs(rd.name, node.name),
        });
      }
      pool = found;
    } else {
      pool = this.diskfulPoolOn(rd, node, layers);
    }
    const rsc = this.resources.build(rd, node, {
      ...item(node.name, pool, given.length ? layers : undefined, flag),
      ...(body.drbd_tcp_ports?.length ? { drbd_tcp_ports: body.drbd_tcp_ports } : {}),
    }, newPending());
    const change = new Change().put('rsc', key.rsc(rd.name, node.name), rsc);
    const automatisms = drbdAutomatisms(this.c, rd.name, change, { op: 'CREATE' });
    this.c.commit(change);
    return [rc.created('RSC', what(rd.name, node.name), refs(rd.name, node.name), rsc.uuid, 'registered'), ...automatisms];
  }

  /** make-available on a node that already has the resource. */
  private ensureAvailable(rd: ResourceDefinitionRecord, r: ResourceRecord, layers: LayerKind[] | undefined, diskful: boolean): ApiCallRc[] {
    if (layers && layers.join() !== r.layer_stack.join()) {
      throw new StorhubError('FAIL_INVLD_LAYER_STACK', `The layer stack of ${what(r.name, r.node_name)} (${r.layer_stack.join(', ')}) does not match the requested ${layers.join(', ')}.`, {
        correction: 'Leave the layer list out, or delete the resource and create it with the layers you need.',
        objRefs: refs(r.name, r.node_name),
      });
    }
    if (r.flags.includes('DELETE')) {
      throw new StorhubError('FAIL_IN_USE', `Resource '${r.name}' on node '${r.node_name}' is being deleted.`, {
        correction: 'Wait until the deletion finished, then make the resource available again.',
        objRefs: refs(r.name, r.node_name),
      });
    }
    if (diskful && r.flags.includes('DRBD_DISKLESS')) {
      const node = this.c.graph.node(r.node_name)!;
      const pool = this.diskfulPoolOn(rd, node, r.layer_stack);
      return new ToggleDiskService(this.c).toDiskful(r.name, r.node_name, pool);
    }
    if (r.flags.includes('TIE_BREAKER')) {
      const plain: ResourceRecord = { ...r, flags: normaliseRscFlags(r.flags.filter((f) => f !== 'TIE_BREAKER')) };
      const change = new Change().put('rsc', key.rsc(r.name, r.node_name), plain);
      const automatisms = drbdAutomatisms(this.c, r.name, change, { op: 'CREATE' });
      this.c.commit(change);
      return [rc.success('MODIFIED', 'MODIFY', 'RSC', `Tie-breaker ${what(r.name, r.node_name)} is now a regular diskless replica.`, {
        obj_refs: { ...refs(r.name, r.node_name), UUID: r.uuid },
      }), ...automatisms];
    }
    return [note('success', 'Resource already deployed as requested', r.name, r.node_name)];
  }

  /** The resource group's select filter of the definition. */
  private groupFilter(rd: ResourceDefinitionRecord): AutoSelectFilterRecord {
    return this.c.graph.resourceGroup(rd.resource_group_name)?.select_filter ?? {};
  }

  /** The pool the autoplacer picks for one diskful replica on exactly this node, or a 404 saying why none. */
  private diskfulPoolOn(rd: ResourceDefinitionRecord, node: NodeRecord, layers: readonly LayerKind[]): string {
    const filter = mergeFilters({ node_name_list: [node.name], layer_stack: [...layers] }, this.groupFilter(rd));
    const req = this.request(rd, filter, 1, layers);
    const result = autoplace(clusterFromController(this.c, { throughput: req.weights.MaxThroughput !== 0 }), req);
    if (result.ok) return result.selected[0].pool.name;
    const why = result.excluded.find((e) => e.node.toUpperCase() === node.name.toUpperCase());
    throw new StorhubError('FAIL_NOT_FOUND_STOR_POOL', `No storage pool on node '${node.name}' can take a diskful replica of '${rd.name}'.`, {
      cause: why ? `Node '${node.name}': ${why.detail}.` : result.conflict ? `The placement rules conflict: ${result.conflict}.` : undefined,
      details: notEnoughNodes(req, result).info.details,
      correction: 'Create or grow a storage pool on the node, relax the resource group\'s placement rules, or make the resource available diskless.',
      objRefs: refs(rd.name, node.name),
    });
  }
}

/** The create entry for one placed resource: its pool as StorPoolName, as LINSTOR's autoplacer sets it. */
function item(node: string, pool: string, layers?: LayerKind[], flag?: string): ResourceCreate {
  return {
    resource: { node_name: node, props: { StorPoolName: pool }, ...(flag ? { flags: [flag as 'DRBD_DISKLESS'] } : {}) },
    ...(layers ? { layer_list: [...layers] } : {}),
  };
}

/** A diskless replica turned diskful in `pool` (the record part of toggle-disk). */
function withDisk(r: ResourceRecord, pool: string): ResourceRecord {
  return {
    ...r,
    flags: r.flags.filter((f) => !DISKLESS_FLAGS.has(f)),
    volumes: r.volumes.map((v) => ({ ...v, storage_pool_name: pool })),
    props: { ...r.props, StorPoolName: pool },
  };
}

/** The node's diskless pool: the first of storage_pool_diskless_list it has, else the default, else any. */
export function disklessPoolOn(c: Controller, node: NodeRecord, filter: Readonly<AutoSelectFilterRecord>): string | undefined {
  const pools = c.graph.poolsOf(node.name).filter((p) => p.provider_kind === 'DISKLESS');
  const wanted = filter.storage_pool_diskless_list;
  if (wanted?.length) return wanted.map((w) => pools.find((p) => p.name.toUpperCase() === w.toUpperCase())?.name).find((p) => p !== undefined);
  return (pools.find((p) => p.name.toUpperCase() === DEFAULT_DISKLESS_POOL.toUpperCase()) ?? pools[0])?.name;
}

/** A warning for every replica placed in a pool whose capacity was not reported yet. */
function uncheckedWarnings(rd: string, selected: readonly Candidate[]): ApiCallRc[] {
  return selected.filter((s) => s.unchecked).map((s) => ({
    ret_code: retCode('warn', 0, 'CREATE', 'RSC'),
    message: `Storage pool '${s.pool.name}' on node '${s.node.name}' has not reported its capacity yet; resource '${rd}' was placed there without a space check.`,
    details: 'Pools with a known capacity could not hold all replicas. The satellite reports an error on the resource if the space runs out.',
    obj_refs: refs(rd, s.node.name),
    created_at: isoOffsetNow(),
  }));
}

/** An entry without a specific code (LINSTOR answers some notes with bare MASK_SUCCESS / MASK_INFO). */
function note(severity: 'success' | 'info', message: string, rd: string, node?: string): ApiCallRc {
  return {
    ret_code: retCode(severity, 0, 'CREATE', 'RSC'),
    message,
    obj_refs: node ? refs(rd, node) : { RscDfn: rd },
    created_at: isoOffsetNow(),
  };
}
