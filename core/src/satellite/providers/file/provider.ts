/**
 * FILE and FILE_THIN: a pool is a directory (`StorDriver/StorPoolName`); a volume is
 * `<dir>/<resource>_<nnnnn>.img` attached to a loop device, whose path is the volume's device.
 * FILE_THIN files are sparse (truncate), FILE files are preallocated (fallocate).
 *
 * Loop devices do not survive a reboot (nor does the mapping survive anyone detaching them), so
 * createVolume is the single place that makes a volume usable: it creates the file if missing and
 * attaches it if no loop device backs it. listVolumes only reports (device_path is '' for a file no
 * loop device backs), so the satellite re-attaches by converging, never by listing.
 */
import { constants as fsc } from 'node:fs';
import { access, readdir, realpath, rm, stat, statfs } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { CommandError } from '../../../exec/runner.js';
import { StorhubError } from '../../../model/errors.js';
import { parseVolumeName, type DesiredPool, type Report } from '../../protocol.js';
import { bytesToKib, errorReport, poolTarget, POOL_NAME_KEY, requireSizeKib, requireVolumeName, storhubErrorReport } from '../common.js';
import { deviceClaimed } from '../snapshot-common.js';
import type { PoolCapacity, ProviderContext, ProviderSnapshot, ProviderVolume, SnapshotRef, StorageProvider, VolumeRequest } from '../provider.js';
import * as cmd from './commands.js';
import { parseAttach, parseLoopList, type LoopDevice } from './parse.js';
import * as snaps from './snapshots.js';

export interface FileProviderOptions {
  /** Attach with `--direct-io=on` (default true). */
  directIo?: boolean;
}

export class FileProvider implements StorageProvider {
  readonly kind: 'FILE' | 'FILE_THIN';
  /** Sparse copies (or reflinks) of the volume file: snapshots.ts. */
  readonly supportsSnapshots = true;
  private readonly directIo: boolean;

  constructor(readonly thin: boolean, opts: FileProviderOptions = {}) {
    this.kind = thin ? 'FILE_THIN' : 'FILE';
    this.directIo = opts.directIo ?? true;
  }

  async checkConfig(_ctx: ProviderContext, pool: DesiredPool): Promise<Report[]> {
    let dir: string;
    try {
      dir = directoryOf(pool);
    } catch (err) {
      return [storhubErrorReport(err)];
    }
    const fix = `Create the directory (mkdir -p ${dir}) or fix ${POOL_NAME_KEY} of storage pool '${pool.name}'.`;
    let st: Stats;
    try {
      st = await stat(dir);
    } catch (err) {
      if (code(err) === 'ENOENT') return [errorReport(`Storage pool directory '${dir}' does not exist.`, fix)];
      return [errorReport(`Storage pool directory '${dir}' cannot be read.`, fix, err)];
    }
    if (!st.isDirectory()) return [errorReport(`'${dir}' (storage pool '${pool.name}') is not a directory.`, fix)];
    try {
      await access(dir, fsc.W_OK);
    } catch (err) {
      return [errorReport(`Storage pool directory '${dir}' is not writable.`, `Make '${dir}' writable (a read-only mount?) or fix ${POOL_NAME_KEY} of storage pool '${pool.name}'.`, err)];
    }
    return [];
  }

  /** Free and total space of the filesystem holding the directory. */
  async capacity(_ctx: ProviderContext, pool: DesiredPool): Promise<PoolCapacity> {
    const s = await statfs(directoryOf(pool));
    return { free_kib: bytesToKib(s.bavail * s.bsize), total_kib: bytesToKib(s.blocks * s.bsize) };
  }

  async listVolumes(ctx: ProviderContext, pool: DesiredPool): Promise<ProviderVolume[]> {
    const dir = directoryOf(pool);
    const names = (await readPoolDir(pool, dir))
      .filter((f) => f.endsWith('.img'))
      .map((f) => f.slice(0, -'.img'.length))
      .filter((n) => parseVolumeName(n) !== undefined)
      .sort();
    if (names.length === 0) return [];
    const canonical = await canonicalDir(dir);
    const byFile = new Map<string, string>();
    for (const d of await this.allLoops(ctx)) {
      if (!d.deleted && !byFile.has(d.backFile)) byFile.set(d.backFile, d.name);
    }
    const out: ProviderVolume[] = [];
    for (const name of names) {
      const vol = await volumeInfo(join(dir, `${name}.img`), name, byFile.get(join(canonical, `${name}.img`)) ?? '');
      if (vol) out.push(vol);
    }
    return out;
  }

