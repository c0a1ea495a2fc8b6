/**
 * Thin snapshots of LVM_THIN volumes (LINSTOR's way, so a node moved over from LINSTOR keeps working):
 *  - snapshot: `lvcreate --snapshot --name <rsc>_<nnnnn>_<snap> VG/<rsc>_<nnnnn>`, a thin LV in the same
 *    pool, inactive (activation skip);
 *  - restore: a thin snapshot of the snapshot under the new volume's name, activation skip cleared,
 *    then activated;
 *  - rollback: deactivate the volume, `lvconvert --merge` the snapshot into it (which consumes the
 *    snapshot), take the snapshot again from the merged volume (it must still exist afterwards, as
 *    on every other provider), activate the volume again;
 *  - delete: `lvremove`.
 * Thick LVM has no snapshots in Storhub (old-style COW snapshots need a size guess and break when full).
 */
import { StorhubError } from '../../../model/errors.js';
import { bytesToKib, requireVolumeName, type Argv } from '../common.js';
import type { ProviderContext, ProviderSnapshot, ProviderVolume, SnapshotRef, VolumeRequest } from '../provider.js';
import { deviceClaimed, isSnapshotStorageName, snapshotStorageName, volumeInUse } from '../snapshot-common.js';
import * as cmd from './commands.js';
import { parseLvs, type LvRow } from './parse.js';

export interface ThinTarget {
  vg: string;
  thinPool: string;
  /** The pool's name, for messages. */
  pool: string;
}

/** lv_attr: the 6th character is 'o' while the LV's device is open. */
export const isOpen = (lv: LvRow): boolean => lv.attr[5] === 'o';

export class LvmThinSnapshots {
  constructor(private readonly o: cmd.LvmCommandOptions) {}

