/** /v1/resource-definitions: definitions and their volume definitions. */
import type { ApiCallRc } from '../model/apicallrc.js';
import { seg, type Transport } from './transport.js';
import type {
  Paging, ResourceDefinition, ResourceDefinitionCreate, ResourceDefinitionModify, VolumeDefinition,
  VolumeDefinitionCreate, VolumeDefinitionModify,
} from './types.js';

export interface ResourceDefinitionListFilter extends Paging {
  resource_definitions?: string[];
  props?: string[];
  with_volume_definitions?: boolean;
}

export class ResourceDefinitionsApi {
  constructor(private readonly t: Transport) {}

  list(filter: ResourceDefinitionListFilter = {}): Promise<ResourceDefinition[]> {
    return this.t.get('/v1/resource-definitions', { ...filter });
  }

  get(name: string): Promise<ResourceDefinition> {
    return this.t.get(`/v1/resource-definitions/${seg(name)}`);
  }

  create(body: ResourceDefinitionCreate): Promise<ApiCallRc[]> {
    return this.t.send('POST', '/v1/resource-definitions', body);
  }

  modify(name: string, body: ResourceDefinitionModify): Promise<ApiCallRc[]> {
    return this.t.send('PUT', `/v1/resource-definitions/${seg(name)}`, body);
  }

  delete(name: string): Promise<ApiCallRc[]> {
    return this.t.send('DELETE', `/v1/resource-definitions/${seg(name)}`);
  }

  listVolumeDefinitions(rd: string): Promise<VolumeDefinition[]> {
    return this.t.get(`/v1/resource-definitions/${seg(rd)}/volume-definitions`);
  }

  getVolumeDefinition(rd: string, volumeNumber: number): Promise<VolumeDefinition> {
    return this.t.get(`/v1/resource-definitions/${seg(rd)}/volume-definitions/${seg(volumeNumber)}`);
  }

  /** Note: LINSTOR answers this POST with 200, not 201. */
  createVolumeDefinition(rd: string, body: VolumeDefinitionCreate): Promise<ApiCallRc[]> {
    return this.t.send('POST', `/v1/resource-definitions/${seg(rd)}/volume-definitions`, body);
  }

  modifyVolumeDefinition(rd: string, volumeNumber: number, body: VolumeDefinitionModify): Promise<ApiCallRc[]> {
    return this.t.send('PUT', `/v1/resource-definitions/${seg(rd)}/volume-definitions/${seg(volumeNumber)}`, body);
  }

  /** Resize: `{"size_kib": N}` on the volume definition. */
  resizeVolumeDefinition(rd: string, volumeNumber: number, sizeKib: number): Promise<ApiCallRc[]> {
    return this.modifyVolumeDefinition(rd, volumeNumber, { size_kib: sizeKib });
  }

  deleteVolumeDefinition(rd: string, volumeNumber: number): Promise<ApiCallRc[]> {
    return this.t.send('DELETE', `/v1/resource-definitions/${seg(rd)}/volume-definitions/${seg(volumeNumber)}`);
  }
}
