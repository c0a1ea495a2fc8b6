/** Autoplacer filters on synthetic clusters: every rule keeps out exactly the nodes/pools it should, and says why. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { autoplace } from '../src/controller/autoplacer/autoplacer.js';
import { virtualFree } from '../src/controller/autoplacer/filter.js';
import type { PlacementResult } from '../src/controller/autoplacer/types.js';
import { cluster, GiB, mixedCluster, names, node, pool, request } from './placement-fixtures.js';

/** The exclusion detail per node, for exact assertions. */
const why = (r: PlacementResult) => Object.fromEntries(r.excluded.map((e) => [e.node, e.detail]));
const kinds = (r: PlacementResult) => Object.fromEntries(r.excluded.map((e) => [e.node, e.kind]));
const qualified = (r: PlacementResult) => [...new Set(r.qualified.map((c) => c.node.name))].sort();
const selected = (r: PlacementResult) => (r.ok ? names(r.selected) : assert.fail(`placement failed: ${JSON.stringify(r.excluded)}`));

test('node state: offline, evacuating, deleting, evicted, non-holding node types and AutoplaceTarget=false are never targets', () => {
  const c = cluster([
    node('a'), node('b'),
    node('off', { connection: 'OFFLINE' }),
    node('evac', { flags: ['EVACUATE'] }),
    node('del', { flags: ['DELETE'] }),
    node('evicted', { flags: ['EVICTED'] }),
    node('ctrl', { type: 'CONTROLLER' }),
    node('notarget', { target: false }),
  ]);
  const r = autoplace(c, request({ count: 2 }));
  assert.deepEqual(selected(r), ['a', 'b']);
  assert.deepEqual(why(r), {
    off: 'offline (connection status OFFLINE)',
    evac: 'being evacuated',
    del: 'being deleted',
    evicted: 'evicted',
    ctrl: 'node type CONTROLLER',
    notarget: 'AutoplaceTarget=false',
  });
  // The offline skip can be turned off for synthetic clusters; the other rules stay.
  const all = autoplace(c, request({ count: 3, requireOnline: false }));
  assert.deepEqual(qualified(all), ['a', 'b', 'off']);
});

test('node_name_list, storage_pool_list and provider_list are case-insensitive name filters', () => {
  const c = cluster([
    node('alpha', { pools: [pool({ name: 'thin', provider: 'LVM_THIN' }), pool({ name: 'thick', provider: 'LVM' })] }),
    node('bravo', { pools: [pool({ name: 'thin', provider: 'LVM_THIN' })] }),
    node('charlie', { pools: [pool({ name: 'zfs', provider: 'ZFS' })] }),
  ]);
  const byNode = autoplace(c, request({ count: 1, filter: { node_name_list: ['BRAVO'] } }));
  assert.deepEqual(selected(byNode), ['bravo']);
  assert.equal(why(byNode).alpha, 'not in node_name_list');

  const byPool = autoplace(c, request({ count: 2, filter: { storage_pool_list: ['THIN'] } }));
  assert.deepEqual(selected(byPool), ['alpha', 'bravo']);
  assert.ok(byPool.ok && byPool.selected.every((s) => s.pool.name === 'thin'));
  assert.equal(why(byPool).charlie, "pool 'zfs' is not in storage_pool_list [THIN]");

  const byProvider = autoplace(c, request({ count: 1, filter: { provider_list: ['LVM'] } }));
  assert.ok(byProvider.ok);
  assert.deepEqual(byProvider.selected.map((s) => `${s.node.name}/${s.pool.name}`), ['alpha/thick']);
  assert.equal(why(byProvider).charlie, "pool 'zfs' is ZFS, not in provider_list [LVM]");
  assert.equal(kinds(byProvider).bravo, 'provider');
});

test('pool AutoplaceTarget=false, unsupported providers and diskless-only nodes', () => {
  const c = cluster([
    node('a', { pools: [pool({ name: 'p', target: false })] }),
    node('b', { providers: ['LVM'], pools: [pool({ name: 'p', provider: 'ZFS' })] }),
    node('c', { pools: [pool({ name: 'DfltDisklessStorPool', provider: 'DISKLESS' })] }),
    node('d'),
  ]);
  const r = autoplace(c, request({ count: 1 }));
  assert.deepEqual(selected(r), ['d']);
  assert.deepEqual(why(r), {
    a: "pool 'p' has AutoplaceTarget=false",
    b: "pool 'p': the satellite does not support ZFS",
    c: 'no storage pool with storage',
  });
});

