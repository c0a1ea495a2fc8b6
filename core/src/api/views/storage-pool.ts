/** Storage pool and storage-pool definition records -> LINSTOR's wire shapes. */
import type { StoragePool, StoragePoolDefinition } from '../../model/storage-pool.js';
import type { StoragePoolDefinitionRecord, StoragePoolRecord } from '../../store/records.js';
import type { Controller } from '../../controller/controller.js';
import { DISKLESS_CAPACITY, SNAPSHOT_PROVIDERS, THIN_PROVIDERS } from '../../model/enums.js';
import { nonEmpty } from '../out.js';

export function storagePoolView(c: Controller, sp: StoragePoolRecord): StoragePool {
  const diskless = sp.provider_kind === 'DISKLESS';
  const snapshots = SNAPSHOT_PROVIDERS.has(sp.provider_kind);
  const traits: Record<string, string> = {};
  if (!diskless) traits.Provisioning = THIN_PROVIDERS.has(sp.provider_kind) ? 'Thin' : 'Fat';
  traits.SupportsSnapshots = String(snapshots);
  // Capacities are only known once the satellite reported them; unknown stays absent. Diskless pools
  // are infinite (Long.MAX_VALUE in LINSTOR) whatever the satellite says.
  const runtime = diskless ? { free_capacity: DISKLESS_CAPACITY, total_capacity: DISKLESS_CAPACITY } : c.runtime.storagePool(sp.node_name, sp.name);
  return nonEmpty({
    storage_pool_name: sp.name,
    node_name: sp.node_name,
    provider_kind: sp.provider_kind,
    props: sp.props,
    static_traits: traits,
    free_capacity: runtime.free_capacity,
    total_capacity: runtime.total_capacity,
    free_space_mgr_name: sp.free_space_mgr_name ?? `${sp.node_name};${sp.name}`,
    uuid: sp.uuid,
    reports: diskless ? undefined : c.runtime.storagePool(sp.node_name, sp.name).reports,
    supports_snapshots: snapshots,
    shared_space: sp.free_space_mgr_name,
    external_locking: sp.external_locking,
  }) as StoragePool;
}

export function storagePoolDefinitionView(spd: StoragePoolDefinitionRecord): StoragePoolDefinition {
  return nonEmpty({ storage_pool_name: spd.name, props: spd.props }) as StoragePoolDefinition;
}
