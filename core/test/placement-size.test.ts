/** query-size-info, query-all-size-info and query-max-volume-size: dry runs of the autoplacer. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { codes, makeApi, makeController, type TestApi } from './helpers.js';
import { addNode, ok } from './resource-fixtures.js';
import { FakeRuntime, GiB } from './placement-fixtures.js';
import { simulateFill } from '../src/controller/services/placement-queries.js';

async function cluster(): Promise<{ api: TestApi; rt: FakeRuntime }> {
  const rt = new FakeRuntime();
  const api = await makeApi(makeController(':memory:', rt));
  await addNode(api, 'alpha', [['thin', 'LVM_THIN'], ['thick', 'LVM']]);
  await addNode(api, 'bravo', [['thin', 'LVM_THIN'], ['thick', 'LVM']]);
  await addNode(api, 'charlie', [['thick', 'LVM']]);
  rt.setPool('alpha', 'thin', 10 * GiB, 40 * GiB).setPool('bravo', 'thin', 30 * GiB, 40 * GiB);
  rt.setPool('alpha', 'thick', 5 * GiB, 8 * GiB).setPool('bravo', 'thick', 6 * GiB, 8 * GiB).setPool('charlie', 'thick', 7 * GiB, 8 * GiB);
  await ok(api, 'POST', '/v1/resource-groups', { name: 'thinrg', select_filter: { place_count: 2, storage_pool_list: ['thin'] } });
  await ok(api, 'POST', '/v1/resource-groups', { name: 'thickrg', select_filter: { place_count: 2, storage_pool_list: ['thick'] } });
  await ok(api, 'POST', '/v1/controller/properties', { override_props: { MaxOversubscriptionRatio: '2' } });
  return { api, rt };
}

test('simulateFill: how much `count` replicas can hold over pools of given sizes', () => {
  assert.equal(simulateFill([10, 10], 2), 10);
  // LINSTOR's estimate: fill the two largest up to the smaller of them (6), then what is left (1).
  assert.equal(simulateFill([5, 6, 7], 2), 7);
  assert.equal(simulateFill([5, 6, 7], 3), 5);
  assert.equal(simulateFill([5], 2), 0);
  assert.equal(simulateFill([], 1), 0);
});

test('query-size-info: the largest volume of the next spawn and the pools it would use', async () => {
  const { api } = await cluster();
  const res = await api.call('POST', '/v1/resource-groups/thinrg/query-size-info', { ignore_cache_older_than_sec: -1 });
  assert.equal(res.status, 200);
  // Thin pools with ratio 2: a min(10*2, 40*2) = 20 GiB, b min(30*2, 80) = 60 GiB: the smaller limits the volume.
  assert.deepEqual(res.body, {
    space_info: {
      max_vlm_size_in_kib: 20 * GiB,
      available_size_in_kib: 10 * GiB,
      capacity_in_kib: 40 * GiB,
      default_max_oversubscription_ratio: 2,
      next_spawn_result: [
        { node_name: 'alpha', stor_pool_name: 'thin', stor_pool_oversubscription_ratio: 2, stor_pool_free_capacity_oversubscription_ratio: 2, stor_pool_total_capacity_oversubscription_ratio: 2 },
        { node_name: 'bravo', stor_pool_name: 'thin', stor_pool_oversubscription_ratio: 2, stor_pool_free_capacity_oversubscription_ratio: 2, stor_pool_total_capacity_oversubscription_ratio: 2 },
      ],
    },
    reports: [],
  });

  const thick = (await api.call('POST', '/v1/resource-groups/thickrg/query-size-info', {})).body.space_info;
  // Best two by free space: c (7) and b (6); available and capacity estimated over all three pools.
  assert.deepEqual([thick.max_vlm_size_in_kib, thick.available_size_in_kib, thick.capacity_in_kib], [6 * GiB, 7 * GiB, 8 * GiB]);
  assert.deepEqual(thick.next_spawn_result.map((r: any) => r.node_name), ['bravo', 'charlie']);

  // The request's filter narrows the group's.
  const one = (await api.call('POST', '/v1/resource-groups/thickrg/query-size-info', { select_filter: { place_count: 3 } })).body.space_info;
  assert.equal(one.max_vlm_size_in_kib, 5 * GiB);
  await api.close();
});

test('nothing fits: zero sizes and a report saying why', async () => {
  const { api, rt } = await cluster();
  rt.setNode('alpha', { connection_status: 'OFFLINE' });
  const res = await api.call('POST', '/v1/resource-groups/thinrg/query-size-info', {});
  assert.equal(res.status, 200);
  assert.equal(res.body.space_info.max_vlm_size_in_kib, 0);
  assert.equal(res.body.space_info.available_size_in_kib, 0);
  assert.equal(res.body.space_info.next_spawn_result, undefined);
  assert.deepEqual(codes(res.body.reports), [{ severity: 'warn', code: 996 }]);
  assert.match(res.body.reports[0].message, /next spawn from resource group 'thinrg' needs 2 more diskful replica\(s\), but only 1 node\(s\) qualify \(bravo\)\. Excluded: offline: alpha; no pool of storage_pool_list: charlie\./);
  assert.equal((await api.call('POST', '/v1/resource-groups/nope/query-size-info', {})).status, 404);
  await api.close();
});

test('query-all-size-info: one entry per group, keyed by name', async () => {
  const { api } = await cluster();
  const res = await api.call('POST', '/v1/queries/resource-groups/query-all-size-info', {});
  assert.equal(res.status, 200);
  assert.deepEqual(Object.keys(res.body.result), ['DfltRscGrp', 'thickrg', 'thinrg']);
  assert.deepEqual(res.body.reports, []);
  const single = (await api.call('POST', '/v1/resource-groups/thinrg/query-size-info', {})).body;
  assert.deepEqual(res.body.result.thinrg, single);
  // DfltRscGrp (place_count 2, any pool): the two best pools on different nodes, one provider kind.
  assert.deepEqual(res.body.result.DfltRscGrp.space_info.next_spawn_result.map((r: any) => `${r.node_name}/${r.stor_pool_name}`), ['alpha/thin', 'bravo/thin']);
  await api.close();
});

test('query-max-volume-size: per pool name, the nodes and the largest volume (group GET and filter OPTIONS)', async () => {
  const { api } = await cluster();
  const res = await api.call('GET', '/v1/resource-groups/DfltRscGrp/query-max-volume-size');
  assert.equal(res.status, 200);
  assert.deepEqual(res.body, {
    candidates: [
      { storage_pool: 'thick', max_volume_size_kib: 6 * GiB, node_names: ['bravo', 'charlie'], all_thin: false },
      { storage_pool: 'thin', max_volume_size_kib: 20 * GiB, node_names: ['alpha', 'bravo'], all_thin: true },
    ],
    default_max_oversubscription_ratio: 2,
  });
  const opt = await api.call('OPTIONS', '/v1/query-max-volume-size', { place_count: 3 });
  assert.equal(opt.status, 200);
  assert.deepEqual(opt.body.candidates, [{ storage_pool: 'thick', max_volume_size_kib: 5 * GiB, node_names: ['alpha', 'bravo', 'charlie'], all_thin: false }]);
  assert.equal((await api.call('GET', '/v1/resource-groups/nope/query-max-volume-size')).status, 404);
  await api.close();
});
