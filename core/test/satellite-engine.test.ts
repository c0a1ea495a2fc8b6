/**
 * The converge engine with fake providers and layers: full and delta updates, removals, the naming
 * rule that protects foreign volumes, failures as reports, the restart cache.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LayerKind } from '../src/model/enums.js';
import type { UpdateResult } from '../src/satellite/satellite.js';
import type { StateReport } from '../src/satellite/protocol.js';
import { FakeProvider, PassLayer, delta, detectAll, full, makeSatellite, pool, rsc, vol } from './satellite-fakes.js';

const P = pool('DfltStorPool', '/pools/a');

function applied(r: UpdateResult): StateReport {
  assert.equal(r.status, 'applied', JSON.stringify(r));
  return (r as { report: StateReport }).report;
}

test('a full update creates every volume and reports devices, sizes and capacity', async (t) => {
  const s = await makeSatellite();
  t.after(s.cleanup);
  const report = applied(await s.sat.applyUpdate(full(1, [P], [rsc('r1', [vol(0, 1024), vol(1, 2048)]), rsc('r2', [vol(0, 4096)])])));
  assert.deepEqual(s.provider.mutations.sort(), ['create r1_00000 1024', 'create r1_00001 2048', 'create r2_00000 4096']);
  assert.equal(report.update_id, 1);
  assert.deepEqual(report.resources.map((r) => r.name), ['r1', 'r2']);
  const r1 = report.resources[0];
  assert.deepEqual(r1.reports, []);
  assert.equal(r1.in_use, false);
  assert.deepEqual(r1.volumes[1], {
    volume_number: 1, device_path: '/dev/fake/r1_00001', allocated_size_kib: 0, usable_size_kib: 2048, disk_state: 'UpToDate',
    layers: [{ layer: 'STORAGE', device_path: '/dev/fake/r1_00001', allocated_size_kib: 0, usable_size_kib: 2048, disk_state: 'UpToDate' }],
  });
  assert.deepEqual(report.pools, [{ name: 'DfltStorPool', free_capacity: 1_048_576 - 7168, total_capacity: 1_048_576, reports: [] }]);
  assert.deepEqual(report.removed_resources, []);
  assert.equal(s.sat.appliedUpdateId, 1);
});

test('the same full update again changes nothing', async (t) => {
  const s = await makeSatellite();
  t.after(s.cleanup);
  const u = (id: number) => full(id, [P], [rsc('r1', [vol(0, 1024)]), rsc('r2', [vol(0, 4096)])]);
  const first = applied(await s.sat.applyUpdate(u(1)));
  s.provider.mutations.length = 0;
  const second = applied(await s.sat.applyUpdate(u(2)));
  assert.deepEqual(s.provider.mutations, []);
  assert.deepEqual(second.resources, first.resources);
  assert.equal(second.update_id, 2);
});

test('a delta on the last update applies: creates, grows and removes only what it names', async (t) => {
  const s = await makeSatellite();
  t.after(s.cleanup);
  applied(await s.sat.applyUpdate(full(7, [P], [rsc('r1', [vol(0, 1024)]), rsc('r2', [vol(0, 1024)])])));
  s.provider.mutations.length = 0;
  const report = applied(await s.sat.applyUpdate(delta(8, 7, [P], [rsc('r2', [vol(0, 3072)]), rsc('r3', [vol(0, 512)])], ['r1'])));
  // Removals first (they free capacity), then the rest concurrently.
  assert.deepEqual([s.provider.mutations[0], ...s.provider.mutations.slice(1).sort()], ['delete r1_00000', 'create r3_00000 512', 'resize r2_00000 3072']);
  assert.deepEqual(report.removed_resources, ['r1']);
  assert.deepEqual(report.resources.map((r) => [r.name, r.volumes[0].usable_size_kib]), [['r2', 3072], ['r3', 512]]);
  assert.deepEqual(s.provider.names('/pools/a'), ['r2_00000', 'r3_00000']);
  assert.equal(s.sat.appliedUpdateId, 8);
});

test('a delta whose base is not the last applied update answers need_full_sync and changes nothing', async (t) => {
  const s = await makeSatellite();
  t.after(s.cleanup);
  // A fresh satellite has applied nothing: every delta needs a full sync first.
  assert.deepEqual(await s.sat.applyUpdate(delta(3, 2, [P], [rsc('r1', [vol(0, 1)])])), { status: 'need_full_sync', last_update_id: undefined });
  applied(await s.sat.applyUpdate(full(10, [P], [])));
  assert.deepEqual(await s.sat.applyUpdate(delta(12, 11, [P], [rsc('r1', [vol(0, 1)])])), { status: 'need_full_sync', last_update_id: 10 });
  assert.deepEqual(s.provider.mutations, []);
  assert.equal(s.sat.appliedUpdateId, 10);
});

test('a full update removes resources no longer desired, and DELETE-flagged ones', async (t) => {
  const s = await makeSatellite();
  t.after(s.cleanup);
  applied(await s.sat.applyUpdate(full(1, [P], [rsc('r1', [vol(0, 1024)]), rsc('r2', [vol(0, 1024)]), rsc('r3', [vol(0, 1024)])])));
  s.provider.mutations.length = 0;
  const report = applied(await s.sat.applyUpdate(full(2, [P], [rsc('r1', [vol(0, 1024)]), rsc('r3', [vol(0, 1024)], { flags: ['DELETE'] })])));
  assert.deepEqual(s.provider.mutations.sort(), ['delete r2_00000', 'delete r3_00000']);
  assert.deepEqual(report.removed_resources, ['r2', 'r3']);
  assert.deepEqual(report.resources.map((r) => r.name), ['r1']);
  assert.deepEqual(s.provider.names('/pools/a'), ['r1_00000']);
});

test('volumes whose names Storhub would not make are never removed; Storhub-named orphans are', async (t) => {
  const provider = new FakeProvider();
  const foreign = ['data', 'vm-100-disk-0', 'r1_0', 'r1_000001', 'r1-00000', '_00000'];
  provider.pools.set('/pools/a', new Map([...foreign.map((n): [string, number] => [n, 8]), ['orphan_00000', 8], ['r1_00003', 8]]));
  const s = await makeSatellite({ provider });
  t.after(s.cleanup);
  const report = applied(await s.sat.applyUpdate(full(1, [P], [rsc('r1', [vol(0, 1024)])])));
  assert.deepEqual(s.provider.mutations.sort(), ['create r1_00000 1024', 'delete orphan_00000', 'delete r1_00003']);
  assert.deepEqual(s.provider.names('/pools/a'), [...foreign, 'r1_00000'].sort());
  assert.deepEqual(report.pools[0].reports, []);
  // And a delta never sweeps.
  provider.pools.get('/pools/a')!.set('late_00000', 8);
  applied(await s.sat.applyUpdate(delta(2, 1, [P], [])));
  assert.ok(s.provider.names('/pools/a').includes('late_00000'));
});

test('a failing provider becomes a report on its pool and resource; the other resources still converge', async (t) => {
  const s = await makeSatellite();
  t.after(s.cleanup);
  s.provider.failing.add('/pools/missing');
  const bad = pool('bad', '/pools/missing');
  const report = applied(await s.sat.applyUpdate(full(1, [P, bad], [rsc('good1', [vol(0, 1024)]), rsc('broken', [vol(0, 1024, 'bad')]), rsc('good2', [vol(0, 2048)])])));
  assert.deepEqual(report.resources.map((r) => [r.name, r.reports.length, r.volumes.length]), [['broken', 1, 0], ['good1', 0, 1], ['good2', 0, 1]]);
  const err = report.resources[0].reports[0];
  assert.equal(err.severity, 'error');
  assert.match(err.message, /^Creating resource 'broken' on node 'alpha' failed: directory \/pools\/missing does not exist$/);
  const badPool = report.pools.find((p) => p.name === 'bad')!;
  assert.deepEqual(badPool, { name: 'bad', reports: [{ severity: 'error', message: "Storage pool 'bad': directory /pools/missing does not exist." }] });
  assert.equal(report.pools.find((p) => p.name === 'DfltStorPool')!.free_capacity, 1_048_576 - 3072);
  assert.deepEqual(s.provider.names('/pools/a'), ['good1_00000', 'good2_00000']);
  assert.equal(s.sat.appliedUpdateId, 1);
});

test('a volume in a pool the node was not given, or of an unsupported provider, is a report naming the fix', async (t) => {
  const s = await makeSatellite();
  t.after(s.cleanup);
  const lvm = pool('lvmpool', 'vg0', 'LVM');
  const report = applied(await s.sat.applyUpdate(full(1, [P, lvm], [rsc('r1', [vol(0, 1024, 'nopool')]), rsc('r2', [vol(0, 1024, 'lvmpool')])])));
  const [r1, r2] = report.resources;
  assert.match(r1.reports[0].message, /uses storage pool 'nopool', which this node was not given/);
  assert.match(r1.reports[0].correction!, /Create the storage pool 'nopool' on node 'alpha'/);
  assert.match(r2.reports[0].message, /provider LVM, which node 'alpha' does not support/);
  const lvmPool = report.pools.find((p) => p.name === 'lvmpool')!;
  assert.equal(lvmPool.reports[0].message, "Storage pool 'lvmpool' uses provider LVM, which node 'alpha' does not support.");
  assert.equal(lvmPool.reports[0].cause, 'this satellite has no implementation of it');
});

test('a layer the node does not support is reported with the detector\'s reason', async (t) => {
  const s = await makeSatellite();
  t.after(s.cleanup);
  const report = applied(await s.sat.applyUpdate(full(1, [P], [rsc('r1', [vol(0, 1024)], { layer_stack: ['DRBD', 'STORAGE'] })])));
  const r = report.resources[0];
  assert.deepEqual(r.volumes, []);
  assert.equal(r.reports[0].message, "Resource 'r1' needs layer DRBD, which node 'alpha' does not support.");
  assert.equal(r.reports[0].cause, 'kernel module drbd is not loaded');
  assert.deepEqual(s.provider.mutations, []);
  assert.deepEqual(s.sat.info().capabilities.layers, ['STORAGE']);
});

test('layers stack on STORAGE, which sizes the volume for their metadata; removal runs the whole stack', async (t) => {
  const luks = new PassLayer('LUKS', 16384);
  const s = await makeSatellite({ layers: new Map<LayerKind, PassLayer>([['LUKS', luks]]), detectors: [detectAll(['FILE_THIN'], ['LUKS'])] });
  t.after(s.cleanup);
  const r = rsc('enc', [vol(0, 1024)], { layer_stack: ['LUKS', 'STORAGE'] });
  const report = applied(await s.sat.applyUpdate(full(1, [P], [r])));
  assert.deepEqual(s.provider.mutations, ['create enc_00000 17408']);
  const v = report.resources[0].volumes[0];
  assert.deepEqual([v.device_path, v.usable_size_kib, v.allocated_size_kib, v.layers.map((l) => l.layer)], ['/dev/luks/enc_0', 1024, 0, ['LUKS', 'STORAGE']]);
  // GROSS_SIZE: the user's number is the bottom volume's size.
  applied(await s.sat.applyUpdate(full(2, [P], [r, rsc('gross', [{ ...vol(0, 4096), gross_size: true }], { layer_stack: ['LUKS', 'STORAGE'] })])));
  assert.ok(s.provider.mutations.includes('create gross_00000 4096'));
  applied(await s.sat.applyUpdate(full(3, [P], [])));
  assert.deepEqual(luks.calls.filter((c) => c.startsWith('remove')).sort(), ['remove enc', 'remove gross']);
  assert.deepEqual(s.provider.names('/pools/a'), []);
});

test('after a restart the cache lets a full update tear down the whole stack of a resource deleted meanwhile', async (t) => {
  const luks = new PassLayer('LUKS');
  const opts = { layers: new Map<LayerKind, PassLayer>([['LUKS', luks]]), detectors: [detectAll(['FILE_THIN'], ['LUKS'])] };
  const first = await makeSatellite(opts);
  t.after(first.cleanup);
  applied(await first.sat.applyUpdate(full(1, [P], [rsc('enc', [{ ...vol(0, 1024), luks_key: 'c2VjcmV0' }], { layer_stack: ['LUKS', 'STORAGE'] })])));
  await first.sat.close();
  const { readFile } = await import('node:fs/promises');
  assert.doesNotMatch(await readFile(`${first.stateDir}/resources.json`, 'utf8'), /c2VjcmV0/, 'no key in the cache');

  const again = await makeSatellite({ ...opts, provider: first.provider, stateDir: first.stateDir });
  const report = applied(await again.sat.applyUpdate(full(1, [P], [])));
  assert.deepEqual(report.removed_resources, ['enc']);
  assert.deepEqual(luks.calls, ['apply enc', 'remove enc']);
  assert.deepEqual(first.provider.names('/pools/a'), []);
});

test('diskless resources get no volume; toggling to diskless and dropping a volume delete the storage', async (t) => {
  const s = await makeSatellite();
  t.after(s.cleanup);
  const report = applied(await s.sat.applyUpdate(full(1, [P], [rsc('dl', [vol(0, 1024)], { flags: ['DRBD_DISKLESS'] }), rsc('two', [vol(0, 1024), vol(1, 1024)])])));
  assert.deepEqual(report.resources[0].volumes, [{ volume_number: 0, disk_state: 'Diskless', layers: [{ layer: 'STORAGE', disk_state: 'Diskless' }] }]);
  assert.deepEqual(s.provider.names('/pools/a'), ['two_00000', 'two_00001']);
  applied(await s.sat.applyUpdate(delta(2, 1, [P], [rsc('two', [vol(0, 1024)])])));
  assert.deepEqual(s.provider.names('/pools/a'), ['two_00000']);
  applied(await s.sat.applyUpdate(delta(3, 2, [P], [rsc('two', [vol(0, 1024)], { flags: ['DISKLESS'] })])));
  assert.deepEqual(s.provider.names('/pools/a'), []);
});

test('resources converge concurrently within the bound, one operation at a time per resource', async (t) => {
  const provider = new FakeProvider();
  let running = 0;
  let peak = 0;
  provider.onCreate = async () => {
    peak = Math.max(peak, ++running);
    await new Promise((r) => setTimeout(r, 20));
    running--;
  };
  const s = await makeSatellite({ provider, concurrency: 3 });
  t.after(s.cleanup);
  const many = Array.from({ length: 8 }, (_, i) => rsc(`r${i}`, [vol(0, 8)]));
  // A second update queued behind the first is applied after it (its base is the first's id).
  const [a, b] = await Promise.all([s.sat.applyUpdate(full(1, [P], many)), s.sat.applyUpdate(delta(2, 1, [P], [], ['r0']))]);
  assert.equal(applied(a).resources.length, 8);
  assert.deepEqual(applied(b).removed_resources, ['r0']);
  assert.equal(peak, 3);
});

test('events: each converged resource is published to subscribers', async (t) => {
  const s = await makeSatellite();
  t.after(s.cleanup);
  const seen: string[] = [];
  const off = s.sat.subscribe((e) => seen.push(e.type === 'resource' ? `resource ${e.resource.name}` : e.type));
  applied(await s.sat.applyUpdate(full(1, [P], [rsc('r1', [vol(0, 8)])])));
  off();
  applied(await s.sat.applyUpdate(full(2, [P], [rsc('r2', [vol(0, 8)])])));
  assert.deepEqual(seen, ['resource r1']);
});

test('an update for another node is refused', async (t) => {
  const s = await makeSatellite();
  t.after(s.cleanup);
  await assert.rejects(s.sat.applyUpdate({ ...full(1, [P], []), node_name: 'bravo' }), /This satellite is node 'alpha', but the update is for node 'bravo'/);
  applied(await s.sat.applyUpdate({ ...full(1, [P], []), node_name: 'ALPHA' }));
});

test('a top layer that observes (DRBD) fills in use, connections, disk and replication states', async (t) => {
  const drbd = Object.assign(new PassLayer('DRBD'), {
    async observe() {
      return {
        in_use: true,
        connections: { bravo: { connected: true, message: 'Connected' } },
        volumes: new Map([[0, { disk_state: 'Inconsistent', replication_states: { bravo: { replication_state: 'SyncTarget', done_percentage: 42.5 } } }]]),
      };
    },
  });
  const s = await makeSatellite({ layers: new Map<LayerKind, PassLayer>([['DRBD', drbd]]), detectors: [detectAll(['FILE_THIN'], ['DRBD'])] });
  t.after(s.cleanup);
  const report = applied(await s.sat.applyUpdate(full(1, [P], [rsc('rep', [vol(0, 1024)], { layer_stack: ['DRBD', 'STORAGE'] })])));
  const r = report.resources[0];
  assert.equal(r.in_use, true);
  assert.deepEqual(r.connections, { bravo: { connected: true, message: 'Connected' } });
  assert.equal(r.volumes[0].disk_state, 'Inconsistent');
  assert.deepEqual(r.volumes[0].replication_states, { bravo: { replication_state: 'SyncTarget', done_percentage: 42.5 } });
  assert.deepEqual(r.volumes[0].layers.map((l) => l.layer), ['DRBD', 'STORAGE']);
});
