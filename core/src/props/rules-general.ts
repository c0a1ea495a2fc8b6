/**
 * The non-DRBD whitelisted keys: each key once, with its rule and the object kinds that accept it.
 * Facts (key names, types, ranges, defaults, kinds) follow LINSTOR's linstor-common properties.json
 * plus the keys newer LINSTOR releases added (see rest-api-contract.md §5.3). DRBD option sets live in
 * rules-drbd.ts, DRBD Proxy rules in rules-proxy.ts.
 */
import type { PropObject, PropRule } from './types.js';

type Def = Omit<PropRule, 'key'> & { on: readonly PropObject[] };

const POOL = '^[a-zA-Z0-9_][a-zA-Z0-9_-]{2,47}$';
const NIC = POOL;
/** Cache sizes: a percentage of the data device, or KiB. */
const CACHE_SIZE = '^100%|[0-9]{1,2}([.][0-9]*)?%|[1-9][0-9]{2,}$';
const WEIGHT = '^[0-9]+([.][0-9]+)?';
/** Number lists as LINSTOR's range parser reads them: `7000-7999`, `7000,7005-7010`. */
const RANGE_LIST = '\\s*[0-9]+(\\s*-\\s*[0-9]+)?(\\s*,\\s*[0-9]+(\\s*-\\s*[0-9]+)?)*\\s*';

// object-kind groups used below
const C: PropObject = 'CTRL';
const N: PropObject = 'NODE';
const SP: PropObject = 'STOR_POOL';
const SPD: PropObject = 'STOR_POOL_DFN';
const RD: PropObject = 'RSC_DFN';
const R: PropObject = 'RSC';
const VD: PropObject = 'VLM_DFN';
const V: PropObject = 'VLM';
const PLACES = [N, RD, R, VD, V];
const SYS_FS = [C, N, SP, SPD, RD, R, VD, V];
const LAYERS = [C, N, RD, VD]; // writecache / cache / bcache settings
const SPDK = [C, N, SP];

const long = (info: string, on: readonly PropObject[], dflt?: string, unit?: string): Def =>
  ({ type: 'long', info, on, ...(dflt !== undefined && { dflt }), ...(unit && { unit }) });
const bool = (info: string, on: readonly PropObject[], dflt?: string): Def =>
  ({ type: 'boolean_true_false', info, on, ...(dflt !== undefined && { dflt }) });
const str = (info: string, on: readonly PropObject[], dflt?: string): Def =>
  ({ type: 'string', info, on, ...(dflt !== undefined && { dflt }) });
const re = (pattern: string, info: string, on: readonly PropObject[], dflt?: string): Def =>
  ({ type: 'regex', pattern, info, on, ...(dflt !== undefined && { dflt }) });
const sym = (values: string[], info: string, on: readonly PropObject[], dflt?: string): Def =>
  ({ type: 'symbol', values, info, on, ...(dflt !== undefined && { dflt }) });

