/**
 * The quorum tie-breaker and auto-quorum on synthetic clusters (a FakeRuntime: every node ONLINE with
 * DRBD unless a test says otherwise): when it is added, where, when it goes, keep_tiebreaker, and
 * that the INFO/WARN entries carry LINSTOR's codes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { codes, makeApi, makeController, type TestApi } from './helpers.js';
import { addNode, addRd, ok } from './resource-fixtures.js';
import { FakeRuntime, GiB } from './placement-fixtures.js';

const R = '/v1/resource-definitions';
const QUORUM = 'DrbdOptions/Resource/quorum';
const ON_NO_QUORUM = 'DrbdOptions/Resource/on-no-quorum';
const TB_FLAGS = ['DISKLESS', 'DRBD_DISKLESS', 'TIE_BREAKER'];

async function nodes(n: number, rt = new FakeRuntime({ pool: { free_capacity: 50 * GiB, total_capacity: 50 * GiB } })): Promise<{ api: TestApi; rt: FakeRuntime }> {
  const api = await makeApi(makeController(':memory:', rt));
  for (let i = 1; i <= n; i++) await addNode(api, `n${i}`, [['DfltStorPool', 'FILE_THIN']]);
  return { api, rt };
}

const create = (api: TestApi, rd: string, ...nodeNames: string[]) =>
  api.call('POST', `${R}/${rd}/resources`, nodeNames.map((node_name) => ({ resource: { node_name } })));

/** node -> flags of every resource of the definition. */
function layout(api: TestApi, rd: string): Record<string, string[]> {
  return Object.fromEntries(api.controller.graph.resourcesOf(rd).map((r) => [r.node_name, r.flags]));
}

const rdProps = (api: TestApi, rd: string) => api.controller.graph.resourceDefinition(rd)!.props;

test('two diskful DRBD replicas on three nodes: a tie-breaker on the third, quorum set, INFO 10003 and 10002', async () => {
  const { api } = await nodes(3);
  await addRd(api, 'r1');
  const res = await create(api, 'r1', 'n1', 'n2');
  assert.equal(res.status, 201);
  assert.deepEqual(codes(res.body), [
    { severity: 'success', code: 1 }, { severity: 'success', code: 1 },
    { severity: 'info', code: 10003 }, { severity: 'info', code: 10002 }, { severity: 'info', code: 10002 },
  ]);
  // INFO | CREATE | RSC with code 10003, signed as on the wire.
  assert.equal(BigInt(res.body[2].ret_code), 0x4000000001342713n);
  assert.equal(res.body[2].message, "Tie breaker resource 'r1' created on n3");
  assert.deepEqual(res.body[2].obj_refs, { RscDfn: 'r1', Node: 'n3' });
  assert.equal(res.body[3].message, "Resource-definition property 'DrbdOptions/Resource/quorum' updated from undefined to 'majority' by auto-quorum");
  assert.equal(res.body[4].message, "Resource-definition property 'DrbdOptions/Resource/on-no-quorum' updated from undefined to 'io-error' by auto-quorum");
  assert.deepEqual(layout(api, 'r1'), { n1: [], n2: [], n3: TB_FLAGS });
  const tb = api.controller.graph.resource('r1', 'n3')!;
  assert.equal(tb.volumes[0].storage_pool_name, 'DfltDisklessStorPool');
  assert.equal(tb.drbd?.node_id, 2);
  // Each value carries the mark that the controller set it (and may remove it again).
  assert.deepEqual(rdProps(api, 'r1'), {
    [QUORUM]: 'majority', [ON_NO_QUORUM]: 'io-error', 'Internal/Drbd/QuorumSetBy': 'linstor', 'Internal/Drbd/OnNoQuorumSetBy': 'linstor',
  });

  // The views show it as LINSTOR does: flags DISKLESS, DRBD_DISKLESS, TIE_BREAKER.
  const view = await api.call('GET', `${R}/r1/resources/n3`);
  assert.deepEqual(view.body.flags, TB_FLAGS);
  await api.close();
});

