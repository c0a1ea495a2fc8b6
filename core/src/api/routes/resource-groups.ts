/** /v1/resource-groups: resource groups, their volume groups, and spawn. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import {
  ResourceGroup, ResourceGroupCreate, ResourceGroupModify, ResourceGroupSpawn, VolumeGroup, VolumeGroupCreate,
  VolumeGroupModify,
} from '../../model/resource-group.js';
import { ResourceGroupService } from '../../controller/services/resource-groups.js';
import { VolumeGroupService } from '../../controller/services/volume-groups.js';
import { spawn } from '../../controller/services/spawn.js';
import type { ApiDeps } from '../context.js';
import { nameFilter, paginate, propsFilter } from '../query.js';
import { ApiCallRcList, route } from '../route.js';
import { resourceGroupView, volumeGroupView } from '../views/resource-group.js';

const tags = ['resource-groups'];
const vgBase = '/v1/resource-groups/:resource_group/volume-groups';

export function resourceGroupRoutes(app: FastifyInstance, { controller: c }: ApiDeps): void {
  const groups = new ResourceGroupService(c);
  const volumeGroups = new VolumeGroupService(c);

  route(app, 'GET', '/v1/resource-groups', {
    summary: 'List resource groups', tags, reply: z.array(ResourceGroup), operationId: 'resourceGroupList',
  }, ({ query }) => {
    const byName = nameFilter(query, 'resource_groups');
    const byProps = propsFilter(query);
    const list = c.graph.resourceGroups.values().filter((rg) => byName(rg.name) && byProps(rg.props));
    return paginate(list, query).map(resourceGroupView);
  });

  route(app, 'GET', '/v1/resource-groups/:resource_group', { summary: 'Show one resource group', tags, reply: ResourceGroup },
    ({ params }) => resourceGroupView(groups.get(params.resource_group)));

  route(app, 'POST', '/v1/resource-groups', {
    summary: 'Create a resource group (props in the body are ignored, as in LINSTOR)', tags, rc: { op: 'CREATE', obj: 'RSC_GRP' },
    status: 201, body: ResourceGroupCreate, reply: ApiCallRcList, operationId: 'resourceGroupCreate',
  }, ({ body }) => groups.create(body));

  route(app, 'PUT', '/v1/resource-groups/:resource_group', {
    summary: 'Modify a resource group (description, props, select filter, peer slots)', tags, rc: { op: 'MODIFY', obj: 'RSC_GRP' },
    body: ResourceGroupModify, reply: ApiCallRcList,
  }, ({ params, body }) => groups.modify(params.resource_group, body));

  route(app, 'DELETE', '/v1/resource-groups/:resource_group', {
    summary: 'Delete a resource group without resource definitions', tags, rc: { op: 'DELETE', obj: 'RSC_GRP' }, reply: ApiCallRcList,
  }, ({ params }) => groups.delete(params.resource_group));

  route(app, 'POST', '/v1/resource-groups/:resource_group/spawn', {
    summary: 'Spawn a resource definition with its volume definitions from a resource group', tags,
    rc: { op: 'CREATE', obj: 'RSC_GRP' }, status: 201, body: ResourceGroupSpawn, reply: ApiCallRcList,
    operationId: 'resourceGroupSpawn',
  }, ({ params, body }) => spawn(c, params.resource_group, body));

  route(app, 'GET', vgBase, { summary: 'List volume groups', tags, reply: z.array(VolumeGroup) },
    ({ params }) => volumeGroups.list(params.resource_group).map(volumeGroupView));

  route(app, 'GET', `${vgBase}/:volume_number`, { summary: 'Show one volume group', tags, reply: VolumeGroup },
    ({ params }) => volumeGroupView(volumeGroups.get(params.resource_group, params.volume_number)));

  route(app, 'POST', vgBase, {
    summary: 'Create a volume group (an empty body takes the next free number)', tags, rc: { op: 'CREATE', obj: 'VLM_GRP' },
    status: 201, body: VolumeGroupCreate, reply: ApiCallRcList,
  }, ({ params, body }) => volumeGroups.create(params.resource_group, body));

  route(app, 'PUT', `${vgBase}/:volume_number`, {
    summary: 'Modify a volume group (props, flags)', tags, rc: { op: 'MODIFY', obj: 'VLM_GRP' }, body: VolumeGroupModify, reply: ApiCallRcList,
  }, ({ params, body }) => volumeGroups.modify(params.resource_group, params.volume_number, body));

  route(app, 'DELETE', `${vgBase}/:volume_number`, {
    summary: 'Delete a volume group', tags, rc: { op: 'DELETE', obj: 'VLM_GRP' }, reply: ApiCallRcList,
  }, ({ params }) => volumeGroups.delete(params.resource_group, params.volume_number));
}
