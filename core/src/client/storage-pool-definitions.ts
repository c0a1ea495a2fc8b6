/** /v1/storage-pool-definitions */
import type { ApiCallRc } from '../model/apicallrc.js';
import { seg, type Transport } from './transport.js';
import type { Paging, Props, PropsModify, StoragePoolDefinition } from './types.js';

export class StoragePoolDefinitionsApi {
  constructor(private readonly t: Transport) {}

  list(paging: Paging = {}): Promise<StoragePoolDefinition[]> {
    return this.t.get('/v1/storage-pool-definitions', { ...paging });
  }

  get(name: string): Promise<StoragePoolDefinition> {
    return this.t.get(`/v1/storage-pool-definitions/${seg(name)}`);
  }

  create(name: string, props?: Props): Promise<ApiCallRc[]> {
    return this.t.send('POST', '/v1/storage-pool-definitions', { storage_pool_name: name, ...(props ? { props } : {}) });
  }

  modify(name: string, body: PropsModify): Promise<ApiCallRc[]> {
    return this.t.send('PUT', `/v1/storage-pool-definitions/${seg(name)}`, body);
  }

  delete(name: string): Promise<ApiCallRc[]> {
    return this.t.send('DELETE', `/v1/storage-pool-definitions/${seg(name)}`);
  }
}