test('the tie-breaker goes where the group allows: fewest resources, another site, never an offline or AutoplaceTarget=false node', async () => {
  const { api, rt } = await nodes(6);
  const sites = ['a', 'b', 'a', 'b', 'c', 'c'];
  for (let i = 1; i <= 6; i++) await ok(api, 'PUT', `/v1/nodes/n${i}`, { override_props: { 'Aux/site': sites[i - 1] } });
  await ok(api, 'POST', '/v1/resource-groups', { name: 'rg1', select_filter: { place_count: 2, replicas_on_different: ['Aux/site'] } });
  await ok(api, 'POST', R, { resource_definition: { name: 'r1', resource_group_name: 'rg1' } });
  await ok(api, 'POST', `${R}/r1/volume-definitions`, { volume_definition: { size_kib: 1024 } });
  rt.setNode('n5', { connection_status: 'OFFLINE' });
  await create(api, 'r1', 'n1', 'n2');
  // Sites a and b hold the replicas: only site c qualifies, and n5 there is offline.
  assert.deepEqual(Object.keys(layout(api, 'r1')), ['n1', 'n2', 'n6']);

  await addRd(api, 'r2');
  await ok(api, 'PUT', '/v1/nodes/n3', { override_props: { AutoplaceTarget: 'false' } });
  await create(api, 'r2', 'n1', 'n2');
  // n3 refuses placement, n4 and n6 qualify (no group rules here); n4 holds fewer resources than n6.
  assert.deepEqual(layout(api, 'r2').n4, TB_FLAGS);
  await api.close();
});

test('two nodes only, or a satellite without DRBD: no tie-breaker, WARN 1013; quorum stays off', async () => {
  const { api } = await nodes(2);
  await addRd(api, 'r1');
  const res = await create(api, 'r1', 'n1', 'n2');
  assert.deepEqual(codes(res.body), [{ severity: 'success', code: 1 }, { severity: 'success', code: 1 }, { severity: 'warn', code: 1013 }]);
  assert.equal(res.body[2].message, "Could not find suitable node to automatically create a tie breaking resource for 'r1'.");
  assert.deepEqual(Object.keys(layout(api, 'r1')), ['n1', 'n2']);
  assert.deepEqual(rdProps(api, 'r1'), {});
  await api.close();

  const rt = new FakeRuntime({ pool: { free_capacity: 50 * GiB, total_capacity: 50 * GiB } });
  const three = await nodes(3, rt);
  rt.setNode('n3', { connection_status: 'ONLINE', resource_layers: ['STORAGE'], unsupported_layers: { DRBD: ['drbd module not loaded'] } });
  await addRd(three.api, 'r1');
  const noDrbd = await create(three.api, 'r1', 'n1', 'n2');
  assert.deepEqual(codes(noDrbd.body).at(-1), { severity: 'warn', code: 1013 });
  await three.api.close();
});

test('DrbdOptions/auto-add-quorum-tiebreaker=false on the controller, group or definition: no tie-breaker, no warning', async () => {
  for (const [url, body] of [
    ['/v1/controller/properties', { override_props: { 'DrbdOptions/auto-add-quorum-tiebreaker': 'false' } }],
    ['/v1/resource-groups/DfltRscGrp', { override_props: { 'DrbdOptions/auto-add-quorum-tiebreaker': 'false' } }],
  ] as const) {
    const { api } = await nodes(3);
    await ok(api, url === '/v1/controller/properties' ? 'POST' : 'PUT', url, body);
    await addRd(api, 'r1');
    const res = await create(api, 'r1', 'n1', 'n2');
    assert.deepEqual(codes(res.body), [{ severity: 'success', code: 1 }, { severity: 'success', code: 1 }], url);
    assert.deepEqual(Object.keys(layout(api, 'r1')), ['n1', 'n2']);
    await api.close();
  }
  const { api } = await nodes(3);
  await addRd(api, 'r1', { props: { 'DrbdOptions/auto-add-quorum-tiebreaker': 'false' } });
  await create(api, 'r1', 'n1', 'n2');
  assert.deepEqual(Object.keys(layout(api, 'r1')), ['n1', 'n2']);
  // quorum=off makes a tie-breaker pointless too.
  await addRd(api, 'r2', { props: { [QUORUM]: 'off' } });
  await create(api, 'r2', 'n1', 'n2');
  assert.deepEqual(Object.keys(layout(api, 'r2')), ['n1', 'n2']);
  assert.deepEqual(rdProps(api, 'r2'), { [QUORUM]: 'off' }, 'a user value is never touched');
  await api.close();
});

