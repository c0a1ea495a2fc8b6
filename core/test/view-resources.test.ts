import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeApi, makeController, type TestApi } from './helpers.js';
import { addNode, addRd, bulkResources, ok } from './resource-fixtures.js';
import { OfflineRuntime, type ResourceRuntime, type RuntimeState } from '../src/controller/runtime.js';

const NODES = Array.from({ length: 20 }, (_, i) => `node-${String(i).padStart(2, '0')}`);
const RDS = Array.from({ length: 1000 }, (_, i) => `pvc-${String(i).padStart(4, '0')}`);

/** 2,000 resources (1,000 definitions x 2 replicas on 20 nodes), written through one Change. */
async function big(): Promise<TestApi> {
  const api = await makeApi();
  for (const n of NODES) await addNode(api, n);
  bulkResources(api.controller, RDS, NODES, 2);
  return api;
}

const pairs = (list: any[]) => list.map((r) => `${r.name}@${r.node_name}`);

test('view/resources lists all 2,000 resources sorted by resource, then node', async () => {
  const api = await big();
  const res = await api.call('GET', '/v1/view/resources');
  assert.equal(res.status, 200);
  assert.equal(res.body.length, 2000);
  const expected = RDS.flatMap((rd, i) => [NODES[i % 20], NODES[(i + 1) % 20]].sort().map((n) => `${rd}@${n}`));
  assert.deepEqual(pairs(res.body), expected);
  await api.close();
});

test('view/resources filters: nodes, resources, storage_pools, props; combined', async () => {
  const api = await big();
  const byNode = (await api.call('GET', '/v1/view/resources?nodes=NODE-03')).body;
  assert.equal(byNode.length, 100);
  assert.ok(byNode.every((r: any) => r.node_name === 'node-03'));

  const byRd = (await api.call('GET', '/v1/view/resources?resources=pvc-0002&resources=PVC-0001')).body;
  assert.deepEqual(pairs(byRd), ['pvc-0001@node-01', 'pvc-0001@node-02', 'pvc-0002@node-02', 'pvc-0002@node-03']);
  const commaList = (await api.call('GET', '/v1/view/resources?resources=pvc-0002,pvc-0001')).body;
  assert.deepEqual(pairs(commaList), pairs(byRd));

  assert.equal((await api.call('GET', '/v1/view/resources?storage_pools=dfltstorpool')).body.length, 2000);
  assert.equal((await api.call('GET', '/v1/view/resources?storage_pools=other')).body.length, 0);

  const byProp = (await api.call('GET', '/v1/view/resources?props=Aux/idx=7')).body;
  assert.deepEqual(pairs(byProp), ['pvc-0007@node-07', 'pvc-0007@node-08']);
  assert.equal((await api.call('GET', '/v1/view/resources?props=Aux/idx')).body.length, 2000);
  assert.equal((await api.call('GET', '/v1/view/resources?props=Aux/none')).body.length, 0);

  const combined = (await api.call('GET', '/v1/view/resources?nodes=node-08&props=Aux/idx=7&resources=pvc-0007')).body;
  assert.deepEqual(pairs(combined), ['pvc-0007@node-08']);
  assert.deepEqual((await api.call('GET', '/v1/view/resources?resources=nothing')).body, []);
  await api.close();
});

test('view/resources pagination: only when limit > 0, after filtering', async () => {
  const api = await big();
  const all = pairs((await api.call('GET', '/v1/view/resources')).body);
  assert.deepEqual(pairs((await api.call('GET', '/v1/view/resources?limit=5&offset=10')).body), all.slice(10, 15));
  // golinstor always sends offset=0&limit=0: everything; offset without a limit is ignored.
  assert.equal((await api.call('GET', '/v1/view/resources?offset=0&limit=0')).body.length, 2000);
  assert.equal((await api.call('GET', '/v1/view/resources?offset=1990')).body.length, 2000);
  assert.deepEqual(pairs((await api.call('GET', '/v1/view/resources?limit=3&offset=1999')).body), all.slice(1999));
  const page = (await api.call('GET', '/v1/view/resources?nodes=node-05&limit=2&offset=1')).body;
  assert.deepEqual(pairs(page), pairs((await api.call('GET', '/v1/view/resources?nodes=node-05')).body).slice(1, 3));
  await api.close();
});

test('view/resources never touches the store', async () => {
  const api = await big();
  const store = api.controller.store as unknown as Record<string, unknown>;
  for (const m of ['transaction', 'loadAll', 'export']) store[m] = () => assert.fail(`store.${m} called by a GET`);
  assert.equal((await api.call('GET', '/v1/view/resources?nodes=node-01')).status, 200);
  await api.close();
});

test('the order is by name, not by the composite key ("res" before "res-b")', async () => {
  const api = await makeApi();
  await addNode(api, 'a1');
  await addNode(api, 'b1');
  for (const rd of ['res-b', 'res', 'res_c']) {
    await addRd(api, rd);
    await ok(api, 'POST', `/v1/resource-definitions/${rd}/resources`, [{ resource: { node_name: 'b1' } }, { resource: { node_name: 'a1' } }]);
  }
  const list = (await api.call('GET', '/v1/view/resources')).body;
  assert.deepEqual(pairs(list), ['res@a1', 'res@b1', 'res-b@a1', 'res-b@b1', 'res_c@a1', 'res_c@b1']);
  await api.close();
});

