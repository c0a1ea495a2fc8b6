/**
 * Snapshots: create (on every diskful resource of a definition, or on the nodes given), multi-snapshot
 * (several definitions in one change), delete (everywhere or on some nodes), rollback (to the latest
 * snapshot only, never while in use).
 *
 * These calls change records only. The satellites act on the desired state (the snapshots each
 * resource must have, a pending rollback), and what they report back is folded into the records by
 * satellites/snapshot-sync.ts: a snapshot turns SUCCESSFUL once every node created it, a deletion on a
 * connected node completes once its satellite no longer lists it, a rollback once it was applied.
 */
import type { ApiCallRc } from '../../model/apicallrc.js';
import { StorhubError } from '../../model/errors.js';
import { checkName } from '../../model/names.js';
import { SNAPSHOT_PROVIDERS } from '../../model/enums.js';
import type { CreateMultiSnapshot, SnapshotCreate } from '../../model/snapshot.js';
import type { PropsModify } from '../../model/lenient.js';
import { applyPropsModify } from '../../props/modify.js';
import type { ResourceDefinitionRecord, ResourceRecord, SnapshotNodeRecord, SnapshotRecord } from '../../store/records.js';
import { Change } from '../change.js';
import type { Controller } from '../controller.js';
import { key } from '../graph.js';
import { rc } from '../responses.js';
import { satelliteConnected } from '../satellites/deletion.js';
import {
  compareSnapshots, findSnapshot, isDeletingRsc, isDiskless, isLegacy, isLiveOn, isSuccessful, listing, nextSequenceNumber,
  nodeEntries, requireConnected, requireRd, requireSnapshot, snapDfnWhat, snapRefs, snapWhat,
} from './snapshot-common.js';

export interface SnapshotServiceOptions {
  /** The clock for timestamps and rollback request ids (tests inject one). */
  now?: () => number;
}

/** What one snapshot of a request needs; several of them share one change (multi-snapshot). */
interface PlanInput {
  rd: string;
  name: string | undefined;
  nodes: readonly string[];
  props: Record<string, string>;
  flags?: string[];
}

/** Names and sequence numbers handed out within one change, per resource definition key. */
type Reserved = Map<string, { names: Set<string>; seq: number }>;

export class SnapshotService {
  private readonly now: () => number;

  constructor(private readonly c: Controller, opts: SnapshotServiceOptions = {}) {
    this.now = opts.now ?? Date.now;
  }

  create(rdName: string, body: SnapshotCreate): ApiCallRc[] {
    const change = new Change();
    const answer = this.plan(change, new Map(), {
      rd: rdName, name: body.name, nodes: body.nodes ?? [], props: { ...body.props, ...body.snapshot_definition_props },
    });
    this.c.commit(change);
    return [answer];
  }

  /** One snapshot per entry, all validated before any is written. */
  createMulti(body: CreateMultiSnapshot): ApiCallRc[] {
    const entries = body.snapshots ?? [];
    if (entries.length === 0) {
      throw new StorhubError('FAIL_INVLD_REQUEST', 'The multi-snapshot request lists no snapshots.', {
        correction: "Give 'snapshots': [{\"resource_name\": ..., \"name\": ...}, ...].",
      });
    }
    const change = new Change();
    const reserved: Reserved = new Map();
    const answers = entries.map((e) => {
      if (!e.resource_name) {
        throw new StorhubError('FAIL_INVLD_RSC_NAME', `Snapshot '${e.name ?? ''}' of the multi-snapshot request names no resource.`, {
          correction: "Give 'resource_name' in every entry of 'snapshots'.",
        });
      }
      return this.plan(change, reserved, {
        rd: e.resource_name, name: e.name, nodes: e.nodes ?? [], props: { ...e.props, ...e.snapshot_definition_props },
      });
    });
    this.c.commit(change);
    return answers;
  }

