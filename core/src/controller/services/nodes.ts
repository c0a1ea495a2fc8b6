/**
 * Nodes and their network interfaces: register, modify, delete (refused while resources are there),
 * `lost` (forget a dead node and everything on it), reconnect.
 */
import type { ApiCallRc } from '../../model/apicallrc.js';
import { StorhubError } from '../../model/errors.js';
import { checkName } from '../../model/names.js';
import { DEFAULT_DISKLESS_POOL } from '../../model/enums.js';
import type { NetInterfaceCreate, NodeCreate, NodeModify } from '../../model/node.js';
import type { NetInterfaceRecord, NodeRecord } from '../../store/records.js';
import { applyPropsModify } from '../../props/modify.js';
import { validateProp } from '../../props/whitelist.js';
import { Change } from '../change.js';
import type { Controller } from '../controller.js';
import { key } from '../graph.js';
import { rc } from '../responses.js';
import { drbdAutomatismsFor } from './tiebreaker.js';
import { isIP } from 'node:net';

const what = (name: string) => `node '${name}'`;
const refs = (name: string) => ({ Node: name });

export class NodeService {
  constructor(private readonly c: Controller) {}

  get(name: string): NodeRecord {
    const node = this.c.graph.node(name);
    if (!node) throw new StorhubError('FAIL_NOT_FOUND_NODE', `Node '${name}' not found.`, { objRefs: refs(name) });
    return node;
  }

  create(body: NodeCreate): ApiCallRc[] {
    const name = checkName('node', body.name);
    if (this.c.graph.node(name)) {
      throw new StorhubError('FAIL_EXISTS_NODE', `Node '${name}' already exists.`, {
        correction: 'Use a different node name, or delete the existing node first.',
        objRefs: refs(name),
      });
    }
    const props: Record<string, string> = {};
    for (const [k, v] of Object.entries(body.props ?? {})) props[k] = validateProp('NODE', k, v);
    const netIfs = (body.net_interfaces ?? []).map((n) => this.netIfRecord(n));
    if (netIfs.length === 0) {
      throw new StorhubError('FAIL_MISSING_NETCOM', `Node '${name}' needs at least one network interface.`, {
        correction: "Give a net interface with 'address', 'satellite_port' and 'satellite_encryption_type'.",
      });
    }
    assertUniqueNetIfNames(netIfs);
    const active = (body.net_interfaces ?? []).find((n) => n.is_active && n.satellite_port && n.satellite_encryption_type)
      ?? (body.net_interfaces ?? []).find((n) => n.satellite_port && n.satellite_encryption_type);
    if (!active && body.type !== 'CONTROLLER' && body.type !== 'AUXILIARY') {
      throw new StorhubError('FAIL_MISSING_NETCOM', `Node '${name}' has no interface the controller can reach the satellite on.`, {
        correction: "Set 'satellite_port' (3366 plain, 3367 SSL) and 'satellite_encryption_type' (PLAIN or SSL) on one interface.",
      });
    }
    const node: NodeRecord = {
      name,
      type: body.type,
      flags: [],
      props: { ...props, CurStltConnName: active?.name ?? netIfs[0].name, NodeUname: name },
      net_interfaces: netIfs,
      active_net_interface: active?.name,
      uuid: this.c.newUuid(),
    };
    const change = new Change().put('node', key.node(name), node);
    if (node.type === 'SATELLITE' || node.type === 'COMBINED') {
      change.put('sp', key.sp(name, DEFAULT_DISKLESS_POOL), {
        node_name: name,
        name: DEFAULT_DISKLESS_POOL,
        provider_kind: 'DISKLESS',
        props: {},
        external_locking: false,
        uuid: this.c.newUuid(),
      });
    }
    this.c.commit(change);
    return [rc.created('NODE', what(name), refs(name), node.uuid, 'registered')];
  }

  modify(name: string, body: NodeModify): ApiCallRc[] {
    const node = this.get(name);
    const result = applyPropsModify('NODE', node.props, body);
    const updated: NodeRecord = { ...node, props: result.props, type: body.node_type ?? node.type };
    this.c.commit(new Change().put('node', key.node(name), updated));
    return [rc.modified('NODE', what(node.name), refs(node.name), node.uuid)];
  }

