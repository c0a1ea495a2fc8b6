/**
 * VolumeOps over the LINSTOR REST API, as the LINSTOR integrations sequence the calls:
 * - create = spawn from the resource group (volume_sizes, placement overrides as select_filter,
 *   resource_definition_props); an existing definition of the same size is the same volume (idempotent
 *   retries), another size is `exists`; then wait until every replica's satellite has the device;
 * - resize = PUT volume-definitions/0 {size_kib}, then wait until the replicas report the new size;
 * - delete = the snapshots first, then the replicas (until their satellites confirmed), then the
 *   definition; a recreate of the same name right after must not meet the old devices;
 * - attach / release and the snapshot / restore / clone sequences live in volume-attach.ts and
 *   volume-snapshots.ts.
 */
import { ApiError, type StorhubClient, rcIs } from '../client/index.js';
import type { ResourceDefinition, ResourceWithVolumes } from '../model/index.js';
import { attach, release } from './volume-attach.js';
import {
  type Check, DEFAULT_RESOURCE_GROUP, type OpsContext, type VolumeOpsOptions, filterOf, ignoreMissing, isDeleting, isDiskless,
  mapError, replicasIn, same, snapPath, toInfo, usableKib, volume0, waitUntil,
} from './volume-common.js';
import { cloneFrom, deleteSnapshot, listSnapshots, restoreFromSnapshot, snapshot } from './volume-snapshots.js';
import { type SnapshotInfo, type SpaceInfo, type VolumeInfo, type VolumeOps, VolumeOpsError, type VolumeSpec } from './volume-ops.js';

export type { VolumeOpsOptions } from './volume-common.js';

export function createVolumeOps(client: StorhubClient, opts: VolumeOpsOptions = {}): VolumeOps {
  return new RestVolumeOps(client, opts);
}

class RestVolumeOps implements VolumeOps {
  private readonly ctx: OpsContext;
  private readonly defaultGroup: string;

  constructor(client: StorhubClient, opts: VolumeOpsOptions) {
    this.ctx = { client, log: opts.log, signal: opts.signal, timeoutMs: opts.timeoutMs ?? 120_000, pollMs: opts.pollMs ?? 250 };
    this.defaultGroup = opts.defaultResourceGroup ?? DEFAULT_RESOURCE_GROUP;
  }

  async ensureResourceGroup(name: string, placement?: VolumeSpec['placement'], props?: Record<string, string>): Promise<void> {
    const { client, log } = this.ctx;
    try {
      await client.resourceGroups.create({ name, select_filter: filterOf(placement) });
    } catch (err) {
      // Someone (an earlier start, another node's plugin) made it: left exactly as it is.
      if (err instanceof ApiError && err.hasCode('FAIL_EXISTS_RSC_GRP')) return;
      throw mapError(err, `Creating resource group '${name}'`);
    }
    log?.info({ resource_group: name, placement }, 'created resource group');
    // The create body's props are ignored by LINSTOR; they are set by a modify.
    if (props && Object.keys(props).length > 0) await client.resourceGroups.modify(name, { override_props: props });
    // One volume group: every spawn then gets exactly one volume definition without "partial".
    await client.resourceGroups.createVolumeGroup(name, {});
  }

  async create(spec: VolumeSpec): Promise<VolumeInfo> {
    checkSpec(spec);
    if (spec.source) {
      if (spec.source.snapshot !== undefined) await restoreFromSnapshot(this.ctx, this, spec, spec.source.volume, spec.source.snapshot);
      else await cloneFrom(this.ctx, this, spec, spec.source.volume);
      return this.waitPlaced(spec.name);
    }
    const group = spec.resource_group ?? this.defaultGroup;
    let placed = true;
    try {
      const answers = await this.ctx.client.resourceGroups.spawn(group, {
        resource_definition_name: spec.name,
        volume_sizes: [spec.size_kib],
        select_filter: filterOf(spec.placement),
        ...(spec.props && Object.keys(spec.props).length ? { resource_definition_props: spec.props } : {}),
      });
      placed = !answers.some((a) => rcIs(a, 'INFO_NO_RSC_SPAWNED'));
      this.ctx.log?.debug({ volume: spec.name, resource_group: group, size_kib: spec.size_kib, placed }, 'spawned');
    } catch (err) {
      if (err instanceof ApiError && err.hasCode('FAIL_EXISTS_RSC_DFN')) return this.adopt(spec);
      throw mapError(err, `Creating volume '${spec.name}' from resource group '${group}'`);
    }
    // The group has no place count: the controller's default count places it, or nothing stays behind.
    if (!placed) await this.placeOrUndo(spec, true);
    return this.waitPlaced(spec.name);
  }

