/**
 * The wire shapes the client reads and writes (LINSTOR REST API v1, snake_case). Each is the type of
 * the zod schema in ../model that the server itself uses, so client and server cannot drift apart.
 * Replies are the schemas' types as they are. Request bodies are the *parsed* (output) types of the
 * lenient input schemas: callers send canonical values (upper-case enums, numbers as numbers), and
 * fields the server defaults when absent are made optional here. Sizes are KiB.
 */
import type * as M from '../model/index.js';

export type { ApiCallRc } from '../model/apicallrc.js';
export type {
  Node, NetInterface, NetInterfaceCreate, NetInterfaceModify, NodeModify,
  StoragePool, StoragePoolCreate, StoragePoolDefinition,
  AutoSelectFilter, ResourceGroup, ResourceGroupCreate, ResourceGroupModify,
  VolumeGroup, VolumeGroupCreate, VolumeGroupModify,
  ResourceDefinition, ResourceDefinitionModify, VolumeDefinition, VolumeDefinitionModify,
  Resource, ResourceWithVolumes, ResourceLayer, Volume, ResourceModify,
  ControllerVersion, KeyValueStore, ErrorReport, PropsModify,
} from '../model/index.js';

/** `T` with the keys `K` optional: fields the server fills in when a request leaves them out. */
type Optional<T, K extends keyof T> = Omit<T, K> & Partial<Pick<T, K>>;

export type Props = Record<string, string>;

/** `type` defaults to SATELLITE. */
export type NodeCreate = Optional<M.NodeCreate, 'type'>;
/** POST /v1/resource-groups/{rg}/spawn; `volume_sizes` defaults to none. */
export type Spawn = Optional<M.ResourceGroupSpawn, 'volume_sizes'>;
export type ResourceDefinitionCreate = Optional<M.ResourceDefinitionCreate, 'resource_definition'>;
export type VolumeDefinitionCreate = Optional<M.VolumeDefinitionCreate, 'volume_definition'>;
export type ResourceCreate = Optional<M.ResourceCreate, 'resource'>;

/** One entry of a `layer_data` / `layer_data_list` array. */
export type LayerData =
  | NonNullable<M.ResourceDefinition['layer_data']>[number]
  | NonNullable<M.VolumeDefinition['layer_data']>[number]
  | NonNullable<M.Volume['layer_data_list']>[number];
export type VolumeState = NonNullable<M.Volume['state']>;

// Client-only shapes: no server route parses these yet.

/** POST /v1/resource-definitions/{rd}/autoplace. */
export interface AutoPlaceRequest {
  select_filter?: M.AutoSelectFilter;
  diskless_on_remaining?: boolean;
  layer_list?: string[];
}

/** Common list paging parameters (query string). */
export interface Paging {
  limit?: number;
  offset?: number;
}
