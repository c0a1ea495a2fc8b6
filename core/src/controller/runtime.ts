/**
 * What the controller knows about nodes at run time, beyond their stored definition: connection
 * status and what the satellite reported it supports. Until a satellite connects, a node is OFFLINE
 * and its capabilities are unknown (the fields are then omitted, as LINSTOR does).
 */
import type { ConnectionStatus, LayerKind, ProviderKind } from '../model/enums.js';

export interface NodeRuntime {
  connection_status: ConnectionStatus;
  storage_providers?: ProviderKind[];
  resource_layers?: LayerKind[];
  unsupported_providers?: Record<string, string[]>;
  unsupported_layers?: Record<string, string[]>;
}

export interface StoragePoolRuntime {
  free_capacity?: bigint | number;
  total_capacity?: bigint | number;
}

export interface RuntimeState {
  node(name: string): NodeRuntime;
  storagePool(node: string, pool: string): StoragePoolRuntime;
}

/** The state before any satellite has reported: everything offline, capacities unknown. */
export class OfflineRuntime implements RuntimeState {
  node(): NodeRuntime {
    return { connection_status: 'OFFLINE' };
  }
  storagePool(): StoragePoolRuntime {
    return {};
  }
}
