/**
 * NVMe-oF names and nvme-cli argv builders (pure).
 *
 * Subsystem names follow linstor-server's NvmeUtils: kernel (nvmet) targets are named
 * "LS-NVMe_<resource>", SPDK targets "nqn.2018-02.linbit.linstor:<resource>". Storhub runs kernel
 * targets only, so it uses the first form; a LINSTOR initiator looking for a kernel target computes
 * the same name. Namespace ids are volume number + 1 (NSID 0 is invalid in NVMe), also as LINSTOR.
 */

export const NVME = 'nvme';
export const NVMET_SUBSYSTEM_PREFIX = 'LS-NVMe_';
export const SPDK_SUBSYSTEM_PREFIX = 'nqn.2018-02.linbit.linstor:';
/** IANA port of NVMe-oF (NVMe/TCP and RDMA). */
export const NVME_DEFAULT_PORT = 4420;

/** Props the layer reads (resolved resource props). NVMe/TRType and NVMe/Port are LINSTOR's keys. */
export const PROP_TRTYPE = 'NVMe/TRType';
export const PROP_PORT = 'NVMe/Port';
/**
 * The address of the node that exports the resource (the target listens on it, initiators connect to
 * it). Set by the controller from the target node's net interface (NVMe/PrefNic or the default one).
 */
export const PROP_TARGET_ADDRESS = 'Internal/NVMe/TargetAddress';

export function subsystemNqn(resource: string): string {
  return `${NVMET_SUBSYSTEM_PREFIX}${resource}`;
}

export function namespaceId(volumeNumber: number): number {
  return volumeNumber + 1;
}

export interface ConnectTarget {
  transport: string;
  address: string;
  port: number;
  nqn: string;
  /** Host NQN to present (default: nvme-cli's /etc/nvme/hostnqn). */
  hostNqn?: string;
}

/** `nvme connect -t tcp -a ADDR -s PORT -n NQN [-q HOSTNQN]` */
export function connectArgs(t: ConnectTarget): string[] {
  const args = ['connect', '-t', t.transport, '-a', t.address, '-s', String(t.port), '-n', t.nqn];
  if (t.hostNqn) args.push('-q', t.hostNqn);
  return args;
}

/** `nvme disconnect -n NQN` (disconnects every controller of that subsystem). */
export function disconnectArgs(nqn: string): string[] {
  return ['disconnect', '-n', nqn];
}

export function listArgs(): string[] {
  return ['list', '-o', 'json'];
}
