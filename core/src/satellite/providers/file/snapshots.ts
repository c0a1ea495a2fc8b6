/**
 * Snapshots of FILE and FILE_THIN volumes. A snapshot of `<dir>/<rsc>_<nnnnn>.img` is the file
 * `<dir>/<rsc>_<nnnnn>_<snap>.img`, made with `cp --reflink=auto --sparse=always`: on a reflink
 * filesystem (btrfs, xfs) it shares every block with the volume until one side changes; elsewhere it
 * is a sparse copy that costs the data the volume holds, not its size.
 *
 * Every copy goes to a hidden temporary file first (`.<name>.img.tmp`, never listed) and is renamed
 * into place after an fsync, so a half-made snapshot or a half-rolled-back volume never exists under
 * its real name. Before copying, the loop devices of the volume are fsynced: writes that went through
 * the device's page cache reach the file the copy reads.
 *
 * Rollback keeps the loop device valid by not writing under it: it refuses while a device of the
 * volume is claimed (mounted, held by DRBD or device-mapper), detaches the devices, renames the copy
 * over the volume file and attaches it again. A snapshot never shrinks the volume: when the volume
 * grew after the snapshot, the rolled-back file keeps the larger size (the tail reads as zeros).
 */
import { open, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { CommandError } from '../../../exec/runner.js';
import { StorhubError } from '../../../model/errors.js';
import type { DesiredPool } from '../../protocol.js';
import { bytesToKib, requireSizeKib, requireVolumeName } from '../common.js';
import type { ProviderContext, ProviderSnapshot, ProviderVolume, SnapshotRef, VolumeRequest } from '../provider.js';
import { deviceClaimed, isSnapshotStorageName, snapshotStorageName, volumeInUse } from '../snapshot-common.js';
import * as cmd from './commands.js';
import { parseAttach } from './parse.js';
import { allocatedKib, directoryOf, loopsOf, statOrUndefined } from './provider.js';

export interface FileSnapshotOptions {
  thin: boolean;
  directIo: boolean;
}

/** A copy of a large file on a filesystem without reflinks takes a while. */
const COPY_TIMEOUT_MS = 60 * 60_000;
const LOSETUP_TIMEOUT_MS = 120_000;

export async function createFileSnapshot(ctx: ProviderContext, pool: DesiredPool, volume: string, snapshot: string): Promise<ProviderSnapshot> {
  const dir = directoryOf(pool);
  const name = snapshotStorageName(volume, snapshot);
  const target = join(dir, `${name}.img`);
  const existing = await snapshotInfo(target, name);
  if (existing) return existing;
  const source = join(dir, `${volume}.img`);
  if (!(await statOrUndefined(source))) throw missingVolume(pool, volume, source);
  await flush((await loopsOf(ctx, source)).map((d) => d.name));
  await copyInto(ctx, source, target, undefined);
  ctx.log.info({ volume, snapshot, file: target }, 'snapshot taken');
  const made = await snapshotInfo(target, name);
  if (!made) throw new Error(`${target} disappeared right after it was written`);
  return made;
}

export async function deleteFileSnapshot(ctx: ProviderContext, pool: DesiredPool, volume: string, snapshot: string): Promise<void> {
  const file = join(directoryOf(pool), `${snapshotStorageName(volume, snapshot)}.img`);
  if (!(await statOrUndefined(file))) return;
  // A snapshot is never attached by Storhub; a loop device on it means someone uses it as a volume.
  const devices = await loopsOf(ctx, file);
  if (devices.length) throw volumeInUse(basename(file, '.img'), devices[0].name, `delete snapshot '${snapshot}'`);
  await rm(file, { force: true });
  ctx.log.info({ volume, snapshot, file }, 'snapshot deleted');
}

export async function listFileSnapshots(_ctx: ProviderContext, pool: DesiredPool): Promise<ProviderSnapshot[]> {
  const dir = directoryOf(pool);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: ProviderSnapshot[] = [];
  for (const f of names.sort()) {
    if (!f.endsWith('.img')) continue;
    const name = f.slice(0, -'.img'.length);
    if (!isSnapshotStorageName(name)) continue;
    const info = await snapshotInfo(join(dir, f), name);
    if (info) out.push(info);
  }
  return out;
}

/** A new volume holding the snapshot's data, attached like any other (restore; clone via a temporary snapshot). */
export async function restoreFileVolume(
  ctx: ProviderContext, pool: DesiredPool, from: SnapshotRef, req: VolumeRequest, o: FileSnapshotOptions,
): Promise<ProviderVolume> {
  const dir = directoryOf(pool);
  const name = requireVolumeName(req.name);
  const target = join(dir, `${name}.img`);
  if (await statOrUndefined(target)) {
    throw new StorhubError('FAIL_EXISTS_RSC', `Volume '${name}' already exists in storage pool '${pool.name}'; restoring into it would overwrite its data.`, {
      correction: 'Restore into a new resource, or delete the volume first.',
    });
  }
  const snapFile = join(dir, `${snapshotStorageName(from.volume, from.snapshot)}.img`);
  const snap = await statOrUndefined(snapFile);
  if (!snap) throw missingSnapshot(pool, from, snapFile);
  await copyInto(ctx, snapFile, target, { bytes: Math.max(snap.size, requireSizeKib(req) * 1024), thin: o.thin });
  const device = parseAttach((await run(ctx, cmd.attachArgv(target, o.directIo), LOSETUP_TIMEOUT_MS)).stdout);
  ctx.log.info({ volume: name, from: `${from.volume}_${from.snapshot}`, device }, 'volume restored from snapshot');
  const st = await stat(target);
  return { name, device_path: device, allocated_kib: allocatedKib(st), usable_kib: bytesToKib(st.size) };
}

export async function rollbackFileVolume(ctx: ProviderContext, pool: DesiredPool, volume: string, snapshot: string, o: FileSnapshotOptions): Promise<void> {
  const dir = directoryOf(pool);
  requireVolumeName(volume);
  const file = join(dir, `${volume}.img`);
  const snapFile = join(dir, `${snapshotStorageName(volume, snapshot)}.img`);
  const vol = await statOrUndefined(file);
  if (!vol) throw missingVolume(pool, volume, file);
  const snap = await statOrUndefined(snapFile);
  if (!snap) throw missingSnapshot(pool, { volume, snapshot }, snapFile);

  const what = `roll back to snapshot '${snapshot}'`;
  const devices = (await loopsOf(ctx, file)).map((d) => d.name);
  for (const dev of devices) if (await deviceClaimed(dev)) throw volumeInUse(volume, dev, what);
  await flush(devices);
  for (const dev of devices) {
    try {
      await run(ctx, cmd.detachArgv(dev), LOSETUP_TIMEOUT_MS);
    } catch (err) {
      if (!(err instanceof CommandError && /No such device/.test(err.stderr))) throw err;
    }
  }
  // losetup only marks a device opened by someone for auto-clear; it would keep serving the old data.
  const left = await loopsOf(ctx, file);
  if (left.length) throw volumeInUse(volume, left[0].name, what);

  await copyInto(ctx, snapFile, file, { bytes: Math.max(vol.size, snap.size), thin: o.thin });
  if (devices.length) await run(ctx, cmd.attachArgv(file, o.directIo), LOSETUP_TIMEOUT_MS);
  ctx.log.info({ volume, snapshot, file }, 'volume rolled back to snapshot');
}

/**
 * Copies `from` to a temporary file next to `to`, sizes it (`size`: grown to `bytes`, preallocated
 * when not thin), makes it durable and renames it over `to`.
 */
async function copyInto(ctx: ProviderContext, from: string, to: string, size: { bytes: number; thin: boolean } | undefined): Promise<void> {
  const tmp = join(dirname(to), `.${basename(to)}.tmp`);
  await rm(tmp, { force: true });
  try {
    await run(ctx, cmd.copySparseArgv(from, tmp), COPY_TIMEOUT_MS);
    if (size) {
      const st = await stat(tmp);
      // Thin: grow without allocating. Thick: fallocate fills the holes the sparse copy left, so the
      // volume keeps its space reserved, and grows it when needed.
      if (!size.thin) await run(ctx, cmd.fallocateArgv(tmp, size.bytes), COPY_TIMEOUT_MS);
      else if (st.size < size.bytes) await run(ctx, cmd.truncateArgv(tmp, size.bytes), COPY_TIMEOUT_MS);
    }
    await fsyncFile(tmp);
    await rename(tmp, to);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** fsync of a loop device flushes its page cache and makes the loop driver fsync the backing file. */
async function flush(devices: readonly string[]): Promise<void> {
  for (const dev of devices) await fsyncFile(dev);
}

async function fsyncFile(path: string): Promise<void> {
  const h = await open(path, 'r');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

function run(ctx: ProviderContext, argv: cmd.Argv, timeoutMs: number) {
  const [file, ...args] = argv;
  return ctx.runner.run(file, args, { timeoutMs });
}

async function snapshotInfo(file: string, name: string): Promise<ProviderSnapshot | undefined> {
  const st = await statOrUndefined(file);
  return st ? { name, allocated_kib: allocatedKib(st) } : undefined;
}

function missingVolume(pool: DesiredPool, volume: string, file: string): StorhubError {
  return new StorhubError('FAIL_NOT_FOUND_VLM', `Volume '${volume}' does not exist in storage pool '${pool.name}' (${file}).`, {
    correction: 'Snapshots and rollbacks need the volume to exist on this node.',
  });
}

function missingSnapshot(pool: DesiredPool, ref: SnapshotRef, file: string): StorhubError {
  return new StorhubError('FAIL_NOT_FOUND_SNAPSHOT', `Snapshot '${ref.snapshot}' of volume '${ref.volume}' does not exist in storage pool '${pool.name}' (${file}).`, {
    correction: 'Use a snapshot that exists on this node (snapshots are taken on the nodes that hold the resource).',
  });
}
