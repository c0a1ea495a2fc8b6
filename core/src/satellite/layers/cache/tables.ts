/**
 * dm-cache and dm-writecache table lines (pure), in the kernel's format
 * (Documentation/admin-guide/device-mapper/cache.rst and writecache.rst):
 *
 *   <start> <length> cache <metadata dev> <cache dev> <origin dev> <block size>
 *                          <#feature args> [<feature arg>]* <policy> <#policy args> [policy args]*
 *   <start> <length> writecache <p|s> <origin dev> <cache dev> <block size> <#opt args> [opt args]*
 *
 * Lengths are in 512-byte sectors. dm-cache block sizes are in sectors too (64..2097152, a multiple
 * of 64); the dm-writecache block size is in bytes (4096 recommended, at most the page size).
 * Options come from LINSTOR's Cache/* and Writecache/* properties.
 */

export const CACHE_MODES = ['writeback', 'writethrough', 'passthrough'] as const;
export const CACHE_POLICIES = ['mq', 'smq', 'cleaner', 'default'] as const;

/** LINSTOR's defaults (props/rules-general.ts). */
export const CACHE_DEFAULTS = { mode: 'writethrough', policy: 'smq', blockSize: 4096, cacheSize: '5%', metaSize: '12288' } as const;
export const WRITECACHE_BLOCK_SIZE = 4096;

export interface CacheTable {
  originSectors: number;
  metaDevice: string;
  cacheDevice: string;
  originDevice: string;
  blockSizeSectors: number;
  mode: string;
  policy: string;
  /** key/value pairs for the policy, e.g. ["migration_threshold", "2048"] */
  policyArgs?: string[];
}

export function cacheTable(t: CacheTable): string {
  const bs = t.blockSizeSectors;
  if (!Number.isInteger(bs) || bs < 64 || bs > 2097152 || bs % 64 !== 0) {
    throw new Error(`dm-cache block size ${bs} sectors is invalid: it must be a multiple of 64 between 64 (32 KiB) and 2097152 (1 GiB)`);
  }
  if (!(CACHE_MODES as readonly string[]).includes(t.mode)) throw new Error(`dm-cache mode '${t.mode}' is not one of ${CACHE_MODES.join(', ')}`);
  const policyArgs = t.policyArgs ?? [];
  if (policyArgs.length % 2 !== 0) throw new Error('dm-cache policy arguments must be key/value pairs');
  return [0, t.originSectors, 'cache', t.metaDevice, t.cacheDevice, t.originDevice, bs, 1, t.mode, t.policy, policyArgs.length, ...policyArgs].join(' ');
}

export interface WritecacheTable {
  originSectors: number;
  /** "s" for SSD, "p" for persistent memory */
  type: 's' | 'p';
  originDevice: string;
  cacheDevice: string;
  blockSizeBytes?: number;
  /** Optional parameters, each token counted (start_sector 0 counts as two). */
  options?: string[];
}

export function writecacheTable(t: WritecacheTable): string {
  const opts = t.options ?? [];
  return [0, t.originSectors, 'writecache', t.type, t.originDevice, t.cacheDevice, t.blockSizeBytes ?? WRITECACHE_BLOCK_SIZE, opts.length, ...opts].join(' ');
}

/** Writecache/Options/* -> dm-writecache optional parameters, in the kernel doc's order. */
export function writecacheOptions(props: Record<string, string>): string[] {
  const out: string[] = [];
  const num = (key: string, arg: string) => {
    const v = props[`Writecache/Options/${key}`]?.trim();
    if (v === undefined || v === '') return;
    if (!/^\d+$/.test(v)) throw new Error(`Writecache/Options/${key} is '${v}', not a whole number`);
    out.push(arg, v);
  };
  num('StartSector', 'start_sector');
  num('HighWatermark', 'high_watermark');
  num('LowWatermark', 'low_watermark');
  num('WritebackJobs', 'writeback_jobs');
  num('AutocommitBlocks', 'autocommit_blocks');
  num('AutocommitTime', 'autocommit_time');
  const fua = props['Writecache/Options/Fua']?.trim().toLowerCase();
  if (fua === 'on') out.push('fua');
  else if (fua === 'off') out.push('nofua');
  else if (fua) throw new Error(`Writecache/Options/Fua is '${props['Writecache/Options/Fua']}', not On or Off`);
  const extra = props['Writecache/Options/Additional']?.trim();
  if (extra) out.push(...extra.split(/\s+/));
  return out;
}

/**
 * A cache size property: "N%" of `baseKib`, or KiB. Rounded up to whole MiB so providers that round
 * (LVM extents) and those that do not agree on the number.
 */
export function resolveSizeKib(spec: string, baseKib: number, key: string): number {
  const s = spec.trim();
  let kib: number;
  const pct = /^(\d+(?:\.\d*)?)%$/.exec(s);
  if (pct) kib = (baseKib * Number(pct[1])) / 100;
  else if (/^\d+$/.test(s)) kib = Number(s);
  else throw new Error(`${key} is '${spec}': expected a percentage ("5%") or a size in KiB`);
  if (!(kib > 0)) throw new Error(`${key} '${spec}' gives an empty device`);
  return Math.ceil(kib / 1024) * 1024;
}
