/**
 * The desired state of a node (pure, from the graph) for a 3-node DRBD resource, and the delta
 * bookkeeping (full update, then only what changed, removals, update ids).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeApi, type TestApi } from './helpers.js';
import { addRd, ok } from './resource-fixtures.js';
import { desiredStateOf } from '../src/controller/satellites/desired-state.js';
import { SyncState } from '../src/controller/satellites/sync-state.js';

const R = '/v1/resource-definitions';

async function node(api: TestApi, name: string, address: string, extraNic?: [string, string]): Promise<void> {
  const nics = [{ name: 'default', address, satellite_port: 3366, satellite_encryption_type: 'plain', is_active: true }];
  await ok(api, 'POST', '/v1/nodes', { name, type: 'satellite', net_interfaces: nics });
  if (extraNic) await ok(api, 'POST', `/v1/nodes/${name}/net-interfaces`, { name: extraNic[0], address: extraNic[1] });
  await ok(api, 'POST', `/v1/nodes/${name}/storage-pools`, {
    storage_pool_name: 'DfltStorPool', provider_kind: 'FILE_THIN', props: { 'StorDriver/StorPoolName': `/srv/${name}` },
  });
}

/** n1, n2 diskful, n3 diskless (reached for DRBD on its second interface through PrefNic). */
async function threeNodes(): Promise<TestApi> {
  const api = await makeApi();
  await node(api, 'n1', '127.0.0.11');
  await node(api, 'n2', '127.0.0.12');
  await node(api, 'n3', '127.0.0.13', ['repl', '127.0.0.33']);
  await ok(api, 'PUT', '/v1/nodes/n3', { override_props: { PrefNic: 'repl' } });
  await ok(api, 'POST', '/v1/controller/properties', { override_props: { 'DrbdOptions/Net/max-buffers': '8000' } });
  await ok(api, 'PUT', '/v1/resource-groups/DfltRscGrp', { override_props: { 'DrbdOptions/Resource/quorum': 'majority' } });
  await addRd(api, 'r1', { layers: ['DRBD', 'STORAGE'], sizes: [], props: { 'DrbdOptions/Net/protocol': 'C' } });
  await ok(api, 'POST', `${R}/r1/volume-definitions`, {
    volume_definition: { size_kib: 20480, props: { 'DrbdOptions/Disk/on-io-error': 'detach' } },
  });
  await ok(api, 'POST', `${R}/r1/resources`, [
    { resource: { node_name: 'n1' } },
    { resource: { node_name: 'n2' } },
    { resource: { node_name: 'n3', flags: ['DRBD_DISKLESS'] } },
  ]);
  await ok(api, 'PUT', `${R}/r1/resource-connections/n1/n2`, { override_props: { 'DrbdOptions/Net/protocol': 'A' } });
  return api;
}

test('desired state of a 3-node DRBD resource: own endpoint, peers with node ids and ports, effective DrbdOptions', async (t) => {
  const api = await threeNodes();
  t.after(() => api.close());
  const g = api.controller.graph;
  const [r1, r2, r3] = ['n1', 'n2', 'n3'].map((n) => g.resource('r1', n)!);
  const rd = g.resourceDefinition('r1')!;
  const minor = rd.volume_definitions[0].minor_number!;
  assert.ok(minor >= 1000);

  const s1 = desiredStateOf(g, 'n1')!;
  assert.equal(s1.node_name, 'n1');
  assert.equal(s1.node_props['DrbdOptions/Net/max-buffers'], '8000', 'controller props reach the node');
  assert.deepEqual(s1.pools.map((p) => [p.name, p.provider_kind, p.props['StorDriver/StorPoolName']]), [
    ['DfltDisklessStorPool', 'DISKLESS', undefined], ['DfltStorPool', 'FILE_THIN', '/srv/n1'],
  ]);
  assert.deepEqual(s1.deleting, []);
  const d1 = s1.resources.get('R1')!;
  assert.equal(d1.name, 'r1');
  assert.deepEqual(d1.layer_stack, ['DRBD', 'STORAGE']);
  assert.deepEqual(d1.flags, []);
  assert.equal(d1.props['DrbdOptions/Resource/quorum'], 'majority', 'from the resource group');
  assert.equal(d1.props['DrbdOptions/Net/protocol'], 'C', 'from the resource definition');
  assert.deepEqual(d1.volumes, [{
    volume_number: 0, size_kib: 20480, gross_size: false, storage_pool: 'DfltStorPool', minor_number: minor,
    props: d1.volumes[0].props,
  }]);
  assert.equal(d1.volumes[0].props['DrbdOptions/Disk/on-io-error'], 'detach', 'from the volume definition');
  assert.equal(d1.volumes[0].props['DrbdOptions/Resource/quorum'], 'majority');

  const drbd = d1.drbd!;
  assert.equal(drbd.node_id, r1.drbd!.node_id);
  assert.equal(drbd.port, r1.drbd!.tcp_ports[0]);
  assert.ok(drbd.port >= 7000 && drbd.port <= 7999);
  assert.equal(drbd.address, '127.0.0.11');
  assert.equal(drbd.secret, rd.drbd!.secret);
  assert.equal(drbd.peer_slots, r1.drbd!.peer_slots);
  assert.equal(drbd.al_stripes, 1);
  assert.equal(drbd.al_stripe_size_kib, 32);
  assert.equal(drbd.transport_type, 'IP');
  assert.equal(drbd.diskless, false);
  assert.deepEqual(new Set([r1, r2, r3].map((r) => r.drbd!.node_id)).size, 3, 'distinct node ids');
  assert.deepEqual(drbd.peers.map((p) => [p.node_name, p.node_id, p.address, p.port, p.diskless]), [
    ['n2', r2.drbd!.node_id, '127.0.0.12', r2.drbd!.tcp_ports[0], false],
    ['n3', r3.drbd!.node_id, '127.0.0.33', r3.drbd!.tcp_ports[0], true],
  ]);
  // The n1-n2 connection has its own protocol; n1-n3 inherits the definition's. Both get the controller's max-buffers.
  assert.deepEqual(drbd.peers[0].connection_props, { 'DrbdOptions/Net/max-buffers': '8000', 'DrbdOptions/Net/protocol': 'A' });
  assert.deepEqual(drbd.peers[1].connection_props, { 'DrbdOptions/Net/max-buffers': '8000', 'DrbdOptions/Net/protocol': 'C' });

  const d3 = desiredStateOf(g, 'n3')!.resources.get('R1')!;
  assert.deepEqual(d3.flags, ['DISKLESS', 'DRBD_DISKLESS']);
  assert.equal(d3.drbd!.diskless, true);
  assert.equal(d3.drbd!.address, '127.0.0.33', 'PrefNic names the interface DRBD uses');
  assert.equal(d3.volumes[0].storage_pool, 'DfltDisklessStorPool');
  assert.deepEqual(d3.drbd!.peers.map((p) => [p.node_name, p.address]), [['n1', '127.0.0.11'], ['n2', '127.0.0.12']]);

  assert.equal(desiredStateOf(g, 'nope'), undefined);
});

