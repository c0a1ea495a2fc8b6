/**
 * The LINSTOR call sequences every integration needs, in one place, so no plugin re-implements them.
 * Sizes are KiB. Names are LINSTOR resource names (plugins map their own ids onto them).
 */

export interface VolumeSpec {
  /** Resource definition name. */
  name: string;
  size_kib: number;
  /** Resource group to spawn from (created with `placement` when missing). */
  resource_group?: string;
  /** Placement overrides on top of the group's select filter (LINSTOR AutoSelectFilter fields). */
  placement?: {
    place_count?: number;
    storage_pool?: string;
    storage_pool_list?: string[];
    storage_pool_diskless_list?: string[];
    node_name_list?: string[];
    replicas_on_same?: string[];
    replicas_on_different?: string[];
    not_place_with_rsc_regex?: string;
    diskless_on_remaining?: boolean;
    layer_stack?: string[];
  };
  /** Resource-definition props (e.g. FileSystem/Type, FileSystem/MkfsParams, Aux/...). */
  props?: Record<string, string>;
  /** Source: a snapshot of another volume, or another volume (clone). */
  source?: { volume: string; snapshot?: string };
}

export interface VolumeInfo {
  name: string;
  size_kib: number;
  props: Record<string, string>;
  /** Nodes with a replica, and whether it has a disk. */
  replicas: Array<{ node: string; diskless: boolean; device_path?: string; in_use?: boolean; state?: string }>;
}

export interface SpaceInfo {
  /** Largest volume the group can still place, KiB. */
  max_volume_kib: number;
  available_kib: number;
  capacity_kib: number;
}

export interface VolumeOps {
  /** Creates the resource group if missing (idempotent; an existing group is left as it is). */
  ensureResourceGroup(name: string, placement?: VolumeSpec['placement'], props?: Record<string, string>): Promise<void>;
  /** Spawns a volume from its group (or restores/clones it); resolves when it is placed. Idempotent. */
  create(spec: VolumeSpec): Promise<VolumeInfo>;
  get(name: string): Promise<VolumeInfo | undefined>;
  list(filter?: { props?: Record<string, string> }): Promise<VolumeInfo[]>;
  /**
   * Makes the volume usable on `node` (diskless attach where the layers allow, else a clear error) and
   * waits until the device exists there; returns its path.
   */
  attach(name: string, node: string, opts?: { timeoutMs?: number }): Promise<string>;
  /** Undoes an attach that added a diskless replica; diskful replicas stay. */
  release(name: string, node: string): Promise<void>;
  /** Grows the volume (never shrinks) and waits until every replica reports the new size. */
  resize(name: string, size_kib: number): Promise<void>;
  /** Deletes the volume and its snapshots. Missing volumes are fine. */
  delete(name: string): Promise<void>;
  snapshot(name: string, snapshot: string): Promise<void>;
  deleteSnapshot(name: string, snapshot: string): Promise<void>;
  listSnapshots(name?: string): Promise<Array<{ volume: string; name: string; created: number; ready: boolean }>>;
  space(resourceGroup: string): Promise<SpaceInfo>;
}
