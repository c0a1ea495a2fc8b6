/**
 * DISKLESS: the pool of resources that hold no data on this node (DRBD clients, NVMe initiators).
 * It has no volumes and nothing to check. Its capacity is "infinite": LINSTOR shows Long.MAX_VALUE
 * (DISKLESS_CAPACITY, 2^63-1) and the controller keeps doing so; the satellite reports
 * Number.MAX_SAFE_INTEGER because a JS number cannot carry 2^63-1 exactly through JSON, and the
 * controller maps any DISKLESS pool to DISKLESS_CAPACITY anyway.
 */
import { StorhubError } from '../../../model/errors.js';
import type { PoolCapacity, ProviderVolume, StorageProvider } from '../provider.js';

export const DISKLESS_REPORTED_CAPACITY_KIB = Number.MAX_SAFE_INTEGER;

export class DisklessProvider implements StorageProvider {
  readonly kind = 'DISKLESS' as const;

  async checkConfig(): Promise<[]> {
    return [];
  }

  async capacity(): Promise<PoolCapacity> {
    return { free_kib: DISKLESS_REPORTED_CAPACITY_KIB, total_kib: DISKLESS_REPORTED_CAPACITY_KIB };
  }

  async listVolumes(): Promise<ProviderVolume[]> {
    return [];
  }

  async createVolume(): Promise<ProviderVolume> {
    throw noVolumes();
  }

  async resizeVolume(): Promise<ProviderVolume> {
    throw noVolumes();
  }

  /** Nothing was ever created, so there is nothing to remove. */
  async deleteVolume(): Promise<void> {}
}

function noVolumes(): StorhubError {
  return new StorhubError('FAIL_INVLD_STOR_DRIVER', 'A DISKLESS storage pool holds no volumes.', {
    correction: 'Place diskful volumes in a pool with storage (LVM, LVM_THIN, ZFS, ZFS_THIN, FILE, FILE_THIN).',
  });
}