  async createVolume(ctx: ProviderContext, pool: DesiredPool, req: VolumeRequest): Promise<ProviderVolume> {
    const file = this.fileOf(pool, req.name);
    const bytes = sizeBytes(req);
    const st = await statOrUndefined(file);
    if (!st) {
      try {
        await this.run(ctx, this.thin ? cmd.truncateArgv(file, bytes) : cmd.fallocateArgv(file, bytes));
      } catch (err) {
        // fallocate creates the file before it runs out of space: leave nothing half-made behind.
        await rm(file, { force: true });
        throw err;
      }
      ctx.log.info({ file, size_kib: req.size_kib }, 'created volume file');
    } else if (st.size < bytes) {
      await this.grow(ctx, file, bytes);
      // An attached loop device keeps its old size until told (as in resizeVolume).
      for (const d of await loopsOf(ctx, file)) await this.run(ctx, cmd.setCapacityArgv(d.name));
    }
    const device = await this.ensureAttached(ctx, file);
    return this.required(file, req.name, device);
  }

  async resizeVolume(ctx: ProviderContext, pool: DesiredPool, req: VolumeRequest): Promise<ProviderVolume> {
    const file = this.fileOf(pool, req.name);
    const bytes = sizeBytes(req);
    const st = await statOrUndefined(file);
    if (!st) throw missingVolume(pool, req.name, file);
    if (st.size < bytes) await this.grow(ctx, file, bytes);
    const devices = await loopsOf(ctx, file);
    for (const d of devices) await this.run(ctx, cmd.setCapacityArgv(d.name));
    const device = devices[0]?.name ?? (await this.ensureAttached(ctx, file));
    return this.required(file, req.name, device);
  }

  async deleteVolume(ctx: ProviderContext, pool: DesiredPool, name: string): Promise<void> {
    const file = this.fileOf(pool, name);
    const canonical = join(await canonicalDir(directoryOf(pool)), `${requireVolumeName(name)}.img`);
    // Devices still backed by the file, and any left behind on a removed file of the same path.
    const devices = new Set<string>((await loopsOf(ctx, file)).map((d) => d.name));
    for (const d of await this.allLoops(ctx)) if (d.backFile === canonical) devices.add(d.name);
    for (const dev of devices) {
      // Detaching a claimed device would only schedule an auto-clear and leave the data reachable
      // through a deleted file, so deletion stops instead.
      if (await deviceClaimed(dev)) {
        throw new StorhubError('FAIL_IN_USE', `Volume '${name}' is in use: ${dev} is mounted or held by another device.`, {
          correction: `Unmount ${dev} or stop what holds it, then delete again.`,
        });
      }
    }
    for (const dev of devices) {
      try {
        await this.run(ctx, cmd.detachArgv(dev));
      } catch (err) {
        // Detached by someone else in between: the goal is reached.
        if (!(err instanceof CommandError && /No such device/.test(err.stderr))) throw err;
      }
    }
    const left = await loopsOf(ctx, file);
    if (left.length > 0) {
      throw new StorhubError('FAIL_IN_USE', `Volume '${name}' is still attached to ${left.map((d) => d.name).join(', ')}.`, {
        correction: 'Something still has the loop device open; close it and delete again.',
      });
    }
    await rm(file, { force: true });
    if (devices.size) ctx.log.info({ file, devices: [...devices] }, 'detached and removed volume file');
  }

  createSnapshot(ctx: ProviderContext, pool: DesiredPool, volume: string, snapshot: string): Promise<ProviderSnapshot> {
    return snaps.createFileSnapshot(ctx, pool, volume, snapshot);
  }

  deleteSnapshot(ctx: ProviderContext, pool: DesiredPool, volume: string, snapshot: string): Promise<void> {
    return snaps.deleteFileSnapshot(ctx, pool, volume, snapshot);
  }

  listSnapshots(ctx: ProviderContext, pool: DesiredPool): Promise<ProviderSnapshot[]> {
    return snaps.listFileSnapshots(ctx, pool);
  }

  restoreVolume(ctx: ProviderContext, pool: DesiredPool, from: SnapshotRef, req: VolumeRequest): Promise<ProviderVolume> {
    return snaps.restoreFileVolume(ctx, pool, from, req, { thin: this.thin, directIo: this.directIo });
  }