  /** create() of a name that exists: the same volume when the size matches (a retry), else `exists`. */
  async adopt(spec: VolumeSpec): Promise<VolumeInfo> {
    const rd = await this.definition(spec.name);
    if (!rd || isDeleting(rd.flags)) {
      throw new VolumeOpsError('exists', `Volume '${spec.name}' is being deleted; create it again once it is gone.`);
    }
    const size = rd.volume_definitions?.find((v) => v.volume_number === 0)?.size_kib;
    if (size !== spec.size_kib) {
      throw new VolumeOpsError('exists', `Volume '${spec.name}' already exists with ${size ?? 'no'} KiB, not the requested ${spec.size_kib} KiB.`);
    }
    const view = await this.ctx.client.resources.view({ resources: [spec.name] });
    if (!replicasIn(view, spec.name).some((r) => !isDiskless(r))) await this.placeOrUndo(spec, false);
    return this.waitPlaced(spec.name);
  }

  /** Autoplace with the spec's placement; a failure deletes the definition when this call created it. */
  async placeOrUndo(spec: VolumeSpec, created: boolean): Promise<void> {
    try {
      await this.ctx.client.resources.autoplace(spec.name, { select_filter: filterOf(spec.placement) });
    } catch (err) {
      if (created) {
        await ignoreMissing(() => this.ctx.client.resourceDefinitions.delete(spec.name)).catch((undoErr: unknown) =>
          this.ctx.log?.error({ err: undoErr, volume: spec.name }, 'could not delete the unplaced volume'));
      }
      throw mapError(err, `Placing volume '${spec.name}'`);
    }
  }

  /** Until a diskful replica exists and every replica's satellite has reported its device. */
  async waitPlaced(name: string): Promise<VolumeInfo> {
    const view = await waitUntil(this.ctx, `volume '${name}' to be deployed`, async (): Promise<Check<ResourceWithVolumes[]>> => {
      const all = replicasIn(await this.ctx.client.resources.view({ resources: [name] }), name);
      if (!all.some((r) => !isDiskless(r))) return { done: false, why: 'no diskful replica is placed' };
      const waiting = all.filter((r) => volume0(r)?.state?.disk_state === undefined).map((r) => r.node_name);
      if (waiting.length) return { done: false, why: `no device reported yet on ${waiting.join(', ')}` };
      return { done: true, value: all };
    });
    const rd = await this.definition(name);
    if (!rd) throw new VolumeOpsError('not_found', `Volume '${name}' disappeared while it was being created.`);
    return toInfo(rd, view);
  }

  async get(name: string): Promise<VolumeInfo | undefined> {
    const rd = await this.definition(name);
    if (!rd || isDeleting(rd.flags)) return undefined;
    return toInfo(rd, await this.ctx.client.resources.view({ resources: [rd.name] }));
  }

  async list(filter: { props?: Record<string, string> } = {}): Promise<VolumeInfo[]> {
    const wanted = Object.entries(filter.props ?? {});
    const rds = (await this.ctx.client.resourceDefinitions.list({
      with_volume_definitions: true,
      ...(wanted.length ? { props: wanted.map(([k, v]) => `${k}=${v}`) } : {}),
    })).filter((rd) => !isDeleting(rd.flags) && wanted.every(([k, v]) => rd.props?.[k] === v));
    if (rds.length === 0) return [];
    const view = await this.ctx.client.resources.view(rds.length <= 100 ? { resources: rds.map((rd) => rd.name) } : {});
    return rds.map((rd) => toInfo(rd, view));
  }

  attach(name: string, node: string, opts: { timeoutMs?: number } = {}): Promise<string> {
    return attach(this.ctx, name, node, opts.timeoutMs);
  }

  release(name: string, node: string): Promise<void> {
    return release(this.ctx, name, node);
  }

  async resize(name: string, size_kib: number): Promise<void> {
    if (!Number.isSafeInteger(size_kib) || size_kib <= 0) throw new TypeError(`resize: size_kib must be a positive integer, not ${size_kib}.`);
    const rd = await this.definition(name);
    if (!rd || isDeleting(rd.flags)) throw new VolumeOpsError('not_found', `Volume '${name}' not found.`);
    const current = rd.volume_definitions?.find((v) => v.volume_number === 0)?.size_kib ?? 0;
    if (size_kib > current) {
      try {
        await this.ctx.client.resourceDefinitions.resizeVolumeDefinition(rd.name, 0, size_kib);
      } catch (err) {
        throw mapError(err, `Growing volume '${name}' to ${size_kib} KiB`);
      }
      this.ctx.log?.debug({ volume: name, from_kib: current, to_kib: size_kib }, 'resize requested');
    }
    // Also after a retry that finds the definition grown already: the devices may still lag behind.
    const target = Math.max(size_kib, current);
    await waitUntil(this.ctx, `volume '${name}' to grow to ${target} KiB`, async (): Promise<Check<void>> => {
      const all = replicasIn(await this.ctx.client.resources.view({ resources: [rd.name] }), rd.name);
      const sized = all.map((r) => ({ node: r.node_name, kib: usableKib(volume0(r)), resizing: (volume0(r)?.flags ?? []).includes('RESIZE') }))
        .filter((r) => r.kib !== undefined);
      const small = sized.filter((r) => r.kib! < target || r.resizing);
      if (sized.length === 0) return { done: false, why: 'no replica reported a size yet' };
      if (small.length) return { done: false, why: small.map((r) => `${r.node} has ${r.kib} KiB`).join(', ') };
      return { done: true, value: undefined };
    });
  }

