/**
 * Rollback (latest only, refused in use, empty body), restore of volume definitions and resources
 * (source in the desired state until the volumes are reported), clone (CLONING -> COMPLETE) and
 * sync-status, through the REST API with satellite reports folded in by hand.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { codes } from './helpers.js';
import { addRd, ok } from './resource-fixtures.js';
import { R, fold, observed, reportCreated, snapshotCluster, type SnapApi } from './snapshot-fixtures.js';
import { desiredStateOf } from '../src/controller/satellites/desired-state.js';

async function withSnapshots(names: string[]): Promise<SnapApi> {
  const api = await snapshotCluster();
  for (const name of names) {
    await ok(api, 'POST', `${R}/res/snapshots`, { name });
    reportCreated(api, 'res', [name]);
  }
  return api;
}

test('rollback: latest snapshot only (the error names the newer ones), empty body accepted, request in the desired state until applied', async (t) => {
  const api = await withSnapshots(['s1', 's2', 's3']);
  t.after(() => api.close());
  const old = await api.call('POST', `${R}/res/snapshot-rollback/s1`);
  assert.equal(old.status, 500);
  assert.deepEqual(codes(old.body), [{ severity: 'error', code: 514 }]);
  assert.match(old.body[0].message, /^Rollback is only allowed with the most recent snapshot: snapshots 's2', 's3' of resource 'res' are newer than 's1'\.$/);
  assert.match(old.body[0].correction, /snapshot delete res s2; snapshot delete res s3/);

  // Proxmox posts no body at all (and no Content-Type).
  const res = await api.app.inject({ method: 'POST', url: `${R}/res/snapshot-rollback/s3` });
  assert.equal(res.statusCode, 200);
  const body = JSON.parse(res.body);
  assert.deepEqual(codes(body), [{ severity: 'success', code: 3 }]);
  assert.equal(body[0].message, "Rollback of resource 'res' to snapshot 's3' requested on nodes 'n1, n2'.");

  const g = api.controller.graph;
  const r1 = g.resource('res', 'n1')!;
  assert.equal(r1.rollback?.snapshot, 's3');
  assert.equal(g.resource('res', 'n3')!.rollback, undefined, 'the diskless replica has nothing to roll back');
  const desired = desiredStateOf(g, 'n1')!.resources.get('RES')!;
  assert.deepEqual(desired.rollback, { snapshot: 's3', request_id: r1.rollback!.request_id });

  // A report of an older request changes nothing; the applied one clears the request.
  fold(api, 'n1', observed(api, 'res', 'n1', { rollback_applied: r1.rollback!.request_id - 1 }));
  assert.ok(g.resource('res', 'n1')!.rollback);
  fold(api, 'n1', observed(api, 'res', 'n1', { rollback_applied: r1.rollback!.request_id }));
  assert.equal(g.resource('res', 'n1')!.rollback, undefined);
  assert.equal(desiredStateOf(g, 'n1')!.resources.get('RES')!.rollback, undefined);
  assert.ok(g.resource('res', 'n2')!.rollback, 'n2 has not applied it yet');

  // A second rollback gets a higher request id.
  await ok(api, 'POST', `${R}/res/snapshot-rollback/s3`, { zfs_rollback_strategy: 'rollback' });
  assert.ok(g.resource('res', 'n1')!.rollback!.request_id > r1.rollback!.request_id);
});

test('rollback refusals: in use on any node (FAIL_IN_USE), not successful, missing snapshot, satellite offline', async (t) => {
  const api = await withSnapshots(['s1']);
  t.after(() => api.close());
  api.runtime.inUse.add('RES/N3');
  const inUse = await api.call('POST', `${R}/res/snapshot-rollback/s1`);
  assert.equal(inUse.status, 500);
  assert.deepEqual(codes(inUse.body), [{ severity: 'error', code: 997 }]);
  assert.equal(inUse.body[0].message, "Resource 'res' on node 'n3' is still in use.");
  assert.equal(inUse.body[0].cause, 'Resource is mounted/in use.');
  assert.equal(api.controller.graph.resource('res', 'n1')!.rollback, undefined, 'nothing was requested');
  api.runtime.inUse.clear();

  await ok(api, 'POST', `${R}/res/snapshots`, { name: 's2' });
  const pending = await api.call('POST', `${R}/res/snapshot-rollback/s2`);
  assert.deepEqual([pending.status, codes(pending.body)], [500, [{ severity: 'error', code: 998 }]]);
  const missing = await api.call('POST', `${R}/res/snapshot-rollback/nope`);
  assert.deepEqual([missing.status, codes(missing.body)], [404, [{ severity: 'error', code: 313 }]]);

  reportCreated(api, 'res', ['s2']);
  api.runtime.setNode('n1', { connection_status: 'OFFLINE' });
  const offline = await api.call('POST', `${R}/res/snapshot-rollback/s2`);
  assert.deepEqual([offline.status, codes(offline.body)], [500, [{ severity: 'error', code: 995 }]]);
});

test('restore: volume definitions with the snapshot sizes, then resources on its nodes with the snapshot as source', async (t) => {
  const api = await withSnapshots(['s1']);
  t.after(() => api.close());
  await ok(api, 'POST', `${R}/res/volume-definitions`, { volume_definition: { size_kib: 2048 } });
  await ok(api, 'POST', `${R}/res/snapshots`, { name: 's2' });
  reportCreated(api, 'res', ['s2']);
  await addRd(api, 'copy', { layers: ['STORAGE'], sizes: [] });

  const noTarget = await api.call('POST', `${R}/res/snapshot-restore-resource/s2`, { to_resource: 'ghost' });
  assert.deepEqual([noTarget.status, codes(noTarget.body)], [404, [{ severity: 'error', code: 301 }]]);
  const noName = await api.call('POST', `${R}/res/snapshot-restore-volume-definition/s2`, {});
  assert.deepEqual([noName.status, codes(noName.body)], [500, [{ severity: 'error', code: 202 }]]);

  const vd = await api.call('POST', `${R}/res/snapshot-restore-volume-definition/s2`, { to_resource: 'copy' });
  assert.equal(vd.status, 200);
  assert.deepEqual(codes(vd.body), [{ severity: 'success', code: 1 }, { severity: 'success', code: 1 }, { severity: 'success', code: 1 }]);
  const vds = await ok(api, 'GET', `${R}/copy/volume-definitions`);
  assert.deepEqual(vds.map((v: any) => [v.volume_number, v.size_kib]), [[0, 1024], [1, 2048]]);
  const again = await api.call('POST', `${R}/res/snapshot-restore-volume-definition/s2`, { to_resource: 'copy' });
  assert.deepEqual(codes(again.body), [{ severity: 'error', code: 503 }]);

  const rsc = await api.call('POST', `${R}/res/snapshot-restore-resource/s2`, { to_resource: 'copy' });
  assert.equal(rsc.status, 200);
  assert.equal(rsc.body.at(-1).message, "Resource 'copy' restored from resource 'res', snapshot 's2'.");
  const g = api.controller.graph;
  const placed = g.resourcesOf('copy');
  assert.deepEqual(placed.map((r) => r.node_name), ['n1', 'n2']);
  for (const r of placed) {
    assert.deepEqual(r.source, { resource: 'res', snapshot: 's2' });
    assert.deepEqual(r.volumes.map((v) => v.storage_pool_name), ['DfltStorPool', 'DfltStorPool']);
    assert.equal(r.props.StorPoolName, undefined);
  }
  assert.deepEqual(desiredStateOf(g, 'n1')!.resources.get('COPY')!.source, { resource: 'res', snapshot: 's2' });

  // The source snapshot cannot go while a restore from it is pending on that node.
  const busy = await api.call('DELETE', `${R}/res/snapshots/s2`);
  assert.deepEqual(codes(busy.body), [{ severity: 'error', code: 997 }]);

  // Once the satellite reported the volumes, the source is done with.
  fold(api, 'n1', observed(api, 'copy', 'n1', { reports: [{ severity: 'error', message: 'restore failed' }] }));
  assert.ok(g.resource('copy', 'n1')!.source, 'an error report does not finish the restore');
  fold(api, 'n1', observed(api, 'copy', 'n1'));
  assert.equal(g.resource('copy', 'n1')!.source, undefined);
  assert.equal(desiredStateOf(g, 'n1')!.resources.get('COPY')!.source, undefined);

  const twice = await api.call('POST', `${R}/res/snapshot-restore-resource/s2`, { to_resource: 'copy' });
  assert.deepEqual([twice.status, codes(twice.body)], [500, [{ severity: 'error', code: 502 }]]);
});

test('restore refusals: node without the snapshot, size mismatch, unsuccessful snapshot; on chosen nodes only', async (t) => {
  const api = await withSnapshots(['s1']);
  t.after(() => api.close());
  await addRd(api, 'other', { layers: ['STORAGE'], sizes: [4096] });
  const size = await api.call('POST', `${R}/res/snapshot-restore-resource/s1`, { to_resource: 'other' });
  assert.deepEqual([size.status, codes(size.body)], [500, [{ severity: 'error', code: 206 }]]);
  assert.equal(size.body[0].message, 'Snapshot size does not match for volume number 0; snapshot size: 1024KiB, required size: 4096KiB.');

  await addRd(api, 'copy', { layers: ['STORAGE'], sizes: [1024] });
  const wrongNode = await api.call('POST', `${R}/res/snapshot-restore-resource/s1`, { to_resource: 'copy', nodes: ['n3'] });
  assert.deepEqual([wrongNode.status, codes(wrongNode.body)], [404, [{ severity: 'error', code: 315 }]]);

  const chosen = await api.call('POST', `${R}/res/snapshot-restore-resource/s1`, { to_resource: 'copy', nodes: ['n2'] });
  assert.equal(chosen.status, 200);
  assert.equal(chosen.body.at(-1).message, "Resource 'copy' on nodes 'n2' restored from resource 'res', snapshot 's1'.");
  assert.deepEqual(api.controller.graph.resourcesOf('copy').map((r) => r.node_name), ['n2']);

  await ok(api, 'POST', `${R}/res/snapshots`, { name: 's2' });
  await addRd(api, 'copy2', { layers: ['STORAGE'], sizes: [1024] });
  const unfinished = await api.call('POST', `${R}/res/snapshot-restore-resource/s2`, { to_resource: 'copy2' });
  assert.deepEqual([unfinished.status, codes(unfinished.body)], [500, [{ severity: 'error', code: 998 }]]);
});

test('clone: 201 CloneStarted, resources on every node of the source with the source as source; CLONING until all reported', async (t) => {
  const api = await snapshotCluster();
  t.after(() => api.close());
  const res = await api.call('POST', `${R}/res/clone`, { name: 'cl1' });
  assert.equal(res.status, 201);
  assert.equal(res.body.location, '/v1/resource-definitions/res/clone/cl1');
  assert.equal(res.body.source_name, 'res');
  assert.equal(res.body.clone_name, 'cl1');
  assert.ok(codes(res.body.messages).every((c) => c.severity === 'success'));

  const g = api.controller.graph;
  const clones = g.resourcesOf('cl1');
  assert.deepEqual(clones.map((r) => [r.node_name, r.flags, r.source]), [
    ['n1', [], { resource: 'res' }], ['n2', [], { resource: 'res' }], ['n3', ['DISKLESS'], undefined],
  ]);
  assert.deepEqual(g.resourceDefinition('cl1')!.volume_definitions.map((v) => v.size_kib), [1024]);
  assert.deepEqual(await ok(api, 'GET', `${R}/res/clone/cl1`), { status: 'CLONING' });
  assert.deepEqual(desiredStateOf(g, 'n2')!.resources.get('CL1')!.source, { resource: 'res' });

  const unknown = await api.call('GET', `${R}/res/clone/nope`);
  assert.deepEqual([unknown.status, codes(unknown.body)], [404, [{ severity: 'error', code: 301 }]]);
  const notAClone = await api.call('GET', `${R}/cl1/clone/res`);
  assert.equal(notAClone.status, 404);

  fold(api, 'n2', observed(api, 'cl1', 'n2', { reports: [{ severity: 'error', message: 'copy failed' }], volumes: [] }));
  assert.deepEqual(await ok(api, 'GET', `${R}/res/clone/cl1`), { status: 'FAILED' });
  fold(api, 'n1', observed(api, 'cl1', 'n1'));
  fold(api, 'n2', observed(api, 'cl1', 'n2'));
  assert.deepEqual(await ok(api, 'GET', `${R}/res/clone/cl1`), { status: 'COMPLETE' });
  assert.deepEqual(g.resourceDefinition('cl1')!.flags, []);

  const dup = await api.call('POST', `${R}/res/clone`, { name: 'cl1' });
  assert.deepEqual([dup.status, codes(dup.body)], [500, [{ severity: 'error', code: 501 }]]);
  const nameless = await api.call('POST', `${R}/res/clone`, {});
  assert.deepEqual(codes(nameless.body), [{ severity: 'error', code: 202 }]);
});

test('sync-status: synced_on_all once every diskful replica reported UpToDate', async (t) => {
  const api = await snapshotCluster();
  t.after(() => api.close());
  assert.deepEqual(await ok(api, 'GET', `${R}/res/sync-status`), { synced_on_all: false });
  const upToDate = { volumes: { 0: { disk_state: 'UpToDate' } } };
  api.runtime.resource = () => upToDate;
  assert.deepEqual(await ok(api, 'GET', `${R}/res/sync-status`), { synced_on_all: true });
  const missing = await api.call('GET', `${R}/ghost/sync-status`);
  assert.equal(missing.status, 404);
});
