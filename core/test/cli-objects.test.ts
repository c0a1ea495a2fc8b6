/** CLI verbs of the object families (in-process runCli against a listening API; see cli.test.ts for the bin). */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { parseJson } from '../src/model/json.js';
import { type LiveApi, cliAgainst, startApi, storhub } from './cli-helpers.js';

let live: LiveApi;
const { ctl, run, ok } = cliAgainst(() => live.address);

before(async () => {
  live = await startApi();
  await ok('node', 'create', 'n1', '127.0.0.1');
  await ok('node', 'create', 'n2', '127.0.0.1');
});
after(async () => {
  await live.close();
});

test('storage-pool create per kind sends provider_kind and StorDriver/StorPoolName; list, props, delete', async () => {
  const c = await ok('sp', 'c', 'filethin', 'n1', 'pool1', '/var/tmp/storhub-cli-pool1');
  assert.match(c.stdout, /SUCCESS/);
  const got = await live.api.call('GET', '/v1/nodes/n1/storage-pools/pool1');
  assert.equal(got.body.provider_kind, 'FILE_THIN');
  assert.equal(got.body.props['StorDriver/StorPoolName'], '/var/tmp/storhub-cli-pool1');
  await ok('storage-pool', 'create', 'lvm', 'n2', 'pool2', 'vg0');
  assert.equal((await live.api.call('GET', '/v1/nodes/n2/storage-pools/pool2')).body.provider_kind, 'LVM');
  await ok('sp', 'c', 'diskless', 'n2', 'dless');
  assert.equal((await live.api.call('GET', '/v1/nodes/n2/storage-pools/dless')).body.provider_kind, 'DISKLESS');

  const l = await ok('sp', 'l', '-n', 'n1');
  assert.match(l.stdout, /┊ StoragePool +┊ Node +┊ Driver +┊ PoolName +┊ FreeCapacity +┊ TotalCapacity +┊ CanSnapshots +┊ State +┊ SharedName +┊/);
  assert.match(l.stdout, /┊ pool1 +┊ n1 +┊ FILE_THIN +┊ \/var\/tmp\/storhub-cli-pool1 +┊/);
  assert.doesNotMatch(l.stdout, /pool2/);
  const m = await ok('-m', 'sp', 'l', '-s', 'pool2');
  assert.deepEqual((parseJson(m.stdout) as Array<{ storage_pool_name: string }>).map((p) => p.storage_pool_name), ['pool2']);

  await ok('sp', 'sp', 'n1', 'pool1', 'MaxOversubscriptionRatio', '3');
  const lp = await ok('sp', 'lp', 'n1', 'pool1');
  assert.match(lp.stdout, /┊ MaxOversubscriptionRatio +┊ 3 +┊/);

  await ok('sp', 'd', 'n2', 'pool2');
  assert.equal((await live.api.call('GET', '/v1/nodes/n2/storage-pools/pool2')).status, 404);
  const missing = await run('sp', 'lp', 'n2', 'pool2');
  assert.equal(missing.code, 3);
  const noDriver = await run('sp', 'c', 'lvm', 'n2', 'pool3');
  assert.equal(noDriver.code, 2, 'an lvm pool needs its volume group');
});

test('storage-pool-definition create, list, set-property, list-properties, delete', async () => {
  await ok('spd', 'c', 'spdx');
  assert.match((await ok('spd', 'l')).stdout, /┊ spdx +┊/);
  await ok('spd', 'sp', 'spdx', 'Aux/owner', 'me');
  assert.match((await ok('spd', 'lp', 'spdx')).stdout, /┊ Aux\/owner +┊ me +┊/);
  await ok('spd', 'd', 'spdx');
  assert.equal((await live.api.call('GET', '/v1/storage-pool-definitions/spdx')).status, 404);
});

