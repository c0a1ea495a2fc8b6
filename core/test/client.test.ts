import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ApiError, ConnectionError, StorhubClient, isNotFound, parseControllerList, parseControllerUrl, rcIs,
} from '../src/client/index.js';
import { type LiveApi, startApi, unusedPort } from './cli-helpers.js';
import type { NodeCreate } from '../src/client/index.js';

/** A satellite as a typed caller sends it: canonical (upper-case) values, `type` left to the server default. */
const satelliteNode = (name: string): NodeCreate => ({
  name,
  net_interfaces: [{ name: 'default', address: '127.0.0.1', satellite_port: 3366, satellite_encryption_type: 'PLAIN', is_active: true }],
});

let live: LiveApi;
before(async () => {
  live = await startApi();
});
after(async () => {
  await live.close();
});

test('controller addresses: every form LINSTOR clients accept, default ports 3370/3371', () => {
  assert.equal(parseControllerUrl('ctrl'), 'http://ctrl:3370');
  assert.equal(parseControllerUrl('ctrl:4000'), 'http://ctrl:4000');
  assert.equal(parseControllerUrl('http://127.0.0.1:3370'), 'http://127.0.0.1:3370');
  assert.equal(parseControllerUrl('http://ctrl'), 'http://ctrl:3370');
  assert.equal(parseControllerUrl('linstor://ctrl'), 'http://ctrl:3370');
  assert.equal(parseControllerUrl('linstor+ssl://ctrl'), 'https://ctrl:3371');
  assert.equal(parseControllerUrl('https://ctrl:443'), 'https://ctrl:443');
  assert.equal(parseControllerUrl('::1'), 'http://[::1]:3370');
  assert.equal(parseControllerUrl('[::1]:99'), 'http://[::1]:99');
  assert.deepEqual(parseControllerList('a,b:1 linstor://a'), ['http://a:3370', 'http://b:1']);
  assert.deepEqual(parseControllerList(['a', 'c,d']), ['http://a:3370', 'http://c:3370', 'http://d:3370']);
  assert.throws(() => parseControllerUrl('ftp://x'), /unknown scheme/);
  assert.throws(() => parseControllerUrl('http://x/v1'), /path/);
  assert.equal(parseControllerUrl('http://ctrl:80'), 'http://ctrl:80');
  assert.throws(() => parseControllerUrl('ctrl:99999'), /not a valid/);
  assert.throws(() => parseControllerUrl('ctrl:x'), /not a valid/);
});

test('mutations return the ApiCallRc list with ret_code as an exact bigint', async () => {
  const client = new StorhubClient({ controllers: live.address });
  try {
    const rcs = await client.nodes.create(satelliteNode('cl-alpha'));
    assert.equal(rcs.length >= 1, true);
    assert.equal(typeof rcs[0].ret_code, 'bigint');
    assert.equal(rcs[0].ret_code, 20709377n); // CREATED | CRT | NODE
    assert.equal(rcs[0].obj_refs?.Node, 'cl-alpha');
    const node = await client.nodes.get('CL-ALPHA');
    assert.equal(node.name, 'cl-alpha');
    assert.equal(node.type, 'SATELLITE');
    const list = await client.nodes.list({ nodes: ['cl-alpha'] });
    assert.deepEqual(list.map((n) => n.name), ['cl-alpha']);
  } finally {
    await client.close();
  }
});

test('404 is an ApiError with the exact signed 64-bit ret_code; isNotFound and hasCode work like golinstor', async () => {
  const client = new StorhubClient({ controllers: live.address });
  try {
    const err = await client.nodes.get('nope').then(() => assert.fail('expected a 404'), (e: unknown) => e);
    assert.ok(err instanceof ApiError);
    assert.equal(err.status, 404);
    assert.equal(err.method, 'GET');
    assert.equal(err.replies[0].ret_code, -4611686018427387604n);
    assert.equal(err.message, "Node 'nope' not found.");
    assert.equal(err.isNotFound(), true);
    assert.equal(isNotFound(err), true);
    assert.equal(err.hasCode('FAIL_NOT_FOUND_NODE'), true);
    assert.equal(err.hasCode('FAIL_NOT_FOUND_RSC_DFN'), false);
    assert.equal(err.controller, `http://${live.address}`);
  } finally {
    await client.close();
  }
});

