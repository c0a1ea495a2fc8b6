/**
 * Node operations that move data: evacuate (PUT /v1/nodes/{node}/evacuate), restore, the eviction the
 * auto-evict task performs, and toggle-disk with migrate_from. Every move places the replacement
 * first and retires the old replica after (replica-moves.ts), so redundancy never drops; a replica
 * that cannot be replaced stays where it is, with a warning that says why.
 *
 * Only DRBD replicas are moved: without DRBD nothing copies the data, so a "replacement" would be an
 * empty volume and deleting the old one would lose the data (LINSTOR's evacuate moves DRBD
 * resources only, too). Diskless replicas hold no data; they are removed, and the tie-breaker is
 * re-created elsewhere by the automatism that follows every change.
 */
import { type ApiCallRc, Code, isoOffsetNow, retCode } from '../../model/apicallrc.js';
import { StorhubError } from '../../model/errors.js';
import { checkName } from '../../model/names.js';
import type { AutoSelectFilterRecord, NodeRecord, ResourceRecord } from '../../store/records.js';
import { Change } from '../change.js';
import type { Controller } from '../controller.js';
import { key } from '../graph.js';
import { rc } from '../responses.js';
import { ToggleDiskService } from '../satellites/toggle-disk.js';
import { NodeService } from './nodes.js';
import { countsForQuorum, rdLevelProp } from './quorum.js';
import { deleteNow, placeReplacement, retireReplica } from './replica-moves.js';
import { ResourceService } from './resources.js';
import { drbdAutomatisms, drbdAutomatismsFor } from './tiebreaker.js';

const nodeRefs = (name: string) => ({ Node: name });
const rscRefs = (r: ResourceRecord) => ({ RscDfn: r.name, Node: r.node_name });
const HOLDERS = ['SATELLITE', 'COMBINED'];

export interface EvacuateOptions {
  /** Nodes the replacements may go to (all others are excluded). */
  target?: readonly string[];
  /** Nodes the replacements must not go to. */
  doNotTarget?: readonly string[];
}

export interface RestoreOptions {
  deleteResources?: boolean;
  deleteSnapshots?: boolean;
}

/** What a relocation is for: evacuate always replaces; evict replaces only below the minimum replica count. */
type Mode = 'evacuate' | 'evict';

export class NodeOperationsService {
  constructor(private readonly c: Controller) {}

  /** Marks the node EVACUATE and moves every replica off it, as far as replacements exist. */
  evacuate(nodeName: string, opts: EvacuateOptions = {}): ApiCallRc[] {
    const node = new NodeService(this.c).get(nodeName);
    const restrict = this.restriction(node, opts);
    if (!node.flags.includes('EVACUATE')) {
      this.c.commit(new Change().put('node', key.node(node.name), { ...node, flags: [...node.flags, 'EVACUATE'] }));
    }
    const answers: ApiCallRc[] = [rc.success('MODIFIED', 'MODIFY', 'NODE',
      `Node '${node.name}' is being evacuated: it takes no new resources, and its resources move to other nodes.`, {
        details: 'Each DRBD replica gets a replacement first; the old one is deleted when the replacement is in sync.',
        obj_refs: { ...nodeRefs(node.name), UUID: node.uuid },
      })];
    for (const r of this.c.graph.resourcesOn(node.name)) answers.push(...this.relocate(r, restrict, 'evacuate'));
    return answers;
  }

  /**
   * Marks an offline node EVICTED (the auto-evict task decides when) and moves its DRBD replicas as
   * far as the minimum replica count requires; see `relocateEvicted` for the retries.
   */
  evict(nodeName: string): ApiCallRc[] {
    const node = new NodeService(this.c).get(nodeName);
    if (!node.flags.includes('EVICTED')) {
      this.c.commit(new Change().put('node', key.node(node.name), { ...node, flags: [...node.flags, 'EVICTED'] }));
    }
    return [
      rc.warn('WARN_NODE_EVICTED', 'MODIFY', 'NODE', `Node '${node.name}' was offline too long and is evicted.`, {
        correction: `Bring the node back and run 'node restore ${node.name}', or forget it with 'node lost ${node.name}'.`,
        obj_refs: nodeRefs(node.name),
      }),
      ...this.relocateEvicted(node.name),
    ];
  }

  /** Moves the DRBD replicas still on an evicted node (again: a failed placement is retried later). */
  relocateEvicted(nodeName: string): ApiCallRc[] {
    const out: ApiCallRc[] = [];
    for (const r of this.c.graph.resourcesOn(nodeName)) {
      if (r.layer_stack.includes('DRBD')) out.push(...this.relocate(r, {}, 'evict'));
    }
    return out;
  }

