/**
 * Lifecycle endpoints that only make sense with satellites: toggle-disk (diskless <-> diskful, and
 * migrate_from: a disk moved from another node without losing redundancy).
 * `node reconnect` and `node lost` stay in nodes.ts; they reach the satellite connections through
 * controller.satellites and the commit listener.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { StorhubError } from '../../model/errors.js';
import { optString, optStringList, upperEnum } from '../../model/lenient.js';
import { ToggleDiskService } from '../../controller/satellites/toggle-disk.js';
import { NodeOperationsService } from '../../controller/services/node-operations.js';
import type { ApiDeps } from '../context.js';
import { ApiCallRcList, route } from '../route.js';

const tags = ['resources'];
const base = '/v1/resource-definitions/:resource/resources/:node/toggle-disk';
const rcSpec = { op: 'MODIFY', obj: 'RSC' } as const;

/** ToggleDiskDiskful (deprecated shape) and newer clients' flat `layer_list`. */
const ToggleDiskful = z.object({
  layer_list: optStringList(),
  toggle_disk: z.object({ layer_list: optStringList() }).partial().nullish(),
}).partial();

const ToggleDiskRequest = z.object({
  operation: upperEnum(['INTO_DRBD_DISKFUL', 'INTO_DRBD_CLIENT', 'INTO_DRBD_DISKLESS']),
  storage_pool: optString(),
  migrate_from: optString(),
  layer_list: optStringList(),
}).partial();

export function satelliteLifecycleRoutes(app: FastifyInstance, { controller: c }: ApiDeps): void {
  const toggle = new ToggleDiskService(c);
  const ops = new NodeOperationsService(c);
  const layerList = (body: z.infer<typeof ToggleDiskful>) => body.layer_list ?? body.toggle_disk?.layer_list ?? undefined;

  route(app, 'PUT', base, {
    summary: 'Toggle a resource into diskless or diskful', tags, rc: rcSpec, body: ToggleDiskRequest, reply: ApiCallRcList,
  }, ({ params, body }) => {
    if (body.migrate_from) {
      if (body.operation !== undefined && body.operation !== 'INTO_DRBD_DISKFUL') {
        throw new StorhubError('FAIL_INVLD_REQUEST', `migrate_from moves a disk to '${params.node}'; it cannot be combined with ${body.operation}.`, {
          correction: "Leave 'operation' out (or use INTO_DRBD_DISKFUL) together with migrate_from.",
        });
      }
      return ops.migrateDisk(params.resource, params.node, body.migrate_from, body.storage_pool ?? undefined, body.layer_list ?? undefined);
    }
    if (body.operation === 'INTO_DRBD_DISKFUL' || body.operation === undefined) {
      return toggle.toDiskful(params.resource, params.node, body.storage_pool ?? undefined, body.layer_list ?? undefined);
    }
    return toggle.toDiskless(params.resource, params.node, body.storage_pool ?? undefined);
  });

  route(app, 'PUT', `${base}/diskless`, {
    summary: 'Toggle a resource to diskless (deprecated form)', tags, rc: rcSpec, reply: ApiCallRcList,
  }, ({ params }) => toggle.toDiskless(params.resource, params.node));

  route(app, 'PUT', `${base}/diskless/:pool`, {
    summary: 'Toggle a resource to diskless in the given diskless pool (deprecated form)', tags, rc: rcSpec, reply: ApiCallRcList,
  }, ({ params }) => toggle.toDiskless(params.resource, params.node, params.pool));

  route(app, 'PUT', `${base}/diskful`, {
    summary: 'Toggle a resource to diskful (deprecated form)', tags, rc: rcSpec, body: ToggleDiskful, reply: ApiCallRcList,
  }, ({ params, body }) => toggle.toDiskful(params.resource, params.node, undefined, layerList(body)));

  route(app, 'PUT', `${base}/diskful/:pool`, {
    summary: 'Toggle a resource to diskful in the given pool (deprecated form)', tags, rc: rcSpec, body: ToggleDiskful, reply: ApiCallRcList,
  }, ({ params, body }) => toggle.toDiskful(params.resource, params.node, params.pool, layerList(body)));

  // python-linstor's `resource toggle-disk --migrate-from` uses these (deprecated in the spec for the body field).
  const migrate = '/v1/resource-definitions/:resource/resources/:node/migrate-disk/:fromnode';
  route(app, 'PUT', migrate, {
    summary: 'Move a disk from another node here (deprecated form of toggle-disk migrate_from)', tags, rc: rcSpec, body: ToggleDiskful,
    reply: ApiCallRcList,
  }, ({ params, body }) => ops.migrateDisk(params.resource, params.node, params.fromnode, undefined, layerList(body)));

  route(app, 'PUT', `${migrate}/:pool`, {
    summary: 'Move a disk from another node into the given pool here (deprecated form)', tags, rc: rcSpec, body: ToggleDiskful,
    reply: ApiCallRcList,
  }, ({ params, body }) => ops.migrateDisk(params.resource, params.node, params.fromnode, params.pool, layerList(body)));
}
