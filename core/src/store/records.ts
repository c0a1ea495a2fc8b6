/**
 * What the store keeps: one JSON record per object, keyed by kind and upper-cased name path.
 * Children that only live inside their parent (net interfaces, volume groups, volume definitions,
 * volumes) are part of the parent's record, so a change to them is one write.
 */
import type { LayerKind, NodeType, ProviderKind } from '../model/enums.js';

export type Props = Record<string, string>;

export interface NetInterfaceRecord {
  name: string;
  address: string;
  satellite_port?: number;
  satellite_encryption_type?: string;
  uuid: string;
}

export interface NodeRecord {
  name: string;
  type: NodeType;
  flags: string[];
  props: Props;
  net_interfaces: NetInterfaceRecord[];
  /** Name of the interface the controller uses to reach the satellite. */
  active_net_interface?: string;
  uuid: string;
}

export interface StoragePoolDefinitionRecord {
  name: string;
  props: Props;
  uuid: string;
}

export interface StoragePoolRecord {
  node_name: string;
  name: string;
  provider_kind: ProviderKind;
  props: Props;
  free_space_mgr_name?: string;
  external_locking: boolean;
  uuid: string;
}

export interface AutoSelectFilterRecord {
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
  layer_stack?: LayerKind[];
  provider_list?: ProviderKind[];
  diskless_on_remaining?: boolean;
  diskless_type?: string;
  overprovision?: number;
}

export interface VolumeGroupRecord {
  volume_number: number;
  props: Props;
  flags: string[];
  uuid: string;
}

export interface ResourceGroupRecord {
  name: string;
  description?: string;
  props: Props;
  select_filter: AutoSelectFilterRecord;
  peer_slots?: number;
  volume_groups: VolumeGroupRecord[];
  uuid: string;
}

export interface VolumeDefinitionRecord {
  volume_number: number;
  size_kib: number;
  props: Props;
  flags: string[];
  /** DRBD minor, allocated when the resource definition uses DRBD. */
  minor_number?: number;
  uuid: string;
}

export interface DrbdResourceDefinitionRecord {
  peer_slots: number;
  al_stripes: number;
  al_stripe_size_kib: number;
  port?: number;
  transport_type: string;
  secret: string;
}

export interface ResourceDefinitionRecord {
  name: string;
  external_name?: string;
  props: Props;
  flags: string[];
  layer_stack: LayerKind[];
  resource_group_name: string;
  drbd?: DrbdResourceDefinitionRecord;
  volume_definitions: VolumeDefinitionRecord[];
  uuid: string;
  /** A clone: the definition it was cloned from (flag CLONING while the copies are made). */
  cloned_from?: string;
}

export interface VolumeRecord {
  volume_number: number;
  storage_pool_name: string;
  props: Props;
  flags: string[];
  uuid: string;
}

export interface ResourceRecord {
  name: string;
  node_name: string;
  props: Props;
  flags: string[];
  layer_stack: LayerKind[];
  drbd?: { node_id: number; tcp_ports: number[]; peer_slots: number };
  volumes: VolumeRecord[];
  create_timestamp: number;
  uuid: string;
  /**
   * Snapshot restore / clone: where the new volumes come from (a snapshot of another resource on the
   * same node, or that resource itself). Cleared once the satellite reported the volumes.
   */
  source?: { resource: string; snapshot?: string };
  /** A rollback the satellite has not confirmed yet (one-shot: applied when request_id is new to it). */
  rollback?: { snapshot: string; request_id: number };
}

export interface ResourceConnectionRecord {
  resource_name: string;
  node_a: string;
  node_b: string;
  props: Props;
  flags: string[];
  uuid: string;
}

export interface NodeConnectionRecord {
  node_a: string;
  node_b: string;
  props: Props;
  uuid: string;
}

export interface KeyValueStoreRecord {
  name: string;
  props: Props;
}

export interface ControllerRecord {
  props: Props;
  /** The cluster's encryption passphrase material (never the passphrase itself); see controller/crypto-keys.ts. */
  encryption?: EncryptionRecord;
}