test('not_place_with_rsc and not_place_with_rsc_regex keep replicas away from nodes holding those resources', () => {
  const c = cluster([
    node('a', { resources: ['db-primary'] }),
    node('b', { resources: ['Web1'] }),
    node('c', { resources: ['r1'] }), // the resource itself does not count here
    node('d', { resources: [] }),
  ]);
  const list = autoplace(c, request({ count: 2, filter: { not_place_with_rsc: ['DB-PRIMARY'] } }));
  assert.deepEqual(qualified(list), ['b', 'd']);
  assert.equal(why(list).a, "holds resource 'db-primary' (not_place_with_rsc)");
  assert.equal(why(list).c, 'already holds a replica that is being deleted, evacuated or evicted');
  const re = autoplace(c, request({ count: 1, filter: { not_place_with_rsc_regex: '^web' } }));
  assert.equal(why(re).b, "holds resource 'Web1' (not_place_with_rsc_regex)");
  assert.deepEqual(selected(re), ['a']);
});

test('replicas_on_same: key=value pins the value, a bare key needs the property and one shared value', () => {
  const c = mixedCluster(24);
  const pinned = autoplace(c, request({ count: 3, filter: { replicas_on_same: ['Aux/site=b'] }, allowMixing: true }));
  assert.ok(pinned.ok);
  assert.ok(pinned.selected.every((s) => s.node.props['Aux/site'] === 'b'));
  assert.equal(why(pinned)['node-00'], 'Aux/site=a, replicas_on_same needs b');

  const open = autoplace(c, request({ count: 3, filter: { replicas_on_same: ['Aux/rack'] }, allowMixing: true }));
  assert.ok(open.ok);
  // Rack r0 (node-00..03) has the most free space: the best group wins.
  assert.deepEqual(names(open.selected), ['node-00', 'node-01', 'node-02']);

  const missing = cluster([node('x', { props: {} }), node('y', { props: { 'Aux/rack': '1' } }), node('z', { props: { 'Aux/rack': '1' } })]);
  const m = autoplace(missing, request({ count: 2, filter: { replicas_on_same: ['Aux/rack'] } }));
  assert.deepEqual(selected(m), ['y', 'z']);
  assert.equal(why(m).x, 'Aux/rack is not set (replicas_on_same)');
});

test('replicas_on_same: existing diskful replicas fix the value', () => {
  const c = mixedCluster(12);
  const r = autoplace(c, request({
    count: 2, allowMixing: true, filter: { replicas_on_same: ['Aux/site'] },
    existing: [{ node: 'node-02', diskless: false, provider: 'FILE_THIN' }],
  }));
  assert.ok(r.ok);
  assert.ok(r.selected.every((s) => s.node.props['Aux/site'] === 'c'), 'node-02 is in site c');
  assert.equal(why(r)['node-02'], 'already holds a diskful replica');
});

test('replicas_on_different: one replica per value by default, key=value excludes a value, x_replicas_on_different_map raises the limit', () => {
  const c = mixedCluster(24);
  const diff = autoplace(c, request({ count: 3, allowMixing: true, filter: { replicas_on_different: ['Aux/site'] } }));
  assert.ok(diff.ok);
  assert.deepEqual(diff.selected.map((s) => s.node.props['Aux/site']).sort(), ['a', 'b', 'c']);
  // Thin pools count with their oversubscription (x20), so the thin nodes of each site win.
  assert.deepEqual(names(diff.selected), ['node-00', 'node-02', 'node-04']);

  const noA = autoplace(c, request({ count: 2, allowMixing: true, filter: { replicas_on_different: ['Aux/site=a'] } }));
  assert.ok(noA.ok && noA.selected.every((s) => s.node.props['Aux/site'] !== 'a'));
  assert.equal(why(noA)['node-00'], 'Aux/site=a is excluded by replicas_on_different');

  const two = autoplace(c, request({ count: 4, allowMixing: true, filter: { replicas_on_different: ['Aux/site'], x_replicas_on_different_map: { 'Aux/site': 2 } } }));
  assert.ok(two.ok);
  const perSite = new Map<string, number>();
  for (const s of two.selected) perSite.set(s.node.props['Aux/site'], (perSite.get(s.node.props['Aux/site']) ?? 0) + 1);
  assert.ok([...perSite.values()].every((n) => n <= 2));

  // Existing replicas use up their value.
  const existing = autoplace(c, request({
    count: 2, allowMixing: true, filter: { replicas_on_different: ['Aux/site'] },
    existing: [{ node: 'node-00', diskless: false, provider: 'LVM_THIN' }],
  }));
  assert.ok(existing.ok && existing.selected.every((s) => s.node.props['Aux/site'] !== 'a'));
  assert.equal(why(existing)['node-03'], 'Aux/site=a already holds 1 replica(s) (at most 1 per value)');
});

