/** resource-group adjust / adjustall: existing definitions catch up with a changed group filter. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { codes, makeApi, makeController, type TestApi } from './helpers.js';
import { addNode, ok } from './resource-fixtures.js';
import { FakeRuntime, GiB } from './placement-fixtures.js';

async function cluster(): Promise<TestApi> {
  const rt = new FakeRuntime({ pool: { free_capacity: 20 * GiB, total_capacity: 20 * GiB } });
  const api = await makeApi(makeController(':memory:', rt));
  for (let i = 1; i <= 4; i++) {
    await addNode(api, `n${i}`, [['fast', 'FILE_THIN']]);
    rt.setPool(`n${i}`, 'fast', (10 - i) * GiB, 10 * GiB);
  }
  await ok(api, 'POST', '/v1/resource-groups', { name: 'web', select_filter: { place_count: 1, storage_pool: 'fast', layer_stack: ['STORAGE'] } });
  await ok(api, 'POST', '/v1/resource-groups/web/volume-groups', {});
  for (const rd of ['site1', 'site2']) {
    await ok(api, 'POST', '/v1/resource-groups/web/spawn', { resource_definition_name: rd, volume_sizes: [1024] });
  }
  return api;
}

const diskful = (api: TestApi, rd: string) =>
  api.controller.graph.resourcesOf(rd).filter((r) => !r.flags.includes('DISKLESS')).map((r) => r.node_name);

test('adjust places the replicas a raised place_count asks for, on every definition of the group', async () => {
  const api = await cluster();
  assert.deepEqual(diskful(api, 'site1'), ['n1']);
  await ok(api, 'PUT', '/v1/resource-groups/web', { select_filter: { place_count: 3 } });
  assert.deepEqual(diskful(api, 'site1'), ['n1'], 'a group change alone places nothing');
  const res = await api.call('POST', '/v1/resource-groups/web/adjust', {});
  assert.equal(res.status, 200);
  assert.ok(codes(res.body).every((c) => c.severity !== 'error'), JSON.stringify(res.body));
  assert.deepEqual(diskful(api, 'site1'), ['n1', 'n2', 'n3']);
  assert.deepEqual(diskful(api, 'site2'), ['n1', 'n2', 'n3']);
  // Nothing more to do: a second adjust changes nothing.
  await ok(api, 'POST', '/v1/resource-groups/web/adjust', {});
  assert.deepEqual(diskful(api, 'site1'), ['n1', 'n2', 'n3']);
  await api.close();
});

test('adjust: a definition that cannot be placed answers its error, the others are still adjusted', async () => {
  const api = await cluster();
  await ok(api, 'PUT', '/v1/resource-groups/web', { select_filter: { place_count: 2 } });
  // Five replicas cannot fit on four nodes: each definition answers its own error entry.
  const res = await api.call('POST', '/v1/resource-groups/web/adjust', { select_filter: { place_count: 5 } });
  assert.equal(res.status, 200);
  assert.deepEqual(codes(res.body).filter((c) => c.severity === 'error').map((c) => c.code), [996, 996], 'one FAIL_NOT_ENOUGH_NODES per definition');
  const ok2 = await api.call('POST', '/v1/resource-groups/adjustall', {});
  assert.equal(ok2.status, 200);
  assert.deepEqual(diskful(api, 'site2'), ['n1', 'n2']);
  await api.close();
});

test('adjust of an unknown group is a 404', async () => {
  const api = await cluster();
  const res = await api.call('POST', '/v1/resource-groups/nope/adjust', {});
  assert.equal(res.status, 404);
  assert.deepEqual(codes(res.body), [{ severity: 'error', code: 317 }]);
  await api.close();
});
