/**
 * The auto-snapshot task with an injected clock: AutoSnapshot/RunEvery (rd, rg, controller), names
 * autoSnap<nnnnn> from AutoSnapshot/NextAutoId, flag AUTO_SNAPSHOT, AutoSnapshot/Keep trimming the
 * oldest auto snapshots and never a manual one, skipped while a satellite is offline.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ok } from './resource-fixtures.js';
import { R, snapshotCluster } from './snapshot-fixtures.js';
import { AutoSnapshotTask } from '../src/controller/tasks/auto-snapshot.js';
import type { SnapshotRecord } from '../src/store/records.js';

const MIN = 60_000;

function clock(start = 1_800_000_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => { now += ms; } };
}

const live = (snaps: SnapshotRecord[]) => snaps.filter((s) => !s.flags.includes('DELETE')).map((s) => s.name);

test('RunEvery: first snapshot one interval after it is seen, named autoSnap00001, flagged AUTO_SNAPSHOT, NextAutoId stored', async (t) => {
  const api = await snapshotCluster();
  t.after(() => api.close());
  const c = clock();
  const task = new AutoSnapshotTask(api.controller, { now: c.now });
  assert.deepEqual(task.tick(), { created: [], deleted: [] }, 'nothing configured');
  await ok(api, 'PUT', `${R}/res`, { override_props: { 'AutoSnapshot/RunEvery': '5' } });
  assert.deepEqual(task.tick().created, [], 'the first round only schedules');
  c.advance(4 * MIN);
  assert.deepEqual(task.tick().created, []);
  c.advance(MIN);
  assert.deepEqual(task.tick().created, ['res/autoSnap00001']);
  const g = api.controller.graph;
  const snap = g.snapshotsOf('res')[0];
  assert.deepEqual([snap.name, snap.flags, snap.nodes, snap.create_timestamp], ['autoSnap00001', ['AUTO_SNAPSHOT'], ['n1', 'n2'], c.now()]);
  assert.equal(g.resourceDefinition('res')!.props['AutoSnapshot/NextAutoId'], '1');
  assert.deepEqual(task.tick().created, [], 'not again within the interval');
  c.advance(5 * MIN);
  assert.deepEqual(task.tick().created, ['res/autoSnap00002']);

  // A name taken by hand is skipped.
  await ok(api, 'POST', `${R}/res/snapshots`, { name: 'autoSnap00003' });
  c.advance(5 * MIN);
  assert.deepEqual(task.tick().created, ['res/autoSnap00004']);
  assert.equal(g.resourceDefinition('res')!.props['AutoSnapshot/NextAutoId'], '4');

  // Removing the property stops it.
  await ok(api, 'PUT', `${R}/res`, { delete_props: ['AutoSnapshot/RunEvery'] });
  c.advance(50 * MIN);
  assert.deepEqual(task.tick().created, []);
});

test('Keep: only the newest Keep auto snapshots stay; manual snapshots are never deleted', async (t) => {
  const api = await snapshotCluster();
  t.after(() => api.close());
  const c = clock();
  const task = new AutoSnapshotTask(api.controller, { now: c.now });
  await ok(api, 'PUT', `${R}/res`, { override_props: { 'AutoSnapshot/RunEvery': '1', 'AutoSnapshot/Keep': '2' } });
  await ok(api, 'POST', `${R}/res/snapshots`, { name: 'manual1' });
  task.tick();
  const deleted: string[] = [];
  for (let i = 0; i < 5; i++) {
    c.advance(MIN);
    const r = task.tick();
    assert.equal(r.created.length, 1);
    deleted.push(...r.deleted);
    if (i === 2) await ok(api, 'POST', `${R}/res/snapshots`, { name: 'manual2' });
  }
  assert.deepEqual(deleted, ['res/autoSnap00001', 'res/autoSnap00002', 'res/autoSnap00003']);
  const g = api.controller.graph;
  // The satellites are connected: deleted ones are marked DELETE until they confirm.
  assert.deepEqual(live(g.snapshotsOf('res')).sort(), ['autoSnap00004', 'autoSnap00005', 'manual1', 'manual2']);
  assert.ok(g.snapshotsOf('res').filter((s) => s.flags.includes('DELETE')).every((s) => s.flags.includes('AUTO_SNAPSHOT')));
});

test('settings come from the resource group (and controller); Keep defaults to 10; offline satellites skip the round', async (t) => {
  const api = await snapshotCluster();
  t.after(() => api.close());
  const c = clock();
  const task = new AutoSnapshotTask(api.controller, { now: c.now });
  await ok(api, 'PUT', '/v1/resource-groups/DfltRscGrp', { override_props: { 'AutoSnapshot/RunEvery': '1' } });
  task.tick();
  for (let i = 0; i < 12; i++) {
    c.advance(MIN);
    task.tick();
  }
  const g = api.controller.graph;
  assert.equal(live(g.snapshotsOf('res')).length, 10);
  assert.deepEqual(live(g.snapshotsOf('res'))[0], 'autoSnap00003');

  api.runtime.setNode('n2', { connection_status: 'OFFLINE' });
  c.advance(MIN);
  assert.deepEqual(task.tick(), { created: [], deleted: [] });
  api.runtime.setNode('n2', { connection_status: 'ONLINE' });
  c.advance(MIN);
  assert.deepEqual(task.tick().created, ['res/autoSnap00013']);

  // Keep <= 0 keeps everything.
  await ok(api, 'POST', '/v1/controller/properties', { override_props: { 'AutoSnapshot/Keep': '0' } });
  c.advance(MIN);
  assert.deepEqual(task.tick().deleted, []);
  assert.equal(live(g.snapshotsOf('res')).length, 11);
});
