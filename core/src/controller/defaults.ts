/**
 * The objects a fresh cluster starts with, as in LINSTOR: the storage-pool definitions DfltStorPool and
 * DfltDisklessStorPool and the resource group DfltRscGrp (place_count 2).
 */
import { randomUUID } from 'node:crypto';
import { Change } from './change.js';
import { key, type Graph } from './graph.js';
import { DEFAULT_DISKLESS_POOL, DEFAULT_RESOURCE_GROUP, DEFAULT_STORAGE_POOL } from '../model/enums.js';

export function ensureDefaults(graph: Graph): Change {
  const change = new Change();
  for (const name of [DEFAULT_STORAGE_POOL, DEFAULT_DISKLESS_POOL]) {
    if (!graph.storagePoolDefinition(name)) {
      change.put('spd', key.spd(name), { name, props: {}, uuid: randomUUID() });
    }
  }
  if (!graph.resourceGroup(DEFAULT_RESOURCE_GROUP)) {
    change.put('rg', key.rg(DEFAULT_RESOURCE_GROUP), {
      name: DEFAULT_RESOURCE_GROUP,
      props: {},
      select_filter: { place_count: 2 },
      volume_groups: [],
      uuid: randomUUID(),
    });
  }
  return change;
}
