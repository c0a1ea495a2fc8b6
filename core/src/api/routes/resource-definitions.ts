/** /v1/resource-definitions: resource definitions and their volume definitions. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import {
  ResourceDefinition, ResourceDefinitionCreate, ResourceDefinitionModify, VolumeDefinition, VolumeDefinitionCreate,
  VolumeDefinitionModify,
} from '../../model/resource-definition.js';
import { ResourceDefinitionService } from '../../controller/services/resource-definitions.js';
import { VolumeDefinitionService } from '../../controller/services/volume-definitions.js';
import type { ApiDeps } from '../context.js';
import { bool, nameFilter, paginate, propsFilter } from '../query.js';
import { ApiCallRcList, route } from '../route.js';
import { resourceDefinitionView, volumeDefinitionView } from '../views/resource-definition.js';

const tags = ['resource-definitions'];
const vdBase = '/v1/resource-definitions/:resource/volume-definitions';

export function resourceDefinitionRoutes(app: FastifyInstance, { controller: c }: ApiDeps): void {
  const rds = new ResourceDefinitionService(c);
  const vds = new VolumeDefinitionService(c);

  route(app, 'GET', '/v1/resource-definitions', {
    summary: 'List resource definitions', tags, reply: z.array(ResourceDefinition), operationId: 'resourceDefinitionList',
  }, ({ query }) => {
    const byName = nameFilter(query, 'resource_definitions');
    const byProps = propsFilter(query);
    const withVds = bool(query, 'with_volume_definitions');
    const list = c.graph.resourceDefinitions.values().filter((rd) => byName(rd.name) && byProps(rd.props));
    return paginate(list, query).map((rd) => resourceDefinitionView(rd, withVds));
  });

  route(app, 'GET', '/v1/resource-definitions/:resource', { summary: 'Show one resource definition', tags, reply: ResourceDefinition },
    ({ params, query }) => resourceDefinitionView(rds.get(params.resource), bool(query, 'with_volume_definitions')));

  route(app, 'POST', '/v1/resource-definitions', {
    summary: 'Create a resource definition', tags, rc: { op: 'CREATE', obj: 'RSC_DFN' }, status: 201,
    body: ResourceDefinitionCreate, reply: ApiCallRcList, operationId: 'resourceDefinitionCreate',
  }, ({ body }) => rds.create(body));

  route(app, 'PUT', '/v1/resource-definitions/:resource', {
    summary: 'Modify a resource definition (props, resource group, layer stack, DRBD options)', tags,
    rc: { op: 'MODIFY', obj: 'RSC_DFN' }, body: ResourceDefinitionModify, reply: ApiCallRcList,
  }, ({ params, body }) => rds.modify(params.resource, body));

  route(app, 'DELETE', '/v1/resource-definitions/:resource', {
    summary: 'Delete a resource definition with its resources', tags, rc: { op: 'DELETE', obj: 'RSC_DFN' }, reply: ApiCallRcList,
  }, ({ params }) => rds.delete(params.resource));

  route(app, 'GET', vdBase, { summary: 'List volume definitions', tags, reply: z.array(VolumeDefinition) }, ({ params }) => {
    const { rd, vds: list } = vds.list(params.resource);
    return list.map((vd) => volumeDefinitionView(rd, vd));
  });

  route(app, 'GET', `${vdBase}/:volume_number`, { summary: 'Show one volume definition', tags, reply: VolumeDefinition }, ({ params }) => {
    const { rd, vd } = vds.get(params.resource, params.volume_number);
    return volumeDefinitionView(rd, vd);
  });

  // 200, not 201: what the reference server answers and clients compare against.
  route(app, 'POST', vdBase, {
    summary: 'Create a volume definition', tags, rc: { op: 'CREATE', obj: 'VLM_DFN' }, status: 200,
    body: VolumeDefinitionCreate, reply: ApiCallRcList, operationId: 'volumeDefinitionCreate',
  }, ({ params, body }) => vds.create(params.resource, body));

  route(app, 'PUT', `${vdBase}/:volume_number`, {
    summary: 'Modify (resize) a volume definition', tags, rc: { op: 'MODIFY', obj: 'VLM_DFN' }, body: VolumeDefinitionModify,
    reply: ApiCallRcList,
  }, ({ params, body }) => vds.modify(params.resource, params.volume_number, body));

  route(app, 'DELETE', `${vdBase}/:volume_number`, {
    summary: 'Delete a volume definition (and its volume on every resource)', tags, rc: { op: 'DELETE', obj: 'VLM_DFN' },
    reply: ApiCallRcList,
  }, ({ params }) => vds.delete(params.resource, params.volume_number));
}
