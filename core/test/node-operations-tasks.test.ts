/**
 * The controller tasks with an injected clock: auto-evict (time, AllowEviction, the max-disconnected
 * percentage, DRBD peers that still see the node, retries) and BalanceResources (adds the missing
 * replicas up to the group's place_count, never removes, grace period, switch).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AutoEvictTask } from '../src/controller/tasks/auto-evict.js';
import { BalanceTask } from '../src/controller/tasks/balance.js';
import { Change } from '../src/controller/change.js';
import { key } from '../src/controller/graph.js';
import { addNode, addRd, ok } from './resource-fixtures.js';
import { cluster, codeList, layout, nodeFlags, TB } from './node-operations-fixtures.js';

const R = '/v1/resource-definitions';
const MIN = 60_000;

function clock(start = Date.now()) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

async function threeReplicas(nodes: number) {
  const c = await cluster(nodes);
  await addRd(c.api, 'r1');
  await ok(c.api, 'POST', `${R}/r1/resources`, ['n1', 'n2', 'n3'].map((node_name) => ({ resource: { node_name } })));
  return c;
}

test('auto-evict: offline longer than AutoEvictAfterTime -> EVICTED, replicas replaced up to AutoEvictMinReplicaCount', async () => {
  const { api, rt } = await threeReplicas(5);
  await ok(api, 'POST', '/v1/controller/properties', { override_props: { 'DrbdOptions/AutoEvictMinReplicaCount': '3' } });
  const t = clock();
  const task = new AutoEvictTask(api.controller, { now: t.now });
  rt.setNode('n3', { connection_status: 'OFFLINE' });
  assert.deepEqual(task.tick(), [], 'the timer starts');
  t.advance(59 * MIN);
  assert.deepEqual(task.tick(), []);
  assert.deepEqual(nodeFlags(api, 'n3'), []);
  t.advance(2 * MIN);
  const done = task.tick();
  // WARN_NODE_EVICTED, the replacement (registered + autoplaced), n3's record removed (its node is offline).
  assert.deepEqual(codeList(done), ['warn:1017', 'success:1', 'success:1', 'success:2', 'warn:1002']);
  assert.deepEqual(nodeFlags(api, 'n3'), ['EVICTED']);
  assert.deepEqual(Object.keys(layout(api, 'r1')), ['n1', 'n2', 'n4']);

  // The default minimum is the group's place_count (2): the next eviction needs no replacement.
  await ok(api, 'POST', '/v1/controller/properties', { delete_props: ['DrbdOptions/AutoEvictMinReplicaCount'] });
  rt.setNode('n4', { connection_status: 'OFFLINE' });
  task.tick();
  t.advance(61 * MIN);
  // n4's replica goes without replacement; two diskful are left, so the tie-breaker comes to n5 (INFO 10003).
  assert.deepEqual(codeList(task.tick()), ['warn:1017', 'success:2', 'warn:1002', 'info:10003']);
  assert.deepEqual(layout(api, 'r1'), { n1: [], n2: [], n5: TB });
  assert.deepEqual(nodeFlags(api, 'n4'), ['EVICTED']);
  await api.close();
});

test('auto-evict respects AutoEvictAllowEviction, the node AfterTime, and DRBD peers that still reach the node', async () => {
  const { api, rt } = await threeReplicas(4);
  const t = clock();
  const task = new AutoEvictTask(api.controller, { now: t.now });
  await ok(api, 'PUT', '/v1/nodes/n3', { override_props: { 'DrbdOptions/AutoEvictAllowEviction': 'false' } });
  rt.setNode('n3', { connection_status: 'OFFLINE' });
  task.tick();
  t.advance(24 * 60 * MIN);
  assert.deepEqual(task.tick(), []);
  assert.deepEqual(nodeFlags(api, 'n3'), []);

  await ok(api, 'PUT', '/v1/nodes/n3', { delete_props: ['DrbdOptions/AutoEvictAllowEviction'], override_props: { 'DrbdOptions/AutoEvictAfterTime': '600' } });
  rt.setResource('r1', 'n1', { connections: { n3: { connected: true } } });
  t.advance(601 * MIN);
  assert.deepEqual(task.tick(), [], 'DRBD on n1 still reaches n3');
  rt.setResource('r1', 'n1', { connections: { n3: { connected: false } } });
  assert.deepEqual(codeList(task.tick()).slice(0, 1), ['warn:1017']);
  await api.close();
});

test('auto-evict: more than AutoEvictMaxDisconnectedNodes percent unreachable -> nobody is evicted', async () => {
  const { api, rt } = await threeReplicas(4);
  const t = clock();
  const task = new AutoEvictTask(api.controller, { now: t.now });
  rt.setNode('n3', { connection_status: 'OFFLINE' }).setNode('n4', { connection_status: 'OFFLINE' });
  task.tick();
  t.advance(120 * MIN);
  // 2 of 4 = 50% > 34% (default).
  assert.deepEqual(task.tick(), []);
  assert.deepEqual([nodeFlags(api, 'n3'), nodeFlags(api, 'n4')], [[], []]);
  await ok(api, 'POST', '/v1/controller/properties', { override_props: { 'DrbdOptions/AutoEvictMaxDisconnectedNodes': '50' } });
  task.tick();
  assert.deepEqual([nodeFlags(api, 'n3'), nodeFlags(api, 'n4')], [['EVICTED'], ['EVICTED']]);
  // 0 turns the feature off.
  await ok(api, 'POST', '/v1/controller/properties', { override_props: { 'DrbdOptions/AutoEvictMaxDisconnectedNodes': '0' } });
  rt.setNode('n2', { connection_status: 'OFFLINE' });
  task.tick();
  t.advance(120 * MIN);
  task.tick();
  assert.deepEqual(nodeFlags(api, 'n2'), []);
  await api.close();
});

test('auto-evict retries: a replica without a replacement stays until a node is added; restore clears EVICTED', async () => {
  const { api, rt } = await threeReplicas(3);
  await ok(api, 'POST', '/v1/controller/properties', { override_props: { 'DrbdOptions/AutoEvictMinReplicaCount': '3' } });
  const t = clock();
  const task = new AutoEvictTask(api.controller, { now: t.now });
  rt.setNode('n3', { connection_status: 'OFFLINE' });
  task.tick();
  t.advance(61 * MIN);
  assert.deepEqual(codeList(task.tick()), ['warn:1017', 'warn:996']);
  assert.deepEqual(Object.keys(layout(api, 'r1')), ['n1', 'n2', 'n3']);
  await addNode(api, 'n4');
  assert.deepEqual(codeList(task.tick()), ['success:1', 'success:1', 'success:2', 'warn:1002']);
  assert.deepEqual(Object.keys(layout(api, 'r1')), ['n1', 'n2', 'n4']);

  const restored = await api.call('PUT', '/v1/nodes/n3/restore', {});
  assert.deepEqual(codeList(restored.body), ['success:3']);
  assert.deepEqual(nodeFlags(api, 'n3'), []);
  // Still offline: its timer starts over.
  assert.deepEqual(task.tick(), []);
  assert.deepEqual(nodeFlags(api, 'n3'), []);
  await api.close();
});

test('BalanceResources: adds the replicas a definition lacks for its group place_count, never removes', async () => {
  const { api } = await cluster(4);
  const t = clock();
  await ok(api, 'POST', '/v1/resource-groups', { name: 'rg3', select_filter: { place_count: 3 } });
  for (const name of ['r1', 'big', 'fresh']) {
    await ok(api, 'POST', R, { resource_definition: { name, resource_group_name: 'rg3' } });
    await ok(api, 'POST', `${R}/${name}/volume-definitions`, { volume_definition: { size_kib: 1024 } });
  }
  await ok(api, 'POST', `${R}/r1/resources`, [{ resource: { node_name: 'n1' } }, { resource: { node_name: 'n2' } }]);
  await ok(api, 'POST', `${R}/big/resources`, ['n1', 'n2', 'n3', 'n4'].map((node_name) => ({ resource: { node_name } })));
  const task = new BalanceTask(api.controller, { now: t.now });
  // Within the grace period (default 3600 s) nothing is touched.
  assert.deepEqual(task.tick(), []);
  t.advance(2 * 3600_000);
  await ok(api, 'POST', `${R}/fresh/resources`, [{ resource: { node_name: 'n3' } }]);
  // Created "now" on the task's clock (records carry the wall clock).
  const fresh = api.controller.graph.resource('fresh', 'n3')!;
  api.controller.commit(new Change().put('rsc', key.rsc('fresh', 'n3'), { ...fresh, create_timestamp: t.now() }));
  const done = task.tick();
  // r1 gets its third replica on n4 (n3 holds more now: 'fresh'); with three diskful the tie-breaker
  // on n3 goes (INFO 10004); quorum was set already.
  assert.deepEqual(codeList(done), ['success:1', 'success:1', 'info:10004']);
  assert.deepEqual(layout(api, 'r1'), { n1: [], n2: [], n3: ['DELETE', ...TB], n4: [] });
  assert.equal(Object.keys(layout(api, 'big')).length, 4, 'never removes');
  assert.equal(Object.keys(layout(api, 'fresh')).length, 1, 'a fresh replica is in its grace period');

  await ok(api, 'POST', '/v1/controller/properties', { override_props: { BalanceResourcesEnabled: 'false' } });
  t.advance(2 * 3600_000);
  assert.deepEqual(task.tick(), []);
  assert.equal(Object.keys(layout(api, 'fresh')).length, 1);
  await ok(api, 'POST', '/v1/controller/properties', { delete_props: ['BalanceResourcesEnabled'] });
  t.advance(2 * 3600_000);
  task.tick();
  assert.deepEqual(Object.values(layout(api, 'fresh')).filter((f) => !f.includes('TIE_BREAKER')).length, 3);
  assert.ok(!Object.values(layout(api, 'fresh')).some((f) => f.join() === TB.join()));
  await api.close();
});
