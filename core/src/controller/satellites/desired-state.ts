/**
 * What one node must hold, computed from the graph alone (pure: no I/O, no clock): the node's
 * effective props, its pools, and every resource placed there with its layer stack, flags, effective
 * props and volumes; DRBD resources also carry their own endpoint and their peers'.
 *
 * Resources marked DELETE are left out (the satellite removes what is no longer desired) and are
 * listed separately, so the connector can ask for their removal and confirm it. They are no DRBD peer
 * of anyone either: the other replicas disconnect from a resource that is going away.
 *
 * Two things come from outside the graph or from other resources:
 *  - LUKS keys (DesiredVolume.luks_key) from the encryption service, only for diskful resources with
 *    a LUKS layer and only while the passphrase is entered; without a key the satellite formats
 *    nothing and reports the locked passphrase on the resource (the manager resyncs on unlock).
 *  - the NVMe target address (Internal/NVMe/TargetAddress in the resource props): a target gets its
 *    own, an initiator (NVME_INITIATOR) its target's, each chosen by NVMe/PrefNic.
 */
import type { Graph } from '../graph.js';
import { key } from '../graph.js';
import { ORDERS, type PropsMap } from '../../props/resolve.js';
import { containersForConnection, containersForResource, containersForVolume } from '../../props/containers.js';
import type { NodeRecord, ResourceDefinitionRecord, ResourceRecord } from '../../store/records.js';
import type {
  DesiredDrbd, DesiredPool, DesiredResource, DesiredVolume, DrbdPeer, ExternalFile, StateUpdate,
} from '../../satellite/protocol.js';
import { attachedPaths } from '../../model/external-file.js';
import { PROP_TARGET_ADDRESS } from '../../satellite/layers/nvme/commands.js';
import { isDeletingRsc as isDeleting, isDiskless } from '../services/snapshot-common.js';
import { snapshotDesired } from './snapshot-sync.js';

/** The LUKS key of a volume, or undefined while none can be given (the passphrase is locked or unset). */
export type LuksKeySource = (resourceName: string, volumeNumber: number) => string | undefined;

export interface DesiredStateOptions {
  /** Absent: no LUKS keys are sent at all. */
  luksKey?: LuksKeySource;
}

export interface NodeDesiredState {
  node_name: string;
  node_props: Record<string, string>;
  pools: DesiredPool[];
  /** Desired resources by upper-cased name. */
  resources: Map<string, DesiredResource>;
  /** Names of the node's resources marked DELETE (waiting for the satellite to remove them). */
  deleting: string[];
  /** Every external file attached to the definition of a resource here (not marked DELETE), sorted by path. */
  external_files: ExternalFile[];
}

/** Props of the DRBD connection between two nodes that the satellite writes per peer. */
const CONNECTION_PREFIXES = ['DrbdOptions/Net/', 'DrbdOptions/PeerDevice/', 'Paths/'];

/** The node's whole desired state; undefined when the node is not in the graph. */
export function desiredStateOf(graph: Graph, nodeName: string, opts: DesiredStateOptions = {}): NodeDesiredState | undefined {
  const node = graph.node(nodeName);
  if (!node) return undefined;
  const resources = new Map<string, DesiredResource>();
  const rds: ResourceDefinitionRecord[] = [];
  const deleting: string[] = [];
  for (const r of graph.resourcesOn(node.name)) {
    const rd = graph.resourceDefinition(r.name);
    if (isDeleting(r, rd)) {
      deleting.push(r.name);
      continue;
    }
    if (!rd) continue;
    rds.push(rd);
    resources.set(key.rd(r.name), desiredResource(graph, node, rd, r, opts));
  }
  return {
    node_name: node.name,
    node_props: merge([node.props, graph.controller.props]),
    pools: graph.poolsOf(node.name).map((p) => ({ name: p.name, provider_kind: p.provider_kind, props: sorted(p.props) })),
    resources,
    deleting,
    external_files: externalFilesOf(graph, rds),
  };
}

