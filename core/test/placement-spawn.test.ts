/** Spawn places the new definition when the merged filter has a place_count: definitions and resources in one change. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { codes, makeApi, makeController, type TestApi } from './helpers.js';
import { addNode, ok } from './resource-fixtures.js';
import { FakeRuntime, GiB } from './placement-fixtures.js';

const spawnUrl = (rg: string) => `/v1/resource-groups/${rg}/spawn`;

async function cluster(): Promise<{ api: TestApi; rt: FakeRuntime }> {
  const rt = new FakeRuntime({ pool: { free_capacity: 20 * GiB, total_capacity: 20 * GiB } });
  const api = await makeApi(makeController(':memory:', rt));
  const sites = ['a', 'a', 'b', 'b', 'c'];
  for (let i = 1; i <= 5; i++) {
    await addNode(api, `n${i}`, [['thin', 'LVM_THIN'], ['thick', 'LVM']]);
    await ok(api, 'PUT', `/v1/nodes/n${i}`, { override_props: { 'Aux/site': sites[i - 1] } });
    rt.setPool(`n${i}`, 'thin', (10 - i) * GiB, 10 * GiB);
  }
  await ok(api, 'POST', '/v1/resource-groups', {
    name: 'vms', select_filter: { place_count: 2, storage_pool_list: ['thin'], replicas_on_different: ['Aux/site'] },
  });
  await ok(api, 'POST', '/v1/resource-groups/vms/volume-groups', {});
  return { api, rt };
}

const layout = (api: TestApi, rd: string) =>
  api.controller.graph.resourcesOf(rd).map((r) => `${r.node_name}:${r.flags.includes('DISKLESS') ? 'diskless' : r.volumes[0]?.storage_pool_name}`);

test('spawn from a group with place_count: definitions created and replicas placed by the group filter', async () => {
  const { api } = await cluster();
  const res = await api.call('POST', spawnUrl('vms'), {
    resource_definition_name: 'vm-100-disk-0', volume_sizes: ['1048576'], select_filter: {}, partial: false, definitions_only: false,
  });
  assert.equal(res.status, 201);
  // vd created, rd created, two resources registered, autoplaced; no INFO_NO_RSC_SPAWNED; then the
  // quorum tie-breaker (INFO_TIE_BREAKER_CREATED) and auto-quorum's two props (INFO_PROP_SET).
  assert.deepEqual(codes(res.body).map((c) => c.code), [1, 1, 1, 1, 1, 10003, 10002, 10002]);
  assert.equal(res.body.at(-4).message, "Resource 'vm-100-disk-0' successfully autoplaced on 2 nodes");
  // n1 has most free space (site a); the next best not in site a is n3 (site b); the tie-breaker
  // goes to the site left (c).
  assert.deepEqual(layout(api, 'vm-100-disk-0'), ['n1:thin', 'n3:thin', 'n5:diskless']);
  const rd = api.controller.graph.resourceDefinition('vm-100-disk-0')!;
  assert.equal(rd.volume_definitions[0].size_kib, GiB);
  await api.close();
});

test('the spawn request filter wins over the group, field by field', async () => {
  const { api } = await cluster();
  await ok(api, 'POST', spawnUrl('vms'), {
    resource_definition_name: 'r1', volume_sizes: [1024], select_filter: { place_count: 3, storage_pool_list: ['thick'] },
  });
  // thick pools all have the default 20 GiB: ties by name, one per site.
  assert.deepEqual(layout(api, 'r1'), ['n1:thick', 'n3:thick', 'n5:thick']);
  await ok(api, 'POST', spawnUrl('vms'), {
    resource_definition_name: 'r2', volume_sizes: [1024], select_filter: { place_count: 1, diskless_on_remaining: true },
  });
  assert.deepEqual(layout(api, 'r2'), ['n1:thin', 'n2:diskless', 'n3:diskless', 'n4:diskless', 'n5:diskless']);
  await api.close();
});

test('an impossible placement fails the whole spawn: no definition is left behind', async () => {
  const { api } = await cluster();
  const res = await api.call('POST', spawnUrl('vms'), { resource_definition_name: 'r1', volume_sizes: [1024], select_filter: { place_count: 4 } });
  assert.equal(res.status, 500);
  assert.deepEqual(codes(res.body), [{ severity: 'error', code: 996 }]);
  assert.match(res.body[0].message, /needs 4 more diskful replica\(s\), and 5 node\(s\) qualify \(n1, n2, n3, n4, n5\), but replicas_on_different Aux\/site allows 1 replica\(s\) per value, which leaves room for 3\./);
  assert.equal((await api.call('GET', '/v1/resource-definitions/r1')).status, 404);
  assert.equal(api.controller.graph.resourcesOf('r1').length, 0);
  // The same name is free for the next attempt.
  await ok(api, 'POST', spawnUrl('vms'), { resource_definition_name: 'r1', volume_sizes: [1024] });
  assert.equal(api.controller.graph.resourcesOf('r1').length, 3, 'two replicas and the quorum tie-breaker');
  await api.close();
});

test('definitions_only and groups without place_count still answer INFO_NO_RSC_SPAWNED', async () => {
  const { api } = await cluster();
  const defOnly = await api.call('POST', spawnUrl('vms'), { resource_definition_name: 'r1', volume_sizes: [1024], definitions_only: true });
  assert.equal(defOnly.status, 201);
  assert.deepEqual(codes(defOnly.body).at(-1), { severity: 'info', code: 10000 });
  assert.equal(api.controller.graph.resourcesOf('r1').length, 0);
  await ok(api, 'POST', '/v1/resource-groups', { name: 'bare' });
  const bare = await api.call('POST', spawnUrl('bare'), { resource_definition_name: 'r2', volume_sizes: [1024] });
  assert.match(bare.body.at(-1).details, /no place count/);
  assert.match(bare.body.at(-1).correction, /--auto-place/);
  await api.close();
});

test('twenty spawns from one group spread over the cluster by free space', async () => {
  const { api, rt } = await cluster();
  // Equal pools: with MaxFreeSpace alone the records placed so far reduce what is left (thin pools
  // subtract placed sizes from total * ratio), so replicas spread instead of piling on one node.
  for (let i = 1; i <= 5; i++) rt.setPool(`n${i}`, 'thin', 10 * GiB, 10 * GiB);
  await ok(api, 'POST', '/v1/controller/properties', { override_props: { MaxOversubscriptionRatio: '1' } });
  for (let i = 0; i < 20; i++) {
    await ok(api, 'POST', spawnUrl('vms'), { resource_definition_name: `vm-${i}`, volume_sizes: [GiB] });
  }
  const perNode = new Map<string, number>();
  for (const r of api.controller.graph.resources.values()) {
    if (!r.flags.includes('TIE_BREAKER')) perNode.set(r.node_name, (perNode.get(r.node_name) ?? 0) + 1);
  }
  assert.equal([...perNode.values()].reduce((a, b) => a + b, 0), 40);
  assert.ok(Math.max(...perNode.values()) - Math.min(...perNode.values()) <= 4, JSON.stringify([...perNode]));
  await api.close();
});