  delete(name: string): ApiCallRc[] {
    const node = this.c.graph.node(name);
    if (!node) return [rc.deleteMissing('NODE', what(name), refs(name))];
    const resources = this.c.graph.resourcesOn(name);
    if (resources.length > 0) {
      const names = resources.map((r) => r.name);
      throw new StorhubError('FAIL_IN_USE', `Node '${node.name}' still has ${names.length} resource(s): ${names.slice(0, 10).join(', ')}${names.length > 10 ? ', ...' : ''}.`, {
        cause: 'A node can only be deleted when no resources are deployed on it.',
        correction: `Delete or move the resources first (resource delete ${node.name} <resource>, or node evacuate ${node.name}); use 'node lost' for a node that is gone for good.`,
        objRefs: refs(node.name),
      });
    }
    const pools = this.c.graph.poolsOf(name);
    const change = new Change();
    for (const p of pools) change.delete('sp', key.sp(node.name, p.name));
    this.dropConnections(node.name, change);
    change.delete('node', key.node(name));
    this.c.commit(change);
    return [rc.deleted('NODE', what(node.name), refs(node.name), node.uuid)];
  }

  /** Forgets a node that is gone for good, with every resource, pool and connection on it. */
  lost(name: string): ApiCallRc[] {
    const node = this.c.graph.node(name);
    if (!node) return [rc.deleteMissing('NODE', what(name), refs(name))];
    const change = new Change();
    const answers: ApiCallRc[] = [];
    for (const r of this.c.graph.resourcesOn(name)) {
      change.delete('rsc', key.rsc(r.name, node.name));
      answers.push(rc.deleted('RSC', `resource '${r.name}' on node '${node.name}'`, { RscDfn: r.name, Node: node.name }, r.uuid));
    }
    for (const p of this.c.graph.poolsOf(name)) change.delete('sp', key.sp(node.name, p.name));
    this.dropConnections(node.name, change);
    change.delete('node', key.node(name));
    // The definitions that lost a replica: their tie-breaker and quorum follow in the same change.
    const automatisms = drbdAutomatismsFor(this.c, this.c.graph.resourcesOn(name).map((r) => r.name), change, 'DELETE');
    this.c.commit(change);
    return [...answers, rc.deleted('NODE', what(node.name), refs(node.name), node.uuid), ...automatisms];
  }

  reconnect(names: string[]): ApiCallRc[] {
    return names.map((n) => {
      const node = this.get(n);
      this.c.satellites?.reconnect(node.name);
      return rc.success('MODIFIED', 'MODIFY', 'NODE', `Reconnecting to node '${node.name}'.`, { obj_refs: refs(node.name) });
    });
  }

  private dropConnections(nodeName: string, change: Change): void {
    const k = key.node(nodeName);
    for (const nc of this.c.graph.nodeConnections.values()) {
      if (key.node(nc.node_a) === k || key.node(nc.node_b) === k) change.delete('node_conn', key.nodeConn(nc.node_a, nc.node_b));
    }
    for (const rcn of this.c.graph.resourceConnections.values()) {
      if (key.node(rcn.node_a) === k || key.node(rcn.node_b) === k) {
        change.delete('rsc_conn', key.rscConn(rcn.resource_name, rcn.node_a, rcn.node_b));
      }
    }
  }

  // --- net interfaces ---

  netIf(nodeName: string, netIfName: string): NetInterfaceRecord {
    const node = this.get(nodeName);
    const nif = node.net_interfaces.find((n) => n.name.toUpperCase() === netIfName.toUpperCase());
    if (!nif) {
      throw new StorhubError('FAIL_NOT_FOUND_NET_IF', `Net interface '${netIfName}' on node '${node.name}' not found.`, {
        objRefs: { Node: node.name, NetIf: netIfName },
      });
    }
    return nif;
  }

