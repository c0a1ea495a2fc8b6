/**
 * @storhub/core/client: a typed LINSTOR REST API v1 client with multi-controller failover.
 *
 *   const client = new StorhubClient({ controllers: 'ctrl-a,ctrl-b:3370' });
 *   await client.resourceGroups.spawn('rg1', { resource_definition_name: 'vm-1', volume_sizes: [1048576] });
 *   try { await client.resourceDefinitions.get('vm-2'); } catch (e) { if (isNotFound(e)) ... }
 *   await client.close();
 *
 * Mutations resolve with the ApiCallRc list (ret_code as bigint); an HTTP error rejects with
 * ApiError, an unreachable cluster with ConnectionError.
 */
import { Transport, type ClientOptions, type QueryParams, type RawReply, type RequestOptions } from './transport.js';
import { NodesApi } from './nodes.js';
import { StoragePoolsApi } from './storage-pools.js';
import { StoragePoolDefinitionsApi } from './storage-pool-definitions.js';
import { ResourceGroupsApi } from './resource-groups.js';
import { ResourceDefinitionsApi } from './resource-definitions.js';
import { ResourcesApi } from './resources.js';
import { ControllerApi } from './controller.js';
import { KeyValueStoreApi } from './kvs.js';
import { ErrorReportsApi } from './error-reports.js';

export class StorhubClient {
  readonly transport: Transport;
  readonly nodes: NodesApi;
  readonly storagePools: StoragePoolsApi;
  readonly storagePoolDefinitions: StoragePoolDefinitionsApi;
  readonly resourceGroups: ResourceGroupsApi;
  readonly resourceDefinitions: ResourceDefinitionsApi;
  readonly resources: ResourcesApi;
  readonly controller: ControllerApi;
  readonly keyValueStore: KeyValueStoreApi;
  readonly errorReports: ErrorReportsApi;

  constructor(opts: ClientOptions = {}) {
    const t = new Transport(opts);
    this.transport = t;
    this.nodes = new NodesApi(t);
    this.storagePools = new StoragePoolsApi(t);
    this.storagePoolDefinitions = new StoragePoolDefinitionsApi(t);
    this.resourceGroups = new ResourceGroupsApi(t);
    this.resourceDefinitions = new ResourceDefinitionsApi(t);
    this.resources = new ResourcesApi(t);
    this.controller = new ControllerApi(t);
    this.keyValueStore = new KeyValueStoreApi(t);
    this.errorReports = new ErrorReportsApi(t);
  }

  /** Any other endpoint: the raw call with the same failover and error handling. */
  request<T = unknown>(method: string, path: string, opts?: RequestOptions): Promise<RawReply<T>> {
    return this.transport.request<T>(method, path, opts);
  }

  /** The controller that answered last. */
  get activeController(): string {
    return this.transport.activeController;
  }

  /** Closes pooled connections (a CLI must call it to exit promptly). */
  close(): Promise<void> {
    return this.transport.close();
  }
}

export { ApiError, ConnectionError, isApiError, isConnectionError, isNotFound, rcIs } from './errors.js';
export type { ConnectionAttempt } from './errors.js';
export { parseControllerList, parseControllerUrl, DEFAULT_HTTP_PORT, DEFAULT_HTTPS_PORT } from './url.js';
export { Transport, toRcList, buildQuery } from './transport.js';
export type { ClientOptions, QueryParams, RawReply, RequestOptions };
export type * from './types.js';
export type { NodeListFilter } from './nodes.js';
export type { StoragePoolListFilter } from './storage-pools.js';
export type { ResourceGroupListFilter } from './resource-groups.js';
export type { ResourceDefinitionListFilter } from './resource-definitions.js';
export type { ResourceViewFilter } from './resources.js';
export type { ErrorReportFilter } from './error-reports.js';
export { Code, severityOf, codeOf, isError } from '../model/apicallrc.js';
export type { CodeName } from '../model/apicallrc.js';
export { parseJson, stringifyJson } from '../model/json.js';
