/**
 * What the snapshot code of every provider shares: the storage name of a snapshot, the check that a
 * name is one Storhub would make, the refusal of providers that cannot snapshot, and the "is this
 * device open" test a rollback needs before it touches the data under someone's feet.
 *
 * A volume's snapshot is stored as `<resource>_<nnnnn>_<snapshot>` (FILE: that plus `.img`, LVM_THIN:
 * that LV name; ZFS keeps `<resource>_<nnnnn>@<snapshot>`, its own snapshot namespace).
 */
import { constants as fsc } from 'node:fs';
import { open } from 'node:fs/promises';
import type { ProviderKind } from '../../model/enums.js';
import { StorhubError } from '../../model/errors.js';
import type { DesiredPool } from '../protocol.js';
import { requireVolumeName } from './common.js';

/** The provider kinds that can take snapshots (the error of the others names them). */
export const SNAPSHOT_PROVIDER_KINDS: readonly ProviderKind[] = ['LVM_THIN', 'ZFS', 'ZFS_THIN', 'FILE', 'FILE_THIN'];

/**
 * A snapshot part: LINSTOR snapshot names ([A-Za-z_][A-Za-z0-9_-]*) and the satellite's own temporary
 * clone snapshots (`clone.<resource>`, with a dot no user snapshot can have). Never '/', '@' or a
 * leading '-' or '.', so it cannot leave the pool or look like an option.
 */
const SNAPSHOT_PART = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** `<resource>_<nnnnn>_<snapshot part>`: a name a provider lists as a snapshot candidate. */
const SNAPSHOT_STORAGE_NAME = /^[A-Za-z_][A-Za-z0-9_-]*_\d{5}_[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/** Temporary snapshots a clone takes of its source are `clone.<target resource>`. */
export const CLONE_SNAPSHOT_PREFIX = 'clone.';

export function cloneSnapshotName(targetResource: string): string {
  return `${CLONE_SNAPSHOT_PREFIX}${targetResource}`;
}

export function isSnapshotPart(snapshot: string): boolean {
  return SNAPSHOT_PART.test(snapshot);
}

export function requireSnapshotName(snapshot: string): string {
  if (!isSnapshotPart(snapshot)) {
    throw new StorhubError('FAIL_INVLD_SNAPSHOT_NAME', `'${snapshot}' is not a snapshot name Storhub makes.`, {
      correction: 'Snapshot names consist of letters, digits, _ and - (LINSTOR name rules).',
    });
  }
  return snapshot;
}

/** The storage name of a volume's snapshot, with both parts checked. */
export function snapshotStorageName(volume: string, snapshot: string): string {
  requireVolumeName(volume);
  requireSnapshotName(snapshot);
  // The same rule as the protocol's, so the engine and the providers agree on every name.
  return `${volume}_${snapshot}`;
}

/** True for names of the form `<resource>_<nnnnn>_<snapshot>` (which resource owns it is the engine's call). */
export function isSnapshotStorageName(name: string): boolean {
  return SNAPSHOT_STORAGE_NAME.test(name);
}

/** The refusal of a provider kind that has no snapshots (LVM thick, DISKLESS). */
export function snapshotsUnsupported(kind: ProviderKind, pool: DesiredPool | string): StorhubError {
  const name = typeof pool === 'string' ? pool : pool.name;
  return new StorhubError('FAIL_SNAPSHOTS_NOT_SUPPORTED', `Storage pool '${name}' uses provider ${kind}, which cannot take snapshots.`, {
    correction: `Snapshots need a pool of one of ${SNAPSHOT_PROVIDER_KINDS.join(', ')}; place the resource in such a pool.`,
    objRefs: { StorPoolName: name },
  });
}

/**
 * True when the block device is claimed: mounted, held by device-mapper, DRBD or another exclusive
 * opener (an O_EXCL open of a block device fails with EBUSY then). A device that does not exist is
 * not in use.
 */
export async function deviceClaimed(device: string): Promise<boolean> {
  if (!device) return false;
  try {
    const h = await open(device, fsc.O_RDONLY | fsc.O_EXCL);
    await h.close();
    return false;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EBUSY') return true;
    if (code === 'ENOENT' || code === 'ENXIO') return false;
    throw err;
  }
}

export function volumeInUse(volume: string, device: string, what: string): StorhubError {
  return new StorhubError('FAIL_IN_USE', `Cannot ${what}: volume '${volume}' is in use (${device} is mounted or held open).`, {
    correction: `Unmount ${device} or stop what holds it (a VM, a file system, a device-mapper target), then try again.`,
  });
}
