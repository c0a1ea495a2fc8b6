/**
 * Argv builders for drbd-utils (pure). drbdadm always gets `-c <config>` so it reads Storhub's own
 * wrapper config and never /etc/drbd.conf; drbdmeta works on the backing device directly, so metadata
 * can be created before the resource is ever brought up.
 */

export interface DrbdTools {
  drbdadm: string;
  drbdsetup: string;
  drbdmeta: string;
}

export const DEFAULT_TOOLS: DrbdTools = { drbdadm: 'drbdadm', drbdsetup: 'drbdsetup', drbdmeta: 'drbdmeta' };

export type Argv = [file: string, args: string[]];

/**
 * Syntax and consistency check of a new .res file before it replaces the old one (LINSTOR's pattern):
 * `-t` parses the new file in addition to the config, `-E` leaves the old file of the same resource
 * out (without it, drbdadm reports "conflicting use of resource section").
 */
export function shNop(tools: DrbdTools, config: string, testFile: string, excludeFile?: string): Argv {
  const args = ['-c', config, '-t', testFile];
  if (excludeFile) args.push('-E', excludeFile);
  args.push('sh-nop');
  return [tools.drbdadm, args];
}

/** Brings the running resource in line with its config (`up` when it is not running). */
export function adjust(tools: DrbdTools, config: string, resource: string): Argv {
  return [tools.drbdadm, ['-c', config, 'adjust', resource]];
}

/** Dry run of adjust: prints the drbdsetup/drbdmeta plan; needs no kernel module (golden tests). */
export function adjustDryRun(tools: DrbdTools, config: string, resource: string): Argv {
  return [tools.drbdadm, ['-c', config, '-d', 'adjust', resource]];
}

/** Takes the resource down. drbdsetup needs no config file, so this works after the .res is gone. */
export function down(tools: DrbdTools, resource: string): Argv {
  return [tools.drbdsetup, ['down', resource]];
}

/** The current state of one resource (or `all`), as `exists ...` lines ending with `exists -`. */
export function events2Now(tools: DrbdTools, resource = 'all'): Argv {
  return [tools.drbdsetup, ['events2', '--now', '--statistics', resource]];
}

/**
 * Freezes I/O on one volume (by minor) so the storage below holds a consistent image while it is
 * snapshotted; `resume-io` lets the queued I/O through again.
 */
export function suspendIo(tools: DrbdTools, minor: number): Argv {
  return [tools.drbdsetup, ['suspend-io', String(minor)]];
}

export function resumeIo(tools: DrbdTools, minor: number): Argv {
  return [tools.drbdsetup, ['resume-io', String(minor)]];
}

/** Versions of drbd-utils and of the loaded (or installed) kernel module, as KEY=value lines. */
export function version(tools: DrbdTools): Argv {
  return [tools.drbdadm, ['--version']];
}

export interface MetaTarget {
  /** DRBD minor of the volume (drbdmeta refuses to touch a minor that is attached). */
  minor: number;
  /** The backing block device. */
  device: string;
}

/** Reads the on-disk state (e.g. "Inconsistent"); exits non-zero with "No valid meta data found" when there is none. */
export function metaDstate(tools: DrbdTools, t: MetaTarget): Argv {
  return [tools.drbdmeta, ['--force', String(t.minor), 'v09', t.device, 'internal', 'dstate']];
}

/** Writes fresh DRBD 9 internal metadata with room for `peerSlots` peers. */
export function metaCreate(tools: DrbdTools, t: MetaTarget, peerSlots: number, alStripes: number, alStripeSizeKib: number): Argv {
  return [tools.drbdmeta, [
    '--force', String(t.minor), 'v09', t.device, 'internal', 'create-md',
    '--al-stripes', String(alStripes), '--al-stripe-size-kB', String(alStripeSizeKib), String(peerSlots),
  ]];
}

/** Full metadata dump (offsets in `# bm_offset` comments); used by tests to check the size math. */
export function metaDump(tools: DrbdTools, t: MetaTarget): Argv {
  return [tools.drbdmeta, ['--force', String(t.minor), 'v09', t.device, 'internal', 'dump-md']];
}
