/**
 * ZFS and ZFS_THIN: `StorDriver/StorPoolName` is a pool or a filesystem dataset in it; volumes
 * are zvols directly under it, /dev/zvol/<dataset>/<name>. ZFS_THIN zvols are sparse (-s).
 *
 * A zvol's size must be a multiple of its volblocksize, so sizes are rounded up: to the
 * volblocksize `StorDriver/ZfscreateOptions` asks for, else to 16 KiB (OpenZFS 2.2's default and a
 * multiple of the older 8 KiB default). After every change the real volsize is read back.
 * Allocation: a thick zvol holds its whole reservation (`used`); a sparse one what it references.
 */
import { CommandError } from '../../../exec/runner.js';
import { StorhubError } from '../../../model/errors.js';
import { parseVolumeName, type DesiredPool, type Report } from '../../protocol.js';
import { bytesToKib, errorReport, missingToolReport, poolTarget, POOL_NAME_KEY, requireSizeKib, requireVolumeName, roundUp, splitOptions, storhubErrorReport, type Argv } from '../common.js';
import type { PoolCapacity, ProviderContext, ProviderSnapshot, ProviderVolume, SnapshotRef, StorageProvider, VolumeRequest } from '../provider.js';
import * as cmd from './commands.js';
import { capacityOf, parseProps, parseZvols, volblocksizeFromOptions, type Zvol } from './parse.js';
import * as snaps from './snapshots.js';

export const ZFSCREATE_OPTIONS_KEY = 'StorDriver/ZfscreateOptions';
export const DEFAULT_VOLBLOCKSIZE = 16 * 1024;

export class ZfsProvider implements StorageProvider {
  readonly kind: 'ZFS' | 'ZFS_THIN';
  /** zfs snapshot / clone / rollback (snapshots.ts). */
  readonly supportsSnapshots = true;

  constructor(readonly thin: boolean) {
    this.kind = thin ? 'ZFS_THIN' : 'ZFS';
  }

  async checkConfig(ctx: ProviderContext, pool: DesiredPool): Promise<Report[]> {
    let dataset: string;
    try {
      dataset = poolTarget(pool);
    } catch (err) {
      return [storhubErrorReport(err)];
    }
    const fix = `Create it (zpool create ${dataset} <devices>, or zfs create ${dataset}) or fix ${POOL_NAME_KEY} of storage pool '${pool.name}'.`;
    try {
      const props = parseProps((await this.run(ctx, cmd.poolPropsArgv(dataset))).stdout);
      const type = props.get('type');
      if (type !== 'filesystem') {
        return [errorReport(`ZFS dataset '${dataset}' is a ${type ?? 'dataset of unknown type'}, not a filesystem that can hold volumes.`, fix)];
      }
      return [];
    } catch (err) {
      if (!(err instanceof CommandError)) throw err;
      if (err.notFound) return [missingToolReport('zfs', 'zfsutils-linux (OpenZFS)', err)];
      if (/dataset does not exist/.test(err.stderr)) return [errorReport(`ZFS dataset '${dataset}' does not exist.`, fix, err)];
      return [errorReport(`zfs cannot read storage pool '${pool.name}'.`, 'See the details for what zfs answered.', err)];
    }
  }

  async capacity(ctx: ProviderContext, pool: DesiredPool): Promise<PoolCapacity> {
    return capacityOf(parseProps((await this.run(ctx, cmd.poolPropsArgv(poolTarget(pool)))).stdout));
  }

