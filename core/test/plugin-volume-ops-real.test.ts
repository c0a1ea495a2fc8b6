/**
 * VolumeOps (the REST implementation) against a real controller and the REAL satellite of this
 * release on 127.0.0.1 (FILE_THIN pool in a temp directory, real loop devices): ensure a group,
 * create (idempotent; another size is `exists`), get/list, attach (the device exists), a refused
 * diskless attach without DRBD, resize (the loop device grows), release keeps a diskful replica,
 * space, delete (no file and no loop device left), and the failure paths that must leave nothing
 * behind (not enough nodes, a group without place count).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { StorhubClient } from '../src/client/index.js';
import { createVolumeOps } from '../src/plugin/volume-ops-rest.js';
import { VolumeOpsError } from '../src/plugin/volume-ops.js';
import { registerNode } from './satellite-sync-fake.js';
import { startRealNode, loopsUnder } from './real-node.js';
import { unusedPort } from './cli-helpers.js';


async function rejectsWith(p: Promise<unknown>, kind: string, message: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof VolumeOpsError, `expected a VolumeOpsError, got ${String(err)}`);
    assert.equal(err.kind, kind);
    assert.match(err.message, message);
    return true;
  });
}

test('volume ops on a real satellite: create -> attach -> resize -> release -> delete, and the refusals', async (t) => {
  const { poolDir, c, url } = await startRealNode(t, { prefix: 'storhub-volops-real-', listen: true });
  const client = new StorhubClient({ controllers: url });
  const ops = createVolumeOps(client, { timeoutMs: 30_000, pollMs: 50 });
  t.after(() => client.close());

  // --- ensureResourceGroup: created once with placement, props and one volume group; then left alone
  await ops.ensureResourceGroup('plugrg', { place_count: 1, layer_stack: ['STORAGE'], storage_pool: 'DfltStorPool' }, { 'Aux/owner': 'test' });
  await ops.ensureResourceGroup('plugrg', { place_count: 3 });
  const rg = (await c.api.call('GET', '/v1/resource-groups/plugrg')).body;
  assert.deepEqual(rg.select_filter, { place_count: 1, storage_pool: 'DfltStorPool', storage_pool_list: ['DfltStorPool'], layer_stack: ['STORAGE'] });
  assert.deepEqual(rg.props, { 'Aux/owner': 'test' });
  assert.deepEqual((await c.api.call('GET', '/v1/resource-groups/plugrg/volume-groups')).body.map((vg: any) => vg.volume_number), [0]);

  // --- create: placed, device reported; a retry is the same volume; another size is `exists`
  const spec = { name: 'pv1', size_kib: 10240, resource_group: 'plugrg', props: { 'Aux/storhub/test': 'true' } };
  const created = await ops.create(spec);
  assert.equal(created.name, 'pv1');
  assert.equal(created.size_kib, 10240);
  assert.equal(created.props['Aux/storhub/test'], 'true');
  assert.equal(created.replicas.length, 1);
  const [replica] = created.replicas;
  assert.equal(replica.node, 'real1');
  assert.equal(replica.diskless, false);
  assert.equal(replica.state, 'UpToDate');
  assert.match(replica.device_path!, /^\/dev\/loop\d+$/);
  assert.deepEqual(loopsUnder(poolDir), [replica.device_path]);
  assert.deepEqual(await ops.create(spec), created);
  await rejectsWith(ops.create({ ...spec, size_kib: 20480 }), 'exists', /^Volume 'pv1' already exists with 10240 KiB, not the requested 20480 KiB\.$/);

  // --- get / list
  assert.deepEqual(await ops.get('PV1'), created, 'names are case-insensitive');
  assert.equal(await ops.get('nope'), undefined);
  assert.deepEqual((await ops.list({ props: { 'Aux/storhub/test': 'true' } })).map((v) => v.name), ['pv1']);
  assert.deepEqual(await ops.list({ props: { 'Aux/storhub/test': 'false' } }), []);

  // --- attach: already here (diskful) -> its device; elsewhere without DRBD/NVMe -> refused, naming where it is
  const dev = await ops.attach('pv1', 'real1');
  assert.equal(dev, replica.device_path);
  assert.ok(existsSync(dev));
  await registerNode(c.api, 'other', await unusedPort(), []);
  await rejectsWith(ops.attach('pv1', 'other'), 'unsupported',
    /^Volume 'pv1' has no replica on node 'other', and its layers \(STORAGE\) cannot attach it diskless \(that needs DRBD or NVME\)\. Use it on real1, /);
  await rejectsWith(ops.attach('nope', 'real1'), 'not_found', /^Volume 'nope' not found\.$/);
  assert.equal((await c.api.call('GET', '/v1/resource-definitions/pv1/resources/other')).status, 404, 'the refused attach created nothing');

  // --- resize: grows the device; a smaller size is a no-op
  await ops.resize('pv1', 20480);
  assert.equal((await ops.get('pv1'))!.size_kib, 20480);
  assert.equal(Number(execFileSync('blockdev', ['--getsize64', dev], { encoding: 'utf8' })), 20480 * 1024);
  await ops.resize('pv1', 4096);
  assert.equal((await ops.get('pv1'))!.size_kib, 20480);
  await rejectsWith(ops.resize('nope', 4096), 'not_found', /^Volume 'nope' not found\.$/);

  // --- release keeps a diskful replica
  await ops.release('pv1', 'real1');
  assert.deepEqual((await ops.get('pv1'))!.replicas.map((r) => [r.node, r.diskless]), [['real1', false]]);
  await ops.release('pv1', 'other'); // nothing there: fine

  // --- space of the group
  const space = await ops.space('plugrg');
  assert.ok(space.capacity_kib > 0 && space.available_kib > 0 && space.max_volume_kib > 0, JSON.stringify(space));
  await rejectsWith(ops.space('nogroup'), 'not_found', /^Querying the space of resource group 'nogroup': /);

  // --- delete: nothing left; again is fine
  assert.deepEqual(await ops.listSnapshots('pv1'), []);
  await ops.delete('pv1');
  assert.equal(await ops.get('pv1'), undefined);
  assert.equal((await c.api.call('GET', '/v1/resource-definitions/pv1')).status, 404);
  assert.deepEqual(loopsUnder(poolDir), []);
  assert.deepEqual(readdirSync(poolDir).filter((f) => f.startsWith('pv1_')), []);
  await ops.delete('pv1');

  // --- failures that must leave nothing behind
  await ops.ensureResourceGroup('three', { place_count: 3, layer_stack: ['STORAGE'] });
  await rejectsWith(ops.create({ name: 'pv2', size_kib: 4096, resource_group: 'three' }), 'no_space', /^Creating volume 'pv2' from resource group 'three': /);
  assert.equal((await c.api.call('GET', '/v1/resource-definitions/pv2')).status, 404);
  // No place count anywhere: the controller's default count (2) cannot be met by one online node; undone.
  await ops.ensureResourceGroup('noplace', { layer_stack: ['STORAGE'] });
  await rejectsWith(ops.create({ name: 'pv3', size_kib: 4096, resource_group: 'noplace' }), 'no_space', /^Placing volume 'pv3': /);
  assert.equal((await c.api.call('GET', '/v1/resource-definitions/pv3')).status, 404);
  await rejectsWith(ops.create({ name: 'pv4', size_kib: 4096, resource_group: 'nogroup' }), 'not_found', /^Creating volume 'pv4' from resource group 'nogroup': /);
});
