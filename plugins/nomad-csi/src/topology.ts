/**
 * Topology as linstor-csi reports it (integrations contract §5.1, pkg/topology):
 * - a node's segments: `linbit.com/hostname=<node>`, `linbit.com/sp-<pool>=true` for each of its
 *   storage pools, and each node property under `Aux/` with the prefix stripped (e.g. a zone);
 * - a volume is accessible on the nodes with a disk when it cannot be attached disklessly (no DRBD or
 *   NVMe layer); with DRBD it is accessible everywhere, which CSI expresses as no topology at all.
 */
import type { Node, ResourceDefinition, StorhubClient, StoragePool } from '@storhub/core/client';
import type { VolumeInfo } from '@storhub/core/plugin';
import { notFound } from './errors.js';
import type { Topology, TopologyRequirement } from './proto.js';

export const HOSTNAME_KEY = 'linbit.com/hostname';
export const POOL_KEY_PREFIX = 'linbit.com/sp-';

const same = (a: string, b: string): boolean => a.toUpperCase() === b.toUpperCase();

function segmentsOf(node: Node, pools: readonly StoragePool[], prefix: string): Record<string, string> {
  const segments: Record<string, string> = { [HOSTNAME_KEY]: node.name };
  for (const p of pools) if (p.node_name === undefined || same(p.node_name, node.name)) segments[`${POOL_KEY_PREFIX}${p.storage_pool_name}`] = 'true';
  for (const [k, v] of Object.entries(node.props ?? {})) {
    if (k.startsWith(`${prefix}/`) && k.length > prefix.length + 1) segments[k.slice(prefix.length + 1)] = v;
  }
  return segments;
}

/** The segments of one node (NodeGetInfo); NOT_FOUND when the controller does not know it. */
export async function nodeTopology(client: StorhubClient, nodeName: string, prefix: string): Promise<Topology> {
  const node = (await client.nodes.list({ nodes: [nodeName] })).find((n) => same(n.name, nodeName));
  if (!node) {
    throw notFound(`Node '${nodeName}' is not registered with the Storhub controller; add it (storhub node create) so volumes can be used here.`);
  }
  const pools = await client.storagePools.list({ nodes: [node.name] });
  return { segments: segmentsOf(node, pools, prefix) };
}

/** The names of the nodes matching every key of a segment. */
function matching(segment: Record<string, string>, nodes: readonly Node[], pools: readonly StoragePool[], prefix: string): string[] {
  return nodes
    .filter((n) => {
      const mine = segmentsOf(n, pools.filter((p) => p.node_name !== undefined && same(p.node_name, n.name)), prefix);
      return Object.entries(segment).every(([k, v]) => (k === HOSTNAME_KEY ? same(mine[k] ?? '', v) : mine[k] === v));
    })
    .map((n) => n.name);
}

/**
 * The nodes of a topology requirement: `preferred` in its order, then `requisite` (linstor-csi's
 * schedulers work on node names). Empty lists when the request has no requirement.
 */
export async function requirementNodes(
  client: StorhubClient, req: TopologyRequirement | null | undefined, prefix: string,
): Promise<{ preferred: string[]; requisite: string[] }> {
  const preferredSegs = req?.preferred ?? [];
  const requisiteSegs = req?.requisite ?? [];
  if (preferredSegs.length === 0 && requisiteSegs.length === 0) return { preferred: [], requisite: [] };
  const [nodes, pools] = await Promise.all([client.nodes.list(), client.storagePools.list()]);
  const resolve = (segs: readonly Topology[]) => [...new Set(segs.flatMap((t) => matching(t.segments ?? {}, nodes, pools, prefix)))];
  return { preferred: resolve(preferredSegs), requisite: resolve(requisiteSegs) };
}

/** Nodes of a topology list, for GetCapacity (undefined: no restriction). */
export async function topologyNodes(client: StorhubClient, topology: Topology | null | undefined, prefix: string): Promise<string[] | undefined> {
  const segs = topology?.segments ?? {};
  if (Object.keys(segs).length === 0) return undefined;
  const [nodes, pools] = await Promise.all([client.nodes.list(), client.storagePools.list()]);
  return matching(segs, nodes, pools, prefix);
}

/** True when the volume's layers can attach it on a node without a replica (DRBD or NVMe). */
export function attachableAnywhere(rd: ResourceDefinition | undefined): boolean {
  const layers = (rd?.layer_data ?? []).map((l) => l.type);
  return layers.includes('DRBD') || layers.includes('NVME');
}

/** The accessible topology of a volume (see the file comment). */
export function volumeTopology(info: VolumeInfo, rd: ResourceDefinition | undefined): Topology[] {
  if (attachableAnywhere(rd)) return [];
  return info.replicas.filter((r) => !r.diskless).map((r) => ({ segments: { [HOSTNAME_KEY]: r.node } }));
}
