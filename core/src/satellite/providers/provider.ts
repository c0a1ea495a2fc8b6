/**
 * A storage provider turns a pool (a VG, a thin pool, a zpool, a directory) into volumes. Each
 * provider is three files: commands.ts (argv builders, pure), parse.ts (output parsers, pure) and
 * provider.ts (orchestration through the CommandRunner). Volumes are named `<resource>_<nnnnn>`
 * (protocol.ts volumeName); listVolumes returns only names of that form, so nothing else is touched.
 */
import type { Logger } from 'pino';
import type { CommandRunner } from '../../exec/runner.js';
import type { ProviderKind } from '../../model/enums.js';
import type { DesiredPool, Report } from '../protocol.js';

export interface ProviderContext {
  runner: CommandRunner;
  log: Logger;
  /** The satellite's own directory (caches, state that can always be rebuilt). */
  stateDir: string;
}

export interface PoolCapacity {
  free_kib: number;
  total_kib: number;
}

export interface ProviderVolume {
  /** `<resource>_<nnnnn>` */
  name: string;
  /** The block device of the volume (a loop device for FILE pools, /dev/vg/lv, /dev/zvol/...). */
  device_path: string;
  /** What the backing store really uses (thin: less than the size). */
  allocated_kib: number;
  /** The size the volume offers. */
  usable_kib: number;
}

export interface VolumeRequest {
  name: string;
  size_kib: number;
  /** Effective volume props (StorDriver/LvcreateOptions, StorDriver/ZfscreateOptions, ...). */
  props: Record<string, string>;
}

/** A snapshot of one volume: `<resource>_<nnnnn>` plus the snapshot's name. */
export interface SnapshotRef {
  volume: string;
  snapshot: string;
}

/**
 * A Storhub-named snapshot found in a pool. `<volume>_<snapshot>` (FILE, LVM_THIN) cannot always be
 * split without knowing the resources (both parts may contain `_<5 digits>`), so only a provider that
 * stores the two parts apart (ZFS: `<volume>@<snapshot>`) fills in `volume`/`snapshot`; otherwise the
 * engine splits `name` against the resources it holds (snapshots.ts).
 */
export interface ProviderSnapshot {
  /** `<volume>_<snapshot>` (protocol.snapshotVolumeName), also for providers that store it otherwise. */
  name: string;
  volume?: string;
  snapshot?: string;
  /** What the snapshot holds on its own (shared blocks are not counted where the provider can tell). */
  allocated_kib?: number;
  /**
   * Made by someone else under a Storhub-looking name (ZFS: without the `storhub:managed` property,
   * e.g. zfs-auto-snapshot or a LINSTOR-era snapshot): it counts as existing but is never deleted.
   */
  foreign?: boolean;
}

export interface StorageProvider {
  readonly kind: ProviderKind;
  /**
   * Whether the snapshot methods below work for this kind. Providers without snapshots leave the
   * methods out or throw a StorhubError that says which provider kinds can (snapshots.ts refuses first).
   */
  readonly supportsSnapshots?: boolean;
  /** Problems with the pool's configuration (missing VG, missing directory), as reports; [] when fine. */
  checkConfig(ctx: ProviderContext, pool: DesiredPool): Promise<Report[]>;
  capacity(ctx: ProviderContext, pool: DesiredPool): Promise<PoolCapacity>;
  /** The Storhub-named volumes that exist in the pool. */
  listVolumes(ctx: ProviderContext, pool: DesiredPool): Promise<ProviderVolume[]>;
  /** Creates the volume, or returns it when it already exists (idempotent; re-attaches loop devices). */
  createVolume(ctx: ProviderContext, pool: DesiredPool, req: VolumeRequest): Promise<ProviderVolume>;
  /** Grows the volume to req.size_kib (never shrinks). */
  resizeVolume(ctx: ProviderContext, pool: DesiredPool, req: VolumeRequest): Promise<ProviderVolume>;
  /** Deletes the volume; a missing one is not an error. */
  deleteVolume(ctx: ProviderContext, pool: DesiredPool, name: string): Promise<void>;

  /** Takes snapshot `snapshot` of the volume (idempotent: an existing one is returned as it is). */
  createSnapshot?(ctx: ProviderContext, pool: DesiredPool, volume: string, snapshot: string): Promise<ProviderSnapshot>;
  /** Deletes a snapshot; a missing one is not an error. */
  deleteSnapshot?(ctx: ProviderContext, pool: DesiredPool, volume: string, snapshot: string): Promise<void>;
  /** Every snapshot in the pool whose name has the Storhub form; nothing else. */
  listSnapshots?(ctx: ProviderContext, pool: DesiredPool): Promise<ProviderSnapshot[]>;
  /** Makes the NEW volume `req.name` from the snapshot (restore, and clone through a temporary snapshot). */
  restoreVolume?(ctx: ProviderContext, pool: DesiredPool, from: SnapshotRef, req: VolumeRequest): Promise<ProviderVolume>;
  /** Puts the snapshot's data back into the volume; refuses (FAIL_IN_USE) while the volume is open. */
  rollback?(ctx: ProviderContext, pool: DesiredPool, volume: string, snapshot: string): Promise<void>;
}
