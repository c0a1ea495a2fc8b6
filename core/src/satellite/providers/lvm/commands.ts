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