  /** Clears EVACUATE / EVICTED: the node takes resources again. Moved replicas do not come back. */
  restore(nodeName: string, opts: RestoreOptions = {}): ApiCallRc[] {
    const node = new NodeService(this.c).get(nodeName);
    const flags = node.flags.filter((f) => f !== 'EVACUATE' && f !== 'EVICTED');
    if (flags.length === node.flags.length) {
      return [rc.warn('WARN_NOT_EVACUATING', 'MODIFY', 'NODE', `Node '${node.name}' is neither evacuating nor evicted; nothing to restore.`, {
        obj_refs: nodeRefs(node.name),
      })];
    }
    const change = new Change().put('node', key.node(node.name), { ...node, flags });
    const answers: ApiCallRc[] = [rc.success('MODIFIED', 'MODIFY', 'NODE', `Node '${node.name}' restored: it takes resources again.`, {
      details: 'Replicas already moved to other nodes stay there; moves still waiting for their sync finish.',
      obj_refs: { ...nodeRefs(node.name), UUID: node.uuid },
    })];
    if (opts.deleteResources) {
      const rsc = this.c.graph.resourcesOn(node.name).filter((r) => !r.flags.includes('DELETE'));
      for (const r of rsc) answers.push(...deleteNow(this.c, r, change));
      answers.push(...drbdAutomatismsFor(this.c, rsc.map((r) => r.name), change, 'MODIFY'));
    }
    if (opts.deleteSnapshots) answers.push(...this.dropSnapshots(node.name, change));
    this.c.commit(change);
    return answers;
  }

  /**
   * toggle-disk with migrate_from: the replica on `targetNode` gets a disk first; the one on
   * `sourceNode` is deleted once the target is in sync (at once when its node is not connected).
   */
  migrateDisk(rdName: string, targetNode: string, sourceNode: string, pool?: string, layers?: readonly string[]): ApiCallRc[] {
    const rd = new ResourceService(this.c).definition(rdName);
    const source = this.c.graph.resource(rd.name, sourceNode);
    if (!source) {
      throw new StorhubError('FAIL_NOT_FOUND_RSC', `Resource '${rd.name}' on node '${sourceNode}' (migrate_from) not found.`, {
        correction: `Name the node that holds the disk to move away from (resource list -r ${rd.name}).`,
        objRefs: { RscDfn: rd.name, Node: sourceNode },
      });
    }
    if (key.node(source.node_name) === key.node(targetNode)) {
      throw new StorhubError('FAIL_INVLD_REQUEST', `migrate_from names the target node '${targetNode}' itself.`, {
        correction: 'Give the node the disk moves away from; it must differ from the node that gets the disk.',
        objRefs: rscRefs(source),
      });
    }
    if (source.flags.includes('DISKLESS') || source.flags.includes('DELETE') || source.flags.includes('EVACUATE')) {
      throw new StorhubError('FAIL_INVLD_REQUEST', `Resource '${rd.name}' on node '${source.node_name}' has no disk to migrate (flags: ${source.flags.join(', ') || 'none'}).`, {
        correction: 'migrate_from must name a diskful replica that is not being deleted or moved already.',
        objRefs: rscRefs(source),
      });
    }
    if (!source.layer_stack.includes('DRBD')) {
      throw new StorhubError('FAIL_INVLD_LAYER_STACK', `Resource '${rd.name}' uses ${source.layer_stack.join(', ')}: without DRBD nothing copies the data to '${targetNode}'.`, {
        correction: 'Copy the data yourself, or use a layer stack with DRBD.',
        objRefs: rscRefs(source),
      });
    }
    const change = new Change();
    const { before, pool: into } = new ToggleDiskService(this.c).diskfulInto(change, rd.name, targetNode, pool, layers);
    const answers: ApiCallRc[] = [rc.success('MODIFIED', 'MODIFY', 'RSC',
      `Resource '${rd.name}' on node '${before.node_name}' toggled to diskful (storage pool '${into}').`, {
        obj_refs: { RscDfn: rd.name, Node: before.node_name, UUID: before.uuid },
      })];
    answers.push(...retireReplica(this.c, source, change, before.node_name));
    answers.push(...drbdAutomatisms(this.c, rd.name, change, { op: 'MODIFY' }));
    this.c.commit(change);
    return answers;
  }

