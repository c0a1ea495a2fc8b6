/** Parsers for `zfs list -H -p` / `zfs get -H -p` output and ZFS size strings (pure). */

/** Rows of tab-separated `-H` output whose columns are `fields`, in that order. */
export function parseTable(stdout: string, fields: readonly string[]): Array<Record<string, string>> {
  const rows: Array<Record<string, string>> = [];
  for (const line of stdout.split('\n')) {
    if (!line.trim()) continue;
    const cols = line.split('\t');
    if (cols.length !== fields.length) {
      throw new Error(`zfs output line has ${cols.length} columns, expected ${fields.length} (${fields.join(',')}): '${line}'`);
    }
    rows.push(Object.fromEntries(fields.map((f, i) => [f, cols[i]])));
  }
  return rows;
}

/** A `-p` number; ZFS prints '-' where a property does not apply or is unknown. */
export function parseBytes(value: string): number | undefined {
  if (value === '-') return undefined;
  if (!/^\d+$/.test(value)) throw new Error(`not a byte count: '${value}'`);
  return Number(value);
}

export interface Zvol {
  /** Full dataset name, pool/.../name. */
  dataset: string;
  volsizeBytes: number;
  usedBytes: number;
  referBytes: number;
  volblocksizeBytes: number;
}

/** Output of commands.listArgv (name,volsize,used,refer,volblocksize). */
export function parseZvols(stdout: string): Zvol[] {
  return parseTable(stdout, ['name', 'volsize', 'used', 'refer', 'volblocksize']).map((r) => ({
    dataset: r.name,
    volsizeBytes: required(r, 'volsize'),
    usedBytes: required(r, 'used'),
    referBytes: required(r, 'refer'),
    volblocksizeBytes: required(r, 'volblocksize'),
  }));
}

/**
 * `name<TAB>property<TAB>value[<TAB>source]` lines into property -> value (the source column, if
 * asked for, is ignored).
 */
export function parseProps(stdout: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    if (!line.trim()) continue;
    const cols = line.split('\t');
    if (cols.length < 3) throw new Error(`zfs get line has ${cols.length} columns, expected name, property, value: '${line}'`);
    out.set(cols[1], cols[2]);
  }
  return out;
}

/** What the dataset can still take, and that plus what it holds. */
export function capacityOf(props: Map<string, string>): { free_kib: number; total_kib: number } {
  const avail = parseBytes(props.get('available') ?? '-');
  const used = parseBytes(props.get('used') ?? '-');
  if (avail === undefined || used === undefined) throw new Error('zfs reported no available/used for the pool dataset');
  return { free_kib: Math.floor(avail / 1024), total_kib: Math.floor((avail + used) / 1024) };
}

/** ZFS size strings as `zfs create -b` / `-o volblocksize=` take them: 8192, 8K, 16k, 1M, 128KB. */
export function parseZfsSize(value: string): number {
  const m = /^(\d+)([KMG]?)B?$/i.exec(value.trim());
  if (!m) throw new Error(`not a ZFS size: '${value}'`);
  const mult = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[m[2].toUpperCase() as '' | 'K' | 'M' | 'G'];
  return Number(m[1]) * mult;
}

/** The volblocksize `StorDriver/ZfscreateOptions` asks for (`-b X`, `-bX`, `-o volblocksize=X`). */
export function volblocksizeFromOptions(words: readonly string[]): number | undefined {
  let found: number | undefined;
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (w === '-b' && i + 1 < words.length) found = parseZfsSize(words[++i]);
    else if (/^-b\d/.test(w)) found = parseZfsSize(w.slice(2));
    else if (w === '-o' && i + 1 < words.length && /^volblocksize=/.test(words[i + 1])) found = parseZfsSize(words[++i].slice('volblocksize='.length));
    else if (/^-ovolblocksize=/.test(w)) found = parseZfsSize(w.slice('-ovolblocksize='.length));
  }
  return found;
}

function required(r: Record<string, string>, field: string): number {
  const n = parseBytes(r[field]);
  if (n === undefined) throw new Error(`zfs reported '-' for ${field} of ${r.name}`);
  return n;
}

export interface ZfsSnapshotRow {
  /** The dataset the snapshot belongs to (pool/.../zvol). */
  dataset: string;
  /** The part after '@'. */
  snapshot: string;
  usedBytes: number | undefined;
  referBytes: number | undefined;
  deferDestroy: boolean;
  /** Carries Storhub's `storhub:managed=yes`. */
  managed: boolean;
}

/** Output of commands.snapshotListArgv (name,used,refer,defer_destroy,storhub:managed). Lines without '@' are not snapshots. */
export function parseZfsSnapshots(stdout: string): ZfsSnapshotRow[] {
  const out: ZfsSnapshotRow[] = [];
  for (const r of parseTable(stdout, ['name', 'used', 'refer', 'defer_destroy', 'managed'])) {
    const at = r.name.indexOf('@');
    if (at <= 0) continue;
    out.push({
      dataset: r.name.slice(0, at),
      snapshot: r.name.slice(at + 1),
      usedBytes: parseBytes(r.used),
      referBytes: parseBytes(r.refer),
      deferDestroy: r.defer_destroy === 'on',
      managed: r.managed === 'yes',
    });
  }
  return out;
}
