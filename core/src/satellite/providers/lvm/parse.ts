/** Parsers for lvm2 reports (`--noheadings --nosuffix --units b --separator ;`), pure. */
import { bytesToKib } from '../common.js';

/** Rows of a report whose columns are `fields`, in that order. Blank lines are skipped. */
export function parseReport(stdout: string, fields: readonly string[]): Array<Record<string, string>> {
  const rows: Array<Record<string, string>> = [];
  for (const raw of stdout.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    const cols = line.split(';');
    if (cols.length !== fields.length) {
      throw new Error(`lvm report line has ${cols.length} columns, expected ${fields.length} (${fields.join(',')}): '${line}'`);
    }
    rows.push(Object.fromEntries(fields.map((f, i) => [f, cols[i].trim()])));
  }
  return rows;
}

export interface LvRow {
  name: string;
  sizeBytes: number;
  /** Thin pools and thin LVs: share of the data in use; undefined when lvm2 cannot say (inactive). */
  dataPercent: number | undefined;
  /** The thin pool a thin LV lives in; '' otherwise. */
  poolLv: string;
  attr: string;
}

export interface VgRow {
  name: string;
  sizeBytes: number;
  freeBytes: number;
  extentBytes: number;
}

export function parseLvs(stdout: string): LvRow[] {
  return parseReport(stdout, ['lv_name', 'lv_size', 'data_percent', 'pool_lv', 'lv_attr']).map((r) => ({
    name: r.lv_name,
    sizeBytes: bytes(r.lv_size, 'lv_size'),
    dataPercent: parsePercent(r.data_percent),
    poolLv: r.pool_lv,
    attr: r.lv_attr,
  }));
}

export function parseVgs(stdout: string): VgRow[] {
  return parseReport(stdout, ['vg_name', 'vg_size', 'vg_free', 'vg_extent_size']).map((r) => ({
    name: r.vg_name,
    sizeBytes: bytes(r.vg_size, 'vg_size'),
    freeBytes: bytes(r.vg_free, 'vg_free'),
    extentBytes: bytes(r.vg_extent_size, 'vg_extent_size'),
  }));
}

/** "" (not reported: an inactive pool, or an old lvm2 with an empty pool) is undefined, not 0. */
export function parsePercent(value: string): number | undefined {
  if (value === '') return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 100) throw new Error(`not a percentage: '${value}'`);
  return n;
}

/** lv_attr's first letter is the volume type: 't' thin pool, 'V' thin volume, '-' plain, ... */
export const isThinPool = (lv: LvRow): boolean => lv.attr.startsWith('t');

export interface ThinPoolUsage {
  total_kib: number;
  free_kib: number;
}

/**
 * Capacity of a thin pool: its data LV size and the part not yet written. When lvm2 reports no
 * percentage the usage is only known for an empty pool (no thin LVs: nothing allocated); otherwise
 * the answer is an error, because guessing "free" would let the controller overfill the pool.
 */
export function thinPoolUsage(pool: LvRow, thinVolumeCount: number): ThinPoolUsage {
  const total = bytesToKib(pool.sizeBytes);
  if (pool.dataPercent === undefined) {
    if (thinVolumeCount === 0) return { total_kib: total, free_kib: total };
    throw new Error(`lvm2 reports no data usage for thin pool '${pool.name}' (attr ${pool.attr}; an inactive pool reports none)`);
  }
  const used = Math.ceil((total * pool.dataPercent) / 100);
  return { total_kib: total, free_kib: Math.max(0, total - used) };
}

function bytes(value: string, field: string): number {
  if (!/^\d+$/.test(value)) throw new Error(`${field} is not a whole number of bytes: '${value}'`);
  return Number(value);
}
