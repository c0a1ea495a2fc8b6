/** Storage pools (/v1/nodes/{node}/storage-pools, /v1/view/storage-pools). */
import type { ApiCallRc } from '../model/apicallrc.js';
import { seg, type Transport } from './transport.js';
import type { Paging, PropsModify, StoragePool, StoragePoolCreate } from './types.js';

export interface StoragePoolListFilter extends Paging {
  nodes?: string[];
  storage_pools?: string[];
  props?: string[];
  /** Answer from the controller's cache (the only mode Storhub has; accepted for golinstor parity). */
  cached?: boolean;
}

export class StoragePoolsApi {
  constructor(private readonly t: Transport) {}

  /** Every pool of the cluster (the view the CLI's `sp list` uses). */
  list(filter: StoragePoolListFilter = {}): Promise<StoragePool[]> {
    return this.t.get('/v1/view/storage-pools', { ...filter });
  }

  listOnNode(node: string, paging: Paging = {}): Promise<StoragePool[]> {
    return this.t.get(`/v1/nodes/${seg(node)}/storage-pools`, { ...paging });
  }

  get(node: string, pool: string): Promise<StoragePool> {
    return this.t.get(`/v1/nodes/${seg(node)}/storage-pools/${seg(pool)}`);
  }

  create(node: string, body: StoragePoolCreate): Promise<ApiCallRc[]> {
    return this.t.send('POST', `/v1/nodes/${seg(node)}/storage-pools`, body);
  }

  modify(node: string, pool: string, body: PropsModify): Promise<ApiCallRc[]> {
    return this.t.send('PUT', `/v1/nodes/${seg(node)}/storage-pools/${seg(pool)}`, body);
  }

  delete(node: string, pool: string): Promise<ApiCallRc[]> {
    return this.t.send('DELETE', `/v1/nodes/${seg(node)}/storage-pools/${seg(pool)}`);
  }
}
