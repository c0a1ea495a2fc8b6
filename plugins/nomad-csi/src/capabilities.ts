/**
 * Volume capabilities and capacity ranges: what this plugin serves and how a request's numbers become
 * a size. One replica is written by one node at a time (DRBD allows one primary), so the writer modes
 * are the single-node ones; several nodes may read (ro mounts).
 */
import { invalidArgument, outOfRange } from './errors.js';
import type { AccessModeName, CapacityRange, Int64, VolumeCapability } from './proto.js';

export const SUPPORTED_MODES: readonly AccessModeName[] = [
  'SINGLE_NODE_WRITER', 'SINGLE_NODE_READER_ONLY', 'MULTI_NODE_READER_ONLY', 'SINGLE_NODE_SINGLE_WRITER', 'SINGLE_NODE_MULTI_WRITER',
];
export const FS_TYPES = ['ext4', 'xfs'] as const;
export const DEFAULT_FS_TYPE = 'ext4';

export const isReadOnlyMode = (mode: AccessModeName | undefined): boolean => mode === 'SINGLE_NODE_READER_ONLY' || mode === 'MULTI_NODE_READER_ONLY';
/** Modes that allow the volume on one node only. */
export const isSingleNodeMode = (mode: AccessModeName | undefined): boolean => !!mode && mode.startsWith('SINGLE_NODE_');

/** Why this plugin cannot serve the capability, or undefined when it can. */
export function capabilityProblem(cap: VolumeCapability | null | undefined): string | undefined {
  if (!cap) return 'a volume capability is empty';
  const type = cap.access_type ?? (cap.mount ? 'mount' : cap.block ? 'block' : undefined);
  if (type === undefined) return 'a volume capability has neither mount nor block access type';
  const mode = cap.access_mode?.mode;
  if (!mode || mode === 'UNKNOWN') return 'a volume capability has no access mode';
  if (!SUPPORTED_MODES.includes(mode)) {
    return `access mode ${mode} is not supported (a volume is written on one node at a time); supported: ${SUPPORTED_MODES.join(', ')}`;
  }
  if (type === 'mount') {
    const fs = cap.mount?.fs_type ?? '';
    if (fs !== '' && !(FS_TYPES as readonly string[]).includes(fs)) return `file system type '${fs}' is not supported; use ${FS_TYPES.join(' or ')}`;
  }
  return undefined;
}

export const accessTypeOf = (cap: VolumeCapability): 'mount' | 'block' => cap.access_type ?? (cap.block ? 'block' : 'mount');

/** Throws INVALID_ARGUMENT for the first capability this plugin cannot serve. */
export function checkCapabilities(rpc: string, caps: readonly VolumeCapability[]): void {
  for (const cap of caps) {
    const problem = capabilityProblem(cap);
    if (problem) throw invalidArgument(`${rpc}: ${problem}.`);
  }
}

/** The file system a volume with these capabilities gets; undefined when all are block (raw device). */
export function fsTypeOf(caps: readonly VolumeCapability[]): string | undefined {
  const mounts = caps.filter((c) => accessTypeOf(c) === 'mount');
  if (mounts.length === 0) return undefined;
  const named = [...new Set(mounts.map((c) => c.mount?.fs_type ?? '').filter((f) => f !== ''))];
  if (named.length > 1) throw invalidArgument(`the volume capabilities ask for different file systems (${named.join(', ')}); ask for one.`);
  return named[0] ?? DEFAULT_FS_TYPE;
}

/** A non-negative int64 field as a number of bytes. */
export function bytesOf(field: string, v: Int64 | undefined): number {
  if (v === undefined || v === '') return 0;
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw invalidArgument(`${field} must be a non-negative number of bytes, not ${v}.`);
  return n;
}

/**
 * The size in KiB for a capacity range: the required bytes rounded up to KiB; without them
 * `fallbackKib` (a source's size, or the configured default) capped by the limit. Errors: a limit below
 * the requirement is INVALID_ARGUMENT, a size the limit does not allow is OUT_OF_RANGE.
 */
export function sizeKibFor(range: CapacityRange | null | undefined, fallbackKib: number): number {
  const required = bytesOf('capacity_range.required_bytes', range?.required_bytes);
  const limit = bytesOf('capacity_range.limit_bytes', range?.limit_bytes);
  if (limit > 0 && required > limit) {
    throw invalidArgument(`capacity_range.limit_bytes (${limit}) is smaller than required_bytes (${required}).`);
  }
  let kib = required > 0 ? Math.ceil(required / 1024) : fallbackKib;
  if (required === 0 && limit > 0) kib = Math.min(kib, Math.floor(limit / 1024));
  if (kib <= 0) throw outOfRange(`a capacity range with limit_bytes ${limit} allows no volume (the smallest is 1 KiB).`);
  if (limit > 0 && kib * 1024 > limit) {
    throw outOfRange(`${required} bytes round up to ${kib} KiB, more than limit_bytes (${limit}) allows.`);
  }
  return kib;
}

/** Does `kib` satisfy the range (for an existing volume asked for again)? */
export function fitsRange(kib: number, range: CapacityRange | null | undefined): boolean {
  const required = bytesOf('capacity_range.required_bytes', range?.required_bytes);
  const limit = bytesOf('capacity_range.limit_bytes', range?.limit_bytes);
  return kib * 1024 >= required && (limit === 0 || kib * 1024 <= limit);
}
