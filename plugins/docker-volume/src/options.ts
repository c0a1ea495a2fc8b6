/**
 * The volume options of `docker volume create -d linstor --opt key=value` and their defaults.
 *
 * The option names and meanings are those of linstor-docker-volume (so existing scripts and
 * docker-volume.conf files keep working); keys match case-insensitively. Where that plugin silently
 * ignored a mistake, this one refuses it: an unknown option or an unusable value is an error that
 * `docker volume create` shows to the user.
 *
 * Values come in layers, lowest first: built-in defaults, `[global]` of docker-volume.conf, the
 * `defaults` table of the plugin's TOML section, the options of the create request. Each value
 * remembers its layer, so an error says where the bad value was written.
 */
import { nameProblem } from '@storhub/core/model';
import type { VolumeSpec } from '@storhub/core/plugin';

/** Marks the resource definitions this plugin manages (the same property linstor-docker-volume sets). */
export const MARK_PROP = 'Aux/is-linstor-docker-volume';
/** Per-volume mount options, so every node mounts a volume the way it was created. */
export const MOUNTOPTS_PROP = 'Aux/storhub/docker-volume/mountopts';
/** When the volume was created (ISO 8601), for `docker volume inspect` CreatedAt. */
export const CREATED_PROP = 'Aux/storhub/docker-volume/created';
export const FS_TYPE_PROP = 'FileSystem/Type';
export const MKFS_PARAMS_PROP = 'FileSystem/MkfsParams';

export const OPTION_NAMES = [
  'size', 'fs', 'fsopts', 'mountopts', 'replicas', 'nodes', 'storagepool', 'disklessstoragepool',
  'disklessonremaining', 'donotplacewithregex', 'replicasonsame', 'replicasondifferent', 'resourcegroup',
] as const;
export type OptionName = (typeof OPTION_NAMES)[number];

export const FILE_SYSTEMS = ['ext4', 'xfs'] as const;
export type FileSystem = (typeof FILE_SYSTEMS)[number];

/** linstor-docker-volume's default size: 100 MB (decimal), and its floor of 4 MiB. */
export const DEFAULT_SIZE = '100MB';
export const MIN_SIZE_KIB = 4 * 1024;

export interface VolumeOptions {
  size_kib: number;
  fs: FileSystem;
  fsopts?: string;
  /** mount -o list, already split. */
  mountopts: string[];
  replicas?: number;
  nodes: string[];
  storagepool?: string;
  disklessstoragepool?: string;
  disklessonremaining?: boolean;
  donotplacewithregex?: string;
  replicasonsame: string[];
  replicasondifferent: string[];
  resourcegroup?: string;
}

/** One layer of raw option values, and where they were written (for error messages). */
export interface OptionLayer {
  source: string;
  values: Record<string, string>;
}

/** The source name of the create request's own options (errors about them need no "from"). */
export const REQUEST = 'the create request';

export class OptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OptionError';
  }
}

const BINARY: Record<string, number> = { K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40, P: 2 ** 50, E: 2 ** 60 };
const DECIMAL: Record<string, number> = { K: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/**
 * Bytes of a size text. A bare number is BYTES (as in linstor-docker-volume: `size=200` is 200 bytes,
 * which the 4 MiB floor turns into 4 MiB). One letter (K, M, G, T, P, E) and the IEC forms (KiB,
 * MiB, ...) are powers of 1024; KB, MB, GB, ... are powers of 1000; B is bytes. Case does not matter.
 */
export function parseSizeBytes(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*$/.exec(text);
  if (!m) throw new OptionError(`invalid size "${text}": write a number with an optional unit, e.g. 64M, 10GiB, 500MB`);
  const unit = m[2].toUpperCase();
  let mult: number | undefined;
  if (unit === '' || unit === 'B') mult = 1;
  else if (unit.length === 1) mult = BINARY[unit];
  else if (unit.length === 3 && unit.endsWith('IB')) mult = BINARY[unit[0]];
  else if (unit.length === 2 && unit.endsWith('B')) mult = DECIMAL[unit[0]];
  if (mult === undefined) {
    throw new OptionError(`invalid size "${text}": unknown unit "${m[2]}" (use K, M, G, T, KiB, MiB, GiB, TiB, KB, MB, GB, TB or B)`);
  }
  return Number(m[1]) * mult;
}

/** KiB of a size text, rounded up to whole KiB and raised to the 4 MiB floor. */
export function parseSizeKib(text: string): number {
  const kib = Math.max(MIN_SIZE_KIB, Math.ceil(parseSizeBytes(text) / 1024));
  if (!Number.isSafeInteger(kib)) throw new OptionError(`invalid size "${text}": too large`);
  return kib;
}

/** "a,b c" -> ["a", "b", "c"]: commas and white space both separate (linstor-docker-volume used spaces). */
export const splitList = (text: string): string[] => text.split(/[\s,]+/).filter((s) => s !== '');

const TRUE = new Set(['true', 'yes', 'on', '1']);
const FALSE = new Set(['false', 'no', 'off', '0', '']);

function parseBool(key: string, text: string): boolean {
  const t = text.trim().toLowerCase();
  if (TRUE.has(t)) return true;
  if (FALSE.has(t)) return false;
  throw new OptionError(`invalid ${key} "${text}": use true or false`);
}

function parseCount(key: string, text: string): number {
  const t = text.trim();
  if (!/^\d+$/.test(t) || Number(t) < 1 || Number(t) > 32) throw new OptionError(`invalid ${key} "${text}": use a whole number from 1 to 32`);
  return Number(t);
}

function checkedName(key: string, kind: 'storage pool' | 'resource group', text: string): string {
  const t = text.trim();
  const problem = nameProblem(kind, t);
  if (problem) throw new OptionError(`invalid ${key} "${text}": a ${kind} name ${problem}`);
  return t;
}

/** Lower-cases the keys and refuses unknown ones (naming the known ones). */
export function normalizeOptions(values: Record<string, string>, source: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(values)) {
    const key = k.trim().toLowerCase();
    if (!(OPTION_NAMES as readonly string[]).includes(key)) {
      throw new OptionError(`unknown option "${k}"${source === REQUEST ? '' : ` in ${source}`}; known options: ${OPTION_NAMES.join(', ')}`);
    }
    out[key] = String(v);
  }
  return out;
}

