/**
 * Builds a populated controller through the REST API: nodes, storage pools of several kinds, a resource
 * group with volume groups, resource definitions with volume definitions, resources, connections, a
 * key-value store, controller properties, a snapshot and an error report. Every request is recorded so
 * the contract test can validate the ApiCallRc reply of each mutation against the spec.
 */
import type { TestApi } from '../../core/dist/test/helpers.js';

export interface Exchange {
  method: string;
  /** The spec path template this request instantiates, e.g. `/v1/nodes/{node}`. */
  specPath: string;
  url: string;
  status: number;
  body: unknown;
}

/** Path parameter values of the populated controller, for instantiating GET templates. */
export const FIXTURE: Record<string, string> = {
  node: 'alpha',
  node_a: 'alpha',
  node_b: 'bravo',
  netinterface: 'backup',
  storagepool: 'thinpool',
  resource_group: 'rg1',
  resource: 'res1',
  volume_number: '0',
  snapshot: 'snap1',
  instance: 'kvs1',
  key: 'Aux/contract',
};

const sat = (name: string, address: string) => ({
  name,
  type: 'satellite',
  net_interfaces: [{ name: 'default', address, satellite_port: 3366, satellite_encryption_type: 'plain', is_active: true }],
  props: { 'Aux/site': name === 'charlie' ? 'b' : 'a' },
});
const pool = (name: string, kind: string, backing?: string) => ({
  storage_pool_name: name,
  provider_kind: kind,
  ...(backing ? { props: { 'StorDriver/StorPoolName': backing } } : {}),
});