test('a third diskful replica removes the tie-breaker (INFO 10004); quorum stays', async () => {
  const { api } = await nodes(4);
  await addRd(api, 'r1');
  await create(api, 'r1', 'n1', 'n2');
  assert.deepEqual(layout(api, 'r1').n3, TB_FLAGS);
  const res = await create(api, 'r1', 'n4');
  assert.deepEqual(codes(res.body), [{ severity: 'success', code: 1 }, { severity: 'info', code: 10004 }]);
  assert.equal(res.body[1].message, 'Tie breaker marked for deletion');
  assert.deepEqual(res.body[1].obj_refs, { RscDfn: 'r1', Node: 'n3' });
  // n3's satellite is connected: the tie-breaker is marked, its confirmation removes the record.
  assert.deepEqual(layout(api, 'r1').n3, ['DELETE', 'DISKLESS', 'DRBD_DISKLESS', 'TIE_BREAKER']);
  assert.equal(rdProps(api, 'r1')[QUORUM], 'majority');
  await api.close();
});

test('a tie-breaker toggled diskful (or created on) stops being one; a resource created on its node takes it over', async () => {
  const { api } = await nodes(3);
  await addRd(api, 'r1');
  await create(api, 'r1', 'n1', 'n2');
  const res = await api.call('PUT', `${R}/r1/resources/n3/toggle-disk/diskful/DfltStorPool`, {});
  assert.equal(res.status, 200);
  assert.deepEqual(codes(res.body), [{ severity: 'success', code: 3 }]);
  assert.deepEqual(layout(api, 'r1'), { n1: [], n2: [], n3: [] });
  assert.equal(api.controller.graph.resource('r1', 'n3')!.drbd?.node_id, 2, 'the DRBD node id stays');

  await addRd(api, 'r2');
  await create(api, 'r2', 'n1', 'n2');
  const onTb = await create(api, 'r2', 'n3');
  assert.equal(onTb.status, 201);
  assert.deepEqual(codes(onTb.body), [{ severity: 'success', code: 1 }]);
  assert.equal(onTb.body[0].message, "Tie-breaker resource 'r2' on node 'n3' is now a diskful replica (storage pool 'DfltStorPool').");
  assert.deepEqual(layout(api, 'r2'), { n1: [], n2: [], n3: [] });
  await api.close();
});

test('fewer than two diskful: the tie-breaker goes (10004) and quorum is removed (10005 twice)', async () => {
  const { api } = await nodes(3);
  await addRd(api, 'r1');
  await create(api, 'r1', 'n1', 'n2');
  const res = await api.call('DELETE', `${R}/r1/resources/n2`);
  assert.equal(res.status, 200);
  assert.deepEqual(codes(res.body), [
    { severity: 'success', code: 2 }, { severity: 'info', code: 10004 }, { severity: 'info', code: 10005 }, { severity: 'info', code: 10005 },
  ]);
  assert.equal(res.body[2].message, "Resource-definition property 'DrbdOptions/Resource/quorum' was removed as there are not enough resources for quorum");
  assert.equal(res.body[3].message, "Resource-definition property 'DrbdOptions/Resource/on-no-quorum' was removed as there are not enough resources for quorum");
  assert.ok(layout(api, 'r1').n3.includes('DELETE'));
  assert.deepEqual(rdProps(api, 'r1'), {});
  await api.close();
});