  rollback(ctx: ProviderContext, pool: DesiredPool, volume: string, snapshot: string): Promise<void> {
    return snaps.rollbackFileVolume(ctx, pool, volume, snapshot, { thin: this.thin, directIo: this.directIo });
  }

  private fileOf(pool: DesiredPool, name: string): string {
    return join(directoryOf(pool), `${requireVolumeName(name)}.img`);
  }

  private async grow(ctx: ProviderContext, file: string, bytes: number): Promise<void> {
    await this.run(ctx, this.thin ? cmd.truncateArgv(file, bytes) : cmd.fallocateArgv(file, bytes));
  }

  private async ensureAttached(ctx: ProviderContext, file: string): Promise<string> {
    const existing = await loopsOf(ctx, file);
    if (existing.length > 0) return existing[0].name;
    const device = parseAttach((await this.run(ctx, cmd.attachArgv(file, this.directIo))).stdout);
    ctx.log.info({ file, device }, 'attached loop device');
    return device;
  }

  private async allLoops(ctx: ProviderContext): Promise<LoopDevice[]> {
    return parseLoopList((await this.run(ctx, cmd.listAllArgv())).stdout);
  }

  private async required(file: string, name: string, device: string): Promise<ProviderVolume> {
    const vol = await volumeInfo(file, name, device);
    if (!vol) throw new Error(`${file} disappeared while it was being set up`);
    return vol;
  }

  private run(ctx: ProviderContext, argv: cmd.Argv) {
    const [file, ...args] = argv;
    return ctx.runner.run(file, args, { timeoutMs: 120_000 });
  }
}

export function directoryOf(pool: DesiredPool): string {
  const dir = poolTarget(pool);
  if (!isAbsolute(dir)) {
    throw new StorhubError('FAIL_INVLD_PROP', `${POOL_NAME_KEY} of storage pool '${pool.name}' must be an absolute directory, not '${dir}'.`, {
      correction: `Set ${POOL_NAME_KEY} to an absolute path such as /var/lib/storhub/${pool.name}.`,
    });
  }
  return dir;
}

function sizeBytes(req: VolumeRequest): number {
  return requireSizeKib(req) * 1024;
}

async function volumeInfo(file: string, name: string, device: string): Promise<ProviderVolume | undefined> {
  const st = await statOrUndefined(file);
  if (!st) return undefined;
  return { name, device_path: device, allocated_kib: allocatedKib(st), usable_kib: bytesToKib(st.size) };
}

/** The kernel reports a loop device's backing file by its real path (symlinks resolved). */
async function canonicalDir(dir: string): Promise<string> {
  try {
    return await realpath(dir);
  } catch (err) {
    if (code(err) === 'ENOENT') return dir; // nothing can be backed by a file inside it any more
    throw err;
  }
}

async function readPoolDir(pool: DesiredPool, dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if (code(err) !== 'ENOENT') throw err;
    throw new StorhubError('FAIL_NOT_FOUND_STOR_POOL', `Storage pool directory '${dir}' does not exist.`, {
      correction: `Create the directory (mkdir -p ${dir}) or fix ${POOL_NAME_KEY} of storage pool '${pool.name}'.`,
    });
  }
}

/** st_blocks counts 512-byte units really allocated: the holes of a sparse file cost nothing. */
export const allocatedKib = (st: Stats): number => Math.ceil((st.blocks * 512) / 1024);

/** The live (not deleted) loop devices backed by `file`. */
export async function loopsOf(ctx: ProviderContext, file: string): Promise<LoopDevice[]> {
  const [prog, ...args] = cmd.associatedArgv(file);
  return parseLoopList((await ctx.runner.run(prog, args, { timeoutMs: 120_000 })).stdout).filter((d) => !d.deleted);
}

export async function statOrUndefined(file: string): Promise<Stats | undefined> {
  try {
    return await stat(file);
  } catch (err) {
    if (code(err) === 'ENOENT') return undefined;
    throw err;
  }
}

function missingVolume(pool: DesiredPool, name: string, file: string): StorhubError {
  return new StorhubError('FAIL_NOT_FOUND_VLM', `Volume '${name}' does not exist in storage pool '${pool.name}' (${file}).`, {
    correction: 'Create the volume before resizing it.',
  });
}

const code = (err: unknown): string | undefined => (err as NodeJS.ErrnoException)?.code;
