/**
 * Placement endpoints: autoplace, make-available, and the size queries (query-size-info,
 * query-all-size-info, the deprecated query-max-volume-size in its group GET and its OPTIONS form).
 */
import type { FastifyInstance } from 'fastify';
import {
  AutoPlaceRequest, MaxVolumeSizes, ResourceGroupAdjust, QueryAllSizeInfoResponse, QuerySizeInfoRequest, QuerySizeInfoResponse, ResourceMakeAvailable,
} from '../../model/placement.js';
import { AutoSelectFilterInput } from '../../model/resource-group.js';
import { PlacementService } from '../../controller/services/placement.js';
import { PlacementQueryService } from '../../controller/services/placement-queries.js';
import { GroupAdjustService } from '../../controller/services/group-adjust.js';
import { applyFilterChanges } from '../../controller/services/select-filter.js';
import type { ApiDeps } from '../context.js';
import { ApiCallRcList, route } from '../route.js';

export function placementRoutes(app: FastifyInstance, { controller: c }: ApiDeps): void {
  const placement = new PlacementService(c);
  const queries = new PlacementQueryService(c);
  const adjust = new GroupAdjustService(c);

  route(app, 'POST', '/v1/resource-groups/:resource_group/adjust', {
    summary: 'Autoplace every resource definition of the group with its current select filter', tags: ['resource-groups'],
    rc: { op: 'CREATE', obj: 'RSC' }, body: ResourceGroupAdjust, reply: ApiCallRcList, operationId: 'resourceGroupAdjust',
  }, ({ params, body }) => adjust.adjust(params.resource_group, body.select_filter));

  route(app, 'POST', '/v1/resource-groups/adjustall', {
    summary: 'Autoplace every resource definition of every group with its current select filter', tags: ['resource-groups'],
    rc: { op: 'CREATE', obj: 'RSC' }, body: ResourceGroupAdjust, reply: ApiCallRcList, operationId: 'resourceGroupAdjustAll',
  }, ({ body }) => adjust.adjustAll(body.select_filter));

  route(app, 'POST', '/v1/resource-definitions/:resource/autoplace', {
    summary: 'Place replicas of a resource definition on nodes the autoplacer chooses', tags: ['resources'],
    rc: { op: 'CREATE', obj: 'RSC' }, status: 201, body: AutoPlaceRequest, reply: ApiCallRcList, operationId: 'resourceAutoplace',
  }, ({ params, body }) => placement.autoplace(params.resource, body));

  route(app, 'POST', '/v1/resource-definitions/:resource/resources/:node/make-available', {
    summary: 'Make a resource available on a node (diskless where possible)', tags: ['resources'],
    rc: { op: 'CREATE', obj: 'RSC' }, body: ResourceMakeAvailable, reply: ApiCallRcList, operationId: 'resourceMakeAvailableOnNode',
  }, ({ params, body }) => placement.makeAvailable(params.resource, params.node, body));

  route(app, 'POST', '/v1/resource-groups/:resource_group/query-size-info', {
    summary: 'Size information for the next spawn from a resource group', tags: ['resource-groups'],
    body: QuerySizeInfoRequest, reply: QuerySizeInfoResponse, operationId: 'querySizeInfo',
  }, ({ params, body }) => queries.querySizeInfo(params.resource_group, body));

  route(app, 'POST', '/v1/queries/resource-groups/query-all-size-info', {
    summary: 'Size information for every resource group', tags: ['resource-groups'],
    body: QuerySizeInfoRequest, reply: QueryAllSizeInfoResponse, operationId: 'QryAllSizeInfo',
  }, ({ body }) => queries.queryAllSizeInfo(body));

  route(app, 'GET', '/v1/resource-groups/:resource_group/query-max-volume-size', {
    summary: 'Largest volume per storage pool name for a resource group (deprecated)', tags: ['resource-groups'],
    reply: MaxVolumeSizes, operationId: 'queryMaxVolumeSizeFromRscGrp',
  }, ({ params }) => queries.queryMaxVolumeSizeOfGroup(params.resource_group));

  route(app, 'OPTIONS', '/v1/query-max-volume-size', {
    summary: 'Largest volume per storage pool name for a select filter', tags: ['storage-pools'],
    body: AutoSelectFilterInput, reply: MaxVolumeSizes, operationId: 'queryMaxVolumeSize',
  }, ({ body }) => queries.queryMaxVolumeSize(applyFilterChanges({}, body)));
}
