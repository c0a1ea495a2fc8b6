/**
 * Snapshot create / delete / multi-snapshot through the REST API, and the per-node state the
 * satellites' reports fold into the records (SUCCESSFUL, confirmed deletions).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { codes } from './helpers.js';
import { addRd, ok } from './resource-fixtures.js';
import { R, fold, observed, reportCreated, snapshotCluster } from './snapshot-fixtures.js';
import { desiredStateOf } from '../src/controller/satellites/desired-state.js';

test('create: 201 on every diskful resource, not the diskless one; SUCCESSFUL only once every node reported it', async (t) => {
  const api = await snapshotCluster();
  t.after(() => api.close());
  const res = await api.call('POST', `${R}/RES/snapshots`, { name: 'snap1' });
  assert.equal(res.status, 201);
  assert.equal(BigInt(res.body[0].ret_code), 0x10c0001n, 'CREATED | CREATE | SNAPSHOT');
  assert.equal(res.body[0].message, "New snapshot 'snap1' of resource 'res' registered.");
  assert.equal(res.body[0].obj_refs.Snapshot, 'snap1');

  let snap = await ok(api, 'GET', `${R}/res/snapshots/snap1`);
  assert.deepEqual(snap.nodes, ['n1', 'n2']);
  assert.equal(snap.flags, undefined, 'no flags before the satellites reported');
  assert.deepEqual(snap.volume_definitions, [{ volume_number: 0, size_kib: 1024 }]);
  assert.deepEqual(snap.snapshots.map((s: any) => [s.node_name, s.snapshot_name, typeof s.uuid, s.snapshot_volumes.length]),
    [['n1', 'snap1', 'string', 1], ['n2', 'snap1', 'string', 1]]);

  // The desired state of each diskful node lists it; the diskless replica has no list at all.
  const g = api.controller.graph;
  assert.deepEqual(desiredStateOf(g, 'n1')!.resources.get('RES')!.snapshots, [{ name: 'snap1', suspend_io: false }]);
  assert.equal(desiredStateOf(g, 'n3')!.resources.get('RES')!.snapshots, undefined);

  reportCreated(api, 'res', ['snap1'], ['n1']);
  snap = await ok(api, 'GET', `${R}/res/snapshots/snap1`);
  assert.equal(snap.flags, undefined, 'one of two nodes is not enough');
  reportCreated(api, 'res', ['snap1'], ['n2']);
  snap = await ok(api, 'GET', `${R}/res/snapshots/snap1`);
  assert.deepEqual(snap.flags, ['SUCCESSFUL']);

  const only = await api.call('POST', `${R}/res/snapshots`, { name: 'snap2', nodes: ['N2'] });
  assert.equal(only.status, 201);
  assert.equal(only.body[0].message, "New snapshot 'snap2' of resource 'res' on nodes 'n2' registered.");
  assert.deepEqual((await ok(api, 'GET', `${R}/res/snapshots/snap2`)).nodes, ['n2']);
});

test('create refusals: existing name, invalid name, missing definition, diskless node, offline satellite, nothing to snapshot', async (t) => {
  const api = await snapshotCluster();
  t.after(() => api.close());
  await ok(api, 'POST', `${R}/res/snapshots`, { name: 'snap1' });
  const dup = await api.call('POST', `${R}/res/snapshots`, { name: 'SNAP1' });
  assert.equal(dup.status, 500);
  assert.deepEqual(codes(dup.body), [{ severity: 'error', code: 514 }]);
  assert.equal(dup.body[0].message, "A snapshot definition with the name 'SNAP1' already exists in resource definition 'res'.");

  const bad = await api.call('POST', `${R}/res/snapshots`, { name: '1bad' });
  assert.deepEqual([bad.status, codes(bad.body)], [500, [{ severity: 'error', code: 218 }]]);
  const noRd = await api.call('POST', `${R}/ghost/snapshots`, { name: 'snap9' });
  assert.deepEqual([noRd.status, codes(noRd.body)], [404, [{ severity: 'error', code: 301 }]]);

  const diskless = await api.call('POST', `${R}/res/snapshots`, { name: 'snap3', nodes: ['n3'] });
  assert.deepEqual([diskless.status, codes(diskless.body)], [500, [{ severity: 'error', code: 994 }]]);
  assert.match(diskless.body[0].message, /diskless resource on node 'n3'/);

  api.runtime.setNode('n2', { connection_status: 'OFFLINE' });
  const offline = await api.call('POST', `${R}/res/snapshots`, { name: 'snap4' });
  assert.deepEqual([offline.status, codes(offline.body)], [500, [{ severity: 'error', code: 995 }]]);
  assert.match(offline.body[0].message, /'n2' \(OFFLINE\)/);
  assert.ok(offline.body[0].correction.includes('Start the satellite on n2'));

  await addRd(api, 'empty', { layers: ['STORAGE'] });
  const none = await api.call('POST', `${R}/empty/snapshots`, { name: 'snap5' });
  assert.deepEqual([none.status, codes(none.body)], [404, [{ severity: 'error', code: 302 }]], 'FAIL_NOT_FOUND_RSC maps to 404');
  // Nothing of the refused requests was written.
  assert.deepEqual(api.controller.graph.snapshotsOf('res').map((s) => s.name), ['snap1']);
});

test('a pool that cannot snapshot (LVM thick) is refused with FAIL_SNAPSHOTS_NOT_SUPPORTED naming node, pool and driver', async (t) => {
  const api = await snapshotCluster();
  t.after(() => api.close());
  await addRd(api, 'thickres', { layers: ['STORAGE'] });
  await ok(api, 'POST', `${R}/thickres/resources`, [{ resource: { node_name: 'n1' } }, { resource: { node_name: 'n3', props: { StorPoolName: 'thick' } } }]);
  const res = await api.call('POST', `${R}/thickres/snapshots`, { name: 'snap1' });
  assert.equal(res.status, 500);
  assert.deepEqual(codes(res.body), [{ severity: 'error', code: 994 }]);
  assert.equal(BigInt(res.body[0].ret_code), -4611686018409823262n, 'FAIL_SNAPSHOTS_NOT_SUPPORTED | CREATE | SNAPSHOT');
  assert.match(res.body[0].message, /Storage driver 'LVM' does not support snapshots/);
  assert.match(res.body[0].message, /node 'n3'/);
  assert.match(res.body[0].message, /storage pool 'thick'/);
  // Leaving the node out works.
  assert.equal((await api.call('POST', `${R}/thickres/snapshots`, { name: 'snap1', nodes: ['n1'] })).status, 201);
});

test('delete: missing is a 200 warning; on connected nodes it is marked DELETE until the satellite no longer lists it', async (t) => {
  const api = await snapshotCluster();
  t.after(() => api.close());
  // Before any snapshot, diskful replicas already get an (empty) list: an offline delete must reach them.
  assert.deepEqual(desiredStateOf(api.controller.graph, 'n2')!.resources.get('RES')!.snapshots, []);
  const missing = await api.call('DELETE', `${R}/res/snapshots/nope`);
  assert.equal(missing.status, 200);
  assert.deepEqual(codes(missing.body), [{ severity: 'warn', code: 3000 }]);
  const noRd = await api.call('DELETE', `${R}/ghost/snapshots/nope`);
  assert.equal(noRd.status, 404);

  await ok(api, 'POST', `${R}/res/snapshots`, { name: 'snap1' });
  reportCreated(api, 'res', ['snap1']);
  const one = await api.call('DELETE', `${R}/res/snapshots/snap1?nodes=n1`);
  assert.equal(one.status, 200);
  assert.deepEqual(codes(one.body), [{ severity: 'success', code: 2 }]);
  assert.match(one.body[0].message, /on node 'n1' marked for deletion/);
  let snap = await ok(api, 'GET', `${R}/res/snapshots/snap1`);
  assert.deepEqual(snap.snapshots.map((s: any) => [s.node_name, s.flags]), [['n1', ['DELETE']], ['n2', undefined]]);
  assert.deepEqual(snap.flags, ['SUCCESSFUL']);
  const g = api.controller.graph;
  assert.deepEqual(desiredStateOf(g, 'n1')!.resources.get('RES')!.snapshots, [], 'n1 no longer wants it');
  assert.deepEqual(desiredStateOf(g, 'n2')!.resources.get('RES')!.snapshots, [{ name: 'snap1', suspend_io: false }]);

  // n1 still lists it: nothing changes; once it no longer does, its copy is gone.
  fold(api, 'n1', observed(api, 'res', 'n1', { snapshots: [{ name: 'snap1', created: true, volumes: [], reports: [] }] }));
  assert.deepEqual(g.snapshotsOf('res')[0].nodes, ['n1', 'n2']);
  fold(api, 'n1', observed(api, 'res', 'n1', { snapshots: [] }));
  snap = await ok(api, 'GET', `${R}/res/snapshots/snap1`);
  assert.deepEqual(snap.nodes, ['n2']);

  // The rest, with n2's satellite gone: removed at once (its full state no longer lists it).
  api.runtime.setNode('n2', { connection_status: 'OFFLINE' });
  const rest = await api.call('DELETE', `${R}/res/snapshots/snap1`);
  assert.deepEqual(codes(rest.body), [{ severity: 'success', code: 2 }]);
  assert.equal(rest.body[0].message, "Snapshot definition 'snap1' of resource 'res' deleted.");
  assert.equal((await api.call('GET', `${R}/res/snapshots/snap1`)).status, 404);
});

test('delete everywhere on connected nodes: DELETE flag, the record goes with the last confirmation; rd delete refused meanwhile', async (t) => {
  const api = await snapshotCluster();
  t.after(() => api.close());
  await ok(api, 'POST', `${R}/res/snapshots`, { name: 'snap1' });
  await ok(api, 'DELETE', `${R}/res/snapshots/snap1`);
  const snap = await ok(api, 'GET', `${R}/res/snapshots/snap1`);
  assert.ok(snap.flags.includes('DELETE'));
  const rdDel = await api.call('DELETE', `${R}/res`);
  assert.deepEqual([rdDel.status, codes(rdDel.body)], [500, [{ severity: 'error', code: 514 }]]);
  fold(api, 'n1', observed(api, 'res', 'n1', { snapshots: [] }));
  assert.equal((await api.call('GET', `${R}/res/snapshots/snap1`)).status, 200);
  fold(api, 'n2', observed(api, 'res', 'n2', { snapshots: [] }));
  assert.equal((await api.call('GET', `${R}/res/snapshots/snap1`)).status, 404);
  assert.deepEqual((await ok(api, 'GET', '/v1/view/snapshots')), []);
});

test('multi-snapshot: 201 with one answer per snapshot; one bad entry and nothing is written', async (t) => {
  const api = await snapshotCluster();
  t.after(() => api.close());
  await addRd(api, 'res2', { layers: ['STORAGE'] });
  await ok(api, 'POST', `${R}/res2/resources`, [{ resource: { node_name: 'n2' } }]);
  const bad = await api.call('POST', '/v1/actions/snapshot/multi', {
    snapshots: [{ resource_name: 'res', name: 'm1' }, { resource_name: 'ghost', name: 'm1' }],
  });
  assert.equal(bad.status, 404);
  assert.equal(api.controller.graph.snapshots.size, 0);

  const res = await api.call('POST', '/v1/actions/snapshot/multi', {
    snapshots: [{ resource_name: 'res', name: 'm1' }, { resource_name: 'RES2', name: 'm1', nodes: ['n2'] }],
  });
  assert.equal(res.status, 201);
  assert.deepEqual(codes(res.body), [{ severity: 'success', code: 1 }, { severity: 'success', code: 1 }]);
  const list = await ok(api, 'GET', '/v1/view/snapshots');
  assert.deepEqual(list.map((s: any) => [s.resource_name, s.name, s.nodes]), [['res', 'm1', ['n1', 'n2']], ['res2', 'm1', ['n2']]]);

  const twice = await api.call('POST', '/v1/actions/snapshot/multi', { snapshots: [{ resource_name: 'res', name: 'm2' }, { resource_name: 'res', name: 'M2' }] });
  assert.deepEqual(codes(twice.body), [{ severity: 'error', code: 514 }]);
  const empty = await api.call('POST', '/v1/actions/snapshot/multi', {});
  assert.deepEqual([empty.status, codes(empty.body)], [500, [{ severity: 'error', code: 234 }]]);
});

test('a failed snapshot on a node shows FAILED_DEPLOYMENT, and turns SUCCESSFUL when it is created after all', async (t) => {
  const api = await snapshotCluster();
  t.after(() => api.close());
  await ok(api, 'POST', `${R}/res/snapshots`, { name: 'snap1' });
  reportCreated(api, 'res', ['snap1'], ['n1']);
  fold(api, 'n2', observed(api, 'res', 'n2', {
    snapshots: [{ name: 'snap1', created: false, volumes: [], reports: [{ severity: 'error', message: 'cp --reflink failed' }] }],
  }));
  let snap = await ok(api, 'GET', `${R}/res/snapshots/snap1`);
  assert.deepEqual(snap.flags, ['FAILED_DEPLOYMENT']);
  assert.equal(api.controller.graph.snapshotsOf('res')[0].node_snapshots![1].failure, 'cp --reflink failed');
  reportCreated(api, 'res', ['snap1'], ['n2']);
  snap = await ok(api, 'GET', `${R}/res/snapshots/snap1`);
  assert.deepEqual(snap.flags, ['SUCCESSFUL']);
});

test('modify: the snapshot definition props (props and snapshot_definition_props); 404 for a missing snapshot', async (t) => {
  const api = await snapshotCluster();
  t.after(() => api.close());
  await ok(api, 'POST', `${R}/res/snapshots`, { name: 'snap1', snapshot_definition_props: { 'Aux/a': '1' } });
  const res = await api.call('PUT', `${R}/res/snapshots/snap1`, { override_props: { 'Aux/b': '2' }, delete_props: ['Aux/a'] });
  assert.equal(res.status, 200);
  assert.equal(BigInt(res.body[0].ret_code), 0x20c0003n, 'MODIFIED | MODIFY | SNAPSHOT');
  const snap = await ok(api, 'GET', `${R}/res/snapshots/snap1`);
  assert.deepEqual([snap.props, snap.snapshot_definition_props], [{ 'Aux/b': '2' }, { 'Aux/b': '2' }]);
  const missing = await api.call('PUT', `${R}/res/snapshots/nope`, { override_props: { 'Aux/b': '2' } });
  assert.deepEqual([missing.status, codes(missing.body)], [404, [{ severity: 'error', code: 313 }]]);
});