test('keep_tiebreaker: a delete that would remove the tie-breaker keeps it; deleting the tie-breaker itself keeps it', async () => {
  const { api } = await nodes(3);
  await addRd(api, 'r1');
  await create(api, 'r1', 'n1', 'n2');
  const kept = await api.call('DELETE', `${R}/r1/resources/n2?keep_tiebreaker=true`);
  assert.deepEqual(codes(kept.body), [{ severity: 'success', code: 2 }, { severity: 'info', code: 10005 }, { severity: 'info', code: 10005 }]);
  assert.deepEqual(layout(api, 'r1').n3, TB_FLAGS);

  await addRd(api, 'r2');
  await create(api, 'r2', 'n1', 'n2');
  const self = await api.call('DELETE', `${R}/r2/resources/n3?keep_tiebreaker=True`);
  assert.equal(self.status, 200);
  assert.deepEqual(codes(self.body), [{ severity: 'info', code: 10006 }]);
  assert.deepEqual(layout(api, 'r2').n3, TB_FLAGS);

  // Without keep_tiebreaker, deleting it by hand turns the automatism off for the definition.
  const gone = await api.call('DELETE', `${R}/r2/resources/n3`);
  assert.deepEqual(codes(gone.body), [
    { severity: 'success', code: 2 }, { severity: 'info', code: 10002 }, { severity: 'info', code: 10005 }, { severity: 'info', code: 10005 },
  ]);
  assert.equal(gone.body[1].message, "Disabling auto-tiebreaker on resource-definition 'r2' as tiebreaker resource was manually deleted");
  assert.equal(rdProps(api, 'r2')['DrbdOptions/auto-add-quorum-tiebreaker'], 'false');
  assert.ok(layout(api, 'r2').n3.includes('DELETE'));
  // keep_tiebreaker switches it back on.
  await addRd(api, 'r3', { props: { 'DrbdOptions/auto-add-quorum-tiebreaker': 'false' } });
  await ok(api, 'POST', `${R}/r3/resources`, [{ resource: { node_name: 'n1' } }, { resource: { node_name: 'n3', flags: ['DRBD_DISKLESS'] } }]);
  await ok(api, 'PUT', `${R}/r3/resources/n3`, { drbd_tiebreaker: true });
  const on = await api.call('DELETE', `${R}/r3/resources/n3?keep_tiebreaker=true`);
  assert.deepEqual(codes(on.body), [{ severity: 'info', code: 10002 }, { severity: 'info', code: 10006 }]);
  assert.equal(rdProps(api, 'r3')['DrbdOptions/auto-add-quorum-tiebreaker'], 'true');
  await api.close();
});

test('deleting one of three diskful replicas: the replica becomes the tie-breaker (takeover, 10006)', async () => {
  const { api } = await nodes(3);
  await addRd(api, 'r1');
  await create(api, 'r1', 'n1', 'n2', 'n3');
  const res = await api.call('DELETE', `${R}/r1/resources/n3`);
  assert.deepEqual(codes(res.body), [{ severity: 'success', code: 2 }, { severity: 'info', code: 10006 }]);
  assert.deepEqual(layout(api, 'r1').n3, TB_FLAGS);
  assert.equal(api.controller.graph.resource('r1', 'n3')!.volumes[0].storage_pool_name, 'DfltDisklessStorPool');
  assert.equal(rdProps(api, 'r1')[QUORUM], 'majority', 'two diskful plus the tie-breaker keep quorum');
  await api.close();
});

