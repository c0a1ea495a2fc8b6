/**
 * The `.res` file of one DRBD resource, as LINSTOR writes it: quoted names, one `on "<node>"` section
 * per node with its volumes, node id and address, and one `connection { }` per pair that involves this
 * node (per-pair net options, peer-device options and, when resource-connection paths exist, one
 * `path { }` per path). Pure text generation; everything is sorted so the same input always gives the
 * same bytes (golden tests compare drbdadm's plan for it).
 *
 * Peers' backing devices are not known here and drbdadm never touches them, so a diskful peer gets
 * LINSTOR's placeholder disk and a diskless one `disk none`.
 */
import { isIP } from 'node:net';
import type { DesiredDrbd, DesiredResource, DrbdPeer } from '../../protocol.js';
import { confValue, differing, merged, quote, sectionOptions } from './options.js';

/** What LINSTOR writes as a diskful peer's disk: any path works, it is only used on that peer. */
export const PEER_DISK_PLACEHOLDER = '/dev/drbd/this/is/not/used';

export interface ResFileInput {
  resource: DesiredResource;
  /** This node's name: the `on` section drbdadm picks for the local side. */
  localNode: string;
  /** Block device below DRBD per volume number; absent or 'none' for a diskless volume. */
  backing: ReadonlyMap<number, string>;
}

export interface ResFile {
  text: string;
  /** `DrbdOptions/*` keys that drbd-utils does not know; left out of the file. */
  skipped: string[];
}

interface NodeEntry {
  name: string;
  nodeId: number;
  address: string;
  port: number;
  diskless: boolean;
  local: boolean;
}

export function renderResFile(input: ResFileInput): ResFile {
  const { resource, localNode } = input;
  const drbd = requireDrbd(resource);
  const props = resource.props;
  const skipped: string[] = [];
  const out = new Writer();

  out.line(`# Written by Storhub for resource ${quote(resource.name)} on node ${quote(localNode)}.`);
  out.line('# Do not edit: the satellite rewrites this file whenever the resource changes.');
  out.line('');
  out.open(`resource ${quote(resource.name)}`);

  const resOptions = sectionOptions(props, 'Resource', skipped);
  if (resOptions.size) block(out, 'options', resOptions);

  const net = sectionOptions(props, 'Net', skipped);
  const netLines = new Map<string, string>();
  const transport = transportOf(drbd.transport_type);
  if (transport && !net.has('transport')) netLines.set('transport', quote(transport));
  if (drbd.secret) {
    netLines.set('cram-hmac-alg', confValue(net.get('cram-hmac-alg') ?? 'sha1'));
    netLines.set('shared-secret', quote(drbd.secret));
  }
  for (const [k, v] of net) if (!netLines.has(k)) netLines.set(k, confValue(v));
  if (netLines.size) block(out, 'net', netLines, false);

  const disk = sectionOptions(props, 'Disk', skipped);
  if (disk.size) block(out, 'disk', disk);

  const handlers = sectionOptions(props, 'Handlers', skipped);
  if (handlers.size) block(out, 'handlers', new Map([...handlers].map(([k, v]) => [k, quote(v)])), false);

  const peerDevice = sectionOptions(props, 'PeerDevice', skipped);
  const volumes = [...resource.volumes].sort((a, b) => a.volume_number - b.volume_number);

  const nodes = nodesOf(drbd, localNode).sort((a, b) => compare(a.name, b.name));
  for (const node of nodes) {
    out.open(`on ${quote(node.name)}`);
    for (const vol of volumes) {
      if (vol.minor_number === undefined) throw new Error(`volume ${vol.volume_number} of resource '${resource.name}' has no DRBD minor number`);
      out.open(`volume ${vol.volume_number}`);
      if (node.local) {
        const dev = input.backing.get(vol.volume_number);
        const diskless = node.diskless || !dev || dev === 'none';
        out.line(`disk ${diskless ? 'none' : confValue(dev)};`);
        // Per-volume disk options (volume definition / volume group level) where they differ.
        const volDisk = differing(sectionOptions(vol.props, 'Disk', skipped), disk);
        if (!diskless && volDisk.size) block(out, 'disk', volDisk);
      } else {
        out.line(`disk ${node.diskless ? 'none' : PEER_DISK_PLACEHOLDER};`);
      }
      out.line('meta-disk internal;');
      out.line(`device minor ${vol.minor_number};`);
      out.close();
    }
    out.line(`node-id ${node.nodeId};`);
    out.line(`address ${formatAddress(node.address, node.port)};`);
    out.close();
  }

  const local = nodes.find((n) => n.local)!;
  const peers = [...drbd.peers].sort((a, b) => compare(a.node_name, b.node_name));
  for (const peer of peers) {
    const remote = nodes.find((n) => n.name === peer.node_name)!;
    out.open('connection');
    const paths = pathsOf(peer, local, remote);
    if (paths.length === 0) {
      out.line(`host ${quote(local.name)} address ${formatAddress(local.address, local.port)};`);
      out.line(`host ${quote(remote.name)} address ${formatAddress(remote.address, remote.port)};`);
    }
    for (const path of paths) {
      out.open('path');
      out.line(`host ${quote(local.name)} address ${formatAddress(path.local, local.port)};`);
      out.line(`host ${quote(remote.name)} address ${formatAddress(path.remote, remote.port)};`);
      out.close();
    }
    const connNet = differing(sectionOptions(peer.connection_props, 'Net', skipped), net);
    if (connNet.size) block(out, 'net', connNet);
    const connPeerDevice = merged(peerDevice, sectionOptions(peer.connection_props, 'PeerDevice', skipped));
    if (connPeerDevice.size) block(out, 'disk', connPeerDevice);
    out.close();
  }

  out.close();
  return { text: out.text(), skipped: [...new Set(skipped)].sort() };
}