  /** An auto snapshot: flagged AUTO_SNAPSHOT; the definition's next auto id is stored with it. */
  createAuto(rd: ResourceDefinitionRecord, name: string, nextAutoId: number): ApiCallRc[] {
    const change = new Change();
    const answer = this.plan(change, new Map(), { rd: rd.name, name, nodes: [], props: {}, flags: ['AUTO_SNAPSHOT'] });
    change.put('rd', key.rd(rd.name), { ...rd, props: { ...rd.props, 'AutoSnapshot/NextAutoId': String(nextAutoId) } });
    this.c.commit(change);
    return [answer];
  }

  /** Validates one snapshot and adds its record to `change`; returns its "registered" answer. */
  private plan(change: Change, reserved: Reserved, input: PlanInput): ApiCallRc {
    const g = this.c.graph;
    const rd = requireRd(this.c, input.rd);
    const name = checkName('snapshot', input.name);
    const rdKey = key.rd(rd.name);
    let res = reserved.get(rdKey);
    if (!res) reserved.set(rdKey, (res = { names: new Set(), seq: nextSequenceNumber(g, rd.name) }));
    if (findSnapshot(g, rd.name, name) || res.names.has(name.toUpperCase())) {
      throw new StorhubError('FAIL_EXISTS_SNAPSHOT_DFN', `A snapshot definition with the name '${name}' already exists in resource definition '${rd.name}'.`, {
        correction: `Use another snapshot name, or delete the existing one first (snapshot delete ${rd.name} ${name}).`,
        objRefs: snapRefs(rd.name, name),
      });
    }
    const resources = this.sources(rd, input.nodes, name);
    for (const r of resources) this.checkSnapshotCapable(rd, r);
    requireConnected(this.c, resources.map((r) => r.node_name), `Creating ${snapWhat(rd.name, name)}`, snapRefs(rd.name, name));

    const now = this.now();
    const record: SnapshotRecord = {
      name,
      resource_name: rd.name,
      nodes: resources.map((r) => r.node_name),
      flags: [...(input.flags ?? [])],
      props: input.props,
      volume_definitions: rd.volume_definitions.map((vd) => ({
        volume_number: vd.volume_number, size_kib: vd.size_kib, props: { ...vd.props }, flags: [...vd.flags],
      })),
      create_timestamp: now,
      uuid: this.c.newUuid(),
      node_snapshots: resources.map((r): SnapshotNodeRecord => ({
        node_name: r.node_name,
        flags: [],
        create_timestamp: now,
        uuid: this.c.newUuid(),
        layer_stack: [...r.layer_stack],
        ...(r.drbd ? { drbd_node_id: r.drbd.node_id } : {}),
        resource_props: { ...r.props },
        volumes: r.volumes.map((v) => ({ volume_number: v.volume_number, storage_pool_name: v.storage_pool_name, uuid: this.c.newUuid() })),
      })),
      resource_definition_props: { ...rd.props },
      sequence_number: res.seq++,
    };
    res.names.add(name.toUpperCase());
    change.put('snapshot', key.snapshot(rd.name, name), record);
    const where = input.nodes.length ? ` on nodes '${record.nodes.join(', ')}'` : '';
    return rc.created('SNAPSHOT', `${snapWhat(rd.name, name)}${where}`, snapRefs(rd.name, name), record.uuid, 'registered');
  }

  /** The resources to snapshot: the named nodes' (diskful only), or every diskful one. */
  private sources(rd: ResourceDefinitionRecord, nodes: readonly string[], snap: string): ResourceRecord[] {
    const g = this.c.graph;
    if (nodes.length === 0) {
      const all = g.resourcesOf(rd.name).filter((r) => !isDiskless(r) && !isDeletingRsc(r, rd));
      if (all.length === 0) {
        throw new StorhubError('FAIL_NOT_FOUND_RSC', `No resources found for snapshotting: resource definition '${rd.name}' has no diskful resource.`, {
          correction: `Place the resource first (resource create <node> ${rd.name}, or resource-definition autoplace ${rd.name}).`,
          objRefs: snapRefs(rd.name, snap),
        });
      }
      return all;
    }
    const out = new Map<string, ResourceRecord>();
    for (const n of nodes) {
      const node = g.node(n);
      if (!node) {
        throw new StorhubError('FAIL_NOT_FOUND_NODE', `Node '${n}' not found.`, { objRefs: { ...snapRefs(rd.name, snap), Node: n } });
      }
      const r = g.resource(rd.name, node.name);
      if (!r || isDeletingRsc(r, rd)) {
        throw new StorhubError('FAIL_NOT_FOUND_RSC', `Resource '${rd.name}' on node '${node.name}' not found.`, {
          correction: `Leave node '${node.name}' out: only nodes with a diskful resource of '${rd.name}' can hold its snapshots.`,
          objRefs: { ...snapRefs(rd.name, snap), Node: node.name },
        });
      }
      if (isDiskless(r)) {
        throw new StorhubError('FAIL_SNAPSHOTS_NOT_SUPPORTED', `Cannot create snapshot from diskless resource on node '${node.name}'.`, {
          correction: `Leave node '${node.name}' out: a diskless resource has no storage to snapshot.`,
          objRefs: { ...snapRefs(rd.name, snap), Node: node.name },
        });
      }
      out.set(key.node(node.name), r);
    }
    return [...out.values()];
  }

