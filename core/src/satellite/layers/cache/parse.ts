/** Parsers for dmsetup output (pure). Fixtures: test/fixtures/commands/dmsetup/. */

export interface DmStatusLine {
  /** Set for `dmsetup status` without a name, which prefixes "name: ". */
  name?: string;
  start: number;
  length: number;
  target: string;
  params: string[];
}

/** One line of `dmsetup status [NAME]`: "[name: ]<start> <length> <target> <params...>". */
export function parseDmStatusLine(line: string): DmStatusLine {
  const m = /^(?:(\S+):\s+)?(\d+)\s+(\d+)\s+(\S+)\s*(.*)$/.exec(line.trim());
  if (!m) throw new Error(`not a dmsetup status/table line: '${line.trim()}'`);
  return { name: m[1], start: Number(m[2]), length: Number(m[3]), target: m[4], params: m[5] ? m[5].split(/\s+/) : [] };
}

export interface CacheStatus {
  metadataBlockSize: number;
  metadataUsed: number;
  metadataTotal: number;
  cacheBlockSize: number;
  cacheUsed: number;
  cacheTotal: number;
  readHits: number;
  readMisses: number;
  writeHits: number;
  writeMisses: number;
  demotions: number;
  promotions: number;
  dirty: number;
  features: string[];
  coreArgs: string[];
  policy: string;
  policyArgs: string[];
  /** "rw" | "ro" */
  metadataMode: string;
  needsCheck: boolean;
}

const ratio = (s: string, what: string): [number, number] => {
  const m = /^(\d+)\/(\d+)$/.exec(s ?? '');
  if (!m) throw new Error(`dm-cache status: ${what} '${s}' is not used/total`);
  return [Number(m[1]), Number(m[2])];
};

/** dm-cache status parameters (cache.rst "Status"); the counts of args are token counts. */
export function parseCacheStatus(params: readonly string[]): CacheStatus {
  if (params[0] === 'Fail') throw new Error('dm-cache status is "Fail": the metadata is unusable (run cache_check / cache_repair)');
  const p = [...params];
  const n = (i: number, what: string) => {
    const v = Number(p[i]);
    if (!/^\d+$/.test(p[i] ?? '')) throw new Error(`dm-cache status: ${what} '${p[i]}' is not a number`);
    return v;
  };
  const [metadataUsed, metadataTotal] = ratio(p[1], 'metadata blocks');
  const [cacheUsed, cacheTotal] = ratio(p[3], 'cache blocks');
  let i = 11;
  const take = (what: string): string[] => {
    const count = n(i, what);
    const out = p.slice(i + 1, i + 1 + count);
    if (out.length !== count) throw new Error(`dm-cache status: ${what} says ${count} but fewer follow`);
    i += 1 + count;
    return out;
  };
  const base = {
    metadataBlockSize: n(0, 'metadata block size'), metadataUsed, metadataTotal,
    cacheBlockSize: n(2, 'cache block size'), cacheUsed, cacheTotal,
    readHits: n(4, 'read hits'), readMisses: n(5, 'read misses'), writeHits: n(6, 'write hits'), writeMisses: n(7, 'write misses'),
    demotions: n(8, 'demotions'), promotions: n(9, 'promotions'), dirty: n(10, 'dirty'),
  };
  const features = take('#features');
  const coreArgs = take('#core args');
  const policy = p[i++];
  if (!policy) throw new Error('dm-cache status: no policy name');
  const policyArgs = take('#policy args');
  const metadataMode = p[i++] ?? '';
  const needsCheck = p[i] === 'needs_check';
  return { ...base, features, coreArgs, policy, policyArgs, metadataMode, needsCheck };
}

export interface WritecacheStatus {
  /** 0, or the error number the target hit. */
  error: number;
  blocks: number;
  freeBlocks: number;
  writebackBlocks: number;
  /** Newer kernels add read/write/flush/discard counters after the first four fields. */
  counters: number[];
}

export function parseWritecacheStatus(params: readonly string[]): WritecacheStatus {
  const nums = params.map((x) => {
    if (!/^\d+$/.test(x)) throw new Error(`dm-writecache status: '${x}' is not a number`);
    return Number(x);
  });
  if (nums.length < 4) throw new Error(`dm-writecache status has ${nums.length} fields, expected at least 4`);
  return { error: nums[0], blocks: nums[1], freeBlocks: nums[2], writebackBlocks: nums[3], counters: nums.slice(4) };
}

/**
 * `dmsetup ls [--target T]`: "name\t(253:4)" or, from older dmsetup, "name\t(253, 4)"; a system
 * without devices prints "No devices found".
 */
export function parseDmLs(stdout: string): string[] {
  const out: string[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^(\S+)\s+\((\d+)(?::\s*|,\s*)(\d+)\)\s*$/.exec(line);
    if (m) out.push(m[1]);
  }
  return out;
}
