/**
 * PUT /v1/nodes/{node}/evacuate and /restore, and node lost, on synthetic clusters: replacements are
 * placed first, the old replicas go only after the replacement reports UpToDate, a replica without
 * a replacement stays with a warning, and the evacuating node is never a target.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { settleMoves } from '../src/controller/services/replica-moves.js';
import { addRd, ok } from './resource-fixtures.js';
import { cluster, codeList, layout, nodeFlags, TB } from './node-operations-fixtures.js';

const R = '/v1/resource-definitions';

test('evacuate: the replacement is placed first, the old replica goes once the replacement is UpToDate', async () => {
  const { api, rt } = await cluster(4);
  await addRd(api, 'r1');
  await ok(api, 'POST', `${R}/r1/resources`, ['n1', 'n2', 'n3'].map((node_name) => ({ resource: { node_name } })));
  const res = await api.call('PUT', '/v1/nodes/n3/evacuate', {});
  assert.equal(res.status, 200);
  // node MODIFIED; replacement registered + autoplaced; the old replica waits (MODIFIED).
  assert.deepEqual(codeList(res.body), ['success:3', 'success:1', 'success:1', 'success:3']);
  assert.equal(res.body[0].message, "Node 'n3' is being evacuated: it takes no new resources, and its resources move to other nodes.");
  assert.equal(res.body[3].message, "Resource 'r1' on node 'n3' is deleted once its replacement on 'n4' is in sync.");
  assert.deepEqual(nodeFlags(api, 'n3'), ['EVACUATE']);
  assert.deepEqual(layout(api, 'r1'), { n1: [], n2: [], n3: ['EVACUATE'], n4: [] });
  const view = await api.call('GET', '/v1/nodes/n3');
  assert.deepEqual(view.body.flags, ['EVACUATE']);

  // Not in sync yet: nothing happens; once n4 reports UpToDate the old replica is marked for deletion.
  rt.diskState('r1', 'n4', 'Inconsistent');
  assert.deepEqual(settleMoves(api.controller), []);
  assert.deepEqual(layout(api, 'r1').n3, ['EVACUATE']);
  rt.diskState('r1', 'n4', 'UpToDate');
  assert.deepEqual(codeList(settleMoves(api.controller)), ['success:2']);
  assert.deepEqual(layout(api, 'r1').n3, ['DELETE', 'EVACUATE']);
  assert.equal(api.controller.graph.resourceDefinition('r1')!.props['DrbdOptions/Resource/quorum'], 'majority');

  // The evacuating node is never a placement target.
  await addRd(api, 'r2');
  const placed = await api.call('POST', `${R}/r2/autoplace`, { select_filter: { place_count: 4 } });
  assert.equal(placed.status, 500);
  assert.match(placed.body[0].message, /being evacuated: n3/);
  await api.close();
});

test('evacuate without a possible replacement: a warning per resource, and the replica stays', async () => {
  const { api } = await cluster(3);
  await addRd(api, 'r1');
  await ok(api, 'POST', `${R}/r1/resources`, ['n1', 'n2', 'n3'].map((node_name) => ({ resource: { node_name } })));
  const res = await api.call('PUT', '/v1/nodes/n3/evacuate', {});
  assert.equal(res.status, 200);
  assert.deepEqual(codeList(res.body), ['success:3', 'warn:996']);
  assert.equal(res.body[1].message, "No replacement for resource 'r1' on node 'n3' was found, so it stays.");
  assert.match(res.body[1].cause, /Not enough available nodes/);
  assert.match(res.body[1].correction, /node evacuate n3/);
  assert.deepEqual(res.body[1].obj_refs, { RscDfn: 'r1', Node: 'n3' });
  assert.deepEqual(layout(api, 'r1'), { n1: [], n2: [], n3: [] });
  assert.deepEqual(nodeFlags(api, 'n3'), ['EVACUATE']);
  await api.close();
});

test('evacuate moves the tie-breaker, leaves STORAGE-only and in-use diskless replicas with a warning', async () => {
  const { api, rt } = await cluster(4);
  await addRd(api, 'r1');
  await ok(api, 'POST', `${R}/r1/resources`, [{ resource: { node_name: 'n1' } }, { resource: { node_name: 'n2' } }]);
  assert.deepEqual(layout(api, 'r1').n3, TB);
  await addRd(api, 'plain', { layers: ['STORAGE'] });
  await ok(api, 'POST', `${R}/plain/resources`, [{ resource: { node_name: 'n3' } }]);
  await addRd(api, 'vm');
  await ok(api, 'POST', `${R}/vm/resources`, [{ resource: { node_name: 'n1' } }, { resource: { node_name: 'n3', flags: ['DRBD_DISKLESS'] } }]);
  rt.setResource('vm', 'n3', { in_use: true });

  const res = await api.call('PUT', '/v1/nodes/n3/evacuate', {});
  // plain: no DRBD (warn 0); r1's tie-breaker: marked for deletion, a new one on n4 (INFO 10003); vm: in use (warn 997).
  assert.deepEqual(codeList(res.body), ['success:3', 'warn:0', 'success:2', 'info:10003', 'warn:997']);
  assert.match(res.body[1].message, /'plain' on node 'n3' has no DRBD layer/);
  assert.deepEqual(layout(api, 'r1'), { n1: [], n2: [], n3: ['DELETE', ...TB], n4: TB });
  assert.deepEqual(layout(api, 'plain'), { n3: [] });
  assert.deepEqual(layout(api, 'vm').n3, ['DISKLESS', 'DRBD_DISKLESS']);
  await api.close();
});

test('evacuate target / do_not_target choose where the replacements go; an unknown target is a 404', async () => {
  const { api } = await cluster(5);
  await addRd(api, 'r1');
  await ok(api, 'POST', `${R}/r1/resources`, ['n1', 'n2', 'n3'].map((node_name) => ({ resource: { node_name } })));
  const missing = await api.call('PUT', '/v1/nodes/n3/evacuate', { target: ['nx'] });
  assert.equal(missing.status, 404);
  assert.deepEqual(nodeFlags(api, 'n3'), [], 'a rejected request changes nothing');
  await ok(api, 'PUT', '/v1/nodes/n3/evacuate', { do_not_target: ['n4'] });
  assert.deepEqual(Object.keys(layout(api, 'r1')), ['n1', 'n2', 'n3', 'n5']);

  await addRd(api, 'r2');
  await ok(api, 'POST', `${R}/r2/resources`, ['n1', 'n2', 'n5'].map((node_name) => ({ resource: { node_name } })));
  const none = await api.call('PUT', '/v1/nodes/n5/evacuate', { target: ['n1'], do_not_target: [] });
  assert.deepEqual(codeList(none.body), ['success:3', 'warn:996', 'warn:996']);
  assert.match(none.body[1].cause, /^Not enough available nodes: .*already holds a replica: n1/);
  assert.equal((await api.call('PUT', '/v1/nodes/nope/evacuate', {})).status, 404);
  await api.close();
});

test('restore clears EVACUATE (WARN 1020 when there is nothing to restore); moved replicas stay moved', async () => {
  const { api } = await cluster(4);
  await addRd(api, 'r1');
  await ok(api, 'POST', `${R}/r1/resources`, ['n1', 'n2', 'n3'].map((node_name) => ({ resource: { node_name } })));
  await ok(api, 'PUT', '/v1/nodes/n3/evacuate', {});
  const res = await api.call('PUT', '/v1/nodes/n3/restore', {});
  assert.equal(res.status, 200);
  assert.deepEqual(codeList(res.body), ['success:3']);
  assert.equal(res.body[0].message, "Node 'n3' restored: it takes resources again.");
  assert.deepEqual(nodeFlags(api, 'n3'), []);
  // The move in progress goes on.
  assert.deepEqual(layout(api, 'r1'), { n1: [], n2: [], n3: ['EVACUATE'], n4: [] });
  const again = await api.call('PUT', '/v1/nodes/n3/restore');
  assert.deepEqual(codeList(again.body), ['warn:1020']);

  // delete_resources: the node's replicas go as well.
  await ok(api, 'PUT', '/v1/nodes/n4/evacuate', { target: ['n3'] });
  const wipe = await api.call('PUT', '/v1/nodes/n4/restore', { delete_resources: true });
  assert.deepEqual(codeList(wipe.body).slice(0, 2), ['success:3', 'success:2']);
  assert.ok(layout(api, 'r1').n4.includes('DELETE'));
  await api.close();
});

test('node lost: the definitions that lost a replica get their tie-breaker and quorum back in order', async () => {
  const { api } = await cluster(4);
  await addRd(api, 'r1');
  await ok(api, 'POST', `${R}/r1/resources`, [{ resource: { node_name: 'n1' } }, { resource: { node_name: 'n2' } }]);
  assert.deepEqual(layout(api, 'r1').n3, TB);
  const lostTb = await api.call('DELETE', '/v1/nodes/n3/lost');
  assert.equal(lostTb.status, 200);
  assert.deepEqual(codeList(lostTb.body), ['success:2', 'success:2', 'info:10003']);
  assert.deepEqual(layout(api, 'r1'), { n1: [], n2: [], n4: TB });

  const lostDiskful = await api.call('DELETE', '/v1/nodes/n2/lost');
  // One diskful left: the tie-breaker goes and quorum is removed.
  assert.deepEqual(codeList(lostDiskful.body), ['success:2', 'success:2', 'info:10004', 'info:10005', 'info:10005']);
  assert.deepEqual(api.controller.graph.resourceDefinition('r1')!.props, {});
  await api.close();
});