  /** Every pool the resource's volumes use must be able to snapshot (static trait SupportsSnapshots). */
  private checkSnapshotCapable(rd: ResourceDefinitionRecord, r: ResourceRecord): void {
    for (const v of r.volumes) {
      const pool = this.c.graph.storagePool(r.node_name, v.storage_pool_name);
      const kind = pool?.provider_kind ?? 'unknown';
      if (pool && SNAPSHOT_PROVIDERS.has(pool.provider_kind)) continue;
      throw new StorhubError('FAIL_SNAPSHOTS_NOT_SUPPORTED',
        `Storage driver '${kind}' does not support snapshots: volume ${v.volume_number} of resource '${rd.name}' on node '${r.node_name}' lives in storage pool '${v.storage_pool_name}'.`, {
          details: `Used for storage pool '${v.storage_pool_name}' on '${r.node_name}'.`,
          correction: `Snapshots need pools of kind ${[...SNAPSHOT_PROVIDERS].join(', ')}. Leave node '${r.node_name}' out ('nodes'), or move the resource to such a pool.`,
          objRefs: { RscDfn: rd.name, Node: r.node_name, StorPoolName: v.storage_pool_name },
        });
    }
  }

  /**
   * PUT .../snapshots/{snap}: the snapshot definition's own props. No whitelist applies (LINSTOR has
   * none for snapshot definitions); clients keep Aux/ data there.
   */
  modify(rdName: string, snapName: string, body: PropsModify): ApiCallRc[] {
    const rd = requireRd(this.c, rdName);
    const s = requireSnapshot(this.c, rd, snapName);
    const props = applyPropsModify('RSC_DFN', s.props, body, { anyKey: true }).props;
    this.c.commit(new Change().put('snapshot', key.snapshot(rd.name, s.name), { ...s, props }));
    return [rc.modified('SNAPSHOT', snapDfnWhat(rd.name, s.name), snapRefs(rd.name, s.name), s.uuid)];
  }