test('ResourceWithVolumes shape (contract §2.7) for diskful and diskless resources', async () => {
  const api = await makeApi();
  await addNode(api, 'n1', [['pool1', 'LVM_THIN']]);
  await addNode(api, 'n2', []);
  await addRd(api, 'res1');
  await ok(api, 'POST', '/v1/resource-definitions/res1/resources', [
    { resource: { node_name: 'n1', props: { StorPoolName: 'pool1' } } },
    { resource: { node_name: 'n2', flags: ['DRBD_DISKLESS'] } },
  ]);
  const [d, dl] = (await api.call('GET', '/v1/view/resources')).body;
  const minor = d.volumes[0].layer_data_list[0].data.drbd_volume_definition.minor_number;
  const drbdVolume = { drbd_volume_definition: { resource_name_suffix: '', volume_number: 0, minor_number: minor }, device_path: `/dev/drbd${minor}` };
  assert.deepEqual(Object.keys(d), ['name', 'node_name', 'props', 'layer_object', 'uuid', 'create_timestamp', 'volumes']);
  assert.deepEqual(d.props, { StorPoolName: 'pool1' });
  assert.deepEqual(d.volumes, [{
    volume_number: 0,
    storage_pool_name: 'pool1',
    provider_kind: 'LVM_THIN',
    device_path: `/dev/drbd${minor}`,
    layer_data_list: [{ type: 'DRBD', data: drbdVolume }, { type: 'STORAGE', data: { volume_number: 0 } }],
    uuid: d.volumes[0].uuid,
  }]);
  assert.deepEqual(d.layer_object.drbd.drbd_volumes, [drbdVolume]);
  assert.deepEqual(dl.flags, ['DISKLESS', 'DRBD_DISKLESS']);
  assert.equal(dl.volumes[0].provider_kind, 'DISKLESS');
  assert.equal(dl.volumes[0].storage_pool_name, 'DfltDisklessStorPool');
  assert.equal(dl.volumes[0].device_path, `/dev/drbd${minor}`);
  assert.equal(dl.layer_object.drbd.node_id, 1);
  await api.close();
});

test('satellite-reported state appears once the runtime has it', async () => {
  const offline = new OfflineRuntime();
  const runtime: RuntimeState = {
    node: () => offline.node(),
    storagePool: () => offline.storagePool(),
    resource(rd: string, node: string): ResourceRuntime {
      if (node !== 'n1') return {};
      return {
        in_use: true, promotion_score: 10102, may_promote: false,
        connections: { n2: { connected: true, message: 'Connected' } },
        volumes: { 0: { disk_state: 'UpToDate', allocated_size_kib: 1052, layers: {
          DRBD: { usable_size_kib: 1024, allocated_size_kib: 1052, disk_state: 'UpToDate', backing_device: `/dev/vg/${rd}_00000` },
          STORAGE: { device_path: `/dev/vg/${rd}_00000`, usable_size_kib: 1052, allocated_size_kib: 1052 },
        } } },
      };
    },
  };
  const c = makeController();
  c.runtime = runtime;
  const api = await makeApi(c);
  await addNode(api, 'n1');
  await addNode(api, 'n2');
  await addRd(api, 'r1');
  await ok(api, 'POST', '/v1/resource-definitions/r1/resources', [{ resource: { node_name: 'n1' } }, { resource: { node_name: 'n2' } }]);
  const [a, b] = (await api.call('GET', '/v1/view/resources')).body;
  assert.deepEqual(a.state, { in_use: true });
  assert.equal(a.layer_object.drbd.promotion_score, 10102);
  assert.equal(a.layer_object.drbd.may_promote, false);
  assert.deepEqual(a.layer_object.drbd.connections, { n2: { connected: true, message: 'Connected' } });
  const dv = a.layer_object.drbd.drbd_volumes[0];
  assert.equal(dv.usable_size_kib, 1024);
  assert.equal(dv.backing_device, '/dev/vg/r1_00000');
  assert.equal(dv.disk_state, 'UpToDate');
  assert.deepEqual(a.layer_object.children[0].storage.storage_volumes[0],
    { volume_number: 0, device_path: '/dev/vg/r1_00000', allocated_size_kib: 1052, usable_size_kib: 1052 });
  assert.deepEqual(a.volumes[0].state, { disk_state: 'UpToDate' });
  assert.equal(a.volumes[0].allocated_size_kib, 1052);
  assert.ok(!('state' in b) && !('state' in b.volumes[0]) && !('allocated_size_kib' in b.volumes[0]));
  await api.close();
});

test('views follow changes of the resource, its definition and its volume definitions', async () => {
  const api = await makeApi();
  await addNode(api, 'n1');
  await addRd(api, 'r1');
  await ok(api, 'POST', '/v1/resource-definitions/r1/resources/n1', {});
  const first = (await api.call('GET', '/v1/view/resources')).body[0];
  assert.equal(first.layer_object.drbd.drbd_resource_definition.port, -1);
  assert.equal(first.volumes.length, 1);

  await ok(api, 'PUT', '/v1/resource-definitions/r1', { drbd_port: 7777 });
  const second = (await api.call('GET', '/v1/view/resources')).body[0];
  assert.equal(second.layer_object.drbd.drbd_resource_definition.port, 7777);

  await ok(api, 'POST', '/v1/resource-definitions/r1/volume-definitions', { volume_definition: { size_kib: 2048 } });
  await ok(api, 'PUT', '/v1/resource-definitions/r1/resources/n1', { override_props: { 'Aux/x': 'y' } });
  const third = (await api.call('GET', '/v1/view/resources')).body[0];
  assert.deepEqual(third.volumes.map((v: any) => v.volume_number), [0, 1]);
  assert.equal(third.layer_object.drbd.drbd_volumes.length, 2);
  assert.deepEqual(third.props, { 'Aux/x': 'y' });
  // The single GET answers the same record as the list, without volumes.
  const { volumes: _v, ...withoutVolumes } = third;
  assert.deepEqual((await api.call('GET', '/v1/resource-definitions/r1/resources/n1')).body, withoutVolumes);
  await api.close();
});
