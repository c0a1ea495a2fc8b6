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

export interface StorageProvider {
  readonly kind: ProviderKind;
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
}
