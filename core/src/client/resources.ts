/** Resources (/v1/resource-definitions/{rd}/resources, /v1/view/resources), volumes, autoplace. */
import type { ApiCallRc } from '../model/apicallrc.js';
import { seg, type Transport } from './transport.js';
import type {
  AutoPlaceRequest, Paging, Resource, ResourceCreate, ResourceModify, ResourceWithVolumes, Volume,
} from './types.js';

export interface ResourceViewFilter extends Paging {
  nodes?: string[];
  resources?: string[];
  storage_pools?: string[];
  props?: string[];
}

export class ResourcesApi {
  constructor(private readonly t: Transport) {}

  /** Every resource with its volumes (what `r list` / `v list` show). */
  view(filter: ResourceViewFilter = {}): Promise<ResourceWithVolumes[]> {
    return this.t.get('/v1/view/resources', { ...filter });
  }

  list(rd: string): Promise<Resource[]> {
    return this.t.get(`/v1/resource-definitions/${seg(rd)}/resources`);
  }

  get(rd: string, node: string): Promise<Resource> {
    return this.t.get(`/v1/resource-definitions/${seg(rd)}/resources/${seg(node)}`);
  }

  /** Creates resources on the nodes named in each entry (`resource.node_name`). */
  create(rd: string, entries: ResourceCreate[]): Promise<ApiCallRc[]> {
    return this.t.send('POST', `/v1/resource-definitions/${seg(rd)}/resources`, entries);
  }

  createOnNode(rd: string, node: string, entry: ResourceCreate = { resource: {} }): Promise<ApiCallRc[]> {
    return this.t.send('POST', `/v1/resource-definitions/${seg(rd)}/resources/${seg(node)}`, entry);
  }

  modify(rd: string, node: string, body: ResourceModify): Promise<ApiCallRc[]> {
    return this.t.send('PUT', `/v1/resource-definitions/${seg(rd)}/resources/${seg(node)}`, body);
  }

  delete(rd: string, node: string, opts: { keepTiebreaker?: boolean } = {}): Promise<ApiCallRc[]> {
    const query = opts.keepTiebreaker === undefined ? undefined : { keep_tiebreaker: opts.keepTiebreaker };
    return this.t.send('DELETE', `/v1/resource-definitions/${seg(rd)}/resources/${seg(node)}`, undefined, query);
  }

  autoplace(rd: string, body: AutoPlaceRequest = {}): Promise<ApiCallRc[]> {
    return this.t.send('POST', `/v1/resource-definitions/${seg(rd)}/autoplace`, body);
  }

  makeAvailable(rd: string, node: string, body: { diskful?: boolean; layer_list?: string[] } = {}): Promise<ApiCallRc[]> {
    return this.t.send('POST', `/v1/resource-definitions/${seg(rd)}/resources/${seg(node)}/make-available`, body);
  }

  listVolumes(rd: string, node: string): Promise<Volume[]> {
    return this.t.get(`/v1/resource-definitions/${seg(rd)}/resources/${seg(node)}/volumes`);
  }

  getVolume(rd: string, node: string, volumeNumber: number): Promise<Volume> {
    return this.t.get(`/v1/resource-definitions/${seg(rd)}/resources/${seg(node)}/volumes/${seg(volumeNumber)}`);
  }
}