/**
 * A random master key wrapped (AES-256-GCM) with a key derived from the passphrase (scrypt), plus a
 * verifier of that derived key. Changing the passphrase re-wraps the same master key, so the LUKS
 * keys derived from it stay the same. All binary fields are base64.
 */
export interface EncryptionRecord {
  version: 1;
  kdf: 'scrypt';
  salt: string;
  scrypt_n: number;
  scrypt_r: number;
  scrypt_p: number;
  /** HMAC-SHA256(passphrase key, fixed label): tells a wrong passphrase from a damaged record. */
  verifier: string;
  iv: string;
  wrapped_key: string;
  tag: string;
}

export interface ErrorReportRecord {
  id: string;
  node_name: string;
  error_time: number;
  module: string;
  version: string;
  exception: string;
  exception_message: string;
  origin_file?: string;
  origin_method?: string;
  origin_line?: number;
  text: string;
}

export interface SnapshotVolumeDefinitionRecord {
  volume_number: number;
  size_kib: number;
  /** The volume definition's props and flags when the snapshot was taken. */
  props?: Props;
  flags?: string[];
}

/** One volume of a snapshot on one node: the pool it lives in. */
export interface SnapshotVolumeRecord {
  volume_number: number;
  storage_pool_name: string;
  uuid: string;
}

/** The snapshot of one node (LINSTOR's Snapshot under a SnapshotDefinition). */
export interface SnapshotNodeRecord {
  node_name: string;
  /** DELETE while the node's satellite removes it. */
  flags: string[];
  create_timestamp: number;
  uuid: string;
  /** The satellite reported every volume's snapshot created. */
  created?: boolean;
  /** Why the satellite could not create it (its last error report), while not created. */
  failure?: string;
  /** The resource as it was: layers, DRBD node id, props (a restore reuses them). */
  layer_stack: LayerKind[];
  drbd_node_id?: number;
  resource_props: Props;
  volumes: SnapshotVolumeRecord[];
}

/** A snapshot definition with its per-node snapshots. */
export interface SnapshotRecord {
  name: string;
  resource_name: string;
  /** Nodes holding (or still removing) the snapshot; the same as node_snapshots' names when those exist. */
  nodes: string[];
  flags: string[];
  props: Props;
  volume_definitions: SnapshotVolumeDefinitionRecord[];
  create_timestamp: number;
  uuid: string;
  /** Per node; absent on records written before snapshots were deployed (they count as created). */
  node_snapshots?: SnapshotNodeRecord[];
  /** The resource definition's props when the snapshot was taken. */
  resource_definition_props?: Props;
  /** Order of creation within the resource definition (rollback needs the latest). */
  sequence_number?: number;
}

/**
 * An external file (LINSTOR's `/v1/files`): content the satellites write to disk on every node that
 * has a resource of a resource definition it is attached to. Attachments are the resource
 * definition's props `files/<path without the leading slash>` = `True`, as LINSTOR keeps them.
 */
export interface ExternalFileRecord {
  /** Absolute, normalised; also the store key (case-sensitive, unlike LINSTOR names). */
  path: string;
  /** base64 */
  content: string;
  /** sha256 of the decoded content, hex. */
  content_checksum: string;
  alt_suffixes?: string[];
  uuid: string;
}

/** Every kind the store holds, and the record type of each. */
export interface RecordKinds {
  node: NodeRecord;
  spd: StoragePoolDefinitionRecord;
  sp: StoragePoolRecord;
  rg: ResourceGroupRecord;
  rd: ResourceDefinitionRecord;
  rsc: ResourceRecord;
  rsc_conn: ResourceConnectionRecord;
  node_conn: NodeConnectionRecord;
  kvs: KeyValueStoreRecord;
  ctrl: ControllerRecord;
  error_report: ErrorReportRecord;
  snapshot: SnapshotRecord;
  ext_file: ExternalFileRecord;
}
export type Kind = keyof RecordKinds;
export const KINDS: readonly Kind[] = [
  'node', 'spd', 'sp', 'rg', 'rd', 'rsc', 'rsc_conn', 'node_conn', 'kvs', 'ctrl', 'error_report', 'snapshot', 'ext_file',
];