function requireDrbd(resource: DesiredResource): DesiredDrbd {
  if (!resource.drbd) throw new Error(`resource '${resource.name}' has DRBD in its layer list but no DRBD settings (node id, port, minors)`);
  return resource.drbd;
}

function nodesOf(drbd: DesiredDrbd, localNode: string): NodeEntry[] {
  const nodes: NodeEntry[] = [{ name: localNode, nodeId: drbd.node_id, address: drbd.address, port: drbd.port, diskless: drbd.diskless, local: true }];
  for (const p of drbd.peers) {
    if (p.node_name.toUpperCase() === localNode.toUpperCase()) throw new Error(`node '${localNode}' is listed as its own DRBD peer`);
    nodes.push({ name: p.node_name, nodeId: p.node_id, address: p.address, port: p.port, diskless: p.diskless, local: false });
  }
  const ids = new Map<number, string>();
  for (const n of nodes) {
    const other = ids.get(n.nodeId);
    if (other !== undefined) throw new Error(`nodes '${other}' and '${n.name}' both have DRBD node id ${n.nodeId}`);
    ids.set(n.nodeId, n.name);
  }
  return nodes;
}

/**
 * Resource-connection paths: `Paths/<path name>/<node name>` = the address (already resolved from the
 * node's net interface by the controller) this node uses on that path. A path names both nodes.
 */
function pathsOf(peer: DrbdPeer, local: NodeEntry, remote: NodeEntry): { name: string; local: string; remote: string }[] {
  const byPath = new Map<string, Map<string, string>>();
  for (const [key, value] of Object.entries(peer.connection_props)) {
    const m = /^Paths\/([^/]+)\/([^/]+)$/.exec(key);
    if (!m) continue;
    const nodes = byPath.get(m[1]) ?? new Map<string, string>();
    nodes.set(m[2].toUpperCase(), value);
    byPath.set(m[1], nodes);
  }
  const out: { name: string; local: string; remote: string }[] = [];
  for (const [name, nodes] of [...byPath].sort(([a], [b]) => compare(a, b))) {
    const l = nodes.get(local.name.toUpperCase());
    const r = nodes.get(remote.name.toUpperCase());
    if (!l || !r) throw new Error(`resource-connection path '${name}' between '${local.name}' and '${remote.name}' does not give an address for both nodes`);
    out.push({ name, local: l, remote: r });
  }
  return out;
}

/** `ipv4 10.0.0.1:7000` or `ipv6 [fd00::1]:7000`; DRBD connects to addresses, never to host names. */
export function formatAddress(address: string, port: number): string {
  const ip = address.replace(/^\[(.*)\]$/, '$1');
  const family = isIP(ip);
  if (family === 4) return `ipv4 ${ip}:${port}`;
  if (family === 6) return `ipv6 [${ip}]:${port}`;
  throw new Error(`'${address}' is not an IP address; DRBD needs the IP address of each node`);
}

/** LINSTOR's transport types: IP (TCP, the default, written as nothing), RDMA, and others by name. */
function transportOf(type: string): string | undefined {
  const t = type.trim().toLowerCase();
  if (t === '' || t === 'ip' || t === 'tcp') return undefined;
  return t;
}

function block(out: Writer, name: string, options: ReadonlyMap<string, string>, format = true): void {
  out.open(name);
  for (const [k, v] of options) out.line(`${k} ${format ? confValue(v) : v};`);
  out.close();
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

class Writer {
  private readonly lines: string[] = [];
  private depth = 0;

  line(text: string): void {
    this.lines.push(text === '' ? '' : '    '.repeat(this.depth) + text);
  }

  open(header: string): void {
    this.line(header);
    this.line('{');
    this.depth++;
  }

  close(): void {
    this.depth--;
    this.line('}');
  }

  text(): string {
    return this.lines.join('\n') + '\n';
  }
}