  async listVolumes(ctx: ProviderContext, pool: DesiredPool): Promise<ProviderVolume[]> {
    const dataset = poolTarget(pool);
    return (await this.zvols(ctx, dataset))
      .map((z) => this.volume(dataset, z))
      .filter((v): v is ProviderVolume => v !== undefined)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async createVolume(ctx: ProviderContext, pool: DesiredPool, req: VolumeRequest): Promise<ProviderVolume> {
    const dataset = poolTarget(pool);
    const name = requireVolumeName(req.name);
    const size = requireSizeKib(req);
    const existing = await this.find(ctx, dataset, name);
    if (existing) return existing.usable_kib < size ? this.resizeVolume(ctx, pool, req) : existing;
    const extra = splitOptions(req.props[ZFSCREATE_OPTIONS_KEY]);
    const blockKib = (volblocksizeFromOptions(extra) ?? DEFAULT_VOLBLOCKSIZE) / 1024;
    await this.run(ctx, cmd.createArgv(dataset, name, roundUp(size, blockKib), this.thin, extra));
    ctx.log.info({ dataset, zvol: name, size_kib: size }, 'created zvol');
    return this.required(ctx, dataset, name);
  }

  async resizeVolume(ctx: ProviderContext, pool: DesiredPool, req: VolumeRequest): Promise<ProviderVolume> {
    const dataset = poolTarget(pool);
    const name = requireVolumeName(req.name);
    const size = requireSizeKib(req);
    const z = (await this.zvols(ctx, dataset)).find((x) => x.dataset === `${dataset}/${name}`);
    if (!z) {
      throw new StorhubError('FAIL_NOT_FOUND_VLM', `zvol '${dataset}/${name}' does not exist (storage pool '${pool.name}').`, {
        correction: 'Create the volume before resizing it.',
      });
    }
    if (bytesToKib(z.volsizeBytes) >= size) return this.volume(dataset, z)!; // never shrink
    await this.run(ctx, cmd.resizeArgv(dataset, name, roundUp(size, z.volblocksizeBytes / 1024)));
    ctx.log.info({ dataset, zvol: name, size_kib: size }, 'resized zvol');
    return this.required(ctx, dataset, name);
  }

  async deleteVolume(ctx: ProviderContext, pool: DesiredPool, name: string): Promise<void> {
    const dataset = poolTarget(pool);
    requireVolumeName(name);
    if (!(await this.find(ctx, dataset, name))) return;
    await this.run(ctx, cmd.destroyArgv(dataset, name));
    ctx.log.info({ dataset, zvol: name }, 'destroyed zvol');
  }

  async createSnapshot(ctx: ProviderContext, pool: DesiredPool, volume: string, snapshot: string): Promise<ProviderSnapshot> {
    return await snaps.createZfsSnapshot(ctx, this.snapTarget(ctx, pool), volume, snapshot);
  }

  async deleteSnapshot(ctx: ProviderContext, pool: DesiredPool, volume: string, snapshot: string): Promise<void> {
    return await snaps.deleteZfsSnapshot(ctx, this.snapTarget(ctx, pool), volume, snapshot);
  }

  async listSnapshots(ctx: ProviderContext, pool: DesiredPool): Promise<ProviderSnapshot[]> {
    return await snaps.listZfsSnapshots(ctx, this.snapTarget(ctx, pool));
  }

  async restoreVolume(ctx: ProviderContext, pool: DesiredPool, from: SnapshotRef, req: VolumeRequest): Promise<ProviderVolume> {
    return await snaps.restoreZfsVolume(ctx, this.snapTarget(ctx, pool), from, req);
  }

  async rollback(ctx: ProviderContext, pool: DesiredPool, volume: string, snapshot: string): Promise<void> {
    return await snaps.rollbackZfsVolume(ctx, this.snapTarget(ctx, pool), volume, snapshot);
  }

  private snapTarget(ctx: ProviderContext, pool: DesiredPool): snaps.ZfsSnapshotTarget {
    const dataset = poolTarget(pool);
    return { dataset, pool: pool.name, volume: (name) => this.find(ctx, dataset, name) };
  }

  /** Only Storhub-named zvols directly under the pool dataset. */
  private volume(dataset: string, z: Zvol): ProviderVolume | undefined {
    const prefix = `${dataset}/`;
    if (!z.dataset.startsWith(prefix)) return undefined;
    const name = z.dataset.slice(prefix.length);
    if (name.includes('/') || !parseVolumeName(name)) return undefined;
    return {
      name,
      device_path: `/dev/zvol/${z.dataset}`,
      allocated_kib: bytesToKib(this.thin ? z.referBytes : z.usedBytes),
      usable_kib: bytesToKib(z.volsizeBytes),
    };
  }

  private async find(ctx: ProviderContext, dataset: string, name: string): Promise<ProviderVolume | undefined> {
    const z = (await this.zvols(ctx, dataset)).find((x) => x.dataset === `${dataset}/${name}`);
    return z && this.volume(dataset, z);
  }

  private async required(ctx: ProviderContext, dataset: string, name: string): Promise<ProviderVolume> {
    const v = await this.find(ctx, dataset, name);
    if (!v) throw new Error(`zvol ${dataset}/${name} is missing right after zfs reported success`);
    return v;
  }

  private async zvols(ctx: ProviderContext, dataset: string): Promise<Zvol[]> {
    return parseZvols((await this.run(ctx, cmd.listArgv(dataset))).stdout);
  }

  private run(ctx: ProviderContext, argv: Argv) {
    const [file, ...args] = argv;
    return ctx.runner.run(file, args, { timeoutMs: 120_000 });
  }
}
