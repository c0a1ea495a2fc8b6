/** POST .../resources/{node}/make-available: diskless where a diskful peer exists, diskful otherwise, idempotent. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { codes, makeApi, makeController, type TestApi } from './helpers.js';
import { addNode, addRd, ok } from './resource-fixtures.js';
import { FakeRuntime, GiB } from './placement-fixtures.js';

const available = (api: TestApi, rd: string, node: string, body: unknown = {}) =>
  api.call('POST', `/v1/resource-definitions/${rd}/resources/${node}/make-available`, body);

async function threeNodes(): Promise<{ api: TestApi; rt: FakeRuntime }> {
  const rt = new FakeRuntime({ pool: { free_capacity: 10 * GiB, total_capacity: 10 * GiB } });
  const api = await makeApi(makeController(':memory:', rt));
  for (const n of ['alpha', 'bravo', 'charlie']) await addNode(api, n, [['pool1', 'FILE_THIN']]);
  return { api, rt };
}

const rsc = (api: TestApi, rd: string, node: string) => {
  const r = api.controller.graph.resource(rd, node);
  return r && { flags: r.flags, pool: r.volumes[0]?.storage_pool_name, layers: r.layer_stack };
};

test('next to a diskful replica: a DRBD client in the diskless pool (200); again: nothing to do', async () => {
  const { api } = await threeNodes();
  await addRd(api, 'r1');
  await ok(api, 'POST', '/v1/resource-definitions/r1/autoplace', { select_filter: { place_count: 2 } });
  const res = await available(api, 'r1', 'charlie');
  assert.equal(res.status, 200);
  // Two diskful replicas put the quorum tie-breaker on charlie: it becomes the regular client (MODIFIED).
  assert.deepEqual(codes(res.body), [{ severity: 'success', code: 3 }]);
  assert.deepEqual(rsc(api, 'r1', 'charlie'), { flags: ['DISKLESS', 'DRBD_DISKLESS'], pool: 'DfltDisklessStorPool', layers: ['DRBD', 'STORAGE'] });
  assert.equal(api.controller.graph.resource('r1', 'charlie')?.drbd?.node_id, 2);

  const again = await available(api, 'r1', 'CHARLIE', {});
  assert.equal(again.status, 200);
  assert.deepEqual(codes(again.body), [{ severity: 'success', code: 0 }]);
  assert.equal(again.body[0].message, 'Resource already deployed as requested');
  const onDiskful = await available(api, 'r1', 'alpha', { diskful: true });
  assert.equal(onDiskful.body[0].message, 'Resource already deployed as requested');
  await api.close();
});

test('diskful: true on a DRBD client gives it a disk in a pool the autoplacer picks', async () => {
  const { api } = await threeNodes();
  await addRd(api, 'r1');
  await ok(api, 'POST', '/v1/resource-definitions/r1/autoplace', { select_filter: { place_count: 1 } });
  await ok(api, 'POST', '/v1/resource-definitions/r1/resources/bravo/make-available', {});
  assert.ok(rsc(api, 'r1', 'bravo')?.flags.includes('DRBD_DISKLESS'));
  const res = await available(api, 'r1', 'bravo', { diskful: true });
  assert.equal(res.status, 200);
  assert.deepEqual(rsc(api, 'r1', 'bravo'), { flags: [], pool: 'pool1', layers: ['DRBD', 'STORAGE'] });
  await api.close();
});

test('without a diskful peer, or with diskful: true, the new replica is diskful', async () => {
  const { api } = await threeNodes();
  await addRd(api, 'r1');
  const first = await available(api, 'r1', 'bravo');
  assert.equal(first.status, 200);
  assert.deepEqual(rsc(api, 'r1', 'bravo'), { flags: [], pool: 'pool1', layers: ['DRBD', 'STORAGE'] });
  assert.equal(api.controller.graph.resource('r1', 'bravo')?.props.StorPoolName, 'pool1');
  await ok(api, 'POST', '/v1/resource-definitions/r1/resources/charlie/make-available', { diskful: true });
  assert.deepEqual(rsc(api, 'r1', 'charlie')?.flags, []);
  await api.close();
});

test('a STORAGE-only definition cannot be diskless: make-available creates a diskful replica', async () => {
  const { api } = await threeNodes();
  await addRd(api, 's1', { layers: ['STORAGE'] });
  await ok(api, 'POST', '/v1/resource-definitions/s1/resources', [{ resource: { node_name: 'alpha', props: { StorPoolName: 'pool1' } } }]);
  await ok(api, 'POST', '/v1/resource-definitions/s1/resources/bravo/make-available', {});
  assert.deepEqual(rsc(api, 's1', 'bravo'), { flags: [], pool: 'pool1', layers: ['STORAGE'] });
  await api.close();
});

test('a tie-breaker becomes a regular diskless replica', async () => {
  const { api } = await threeNodes();
  await addRd(api, 'r1');
  await ok(api, 'POST', '/v1/resource-definitions/r1/autoplace', { select_filter: { place_count: 2 } });
  await ok(api, 'POST', '/v1/resource-definitions/r1/resources/charlie', { resource: { flags: ['DRBD_DISKLESS'] } });
  await ok(api, 'PUT', '/v1/resource-definitions/r1/resources/charlie', { drbd_tiebreaker: true });
  assert.ok(rsc(api, 'r1', 'charlie')?.flags.includes('TIE_BREAKER'));
  const res = await available(api, 'r1', 'charlie');
  assert.equal(res.status, 200);
  assert.deepEqual(codes(res.body), [{ severity: 'success', code: 3 }]);
  assert.deepEqual(rsc(api, 'r1', 'charlie')?.flags, ['DISKLESS', 'DRBD_DISKLESS']);
  await api.close();
});

test('refusals: layer list mismatch, no pool that fits, missing objects', async () => {
  const { api, rt } = await threeNodes();
  await addRd(api, 'r1', { sizes: [20 * GiB] });
  await ok(api, 'POST', '/v1/resource-definitions/r1/resources', [{ resource: { node_name: 'alpha', props: { StorPoolName: 'pool1' } } }]);
  const layers = await available(api, 'r1', 'alpha', { layer_list: ['storage'] });
  assert.equal(layers.status, 500);
  assert.deepEqual(codes(layers.body), [{ severity: 'error', code: 225 }]);

  rt.setPool('bravo', 'pool1', GiB / 2, GiB / 2);
  const full = await available(api, 'r1', 'bravo', { diskful: true });
  assert.equal(full.status, 404);
  assert.deepEqual(codes(full.body), [{ severity: 'error', code: 310 }]);
  assert.equal(full.body[0].message, "No storage pool on node 'bravo' can take a diskful replica of 'r1'.");
  assert.equal(full.body[0].cause, "Node 'bravo': pool 'pool1': 10 GiB free (with oversubscription), 20 GiB needed.");
  assert.equal(api.controller.graph.resource('r1', 'bravo'), undefined);

  assert.equal((await available(api, 'nope', 'alpha')).status, 404);
  assert.deepEqual(codes((await available(api, 'r1', 'zz')).body), [{ severity: 'error', code: 300 }]);
  await api.close();
});
