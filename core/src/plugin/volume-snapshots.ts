/**
 * Snapshots and the two content sources of create(), in LINSTOR's call sequences (contract §2.8-§2.10):
 * - snapshot: POST .../snapshots {name}, then wait for the SUCCESSFUL flag (FAILED_* is a failure);
 * - restore: create the target definition, snapshot-restore-volume-definition, snapshot-restore-resource,
 *   grow to the requested size, place the remaining replicas; every step accepts "already exists" so a
 *   retried create continues where the last one stopped (as linstor-csi does);
 * - clone: POST .../clone {name}, then poll GET .../clone/{name} until COMPLETE.
 */
import { ApiError } from '../client/index.js';
import type { Snapshot } from '../model/index.js';
import { type Check, type OpsContext, ignoreMissing, isDeleting, mapError, rdPath, same, snapPath, waitUntil, filterOf } from './volume-common.js';
import { type SnapshotInfo, VolumeOpsError, type VolumeSpec } from './volume-ops.js';
import type { VolumeOpsInternals } from './volume-ops-rest.js';

export async function snapshot(ctx: OpsContext, name: string, snap: string): Promise<void> {
  try {
    await ctx.client.request('POST', snapPath(name), { body: { name: snap } });
    ctx.log?.debug({ volume: name, snapshot: snap }, 'snapshot requested');
  } catch (err) {
    // A retry: wait for the one that exists.
    if (!(err instanceof ApiError && err.hasCode('FAIL_EXISTS_SNAPSHOT_DFN'))) throw mapError(err, `Snapshotting volume '${name}' as '${snap}'`);
  }
  await waitReady(ctx, name, snap);
}

/** Until the snapshot has the SUCCESSFUL flag; a FAILED_* flag or its disappearance is an error. */
async function waitReady(ctx: OpsContext, name: string, snap: string): Promise<Snapshot> {
  return waitUntil(ctx, `snapshot '${snap}' of '${name}' to be taken`, async (): Promise<Check<Snapshot>> => {
    const s = await getSnapshot(ctx, name, snap);
    if (!s) throw new VolumeOpsError('not_found', `Snapshot '${snap}' of volume '${name}' not found.`);
    const flags = s.flags ?? [];
    const failed = flags.filter((f) => f.startsWith('FAILED'));
    if (failed.length) throw new VolumeOpsError('failed', `Snapshot '${snap}' of volume '${name}' failed (${failed.join(', ')}).`);
    if (flags.includes('SUCCESSFUL')) return { done: true, value: s };
    return { done: false, why: `its flags are [${flags.join(', ')}]` };
  });
}

async function getSnapshot(ctx: OpsContext, name: string, snap: string): Promise<Snapshot | undefined> {
  try {
    return (await ctx.client.request<Snapshot>('GET', snapPath(name, snap))).body;
  } catch (err) {
    if (err instanceof ApiError && err.isNotFound()) return undefined;
    throw err;
  }
}

export async function deleteSnapshot(ctx: OpsContext, name: string, snap: string): Promise<void> {
  try {
    await ignoreMissing(() => ctx.client.request('DELETE', snapPath(name, snap)));
  } catch (err) {
    throw mapError(err, `Deleting snapshot '${snap}' of volume '${name}'`);
  }
  await waitUntil(ctx, `snapshot '${snap}' of '${name}' to be deleted`, async (): Promise<Check<void>> =>
    (await getSnapshot(ctx, name, snap)) ? { done: false, why: 'it is still there' } : { done: true, value: undefined });
}

export async function listSnapshots(ctx: OpsContext, name?: string): Promise<SnapshotInfo[]> {
  const list = (await ctx.client.request<Snapshot[]>('GET', '/v1/view/snapshots', { query: name ? { resources: [name] } : {} })).body ?? [];
  return list
    .filter((s) => !isDeleting(s.flags) && (name === undefined || same(s.resource_name, name)))
    .map((s) => {
      const times = (s.snapshots ?? []).map((n) => n.create_timestamp).filter((t): t is number => typeof t === 'number');
      const info: SnapshotInfo = { volume: s.resource_name, name: s.name, created: times.length ? Math.min(...times) : 0, ready: (s.flags ?? []).includes('SUCCESSFUL') };
      const size = s.volume_definitions?.find((v) => v.volume_number === 0)?.size_kib;
      if (size !== undefined) info.size_kib = size;
      return info;
    });
}

