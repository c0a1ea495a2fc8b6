/** /v1/nodes: nodes, net interfaces, lost, reconnect. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { NetInterface, NetInterfaceCreate, NetInterfaceModify, Node, NodeCreate, NodeModify } from '../../model/node.js';
import { NodeService } from '../../controller/services/nodes.js';
import type { ApiDeps } from '../context.js';
import { nameFilter, paginate, propsFilter } from '../query.js';
import { ApiCallRcList, route } from '../route.js';
import { nodeView } from '../views/node.js';

const tags = ['nodes'];

export function nodeRoutes(app: FastifyInstance, { controller: c }: ApiDeps): void {
  const nodes = new NodeService(c);

  route(app, 'GET', '/v1/nodes', { summary: 'List nodes', tags, reply: z.array(Node), operationId: 'nodeList' }, ({ query }) => {
    const byName = nameFilter(query, 'nodes');
    const byProps = propsFilter(query);
    const list = c.graph.nodes.values().filter((n) => byName(n.name) && byProps(n.props));
    return paginate(list, query).map((n) => nodeView(c, n));
  });

  route(app, 'GET', '/v1/nodes/:node', { summary: 'Show one node', tags, reply: Node }, ({ params }) =>
    nodeView(c, nodes.get(params.node)),
  );

  route(app, 'POST', '/v1/nodes', {
    summary: 'Register a node', tags, rc: { op: 'CREATE', obj: 'NODE' }, status: 201, body: NodeCreate, reply: ApiCallRcList,
    operationId: 'nodeCreate',
  }, ({ body }) => nodes.create(body));

  route(app, 'PUT', '/v1/nodes/:node', {
    summary: 'Modify a node (type, properties)', tags, rc: { op: 'MODIFY', obj: 'NODE' }, body: NodeModify, reply: ApiCallRcList,
  }, ({ params, body }) => nodes.modify(params.node, body));

  route(app, 'DELETE', '/v1/nodes/:node', {
    summary: 'Delete a node without resources', tags, rc: { op: 'DELETE', obj: 'NODE' }, reply: ApiCallRcList,
  }, ({ params }) => nodes.delete(params.node));

  route(app, 'DELETE', '/v1/nodes/:node/lost', {
    summary: 'Forget a dead node and everything on it', tags, rc: { op: 'DELETE', obj: 'NODE' }, reply: ApiCallRcList,
  }, ({ params }) => nodes.lost(params.node));

  route(app, 'PUT', '/v1/nodes/:node/reconnect', {
    summary: 'Reconnect to a satellite', tags, rc: { op: 'MODIFY', obj: 'NODE' }, reply: ApiCallRcList,
  }, ({ params }) => nodes.reconnect([params.node]));

  route(app, 'GET', '/v1/nodes/:node/net-interfaces', { summary: 'List net interfaces', tags, reply: z.array(NetInterface) }, ({ params }) =>
    nodeView(c, nodes.get(params.node)).net_interfaces ?? [],
  );

  route(app, 'GET', '/v1/nodes/:node/net-interfaces/:netif', { summary: 'Show one net interface', tags, reply: NetInterface }, ({ params }) => {
    nodes.netIf(params.node, params.netif);
    return (nodeView(c, nodes.get(params.node)).net_interfaces ?? []).find((n) => n.name.toUpperCase() === params.netif.toUpperCase());
  });

  route(app, 'POST', '/v1/nodes/:node/net-interfaces', {
    summary: 'Add a net interface', tags, rc: { op: 'CREATE', obj: 'NET_IF' }, status: 201, body: NetInterfaceCreate, reply: ApiCallRcList,
  }, ({ params, body }) => nodes.createNetIf(params.node, body));

  route(app, 'PUT', '/v1/nodes/:node/net-interfaces/:netif', {
    summary: 'Modify a net interface', tags, rc: { op: 'MODIFY', obj: 'NET_IF' }, body: NetInterfaceModify, reply: ApiCallRcList,
  }, ({ params, body }) => nodes.modifyNetIf(params.node, params.netif, body));

  route(app, 'DELETE', '/v1/nodes/:node/net-interfaces/:netif', {
    summary: 'Delete a net interface', tags, rc: { op: 'DELETE', obj: 'NET_IF' }, reply: ApiCallRcList,
  }, ({ params }) => nodes.deleteNetIf(params.node, params.netif));
}