/** Merges the layers (later ones win) and parses every value; errors name the layer of the bad value. */
export function resolveOptions(layers: readonly OptionLayer[]): VolumeOptions {
  const builtIn = 'the built-in default';
  const merged = new Map<OptionName, { value: string; source: string }>([
    ['size', { value: DEFAULT_SIZE, source: builtIn }],
    ['fs', { value: 'ext4', source: builtIn }],
  ]);
  for (const layer of layers) {
    for (const [k, value] of Object.entries(normalizeOptions(layer.values, layer.source))) {
      merged.set(k as OptionName, { value, source: layer.source });
    }
  }
  const opts: VolumeOptions = { size_kib: 0, fs: 'ext4', mountopts: [], nodes: [], replicasonsame: [], replicasondifferent: [] };
  for (const [key, { value, source }] of merged) {
    try {
      apply(opts, key, value);
    } catch (err) {
      if (err instanceof OptionError && source !== REQUEST) throw new OptionError(`${err.message} (from ${source})`);
      throw err;
    }
  }
  return opts;
}

function apply(opts: VolumeOptions, key: OptionName, value: string): void {
  const v = value.trim();
  switch (key) {
    case 'size': opts.size_kib = parseSizeKib(v); break;
    case 'fs': {
      const fs = v.toLowerCase();
      if (!(FILE_SYSTEMS as readonly string[]).includes(fs)) throw new OptionError(`invalid fs "${value}": use ${FILE_SYSTEMS.join(' or ')}`);
      opts.fs = fs as FileSystem;
      break;
    }
    case 'fsopts': opts.fsopts = v || undefined; break;
    case 'mountopts': opts.mountopts = splitList(v); break;
    case 'replicas': opts.replicas = parseCount(key, v); break;
    case 'nodes': opts.nodes = splitList(v); break;
    case 'storagepool': opts.storagepool = v ? checkedName(key, 'storage pool', v) : undefined; break;
    case 'disklessstoragepool': opts.disklessstoragepool = v ? checkedName(key, 'storage pool', v) : undefined; break;
    case 'disklessonremaining': opts.disklessonremaining = parseBool(key, v); break;
    case 'donotplacewithregex': {
      if (v) {
        try {
          new RegExp(v);
        } catch (err) {
          throw new OptionError(`invalid donotplacewithregex "${value}": ${(err as Error).message}`);
        }
      }
      opts.donotplacewithregex = v || undefined;
      break;
    }
    case 'replicasonsame': opts.replicasonsame = splitList(v); break;
    case 'replicasondifferent': opts.replicasondifferent = splitList(v); break;
    case 'resourcegroup': opts.resourcegroup = v ? checkedName(key, 'resource group', v) : undefined; break;
  }
}

/** Why `name` cannot be a Storhub volume name, or undefined. */
export function volumeNameProblem(name: string): string | undefined {
  const problem = nameProblem('resource', name);
  if (!problem) return undefined;
  return `invalid volume name "${name}": it ${problem} (a Storhub volume is a LINSTOR resource: 2 to 48 letters, digits, '_' or '-', ` +
    "starting with a letter or '_')";
}

/** The VolumeOps spec of a volume created with these options. */
export function toSpec(name: string, o: VolumeOptions): VolumeSpec {
  const placement: NonNullable<VolumeSpec['placement']> = {};
  // Named nodes without a count: one replica on each of them (linstor-docker-volume placed on each).
  const count = o.replicas ?? (o.nodes.length > 0 ? o.nodes.length : undefined);
  if (count !== undefined) placement.place_count = count;
  if (o.nodes.length) placement.node_name_list = o.nodes;
  if (o.storagepool) placement.storage_pool = o.storagepool;
  if (o.disklessstoragepool) placement.storage_pool_diskless_list = [o.disklessstoragepool];
  if (o.disklessonremaining !== undefined) placement.diskless_on_remaining = o.disklessonremaining;
  if (o.donotplacewithregex) placement.not_place_with_rsc_regex = o.donotplacewithregex;
  if (o.replicasonsame.length) placement.replicas_on_same = o.replicasonsame;
  if (o.replicasondifferent.length) placement.replicas_on_different = o.replicasondifferent;

  const props: Record<string, string> = { [MARK_PROP]: 'true', [FS_TYPE_PROP]: o.fs };
  if (o.fsopts) props[MKFS_PARAMS_PROP] = o.fsopts;
  if (o.mountopts.length) props[MOUNTOPTS_PROP] = o.mountopts.join(',');

  const spec: VolumeSpec = { name, size_kib: o.size_kib, props };
  if (Object.keys(placement).length) spec.placement = placement;
  if (o.resourcegroup) spec.resource_group = o.resourcegroup;
  return spec;
}
