/**
 * Snapshots of ZFS and ZFS_THIN zvols, named as LINSTOR names them: `<dataset>/<rsc>_<nnnnn>@<snap>`.
 *  - snapshot: `zfs snapshot`;
 *  - restore: `zfs clone` of the snapshot under the new volume's name (it shares the snapshot's
 *    blocks; LINSTOR does the same when told to use clones, and otherwise copies with send/recv);
 *  - clone of a resource: the engine takes a temporary snapshot, clones it, and deletes it again —
 *    `zfs destroy -d` defers that until the clone itself is destroyed, so nothing is left behind;
 *  - rollback: `zfs rollback` without -r, so ZFS itself refuses anything but the latest snapshot
 *    ("more recent snapshots or bookmarks exist"), as LINSTOR allows only the latest;
 *  - delete: `zfs destroy -d` (see above), only of snapshots carrying `storhub:managed=yes`, which
 *    Storhub sets on every snapshot it takes: others on a Storhub zvol (zfs-auto-snapshot, a backup
 *    tool, a LINSTOR-era snapshot) are listed as foreign and never deleted.
 * A clone has no refreservation of its own, also in a thick ZFS pool.
 */
import { StorhubError } from '../../../model/errors.js';
import { parseVolumeName } from '../../protocol.js';
import { bytesToKib, requireVolumeName, type Argv } from '../common.js';
import type { ProviderContext, ProviderSnapshot, ProviderVolume, SnapshotRef, VolumeRequest } from '../provider.js';
import { deviceClaimed, isSnapshotPart, snapshotStorageName, volumeInUse } from '../snapshot-common.js';
import * as cmd from './commands.js';
import { parseZfsSnapshots, type ZfsSnapshotRow } from './parse.js';

export interface ZfsSnapshotTarget {
  /** The pool dataset (StorDriver/StorPoolName). */
  dataset: string;
  /** The storage pool's name, for messages. */
  pool: string;
  /** Reads a volume back after a change (the provider's own listing). */
  volume(name: string): Promise<ProviderVolume | undefined>;
}