test('resource-group create/modify/list with select filter, volume groups, spawn', async () => {
  await ok('rg', 'c', 'rg1', '--place-count', '1', '--storage-pool', 'pool1', '--layer-list', 'storage',
    '--replicas-on-different', 'site', '--description', 'for tests');
  const g = (await live.api.call('GET', '/v1/resource-groups/rg1')).body;
  assert.equal(g.select_filter.place_count, 1);
  assert.deepEqual(g.select_filter.storage_pool_list, ['pool1']);
  assert.deepEqual(g.select_filter.layer_stack, ['STORAGE']);
  assert.deepEqual(g.select_filter.replicas_on_different, ['Aux/site']);
  assert.equal(g.description, 'for tests');

  await ok('rg', 'm', 'rg1', '--place-count', '2');
  assert.equal((await live.api.call('GET', '/v1/resource-groups/rg1')).body.select_filter.place_count, 2);
  await ok('rg', 'm', 'rg1', '--place-count', '1');

  await ok('vg', 'c', 'rg1');
  await ok('vg', 'c', 'rg1', '--vlmnr', '3', '--gross');
  const vgl = await ok('vg', 'l', 'rg1');
  assert.match(vgl.stdout, /┊ 3 +┊ GROSS_SIZE +┊/);
  const rgl = await ok('rg', 'l', '-r', 'rg1');
  assert.match(rgl.stdout, /┊ rg1 +┊ PlaceCount: 1; StoragePool\(s\): pool1; LayerStack: STORAGE; ReplicasOnDifferent: Aux\/site +┊ 0,3 +┊ for tests +┊/);
  await ok('vg', 'sp', 'rg1', '3', 'Aux/x', 'y');
  assert.match((await ok('vg', 'lp', 'rg1', '3')).stdout, /┊ Aux\/x +┊ y +┊/);
  await ok('vg', 'd', 'rg1', '3');
  assert.equal((await live.api.call('GET', '/v1/resource-groups/rg1/volume-groups/3')).status, 404);
  assert.equal((await run('vg', 'sp', 'rg1', 'x', 'Aux/x', 'y')).code, 2);

  await ok('rg', 'sp', 'rg1', 'Aux/team', 'ops');
  assert.match((await ok('rg', 'lp', 'rg1')).stdout, /┊ Aux\/team +┊ ops +┊/);

  const spawn = await ok('rg', 'spawn', 'rg1', 'res1', '10M', '--definition-only');
  assert.match(spawn.stdout, /SUCCESS|INFO/);
  const vds = await live.api.call('GET', '/v1/resource-definitions/res1/volume-definitions');
  assert.deepEqual(vds.body.map((v: { size_kib: number }) => v.size_kib), [10240]);
  assert.equal((await live.api.call('GET', '/v1/resource-definitions/res1/resources')).body.length, 0, 'definition only');
});

