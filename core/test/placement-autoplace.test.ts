/** POST /v1/resource-definitions/{rd}/autoplace against a controller whose satellite capacities the test sets. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { codes, makeApi, makeController, type TestApi } from './helpers.js';
import { addNode, addRd, ok } from './resource-fixtures.js';
import { FakeRuntime, GiB } from './placement-fixtures.js';

const place = (api: TestApi, rd: string, body: unknown) => api.call('POST', `/v1/resource-definitions/${rd}/autoplace`, body);

/** Five nodes with one FILE_THIN pool each; free space falls from n1 to n5. */
async function fiveNodes(): Promise<{ api: TestApi; rt: FakeRuntime }> {
  const rt = new FakeRuntime();
  const api = await makeApi(makeController(':memory:', rt));
  for (let i = 1; i <= 5; i++) {
    await addNode(api, `n${i}`, [['pool1', 'FILE_THIN']]);
    rt.setPool(`n${i}`, 'pool1', (60 - i * 10) * GiB, 100 * GiB);
  }
  return { api, rt };
}

/** The replicas the autoplacer placed (the quorum tie-breaker it adds beside two of them is not one). */
function placed(api: TestApi, rd: string) {
  return api.controller.graph.resourcesOf(rd).filter((r) => !r.flags.includes('TIE_BREAKER')).map((r) => ({
    node: r.node_name, flags: r.flags, pool: r.volumes[0]?.storage_pool_name, prop: r.props.StorPoolName, id: r.drbd?.node_id,
  }));
}

test('place_count 3: the three pools with most free space, records built like a manual create', async () => {
  const { api } = await fiveNodes();
  await addRd(api, 'r1', { sizes: [GiB] });
  const res = await place(api, 'r1', { select_filter: { place_count: 3 } });
  assert.equal(res.status, 201);
  assert.deepEqual(codes(res.body), [
    { severity: 'success', code: 1 }, { severity: 'success', code: 1 }, { severity: 'success', code: 1 }, { severity: 'success', code: 1 },
    // Three diskful DRBD replicas: auto-quorum sets quorum and on-no-quorum (INFO_PROP_SET).
    { severity: 'info', code: 10002 }, { severity: 'info', code: 10002 },
  ]);
  assert.equal(res.body[0].message, "New resource 'r1' on node 'n1' registered.");
  assert.equal(res.body[3].message, "Resource 'r1' successfully autoplaced on 3 nodes");
  assert.equal(res.body[3].details, "Used nodes (storage pool name): 'n1 (pool1)', 'n2 (pool1)', 'n3 (pool1)'");
  assert.deepEqual(placed(api, 'r1'), [
    { node: 'n1', flags: [], pool: 'pool1', prop: 'pool1', id: 0 },
    { node: 'n2', flags: [], pool: 'pool1', prop: 'pool1', id: 1 },
    { node: 'n3', flags: [], pool: 'pool1', prop: 'pool1', id: 2 },
  ]);
  const ports = api.controller.graph.resourcesOf('r1').map((r) => r.drbd?.tcp_ports);
  assert.deepEqual(ports, [[7000], [7000], [7000]], 'ports are per node');
  await api.close();
});

test('place_count is the total: the same request again is a warning, +1 adds one, a lower count changes nothing', async () => {
  const { api } = await fiveNodes();
  await addRd(api, 'r1');
  await ok(api, 'POST', '/v1/resource-definitions/r1/autoplace', { select_filter: { place_count: 2 } });
  const again = await place(api, 'r1', { select_filter: { place_count: 2 } });
  assert.equal(again.status, 201);
  assert.deepEqual(codes(again.body), [{ severity: 'warn', code: 1006 }]);
  assert.equal(again.body[0].message, "Resource 'r1' was already deployed on 2 nodes. Skipping.");
  assert.equal(again.body[0].details, "Used nodes: 'n1', 'n2'");

  // The CLI's `--auto-place +1`: additional_place_count on top of the group's place_count.
  const plus = await place(api, 'r1', { diskless_on_remaining: null, select_filter: { additional_place_count: '1' } });
  assert.equal(plus.status, 201);
  assert.deepEqual(placed(api, 'r1').map((p) => p.node), ['n1', 'n2', 'n3']);
  // Three exist; asking for 3 in total now is done, 4 adds one.
  await ok(api, 'POST', '/v1/resource-definitions/r1/autoplace', { select_filter: { place_count: 4 } });
  assert.equal(placed(api, 'r1').length, 4);

  const lower = await place(api, 'r1', { select_filter: { place_count: 1 } });
  assert.deepEqual(codes(lower.body), [{ severity: 'warn', code: 1006 }]);
  assert.match(lower.body[0].message, /already deployed on 4 nodes: 'n1', 'n2', 'n3', 'n4'\. The resource would have to be deleted/);
  assert.equal(placed(api, 'r1').length, 4);
  await api.close();
});

