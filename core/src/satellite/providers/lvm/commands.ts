/**
 * argv builders for LVM and LVM_THIN (lvm2's lvs/vgs/lvcreate/lvresize/lvremove). Pure.
 *
 * Reports use `--noheadings --nosuffix --units b --separator ;`: whole bytes and one row per line,
 * the same shape LINSTOR reads, so public LINSTOR-era output doubles as test input. LV and VG names
 * cannot contain ';' (lvm2 allows [a-zA-Z0-9+_.-]), so the separator is unambiguous.
 *
 * `config` is added as `--config <config>` to every command. Nodes normally need none; tests and
 * machines without device-mapper use `global{activation=0}` (metadata only: no /dev/VG/LV appears).
 */
import type { Argv } from '../common.js';

export interface LvmCommandOptions {
  /** lvm.conf fragment for `--config`, e.g. `global{activation=0}` or a `devices{filter=[...]}`. */
  config?: string;
}

export const LV_FIELDS = ['lv_name', 'lv_size', 'data_percent', 'pool_lv', 'lv_attr'] as const;
export const VG_FIELDS = ['vg_name', 'vg_size', 'vg_free', 'vg_extent_size'] as const;

const REPORT = ['--noheadings', '--nosuffix', '--units', 'b', '--separator', ';'];

const cfg = (o: LvmCommandOptions): string[] => (o.config ? ['--config', o.config] : []);

/** Every LV of the VG (thick LVs, thin pools, thin volumes with their pool). */
export function lvsArgv(o: LvmCommandOptions, vg: string): Argv {
  return ['lvs', ...cfg(o), ...REPORT, '-o', LV_FIELDS.join(','), vg];
}

export function vgsArgv(o: LvmCommandOptions, vg: string): Argv {
  return ['vgs', ...cfg(o), ...REPORT, '-o', VG_FIELDS.join(','), vg];
}

/** Thick LV; lvm2 rounds the size up to whole extents. `--yes` answers the wipe-signature prompt. */
export function lvcreateArgv(o: LvmCommandOptions, vg: string, name: string, sizeKib: number, extra: string[]): Argv {
  return ['lvcreate', ...cfg(o), '--name', name, '--size', `${sizeKib}k`, '--yes', ...extra, vg];
}

/** Thin LV of `sizeKib` virtual size in VG/POOL. */
export function lvcreateThinArgv(o: LvmCommandOptions, vg: string, thinPool: string, name: string, sizeKib: number, extra: string[]): Argv {
  return ['lvcreate', ...cfg(o), '--name', name, '--virtualsize', `${sizeKib}k`, '--thinpool', `${vg}/${thinPool}`, '--yes', ...extra];
}

/** Grows a thick or thin LV (thin: the virtual size). */
export function lvresizeArgv(o: LvmCommandOptions, vg: string, name: string, sizeKib: number): Argv {
  return ['lvresize', ...cfg(o), '--size', `${sizeKib}k`, `${vg}/${name}`];
}

/** `--force` skips the "really remove active LV?" prompt; an open LV still refuses. */
export function lvremoveArgv(o: LvmCommandOptions, vg: string, name: string): Argv {
  return ['lvremove', ...cfg(o), '--force', `${vg}/${name}`];
}

// --- thin snapshots (LVM_THIN only; lvm2 cannot snapshot thick LVs in a way Storhub uses) ---

/**
 * A thin snapshot of VG/ORIGIN. lvm2 gives thin snapshots the activation-skip flag, so no device
 * appears for them (nothing needs one: restore and rollback work on the LVs, not on devices).
 */
export function lvSnapshotArgv(o: LvmCommandOptions, vg: string, origin: string, name: string): Argv {
  return ['lvcreate', ...cfg(o), '--snapshot', '--name', name, `${vg}/${origin}`];
}

/**
 * A new thin volume from a snapshot: a thin snapshot of the snapshot (shares every block, costs
 * nothing), with activation skip cleared so it activates like any other volume.
 */
export function lvRestoreArgv(o: LvmCommandOptions, vg: string, snapshotLv: string, name: string): Argv {
  return ['lvcreate', ...cfg(o), '--snapshot', '--setactivationskip', 'n', '--name', name, `${vg}/${snapshotLv}`];
}

/** `--ignoreactivationskip` also activates LVs that carry the flag (a volume made by an older restore). */
export function lvActivateArgv(o: LvmCommandOptions, vg: string, name: string): Argv {
  return ['lvchange', ...cfg(o), '--activate', 'y', '--ignoreactivationskip', `${vg}/${name}`];
}

export function lvDeactivateArgv(o: LvmCommandOptions, vg: string, name: string): Argv {
  return ['lvchange', ...cfg(o), '--activate', 'n', `${vg}/${name}`];
}

/**
 * Merges a thin snapshot into its origin (the origin takes the snapshot's data; the snapshot LV is
 * gone afterwards). With the origin inactive the merge happens at once.
 */
export function lvMergeArgv(o: LvmCommandOptions, vg: string, snapshotLv: string): Argv {
  return ['lvconvert', ...cfg(o), '--merge', `${vg}/${snapshotLv}`];
}