test('a resource marked DELETE leaves its node\'s desired resources and every peer list', async (t) => {
  const api = await threeNodes();
  t.after(() => api.close());
  const c = api.controller;
  const { Change } = await import('../src/controller/change.js');
  const { key } = await import('../src/controller/graph.js');
  const r3 = c.graph.resource('r1', 'n3')!;
  c.commit(new Change().put('rsc', key.rsc('r1', 'n3'), { ...r3, flags: [...r3.flags, 'DELETE'] }));
  const s3 = desiredStateOf(c.graph, 'n3')!;
  assert.equal(s3.resources.size, 0);
  assert.deepEqual(s3.deleting, ['r1']);
  assert.deepEqual(desiredStateOf(c.graph, 'n1')!.resources.get('R1')!.drbd!.peers.map((p) => p.node_name), ['n2']);
});

test('SyncState: a full update first, then deltas with only what changed, removals, and the acknowledged id as base', async (t) => {
  const api = await threeNodes();
  t.after(() => api.close());
  const g = api.controller.graph;
  const sync = new SyncState();
  assert.throws(() => sync.delta(desiredStateOf(g, 'n1')!, 1), /before the first full sync/);

  const full = sync.full(desiredStateOf(g, 'n1')!, 100);
  assert.equal(full.update.full, true);
  assert.equal(full.update.update_id, 100);
  assert.equal(full.update.base_update_id, undefined);
  assert.deepEqual(full.update.resources.map((r) => r.name), ['r1']);
  const report = { update_id: 100, pools: [], resources: [{ name: 'r1', volumes: [], reports: [] }], removed_resources: [], reports: [] };
  assert.deepEqual(sync.acknowledge(full, report), []);
  assert.equal(sync.ackedId, 100);

  assert.equal(sync.delta(desiredStateOf(g, 'n1')!, 101), undefined, 'nothing changed: no update');

  await ok(api, 'PUT', `${R}/r1/volume-definitions/0`, { size_kib: 40960 });
  await addRd(api, 'r2', { layers: ['STORAGE'], sizes: [1024] });
  await ok(api, 'POST', `${R}/r2/resources/n1`, {});
  const d = sync.delta(desiredStateOf(g, 'n1')!, 102)!;
  assert.equal(d.update.full, false);
  assert.equal(d.update.update_id, 102);
  assert.equal(d.update.base_update_id, 100);
  assert.deepEqual(d.update.resources.map((r) => [r.name, r.volumes[0].size_kib]), [['r1', 40960], ['r2', 1024]]);
  assert.deepEqual(d.update.removed_resources, []);
  sync.acknowledge(d, { ...report, update_id: 102 });

  await ok(api, 'DELETE', `${R}/r2/resources/n1`);
  const d2 = sync.delta(desiredStateOf(g, 'n1')!, 103)!;
  assert.equal(d2.update.base_update_id, 102);
  assert.deepEqual(d2.update.resources, []);
  assert.deepEqual(d2.update.removed_resources, ['r2']);

  sync.reset();
  assert.equal(sync.synced, false);
});
