/** LINSTOR's enumerations, in the exact spelling clients index by. */

export const NODE_TYPES = ['CONTROLLER', 'SATELLITE', 'COMBINED', 'AUXILIARY'] as const;
export type NodeType = (typeof NODE_TYPES)[number];

/** The CLI indexes its own enum with this value, so nothing outside the list may ever be sent. */
export const CONNECTION_STATUSES = [
  'OFFLINE', 'CONNECTED', 'ONLINE', 'VERSION_MISMATCH', 'FULL_SYNC_FAILED', 'AUTHENTICATION_ERROR',
  'UNKNOWN', 'HOSTNAME_MISMATCH', 'OTHER_CONTROLLER', 'AUTHENTICATED', 'NO_STLT_CONN',
  'MISSING_EXT_TOOLS', 'DUPLICATE_UNAME',
] as const;
export type ConnectionStatus = (typeof CONNECTION_STATUSES)[number];

export const PROVIDER_KINDS = ['DISKLESS', 'LVM', 'LVM_THIN', 'ZFS', 'ZFS_THIN', 'FILE', 'FILE_THIN'] as const;
export type ProviderKind = (typeof PROVIDER_KINDS)[number];

export const THIN_PROVIDERS: ReadonlySet<ProviderKind> = new Set(['LVM_THIN', 'ZFS_THIN', 'FILE_THIN']);
export const SNAPSHOT_PROVIDERS: ReadonlySet<ProviderKind> = new Set(['LVM_THIN', 'ZFS', 'ZFS_THIN', 'FILE', 'FILE_THIN']);

export const LAYER_KINDS = ['DRBD', 'LUKS', 'STORAGE', 'NVME', 'WRITECACHE', 'CACHE', 'BCACHE'] as const;
export type LayerKind = (typeof LAYER_KINDS)[number];

export const NODE_FLAGS = ['DELETE', 'EVICTED', 'EVACUATE', 'QIGNORE'] as const;
export const RSC_DFN_FLAGS = ['DELETE', 'RESTORE_TARGET', 'CLONING', 'FAILED'] as const;
export const VLM_DFN_FLAGS = ['DELETE', 'ENCRYPTED', 'RESIZE', 'GROSS_SIZE', 'RESIZE_SHRINK', 'DRBD_INITIALIZED'] as const;
export const VLM_GRP_FLAGS = ['GROSS_SIZE'] as const;

/** Resource flags, including the composite ones clients send (DRBD_DISKLESS implies DISKLESS). */
export const RSC_FLAGS = [
  'CLEAN', 'DELETE', 'DISKLESS', 'DISK_ADD_REQUESTED', 'DISK_ADDING', 'DISK_REMOVE_REQUESTED',
  'DISK_REMOVING', 'DRBD_DISKLESS', 'TIE_BREAKER', 'NVME_INITIATOR', 'INACTIVE', 'REACTIVATE',
  'INACTIVE_PERMANENTLY', 'BACKUP_RESTORE', 'EVICTED', 'INACTIVE_BEFORE_EVICTION', 'RESTORE_FROM_SNAPSHOT',
  'EVACUATE', 'DRBD_DELETE', 'INACTIVATING', 'EBS_INITIATOR', 'AUTO_DISKFUL',
] as const;

/** Flags that carry their components along (LINSTOR emits every bit-subset name). */
export const RSC_FLAG_IMPLIES: Record<string, string[]> = {
  DRBD_DISKLESS: ['DISKLESS'],
  NVME_INITIATOR: ['DISKLESS'],
  EBS_INITIATOR: ['DISKLESS'],
  TIE_BREAKER: ['DISKLESS', 'DRBD_DISKLESS'],
};

export const DEFAULT_STORAGE_POOL = 'DfltStorPool';
export const DEFAULT_DISKLESS_POOL = 'DfltDisklessStorPool';
export const DEFAULT_RESOURCE_GROUP = 'DfltRscGrp';
export const DEFAULT_PEER_SLOTS = 7;

/** What DISKLESS pools report as capacity (Long.MAX_VALUE): infinite. */
export const DISKLESS_CAPACITY = 9223372036854775807n;
