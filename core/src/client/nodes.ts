/** /v1/nodes: nodes and their network interfaces. */
import type { ApiCallRc } from '../model/apicallrc.js';
import { seg, type Transport } from './transport.js';
import type { NetInterface, NetInterfaceCreate, NetInterfaceModify, Node, NodeCreate, NodeModify, Paging } from './types.js';

export interface NodeListFilter extends Paging {
  nodes?: string[];
  /** `key` (must be set) or `key=value` (must match); all must hold. */
  props?: string[];
}

export class NodesApi {
  constructor(private readonly t: Transport) {}

  list(filter: NodeListFilter = {}): Promise<Node[]> {
    return this.t.get('/v1/nodes', { ...filter });
  }

  get(node: string): Promise<Node> {
    return this.t.get(`/v1/nodes/${seg(node)}`);
  }

  create(body: NodeCreate): Promise<ApiCallRc[]> {
    return this.t.send('POST', '/v1/nodes', body);
  }

  modify(node: string, body: NodeModify): Promise<ApiCallRc[]> {
    return this.t.send('PUT', `/v1/nodes/${seg(node)}`, body);
  }

  delete(node: string): Promise<ApiCallRc[]> {
    return this.t.send('DELETE', `/v1/nodes/${seg(node)}`);
  }

  /** Forgets a dead node and everything on it. */
  lost(node: string): Promise<ApiCallRc[]> {
    return this.t.send('DELETE', `/v1/nodes/${seg(node)}/lost`);
  }

  reconnect(node: string): Promise<ApiCallRc[]> {
    return this.t.send('PUT', `/v1/nodes/${seg(node)}/reconnect`);
  }

  listNetInterfaces(node: string): Promise<NetInterface[]> {
    return this.t.get(`/v1/nodes/${seg(node)}/net-interfaces`);
  }

  getNetInterface(node: string, netif: string): Promise<NetInterface> {
    return this.t.get(`/v1/nodes/${seg(node)}/net-interfaces/${seg(netif)}`);
  }

  createNetInterface(node: string, body: NetInterfaceCreate): Promise<ApiCallRc[]> {
    return this.t.send('POST', `/v1/nodes/${seg(node)}/net-interfaces`, body);
  }

  modifyNetInterface(node: string, netif: string, body: NetInterfaceModify): Promise<ApiCallRc[]> {
    return this.t.send('PUT', `/v1/nodes/${seg(node)}/net-interfaces/${seg(netif)}`, body);
  }

  deleteNetInterface(node: string, netif: string): Promise<ApiCallRc[]> {
    return this.t.send('DELETE', `/v1/nodes/${seg(node)}/net-interfaces/${seg(netif)}`);
  }
}
