/**
 * LVM (thick LVs in a volume group: `StorDriver/StorPoolName` = VG) and LVM_THIN (thin LVs in a
 * thin pool: `StorDriver/StorPoolName` = VG/THINPOOL). The device is /dev/VG/LV. Sizes are what
 * lvm2 really made (it rounds up to whole extents), read back with lvs after every change.
 * `StorDriver/LvcreateOptions` (from the volume's effective props) is split into lvcreate words.
 */
import { CommandError } from '../../../exec/runner.js';
import { StorhubError } from '../../../model/errors.js';
import { parseVolumeName, type DesiredPool, type Report } from '../../protocol.js';
import { bytesToKib, errorReport, missingToolReport, poolTarget, POOL_NAME_KEY, requireSizeKib, requireVolumeName, splitOptions, storhubErrorReport, type Argv } from '../common.js';
import type { PoolCapacity, ProviderContext, ProviderSnapshot, ProviderVolume, SnapshotRef, StorageProvider, VolumeRequest } from '../provider.js';
import { snapshotsUnsupported } from '../snapshot-common.js';
import * as cmd from './commands.js';
import { isThinPool, parseLvs, parseVgs, thinPoolUsage, type LvRow } from './parse.js';
import { LvmThinSnapshots, type ThinTarget } from './snapshots.js';

export const LVCREATE_OPTIONS_KEY = 'StorDriver/LvcreateOptions';

export interface LvmProviderOptions {
  /** `--config` for every lvm2 command (default: env STORHUB_LVM_CONFIG). */
  config?: string;
}

interface Target {
  vg: string;
  /** LVM_THIN only. */
  thinPool?: string;
}

export class LvmProvider implements StorageProvider {
  readonly kind: 'LVM' | 'LVM_THIN';
  /** Thin snapshots (snapshots.ts); thick LVM has none. */
  readonly supportsSnapshots: boolean;
  private readonly o: cmd.LvmCommandOptions;
  private readonly snaps: LvmThinSnapshots;

  constructor(readonly thin: boolean, opts: LvmProviderOptions = {}) {
    this.kind = thin ? 'LVM_THIN' : 'LVM';
    this.supportsSnapshots = thin;
    this.o = { config: opts.config ?? (process.env.STORHUB_LVM_CONFIG || undefined) };
    this.snaps = new LvmThinSnapshots(this.o);
  }

  async checkConfig(ctx: ProviderContext, pool: DesiredPool): Promise<Report[]> {
    let t: Target;
    try {
      t = this.target(pool);
    } catch (err) {
      return [storhubErrorReport(err)];
    }
    const fixVg = `Create it (vgcreate ${t.vg} <devices>) or fix ${POOL_NAME_KEY} of storage pool '${pool.name}'.`;
    try {
      if (!t.thinPool) {
        const vgs = parseVgs((await this.run(ctx, cmd.vgsArgv(this.o, t.vg))).stdout);
        return vgs.length ? [] : [errorReport(`Volume group '${t.vg}' not found.`, fixVg)];
      }
      const lvs = parseLvs((await this.run(ctx, cmd.lvsArgv(this.o, t.vg))).stdout);
      const tp = lvs.find((lv) => lv.name === t.thinPool);
      const fixTp = `Create it (lvcreate --type thin-pool -L <size> -n ${t.thinPool} ${t.vg}) or fix ${POOL_NAME_KEY} of storage pool '${pool.name}'.`;
      if (!tp) return [errorReport(`Thin pool '${t.vg}/${t.thinPool}' not found.`, fixTp)];
      if (!isThinPool(tp)) return [errorReport(`'${t.vg}/${t.thinPool}' is not a thin pool (lv_attr ${tp.attr}).`, fixTp)];
      return [];
    } catch (err) {
      if (!(err instanceof CommandError)) throw err;
      if (err.notFound) return [missingToolReport(err.argv[0], 'lvm2', err)];
      if (/Volume group .* not found/.test(err.stderr)) return [errorReport(`Volume group '${t.vg}' not found.`, fixVg, err)];
      return [errorReport(`lvm2 cannot read storage pool '${pool.name}'.`, 'See the details for what lvm2 answered.', err)];
    }
  }

