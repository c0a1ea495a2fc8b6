/** /v1/resource-definitions/{resource}/resource-connections: properties of the link between two resources. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ResourceConnection, ResourceConnectionModify } from '../../model/resource.js';
import { ResourceConnectionService } from '../../controller/services/resource-connections.js';
import type { ResourceConnectionRecord } from '../../store/records.js';
import type { ApiDeps } from '../context.js';
import { ApiCallRcList, route } from '../route.js';

const tags = ['resource-connections'];
const base = '/v1/resource-definitions/:resource/resource-connections';

function view(conn: ResourceConnectionRecord): ResourceConnection {
  const out: ResourceConnection = { node_a: conn.node_a, node_b: conn.node_b };
  if (Object.keys(conn.props).length) out.props = conn.props;
  if (conn.flags.length) out.flags = conn.flags;
  return out;
}

export function resourceConnectionRoutes(app: FastifyInstance, { controller: c }: ApiDeps): void {
  const conns = new ResourceConnectionService(c);

  route(app, 'GET', base, {
    summary: 'List the resource connections of a resource definition', tags, reply: z.array(ResourceConnection),
    operationId: 'resourceConnectionsList',
  }, ({ params }) => conns.list(params.resource).map(view));

  route(app, 'GET', `${base}/:node_a/:node_b`, {
    summary: 'Show one resource connection', tags, reply: ResourceConnection, operationId: 'resourceConnectionList',
  }, ({ params }) => view(conns.get(params.resource, params.node_a, params.node_b)));

  route(app, 'PUT', `${base}/:node_a/:node_b`, {
    summary: 'Set properties of a resource connection (created if missing)', tags, rc: { op: 'MODIFY', obj: 'RSC_CONN' },
    body: ResourceConnectionModify, reply: ApiCallRcList, operationId: 'resourceConnectionModify',
  }, ({ params, body }) => conns.modify(params.resource, params.node_a, params.node_b, body));
}