test('the group filter applies, the request wins field by field; {} (Proxmox) uses the group alone', async () => {
  const { api } = await fiveNodes();
  await ok(api, 'POST', '/v1/nodes/n4/storage-pools', { storage_pool_name: 'fast', provider_kind: 'FILE_THIN', props: { 'StorDriver/StorPoolName': '/var/lib/storhub/fast' } });
  await ok(api, 'POST', '/v1/nodes/n5/storage-pools', { storage_pool_name: 'fast', provider_kind: 'FILE_THIN', props: { 'StorDriver/StorPoolName': '/var/lib/storhub/fast5' } });
  await ok(api, 'POST', '/v1/resource-groups', { name: 'rg1', select_filter: { place_count: 2, storage_pool_list: ['fast'] } });
  await ok(api, 'POST', '/v1/resource-definitions', { resource_definition: { name: 'r1', resource_group_name: 'rg1' } });
  await ok(api, 'POST', '/v1/resource-definitions/r1/volume-definitions', { volume_definition: { size_kib: 1024 } });
  // The new 'fast' pools have not reported their capacity (the FakeRuntime has none for them): with
  // no pool of known capacity left, they are used without a space check, and the answer says so.
  const res = await place(api, 'r1', {});
  assert.equal(res.status, 201);
  assert.deepEqual(codes(res.body), [
    { severity: 'success', code: 1 }, { severity: 'success', code: 1 }, { severity: 'success', code: 1 },
    { severity: 'warn', code: 0 }, { severity: 'warn', code: 0 },
    // Two diskful DRBD replicas: a tie-breaker (INFO_TIE_BREAKER_CREATED) and quorum (INFO_PROP_SET x2).
    { severity: 'info', code: 10003 }, { severity: 'info', code: 10002 }, { severity: 'info', code: 10002 },
  ]);
  assert.equal(res.body[3].message, "Storage pool 'fast' on node 'n4' has not reported its capacity yet; resource 'r1' was placed there without a space check.");
  assert.deepEqual(placed(api, 'r1').map((p) => `${p.node}/${p.pool}`), ['n4/fast', 'n5/fast']);

  await ok(api, 'POST', '/v1/resource-definitions', { resource_definition: { name: 'r2', resource_group_name: 'rg1' } });
  const override = await place(api, 'r2', { select_filter: { place_count: 1, storage_pool_list: ['pool1'] }, layer_list: ['storage'] });
  assert.equal(override.status, 201);
  const r2 = api.controller.graph.resourcesOf('r2');
  assert.deepEqual(r2.map((r) => [r.node_name, r.volumes.length, r.layer_stack]), [['n1', 0, ['STORAGE']]]);
  assert.equal(r2[0].drbd, undefined, 'a STORAGE-only replica has no DRBD data');
  await api.close();
});

test('impossible placement: 500 FAIL_NOT_ENOUGH_NODES naming each node, and nothing is created', async () => {
  const { api, rt } = await fiveNodes();
  rt.setNode('n2', { connection_status: 'OFFLINE' });
  await ok(api, 'PUT', '/v1/nodes/n3', { override_props: { AutoplaceTarget: 'false' } });
  rt.setPool('n4', 'pool1', 1024, 100 * GiB);
  await addRd(api, 'r1', { sizes: [GiB] });
  const res = await place(api, 'r1', { select_filter: { place_count: 3 } });
  assert.equal(res.status, 500);
  assert.deepEqual(codes(res.body), [{ severity: 'error', code: 996 }]);
  assert.equal(res.body[0].message,
    "Not enough available nodes: resource 'r1' needs 3 more diskful replica(s), but only 2 node(s) qualify (n1, n5). " +
    'Excluded: offline: n2; AutoplaceTarget=false: n3; not enough free space: n4.');
  assert.match(res.body[0].details, /node 'n4': pool 'pool1': 20 MiB free \(with oversubscription\), 1 GiB needed/);
  assert.match(res.body[0].correction, /^Start or reconnect the satellites/);
  assert.deepEqual(res.body[0].obj_refs, { RscDfn: 'r1' });
  assert.equal(api.controller.graph.resourcesOf('r1').length, 0);
  assert.equal((await place(api, 'nope', {})).status, 404);
  await api.close();
});

