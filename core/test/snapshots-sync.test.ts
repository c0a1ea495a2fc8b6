/**
 * Snapshots end to end between the controller and fake satellites on 127.0.0.1: the desired
 * snapshots reach the nodes, the reports make the snapshot SUCCESSFUL, a rollback request goes out
 * and completes when applied, deletions complete when the satellites no longer list the snapshot,
 * restored and cloned resources carry their source until their volumes are reported.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addRd, ok } from './resource-fixtures.js';
import { makeCluster, waitFor, type Cluster, type FakeSatellite } from './satellite-sync-fake.js';
import type { DesiredResource, ObservedResource } from '../src/satellite/protocol.js';

const R = '/v1/resource-definitions';

/** A fake satellite that "creates" every desired snapshot and applies every rollback at once. */
function snapshotting(fake: FakeSatellite): void {
  fake.observe = (desired: DesiredResource, observed: ObservedResource) => {
    observed.snapshots = (desired.snapshots ?? []).map((s) => ({ name: s.name, created: true, volumes: [], reports: [] }));
    if (desired.rollback) observed.rollback_applied = desired.rollback.request_id;
  };
}

async function cluster(): Promise<Cluster> {
  const c = await makeCluster(['n1', 'n2']);
  for (const f of c.fakes.values()) snapshotting(f);
  for (const n of ['n1', 'n2']) {
    await waitFor(`${n} ONLINE`, async () => (await c.api.call('GET', `/v1/nodes/${n}`)).body.connection_status === 'ONLINE');
  }
  await addRd(c.api, 'res', { layers: ['STORAGE'], sizes: [1024] });
  await ok(c.api, 'POST', `${R}/res/resources`, [{ resource: { node_name: 'n1' } }, { resource: { node_name: 'n2' } }]);
  return c;
}

/** The last desired state of `rd` a fake satellite received. */
function lastSent(fake: FakeSatellite, rd: string): DesiredResource | undefined {
  for (let i = fake.updates.length - 1; i >= 0; i--) {
    const r = fake.updates[i].resources.find((x) => x.name.toUpperCase() === rd.toUpperCase());
    if (r) return r;
  }
  return undefined;
}

test('create -> desired snapshots pushed to both nodes -> reported created -> SUCCESSFUL; rollback and delete complete on report', async (t) => {
  const c = await cluster();
  t.after(() => c.close());
  const api = c.api;
  assert.equal((await api.call('POST', `${R}/res/snapshots`, { name: 'snap1' })).status, 201);
  await waitFor('snap1 SUCCESSFUL', async () => (await api.call('GET', `${R}/res/snapshots/snap1`)).body.flags?.includes('SUCCESSFUL'));
  for (const f of c.fakes.values()) assert.deepEqual(lastSent(f, 'res')!.snapshots, [{ name: 'snap1', suspend_io: false }]);

  // The resource is not in use (the fakes report in_use false): the rollback goes out and completes.
  assert.equal((await api.call('POST', `${R}/res/snapshot-rollback/snap1`)).status, 200);
  await waitFor('rollback applied on both nodes', () =>
    ['n1', 'n2'].every((n) => api.controller.graph.resource('res', n)!.rollback === undefined));
  for (const f of c.fakes.values()) {
    const sent = f.updates.flatMap((u) => u.resources).filter((r) => r.name === 'res' && r.rollback);
    assert.equal(sent.length, 1, 'the request was pushed once per node');
    assert.equal(sent[0].rollback!.snapshot, 'snap1');
  }

  assert.equal((await api.call('DELETE', `${R}/res/snapshots/snap1`)).status, 200);
  await waitFor('snap1 deleted', async () => (await api.call('GET', `${R}/res/snapshots/snap1`)).status === 404);
  for (const f of c.fakes.values()) assert.deepEqual(lastSent(f, 'res')!.snapshots, []);
});

test('restore and clone: the source goes out with the new resources and is cleared once the volumes are reported', async (t) => {
  const c = await cluster();
  t.after(() => c.close());
  const api = c.api;
  await ok(api, 'POST', `${R}/res/snapshots`, { name: 'snap1' });
  await waitFor('snap1 SUCCESSFUL', async () => (await api.call('GET', `${R}/res/snapshots/snap1`)).body.flags?.includes('SUCCESSFUL'));

  await addRd(api, 'copy', { layers: ['STORAGE'], sizes: [] });
  await ok(api, 'POST', `${R}/res/snapshot-restore-volume-definition/snap1`, { to_resource: 'copy' });
  await ok(api, 'POST', `${R}/res/snapshot-restore-resource/snap1`, { to_resource: 'copy' });
  await waitFor('restore done', () => api.controller.graph.resourcesOf('copy').every((r) => r.source === undefined));
  const sources = [...c.fakes.values()].map((f) => f.updates.flatMap((u) => u.resources).find((r) => r.name === 'copy')?.source);
  assert.deepEqual(sources, [{ resource: 'res', snapshot: 'snap1' }, { resource: 'res', snapshot: 'snap1' }]);

  const clone = await api.call('POST', `${R}/res/clone`, { name: 'cl1' });
  assert.equal(clone.status, 201);
  await waitFor('clone COMPLETE', async () => (await api.call('GET', `${R}/res/clone/cl1`)).body.status === 'COMPLETE');
  const cloneSources = [...c.fakes.values()].map((f) => f.updates.flatMap((u) => u.resources).find((r) => r.name === 'cl1')?.source);
  assert.deepEqual(cloneSources, [{ resource: 'res' }, { resource: 'res' }]);
});

test('a resource removed from a node takes that node\'s snapshot copies with it (the satellite deleted them with the resource)', async (t) => {
  const c = await cluster();
  t.after(() => c.close());
  const api = c.api;
  await ok(api, 'POST', `${R}/res/snapshots`, { name: 'snap1' });
  await waitFor('snap1 SUCCESSFUL', async () => (await api.call('GET', `${R}/res/snapshots/snap1`)).body.flags?.includes('SUCCESSFUL'));
  await ok(api, 'DELETE', `${R}/res/resources/n2`);
  await waitFor('copy on n2 gone', async () => (await api.call('GET', `${R}/res/snapshots/snap1`)).body.nodes?.join() === 'n1');
  const snap = (await api.call('GET', `${R}/res/snapshots/snap1`)).body;
  assert.deepEqual(snap.flags, ['SUCCESSFUL']);
  assert.deepEqual(snap.snapshots.map((s: any) => s.node_name), ['n1']);
});