export async function listZfsSnapshots(ctx: ProviderContext, t: ZfsSnapshotTarget): Promise<ProviderSnapshot[]> {
  const out: ProviderSnapshot[] = [];
  for (const row of await snapshots(ctx, t.dataset)) {
    const ref = storhubRef(t.dataset, row);
    // A snapshot waiting for its clones to go is deleted as far as anyone should know.
    if (!ref || row.deferDestroy) continue;
    out.push(view(ref.volume, ref.snapshot, row));
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export async function createZfsSnapshot(ctx: ProviderContext, t: ZfsSnapshotTarget, volume: string, snapshot: string): Promise<ProviderSnapshot> {
  snapshotStorageName(volume, snapshot);
  const existing = await find(ctx, t, volume, snapshot);
  if (existing && !existing.deferDestroy) return view(volume, snapshot, existing);
  if (!(await t.volume(volume))) throw missingVolume(t, volume);
  await run(ctx, cmd.snapshotArgv(t.dataset, volume, snapshot));
  ctx.log.info({ dataset: t.dataset, volume, snapshot }, 'zfs snapshot taken');
  const made = await find(ctx, t, volume, snapshot);
  if (!made) throw new Error(`zfs snapshot ${t.dataset}/${volume}@${snapshot} is missing right after zfs reported success`);
  return view(volume, snapshot, made);
}

export async function deleteZfsSnapshot(ctx: ProviderContext, t: ZfsSnapshotTarget, volume: string, snapshot: string): Promise<void> {
  snapshotStorageName(volume, snapshot);
  const existing = await find(ctx, t, volume, snapshot);
  if (!existing || existing.deferDestroy) return;
  if (!existing.managed) {
    throw new StorhubError('FAIL_IN_USE', `Snapshot '${t.dataset}/${volume}@${snapshot}' was not made by Storhub (no ${cmd.MANAGED_PROPERTY} property); it is left alone.`, {
      correction: `Destroy it yourself if it is no longer needed (zfs destroy ${t.dataset}/${volume}@${snapshot}).`,
    });
  }
  await run(ctx, cmd.destroySnapshotArgv(t.dataset, volume, snapshot));
  ctx.log.info({ dataset: t.dataset, volume, snapshot }, 'zfs snapshot destroyed (deferred while clones of it exist)');
}

export async function restoreZfsVolume(ctx: ProviderContext, t: ZfsSnapshotTarget, from: SnapshotRef, req: VolumeRequest): Promise<ProviderVolume> {
  const name = requireVolumeName(req.name);
  snapshotStorageName(from.volume, from.snapshot);
  if (await t.volume(name)) {
    throw new StorhubError('FAIL_EXISTS_RSC', `zvol '${t.dataset}/${name}' already exists; restoring into it would overwrite its data.`, {
      correction: 'Restore into a new resource, or delete the volume first.',
    });
  }
  const snap = await find(ctx, t, from.volume, from.snapshot);
  if (!snap || snap.deferDestroy) throw missingSnapshot(t, from);
  await run(ctx, cmd.cloneArgv(t.dataset, from, name));
  ctx.log.info({ dataset: t.dataset, volume: name, from: `${from.volume}@${from.snapshot}` }, 'zvol restored from snapshot');
  const made = await t.volume(name);
  if (!made) throw new Error(`zvol ${t.dataset}/${name} is missing right after zfs reported success`);
  return made;
}

export async function rollbackZfsVolume(ctx: ProviderContext, t: ZfsSnapshotTarget, volume: string, snapshot: string): Promise<void> {
  snapshotStorageName(volume, snapshot);
  const vol = await t.volume(volume);
  if (!vol) throw missingVolume(t, volume);
  const snap = await find(ctx, t, volume, snapshot);
  if (!snap || snap.deferDestroy) throw missingSnapshot(t, { volume, snapshot });
  if (await deviceClaimed(vol.device_path)) throw volumeInUse(volume, vol.device_path, `roll back to snapshot '${snapshot}'`);
  await run(ctx, cmd.rollbackArgv(t.dataset, volume, snapshot));
  ctx.log.info({ dataset: t.dataset, volume, snapshot }, 'zvol rolled back to snapshot');
}

/** `<dataset>/<rsc>_<nnnnn>@<snapshot>` directly under the pool dataset, with Storhub's naming; else undefined. */
function storhubRef(dataset: string, row: ZfsSnapshotRow): SnapshotRef | undefined {
  const prefix = `${dataset}/`;
  if (!row.dataset.startsWith(prefix)) return undefined;
  const volume = row.dataset.slice(prefix.length);
  if (volume.includes('/') || parseVolumeName(volume)?.kind !== 'data') return undefined;
  // Somebody else's snapshot (zfs-auto-snap's "zfs-auto-snap_daily-2019-02-21-0508" passes, but its
  // zvol is not Storhub-named then; a name with ':' or '%' does not): not Storhub's to list or delete.
  if (!isSnapshotPart(row.snapshot)) return undefined;
  return { volume, snapshot: row.snapshot };
}

async function snapshots(ctx: ProviderContext, dataset: string): Promise<ZfsSnapshotRow[]> {
  return parseZfsSnapshots((await run(ctx, cmd.snapshotListArgv(dataset))).stdout);
}

async function find(ctx: ProviderContext, t: ZfsSnapshotTarget, volume: string, snapshot: string): Promise<ZfsSnapshotRow | undefined> {
  const ds = `${t.dataset}/${volume}`;
  return (await snapshots(ctx, t.dataset)).find((r) => r.dataset === ds && r.snapshot === snapshot);
}

function view(volume: string, snapshot: string, row: ZfsSnapshotRow): ProviderSnapshot {
  const snap: ProviderSnapshot = { name: `${volume}_${snapshot}`, volume, snapshot };
  if (row.usedBytes !== undefined) snap.allocated_kib = bytesToKib(row.usedBytes);
  if (!row.managed) snap.foreign = true;
  return snap;
}

function run(ctx: ProviderContext, argv: Argv) {
  const [file, ...args] = argv;
  return ctx.runner.run(file, args, { timeoutMs: 120_000 });
}

function missingVolume(t: ZfsSnapshotTarget, volume: string): StorhubError {
  return new StorhubError('FAIL_NOT_FOUND_VLM', `zvol '${t.dataset}/${volume}' does not exist (storage pool '${t.pool}').`, {
    correction: 'Snapshots and rollbacks need the volume to exist on this node.',
  });
}

function missingSnapshot(t: ZfsSnapshotTarget, ref: SnapshotRef): StorhubError {
  return new StorhubError('FAIL_NOT_FOUND_SNAPSHOT', `Snapshot '${t.dataset}/${ref.volume}@${ref.snapshot}' does not exist (storage pool '${t.pool}').`, {
    correction: 'Use a snapshot that exists on this node (snapshots are taken on the nodes that hold the resource).',
  });
}