  async delete(name: string): Promise<void> {
    const { client, log } = this.ctx;
    let snaps: Array<{ name: string }>;
    try {
      snaps = (await client.request<Array<{ name: string }>>('GET', snapPath(name))).body ?? [];
    } catch (err) {
      if (err instanceof ApiError && err.isNotFound()) return;
      throw err;
    }
    for (const s of snaps) await deleteSnapshot(this.ctx, name, s.name);
    // The replicas first, diskless before diskful (as linstor-csi does), each until its satellite
    // confirmed: the definition's own delete does not wait for the devices, and a volume created again
    // under the same name right after must not meet the old backing file.
    const replicas = (await client.resources.view({ resources: [name] })).filter((r) => same(r.name, name));
    const ordered = [...replicas.filter(isDiskless), ...replicas.filter((r) => !isDiskless(r))];
    try {
      for (const r of ordered) {
        if (!isDeleting(r.flags)) await ignoreMissing(() => client.resources.delete(r.name, r.node_name));
      }
    } catch (err) {
      throw mapError(err, `Deleting volume '${name}'`);
    }
    await waitUntil(this.ctx, `the replicas of '${name}' to be removed`, async (): Promise<Check<void>> => {
      const left = (await client.resources.view({ resources: [name] })).filter((r) => same(r.name, name)).map((r) => r.node_name);
      return left.length ? { done: false, why: `still on ${left.join(', ')}` } : { done: true, value: undefined };
    });
    try {
      await ignoreMissing(() => client.resourceDefinitions.delete(name));
    } catch (err) {
      throw mapError(err, `Deleting volume '${name}'`);
    }
    log?.debug({ volume: name, snapshots: snaps.length, replicas: ordered.length }, 'deleted');
  }

  snapshot(name: string, snap: string): Promise<void> {
    return snapshot(this.ctx, name, snap);
  }

  deleteSnapshot(name: string, snap: string): Promise<void> {
    return deleteSnapshot(this.ctx, name, snap);
  }

  listSnapshots(name?: string): Promise<SnapshotInfo[]> {
    return listSnapshots(this.ctx, name);
  }

  async space(resourceGroup: string): Promise<SpaceInfo> {
    let reply: { space_info?: { max_vlm_size_in_kib?: number; available_size_in_kib?: number; capacity_in_kib?: number } };
    try {
      reply = (await this.ctx.client.request<typeof reply>('POST', `/v1/resource-groups/${encodeURIComponent(resourceGroup)}/query-size-info`, { body: {} })).body;
    } catch (err) {
      throw mapError(err, `Querying the space of resource group '${resourceGroup}'`);
    }
    const info = reply?.space_info;
    return {
      max_volume_kib: Number(info?.max_vlm_size_in_kib ?? 0),
      available_kib: Number(info?.available_size_in_kib ?? 0),
      capacity_kib: Number(info?.capacity_in_kib ?? 0),
    };
  }

  /** The definition with its volume definitions, or undefined (404). */
  async definition(name: string): Promise<ResourceDefinition | undefined> {
    const list = await this.ctx.client.resourceDefinitions.list({ resource_definitions: [name], with_volume_definitions: true });
    return list.find((rd) => same(rd.name, name));
  }
}

function checkSpec(spec: VolumeSpec): void {
  if (typeof spec.name !== 'string' || spec.name === '') throw new TypeError('create: the volume needs a name.');
  if (!Number.isSafeInteger(spec.size_kib) || spec.size_kib <= 0) {
    throw new TypeError(`create: size_kib must be a positive integer, not ${spec.size_kib}.`);
  }
}

/** What volume-snapshots.ts needs back from the class (no cycle of module-level state). */
export type VolumeOpsInternals = Pick<RestVolumeOps, 'adopt' | 'placeOrUndo' | 'resize' | 'definition'>;
