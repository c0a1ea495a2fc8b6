/**
 * argv builders for ZFS and ZFS_THIN (OpenZFS `zfs`). Pure. `-H` drops headers and separates
 * fields with one tab; `-p` prints exact numbers (bytes) instead of "1.5G".
 */
import type { Argv } from '../common.js';

/** Columns of the volume listing, in this order. */
export const LIST_FIELDS = ['name', 'volsize', 'used', 'refer', 'volblocksize'] as const;

/** Properties the pool check and capacity read from the parent dataset. */
export const POOL_PROPS = ['available', 'used', 'type'] as const;

/** The zvols directly under the pool dataset (depth 1), nothing else. */
export function listArgv(dataset: string): Argv {
  return ['zfs', 'list', '-H', '-p', '-t', 'volume', '-d', '1', '-o', LIST_FIELDS.join(','), dataset];
}

/** `name<TAB>property<TAB>value` for available, used and type of the pool dataset. */
export function poolPropsArgv(dataset: string): Argv {
  return ['zfs', 'get', '-H', '-p', '-o', 'name,property,value', POOL_PROPS.join(','), dataset];
}

/**
 * A zvol of `sizeKib` (a multiple of its volblocksize). `-s` makes it sparse (ZFS_THIN: no
 * refreservation); `extra` is `StorDriver/ZfscreateOptions`, e.g. `-b 64k -o compression=lz4`.
 */
export function createArgv(dataset: string, name: string, sizeKib: number, thin: boolean, extra: string[]): Argv {
  return ['zfs', 'create', ...(thin ? ['-s'] : []), '-V', `${sizeKib}K`, ...extra, `${dataset}/${name}`];
}

export function resizeArgv(dataset: string, name: string, sizeKib: number): Argv {
  return ['zfs', 'set', `volsize=${sizeKib}K`, `${dataset}/${name}`];
}

/** Without -r: a zvol that still has snapshots or clones is refused, never taken along. */
export function destroyArgv(dataset: string, name: string): Argv {
  return ['zfs', 'destroy', `${dataset}/${name}`];
}