  async list(ctx: ProviderContext, t: ThinTarget): Promise<ProviderSnapshot[]> {
    return (await this.lvs(ctx, t))
      .filter((lv) => lv.poolLv === t.thinPool && isSnapshotStorageName(lv.name))
      .map((lv) => ({ name: lv.name, allocated_kib: allocatedKib(lv) }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async create(ctx: ProviderContext, t: ThinTarget, volume: string, snapshot: string): Promise<ProviderSnapshot> {
    const name = snapshotStorageName(volume, snapshot);
    const lvs = await this.lvs(ctx, t);
    const have = this.thinLv(lvs, t, name);
    if (have) return { name, allocated_kib: allocatedKib(have) };
    if (!this.thinLv(lvs, t, volume)) throw missingVolume(t, volume);
    await this.run(ctx, cmd.lvSnapshotArgv(this.o, t.vg, volume, name));
    ctx.log.info({ vg: t.vg, volume, snapshot: name }, 'thin snapshot taken');
    const made = this.thinLv(await this.lvs(ctx, t), t, name);
    if (!made) throw new Error(`thin snapshot ${t.vg}/${name} is missing right after lvm2 reported success`);
    return { name, allocated_kib: allocatedKib(made) };
  }

  async delete(ctx: ProviderContext, t: ThinTarget, volume: string, snapshot: string): Promise<void> {
    const name = snapshotStorageName(volume, snapshot);
    const lv = this.thinLv(await this.lvs(ctx, t), t, name);
    if (!lv) return;
    if (isOpen(lv)) throw volumeInUse(name, `/dev/${t.vg}/${name}`, `delete snapshot '${snapshot}'`);
    await this.run(ctx, cmd.lvremoveArgv(this.o, t.vg, name));
    ctx.log.info({ vg: t.vg, snapshot: name }, 'thin snapshot deleted');
  }

  async restore(ctx: ProviderContext, t: ThinTarget, from: SnapshotRef, req: VolumeRequest): Promise<ProviderVolume> {
    const name = requireVolumeName(req.name);
    const snapName = snapshotStorageName(from.volume, from.snapshot);
    const lvs = await this.lvs(ctx, t);
    if (lvs.some((lv) => lv.name === name)) {
      throw new StorhubError('FAIL_EXISTS_RSC', `Logical volume '${t.vg}/${name}' already exists; restoring into it would overwrite its data.`, {
        correction: 'Restore into a new resource, or delete the volume first.',
      });
    }
    if (!this.thinLv(lvs, t, snapName)) throw missingSnapshot(t, from);
    await this.run(ctx, cmd.lvRestoreArgv(this.o, t.vg, snapName, name));
    await this.run(ctx, cmd.lvActivateArgv(this.o, t.vg, name));
    ctx.log.info({ vg: t.vg, volume: name, from: snapName }, 'thin volume restored from snapshot');
    const lv = this.thinLv(await this.lvs(ctx, t), t, name);
    if (!lv) throw new Error(`logical volume ${t.vg}/${name} is missing right after lvm2 reported success`);
    const usable = bytesToKib(lv.sizeBytes);
    // Unknown (inactive) counts as fully allocated, as the provider counts its volumes.
    return { name, device_path: `/dev/${t.vg}/${name}`, allocated_kib: allocatedKib(lv) ?? usable, usable_kib: usable };
  }

  async rollback(ctx: ProviderContext, t: ThinTarget, volume: string, snapshot: string): Promise<void> {
    requireVolumeName(volume);
    const snapName = snapshotStorageName(volume, snapshot);
    const lvs = await this.lvs(ctx, t);
    const origin = this.thinLv(lvs, t, volume);
    if (!origin) throw missingVolume(t, volume);
    if (!this.thinLv(lvs, t, snapName)) throw missingSnapshot(t, { volume, snapshot });
    const device = `/dev/${t.vg}/${volume}`;
    const what = `roll back to snapshot '${snapshot}'`;
    if (isOpen(origin) || (await deviceClaimed(device))) throw volumeInUse(volume, device, what);

    await this.run(ctx, cmd.lvDeactivateArgv(this.o, t.vg, volume));
    let failure: unknown;
    try {
      await this.run(ctx, cmd.lvMergeArgv(this.o, t.vg, snapName));
      // The merge consumed the snapshot; it is the rollback target and must stay, so take it again.
      await this.run(ctx, cmd.lvSnapshotArgv(this.o, t.vg, volume, snapName));
    } catch (err) {
      failure = err;
    }
    try {
      await this.run(ctx, cmd.lvActivateArgv(this.o, t.vg, volume));
    } catch (err) {
      // The first failure says what went wrong; a failed reactivation after it is a consequence.
      failure ??= err;
    }
    if (failure) throw failure;
    ctx.log.info({ vg: t.vg, volume, snapshot: snapName }, 'thin volume rolled back to snapshot');
  }

  /** A thin LV of the pool by name (anything else with that name is not ours to touch). */
  private thinLv(lvs: readonly LvRow[], t: ThinTarget, name: string): LvRow | undefined {
    return lvs.find((lv) => lv.name === name && lv.poolLv === t.thinPool);
  }

  private async lvs(ctx: ProviderContext, t: ThinTarget): Promise<LvRow[]> {
    return parseLvs((await this.run(ctx, cmd.lvsArgv(this.o, t.vg))).stdout);
  }

  private run(ctx: ProviderContext, argv: Argv) {
    const [file, ...args] = argv;
    return ctx.runner.run(file, args, { timeoutMs: 120_000, env: { LVM_SUPPRESS_FD_WARNINGS: '1' } });
  }
}

/** The written part of the virtual size; unknown (inactive) counts as nothing written of its own. */
function allocatedKib(lv: LvRow): number | undefined {
  return lv.dataPercent === undefined ? undefined : Math.ceil((bytesToKib(lv.sizeBytes) * lv.dataPercent) / 100);
}

function missingVolume(t: ThinTarget, volume: string): StorhubError {
  return new StorhubError('FAIL_NOT_FOUND_VLM', `Thin volume '${t.vg}/${volume}' does not exist in storage pool '${t.pool}'.`, {
    correction: 'Snapshots and rollbacks need the volume to exist on this node.',
  });
}

function missingSnapshot(t: ThinTarget, ref: SnapshotRef): StorhubError {
  return new StorhubError('FAIL_NOT_FOUND_SNAPSHOT', `Snapshot '${ref.snapshot}' of volume '${ref.volume}' does not exist in thin pool '${t.vg}/${t.thinPool}' (storage pool '${t.pool}').`, {
    correction: 'Use a snapshot that exists on this node (snapshots are taken on the nodes that hold the resource).',
  });
}
