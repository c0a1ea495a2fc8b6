/** /v1/resource-groups: groups, their volume groups, spawn. */
import type { ApiCallRc } from '../model/apicallrc.js';
import { seg, type Transport } from './transport.js';
import type {
  Paging, ResourceGroup, ResourceGroupCreate, ResourceGroupModify, Spawn, VolumeGroup, VolumeGroupCreate,
  VolumeGroupModify,
} from './types.js';

export interface ResourceGroupListFilter extends Paging {
  resource_groups?: string[];
  props?: string[];
}

export class ResourceGroupsApi {
  constructor(private readonly t: Transport) {}

  list(filter: ResourceGroupListFilter = {}): Promise<ResourceGroup[]> {
    return this.t.get('/v1/resource-groups', { ...filter });
  }

  get(name: string): Promise<ResourceGroup> {
    return this.t.get(`/v1/resource-groups/${seg(name)}`);
  }

  create(body: ResourceGroupCreate): Promise<ApiCallRc[]> {
    return this.t.send('POST', '/v1/resource-groups', body);
  }

  modify(name: string, body: ResourceGroupModify): Promise<ApiCallRc[]> {
    return this.t.send('PUT', `/v1/resource-groups/${seg(name)}`, body);
  }

  delete(name: string): Promise<ApiCallRc[]> {
    return this.t.send('DELETE', `/v1/resource-groups/${seg(name)}`);
  }

  /** Creates a resource definition (+ volume definitions) from the group and places it. */
  spawn(name: string, body: Spawn): Promise<ApiCallRc[]> {
    return this.t.send('POST', `/v1/resource-groups/${seg(name)}/spawn`, body);
  }

  listVolumeGroups(name: string): Promise<VolumeGroup[]> {
    return this.t.get(`/v1/resource-groups/${seg(name)}/volume-groups`);
  }

  getVolumeGroup(name: string, volumeNumber: number): Promise<VolumeGroup> {
    return this.t.get(`/v1/resource-groups/${seg(name)}/volume-groups/${seg(volumeNumber)}`);
  }

  createVolumeGroup(name: string, body: VolumeGroupCreate = {}): Promise<ApiCallRc[]> {
    return this.t.send('POST', `/v1/resource-groups/${seg(name)}/volume-groups`, body);
  }

  modifyVolumeGroup(name: string, volumeNumber: number, body: VolumeGroupModify): Promise<ApiCallRc[]> {
    return this.t.send('PUT', `/v1/resource-groups/${seg(name)}/volume-groups/${seg(volumeNumber)}`, body);
  }

  deleteVolumeGroup(name: string, volumeNumber: number): Promise<ApiCallRc[]> {
    return this.t.send('DELETE', `/v1/resource-groups/${seg(name)}/volume-groups/${seg(volumeNumber)}`);
  }
}