  /**
   * Deletes the snapshot everywhere or on `nodes`. On a node whose satellite is connected it is only
   * marked DELETE (the satellite removes it and its report completes the deletion); elsewhere it goes
   * at once (a reconnecting satellite removes snapshots its full state no longer lists).
   */
  delete(rdName: string, snapName: string, nodes: readonly string[]): ApiCallRc[] {
    const g = this.c.graph;
    const rd = requireRd(this.c, rdName);
    const s = findSnapshot(g, rd.name, snapName);
    if (!s) return [rc.deleteMissing('SNAPSHOT', snapDfnWhat(rd.name, snapName), snapRefs(rd.name, snapName))];
    const refs = snapRefs(rd.name, s.name);
    const entries = nodeEntries(s);
    const wanted = new Set(nodes.map((n) => n.toUpperCase()));
    const answers: ApiCallRc[] = [];
    for (const n of nodes) {
      if (entries.some((e) => e.node_name.toUpperCase() === n.toUpperCase())) continue;
      answers.push(rc.warn('WARN_NOT_FOUND', 'DELETE', 'SNAPSHOT', `${capital(snapWhat(rd.name, s.name))} not found on node '${n}'.`, {
        details: `Nodes holding it: ${s.nodes.join(', ') || 'none'}.`, obj_refs: { ...refs, Node: n },
      }));
    }
    const targets = entries.filter((e) => wanted.size === 0 || wanted.has(e.node_name.toUpperCase()));
    if (targets.length === 0) return answers;
    this.refuseWhileRestoring(s, targets.map((e) => e.node_name));

    const kept: SnapshotNodeRecord[] = [];
    const marked: string[] = [];
    const removed: string[] = [];
    for (const e of entries) {
      if (!targets.includes(e)) {
        kept.push(e);
        continue;
      }
      const r = g.resource(rd.name, e.node_name);
      // Only a satellite that holds the resource can confirm the removal; without one the record goes now.
      if (!isLegacy(s) && r && !isDeletingRsc(r, rd) && satelliteConnected(this.c, e.node_name)) {
        kept.push(e.flags.includes('DELETE') ? e : { ...e, flags: [...e.flags, 'DELETE'] });
        marked.push(e.node_name);
      } else {
        removed.push(e.node_name);
      }
    }
    const change = new Change();
    if (kept.length === 0) {
      change.delete('snapshot', key.snapshot(rd.name, s.name));
      this.c.commit(change);
      return [...answers, rc.deleted('SNAPSHOT', snapDfnWhat(rd.name, s.name), refs, s.uuid)];
    }
    const allGoing = kept.every((e) => e.flags.includes('DELETE'));
    const next: SnapshotRecord = {
      ...s,
      nodes: kept.map((e) => e.node_name),
      flags: allGoing && !s.flags.includes('DELETE') ? [...s.flags, 'DELETE'] : s.flags,
      ...(isLegacy(s) ? {} : { node_snapshots: kept }),
    };
    change.put('snapshot', key.snapshot(rd.name, s.name), next);
    this.c.commit(change);
    if (removed.length) {
      answers.push(rc.deleted('SNAPSHOT', `${snapWhat(rd.name, s.name)} on ${plural('node', removed)} '${removed.join(', ')}'`, refs, s.uuid));
    }
    if (marked.length) {
      answers.push(rc.success('DELETED', 'DELETE', 'SNAPSHOT',
        `${capital(snapWhat(rd.name, s.name))} on ${plural('node', marked)} '${marked.join(', ')}' marked for deletion.`, {
          details: `The satellites of ${listing(marked)} remove it; until they confirm, the snapshot is listed as DELETING.`,
          obj_refs: { ...refs, UUID: s.uuid },
        }));
    }
    return answers;
  }

  /** A resource still being restored from the snapshot on that node needs it until its volumes exist. */
  private refuseWhileRestoring(s: SnapshotRecord, nodes: readonly string[]): void {
    const g = this.c.graph;
    for (const n of nodes) {
      for (const r of g.resourcesOn(n)) {
        const src = r.source;
        if (!src?.snapshot || src.resource.toUpperCase() !== s.resource_name.toUpperCase() || src.snapshot.toUpperCase() !== s.name.toUpperCase()) continue;
        throw new StorhubError('FAIL_IN_USE', `${capital(snapWhat(s.resource_name, s.name))} on node '${r.node_name}' is still being restored to resource '${r.name}'.`, {
          correction: `Wait until resource '${r.name}' on '${r.node_name}' lists its volumes (the restore is done), then delete the snapshot.`,
          objRefs: { ...snapRefs(s.resource_name, s.name), Node: r.node_name },
        });
      }
    }
  }