test('resource-definition and volume-definition verbs', async () => {
  await ok('rd', 'c', 'res2', '--resource-group', 'rg1');
  assert.equal((await live.api.call('GET', '/v1/resource-definitions/res2')).body.resource_group_name, 'rg1');
  await ok('vd', 'c', 'res2', '20M');
  await ok('vd', 'c', 'res2', '1', '--vlmnr', '5');
  const vds = (await live.api.call('GET', '/v1/resource-definitions/res2/volume-definitions')).body;
  assert.deepEqual(vds.map((v: { volume_number: number; size_kib: number }) => [v.volume_number, v.size_kib]), [[0, 20480], [5, 1048576]]);

  await ok('vd', 'set-size', 'res2', '0', '30M');
  assert.equal((await live.api.call('GET', '/v1/resource-definitions/res2/volume-definitions/0')).body.size_kib, 30720);
  const vdl = await ok('vd', 'l', '-r', 'res2');
  assert.match(vdl.stdout, /┊ res2 +┊ 0 +┊ +┊ +30 MiB +┊ +┊ ok +┊/);
  assert.match(vdl.stdout, /┊ res2 +┊ 5 +┊ +┊ +1 GiB +┊/);
  await ok('vd', 'sp', 'res2', '0', 'Aux/v', '1');
  assert.match((await ok('vd', 'lp', 'res2', '0')).stdout, /┊ Aux\/v +┊ 1 +┊/);
  await ok('vd', 'd', 'res2', '5');
  assert.equal((await live.api.call('GET', '/v1/resource-definitions/res2/volume-definitions/5')).status, 404);

  const rdl = await ok('rd', 'l');
  assert.match(rdl.stdout, /┊ ResourceName +┊ ResourceGroup +┊ Layers +┊ State +┊/);
  assert.match(rdl.stdout, /┊ res2 +┊ rg1 +┊/);
  await ok('rd', 'sp', 'res2', 'Aux/pm/vmid', '100');
  assert.match((await ok('rd', 'lp', 'res2')).stdout, /┊ Aux\/pm\/vmid +┊ 100 +┊/);
  const m = await ok('-m', 'rd', 'l', '-r', 'res2');
  assert.equal((parseJson(m.stdout) as Array<{ props: Record<string, string> }>)[0].props['Aux/pm/vmid'], '100');

  const missing = await run('rd', 'lp', 'nothere');
  assert.equal(missing.code, 3);
  assert.equal((await run('rd', 'c')).code, 2, 'a name or --external-name is needed');
  assert.equal((await run('rd', 'c', 'res2')).code, 10, 'exists');
});

test('resource create / list / volume list / set-property / delete', async () => {
  await ok('rd', 'c', 'res3');
  await ok('vd', 'c', 'res3', '10M');
  const c = await ok('r', 'c', 'n1', 'res3', '--storage-pool', 'pool1');
  assert.match(c.stdout, /SUCCESS/);
  const rsc = await live.api.call('GET', '/v1/resource-definitions/res3/resources/n1');
  assert.equal(rsc.status, 200);
  assert.equal(rsc.body.props?.StorPoolName, 'pool1');

  const l = await ok('r', 'l', '-r', 'res3');
  assert.match(l.stdout, /┊ ResourceName +┊ Node +┊ Layers +┊ Usage +┊ Conns +┊ State +┊ CreatedOn +┊/);
  assert.match(l.stdout, /┊ res3 +┊ n1 +┊/);
  const vl = await ok('v', 'l', '-r', 'res3');
  assert.match(vl.stdout, /┊ res3 +┊ n1 +┊ pool1 +┊ 0 +┊/);
  const m = await ok('-m', 'r', 'l', '-n', 'n1', '-r', 'res3');
  assert.deepEqual((parseJson(m.stdout) as Array<{ node_name: string }>).map((r) => r.node_name), ['n1']);

  await ok('r', 'sp', 'n1', 'res3', 'Aux/r', 'x');
  assert.match((await ok('r', 'lp', 'n1', 'res3')).stdout, /┊ Aux\/r +┊ x +┊/);
  assert.equal((await run('r', 'lp', 'n2', 'res3')).code, 3);
  assert.equal((await run('r', 'c', 'res3')).code, 2, 'NODE... RESOURCE needs a node');
  assert.equal((await run('r', 'c', 'n2', 'res3', '--drbd-diskless', '--storage-pool', 'pool1')).code, 2);

  await ok('r', 'd', 'n1', 'res3');
  assert.equal((await live.api.call('GET', '/v1/resource-definitions/res3/resources/n1')).status, 404);
  const gone = await run('r', 'd', 'n1', 'res3');
  assert.equal(gone.code, 0);
  assert.match(gone.stdout, /WARNING/);
  await ok('rd', 'd', 'res3');
});

test('the bin itself: spawned rg list with -m prints the raw REST reply', async () => {
  const r = await storhub(['-m', 'rg', 'l', ...ctl()]);
  assert.equal(r.code, 0, r.stderr);
  const groups = parseJson(r.stdout) as Array<{ name: string }>;
  assert.ok(groups.some((g) => g.name === 'DfltRscGrp'));
});
