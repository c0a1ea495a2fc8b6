/**
 * argv builders for FILE / FILE_THIN pools (util-linux losetup, coreutils truncate, util-linux
 * fallocate). Pure: the provider runs them through the CommandRunner.
 *
 * Thin discard: loop devices support discard (REQ_OP_DISCARD becomes fallocate(PUNCH_HOLE) on the
 * backing file), so `fstrim` on a filesystem mounted from the loop device, or `blkdiscard` on the
 * device itself, returns the space to the pool directory. The filesystem layer runs fstrim; the
 * provider needs no command of its own for it.
 */

import type { Argv } from '../common.js';

export type { Argv };

/** Sparse file of exactly `bytes` (FILE_THIN); also grows an existing file without allocating. */
export function truncateArgv(file: string, bytes: number): Argv {
  return ['truncate', '--size', String(bytes), file];
}

/** Preallocated file of `bytes` (FILE); on an existing file it allocates up to the new length. */
export function fallocateArgv(file: string, bytes: number): Argv {
  return ['fallocate', '--length', String(bytes), file];
}

/**
 * Attaches the file to the first free loop device and prints its path. Direct I/O keeps the page
 * cache from holding every block twice (once for the file, once for the loop device); when the
 * backing filesystem cannot do it, losetup only warns and attaches without it.
 */
export function attachArgv(file: string, directIo: boolean): Argv {
  return ['losetup', '--find', '--show', ...(directIo ? ['--direct-io=on'] : []), file];
}

/** JSON list of the loop devices backed by `file` (matched by device and inode, not by name). */
export function associatedArgv(file: string): Argv {
  return ['losetup', '--list', '--json', '--output', 'NAME,BACK-FILE', '--associated', file];
}

/** JSON list of every loop device of the node. */
export function listAllArgv(): Argv {
  return ['losetup', '--list', '--json', '--output', 'NAME,BACK-FILE'];
}

export function detachArgv(device: string): Argv {
  return ['losetup', '--detach', device];
}

/** Makes the loop device re-read the size of its (grown) backing file. */
export function setCapacityArgv(device: string): Argv {
  return ['losetup', '--set-capacity', device];
}

/**
 * Copies a volume file to a snapshot (or back). `--reflink=auto` shares the blocks on filesystems that
 * can (btrfs, xfs with reflink) and copies elsewhere; `--sparse=always` keeps holes holes and turns
 * runs of zeros into holes, so a thin volume's copy costs what it holds, not its size.
 */
export function copySparseArgv(from: string, to: string): Argv {
  return ['cp', '--reflink=auto', '--sparse=always', from, to];
}