  async capacity(ctx: ProviderContext, pool: DesiredPool): Promise<PoolCapacity> {
    const t = this.target(pool);
    if (!t.thinPool) {
      const [vg] = parseVgs((await this.run(ctx, cmd.vgsArgv(this.o, t.vg))).stdout);
      if (!vg) throw new Error(`vgs printed nothing for volume group '${t.vg}'`);
      return { free_kib: bytesToKib(vg.freeBytes), total_kib: bytesToKib(vg.sizeBytes) };
    }
    const lvs = await this.lvs(ctx, t.vg);
    const tp = lvs.find((lv) => lv.name === t.thinPool && isThinPool(lv));
    if (!tp) throw thinPoolMissing(pool, t);
    return thinPoolUsage(tp, lvs.filter((lv) => lv.poolLv === t.thinPool).length);
  }

  async listVolumes(ctx: ProviderContext, pool: DesiredPool): Promise<ProviderVolume[]> {
    const t = this.target(pool);
    return (await this.lvs(ctx, t.vg))
      .filter((lv) => this.ours(lv, t))
      .map((lv) => this.volume(t, lv))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async createVolume(ctx: ProviderContext, pool: DesiredPool, req: VolumeRequest): Promise<ProviderVolume> {
    const t = this.target(pool);
    const name = requireVolumeName(req.name);
    const size = requireSizeKib(req);
    const existing = await this.find(ctx, t, name);
    if (existing) return existing.usable_kib < size ? this.resizeVolume(ctx, pool, req) : existing;
    const extra = splitOptions(req.props[LVCREATE_OPTIONS_KEY]);
    await this.run(ctx, t.thinPool
      ? cmd.lvcreateThinArgv(this.o, t.vg, t.thinPool, name, size, extra)
      : cmd.lvcreateArgv(this.o, t.vg, name, size, extra));
    ctx.log.info({ vg: t.vg, thin_pool: t.thinPool, lv: name, size_kib: size }, 'created logical volume');
    return this.required(ctx, t, name);
  }

  async resizeVolume(ctx: ProviderContext, pool: DesiredPool, req: VolumeRequest): Promise<ProviderVolume> {
    const t = this.target(pool);
    const name = requireVolumeName(req.name);
    const size = requireSizeKib(req);
    const existing = await this.find(ctx, t, name);
    if (!existing) {
      throw new StorhubError('FAIL_NOT_FOUND_VLM', `Logical volume '${t.vg}/${name}' does not exist (storage pool '${pool.name}').`, {
        correction: 'Create the volume before resizing it.',
      });
    }
    if (existing.usable_kib >= size) return existing; // never shrink; lvm2 refuses "same size" anyway
    await this.run(ctx, cmd.lvresizeArgv(this.o, t.vg, name, size));
    ctx.log.info({ vg: t.vg, lv: name, size_kib: size }, 'resized logical volume');
    return this.required(ctx, t, name);
  }

  async deleteVolume(ctx: ProviderContext, pool: DesiredPool, name: string): Promise<void> {
    const t = this.target(pool);
    requireVolumeName(name);
    if (!(await this.find(ctx, t, name))) return;
    await this.run(ctx, cmd.lvremoveArgv(this.o, t.vg, name));
    ctx.log.info({ vg: t.vg, lv: name }, 'removed logical volume');
  }

  async createSnapshot(ctx: ProviderContext, pool: DesiredPool, volume: string, snapshot: string): Promise<ProviderSnapshot> {
    return await this.snaps.create(ctx, this.thinTarget(pool), volume, snapshot);
  }

  async deleteSnapshot(ctx: ProviderContext, pool: DesiredPool, volume: string, snapshot: string): Promise<void> {
    return await this.snaps.delete(ctx, this.thinTarget(pool), volume, snapshot);
  }

  async listSnapshots(ctx: ProviderContext, pool: DesiredPool): Promise<ProviderSnapshot[]> {
    return await this.snaps.list(ctx, this.thinTarget(pool));
  }

  async restoreVolume(ctx: ProviderContext, pool: DesiredPool, from: SnapshotRef, req: VolumeRequest): Promise<ProviderVolume> {
    return await this.snaps.restore(ctx, this.thinTarget(pool), from, req);
  }

  async rollback(ctx: ProviderContext, pool: DesiredPool, volume: string, snapshot: string): Promise<void> {
    return await this.snaps.rollback(ctx, this.thinTarget(pool), volume, snapshot);
  }

  /** The thin pool of an LVM_THIN pool; thick pools refuse every snapshot operation. */
  private thinTarget(pool: DesiredPool): ThinTarget {
    if (!this.thin) throw snapshotsUnsupported(this.kind, pool);
    const t = this.target(pool);
    return { vg: t.vg, thinPool: t.thinPool!, pool: pool.name };
  }

  /** Thick pools own the plain LVs of the VG; thin pools own the thin LVs of their pool only. */
  private ours(lv: LvRow, t: Target): boolean {
    if (!parseVolumeName(lv.name)) return false;
    return t.thinPool ? lv.poolLv === t.thinPool : lv.poolLv === '' && !isThinPool(lv);
  }

  private volume(t: Target, lv: LvRow): ProviderVolume {
    const usable = bytesToKib(lv.sizeBytes);
    // Thin: the written part of the virtual size. Unknown (inactive) counts as fully allocated.
    const allocated = t.thinPool && lv.dataPercent !== undefined ? Math.ceil((usable * lv.dataPercent) / 100) : usable;
    return { name: lv.name, device_path: `/dev/${t.vg}/${lv.name}`, allocated_kib: allocated, usable_kib: usable };
  }

  private async find(ctx: ProviderContext, t: Target, name: string): Promise<ProviderVolume | undefined> {
    const lv = (await this.lvs(ctx, t.vg)).find((x) => x.name === name);
    if (!lv) return undefined;
    if (!this.ours(lv, t)) {
      throw new StorhubError('FAIL_IN_USE', `'${t.vg}/${name}' exists but does not belong to this ${this.kind} pool (pool_lv '${lv.poolLv}', attr ${lv.attr}).`, {
        correction: 'Rename or remove the other logical volume, or use another storage pool.',
      });
    }
    return this.volume(t, lv);
  }

  private async required(ctx: ProviderContext, t: Target, name: string): Promise<ProviderVolume> {
    const v = await this.find(ctx, t, name);
    if (!v) throw new Error(`logical volume ${t.vg}/${name} is missing right after lvm2 reported success`);
    return v;
  }

  private async lvs(ctx: ProviderContext, vg: string): Promise<LvRow[]> {
    return parseLvs((await this.run(ctx, cmd.lvsArgv(this.o, vg))).stdout);
  }

  private target(pool: DesiredPool): Target {
    const value = poolTarget(pool);
    const parts = value.split('/');
    const ok = this.thin ? parts.length === 2 && parts.every((p) => p !== '') : parts.length === 1;
    if (!ok) {
      throw new StorhubError('FAIL_INVLD_PROP', `${POOL_NAME_KEY} '${value}' of storage pool '${pool.name}' is not ${this.thin ? 'VG/THINPOOL' : 'a volume group name'}.`, {
        correction: this.thin ? `Set ${POOL_NAME_KEY} to <volume group>/<thin pool>.` : `Set ${POOL_NAME_KEY} to the volume group name.`,
      });
    }
    return this.thin ? { vg: parts[0], thinPool: parts[1] } : { vg: parts[0] };
  }

  private run(ctx: ProviderContext, argv: Argv) {
    const [file, ...args] = argv;
    return ctx.runner.run(file, args, { timeoutMs: 120_000, env: { LVM_SUPPRESS_FD_WARNINGS: '1' } });
  }
}

function thinPoolMissing(pool: DesiredPool, t: Target): StorhubError {
  return new StorhubError('FAIL_NOT_FOUND_STOR_POOL', `Thin pool '${t.vg}/${t.thinPool}' of storage pool '${pool.name}' not found.`, {
    correction: `Create it (lvcreate --type thin-pool -L <size> -n ${t.thinPool} ${t.vg}) or fix ${POOL_NAME_KEY}.`,
  });
}
