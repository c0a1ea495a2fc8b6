/**
 * Lifecycle rules that depend on satellites, against fake satellites on 127.0.0.1: refusing layers and
 * providers a node reported unsupported (988 / 989), deletion marked DELETE until the satellite
 * confirms, deletion on an offline node (at once, with a warning), resize pushes, toggle-disk.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { codes } from './helpers.js';
import { addRd, ok } from './resource-fixtures.js';
import { FakeSatellite, NO_DRBD_CAPS, makeCluster, registerNode, waitFor, type Cluster } from './satellite-sync-fake.js';

const R = '/v1/resource-definitions';

async function online(c: Cluster, node: string): Promise<void> {
  await waitFor(`${node} ONLINE`, async () => (await c.api.call('GET', `/v1/nodes/${node}`)).body.connection_status === 'ONLINE');
}

test('a layer or provider the node reported unsupported is refused with 988 / 989, naming the node, the reason and the fix', async (t) => {
  const c = await makeCluster([]);
  t.after(() => c.close());
  const fake = new FakeSatellite({ nodeName: 'n1', capabilities: NO_DRBD_CAPS });
  await fake.start();
  c.fakes.set('n1', fake);
  await fake.crash();
  // The LVM pool is registered while the satellite is down (capabilities unknown: not refused).
  await registerNode(c.api, 'n1', fake.port, [['DfltStorPool', 'FILE_THIN'], ['lvmpool', 'LVM']]);
  await addRd(c.api, 'unknown', { layers: ['DRBD', 'STORAGE'] });
  await ok(c.api, 'POST', `${R}/unknown/resources/n1`, {});

  await fake.start();
  await online(c, 'n1');

  await addRd(c.api, 'r1', { layers: ['DRBD', 'STORAGE'] });
  const drbd = await c.api.call('POST', `${R}/r1/resources/n1`, {});
  assert.equal(drbd.status, 500);
  assert.deepEqual(codes(drbd.body), [{ severity: 'error', code: 988 }]);
  assert.equal(drbd.body[0].message, "Node 'n1' does not support the DRBD layer that resource 'r1' needs.");
  assert.equal(drbd.body[0].cause, "The satellite on 'n1' reported: kernel module drbd is not loaded.");
  assert.match(drbd.body[0].correction, /--layer-list storage/);
  assert.match(drbd.body[0].correction, /modprobe drbd/);
  assert.equal(drbd.body[0].obj_refs.Node, 'n1');
  assert.equal(c.api.controller.graph.resource('r1', 'n1'), undefined, 'nothing was written');

  // The same resource with --layer-list storage is fine.
  await ok(c.api, 'POST', `${R}/r1/resources/n1`, { layer_list: ['storage'] });

  await addRd(c.api, 'r2', { layers: ['STORAGE'] });
  const lvm = await c.api.call('POST', `${R}/r2/resources/n1`, { resource: { props: { StorPoolName: 'lvmpool' } } });
  assert.equal(lvm.status, 500);
  assert.deepEqual(codes(lvm.body), [{ severity: 'error', code: 989 }]);
  assert.match(lvm.body[0].message, /^Node 'n1' does not support the storage provider LVM of storage pool 'lvmpool'/);
  assert.equal(lvm.body[0].cause, "The satellite on 'n1' reported: lvm2 tools not found (lvs).");
  assert.match(lvm.body[0].correction, /install lvm2/);
});

test('deleting on a connected node: DELETE flag (DELETING) until the satellite confirms, then the record is gone', async (t) => {
  const c = await makeCluster(['n1', 'n2']);
  t.after(() => c.close());
  await online(c, 'n1');
  await online(c, 'n2');
  const fake = c.fakes.get('n1')!;
  await addRd(c.api, 'r1', { layers: ['STORAGE'] });
  await ok(c.api, 'POST', `${R}/r1/resources`, [{ resource: { node_name: 'n1' } }, { resource: { node_name: 'n2' } }]);
  await ok(c.api, 'PUT', `${R}/r1/resource-connections/n1/n2`, { override_props: { 'Aux/x': '1' } });
  await waitFor('r1 on n1', () => fake.held.has('R1'));

  let release!: () => void;
  fake.gate = new Promise<void>((r) => { release = r; });
  const del = await c.api.call('DELETE', `${R}/r1/resources/n1`);
  assert.equal(del.status, 200);
  assert.deepEqual(codes(del.body), [{ severity: 'success', code: 2 }]);
  assert.equal(del.body[0].message, "Resource 'r1' on node 'n1' marked for deletion.");

  // While the satellite has not answered: still listed, flagged DELETE.
  const shown = (await c.api.call('GET', `${R}/r1/resources/n1`)).body;
  assert.deepEqual(shown.flags, ['DELETE']);
  const listed = (await c.api.call('GET', '/v1/view/resources?resources=r1')).body;
  assert.deepEqual(listed.map((r: any) => [r.node_name, r.flags ?? []]), [['n1', ['DELETE']], ['n2', []]]);
  const removal = await waitFor('the removal update', () => fake.updates.find((u) => u.removed_resources.includes('r1')));
  assert.equal(removal.full, false);
  // Deleting again while it is pending changes nothing and answers the same.
  const again = await c.api.call('DELETE', `${R}/r1/resources/n1`);
  assert.deepEqual(codes(again.body), [{ severity: 'success', code: 2 }]);

  release();
  fake.gate = undefined;
  await waitFor('record gone', async () => (await c.api.call('GET', `${R}/r1/resources/n1`)).status === 404);
  assert.equal(fake.held.has('R1'), false);
  assert.deepEqual((await c.api.call('GET', `${R}/r1/resource-connections`)).body, [], 'its connections went with it');
  assert.ok(c.api.controller.graph.resource('r1', 'n2'), 'the other replica stays');
});

test('a removal the satellite could not do keeps the resource DELETING', async (t) => {
  const c = await makeCluster(['n1']);
  t.after(() => c.close());
  await online(c, 'n1');
  const fake = c.fakes.get('n1')!;
  await addRd(c.api, 'r1', { layers: ['STORAGE'] });
  await ok(c.api, 'POST', `${R}/r1/resources/n1`, {});
  await waitFor('r1 on n1', () => fake.held.has('R1'));
  fake.failRemoval.add('r1');
  await ok(c.api, 'DELETE', `${R}/r1/resources/n1`);
  await waitFor('the removal was asked for', () => fake.updates.some((u) => u.removed_resources.includes('r1')));
  await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual((await c.api.call('GET', `${R}/r1/resources/n1`)).body.flags, ['DELETE']);
});

test('deleting on an offline node removes the record at once, with a WARN that the satellite cleans up on reconnect', async (t) => {
  const c = await makeCluster(['n1']);
  t.after(() => c.close());
  await online(c, 'n1');
  const fake = c.fakes.get('n1')!;
  await addRd(c.api, 'r1', { layers: ['STORAGE'] });
  await ok(c.api, 'POST', `${R}/r1/resources/n1`, {});
  await waitFor('r1 on n1', () => fake.held.has('R1'));
  await fake.crash();
  await waitFor('OFFLINE', async () => (await c.api.call('GET', '/v1/nodes/n1')).body.connection_status === 'OFFLINE');

  const del = await c.api.call('DELETE', `${R}/r1/resources/n1`);
  assert.equal(del.status, 200);
  assert.deepEqual(codes(del.body), [{ severity: 'success', code: 2 }, { severity: 'warn', code: 1002 }]);
  assert.equal(del.body[1].message, "Node 'n1' is not connected: resource 'r1' on node 'n1' was removed from the controller only.");
  assert.match(del.body[1].details, /removes the volumes of 'r1' when it reconnects/);
  assert.equal((await c.api.call('GET', `${R}/r1/resources/n1`)).status, 404);

  // The restarted satellite gets a full state without r1.
  await fake.start();
  await online(c, 'n1');
  const full = fake.updates.filter((u) => u.full).at(-1)!;
  assert.deepEqual(full.resources, []);
});

test('volume-definition resize pushes the new size to every node of the resource; shrinking stays refused', async (t) => {
  const c = await makeCluster(['n1', 'n2']);
  t.after(() => c.close());
  await online(c, 'n1');
  await online(c, 'n2');
  await addRd(c.api, 'r1', { layers: ['STORAGE'], sizes: [1024] });
  await ok(c.api, 'POST', `${R}/r1/resources`, [{ resource: { node_name: 'n1' } }, { resource: { node_name: 'n2' } }]);
  await ok(c.api, 'PUT', `${R}/r1/volume-definitions/0`, { size_kib: 8192 });
  for (const n of ['n1', 'n2']) {
    const f = c.fakes.get(n)!;
    await waitFor(`${n} got the new size`, () => f.updates.some((u) => !u.full && u.resources.some((r) => r.name === 'r1' && r.volumes[0].size_kib === 8192)));
  }
  const shrink = await c.api.call('PUT', `${R}/r1/volume-definitions/0`, { size_kib: 4096 });
  assert.equal(shrink.status, 500);
  assert.deepEqual(codes(shrink.body), [{ severity: 'error', code: 206 }]);
});

test('toggle-disk: diskful -> diskless (diskless pool, DRBD_DISKLESS) -> diskful, pushed to the node and its peers', async (t) => {
  const c = await makeCluster(['n1', 'n2']);
  t.after(() => c.close());
  await online(c, 'n1');
  await online(c, 'n2');
  await addRd(c.api, 'r1', { layers: ['DRBD', 'STORAGE'] });
  await ok(c.api, 'POST', `${R}/r1/resources`, [{ resource: { node_name: 'n1' } }, { resource: { node_name: 'n2' } }]);

  const off = await c.api.call('PUT', `${R}/r1/resources/n2/toggle-disk/diskless`);
  assert.equal(off.status, 200);
  assert.deepEqual(codes(off.body), [{ severity: 'success', code: 3 }]);
  let r2 = (await c.api.call('GET', '/v1/view/resources?resources=r1&nodes=n2')).body[0];
  assert.deepEqual(r2.flags, ['DISKLESS', 'DRBD_DISKLESS']);
  assert.equal(r2.volumes[0].storage_pool_name, 'DfltDisklessStorPool');
  const n1 = c.fakes.get('n1')!;
  await waitFor('n1 sees n2 diskless', () => n1.updates.some((u) => u.resources.some((r) => r.drbd?.peers.some((p) => p.node_name === 'n2' && p.diskless))));

  // The last diskful replica cannot go diskless, nor can one that already is.
  const last = await c.api.call('PUT', `${R}/r1/resources/n1/toggle-disk/diskless`);
  assert.equal(last.status, 500);
  assert.deepEqual(codes(last.body), [{ severity: 'error', code: 234 }]);
  const twice = await c.api.call('PUT', `${R}/r1/resources/n2/toggle-disk/diskless`);
  assert.deepEqual(codes(twice.body), [{ severity: 'error', code: 234 }]);

  const on = await c.api.call('PUT', `${R}/r1/resources/n2/toggle-disk/diskful/DfltStorPool`, {});
  assert.equal(on.status, 200);
  r2 = (await c.api.call('GET', '/v1/view/resources?resources=r1&nodes=n2')).body[0];
  assert.equal(r2.flags, undefined);
  assert.equal(r2.volumes[0].storage_pool_name, 'DfltStorPool');
  const n2 = c.fakes.get('n2')!;
  await waitFor('n2 diskful again', () => n2.updates.some((u) => u.resources.some((r) => r.name === 'r1' && r.flags.length === 0 && r.volumes[0].storage_pool === 'DfltStorPool' && u.update_id > 0 && !r.drbd?.diskless)));

  const missingPool = await c.api.call('PUT', `${R}/r1/resources/n2/toggle-disk/diskless/nope`);
  assert.equal(missingPool.status, 404);
  const missingRsc = await c.api.call('PUT', `${R}/r1/resources/n9/toggle-disk/diskless`);
  assert.equal(missingRsc.status, 404);
});
