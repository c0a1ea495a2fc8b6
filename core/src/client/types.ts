/**
 * The wire shapes the client reads and writes (LINSTOR REST API v1, snake_case). Only the fields
 * clients commonly use are typed; LINSTOR omits empty values, so almost everything is optional.
 * Sizes are KiB. Capacities may be bigint (DISKLESS pools report 2^63-1).
 */
export type { ApiCallRc } from '../model/apicallrc.js';
export type { Node, NetInterface } from '../model/node.js';

export type Props = Record<string, string>;

/** The generic property change body. */
export interface PropsModify {
  override_props?: Props;
  delete_props?: string[];
  delete_namespaces?: string[];
}

export interface NodeCreate {
  name: string;
  type?: string;
  props?: Props;
  net_interfaces: NetInterfaceCreate[];
}

export interface NetInterfaceCreate {
  name: string;
  address: string;
  satellite_port?: number;
  /** PLAIN or SSL (any case). */
  satellite_encryption_type?: string;
  is_active?: boolean;
}

export interface NodeModify extends PropsModify {
  node_type?: string;
}

export interface StoragePool {
  storage_pool_name: string;
  node_name: string;
  provider_kind: string;
  props?: Props;
  static_traits?: Props;
  free_capacity?: number | bigint;
  total_capacity?: number | bigint;
  free_space_mgr_name?: string;
  uuid?: string;
  reports?: import('../model/apicallrc.js').ApiCallRc[];
  supports_snapshots?: boolean;
  external_locking?: boolean;
}

export interface StoragePoolCreate {
  storage_pool_name: string;
  provider_kind: string;
  props?: Props;
  free_space_mgr_name?: string;
  external_locking?: boolean;
}

export interface StoragePoolDefinition {
  storage_pool_name: string;
  props?: Props;
  uuid?: string;
}

export interface AutoSelectFilter {
  place_count?: number;
  additional_place_count?: number;
  node_name_list?: string[];
  storage_pool?: string;
  storage_pool_list?: string[];
  storage_pool_diskless_list?: string[];
  not_place_with_rsc?: string[];
  not_place_with_rsc_regex?: string;
  replicas_on_same?: string[];
  replicas_on_different?: string[];
  x_replicas_on_different_map?: Record<string, number>;
  layer_stack?: string[];
  provider_list?: string[];
  diskless_on_remaining?: boolean;
  diskless_type?: string;
  overprovision?: number;
}

export interface ResourceGroup {
  name: string;
  description?: string;
  props?: Props;
  select_filter?: AutoSelectFilter;
  uuid?: string;
  peer_slots?: number;
}

export interface ResourceGroupCreate {
  name: string;
  description?: string;
  select_filter?: AutoSelectFilter;
  peer_slots?: number;
}

export interface ResourceGroupModify extends PropsModify {
  description?: string;
  select_filter?: AutoSelectFilter;
  peer_slots?: number;
}

export interface VolumeGroup {
  volume_number: number;
  props?: Props;
  flags?: string[];
  uuid?: string;
}

export interface VolumeGroupCreate {
  volume_number?: number;
  props?: Props;
  flags?: string[];
}

export interface VolumeGroupModify extends PropsModify {
  /** Add `X`, remove `-X`. */
  flags?: string[];
}

export interface Spawn {
  resource_definition_name: string;
  resource_definition_external_name?: string;
  volume_sizes: number[];
  select_filter?: AutoSelectFilter;
  partial?: boolean;
  definitions_only?: boolean;
  peer_slots?: number;
  resource_definition_props?: Props;
}

export interface LayerData {
  type: string;
  data?: Record<string, unknown>;
}

export interface VolumeDefinition {
  volume_number: number;
  size_kib: number;
  props?: Props;
  flags?: string[];
  layer_data?: LayerData[];
  uuid?: string;
}

export interface VolumeDefinitionCreate {
  volume_definition: { volume_number?: number; size_kib: number; props?: Props; flags?: string[] };
  drbd_minor_number?: number;
  passphrase?: string;
}

export interface VolumeDefinitionModify extends PropsModify {
  size_kib?: number;
  flags?: string[];
}

export interface ResourceDefinition {
  name: string;
  external_name?: string;
  props?: Props;
  flags?: string[];
  layer_data?: LayerData[];
  uuid?: string;
  resource_group_name?: string;
  volume_definitions?: VolumeDefinition[];
}

export interface ResourceDefinitionCreate {
  resource_definition: {
    name?: string;
    external_name?: string;
    props?: Props;
    layer_data?: Array<{ type: string }>;
    resource_group_name?: string;
  };
  drbd_port?: number;
  drbd_secret?: string;
  drbd_peer_slots?: number;
  drbd_transport_type?: string;
}

export interface ResourceDefinitionModify extends PropsModify {
  drbd_port?: number;
  drbd_peer_slots?: number;
  layer_stack?: string[];
  resource_group?: string;
}

export interface VolumeState {
  disk_state?: string;
  replication_states?: Record<string, { replication_state?: string; done_percentage?: number }>;
}

export interface Volume {
  volume_number: number;
  storage_pool_name?: string;
  provider_kind?: string;
  device_path?: string;
  allocated_size_kib?: number;
  usable_size_kib?: number;
  props?: Props;
  flags?: string[];
  state?: VolumeState;
  layer_data_list?: LayerData[];
  uuid?: string;
  reports?: import('../model/apicallrc.js').ApiCallRc[];
}

export interface ResourceLayer {
  type: string;
  resource_name_suffix?: string;
  children?: ResourceLayer[];
  drbd?: {
    node_id?: number;
    tcp_ports?: number[];
    drbd_volumes?: Array<{ drbd_volume_definition?: { volume_number?: number; minor_number?: number }; device_path?: string; disk_state?: string; usable_size_kib?: number; allocated_size_kib?: number }>;
    connections?: Record<string, { connected?: boolean; message?: string }>;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

export interface Resource {
  name: string;
  node_name: string;
  props?: Props;
  flags?: string[];
  layer_object?: ResourceLayer;
  state?: { in_use?: boolean };
  uuid?: string;
  create_timestamp?: number;
}

export interface ResourceWithVolumes extends Resource {
  volumes?: Volume[];
  shared_name?: string;
}

export interface ResourceCreate {
  resource: { node_name?: string; props?: Props; flags?: string[] };
  layer_list?: string[];
  drbd_node_id?: number;
  drbd_tcp_ports?: number[];
}

export interface ResourceModify extends PropsModify {
  drbd_tiebreaker?: boolean;
  drbd_client?: boolean;
}

export interface AutoPlaceRequest {
  select_filter?: AutoSelectFilter;
  diskless_on_remaining?: boolean;
  layer_list?: string[];
}

export interface ControllerVersion {
  version: string;
  git_hash?: string;
  build_time: string;
  rest_api_version?: string;
}

export interface KeyValueStore {
  name: string;
  props?: Props;
}

export interface ErrorReport {
  node_name?: string;
  error_time: number;
  filename?: string;
  text?: string;
  module?: string;
  version?: string;
  peer?: string;
  exception?: string;
  exception_message?: string;
  origin_file?: string;
  origin_method?: string;
  origin_line?: number;
}

/** Common list paging/filter parameters. */
export interface Paging {
  limit?: number;
  offset?: number;
}