test('diskless_on_remaining: every other satellite gets a DRBD client in its diskless pool', async () => {
  const { api } = await fiveNodes();
  await addRd(api, 'r1');
  const res = await place(api, 'r1', { select_filter: { place_count: 2 }, diskless_on_remaining: true });
  assert.equal(res.status, 201);
  const all = placed(api, 'r1');
  assert.deepEqual(all.map((p) => [p.node, p.flags.includes('DRBD_DISKLESS'), p.pool]), [
    ['n1', false, 'pool1'], ['n2', false, 'pool1'],
    ['n3', true, 'DfltDisklessStorPool'], ['n4', true, 'DfltDisklessStorPool'], ['n5', true, 'DfltDisklessStorPool'],
  ]);
  assert.deepEqual(all.map((p) => p.id), [0, 1, 2, 3, 4]);
  // Nothing more to place and nowhere left for clients: a no-op answer.
  const again = await place(api, 'r1', { select_filter: { place_count: 2 }, diskless_on_remaining: true });
  assert.equal(again.status, 201);
  assert.deepEqual(codes(again.body), [{ severity: 'warn', code: 1006 }]);
  assert.equal(placed(api, 'r1').length, 5);
  await api.close();
});

test('a node with a diskless replica may be chosen: the replica gets a disk', async () => {
  const { api } = await fiveNodes();
  await addRd(api, 'r1');
  await ok(api, 'POST', '/v1/resource-definitions/r1/resources', [{ resource: { node_name: 'n2', props: { StorPoolName: 'pool1' } } }, { resource: { node_name: 'n1', flags: ['DRBD_DISKLESS'] } }]);
  const res = await place(api, 'r1', { select_filter: { place_count: 2 } });
  assert.equal(res.status, 201);
  assert.deepEqual(codes(res.body), [
    { severity: 'success', code: 3 }, { severity: 'success', code: 1 },
    { severity: 'info', code: 10003 }, { severity: 'info', code: 10002 }, { severity: 'info', code: 10002 },
  ]);
  const n1 = api.controller.graph.resource('r1', 'n1')!;
  assert.deepEqual([n1.flags, n1.volumes[0].storage_pool_name, n1.props.StorPoolName, n1.drbd?.node_id], [[], 'pool1', 'pool1', 1]);
  await api.close();
});

test('controller properties steer placement: weights, MaxOversubscriptionRatio', async () => {
  const { api } = await fiveNodes();
  // n1 holds many resources already; MinRscCount with a heavy weight avoids it.
  for (let i = 0; i < 3; i++) {
    await addRd(api, `old${i}`);
    await ok(api, 'POST', `/v1/resource-definitions/old${i}/resources`, [{ resource: { node_name: 'n1', props: { StorPoolName: 'pool1' } } }, { resource: { node_name: 'n2', props: { StorPoolName: 'pool1' } } }]);
  }
  await ok(api, 'POST', '/v1/controller/properties', { override_props: { 'Autoplacer/Weights/MinRscCount': '5' } });
  await addRd(api, 'r1');
  await ok(api, 'POST', '/v1/resource-definitions/r1/autoplace', { select_filter: { place_count: 2 } });
  assert.deepEqual(placed(api, 'r1').map((p) => p.node), ['n3', 'n4']);

  // n1 has 50 GiB free: with ratio 1 a 60 GiB volume fits nowhere; 2 lets it onto n1 (most free).
  await ok(api, 'POST', '/v1/controller/properties', { delete_props: ['Autoplacer/Weights/MinRscCount'], override_props: { MaxOversubscriptionRatio: '1' } });
  await addRd(api, 'big', { sizes: [60 * GiB] });
  const none = await place(api, 'big', { select_filter: { place_count: 1 } });
  assert.deepEqual(codes(none.body), [{ severity: 'error', code: 996 }]);
  await ok(api, 'POST', '/v1/controller/properties', { override_props: { MaxOversubscriptionRatio: '2' } });
  await ok(api, 'POST', '/v1/resource-definitions/big/autoplace', { select_filter: { place_count: 1 } });
  assert.deepEqual(placed(api, 'big').map((p) => p.node), ['n1']);
  await api.close();
});

test('offline nodes and unsupported layers are skipped, as the runtime reports them', async () => {
  const { api, rt } = await fiveNodes();
  rt.setNode('n1', { connection_status: 'OFFLINE' });
  rt.setNode('n2', { connection_status: 'ONLINE', resource_layers: ['STORAGE', 'LUKS'], unsupported_layers: { DRBD: ['drbd module not loaded'] } });
  await addRd(api, 'r1');
  await ok(api, 'POST', '/v1/resource-definitions/r1/autoplace', { select_filter: { place_count: 2 } });
  assert.deepEqual(placed(api, 'r1').map((p) => p.node), ['n3', 'n4']);
  await addRd(api, 'r2', { layers: ['STORAGE'] });
  await ok(api, 'POST', '/v1/resource-definitions/r2/autoplace', { select_filter: { place_count: 1 } });
  assert.deepEqual(placed(api, 'r2').map((p) => p.node), ['n2'], 'STORAGE-only resources may go where DRBD is missing');
  await api.close();
});
