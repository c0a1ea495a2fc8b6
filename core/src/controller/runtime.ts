/**
 * What the controller knows about nodes at run time, beyond their stored definition: connection
 * status and what the satellite reported it supports. Until a satellite connects, a node is OFFLINE
 * and its capabilities are unknown (the fields are then omitted, as LINSTOR does).
 */
import type { ApiCallRc } from '../model/apicallrc.js';
import type { ConnectionStatus, LayerKind, ProviderKind } from '../model/enums.js';

export interface NodeRuntime {
  connection_status: ConnectionStatus;
  storage_providers?: ProviderKind[];
  resource_layers?: LayerKind[];
  unsupported_providers?: Record<string, string[]>;
  unsupported_layers?: Record<string, string[]>;
  /** Directories the node's satellite writes external files below (its allowExtFiles); unknown until it connected. */
  allow_ext_files?: readonly string[];
}

export interface StoragePoolRuntime {
  free_capacity?: bigint | number;
  total_capacity?: bigint | number;
  /** What the satellite found wrong with the pool (missing directory or volume group, ...). */
  reports?: readonly ApiCallRc[];
}

/** What a satellite reported about one layer's device of a volume. */
export interface LayerVolumeRuntime {
  device_path?: string;
  backing_device?: string;
  allocated_size_kib?: number;
  usable_size_kib?: number;
  disk_state?: string;
}

/** What a satellite reported about one volume of a resource; all absent until it reported. */
export interface VolumeRuntime {
  layers?: Partial<Record<LayerKind, LayerVolumeRuntime>>;
  allocated_size_kib?: number;
  disk_state?: string;
  replication_states?: Record<string, { replication_state?: string; done_percentage?: number }>;
}

/**
 * What a satellite reported about one resource (DRBD state, in_use); empty until it reported.
 * Replace the object on every report, never change it in place: resource views are cached by the
 * identity of this object.
 */
export interface ResourceRuntime {
  readonly in_use?: boolean;
  readonly promotion_score?: number;
  readonly may_promote?: boolean;
  /** DRBD connections to peers, by peer node name. */
  readonly connections?: Readonly<Record<string, { connected: boolean; message?: string }>>;
  readonly volumes?: Readonly<Record<number, VolumeRuntime>>;
}

export interface RuntimeState {
  node(name: string): NodeRuntime;
  storagePool(node: string, pool: string): StoragePoolRuntime;
  /** Optional until satellites report resource state. */
  resource?(rd: string, node: string): ResourceRuntime;
}

const NOTHING_REPORTED: ResourceRuntime = Object.freeze({});

/** The state before any satellite has reported: everything offline, capacities unknown. */
export class OfflineRuntime implements RuntimeState {
  node(): NodeRuntime {
    return { connection_status: 'OFFLINE' };
  }
  storagePool(): StoragePoolRuntime {
    return {};
  }
  resource(): ResourceRuntime {
    return NOTHING_REPORTED;
  }
}
