/** /v1/key-value-store: named free-form property maps. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { KeyValueStore, KeyValueStoreModify } from '../../model/controller.js';
import { KeyValueStoreService } from '../../controller/services/key-value-store.js';
import type { KeyValueStoreRecord } from '../../store/records.js';
import type { ApiDeps } from '../context.js';
import { nonEmpty } from '../out.js';
import { ApiCallRcList, route } from '../route.js';

const tags = ['key-value-store'];

const view = (kvs: KeyValueStoreRecord): KeyValueStore => nonEmpty({ name: kvs.name, props: kvs.props }) as KeyValueStore;

export function kvsRoutes(app: FastifyInstance, { controller: c }: ApiDeps): void {
  const stores = new KeyValueStoreService(c);

  route(app, 'GET', '/v1/key-value-store', {
    summary: 'List key value stores', tags, reply: z.array(KeyValueStore), operationId: 'keyValueStoresList',
  }, () => c.graph.keyValueStores.values().map(view));

  // LINSTOR answers a one-element list here, not an object (python-linstor and golinstor expect it).
  route(app, 'GET', '/v1/key-value-store/:instance', {
    summary: 'Show one key value store (as a one-element list)', tags, reply: z.array(KeyValueStore), operationId: 'keyValueStoreList',
  }, ({ params }) => [view(stores.get(params.instance))]);

  route(app, 'PUT', '/v1/key-value-store/:instance', {
    summary: 'Set or delete keys (creates the store when missing)', tags, rc: { op: 'MODIFY', obj: 'KVS' },
    body: KeyValueStoreModify, reply: ApiCallRcList, operationId: 'keyValueStoreModify',
  }, ({ params, body }) => stores.modify(params.instance, body));

  route(app, 'DELETE', '/v1/key-value-store/:instance', {
    summary: 'Delete a key value store', tags, rc: { op: 'DELETE', obj: 'KVS' }, reply: ApiCallRcList, operationId: 'keyValueStoreDelete',
  }, ({ params }) => stores.delete(params.instance));
}
