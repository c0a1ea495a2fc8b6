import { test } from 'node:test';
import assert from 'node:assert/strict';
import { codes, makeApi, type TestApi } from './helpers.js';
import { addNode, addRd } from './resource-fixtures.js';
import { Change } from '../src/controller/change.js';
import { key } from '../src/controller/graph.js';
import type { SnapshotRecord } from '../src/store/records.js';

function snapshot(rd: string, name: string, nodes: string[], extra: Partial<SnapshotRecord> = {}): SnapshotRecord {
  return {
    name, resource_name: rd, nodes, flags: ['SUCCESSFUL'], props: {},
    volume_definitions: [{ volume_number: 0, size_kib: 1048576 }], create_timestamp: 1700000000000, uuid: `u-${rd}-${name}`, ...extra,
  };
}

/** Snapshots are created by later work; here they are written as records. */
async function setup(): Promise<TestApi> {
  const api = await makeApi();
  await addNode(api, 'n1');
  await addNode(api, 'n2');
  for (const rd of ['res', 'res-b']) await addRd(api, rd);
  const change = new Change();
  const snaps = [
    snapshot('res', 'snap2', ['n1', 'n2']),
    snapshot('res', 'snap1', ['n1'], { props: { 'Aux/k': 'v' } }),
    snapshot('res-b', 'snap1', ['n2']),
  ];
  for (const s of snaps) change.put('snapshot', key.snapshot(s.resource_name, s.name), s);
  api.controller.commit(change);
  return api;
}

test('snapshots of a resource definition: list sorted by name, one by name, Snapshot shape', async () => {
  const api = await setup();
  const list = await api.call('GET', '/v1/resource-definitions/RES/snapshots');
  assert.equal(list.status, 200);
  assert.deepEqual(list.body.map((s: any) => s.name), ['snap1', 'snap2']);
  const one = await api.call('GET', '/v1/resource-definitions/res/snapshots/SNAP2');
  assert.equal(one.status, 200);
  assert.deepEqual(one.body, {
    name: 'snap2', resource_name: 'res', nodes: ['n1', 'n2'], flags: ['SUCCESSFUL'],
    volume_definitions: [{ volume_number: 0, size_kib: 1048576 }], uuid: 'u-res-snap2',
    snapshots: [
      { snapshot_name: 'snap2', node_name: 'n1', create_timestamp: 1700000000000, snapshot_volumes: [{ vlm_nr: 0 }] },
      { snapshot_name: 'snap2', node_name: 'n2', create_timestamp: 1700000000000, snapshot_volumes: [{ vlm_nr: 0 }] },
    ],
  });
  const withProps = list.body[0];
  assert.deepEqual(withProps.props, { 'Aux/k': 'v' });
  assert.deepEqual(withProps.snapshot_definition_props, { 'Aux/k': 'v' });
  await api.close();
});

test('missing snapshot 404 FAIL_NOT_FOUND_SNAPSHOT_DFN, missing definition 404', async () => {
  const api = await setup();
  const miss = await api.call('GET', '/v1/resource-definitions/res/snapshots/nope');
  assert.equal(miss.status, 404);
  assert.equal(BigInt(miss.body[0].ret_code), -4611686018427387591n);
  assert.equal(miss.body[0].message, "Snapshot 'nope' of resource 'res' not found.");
  const noRd = await api.call('GET', '/v1/resource-definitions/ghost/snapshots');
  assert.equal(noRd.status, 404);
  assert.deepEqual(codes(noRd.body), [{ severity: 'error', code: 301 }]);
  await api.close();
});

test('view/snapshots: all snapshots by resource then name, filters nodes and resources, pagination', async () => {
  const api = await setup();
  const names = (body: any[]) => body.map((s) => `${s.resource_name}/${s.name}`);
  assert.deepEqual(names((await api.call('GET', '/v1/view/snapshots')).body), ['res/snap1', 'res/snap2', 'res-b/snap1']);
  assert.deepEqual(names((await api.call('GET', '/v1/view/snapshots?nodes=N2')).body), ['res/snap2', 'res-b/snap1']);
  assert.deepEqual(names((await api.call('GET', '/v1/view/snapshots?resources=res-b')).body), ['res-b/snap1']);
  assert.deepEqual(names((await api.call('GET', '/v1/view/snapshots?resources=res&nodes=n1')).body), ['res/snap1', 'res/snap2']);
  assert.deepEqual(names((await api.call('GET', '/v1/view/snapshots?limit=1&offset=1')).body), ['res/snap2']);
  assert.equal((await api.call('GET', '/v1/view/snapshots?limit=0&offset=2')).body.length, 3);
  await api.close();
});