test('layers: nodes that reported lacking a layer are excluded; unreported layers are not checked; NVMe targets need only NVMe and below', () => {
  const c = cluster([
    node('nodrbd', { layers: ['LUKS', 'STORAGE', 'NVME'] }),
    node('full', { layers: ['DRBD', 'LUKS', 'STORAGE', 'NVME'] }),
    node('unknown'),
  ]);
  const drbd = autoplace(c, request({ count: 2, layers: ['DRBD', 'LUKS', 'STORAGE'] }));
  assert.deepEqual(selected(drbd), ['full', 'unknown']);
  assert.equal(why(drbd).nodrbd, 'does not support the DRBD layer');
  const nvme = autoplace(c, request({ count: 3, layers: ['DRBD', 'NVME', 'STORAGE'] }));
  assert.deepEqual(selected(nvme), ['full', 'nodrbd', 'unknown'], 'an NVMe target does not run DRBD');
});

test('capacity: too little free space and unknown capacity exclude a pool; thick pools subtract what is placed', () => {
  const c = cluster([
    node('small', { pools: [pool({ provider: 'LVM', free: 512 * 1024, total: 10 * GiB })] }),
    node('unreported', { pools: [pool({ provider: 'LVM', free: undefined, total: undefined })] }),
    // 10 GiB free reported, but 9.5 GiB of records placed there are not deployed yet: 0.5 GiB left.
    node('pending', { pools: [pool({ provider: 'LVM', free: 10 * GiB, total: 10 * GiB, reserved: 9.5 * GiB })] }),
    node('big', { pools: [pool({ provider: 'LVM', free: 10 * GiB, total: 10 * GiB })] }),
  ]);
  const r = autoplace(c, request({ count: 1, sizeKib: GiB }));
  assert.deepEqual(selected(r), ['big']);
  assert.deepEqual(why(r), {
    small: "pool 'pool1': 512 MiB free, 1 GiB needed",
    unreported: "pool 'pool1': capacity not reported by the satellite yet",
    pending: "pool 'pool1': 512 MiB free, 1 GiB needed",
  });
  assert.equal(kinds(r).unreported, 'unknown-capacity');
});

test('unknown capacity: used only when pools of known capacity cannot satisfy the request, ranked last', () => {
  const c = cluster([
    node('known1', { pools: [pool({ free: 5 * GiB })] }),
    node('known2', { pools: [pool({ free: 50 * GiB })] }),
    node('new1', { pools: [pool({ free: undefined, total: undefined })] }),
    node('new2', { pools: [pool({ free: undefined, total: undefined })] }),
  ]);
  const two = autoplace(c, request({ count: 2 }));
  assert.ok(two.ok);
  assert.deepEqual(names(two.selected), ['known1', 'known2']);
  assert.ok(two.selected.every((s) => !s.unchecked));
  const three = autoplace(c, request({ count: 3 }));
  assert.ok(three.ok);
  assert.deepEqual(three.selected.map((s) => [s.node.name, s.unchecked === true]), [['known1', false], ['known2', false], ['new1', true]]);
  assert.deepEqual(three.excluded, [], 'in the last-resort round the unreported pools qualify');
  const strict = autoplace(c, request({ count: 3, uncheckedCapacity: 'exclude' }));
  assert.equal(strict.ok, false);
  assert.deepEqual(kinds(strict), { new1: 'unknown-capacity', new2: 'unknown-capacity' });
  // Offline nodes stay out even with unknown capacity.
  const offline = autoplace(cluster([node('gone', { connection: 'OFFLINE', pools: [pool({ free: undefined, total: undefined })] })]), request({ count: 1 }));
  assert.deepEqual(kinds(offline), { gone: 'offline' });
});

