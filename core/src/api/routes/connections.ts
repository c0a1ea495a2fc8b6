/** /v1/node-connections: properties of the link between two nodes. (Resource connections: resource-connections.ts.) */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { NodeConnection, NodeConnectionModify } from '../../model/controller.js';
import { NodeConnectionService } from '../../controller/services/node-connections.js';
import type { NodeConnectionRecord } from '../../store/records.js';
import type { ApiDeps } from '../context.js';
import { nonEmpty } from '../out.js';
import { first } from '../query.js';
import { ApiCallRcList, route } from '../route.js';

const tags = ['node-connections'];

const view = (nc: NodeConnectionRecord): NodeConnection =>
  nonEmpty({ node_a: nc.node_a, node_b: nc.node_b, props: nc.props }) as NodeConnection;

export function connectionRoutes(app: FastifyInstance, { controller: c }: ApiDeps): void {
  const conns = new NodeConnectionService(c);

  route(app, 'GET', '/v1/node-connections', {
    summary: 'List node connections (node_a / node_b: only those from or to that node)', tags,
    reply: z.array(NodeConnection), operationId: 'nodeConnectionsList',
  }, ({ query }) => conns.list(first(query, 'node_a') || undefined, first(query, 'node_b') || undefined).map(view));

  route(app, 'GET', '/v1/node-connections/:node_a/:node_b', {
    summary: 'Show the connection between two nodes', tags, reply: NodeConnection,
  }, ({ params }) => view(conns.get(params.node_a, params.node_b)));

  route(app, 'PUT', '/v1/node-connections/:node_a/:node_b', {
    summary: 'Modify (or create) the connection between two nodes', tags, rc: { op: 'MODIFY', obj: 'NODE_CONN' },
    body: NodeConnectionModify, reply: ApiCallRcList, operationId: 'nodeConnectionModify',
  }, ({ params, body }) => conns.modify(params.node_a, params.node_b, body));
}