/** The files attached to `rds`; an attachment of a file that is gone is skipped. */
function externalFilesOf(graph: Graph, rds: readonly ResourceDefinitionRecord[]): ExternalFile[] {
  const files = new Map<string, ExternalFile>();
  for (const rd of rds) {
    for (const path of attachedPaths(rd.props)) {
      const file = graph.externalFile(path);
      if (file && !files.has(path)) files.set(path, { path, content: file.content });
    }
  }
  return [...files.keys()].sort().map((p) => files.get(p)!);
}

/** A full StateUpdate of that desired state. */
export function fullUpdate(state: NodeDesiredState, updateId: number): StateUpdate {
  return {
    update_id: updateId,
    full: true,
    node_name: state.node_name,
    node_props: state.node_props,
    pools: state.pools,
    resources: [...state.resources.values()],
    removed_resources: [],
    external_files: state.external_files,
  };
}

export function desiredResource(
  graph: Graph, node: NodeRecord, rd: ResourceDefinitionRecord, r: ResourceRecord, opts: DesiredStateOptions = {},
): DesiredResource {
  const hasDrbd = r.layer_stack.includes('DRBD');
  // LUKS sits directly on STORAGE: a diskless resource has nothing to encrypt, so it gets no key.
  const wantsKey = r.layer_stack.includes('LUKS') && !isDiskless(r);
  const volumes: DesiredVolume[] = r.volumes.map((v) => {
    const vd = rd.volume_definitions.find((x) => x.volume_number === v.volume_number);
    const out: DesiredVolume = {
      volume_number: v.volume_number,
      size_kib: vd?.size_kib ?? 0,
      gross_size: vd?.flags.includes('GROSS_SIZE') ?? false,
      storage_pool: v.storage_pool_name,
      props: resolved(ORDERS.volume, containersForVolume(graph, rd.name, node.name, v.volume_number)),
    };
    if (hasDrbd && vd?.minor_number !== undefined) out.minor_number = vd.minor_number;
    if (wantsKey) {
      const luksKey = opts.luksKey?.(rd.name, v.volume_number);
      if (luksKey !== undefined) out.luks_key = luksKey;
    }
    return out;
  });
  const out: DesiredResource = {
    name: r.name,
    layer_stack: [...r.layer_stack],
    flags: [...r.flags],
    props: resolved(ORDERS.drbdResource, containersForResource(graph, rd.name, node.name)),
    volumes,
  };
  if (hasDrbd && r.drbd && rd.drbd) out.drbd = desiredDrbd(graph, node, rd, r);
  if (r.layer_stack.includes('NVME')) {
    const address = nvmeTargetAddress(graph, node, rd, r);
    if (address) out.props = sorted({ ...out.props, [PROP_TARGET_ADDRESS]: address });
  }
  // Snapshots to keep, a restore/clone source, a pending rollback (snapshot-sync.ts).
  Object.assign(out, snapshotDesired(graph, node.name, rd, r));
  return out;
}

/**
 * Where the NVMe-oF target of the resource listens: for the target itself its own address, for an
 * initiator the address of the resource's target (the first one by node name that is not going away).
 * Undefined when an initiator has no target yet: the satellite reports that on the resource.
 */
export function nvmeTargetAddress(graph: Graph, node: NodeRecord, rd: ResourceDefinitionRecord, r: ResourceRecord): string | undefined {
  if (!r.flags.includes('NVME_INITIATOR')) return nvmeAddress(graph, node, r);
  for (const target of graph.resourcesOf(rd.name)) {
    if (target.flags.includes('NVME_INITIATOR') || !target.layer_stack.includes('NVME') || isDeleting(target, rd)) continue;
    const targetNode = graph.node(target.node_name);
    if (targetNode) return nvmeAddress(graph, targetNode, target);
  }
  return undefined;
}