const DEFS: Record<string, Def> = {
  // --- placement and storage
  StorPoolName: re(POOL, 'Linstor storage pool name to use.', PLACES),
  StorPoolNameDrbdMeta: re('^|.internal|[a-zA-Z0-9_][a-zA-Z0-9_-]{2,47}$',
    "Linstor storage pool name to use for external metadata ('.internal' for internal metadata).", PLACES),
  PrefNic: re(NIC, 'Preferred network interface to use', [N, SP, RD, R]),
  Site: str('Site of the node, for placement rules and DRBD Proxy', [C, N]),
  AutoplaceTarget: bool('Specifies if the storage pool(s) of the given node can be targeted by the autoplacer', [C, N]),
  'Autoplacer/Weights/MaxFreeSpace': re(WEIGHT, "Weight of 'MaxFreeSpace' autoplacer-strategy", [C], '1.0'),
  'Autoplacer/Weights/MinReservedSpace': re(WEIGHT, "Weight of 'MinReservedSpace' autoplacer-strategy", [C], '0.0'),
  'Autoplacer/Weights/MinRscCount': re(WEIGHT, "Weight of 'MinRscCount' autoplacer-strategy", [C], '0.0'),
  'Autoplacer/Weights/MaxThroughput': re(WEIGHT, "Weight of 'MaxThroughput' autoplacer-strategy", [C], '0.0'),
  'Autoplacer/PreSelectScript': str('Filename of the preselection script. File must be in /etc/linstor/selector/', [C]),
  'Autoplacer/PreSelectScriptTimeout': long('Timeout in ms Linstor waits for the script to run.', [C], '5000'),
  'Autoplacer/MaxThroughput': long('The maximum throughput the given storage pool is capable of.', [C, N, SP]),
  MaxOversubscriptionRatio: {
    type: 'range', min: 1, max: 1000, on: [C, SP, SPD],
    info: 'Maximum allowed ratio of the sum of volume sizes in a thin pool to the total capacity of the pool (default 20)',
  },
  MaxFreeCapacityOversubscriptionRatio: {
    type: 'range_float', min: 1, max: 1000, on: [C, SP, SPD],
    info: 'Maximum allowed ratio of the sum of volume sizes in a thin pool to its free capacity',
  },
  MaxTotalCapacityOversubscriptionRatio: {
    type: 'range_float', min: 1, max: 1000, on: [C, SP, SPD],
    info: 'Maximum allowed ratio of the sum of volume sizes in a thin pool to its total capacity',
  },
  AllowMixingStoragePoolDriver: bool('Allow mixing storage pool drivers for migration purpose', [C, RD], 'false'),
  OverrideVlmId: re('.*',
    "Overwrites the generated '<resource-name>_<5 digit volume number>' volume name for migration purposes", [VD]),
  UseZFSClone: bool('if true: Zfs clone will use snapshot clone, instead of send/receive', [C, RD], 'false'),
  UpdateCacheInterval: long('Interval for space cache background updates in seconds', [C], '180', 'seconds'),
  BalanceResourcesEnabled: bool('Keep the place count of resource groups by adding or removing replicas', [C, RD], 'true'),
  BalanceResourcesInterval: long('Interval of the balance task', [C], '3600', 'seconds'),
  BalanceResourcesGracePeriod: long('How long new resources are ignored by the balance task', [C], '3600', 'seconds'),

  // --- storage drivers
  // LINSTOR's pattern lacks '.', which FILE pool directories (e.g. made by mktemp) often contain
  'StorDriver/StorPoolName': re('[a-zA-Z0-9_./-]+', 'Backing storage of the pool (volume group, thin pool, zpool or directory)', [SP]),
  'StorDriver/LvmVg': re('[a-zA-Z0-9_-]+', 'LVM volume group of the pool', [SP]),
  'StorDriver/ThinPool': re('[a-zA-Z0-9_-]+', 'LVM thin pool of the pool', [SP]),
  'StorDriver/ZPool': re('[a-zA-Z0-9_/-]+', 'ZFS pool of the pool', [SP]),
  'StorDriver/ZPoolThin': re('[a-zA-Z0-9_/-]+', 'ZFS pool of the thin pool', [SP]),
  'StorDriver/FileDir': re('.*', 'Directory of a FILE / FILE_THIN pool', [SP]),
  'StorDriver/LvcreateType': sym(
    ['linear', 'striped', 'mirror', 'raid0', 'raid1', 'raid4', 'raid5', 'raid6', 'raid10', 'lzma', 'lz4'],
    "Segment type passed to 'lvcreate --type'", [SP, RD, VD], 'linear'),
  'StorDriver/LvcreateOptions': re('.*', "Additional parameters added to every 'lvcreate ... ' command", [C, N, SP, RD, VD]),
  'StorDriver/ZfscreateOptions': re('.*', "Additional parameters added to every 'zfs create ... ' command", [C, N, SP, RD, VD]),
  'StorDriver/WaitTimeoutAfterCreate': re('[0-9]+', 'Milliseconds to wait for a new device to appear', [C, SP]),
  'StorDriver/DMStats': bool('Enable dmstats on lvm create', [C]),
  'StorDriver/EBS/Remote': re(POOL, 'Name of the EBS remote of the pool', [SP]),
  'StorDriver/RemoteSpdk/ApiHost': re('.+', 'Remote SPDK API host name', SPDK),
  'StorDriver/RemoteSpdk/ApiPort': re('[0-9]+', 'Remote SPDK API port', SPDK),
  'StorDriver/RemoteSpdk/UserName': re('.+', 'Remote SPDK API user name', SPDK),
  'StorDriver/RemoteSpdk/UserNameEnv': re('.+', 'Environment variable containing remote SPDK API user name', SPDK),
  'StorDriver/RemoteSpdk/UserPassword': re('.+', 'Remote SPDK API password', SPDK),
  'StorDriver/RemoteSpdk/UserPasswordEnv': re('.+', 'Environment variable containing remote SPDK API password', SPDK),
  'sys/fs/blkio_throttle_read': long('Sets the /sys/fs/cgroup/blkio/blkio.throttle.read_bps_device', SYS_FS),
  'sys/fs/blkio_throttle_write': long('Sets the /sys/fs/cgroup/blkio/blkio.throttle.write_bps_device', SYS_FS),
  'sys/fs/blkio_throttle_read_iops': long('Sets the /sys/fs/cgroup/blkio/blkio.throttle.read_iops_device', SYS_FS),
  'sys/fs/blkio_throttle_write_iops': long('Sets the /sys/fs/cgroup/blkio/blkio.throttle.write_iops_device', SYS_FS),

  // --- numbering
  TcpPortAutoRange: re(RANGE_LIST, 'Range for auto-allocation of resource TCP ports', [C, N], '7000-7999'),
  TcpPortsBlocked: re(RANGE_LIST, 'TCP ports (or ranges) never auto-allocated on this node', [N]),
  MinorNrAutoRange: re(RANGE_LIST, 'Range for auto-allocation of volume minor numbers', [C], '1000-49999'),
  PeerSlotsNewResource: {
    type: 'range', min: 1, max: 31, dflt: '7', on: [C, RD],
    info: 'DRBD peer slots to allocate for newly created resources (default 7), the number of peer slots cannot be changed once the resource is created, so allow sufficient slots to increase redundancy in the future',
  },
  PeerSlots: { type: 'range', min: 1, max: 31, info: 'DRBD peer slots present on resource', internal: true, on: [R] },
  DrbdCurrentGi: re('[a-fA-F0-9]{16}', 'Initial DRBD generation id, if initial sync is skipped, this ID will be set', [VD]),

  // --- LINSTOR's DRBD meta options
  'DrbdOptions/auto-quorum': {
    ...sym(['io-error', 'suspend-io', 'disabled'], "Enables automatic setting of the 'quorum' and 'on-no-quorum' property", [C, RD]),
    deprecated: true,
  },
  'DrbdOptions/auto-add-quorum-tiebreaker': bool('Enables automatic management (creation and deletion) of tie breaking resource', [C, RD]),
  'DrbdOptions/auto-diskful': long('Makes a resource diskful if it was continuously diskless primary for X minutes', [C, RD], undefined, 'minutes'),
  'DrbdOptions/auto-diskful-allow-cleanup': bool('Allows this resource to be cleaned up after toggle-disk + resync is finished', [C, N, RD, R]),
  'DrbdOptions/auto-verify-algo-disable': bool('If set to true it will disable automatic setting of DRBD verify algorithm', [C, RD]),
  'DrbdOptions/auto-verify-algo-allowed-user-list': str('A list of verify algorithms allowed by user, semicolon separated', [C]),
  'DrbdOptions/auto-resync-after-disable': bool("If set to true LINSTOR does not set DRBD's resync-after automatically", [C, RD]),
  'DrbdOptions/ExactSize': bool('Create the DRBD device with exactly the size of the volume definition (for online migration)', [RD, VD]),
  'DrbdOptions/SkipDisk': bool('Pass --skip-disk to drbdadm adjust (set by LINSTOR after an I/O error)', [C, N, RD, R]),
  'DrbdOptions/AutoEvictAfterTime': long('Time a node can be offline before it is declared EVICTED in minutes', [C, N], '60', 'minutes'),
  'DrbdOptions/AutoEvictMaxDisconnectedNodes': {
    type: 'range', min: 0, max: 100, dflt: '34', on: [C],
    info: 'Percentage(0-100) of nodes that can disconnect at the same time without the controller stopping the max_offline_time timer',
  },
  'DrbdOptions/AutoEvictMinReplicaCount': long(
    'The minimum amount of replicas that should be present for a resource at all times.', [C, RD],
    'The place count set for the resource group'),
  'DrbdOptions/AutoEvictAllowEviction': bool('If set to false on a node, it cannot be evicted anymore', [C, N], 'true'),
  'Linstor/Drbd/auto-block-size': bool('Let LINSTOR set the DRBD block size from the backing devices', [C, RD, VD], 'true'),
  'Linstor/Drbd/OutsideAddress': str('Address peers use to reach this node from outside a NAT', [N]),
  'DrbdProxy/AutoEnable': bool('Enable DRBD Proxy automatically between nodes of different sites', [C, N], 'false'),
  'DrbdProxy/CompressionType': sym(['zlib', 'lzma', 'lz4', 'zstd'], 'DRBD Proxy compression plugin', [RD]),

  // --- file systems and NVMe
  'FileSystem/Type': sym(['ext4', 'xfs'], 'File system type to use', [RD, R, VD]),
  'FileSystem/MkfsParams': str('Additional parameters for the mkfs command', [RD, R, VD]),
  'FileSystem/User': str('Owner (user) of the file system root after mkfs', [RD, R, VD]),
  'FileSystem/Group': str('Owner (group) of the file system root after mkfs', [RD, R, VD]),
  'NVMe/TRType': sym(['rdma', 'tcp'], 'NVMe transportation type', [C, RD], 'rdma'),
  'NVMe/Port': { type: 'range', min: 1, max: 65535, info: 'NVMe port', on: [C, RD] },
  'NVMe/PrefNic': re(NIC, 'Preferred network interface to use', [C, SP, R]),

  // --- writecache / cache / bcache layers
  'Writecache/PoolName': re(POOL, 'Linstor storage pool name for writecache', LAYERS),
  'Writecache/Size': re(CACHE_SIZE, 'Size of the writecache in % (0-100) or KiB otherwise', LAYERS),
  'Writecache/Options/StartSector': long('offset from the start of cache device in 512-byte sectors', LAYERS, '0'),
  'Writecache/Options/HighWatermark': long('start writeback when the number of used blocks reach this watermark', LAYERS, '50'),
  'Writecache/Options/LowWatermark': long('stop writeback when the number of used blocks drops below this watermark', LAYERS, '45'),
  'Writecache/Options/WritebackJobs': long('limit the number of blocks that are in flight during writeback. Setting this value reduces writeback throughput, but it may improve latency of read requests', LAYERS, 'unlimited'),
  'Writecache/Options/AutocommitBlocks': long('when the application writes this amount of blocks without issuing the FLUSH request, the blocks are automatically committed', LAYERS, '64 for pmem, 65536 for ssd'),
  'Writecache/Options/AutocommitTime': long('autocommit time in milliseconds. The data is automatically committed if this time passes and no FLUSH request is received', LAYERS, '1000'),
  'Writecache/Options/Fua': sym(['On', 'Off'], '"On" results in "fua" as argument, whereas the value "Off" results in "nofua" argument', LAYERS, 'On'),
  'Writecache/Options/Additional': str('Additional arguments passed through', LAYERS),
  'Cache/OpMode': sym(['writeback', 'writethrough', 'passthrough'], 'Operation mode', LAYERS, 'writethrough'),
  'Cache/MetaPool': re(POOL, 'Name of the storage pool used for the cache metadata. If not specified, this will default to the CachePool property', LAYERS),
  'Cache/Metasize': re(CACHE_SIZE, 'Size of the cache in % (0-100) or KiB otherwise.', LAYERS, '12288'),
  'Cache/CachePool': re(POOL, 'Name of the storage pool used for the cache cache device', LAYERS),
  'Cache/Cachesize': re(CACHE_SIZE, 'Size of the cache in % (0-100) or KiB otherwise.', LAYERS, '5%'),
  'Cache/Blocksize': long('Block size', LAYERS, '4096'),
  'Cache/Policy': sym(['mq', 'smq', 'cleaner'], 'Replacement policy', LAYERS, 'smq'),
  'BCache/PoolName': re(POOL, 'Name of the storage pool used for the bcache', LAYERS),
  'BCache/Size': re(CACHE_SIZE, 'Size of the cache in % (0-100) or KiB otherwise. Minimum 524288', LAYERS, '5%'),
  'BCache/Blocksize': long('Block size', LAYERS),
  'BCache/Bucketsize': long('Bucket size', LAYERS),
  'BCache/DataOffset': long('Data offset', LAYERS),
  'BCache/Writeback': bool('Enable writeback if set to true', LAYERS),
  'BCache/Discard': bool('Enable discard if set to true', LAYERS),
  'BCache/CacheReplacementPolicy': sym(['lru', 'fifo'], 'Cache replacement policy. Default: lru', LAYERS),

  // --- snapshots, shipping, backups
  'AutoSnapshot/RunEvery': long('Runs every X minutes an snapshot-creation. Removing this property or having a value <= 0 disables auto-snapshotting.', [C, RD], undefined, 'minutes'),
  'AutoSnapshot/Keep': long('Keeps the last X auto-snapshots. Removing this property or having a value <= 0 disables auto-cleanup, all auto-snapshots will be kept', [C, RD], '10'),
  'AutoSnapshot/NextAutoId': long('The next ID to try for auto-snapshots', [C, RD]),
  'SnapshotShipping/RunEvery': long('Runs every X minutes an auto-snapshot-shipping unless the current snapshot-shipping is still running. In this case a new one will be started asap.', [RD], undefined, 'minutes'),
  'SnapshotShipping/Keep': long('Keeps the last X shipped snapshots. Removing this property or having a value <= 0 disables auto-cleanup, all auto-snapshots will be kept', [RD], '10'),
  'SnapshotShipping/TargetNode': str('Node name of the snapshot shipping target', [RD]),
  'SnapshotShipping/SourceNode': str('Node name of the snapshot shipping source', [RD]),
  'SnapshotShipping/TcpPortRange': re('[0-9]+-[0-9]+', 'Range for allocation of snapshot shipping TCP ports', [C]),
  'BackupShipping/BackupTimeout': long('The timeout in seconds to be used for API-requests during backup list and backup delete', [C], '5', 'seconds'),
  'BackupShipping/S3KeySuffix': str('A suffix to be appended in order to distiguish same backup names from different Linstor clusters', [C], ''),

  // --- controller operation
  'REST/disable-http-metrics': bool('Disable Prometheus /metrics on HTTP, if HTTPS is enabled', [C]),
  SearchDomain: str('Search domain node names, if no FQDN is given.', [C]),
  ExtCmdWaitTimeout: long('Wait timeout for an external command in milliseconds', [C], undefined, 'milliseconds'),

  // --- maintained by the controller itself (readable, never set by clients)
  CurStltConnName: { type: 'string', info: 'Net interface the controller uses to reach the satellite', internal: true, on: [N] },
  NodeUname: { type: 'string', info: "The node's uname -n, as reported by its satellite", internal: true, on: [N] },
};

/** The non-DRBD rules of one object kind, in table order. */
export function generalRulesFor(object: PropObject): PropRule[] {
  const out: PropRule[] = [];
  for (const [key, { on, ...rule }] of Object.entries(DEFS)) {
    if (on.includes(object)) out.push({ key, ...rule });
  }
  return out;
}