  /**
   * Rolls every diskful resource of the definition back to the snapshot: only the latest snapshot,
   * only a successful one that exists on every diskful node, only with every satellite connected and
   * no resource in use. The satellites apply the request; their reports clear it.
   */
  rollback(rdName: string, snapName: string): ApiCallRc[] {
    const g = this.c.graph;
    const rd = requireRd(this.c, rdName);
    const s = requireSnapshot(this.c, rd, snapName);
    const refs = snapRefs(rd.name, s.name);
    if (s.flags.includes('DELETE')) {
      throw new StorhubError('FAIL_NOT_FOUND_SNAPSHOT_DFN', `${capital(snapWhat(rd.name, s.name))} is being deleted.`, { objRefs: refs });
    }
    const newer = g.snapshotsOf(rd.name).filter((o) => o !== s && !o.flags.includes('DELETE') && compareSnapshots(o, s) > 0)
      .sort(compareSnapshots).map((o) => o.name);
    if (newer.length) {
      throw new StorhubError('FAIL_EXISTS_SNAPSHOT_DFN',
        `Rollback is only allowed with the most recent snapshot: ${plural('snapshot', newer)} ${newer.map((n) => `'${n}'`).join(', ')} of resource '${rd.name}' ${newer.length === 1 ? 'is' : 'are'} newer than '${s.name}'.`, {
          correction: `Delete the newer snapshots first (${newer.map((n) => `snapshot delete ${rd.name} ${n}`).join('; ')}), then roll back to '${s.name}'.`,
          objRefs: refs,
        });
    }
    if (!isSuccessful(s)) {
      throw new StorhubError('FAIL_UNKNOWN_ERROR', `Unable to roll back to ${snapWhat(rd.name, s.name)}: it was not created successfully on every node (flags: ${s.flags.join(', ') || 'none'}).`, {
        correction: "Wait until 'snapshot list' shows it Successful; a failed snapshot cannot be rolled back to (delete it).",
        objRefs: refs,
      });
    }
    const all = g.resourcesOf(rd.name).filter((r) => !isDeletingRsc(r, rd));
    const diskful = all.filter((r) => !isDiskless(r));
    if (diskful.length === 0) {
      throw new StorhubError('FAIL_NOT_FOUND_RSC', `Resource definition '${rd.name}' has no diskful resource to roll back.`, { objRefs: refs });
    }
    const missing = diskful.filter((r) => !isLiveOn(s, r.node_name)).map((r) => r.node_name);
    if (missing.length) {
      throw new StorhubError('FAIL_NOT_FOUND_SNAPSHOT', `${capital(snapWhat(rd.name, s.name))} does not exist on ${plural('node', missing)} ${missing.map((n) => `'${n}'`).join(', ')}, so the resource there cannot be rolled back.`, {
        correction: `Delete the resource on ${listing(missing)} (it resyncs from a rolled-back peer when placed again), then roll back.`,
        objRefs: refs,
      });
    }
    requireConnected(this.c, all.map((r) => r.node_name), `Rolling back to ${snapWhat(rd.name, s.name)}`, refs);
    const inUse = all.filter((r) => this.c.runtime.resource?.(rd.name, r.node_name)?.in_use === true).map((r) => r.node_name);
    if (inUse.length) {
      throw new StorhubError('FAIL_IN_USE', `Resource '${rd.name}' on ${plural('node', inUse)} ${inUse.map((n) => `'${n}'`).join(', ')} is still in use.`, {
        cause: 'Resource is mounted/in use.',
        correction: `Un-mount resource '${rd.name}' (stop what uses it) on ${listing(inUse)}, then roll back.`,
        objRefs: refs,
      });
    }
    // Newer than any id the satellites applied, also for a resource re-created under the same name.
    const requestId = Math.max(this.now(), ...diskful.map((r) => (r.rollback?.request_id ?? 0) + 1));
    const change = new Change();
    for (const r of diskful) {
      change.put('rsc', key.rsc(r.name, r.node_name), { ...r, rollback: { snapshot: s.name, request_id: requestId } });
    }
    this.c.commit(change);
    const nodes = diskful.map((r) => r.node_name);
    return [rc.success('MODIFIED', 'MODIFY', 'SNAPSHOT', `Rollback of resource '${rd.name}' to snapshot '${s.name}' requested on ${plural('node', nodes)} '${nodes.join(', ')}'.`, {
      details: 'Each satellite rolls its volumes back to the snapshot; the resource must stay unused until then.',
      obj_refs: { ...refs, UUID: s.uuid },
    })];
  }
}

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const plural = (word: string, items: readonly unknown[]) => (items.length === 1 ? word : `${word}s`);