test('thin pools: free * ratio and total * ratio - placed (MaxOversubscriptionRatio)', () => {
  assert.equal(virtualFree(pool({ provider: 'LVM_THIN', free: 10, total: 100, ratio: 20 })), 200, 'free-bound');
  assert.equal(virtualFree(pool({ provider: 'LVM_THIN', free: 100, total: 100, ratio: 20, reserved: 1900 })), 100, 'total-bound');
  assert.equal(virtualFree(pool({ provider: 'LVM_THIN', free: 100, total: 100, ratio: 2, reserved: 250 })), 0, 'over-provisioned pool has nothing left');
  assert.equal(virtualFree(pool({ provider: 'LVM', free: 100, total: 100, reserved: 30 })), 70);
  assert.equal(virtualFree(pool({ free: undefined })), undefined);

  // 10 GiB thin pool with 150 GiB already provisioned: ratio 20 leaves 50 GiB, ratio 15 leaves 0.
  const c = (ratio: number) => cluster([node('t', { pools: [pool({ provider: 'LVM_THIN', free: 10 * GiB, total: 10 * GiB, reserved: 150 * GiB, ratio })] })]);
  assert.ok(autoplace(c(20), request({ count: 1, sizeKib: 40 * GiB })).ok);
  const over = autoplace(c(15), request({ count: 1, sizeKib: GiB }));
  assert.equal(over.ok, false);
  assert.equal(why(over).t, "pool 'pool1': 0 KiB free (with oversubscription), 1 GiB needed");
});

test('existing replicas: diskful holders are skipped, a diskless holder may get a disk', () => {
  const c = cluster([node('a'), node('b'), node('c')]);
  const r = autoplace(c, request({
    count: 2,
    existing: [{ node: 'a', diskless: false, provider: 'LVM_THIN' }, { node: 'c', diskless: true }],
  }));
  assert.ok(r.ok);
  assert.deepEqual(names(r.selected), ['b', 'c']);
  assert.deepEqual(r.selected.map((s) => s.convert), [false, true]);
  assert.equal(why(r).a, 'already holds a diskful replica');
});

test('one provider kind per resource unless AllowMixingStoragePoolDriver', () => {
  const c = cluster([
    node('a', { pools: [pool({ provider: 'LVM', free: 50 * GiB })] }),
    node('b', { pools: [pool({ provider: 'ZFS', free: 90 * GiB })] }),
    node('c', { pools: [pool({ provider: 'LVM', free: 40 * GiB })] }),
    node('d', { pools: [pool({ provider: 'ZFS', free: 10 * GiB })] }),
    node('e', { pools: [pool({ provider: 'ZFS', free: 5 * GiB })] }),
  ]);
  // The best pair of one kind: scores are normalised by the largest free space (90 GiB), so
  // ZFS b+d = 1 + 0.11 beats LVM a+c = 0.56 + 0.44; mixing a with b is not allowed.
  const one = autoplace(c, request({ count: 2 }));
  assert.deepEqual(selected(one), ['b', 'd']);
  const lvm = autoplace(c, request({ count: 1, existing: [{ node: 'a', diskless: false, provider: 'LVM' }] }));
  assert.deepEqual(selected(lvm), ['c']);
  assert.equal(why(lvm).b, "pool 'pool1' is ZFS, the existing replicas use LVM (AllowMixingStoragePoolDriver is not set)");
  const mixed = autoplace(c, request({ count: 2, allowMixing: true }));
  assert.deepEqual(selected(mixed), ['a', 'b']);
});

test('pools of one shared space count once', () => {
  const c = cluster([
    node('a', { pools: [pool({ sharedSpace: 'SAN', free: 90 * GiB })] }),
    node('b', { pools: [pool({ sharedSpace: 'SAN', free: 80 * GiB })] }),
    node('c', { pools: [pool({ free: 10 * GiB })] }),
  ]);
  assert.deepEqual(selected(autoplace(c, request({ count: 2 }))), ['a', 'c']);
});
