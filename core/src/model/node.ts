/** Wire shapes of nodes and their network interfaces. */
import { z } from 'zod';
import { CONNECTION_STATUSES, NODE_TYPES, PROVIDER_KINDS, LAYER_KINDS } from './enums.js';
import { optBool, optInt, optString, propsMap, PropsModifyFields, upperEnum } from './lenient.js';

export const NetInterface = z.object({
  name: z.string(),
  address: z.string(),
  satellite_port: z.number().int().optional(),
  satellite_encryption_type: z.string().optional(),
  is_active: z.boolean().optional(),
  uuid: z.string().optional(),
});
export type NetInterface = z.infer<typeof NetInterface>;

export const NetInterfaceCreate = z.object({
  name: z.string(),
  address: z.string(),
  satellite_port: optInt(1, 65535),
  satellite_encryption_type: z.preprocess((v) => (v === null ? undefined : v), upperEnum(['PLAIN', 'SSL']).optional()),
  is_active: optBool(),
});
export type NetInterfaceCreate = z.infer<typeof NetInterfaceCreate>;

/** PUT on a net interface: every field optional. */
export const NetInterfaceModify = z.object({
  name: optString(),
  address: optString(),
  satellite_port: optInt(1, 65535),
  satellite_encryption_type: z.preprocess((v) => (v === null ? undefined : v), upperEnum(['PLAIN', 'SSL']).optional()),
  is_active: optBool(),
});
export type NetInterfaceModify = z.infer<typeof NetInterfaceModify>;

export const Node = z.object({
  name: z.string(),
  type: z.enum(NODE_TYPES),
  flags: z.array(z.string()).optional(),
  props: z.record(z.string(), z.string()).optional(),
  net_interfaces: z.array(NetInterface).optional(),
  connection_status: z.enum(CONNECTION_STATUSES).optional(),
  uuid: z.string().optional(),
  storage_providers: z.array(z.enum(PROVIDER_KINDS)).optional(),
  resource_layers: z.array(z.enum(LAYER_KINDS)).optional(),
  unsupported_providers: z.record(z.string(), z.array(z.string())).optional(),
  unsupported_layers: z.record(z.string(), z.array(z.string())).optional(),
});
export type Node = z.infer<typeof Node>;

export const NodeCreate = z.object({
  name: z.string(),
  type: z.preprocess((v) => (v === null || v === undefined ? 'SATELLITE' : v), upperEnum(NODE_TYPES)),
  props: propsMap(),
  net_interfaces: z.preprocess((v) => (v === null ? undefined : v), z.array(NetInterfaceCreate).optional()),
});
export type NodeCreate = z.infer<typeof NodeCreate>;

export const NodeModify = z.object({
  node_type: z.preprocess((v) => (v === null ? undefined : v), upperEnum(NODE_TYPES).optional()),
  ...PropsModifyFields,
});
export type NodeModify = z.infer<typeof NodeModify>;
