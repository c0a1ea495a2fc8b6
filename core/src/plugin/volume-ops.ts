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

export interface SnapshotInfo {
  volume: string;
  name: string;
  /** Creation time, ms since the epoch (0 when unknown). */
  created: number;
  /** The snapshot definition has the SUCCESSFUL flag. */
  ready: boolean;
  /** Size of volume 0 when the snapshot was taken, KiB. */
  size_kib?: number;
}

/**
 * What VolumeOps throws when the cause is one a platform maps to its own error (Docker: the Err text;
 * CSI: ALREADY_EXISTS, NOT_FOUND, RESOURCE_EXHAUSTED, FAILED_PRECONDITION, DEADLINE_EXCEEDED).
 * Anything else escapes as the client's ApiError / ConnectionError.
 */
export type VolumeOpsErrorKind =
  /** The volume, snapshot, source or resource group does not exist. */
  | 'not_found'
  /** A volume (or snapshot) of that name exists with other parameters (e.g. another size). */
  | 'exists'
  /** Not enough nodes or space to place it (FAIL_NOT_ENOUGH_NODES). */
  | 'no_space'
  /** The operation is impossible for this volume here (e.g. no diskless attach without DRBD/NVMe). */
  | 'unsupported'
  /** The volume is in use (FAIL_IN_USE, or open on another node). */
  | 'in_use'
  /** A wait ran out of time; the message says what was still missing. */
  | 'timeout'
  /** The cluster reported a failure (clone FAILED, snapshot FAILED_*). */
  | 'failed';

export class VolumeOpsError extends Error {
  constructor(readonly kind: VolumeOpsErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'VolumeOpsError';
  }
}

export const isVolumeOpsError = (err: unknown, kind?: VolumeOpsErrorKind): err is VolumeOpsError =>
  err instanceof VolumeOpsError && (kind === undefined || err.kind === kind);

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
  listSnapshots(name?: string): Promise<SnapshotInfo[]>;
  space(resourceGroup: string): Promise<SpaceInfo>;
}
