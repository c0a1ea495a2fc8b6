/**
 * /v1/nodes/{node}/evacuate and /v1/nodes/{node}/restore (200 + ApiCallRc list, as LINSTOR's spec
 * says). `node lost` and `reconnect` stay in nodes.ts.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { optBool, optStringList } from '../../model/lenient.js';
import { NodeOperationsService } from '../../controller/services/node-operations.js';
import type { ApiDeps } from '../context.js';
import { ApiCallRcList, route } from '../route.js';

const tags = ['nodes'];
const rcSpec = { op: 'MODIFY', obj: 'NODE' } as const;

/** NodeEvacuate: nodes the replacements may use, or must not use. */
const NodeEvacuate = z.object({ target: optStringList(), do_not_target: optStringList() }).partial();
/** NodeRestore. */
const NodeRestore = z.object({ delete_resources: optBool(), delete_snapshots: optBool() }).partial();

export function nodeOperationRoutes(app: FastifyInstance, { controller: c }: ApiDeps): void {
  const ops = new NodeOperationsService(c);

  route(app, 'PUT', '/v1/nodes/:node/evacuate', {
    summary: 'Evacuate a node: replacements elsewhere first, then the old replicas go; no new resources there',
    tags, rc: rcSpec, body: NodeEvacuate, reply: ApiCallRcList, operationId: 'nodeEvacuate',
  }, ({ params, body }) => ops.evacuate(params.node, { target: body.target ?? undefined, doNotTarget: body.do_not_target ?? undefined }));

  route(app, 'PUT', '/v1/nodes/:node/restore', {
    summary: 'Restore an evacuating or evicted node', tags, rc: rcSpec, body: NodeRestore, reply: ApiCallRcList,
  }, ({ params, body }) => ops.restore(params.node, {
    deleteResources: body.delete_resources ?? undefined, deleteSnapshots: body.delete_snapshots ?? undefined,
  }));
}
