/**
 * /v1/resource-definitions/{resource}/resources: resources and their volumes (records), plus the
 * read-only snapshot lists of a resource definition. Snapshot creation, make-available, autoplace,
 * toggle-disk and (de)activate belong to later work and are not registered here.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import {
  Resource, ResourceCreate, ResourceModify, Snapshot, Volume, VolumeModify,
} from '../../model/resource.js';
import { StorhubError } from '../../model/errors.js';
import { ResourceService } from '../../controller/services/resources.js';
import { key } from '../../controller/graph.js';
import type { ApiDeps } from '../context.js';
import { bool, nameFilter, paginate } from '../query.js';
import { ApiCallRcList, route } from '../route.js';
import { ResourceViews } from '../views/resource.js';
import { snapshotView } from '../views/snapshot.js';

const tags = ['resources'];
const base = '/v1/resource-definitions/:resource/resources';

/** The array body; a single object (or an empty body) is accepted too. */
const ResourceCreateBody = z.preprocess(
  (v) => (Array.isArray(v) ? v : v && typeof v === 'object' && Object.keys(v).length ? [v] : []),
  z.array(ResourceCreate),
);

function volumeNumber(raw: string): number {
  if (!/^\d+$/.test(raw) || Number(raw) > 65534) {
    throw new StorhubError('FAIL_INVLD_VLM_NR', `Invalid volume number '${raw}'.`, { correction: 'Give a volume number between 0 and 65534.' });
  }
  return Number(raw);
}

export function resourceRoutes(app: FastifyInstance, { controller: c }: ApiDeps): void {
  const resources = new ResourceService(c);

  route(app, 'GET', base, { summary: 'List the resources of a resource definition', tags, reply: z.array(Resource), operationId: 'resourceList' },
    ({ params, query }) => {
      const rd = resources.definition(params.resource);
      const byNode = nameFilter(query, 'nodes');
      const views = new ResourceViews(c);
      return paginate(c.graph.resourcesOf(rd.name).filter((r) => byNode(r.node_name)), query).map((r) => views.resource(r));
    });

  route(app, 'GET', `${base}/:node`, { summary: 'Show one resource', tags, reply: Resource }, ({ params }) =>
    new ResourceViews(c).resource(resources.get(params.resource, params.node)));

  route(app, 'POST', base, {
    summary: 'Create resources (array body, all or nothing)', tags, rc: { op: 'CREATE', obj: 'RSC' }, status: 201,
    body: ResourceCreateBody, reply: ApiCallRcList, operationId: 'resourceCreate',
  }, ({ params, body }) => resources.create(params.resource, body));

  route(app, 'POST', `${base}/:node`, {
    summary: 'Create a resource on a node', tags, rc: { op: 'CREATE', obj: 'RSC' }, status: 201, body: ResourceCreate, reply: ApiCallRcList,
    operationId: 'resourceCreateOnNode',
  }, ({ params, body }) => resources.create(params.resource, [body], params.node));

  route(app, 'PUT', `${base}/:node`, {
    summary: 'Modify a resource (properties)', tags, rc: { op: 'MODIFY', obj: 'RSC' }, body: ResourceModify, reply: ApiCallRcList,
    operationId: 'resourceModify',
  }, ({ params, body }) => resources.modify(params.resource, params.node, body));

  route(app, 'DELETE', `${base}/:node`, {
    summary: 'Delete a resource (keep_tiebreaker=true keeps the quorum tie-breaker)', tags, rc: { op: 'DELETE', obj: 'RSC' },
    reply: ApiCallRcList, operationId: 'resourceDelete',
  }, ({ params, query }) => resources.delete(params.resource, params.node, { keepTiebreaker: bool(query, 'keep_tiebreaker') }));

  route(app, 'GET', `${base}/:node/volumes`, { summary: 'List the volumes of a resource', tags, reply: z.array(Volume), operationId: 'volumeList' },
    ({ params, query }) => paginate(new ResourceViews(c).volumes(resources.get(params.resource, params.node)), query));

  route(app, 'GET', `${base}/:node/volumes/:volume_number`, { summary: 'Show one volume', tags, reply: Volume }, ({ params }) => {
    const nr = volumeNumber(params.volume_number);
    const r = resources.get(params.resource, params.node);
    resources.volume(r.name, r.node_name, nr);
    return new ResourceViews(c).volumes(r).find((v) => v.volume_number === nr);
  });

  route(app, 'PUT', `${base}/:node/volumes/:volume_number`, {
    summary: 'Modify a volume (properties)', tags, rc: { op: 'MODIFY', obj: 'VLM' }, body: VolumeModify, reply: ApiCallRcList,
    operationId: 'volumeModify',
  }, ({ params, body }) => resources.modifyVolume(params.resource, params.node, volumeNumber(params.volume_number), body));

  // --- snapshots (read-only here) ---

  route(app, 'GET', '/v1/resource-definitions/:resource/snapshots', {
    summary: 'List the snapshots of a resource definition', tags: ['snapshots'], reply: z.array(Snapshot), operationId: 'resourceSnapshotList',
  }, ({ params, query }) => {
    const rd = resources.definition(params.resource);
    return paginate(c.graph.snapshotsOf(rd.name), query).map(snapshotView);
  });

  route(app, 'GET', '/v1/resource-definitions/:resource/snapshots/:snapshot', {
    summary: 'Show one snapshot', tags: ['snapshots'], reply: Snapshot,
  }, ({ params }) => {
    const rd = resources.definition(params.resource);
    const snap = c.graph.snapshots.get(key.snapshot(rd.name, params.snapshot));
    if (!snap) {
      throw new StorhubError('FAIL_NOT_FOUND_SNAPSHOT_DFN', `Snapshot '${params.snapshot}' of resource '${rd.name}' not found.`, {
        objRefs: { RscDfn: rd.name, Snapshot: params.snapshot },
      });
    }
    return snapshotView(snap);
  });
}
