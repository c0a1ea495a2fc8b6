/**
 * Which commits reach which satellites (against fake satellites on 127.0.0.1): a new DRBD replica is
 * pushed to its peers, controller props to every node, a resource connection only to its two nodes;
 * commits in one turn of the event loop become one delta; pushes are bounded in concurrency and a
 * slow satellite does not hold the API.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Change } from '../src/controller/change.js';
import { key } from '../src/controller/graph.js';
import type { ResourceRecord } from '../src/store/records.js';
import { addRd, ok } from './resource-fixtures.js';
import { makeCluster, waitFor, type Cluster, type FakeSatellite } from './satellite-sync-fake.js';

const R = '/v1/resource-definitions';

async function allOnline(c: Cluster): Promise<void> {
  for (const n of c.fakes.keys()) {
    await waitFor(`${n} ONLINE`, async () => (await c.api.call('GET', `/v1/nodes/${n}`)).body.connection_status === 'ONLINE');
  }
}

/** Waits until every fake is idle, then returns how many updates each has got so far. */
async function settled(c: Cluster): Promise<Map<string, number>> {
  let last = '';
  for (let i = 0; i < 100; i++) {
    await new Promise((r) => setTimeout(r, 30));
    const now = JSON.stringify([...c.fakes.values()].map((f) => f.updates.length));
    if (now === last) break;
    last = now;
  }
  return new Map([...c.fakes].map(([n, f]) => [n, f.updates.length]));
}

const deltasSince = (f: FakeSatellite, n: number) => f.updates.slice(n);

test('a new DRBD replica reaches its peers; controller props reach every node; a resource connection only its two nodes', async (t) => {
  const c = await makeCluster(['n1', 'n2', 'n3', 'n4']);
  t.after(() => c.close());
  await allOnline(c);
  await addRd(c.api, 'r1', { layers: ['DRBD', 'STORAGE'] });
  await ok(c.api, 'POST', `${R}/r1/resources`, [{ resource: { node_name: 'n1' } }, { resource: { node_name: 'n2' } }]);
  let before = await settled(c);

  await ok(c.api, 'POST', `${R}/r1/resources/n3`, {});
  let after = await settled(c);
  for (const n of ['n1', 'n2']) {
    const ds = deltasSince(c.fakes.get(n)!, before.get(n)!);
    assert.equal(ds.length, 1, `${n} got one delta`);
    assert.deepEqual(ds[0].resources.map((r) => r.drbd!.peers.map((p) => p.node_name)), [n === 'n1' ? ['n2', 'n3'] : ['n1', 'n3']]);
  }
  assert.equal(deltasSince(c.fakes.get('n3')!, before.get('n3')!).length, 1);
  assert.equal(after.get('n4'), before.get('n4'), 'n4 has nothing of r1');

  before = after;
  await ok(c.api, 'PUT', `${R}/r1/resource-connections/n1/n3`, { override_props: { 'DrbdOptions/Net/protocol': 'A' } });
  after = await settled(c);
  assert.deepEqual(['n1', 'n2', 'n3', 'n4'].map((n) => after.get(n)! - before.get(n)!), [1, 0, 1, 0]);
  const n1 = c.fakes.get('n1')!.updates.at(-1)!;
  assert.deepEqual(n1.resources[0].drbd!.peers.find((p) => p.node_name === 'n3')!.connection_props, { 'DrbdOptions/Net/protocol': 'A' });

  before = after;
  await ok(c.api, 'POST', '/v1/controller/properties', { override_props: { 'DrbdOptions/Net/max-buffers': '9000' } });
  after = await settled(c);
  assert.deepEqual(['n1', 'n2', 'n3', 'n4'].map((n) => after.get(n)! - before.get(n)!), [1, 1, 1, 1]);
  assert.equal(c.fakes.get('n4')!.updates.at(-1)!.node_props['DrbdOptions/Net/max-buffers'], '9000');
});

test('commits in one turn of the event loop are coalesced into one delta per node', async (t) => {
  const c = await makeCluster(['n1']);
  t.after(() => c.close());
  await allOnline(c);
  for (let i = 0; i < 5; i++) await addRd(c.api, `r${i}`, { layers: ['STORAGE'] });
  const before = (await settled(c)).get('n1')!;
  const ctl = c.api.controller;
  for (let i = 0; i < 5; i++) {
    const rd = ctl.graph.resourceDefinition(`r${i}`)!;
    const r: ResourceRecord = {
      name: rd.name, node_name: 'n1', props: {}, flags: [], layer_stack: ['STORAGE'], create_timestamp: 1,
      volumes: [{ volume_number: 0, storage_pool_name: 'DfltStorPool', props: {}, flags: [], uuid: `v${i}` }], uuid: `u${i}`,
    };
    ctl.commit(new Change().put('rsc', key.rsc(rd.name, 'n1'), r));
  }
  await settled(c);
  const ds = deltasSince(c.fakes.get('n1')!, before);
  assert.equal(ds.length, 1);
  assert.deepEqual(ds[0].resources.map((r) => r.name), ['r0', 'r1', 'r2', 'r3', 'r4']);
});

test('pushes are bounded (concurrency 1): a slow satellite delays the next push, but never the API', async (t) => {
  const c = await makeCluster(['n1', 'n2'], { concurrency: 1 });
  t.after(() => c.close());
  await allOnline(c);
  const before = await settled(c);
  const [f1, f2] = [c.fakes.get('n1')!, c.fakes.get('n2')!];
  let release!: () => void;
  f1.gate = new Promise<void>((r) => { release = r; });

  const t0 = Date.now();
  await ok(c.api, 'POST', '/v1/controller/properties', { override_props: { 'Aux/x': '1' } });
  assert.ok(Date.now() - t0 < 1000, 'the API answered without waiting for the satellites');
  await waitFor('n1 got its delta (held)', () => f1.updates.length > before.get('n1')!);
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(f2.updates.length, before.get('n2'), 'n2 waits for the only push slot');
  // Reads are not held either.
  assert.equal((await c.api.call('GET', '/v1/nodes')).status, 200);

  release();
  f1.gate = undefined;
  await waitFor('n2 got its delta', () => f2.updates.length > before.get('n2')!);
});
