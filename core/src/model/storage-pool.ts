/** Wire shapes of storage pools and storage-pool definitions. */
import { z } from 'zod';
import { PROVIDER_KINDS } from './enums.js';
import { optBool, optString, propsMap, PropsModifyFields } from './lenient.js';
import type { ApiCallRc } from './apicallrc.js';

/**
 * A storage pool as listed. Capacities are KiB; DISKLESS pools report 2^63-1, which only a bigint
 * holds, so the TypeScript type allows bigint while the documented schema says int64.
 */
export const StoragePool = z.object({
  storage_pool_name: z.string(),
  node_name: z.string().optional(),
  provider_kind: z.enum(PROVIDER_KINDS),
  props: z.record(z.string(), z.string()).optional(),
  static_traits: z.record(z.string(), z.string()).optional(),
  free_capacity: z.number().int().optional(),
  total_capacity: z.number().int().optional(),
  free_space_mgr_name: z.string().optional(),
  uuid: z.string().optional(),
  reports: z.array(z.unknown()).optional(),
  supports_snapshots: z.boolean().optional(),
  shared_space: z.string().optional(),
  external_locking: z.boolean().optional(),
});
export type StoragePool = Omit<z.infer<typeof StoragePool>, 'free_capacity' | 'total_capacity' | 'reports'> & {
  free_capacity?: bigint | number;
  total_capacity?: bigint | number;
  reports?: ApiCallRc[];
};

/**
 * POST /v1/nodes/{node}/storage-pools. Name and kind are plain optional strings here so that a
 * missing or unknown value gets LINSTOR's own error codes (invalid name / invalid storage driver)
 * from the service instead of a generic parse error.
 */
export const StoragePoolCreate = z.object({
  storage_pool_name: optString(),
  provider_kind: optString(),
  props: propsMap(),
  /** A shared-space name (LVM on shared disks); LINSTOR's older clients send it as free_space_mgr_name. */
  free_space_mgr_name: optString(),
  shared_space: optString(),
  external_locking: optBool(),
});
export type StoragePoolCreate = z.infer<typeof StoragePoolCreate>;

export const StoragePoolModify = z.object(PropsModifyFields);
export type StoragePoolModify = z.infer<typeof StoragePoolModify>;

export const StoragePoolDefinition = z.object({
  storage_pool_name: z.string(),
  props: z.record(z.string(), z.string()).optional(),
});
export type StoragePoolDefinition = z.infer<typeof StoragePoolDefinition>;

export const StoragePoolDefinitionCreate = z.object({
  storage_pool_name: optString(),
  props: propsMap(),
});
export type StoragePoolDefinitionCreate = z.infer<typeof StoragePoolDefinitionCreate>;

export const StoragePoolDefinitionModify = z.object(PropsModifyFields);
export type StoragePoolDefinitionModify = z.infer<typeof StoragePoolDefinitionModify>;