/** create() from a snapshot; the caller waits for the placement afterwards. */
export async function restoreFromSnapshot(ctx: OpsContext, ops: VolumeOpsInternals, spec: VolumeSpec, source: string, snap: string): Promise<void> {
  const { client, log } = ctx;
  const taken = await getSnapshot(ctx, source, snap);
  if (!taken) throw new VolumeOpsError('not_found', `Snapshot '${snap}' of volume '${source}' not found.`);
  const ready = await waitReady(ctx, source, snap);
  const snapKib = ready.volume_definitions?.find((v) => v.volume_number === 0)?.size_kib ?? 0;
  if (spec.size_kib < snapKib) {
    throw new VolumeOpsError('unsupported', `Volume '${spec.name}' cannot be restored from snapshot '${snap}' with ${spec.size_kib} KiB: the snapshot holds ${snapKib} KiB.`);
  }

  let created = false;
  const existing = await ops.definition(spec.name);
  if (existing && isDeleting(existing.flags)) throw new VolumeOpsError('exists', `Volume '${spec.name}' is being deleted; create it again once it is gone.`);
  if (!existing) {
    try {
      await client.resourceDefinitions.create({
        resource_definition: { name: spec.name, ...(spec.resource_group ? { resource_group_name: spec.resource_group } : {}), ...(spec.props ? { props: spec.props } : {}) },
      });
      created = true;
    } catch (err) {
      if (!(err instanceof ApiError && err.hasCode('FAIL_EXISTS_RSC_DFN'))) throw mapError(err, `Creating volume '${spec.name}'`);
    }
  }
  const undo = async (err: unknown, step: string): Promise<never> => {
    if (created) {
      await ignoreMissing(() => client.resourceDefinitions.delete(spec.name)).catch((undoErr: unknown) =>
        log?.error({ err: undoErr, volume: spec.name }, 'could not delete the half-restored volume'));
    }
    throw mapError(err, `${step} of volume '${spec.name}' from snapshot '${snap}' of '${source}'`);
  };
  const body = { to_resource: spec.name, ...(spec.placement?.node_name_list?.length ? { nodes: spec.placement.node_name_list } : {}) };
  const hasVd = (existing?.volume_definitions ?? []).length > 0;
  if (!hasVd) {
    try {
      await client.request('POST', `${rdPath(source)}/snapshot-restore-volume-definition/${encodeURIComponent(snap)}`, { body });
    } catch (err) {
      if (!(err instanceof ApiError && err.hasCode('FAIL_EXISTS_VLM_DFN'))) await undo(err, 'Restoring the volume definition');
    }
  }
  try {
    await client.request('POST', `${rdPath(source)}/snapshot-restore-resource/${encodeURIComponent(snap)}`, { body });
  } catch (err) {
    if (!(err instanceof ApiError && err.hasCode('FAIL_EXISTS_RSC'))) await undo(err, 'Restoring the resources');
  }
  log?.debug({ volume: spec.name, source, snapshot: snap }, 'restored from snapshot');
  await growAndPlace(ctx, ops, spec);
}

/** create() as a clone of another volume; the caller waits for the placement afterwards. */
export async function cloneFrom(ctx: OpsContext, ops: VolumeOpsInternals, spec: VolumeSpec, source: string): Promise<void> {
  const { client, log } = ctx;
  const src = await ops.definition(source);
  if (!src || isDeleting(src.flags)) throw new VolumeOpsError('not_found', `Volume '${source}' (the clone source) not found.`);
  const srcKib = src.volume_definitions?.find((v) => v.volume_number === 0)?.size_kib ?? 0;
  if (spec.size_kib < srcKib) {
    throw new VolumeOpsError('unsupported', `Volume '${spec.name}' cannot be a clone of '${source}' with ${spec.size_kib} KiB: the source has ${srcKib} KiB.`);
  }
  const statusPath = `${rdPath(src.name)}/clone/${encodeURIComponent(spec.name)}`;
  const status = async (): Promise<string | undefined> => {
    try {
      return (await client.request<{ status?: string }>('GET', statusPath)).body?.status;
    } catch (err) {
      if (err instanceof ApiError && err.isNotFound()) return undefined;
      throw err;
    }
  };
  if ((await status()) === undefined) {
    try {
      await client.request('POST', `${rdPath(src.name)}/clone`, {
        body: {
          name: spec.name,
          ...(spec.resource_group ? { resource_group: spec.resource_group } : {}),
          ...(spec.props && Object.keys(spec.props).length ? { override_props: spec.props } : {}),
        },
      });
      log?.debug({ volume: spec.name, source }, 'clone started');
    } catch (err) {
      // The name is taken by something that is not a clone of `source`: the usual size check decides.
      if (err instanceof ApiError && err.hasCode('FAIL_EXISTS_RSC_DFN')) {
        await ops.adopt(spec);
        return;
      }
      throw mapError(err, `Cloning volume '${source}' as '${spec.name}'`);
    }
  }
  await waitUntil(ctx, `the clone '${spec.name}' of '${source}' to complete`, async (): Promise<Check<void>> => {
    const s = (await status())?.toUpperCase();
    if (s === 'COMPLETE') return { done: true, value: undefined };
    if (s === 'FAILED' || s === undefined) {
      await ignoreMissing(() => client.resourceDefinitions.delete(spec.name)).catch((undoErr: unknown) =>
        log?.error({ err: undoErr, volume: spec.name }, 'could not delete the failed clone'));
      throw new VolumeOpsError('failed', `Cloning volume '${source}' as '${spec.name}' ${s === 'FAILED' ? 'failed' : 'stopped: the clone disappeared'}.`);
    }
    return { done: false, why: `the clone is ${s}` };
  });
  await growAndPlace(ctx, ops, spec);
}

/** After a restore or clone: grow to the requested size, then top up the replicas to the placement. */
async function growAndPlace(ctx: OpsContext, ops: VolumeOpsInternals, spec: VolumeSpec): Promise<void> {
  const rd = await ops.definition(spec.name);
  const kib = rd?.volume_definitions?.find((v) => v.volume_number === 0)?.size_kib ?? 0;
  if (kib > spec.size_kib) {
    throw new VolumeOpsError('exists', `Volume '${spec.name}' already exists with ${kib} KiB, not the requested ${spec.size_kib} KiB.`);
  }
  if (kib < spec.size_kib) await ops.resize(spec.name, spec.size_kib);
  if (spec.placement?.place_count === undefined) return;
  try {
    await ctx.client.resources.autoplace(spec.name, { select_filter: filterOf(spec.placement) });
  } catch (err) {
    // The data is there on the restored replicas; fewer copies than wanted is worth a warning, not a failure.
    if (!(err instanceof ApiError && err.hasCode('FAIL_NOT_ENOUGH_NODES'))) throw mapError(err, `Placing volume '${spec.name}'`);
    ctx.log?.warn({ volume: spec.name, err: err.message }, 'the restored volume has fewer replicas than its placement asks for');
  }
}
