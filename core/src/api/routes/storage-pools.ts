/**
 * Storage pools (/v1/nodes/{node}/storage-pools, /v1/view/storage-pools) and storage-pool definitions
 * (/v1/storage-pool-definitions). Lists answer from the graph; `cached` is accepted and ignored
 * because nothing here ever waits on a satellite.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import {
  StoragePool, StoragePoolCreate, StoragePoolDefinition, StoragePoolDefinitionCreate, StoragePoolDefinitionModify,
  StoragePoolModify,
} from '../../model/storage-pool.js';
import { StoragePoolService } from '../../controller/services/storage-pools.js';
import { StoragePoolDefinitionService } from '../../controller/services/storage-pool-definitions.js';
import type { ApiDeps } from '../context.js';
import { nameFilter, paginate, propsFilter } from '../query.js';
import { ApiCallRcList, route } from '../route.js';
import { storagePoolDefinitionView, storagePoolView } from '../views/storage-pool.js';

const tags = ['storage-pools'];

export function storagePoolRoutes(app: FastifyInstance, { controller: c }: ApiDeps): void {
  const pools = new StoragePoolService(c);
  const spds = new StoragePoolDefinitionService(c);

  route(app, 'GET', '/v1/view/storage-pools', {
    summary: 'List the storage pools of all nodes', tags, reply: z.array(StoragePool), operationId: 'viewStoragePools',
  }, ({ query }) => {
    const byNode = nameFilter(query, 'nodes');
    const byPool = nameFilter(query, 'storage_pools');
    const byProps = propsFilter(query);
    // The graph sorts by "NODE/POOL", i.e. by node, then pool name.
    const list = c.graph.storagePools.values().filter((p) => byNode(p.node_name) && byPool(p.name) && byProps(p.props));
    return paginate(list, query).map((p) => storagePoolView(c, p));
  });

  route(app, 'GET', '/v1/nodes/:node/storage-pools', {
    summary: 'List the storage pools of a node', tags, reply: z.array(StoragePool), operationId: 'nodeStoragePoolList',
  }, ({ params, query }) => {
    const byPool = nameFilter(query, 'storage_pools');
    const byProps = propsFilter(query);
    const list = pools.listOn(params.node).filter((p) => byPool(p.name) && byProps(p.props));
    return paginate(list, query).map((p) => storagePoolView(c, p));
  });

  route(app, 'GET', '/v1/nodes/:node/storage-pools/:storagepool', { summary: 'Show one storage pool', tags, reply: StoragePool }, ({ params }) =>
    storagePoolView(c, pools.get(params.node, params.storagepool)),
  );

  route(app, 'POST', '/v1/nodes/:node/storage-pools', {
    summary: 'Register a storage pool on a node', tags, rc: { op: 'CREATE', obj: 'STOR_POOL' }, status: 201,
    body: StoragePoolCreate, reply: ApiCallRcList, operationId: 'nodeStoragePoolCreate',
  }, ({ params, body }) => pools.create(params.node, body));

  route(app, 'PUT', '/v1/nodes/:node/storage-pools/:storagepool', {
    summary: 'Modify the properties of a storage pool', tags, rc: { op: 'MODIFY', obj: 'STOR_POOL' }, body: StoragePoolModify,
    reply: ApiCallRcList, operationId: 'nodeStoragePoolModify',
  }, ({ params, body }) => pools.modify(params.node, params.storagepool, body));

  route(app, 'DELETE', '/v1/nodes/:node/storage-pools/:storagepool', {
    summary: 'Delete a storage pool no volume uses', tags, rc: { op: 'DELETE', obj: 'STOR_POOL' }, reply: ApiCallRcList,
    operationId: 'nodeStoragePoolDelete',
  }, ({ params }) => pools.delete(params.node, params.storagepool));

  // --- storage-pool definitions ---

  route(app, 'GET', '/v1/storage-pool-definitions', {
    summary: 'List storage pool definitions', tags, reply: z.array(StoragePoolDefinition), operationId: 'storagePoolDfnList',
  }, ({ query }) => {
    const byName = nameFilter(query, 'storage_pools');
    const byProps = propsFilter(query);
    const list = c.graph.storagePoolDefinitions.values().filter((d) => byName(d.name) && byProps(d.props));
    return paginate(list, query).map(storagePoolDefinitionView);
  });

  route(app, 'GET', '/v1/storage-pool-definitions/:storagepool', {
    summary: 'Show one storage pool definition', tags, reply: StoragePoolDefinition, operationId: 'storagePoolDfnGet',
  }, ({ params }) => storagePoolDefinitionView(spds.get(params.storagepool)));

  route(app, 'POST', '/v1/storage-pool-definitions', {
    summary: 'Create a storage pool definition', tags, rc: { op: 'CREATE', obj: 'STOR_POOL_DFN' }, status: 201,
    body: StoragePoolDefinitionCreate, reply: ApiCallRcList, operationId: 'storagePoolDfnAdd',
  }, ({ body }) => spds.create(body));

  route(app, 'PUT', '/v1/storage-pool-definitions/:storagepool', {
    summary: 'Modify the properties of a storage pool definition', tags, rc: { op: 'MODIFY', obj: 'STOR_POOL_DFN' },
    body: StoragePoolDefinitionModify, reply: ApiCallRcList, operationId: 'storPoolDfnModify',
  }, ({ params, body }) => spds.modify(params.storagepool, body));

  route(app, 'DELETE', '/v1/storage-pool-definitions/:storagepool', {
    summary: 'Delete a storage pool definition without pools', tags, rc: { op: 'DELETE', obj: 'STOR_POOL_DFN' },
    reply: ApiCallRcList, operationId: 'storagePoolDefinitionDelete',
  }, ({ params }) => spds.delete(params.storagepool));
}
