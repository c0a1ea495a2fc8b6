/**
 * Input shapes of the snapshot, restore, rollback and clone calls (contract §2.8, OpenAPI
 * Snapshot / CreateMultiSnapshotRequest / SnapshotRestore / SnapshotRollback /
 * ResourceDefinitionCloneRequest), lenient as real clients send them; and the clone/sync answers.
 */
import { z } from 'zod';
import { PropsModifyFields, optBool, optString, optStringList, propsMap, nullToUndefined } from './lenient.js';


/** POST .../snapshots: the Snapshot shape, of which a create reads name, nodes and props. */
export const SnapshotCreate = z.object({
  name: optString(),
  /** Multi-snapshot names the resource in each entry. */
  resource_name: optString(),
  nodes: optStringList(),
  props: propsMap(),
  snapshot_definition_props: propsMap(),
});
export type SnapshotCreate = z.infer<typeof SnapshotCreate>;

export const CreateMultiSnapshot = z.object({
  snapshots: z.preprocess(nullToUndefined, z.array(SnapshotCreate).optional()),
});
export type CreateMultiSnapshot = z.infer<typeof CreateMultiSnapshot>;

export const SnapshotRestore = z.object({
  to_resource: optString(),
  nodes: optStringList(),
  stor_pool_rename: z.preprocess(nullToUndefined, z.record(z.string(), z.string()).optional()),
});
export type SnapshotRestore = z.infer<typeof SnapshotRestore>;

/** Proxmox posts no body at all; the strategy is a ZFS detail the satellite may honour. */
export const SnapshotRollback = z.object({
  zfs_rollback_strategy: optString(),
});
export type SnapshotRollback = z.infer<typeof SnapshotRollback>;

export const ResourceDefinitionCloneRequest = z.object({
  name: optString(),
  external_name: optString(),
  use_zfs_clone: optBool(),
  layer_list: optStringList(),
  volume_passphrases: optStringList(),
  resource_group: optString(),
  ...PropsModifyFields,
});
export type ResourceDefinitionCloneRequest = z.infer<typeof ResourceDefinitionCloneRequest>;

export const CLONE_STATUSES = ['CLONING', 'COMPLETE', 'FAILED'] as const;
export const ResourceDefinitionCloneStatus = z.object({ status: z.enum(CLONE_STATUSES) });
export type CloneStatus = (typeof CLONE_STATUSES)[number];

export const ResourceDefinitionSyncStatus = z.object({ synced_on_all: z.boolean() });