function desiredDrbd(graph: Graph, node: NodeRecord, rd: ResourceDefinitionRecord, r: ResourceRecord): DesiredDrbd {
  const drbdRd = rd.drbd!;
  const peers: DrbdPeer[] = [];
  for (const peer of graph.resourcesOf(rd.name)) {
    if (key.node(peer.node_name) === key.node(node.name) || !peer.drbd || !peer.layer_stack.includes('DRBD')) continue;
    if (isDeleting(peer, rd)) continue;
    const peerNode = graph.node(peer.node_name);
    if (!peerNode) continue;
    const connection = resolved(ORDERS.drbdConnection, containersForConnection(graph, rd.name, node.name, peerNode.name));
    peers.push({
      node_name: peerNode.name,
      node_id: peer.drbd.node_id,
      address: drbdAddress(graph, peerNode, rd, peer),
      port: peer.drbd.tcp_ports[0] ?? 0,
      diskless: peer.flags.includes('DISKLESS'),
      connection_props: pick(connection, CONNECTION_PREFIXES),
    });
  }
  return {
    node_id: r.drbd!.node_id,
    address: drbdAddress(graph, node, rd, r),
    port: r.drbd!.tcp_ports[0] ?? 0,
    secret: drbdRd.secret,
    peer_slots: r.drbd!.peer_slots,
    al_stripes: drbdRd.al_stripes,
    al_stripe_size_kib: drbdRd.al_stripe_size_kib,
    transport_type: drbdRd.transport_type,
    diskless: r.flags.includes('DISKLESS'),
    peers,
  };
}

/**
 * The address DRBD uses for the resource on `node`: the interface named by `PrefNic` (resource, its
 * storage pool, resource definition, node), else the interface the controller reaches the node on,
 * else its first interface.
 */
export function drbdAddress(graph: Graph, node: NodeRecord, rd: ResourceDefinitionRecord, r: ResourceRecord): string {
  const pool = poolOf(graph, node, r);
  return nodeAddress(node, r.props.PrefNic ?? pool?.props.PrefNic ?? rd.props.PrefNic ?? node.props.PrefNic);
}

/** NVMe/PrefNic may be set on the resource, its storage pool or the controller (LINSTOR's whitelist). */
function nvmeAddress(graph: Graph, node: NodeRecord, r: ResourceRecord): string | undefined {
  const pref = 'NVMe/PrefNic';
  const pool = poolOf(graph, node, r);
  return nodeAddress(node, r.props[pref] ?? pool?.props[pref] ?? graph.controller.props[pref]) || undefined;
}

function poolOf(graph: Graph, node: NodeRecord, r: ResourceRecord) {
  return r.volumes[0] ? graph.storagePool(node.name, r.volumes[0].storage_pool_name) : undefined;
}

/** The address of the interface named `prefNic`, else of the active interface, else of the first. */
function nodeAddress(node: NodeRecord, prefNic: string | undefined): string {
  const byName = (name: string | undefined) =>
    name === undefined ? undefined : node.net_interfaces.find((n) => n.name.toUpperCase() === name.toUpperCase());
  const nif = byName(prefNic) ?? byName(node.active_net_interface) ?? node.net_interfaces[0];
  return nif?.address ?? '';
}

/** Effective props of an inheritance order: the first container with a key wins; keys sorted. */
function resolved(order: readonly string[], containers: Partial<Record<string, PropsMap>>): Record<string, string> {
  return merge(order.map((level) => containers[level]));
}

/** Merges maps given highest priority first. */
function merge(maps: readonly PropsMap[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = maps.length - 1; i >= 0; i--) Object.assign(out, maps[i]);
  return sorted(out);
}

function sorted(props: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(props).sort()) out[k] = props[k];
  return out;
}

function pick(props: Record<string, string>, prefixes: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(props)) if (prefixes.some((p) => k.startsWith(p))) out[k] = v;
  return out;
}
