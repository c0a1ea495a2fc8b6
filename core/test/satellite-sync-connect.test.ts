/**
 * The controller's satellite connections against fake satellites on 127.0.0.1: handshake, full sync,
 * deltas with update ids, 409 -> full sync, reconnect after a satellite restart, connection status
 * transitions in GET /v1/nodes, capacities and device states in the views, and the checks that a
 * satellite is the node it should be and speaks our protocol.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addRd, ok } from './resource-fixtures.js';
import { FakeSatellite, NO_DRBD_CAPS, makeCluster, registerNode, waitFor, type Cluster } from './satellite-sync-fake.js';

const R = '/v1/resource-definitions';

async function status(c: Cluster, node: string): Promise<string> {
  return (await c.api.call('GET', `/v1/nodes/${node}`)).body.connection_status;
}

async function online(c: Cluster, node: string): Promise<void> {
  await waitFor(`${node} ONLINE`, async () => (await status(c, node)) === 'ONLINE');
}

test('connect: OFFLINE -> ONLINE with capabilities after a full sync; deltas carry only changes on the acknowledged id; OFFLINE when the satellite dies', async (t) => {
  const c = await makeCluster([], {});
  t.after(() => c.close());
  const fake = new FakeSatellite({ nodeName: 'n1', capabilities: NO_DRBD_CAPS });
  await fake.start();
  c.fakes.set('n1', fake);
  // Registered while the satellite is down: shown OFFLINE without capabilities.
  await fake.crash();
  await registerNode(c.api, 'n1', fake.port);
  const before = (await c.api.call('GET', '/v1/nodes')).body[0];
  assert.equal(before.connection_status, 'OFFLINE');
  assert.equal(before.resource_layers, undefined);

  await fake.start();
  await online(c, 'n1');
  const node = (await c.api.call('GET', '/v1/nodes/n1')).body;
  assert.deepEqual(node.resource_layers, ['STORAGE']);
  assert.deepEqual(node.storage_providers, ['DISKLESS', 'FILE', 'FILE_THIN']);
  assert.deepEqual(node.unsupported_layers, { DRBD: ['kernel module drbd is not loaded'] });

  const first = fake.updates[0];
  assert.equal(first.full, true);
  assert.equal(first.node_name, 'n1');
  assert.deepEqual(first.pools.map((p) => p.name), ['DfltDisklessStorPool', 'DfltStorPool']);
  assert.deepEqual(first.resources, []);

  // A change becomes a delta on top of the acknowledged update, with only the new resource.
  await addRd(c.api, 'r1', { layers: ['STORAGE'], sizes: [1024] });
  await ok(c.api, 'POST', `${R}/r1/resources/n1`, {});
  const delta = await waitFor('a delta with r1', () => fake.updates.find((u) => !u.full && u.resources.some((r) => r.name === 'r1')));
  const acked = fake.updates[fake.updates.indexOf(delta) - 1];
  assert.equal(delta.base_update_id, acked.update_id);
  assert.ok(delta.update_id > acked.update_id);
  assert.deepEqual(delta.resources.map((r) => [r.name, r.layer_stack, r.volumes[0].size_kib, r.volumes[0].storage_pool]), [
    ['r1', ['STORAGE'], 1024, 'DfltStorPool'],
  ]);

  // Changes that do not concern n1 send nothing to it.
  const count = fake.updates.length;
  await ok(c.api, 'PUT', '/v1/key-value-store/kv1', { override_props: { a: '1' } });
  await addRd(c.api, 'other', { layers: ['STORAGE'], sizes: [1024] });
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(fake.updates.length, count);

  await fake.crash();
  await waitFor('n1 OFFLINE', async () => (await status(c, 'n1')) === 'OFFLINE');
});

test('a satellite that restarts gets a full sync again and the node converges; the resource view shows what it reported', async (t) => {
  const c = await makeCluster(['n1'], {});
  t.after(() => c.close());
  const fake = c.fakes.get('n1')!;
  await online(c, 'n1');
  await addRd(c.api, 'r1', { layers: ['STORAGE'], sizes: [2048] });
  await ok(c.api, 'POST', `${R}/r1/resources/n1`, {});
  await waitFor('r1 on the satellite', () => fake.held.has('R1'));

  const view = await waitFor('device path in the view', async () => {
    const list = (await c.api.call('GET', '/v1/view/resources?resources=r1')).body;
    return list[0]?.volumes?.[0]?.device_path ? list[0] : undefined;
  });
  assert.equal(view.volumes[0].device_path, '/dev/fake/r1_00000');
  assert.equal(view.volumes[0].state.disk_state, 'UpToDate');
  assert.equal(view.volumes[0].allocated_size_kib, 2048);
  assert.equal(view.layer_object.storage.storage_volumes[0].device_path, '/dev/fake/r1_00000');
  assert.equal(view.state.in_use, false);

  const fullsBefore = fake.updates.filter((u) => u.full).length;
  await fake.crash();
  await waitFor('OFFLINE', async () => (await status(c, 'n1')) === 'OFFLINE');
  // Offline: what the satellite reported is no longer shown as current.
  const offline = (await c.api.call('GET', '/v1/view/resources?resources=r1')).body[0];
  assert.equal(offline.volumes[0].device_path, undefined);
  assert.equal(offline.volumes[0].state, undefined);

  // Changed while it was down: the full sync after the restart carries it.
  await ok(c.api, 'PUT', `${R}/r1/volume-definitions/0`, { size_kib: 4096 });
  await fake.start();
  await online(c, 'n1');
  const fulls = fake.updates.filter((u) => u.full);
  assert.equal(fulls.length, fullsBefore + 1);
  assert.deepEqual(fulls.at(-1)!.resources.map((r) => [r.name, r.volumes[0].size_kib]), [['r1', 4096]]);
  assert.ok(fake.held.has('R1'));
  await waitFor('the new size in the view', async () =>
    (await c.api.call('GET', '/v1/view/resources?resources=r1')).body[0].volumes[0].allocated_size_kib === 4096);
});

test('a delta the satellite cannot place (409 need_full_sync) is followed by a full sync', async (t) => {
  const c = await makeCluster(['n1']);
  t.after(() => c.close());
  const fake = c.fakes.get('n1')!;
  await online(c, 'n1');
  fake.forceNeedFull = true;
  await addRd(c.api, 'r1', { layers: ['STORAGE'], sizes: [1024] });
  await ok(c.api, 'POST', `${R}/r1/resources/n1`, {});
  await waitFor('r1 held', () => fake.held.has('R1'));
  const last = fake.updates.slice(-2);
  assert.deepEqual(last.map((u) => u.full), [false, true]);
  assert.deepEqual(last[1].resources.map((r) => r.name), ['r1']);
  assert.equal(await status(c, 'n1'), 'ONLINE');
});

test('capacities reported by the satellite appear in /v1/view/storage-pools; diskless pools stay infinite', async (t) => {
  const c = await makeCluster([{ nodeName: 'n1', capacity: { DfltStorPool: [1536, 4096] } }]);
  t.after(() => c.close());
  await online(c, 'n1');
  const pools = (await c.api.call('GET', '/v1/view/storage-pools?nodes=n1')).body;
  const sp = pools.find((p: any) => p.storage_pool_name === 'DfltStorPool');
  assert.equal(sp.free_capacity, 1536);
  assert.equal(sp.total_capacity, 4096);
  const dl = pools.find((p: any) => p.storage_pool_name === 'DfltDisklessStorPool');
  assert.equal(BigInt(dl.free_capacity), 9223372036854775807n);

  // A pool event between updates replaces the numbers.
  c.fakes.get('n1')!.emit({ type: 'pool', pool: { name: 'DfltStorPool', free_capacity: 512, total_capacity: 4096, reports: [] } });
  await waitFor('the event capacity', async () =>
    (await c.api.call('GET', '/v1/view/storage-pools?nodes=n1')).body.find((p: any) => p.storage_pool_name === 'DfltStorPool').free_capacity === 512);

  // A resource event updates the resource view (a new runtime object each time).
  await addRd(c.api, 'r1', { layers: ['STORAGE'], sizes: [1024] });
  await ok(c.api, 'POST', `${R}/r1/resources/n1`, {});
  await waitFor('r1 reported', async () => (await c.api.call('GET', '/v1/view/resources?resources=r1')).body[0].volumes[0].state?.disk_state === 'UpToDate');
  c.fakes.get('n1')!.emit({ type: 'resource', resource: { name: 'r1', in_use: true, volumes: [{ volume_number: 0, device_path: '/dev/fake/r1_00000', disk_state: 'Failed', layers: [] }], reports: [] } });
  const v = await waitFor('the event state', async () => {
    const r = (await c.api.call('GET', '/v1/view/resources?resources=r1')).body[0];
    return r.volumes[0].state?.disk_state === 'Failed' ? r : undefined;
  });
  assert.equal(v.state.in_use, true);
});

test('a satellite with another node name is HOSTNAME_MISMATCH, another protocol VERSION_MISMATCH; neither gets any state', async (t) => {
  const c = await makeCluster([]);
  t.after(() => c.close());
  const wrong = new FakeSatellite({ nodeName: 'somebody-else' });
  const old = new FakeSatellite({ nodeName: 'n2', protocolVersion: 999 });
  for (const [name, f] of [['n1', wrong], ['n2', old]] as const) {
    await f.start();
    c.fakes.set(name, f);
    await registerNode(c.api, name, f.port);
  }
  await waitFor('HOSTNAME_MISMATCH', async () => (await status(c, 'n1')) === 'HOSTNAME_MISMATCH');
  await waitFor('VERSION_MISMATCH', async () => (await status(c, 'n2')) === 'VERSION_MISMATCH');
  assert.equal(wrong.updates.length, 0);
  assert.equal(old.updates.length, 0);
  // It keeps retrying (with backoff): fixing the satellite is enough.
  const asked = wrong.infoRequests;
  await waitFor('another attempt', () => wrong.infoRequests > asked);
});

test('PUT /v1/nodes/{node}/reconnect drops the connection and syncs again; node lost drops the connector', async (t) => {
  const c = await makeCluster(['n1', 'n2']);
  t.after(() => c.close());
  await online(c, 'n1');
  await online(c, 'n2');
  const fake = c.fakes.get('n1')!;
  const fulls = fake.updates.filter((u) => u.full).length;
  const infos = fake.infoRequests;
  const res = await c.api.call('PUT', '/v1/nodes/n1/reconnect');
  assert.equal(res.status, 200);
  await waitFor('a new full sync', () => fake.updates.filter((u) => u.full).length === fulls + 1);
  assert.equal(fake.infoRequests, infos + 1);
  await online(c, 'n1');

  assert.ok(c.manager.connector('n2'));
  const lost = await c.api.call('DELETE', '/v1/nodes/n2/lost');
  assert.equal(lost.status, 200);
  assert.equal(c.manager.connector('n2'), undefined);
  const n2 = c.fakes.get('n2')!;
  await waitFor('n2 stream closed', () => n2.connectedStreams === 0);
  const seen = n2.infoRequests;
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(n2.infoRequests, seen, 'no more attempts to a lost node');
});

test('stop() closes every connection and leaves no timer behind', async () => {
  const c = await makeCluster(['n1']);
  await online(c, 'n1');
  const fake = c.fakes.get('n1')!;
  await c.manager.stop();
  await waitFor('stream closed', () => fake.connectedStreams === 0);
  assert.equal(await status(c, 'n1'), 'OFFLINE');
  const infos = fake.infoRequests;
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(fake.infoRequests, infos);
  await c.close();
});
