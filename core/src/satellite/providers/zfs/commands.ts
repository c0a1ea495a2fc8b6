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

// --- snapshots (LINSTOR's naming: `<dataset>/<rsc>_<nnnnn>@<snapshot>`) ---

/**
 * The user property Storhub sets on the snapshots it takes, so it never deletes one made by another
 * tool on a Storhub zvol (zfs-auto-snapshot names fit the snapshot name rules).
 */
export const MANAGED_PROPERTY = 'storhub:managed';

/**
 * Columns of the snapshot listing; `defer_destroy` is `on` for a snapshot waiting for its clones to
 * go; the managed property is `yes` on Storhub's snapshots and `-` on others.
 */
export const SNAPSHOT_FIELDS = ['name', 'used', 'refer', 'defer_destroy', MANAGED_PROPERTY] as const;

/** Snapshots of the zvols directly under the pool dataset (a zvol's snapshots are one level below it). */
export function snapshotListArgv(dataset: string): Argv {
  return ['zfs', 'list', '-H', '-p', '-t', 'snapshot', '-d', '2', '-o', SNAPSHOT_FIELDS.join(','), dataset];
}

export function snapshotArgv(dataset: string, volume: string, snapshot: string): Argv {
  return ['zfs', 'snapshot', '-o', `${MANAGED_PROPERTY}=yes`, `${dataset}/${volume}@${snapshot}`];
}

/**
 * `-d`: a snapshot that clones still depend on (a restored or cloned resource) is marked for deferred
 * destruction and goes away with its last clone, instead of failing or taking the clones along (-R).
 */
export function destroySnapshotArgv(dataset: string, volume: string, snapshot: string): Argv {
  return ['zfs', 'destroy', '-d', `${dataset}/${volume}@${snapshot}`];
}

/** A new zvol sharing the snapshot's blocks (restore; clone through a temporary snapshot). */
export function cloneArgv(dataset: string, from: { volume: string; snapshot: string }, target: string): Argv {
  return ['zfs', 'clone', `${dataset}/${from.volume}@${from.snapshot}`, `${dataset}/${target}`];
}

/** Without -r: ZFS refuses when newer snapshots exist (rollback is to the latest snapshot only). */
export function rollbackArgv(dataset: string, volume: string, snapshot: string): Argv {
  return ['zfs', 'rollback', `${dataset}/${volume}@${snapshot}`];
}