  /** Moves one replica off its node in its own change (its replacement, the retirement, the automatisms). */
  private relocate(r: ResourceRecord, restrict: Partial<AutoSelectFilterRecord> | null, mode: Mode): ApiCallRc[] {
    // Already on its way out.
    if (r.flags.includes('DELETE') || r.flags.includes('EVACUATE')) return [];
    if (!r.layer_stack.includes('DRBD')) {
      return [warn(0, r, `Resource '${r.name}' on node '${r.node_name}' has no DRBD layer: nothing can copy its data to another node, so it stays.`,
        `Copy the data yourself, then delete it (resource delete ${r.node_name} ${r.name}).`)];
    }
    const change = new Change();
    const answers: ApiCallRc[] = [];
    if (r.flags.includes('DISKLESS')) {
      if (mode === 'evacuate' && this.c.runtime.resource?.(r.name, r.node_name).in_use) {
        return [warn(Code.FAIL_IN_USE, r, `Diskless resource '${r.name}' on node '${r.node_name}' is in use, so it stays.`,
          `Stop using it there (e.g. migrate the VM), then run 'node evacuate ${r.node_name}' again.`)];
      }
      answers.push(...deleteNow(this.c, r, change));
    } else if (mode === 'evict' && this.enoughWithout(r)) {
      answers.push(...deleteNow(this.c, r, change));
    } else {
      const rep = restrict === null
        ? { ok: false as const, error: new StorhubError('FAIL_NOT_ENOUGH_NODES', 'target and do_not_target leave no node to move to.') }
        : placeReplacement(this.c, r, change, restrict);
      if (!rep.ok) {
        return [warn(Code.FAIL_NOT_ENOUGH_NODES, r, `No replacement for resource '${r.name}' on node '${r.node_name}' was found, so it stays.`,
          mode === 'evacuate'
            ? `Add a node or storage that the resource group's placement rules allow, then run 'node evacuate ${r.node_name}' again.`
            : 'The controller tries again when it evaluates the evicted node next.',
          rep.error.message)];
      }
      answers.push(...rep.answers, ...retireReplica(this.c, r, change, rep.nodes[0]));
    }
    answers.push(...drbdAutomatisms(this.c, r.name, change, { op: 'MODIFY' }));
    this.c.commit(change);
    return answers;
  }

  /**
   * Eviction needs no replacement while the other diskful replicas reach DrbdOptions/AutoEvictMinReplicaCount
   * (definition -> group -> controller; else the group's place_count, else 2).
   */
  private enoughWithout(r: ResourceRecord): boolean {
    const g = this.c.graph;
    const rd = g.resourceDefinition(r.name);
    if (!rd) return true;
    const set = Number(rdLevelProp(this.c, rd, 'DrbdOptions/AutoEvictMinReplicaCount'));
    const min = Number.isInteger(set) && set > 0 ? set : g.resourceGroup(rd.resource_group_name)?.select_filter.place_count ?? 2;
    const others = g.resourcesOf(r.name).filter((p) => key.node(p.node_name) !== key.node(r.node_name)
      && !p.flags.includes('DISKLESS') && countsForQuorum(p)
      && !g.node(p.node_name)?.flags.some((f) => f === 'EVICTED' || f === 'EVACUATE'));
    return others.length >= min;
  }

  /** evacuate's target / do_not_target as a node list for the autoplacer; null when they leave no node. */
  private restriction(node: NodeRecord, opts: EvacuateOptions): Partial<AutoSelectFilterRecord> | null {
    const target = (opts.target ?? []).map((s) => s.trim()).filter(Boolean);
    const avoid = new Set((opts.doNotTarget ?? []).map((s) => s.trim()).filter(Boolean).map((n) => key.node(checkName('node', n))));
    if (target.length === 0 && avoid.size === 0) return {};
    const nodes = new NodeService(this.c);
    let names = target.length
      ? target.map((t) => nodes.get(checkName('node', t)).name)
      : this.c.graph.nodes.values().filter((n) => HOLDERS.includes(n.type)).map((n) => n.name);
    names = names.filter((n) => !avoid.has(key.node(n)) && key.node(n) !== key.node(node.name));
    return names.length ? { node_name_list: names } : null;
  }

  /** delete_snapshots of restore: the node's part of every snapshot goes (a snapshot left on no node goes too). */
  private dropSnapshots(nodeName: string, change: Change): ApiCallRc[] {
    const out: ApiCallRc[] = [];
    for (const s of this.c.graph.snapshots.values()) {
      if (!s.nodes.some((n) => key.node(n) === key.node(nodeName))) continue;
      const nodes = s.nodes.filter((n) => key.node(n) !== key.node(nodeName));
      const k = key.snapshot(s.resource_name, s.name);
      if (nodes.length) change.put('snapshot', k, { ...s, nodes });
      else change.delete('snapshot', k);
      out.push(rc.deleted('SNAPSHOT', `snapshot '${s.name}' of resource '${s.resource_name}' on node '${nodeName}'`,
        { RscDfn: s.resource_name, Snapshot: s.name, Node: nodeName }));
    }
    return out;
  }
}

/** A warning about one replica that stays; `code` 0 when LINSTOR has no specific one. */
function warn(code: number, r: ResourceRecord, message: string, correction: string, cause?: string): ApiCallRc {
  return {
    ret_code: retCode('warn', code, 'MODIFY', 'RSC'),
    message,
    ...(cause ? { cause } : {}),
    correction,
    obj_refs: rscRefs(r),
    created_at: isoOffsetNow(),
  };
}