test('an existing node is FAIL_EXISTS_NODE (500), op/obj bits ignored by hasCode', async () => {
  const client = new StorhubClient({ controllers: live.address });
  try {
    await client.nodes.create(satelliteNode('cl-dup'));
    const err = await client.nodes.create(satelliteNode('CL-DUP')).catch((e: unknown) => e);
    assert.ok(err instanceof ApiError);
    assert.equal(err.status, 500);
    assert.equal(err.replies[0].ret_code, -4611686018406678028n);
    assert.equal(err.hasCode('FAIL_EXISTS_NODE'), true);
    assert.equal(err.isNotFound(), false);
    assert.equal(err.errors.length, 1);
  } finally {
    await client.close();
  }
});

test('deleting a missing node resolves with a WARN_NOT_FOUND entry', async () => {
  const client = new StorhubClient({ controllers: live.address });
  try {
    const rcs = await client.nodes.delete('ghost');
    assert.equal(rcs.length, 1);
    assert.equal(rcIs(rcs[0], 'WARN_NOT_FOUND'), true);
    assert.equal(rcIs(rcs[0], 'FAIL_NOT_FOUND_NODE'), false);
  } finally {
    await client.close();
  }
});

test('failover: a closed first controller is skipped and the good one is remembered', async () => {
  const closed = await unusedPort();
  const client = new StorhubClient({ controllers: [`127.0.0.1:${closed}`, live.address] });
  try {
    assert.equal(client.activeController, `http://127.0.0.1:${closed}`);
    const rcs = await client.nodes.create(satelliteNode('cl-failover'));
    assert.equal(rcs[0].ret_code, 20709377n);
    assert.equal(client.activeController, `http://${live.address}`);
    const node = await client.nodes.get('cl-failover');
    assert.equal(node.name, 'cl-failover');
  } finally {
    await client.close();
  }
});

test('an HTTP error is an answer: no failover to the next controller', async () => {
  const other = await startApi();
  try {
    await other.api.call('POST', '/v1/nodes', satelliteNode('only-on-other'));
    const client = new StorhubClient({ controllers: [live.address, other.address] });
    try {
      const err = await client.nodes.get('only-on-other').catch((e: unknown) => e);
      assert.ok(err instanceof ApiError);
      assert.equal(err.status, 404);
      assert.equal(err.controller, `http://${live.address}`);
    } finally {
      await client.close();
    }
  } finally {
    await other.close();
  }
});

test('no controller reachable: ConnectionError listing every attempt', async () => {
  const a = await unusedPort();
  const b = await unusedPort();
  const client = new StorhubClient({ controllers: `127.0.0.1:${a},127.0.0.1:${b}` });
  try {
    const err = await client.controller.version().catch((e: unknown) => e);
    assert.ok(err instanceof ConnectionError);
    assert.equal(err.timeout, false);
    assert.deepEqual(err.attempts.map((x) => x.controller), [`http://127.0.0.1:${a}`, `http://127.0.0.1:${b}`]);
    assert.match(err.attempts[0].error, /ECONNREFUSED/);
  } finally {
    await client.close();
  }
});