test('user-set quorum values are never touched; DrbdOptions/auto-quorum=disabled turns the automatism off', async () => {
  const { api } = await nodes(3);
  await addRd(api, 'r1', { props: { [ON_NO_QUORUM]: 'suspend-io' } });
  const res = await create(api, 'r1', 'n1', 'n2');
  // quorum is still the controller's to set; on-no-quorum is the user's.
  assert.deepEqual(codes(res.body).slice(2), [{ severity: 'info', code: 10003 }, { severity: 'info', code: 10002 }]);
  assert.deepEqual(rdProps(api, 'r1'), { [ON_NO_QUORUM]: 'suspend-io', [QUORUM]: 'majority', 'Internal/Drbd/QuorumSetBy': 'linstor' });
  await api.call('DELETE', `${R}/r1/resources/n2`);
  assert.deepEqual(rdProps(api, 'r1'), { [ON_NO_QUORUM]: 'suspend-io' });

  // Set on the group: the definition inherits it and gets no copy.
  await ok(api, 'PUT', '/v1/resource-groups/DfltRscGrp', { override_props: { [QUORUM]: 'majority', [ON_NO_QUORUM]: 'io-error' } });
  await addRd(api, 'r2');
  const inherited = await create(api, 'r2', 'n1', 'n2');
  assert.deepEqual(codes(inherited.body).slice(2), [{ severity: 'info', code: 10003 }]);
  assert.deepEqual(rdProps(api, 'r2'), {});

  await ok(api, 'PUT', '/v1/resource-groups/DfltRscGrp', { delete_props: [QUORUM, ON_NO_QUORUM] });
  await addRd(api, 'r3', { props: { 'DrbdOptions/auto-quorum': 'disabled' } });
  const disabled = await create(api, 'r3', 'n1', 'n2');
  assert.deepEqual(codes(disabled.body).slice(2), [{ severity: 'info', code: 10003 }]);
  assert.deepEqual(rdProps(api, 'r3'), { 'DrbdOptions/auto-quorum': 'disabled' });
  await api.close();
});

test('autoplace and spawn answer the tie-breaker and quorum entries of their change', async () => {
  const { api } = await nodes(3);
  await addRd(api, 'r1');
  const placed = await api.call('POST', `${R}/r1/autoplace`, { select_filter: { place_count: 2 } });
  assert.equal(placed.status, 201);
  assert.deepEqual(codes(placed.body).slice(-3), [{ severity: 'info', code: 10003 }, { severity: 'info', code: 10002 }, { severity: 'info', code: 10002 }]);
  assert.equal(Object.values(layout(api, 'r1')).filter((f) => f.includes('TIE_BREAKER')).length, 1);

  await ok(api, 'POST', '/v1/resource-groups/DfltRscGrp/volume-groups', {});
  const spawned = await api.call('POST', '/v1/resource-groups/DfltRscGrp/spawn', { resource_definition_name: 's1', volume_sizes: [1024] });
  assert.equal(spawned.status, 201);
  assert.deepEqual(codes(spawned.body).slice(-3), [{ severity: 'info', code: 10003 }, { severity: 'info', code: 10002 }, { severity: 'info', code: 10002 }]);
  const s1 = layout(api, 's1');
  assert.equal(Object.keys(s1).length, 3);
  assert.equal(rdProps(api, 's1')[QUORUM], 'majority');
  // A third replica with +1: the tie-breaker node is converted (it has the most free space left).
  const plus = await api.call('POST', `${R}/s1/autoplace`, { select_filter: { additional_place_count: 1 } });
  assert.equal(plus.status, 201);
  assert.deepEqual(Object.values(layout(api, 's1')), [[], [], []]);
  await api.close();
});

test('toggling a diskful replica to diskless keeps quorum through the new diskless voter; no tie-breaker needed', async () => {
  const { api } = await nodes(4);
  await addRd(api, 'r1');
  await create(api, 'r1', 'n1', 'n2', 'n3');
  const res = await api.call('PUT', `${R}/r1/resources/n3/toggle-disk/diskless`, {});
  assert.deepEqual(codes(res.body), [{ severity: 'success', code: 3 }]);
  assert.deepEqual(layout(api, 'r1'), { n1: [], n2: [], n3: ['DISKLESS', 'DRBD_DISKLESS'] });
  assert.equal(rdProps(api, 'r1')[QUORUM], 'majority');
  await api.close();
});