  createNetIf(nodeName: string, body: NetInterfaceCreate): ApiCallRc[] {
    const node = this.get(nodeName);
    const nif = this.netIfRecord(body);
    if (node.net_interfaces.some((n) => n.name.toUpperCase() === nif.name.toUpperCase())) {
      throw new StorhubError('FAIL_EXISTS_NET_IF', `Net interface '${nif.name}' already exists on node '${node.name}'.`);
    }
    const updated: NodeRecord = { ...node, net_interfaces: [...node.net_interfaces, nif] };
    if (body.is_active && nif.satellite_port && nif.satellite_encryption_type) {
      updated.active_net_interface = nif.name;
      updated.props = { ...node.props, CurStltConnName: nif.name };
    }
    this.c.commit(new Change().put('node', key.node(node.name), updated));
    return [rc.created('NET_IF', `netInterface '${nif.name}' on node '${node.name}'`, { Node: node.name, NetIf: nif.name }, nif.uuid)];
  }

  modifyNetIf(nodeName: string, netIfName: string, body: Partial<NetInterfaceCreate>): ApiCallRc[] {
    const node = this.get(nodeName);
    const old = this.netIf(nodeName, netIfName);
    if (body.address !== undefined) checkAddress(body.address);
    const nif: NetInterfaceRecord = {
      ...old,
      address: body.address ?? old.address,
      satellite_port: body.satellite_port ?? old.satellite_port,
      satellite_encryption_type: body.satellite_encryption_type ?? old.satellite_encryption_type,
    };
    const updated: NodeRecord = {
      ...node,
      net_interfaces: node.net_interfaces.map((n) => (n === old ? nif : n)),
    };
    if (body.is_active && nif.satellite_port && nif.satellite_encryption_type) {
      updated.active_net_interface = nif.name;
      updated.props = { ...node.props, CurStltConnName: nif.name };
    }
    this.c.commit(new Change().put('node', key.node(node.name), updated));
    return [rc.modified('NET_IF', `netInterface '${nif.name}' on node '${node.name}'`, { Node: node.name, NetIf: nif.name }, nif.uuid)];
  }

  deleteNetIf(nodeName: string, netIfName: string): ApiCallRc[] {
    const node = this.get(nodeName);
    const nif = node.net_interfaces.find((n) => n.name.toUpperCase() === netIfName.toUpperCase());
    const w = `netInterface '${netIfName}' on node '${node.name}'`;
    if (!nif) return [rc.deleteMissing('NET_IF', w, { Node: node.name, NetIf: netIfName })];
    if (node.active_net_interface?.toUpperCase() === nif.name.toUpperCase()) {
      throw new StorhubError('FAIL_IN_USE', `Net interface '${nif.name}' is the active satellite connection of node '${node.name}'.`, {
        correction: 'Make another interface active first (net-interface modify --active), then delete this one.',
      });
    }
    const updated: NodeRecord = { ...node, net_interfaces: node.net_interfaces.filter((n) => n !== nif) };
    this.c.commit(new Change().put('node', key.node(node.name), updated));
    return [rc.deleted('NET_IF', w, { Node: node.name, NetIf: nif.name }, nif.uuid)];
  }

  private netIfRecord(n: NetInterfaceCreate): NetInterfaceRecord {
    checkName('net interface', n.name);
    checkAddress(n.address);
    const rec: NetInterfaceRecord = { name: n.name, address: n.address, uuid: this.c.newUuid() };
    if (n.satellite_port !== undefined) rec.satellite_port = n.satellite_port;
    if (n.satellite_encryption_type !== undefined) rec.satellite_encryption_type = n.satellite_encryption_type;
    return rec;
  }
}

function checkAddress(address: string): void {
  if (isIP(address) === 0) {
    throw new StorhubError('FAIL_INVLD_NET_ADDR', `Invalid net interface address '${address}'.`, {
      correction: 'Give an IPv4 or IPv6 address.',
    });
  }
}

function assertUniqueNetIfNames(netIfs: NetInterfaceRecord[]): void {
  const seen = new Set<string>();
  for (const n of netIfs) {
    const k = n.name.toUpperCase();
    if (seen.has(k)) throw new StorhubError('FAIL_EXISTS_NET_IF', `Net interface '${n.name}' is given twice.`);
    seen.add(k);
  }
}