/** A server that accepts requests and never answers, counting what it received. */
async function silentServer(): Promise<{ server: Server; address: string; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((req) => {
    hits.push(`${req.method} ${req.url}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, address: `127.0.0.1:${(server.address() as AddressInfo).port}`, hits };
}

test('timeouts: a hanging controller times out; GET fails over, a mutation is never sent twice', async () => {
  const hang = await silentServer();
  const client = new StorhubClient({ controllers: [hang.address, live.address], timeoutMs: 1000 });
  try {
    const version = await client.nodes.list();
    assert.ok(Array.isArray(version), 'GET answered by the second controller');
    assert.equal(client.activeController, `http://${live.address}`);

    const client2 = new StorhubClient({ controllers: [hang.address, live.address], timeoutMs: 1000 });
    try {
      const err = await client2.nodes.create(satelliteNode('cl-never-twice')).catch((e: unknown) => e);
      assert.ok(err instanceof ConnectionError);
      assert.equal(err.timeout, true);
      assert.equal(err.attempts.length, 1);
      const check = await live.api.call('GET', '/v1/nodes/cl-never-twice');
      assert.equal(check.status, 404, 'the POST was not repeated on the second controller');
      assert.ok(hang.hits.includes('POST /v1/nodes'));
    } finally {
      await client2.close();
    }
  } finally {
    await client.close();
    hang.server.closeAllConnections();
    await new Promise<void>((resolve) => hang.server.close(() => resolve()));
  }
});

test('properties round-trip through PUT and the controller POST', async () => {
  const client = new StorhubClient({ controllers: live.address });
  try {
    await client.nodes.create(satelliteNode('cl-props'));
    await client.nodes.modify('cl-props', { override_props: { 'Aux/rack': 'r1' } });
    assert.equal((await client.nodes.get('cl-props')).props?.['Aux/rack'], 'r1');
    await client.nodes.modify('cl-props', { delete_props: ['Aux/rack'] });
    assert.equal((await client.nodes.get('cl-props')).props?.['Aux/rack'], undefined);

    const set = await client.controller.setProperty('Aux/cl-test', 'v1');
    assert.equal(set.some((r) => rcIs(r, 'FAIL_INVLD_PROP')), false);
    assert.equal((await client.controller.properties())['Aux/cl-test'], 'v1');
    await client.controller.deleteProperty('Aux/cl-test');
    assert.equal((await client.controller.properties())['Aux/cl-test'], undefined);
    const v = await client.controller.version();
    assert.equal(v.rest_api_version, '1.28.0');
  } finally {
    await client.close();
  }
});

test('object families: pool, group, spawn, definitions, resources (contract shapes)', async () => {
  const client = new StorhubClient({ controllers: live.address });
  try {
    await client.nodes.create(satelliteNode('cl-n1'));
    const sp = await client.storagePools.create('cl-n1', {
      storage_pool_name: 'clpool', provider_kind: 'FILE_THIN', props: { 'StorDriver/StorPoolName': '/tmp/clpool' },
    });
    assert.equal(rcIs(sp[0], 'CREATED'), true);
    const pool = await client.storagePools.get('cl-n1', 'clpool');
    assert.equal(pool.provider_kind, 'FILE_THIN');
    const pools = await client.storagePools.list({ nodes: ['cl-n1'] });
    assert.deepEqual(pools.map((p) => p.storage_pool_name).sort(), ['DfltDisklessStorPool', 'clpool']);
    const diskless = pools.find((p) => p.provider_kind === 'DISKLESS');
    if (diskless?.free_capacity !== undefined) assert.equal(diskless.free_capacity, 9223372036854775807n);

    await client.resourceGroups.create({ name: 'cl-rg', select_filter: { place_count: 1, storage_pool_list: ['clpool'] } });
    assert.equal((await client.resourceGroups.get('cl-rg')).select_filter?.place_count, 1);
    await client.resourceGroups.createVolumeGroup('cl-rg');
    assert.deepEqual((await client.resourceGroups.listVolumeGroups('cl-rg')).map((v) => v.volume_number), [0]);

    await client.resourceGroups.spawn('cl-rg', { resource_definition_name: 'cl-res', volume_sizes: [10240], definitions_only: true });
    const rd = await client.resourceDefinitions.get('cl-res');
    assert.equal(rd.resource_group_name, 'cl-rg');
    const vds = await client.resourceDefinitions.listVolumeDefinitions('cl-res');
    assert.deepEqual(vds.map((v) => [v.volume_number, v.size_kib]), [[0, 10240]]);
    await client.resourceDefinitions.resizeVolumeDefinition('cl-res', 0, 20480);
    assert.equal((await client.resourceDefinitions.getVolumeDefinition('cl-res', 0)).size_kib, 20480);

    await client.resources.create('cl-res', [{ resource: { node_name: 'cl-n1', props: { StorPoolName: 'clpool' } } }]);
    const view = await client.resources.view({ resources: ['cl-res'] });
    assert.deepEqual(view.map((r) => r.node_name), ['cl-n1']);
    assert.equal((await client.resources.get('cl-res', 'cl-n1')).name, 'cl-res');

    const rsc404 = await client.resources.get('cl-res', 'cl-other').catch((e: unknown) => e);
    assert.ok(rsc404 instanceof ApiError && rsc404.isNotFound());
    await client.resources.delete('cl-res', 'cl-n1');
    await client.resourceDefinitions.delete('cl-res');
    const gone = await client.resourceDefinitions.get('cl-res').catch((e: unknown) => e);
    assert.ok(gone instanceof ApiError && gone.hasCode('FAIL_NOT_FOUND_RSC_DFN'));
  } finally {
    await client.close();
  }
});

test('key-value store: modify, get (one-element array unwrapped), delete', async () => {
  const client = new StorhubClient({ controllers: live.address });
  try {
    await client.keyValueStore.modify('cl-kv', { override_props: { a: '1', 'b/c': '2' } });
    const kv = await client.keyValueStore.get('cl-kv');
    assert.deepEqual(kv?.props, { a: '1', 'b/c': '2' });
    assert.ok((await client.keyValueStore.list()).some((s) => s.name === 'cl-kv'));
    await client.keyValueStore.delete('cl-kv');
    assert.equal((await client.keyValueStore.list()).some((s) => s.name === 'cl-kv'), false);
  } finally {
    await client.close();
  }
});