/** [method, spec path, concrete url, body]: the population, in dependency order. */
export const STEPS: Array<[string, string, string, unknown?]> = [
  ['POST', '/v1/nodes', '/v1/nodes', sat('alpha', '127.0.0.1')],
  ['POST', '/v1/nodes', '/v1/nodes', sat('bravo', '127.0.0.2')],
  ['POST', '/v1/nodes', '/v1/nodes', sat('charlie', '127.0.0.3')],
  ['POST', '/v1/nodes', '/v1/nodes', sat('delta', '127.0.0.4')],
  ['PUT', '/v1/nodes/{node}', '/v1/nodes/alpha', { override_props: { 'Aux/rack': '1' } }],
  // delta is deleted at the end: keep the autoplacer (spawn, tie-breakers) off it.
  ['PUT', '/v1/nodes/{node}', '/v1/nodes/delta', { override_props: { AutoplaceTarget: 'false' } }],
  ['POST', '/v1/nodes/{node}/net-interfaces', '/v1/nodes/alpha/net-interfaces', { name: 'backup', address: '127.0.1.1' }],
  ['POST', '/v1/nodes/{node}/storage-pools', '/v1/nodes/alpha/storage-pools', pool('thinpool', 'LVM_THIN', 'vg/thin')],
  ['POST', '/v1/nodes/{node}/storage-pools', '/v1/nodes/bravo/storage-pools', pool('thinpool', 'LVM_THIN', 'vg/thin')],
  ['POST', '/v1/nodes/{node}/storage-pools', '/v1/nodes/charlie/storage-pools', pool('thinpool', 'ZFS_THIN', 'tank/thin')],
  ['POST', '/v1/nodes/{node}/storage-pools', '/v1/nodes/alpha/storage-pools', pool('lvmpool', 'LVM', 'vg')],
  ['POST', '/v1/nodes/{node}/storage-pools', '/v1/nodes/alpha/storage-pools', pool('zfspool', 'ZFS', 'tank')],
  ['POST', '/v1/nodes/{node}/storage-pools', '/v1/nodes/alpha/storage-pools', pool('filepool', 'FILE_THIN', '/var/lib/storhub')],
  ['POST', '/v1/nodes/{node}/storage-pools', '/v1/nodes/bravo/storage-pools', pool('disklesspool', 'DISKLESS')],
  ['PUT', '/v1/nodes/{node}/storage-pools/{storagepool}', '/v1/nodes/alpha/storage-pools/thinpool', { override_props: { 'Aux/tier': 'ssd' } }],
  ['POST', '/v1/resource-groups', '/v1/resource-groups', {
    name: 'rg1', description: 'contract test group',
    select_filter: { place_count: 2, storage_pool_list: ['thinpool'], layer_stack: ['DRBD', 'STORAGE'] },
  }],
  ['PUT', '/v1/resource-groups/{resource_group}', '/v1/resource-groups/rg1', { override_props: { 'Aux/owner': 'contract' } }],
  ['POST', '/v1/resource-groups/{resource_group}/volume-groups', '/v1/resource-groups/rg1/volume-groups', {}],
  ['POST', '/v1/resource-groups/{resource_group}/volume-groups', '/v1/resource-groups/rg1/volume-groups', { volume_number: 1, flags: ['GROSS_SIZE'] }],
  ['PUT', '/v1/resource-groups/{resource_group}/volume-groups/{volume_number}', '/v1/resource-groups/rg1/volume-groups/0', { override_props: { 'Aux/vg': '0' } }],
  ['POST', '/v1/resource-definitions', '/v1/resource-definitions', { resource_definition: { name: 'res1', resource_group_name: 'rg1' } }],
  ['PUT', '/v1/resource-definitions/{resource}', '/v1/resource-definitions/res1', { override_props: { 'Aux/app': 'db' } }],
  ['POST', '/v1/resource-definitions/{resource}/volume-definitions', '/v1/resource-definitions/res1/volume-definitions', { volume_definition: { size_kib: 1048576 } }],
  ['POST', '/v1/resource-definitions/{resource}/volume-definitions', '/v1/resource-definitions/res1/volume-definitions', { volume_definition: { volume_number: 1, size_kib: 2097152 } }],
  ['PUT', '/v1/resource-definitions/{resource}/volume-definitions/{volume_number}', '/v1/resource-definitions/res1/volume-definitions/0', { size_kib: 1572864 }],
  ['POST', '/v1/resource-definitions/{resource}/resources', '/v1/resource-definitions/res1/resources', [
    { resource: { node_name: 'alpha', props: { StorPoolName: 'thinpool' } } },
    { resource: { node_name: 'bravo', props: { StorPoolName: 'thinpool' } } },
  ]],
  ['POST', '/v1/resource-definitions/{resource}/resources/{node}', '/v1/resource-definitions/res1/resources/charlie', { resource: { flags: ['DRBD_DISKLESS'] } }],
  ['PUT', '/v1/resource-definitions/{resource}/resources/{node}', '/v1/resource-definitions/res1/resources/alpha', { override_props: { 'Aux/r': '1' } }],
  ['PUT', '/v1/resource-definitions/{resource}/resource-connections/{node_a}/{node_b}', '/v1/resource-definitions/res1/resource-connections/alpha/bravo', { override_props: { 'Aux/link': 'fast' } }],
  ['PUT', '/v1/node-connections/{node_a}/{node_b}', '/v1/node-connections/alpha/bravo', { override_props: { 'Aux/link': 'fast' } }],
  ['POST', '/v1/resource-groups/{resource_group}/spawn', '/v1/resource-groups/rg1/spawn', {
    resource_definition_name: 'res2', volume_sizes: [1048576, 1048576], partial: false, definitions_only: false, select_filter: {},
  }],
  ['POST', '/v1/resource-definitions', '/v1/resource-definitions', { resource_definition: { name: 'res3' } }],
  ['POST', '/v1/resource-definitions/{resource}/volume-definitions', '/v1/resource-definitions/res3/volume-definitions', { volume_definition: { size_kib: 65536 } }],
  ['POST', '/v1/resource-definitions/{resource}/autoplace', '/v1/resource-definitions/res3/autoplace', { diskless_on_remaining: null, select_filter: { place_count: 2 } }],
  ['POST', '/v1/resource-definitions/{resource}/snapshots', '/v1/resource-definitions/res1/snapshots', { name: 'snap1' }],
  ['PUT', '/v1/key-value-store/{instance}', '/v1/key-value-store/kvs1', { override_props: { 'csi/backup': 'one', '/lead/slash': 'two' } }],
  ['POST', '/v1/controller/properties', '/v1/controller/properties', { override_props: { 'Aux/contract': 'yes' } }],
  ['POST', '/v1/storage-pool-definitions', '/v1/storage-pool-definitions', { storage_pool_name: 'sharedpool' }],
  // deletes: an existing object and a missing one (WARN_NOT_FOUND, still 200)
  ['DELETE', '/v1/nodes/{node}', '/v1/nodes/delta'],
  ['DELETE', '/v1/nodes/{node}', '/v1/nodes/nosuchnode'],
  ['DELETE', '/v1/resource-definitions/{resource}/volume-definitions/{volume_number}', '/v1/resource-definitions/res3/volume-definitions/7'],
  ['DELETE', '/v1/controller/properties/{key}', '/v1/controller/properties/Aux%2Fnever-set'],
];

export interface Population {
  exchanges: Exchange[];
  /** Steps whose path the server does not know yet (404 "Path ... not found on server."). */
  notImplemented: string[];
  /** Steps the server answered with an error status. */
  failed: Exchange[];
  errorReportId: string;
}

export function isUnknownPath(status: number, body: unknown): boolean {
  const msg = Array.isArray(body) ? String((body[0] as { message?: string } | undefined)?.message ?? '') : '';
  return (status === 404 && /^Path '.*' not found on server\.$/.test(msg)) || (status === 405 && /is not allowed on/.test(msg));
}

export async function populate(api: TestApi): Promise<Population> {
  const out: Population = { exchanges: [], notImplemented: [], failed: [], errorReportId: '' };
  for (const [method, specPath, url, body] of STEPS) {
    const res = await api.call(method, url, body);
    const ex = { method, specPath, url, status: res.status, body: res.body };
    if (isUnknownPath(res.status, res.body)) {
      out.notImplemented.push(`${method} ${url}`);
      continue;
    }
    out.exchanges.push(ex);
    if (res.status >= 400) out.failed.push(ex);
  }
  // No request reliably produces an internal error, so the report is recorded the way the API's
  // error handler records one.
  out.errorReportId = api.controller.recordError(new Error('contract test error report'), 'GET /v1/contract');
  return out;
}
