import { test } from 'node:test';
import assert from 'node:assert/strict';
import { codes, makeApi } from './helpers.js';

test('DfltRscGrp exists from the start with place_count 2; missing groups are a bare 404', async () => {
  const api = await makeApi();
  const list = await api.call('GET', '/v1/resource-groups');
  assert.equal(list.status, 200);
  assert.deepEqual(list.body.map((g: { name: string }) => g.name), ['DfltRscGrp']);
  assert.deepEqual(list.body[0].select_filter, { place_count: 2 });
  assert.ok(!('props' in list.body[0]) && !('description' in list.body[0]), 'empty values are omitted');
  const one = await api.call('GET', '/v1/resource-groups/dfltrscgrp');
  assert.equal(one.status, 200);
  assert.equal(one.body.name, 'DfltRscGrp');
  const missing = await api.call('GET', '/v1/resource-groups/nope');
  assert.equal(missing.status, 404);
  assert.equal(BigInt(missing.body[0].ret_code), -4611686018427387587n);
  assert.equal(missing.body[0].message, "Resource group 'nope' not found.");
  await api.close();
});

test('create: 201, lenient select filter, props in the body ignored, duplicates and bad names refused', async () => {
  const api = await makeApi();
  const res = await api.call('POST', '/v1/resource-groups', {
    name: 'rg1', description: 'for VMs', props: { 'Aux/ignored': 'x' }, peer_slots: '9',
    select_filter: { place_count: '3', layer_stack: ['drbd', 'storage'], storage_pool: 'pool1', provider_list: ['lvm_thin'], diskless_on_remaining: 'false' },
  });
  assert.equal(res.status, 201);
  assert.equal(BigInt(res.body[0].ret_code), 21233665n);
  assert.equal(res.body[0].message, "New resource group 'rg1' created.");
  assert.equal(res.body[0].obj_refs.RscGrp, 'rg1');
  const got = (await api.call('GET', '/v1/resource-groups/RG1')).body;
  assert.equal(got.description, 'for VMs');
  assert.equal(got.peer_slots, 9);
  assert.ok(!('props' in got), 'props of the create body are ignored, as in LINSTOR');
  assert.deepEqual(got.select_filter, {
    place_count: 3, storage_pool: 'pool1', storage_pool_list: ['pool1'], layer_stack: ['DRBD', 'STORAGE'],
    provider_list: ['LVM_THIN'], diskless_on_remaining: false,
  });

  const dup = await api.call('POST', '/v1/resource-groups', { name: 'RG1' });
  assert.equal(dup.status, 500);
  assert.equal(BigInt(dup.body[0].ret_code), -4611686018406153718n);
  const bad = await api.call('POST', '/v1/resource-groups', { name: '1x' });
  assert.deepEqual(codes(bad.body), [{ severity: 'error', code: 237 }]);
  const badLayer = await api.call('POST', '/v1/resource-groups', { name: 'rg2', select_filter: { layer_stack: ['DRBD', 'ZRAM'] } });
  assert.deepEqual(codes(badLayer.body), [{ severity: 'error', code: 224 }]);
  const badStack = await api.call('POST', '/v1/resource-groups', { name: 'rg2', select_filter: { layer_stack: ['LUKS', 'DRBD', 'STORAGE'] } });
  assert.deepEqual(codes(badStack.body), [{ severity: 'error', code: 225 }]);
  assert.match(badStack.body[0].message, /LUKS cannot be placed on top of DRBD/);
  assert.equal((await api.call('GET', '/v1/resource-groups/rg2')).status, 404, 'a refused create leaves nothing behind');
  await api.close();
});

test('modify patches select filter fields individually and validates them', async () => {
  const api = await makeApi();
  await api.call('POST', '/v1/resource-groups', { name: 'rg1', select_filter: { place_count: 2, layer_stack: ['DRBD', 'STORAGE'], storage_pool_list: ['a_pool', 'b_pool'] } });
  const mod = await api.call('PUT', '/v1/resource-groups/rg1', { select_filter: { place_count: '3', layer_stack: null } });
  assert.equal(mod.status, 200);
  assert.equal(BigInt(mod.body.at(-1).ret_code), 38010883n);
  assert.equal(mod.body.at(-1).message, "Resource group 'rg1' modified.");
  let sf = (await api.call('GET', '/v1/resource-groups/rg1')).body.select_filter;
  assert.deepEqual(sf, { place_count: 3, storage_pool_list: ['a_pool', 'b_pool'], layer_stack: ['DRBD', 'STORAGE'] }, 'null keeps; no single storage_pool for two pools');

  await api.call('PUT', '/v1/resource-groups/rg1', { select_filter: { storage_pool_list: ['c_pool'], replicas_on_different: ['Aux/site'] } });
  sf = (await api.call('GET', '/v1/resource-groups/rg1')).body.select_filter;
  assert.deepEqual(sf.storage_pool_list, ['c_pool']);
  assert.equal(sf.storage_pool, 'c_pool');
  assert.deepEqual(sf.replicas_on_different, ['Aux/site']);
  await api.call('PUT', '/v1/resource-groups/rg1', { select_filter: { replicas_on_different: [] } });
  sf = (await api.call('GET', '/v1/resource-groups/rg1')).body.select_filter;
  assert.ok(!('replicas_on_different' in sf), 'an empty list clears the field');

  for (const [filter, code] of [
    [{ place_count: 0 }, 219], [{ place_count: '-1' }, 219], [{ layer_stack: ['foo'] }, 224],
    [{ layer_stack: ['STORAGE', 'DRBD'] }, 225], [{ layer_stack: ['DRBD', 'DRBD', 'STORAGE'] }, 225], [{ provider_list: ['TAPE'] }, 227],
  ] as const) {
    const res = await api.call('PUT', '/v1/resource-groups/rg1', { select_filter: filter, override_props: { 'Aux/x': 'y' } });
    assert.equal(res.status, 500, JSON.stringify(filter));
    assert.deepEqual(codes(res.body), [{ severity: 'error', code }], JSON.stringify(filter));
  }
  const after = (await api.call('GET', '/v1/resource-groups/rg1')).body;
  assert.equal(after.select_filter.place_count, 3, 'refused modifications change nothing');
  assert.ok(!('props' in after));
  await api.close();
});

test('modify props (RSC_DFN whitelist), description and peer slots', async () => {
  const api = await makeApi();
  await api.call('POST', '/v1/resource-groups', { name: 'rg1' });
  const res = await api.call('PUT', '/v1/resource-groups/rg1', {
    description: 'd1', peer_slots: 4, override_props: { 'Aux/team': 'blue', StorPoolName: 'pool1' },
  });
  assert.equal(res.status, 200);
  assert.deepEqual(codes(res.body), [{ severity: 'success', code: 1 }, { severity: 'success', code: 3 }]);
  assert.equal(res.body[0].message, 'Successfully set property key(s): Aux/team,StorPoolName');
  let rg = (await api.call('GET', '/v1/resource-groups/rg1')).body;
  assert.deepEqual(rg.props, { 'Aux/team': 'blue', StorPoolName: 'pool1' });
  assert.equal(rg.description, 'd1');
  assert.equal(rg.peer_slots, 4);
  const bad = await api.call('PUT', '/v1/resource-groups/rg1', { override_props: { 'NoSuch/Key': 'x' } });
  assert.deepEqual(codes(bad.body), [{ severity: 'error', code: 213 }]);
  const badSlots = await api.call('PUT', '/v1/resource-groups/rg1', { peer_slots: 40 });
  assert.equal(badSlots.status, 500);
  await api.call('PUT', '/v1/resource-groups/rg1', { delete_props: ['Aux/team'], description: '' });
  rg = (await api.call('GET', '/v1/resource-groups/rg1')).body;
  assert.deepEqual(rg.props, { StorPoolName: 'pool1' });
  assert.ok(!('description' in rg));
  const missing = await api.call('PUT', '/v1/resource-groups/nope', {});
  assert.equal(missing.status, 404);
  await api.close();
});

test('list filters: names, props, limit/offset', async () => {
  const api = await makeApi();
  for (const name of ['b_rg', 'a_rg', 'c_rg']) await api.call('POST', '/v1/resource-groups', { name });
  await api.call('PUT', '/v1/resource-groups/c_rg', { override_props: { 'Aux/k': 'v' } });
  const names = async (q: string) => (await api.call('GET', `/v1/resource-groups${q}`)).body.map((g: { name: string }) => g.name);
  assert.deepEqual(await names(''), ['a_rg', 'b_rg', 'c_rg', 'DfltRscGrp']);
  assert.deepEqual(await names('?resource_groups=B_RG&resource_groups=c_rg'), ['b_rg', 'c_rg']);
  assert.deepEqual(await names('?props=Aux/k=v'), ['c_rg']);
  assert.deepEqual(await names('?props=Aux/k=w'), []);
  assert.deepEqual(await names('?limit=2&offset=1'), ['b_rg', 'c_rg']);
  assert.deepEqual(await names('?limit=0&offset=3'), ['a_rg', 'b_rg', 'c_rg', 'DfltRscGrp']);
  await api.close();
});

test('delete: missing is a warning, DfltRscGrp and groups with definitions are refused', async () => {
  const api = await makeApi();
  const missing = await api.call('DELETE', '/v1/resource-groups/ghost');
  assert.equal(missing.status, 200);
  assert.deepEqual(codes(missing.body), [{ severity: 'warn', code: 3000 }]);
  const dflt = await api.call('DELETE', '/v1/resource-groups/DfltRscGrp');
  assert.equal(dflt.status, 500);
  assert.deepEqual(codes(dflt.body), [{ severity: 'error', code: 997 }]);

  await api.call('POST', '/v1/resource-groups', { name: 'rg1' });
  await api.call('POST', '/v1/resource-definitions', { resource_definition: { name: 'r1', resource_group_name: 'rg1' } });
  const busy = await api.call('DELETE', '/v1/resource-groups/rg1');
  assert.equal(busy.status, 500);
  assert.equal(BigInt(busy.body[0].ret_code), -4611686018372599307n, 'FAIL_EXISTS_RSC_DFN, as LINSTOR answers');
  assert.match(busy.body[0].message, /because it has existing resource definitions: r1\./);
  assert.match(busy.body[0].correction, /resource-group|delete them/);

  await api.call('PUT', '/v1/resource-definitions/r1', { resource_group: 'DfltRscGrp' });
  const ok = await api.call('DELETE', '/v1/resource-groups/RG1');
  assert.equal(ok.status, 200);
  assert.equal(BigInt(ok.body[0].ret_code), 54788098n);
  assert.equal(ok.body[0].message, "Resource group 'rg1' deleted.");
  assert.equal((await api.call('GET', '/v1/resource-groups/rg1')).status, 404);
  await api.close();
});

test('volume groups: next free number, explicit numbers, flags, props, 404s', async () => {
  const api = await makeApi();
  await api.call('POST', '/v1/resource-groups', { name: 'rg1' });
  const first = await api.call('POST', '/v1/resource-groups/rg1/volume-groups', {});
  assert.equal(first.status, 201);
  assert.equal(BigInt(first.body[0].ret_code), 21495809n);
  assert.equal(first.body[0].message, "New volume group with number '0' of resource group 'rg1' created.");
  assert.equal((await api.call('POST', '/v1/resource-groups/rg1/volume-groups', '')).status, 201, 'an empty body is {}');
  const five = await api.call('POST', '/v1/resource-groups/rg1/volume-groups', { volume_number: '5', flags: ['gross_size'], props: { 'Aux/a': 'b' } });
  assert.equal(five.status, 201);
  const dup = await api.call('POST', '/v1/resource-groups/rg1/volume-groups', { volume_number: 5 });
  assert.deepEqual(codes(dup.body), [{ severity: 'error', code: 523 }]);
  const bad = await api.call('POST', '/v1/resource-groups/rg1/volume-groups', { volume_number: 65535 });
  assert.deepEqual(codes(bad.body), [{ severity: 'error', code: 205 }]);

  const list = await api.call('GET', '/v1/resource-groups/rg1/volume-groups');
  assert.deepEqual(list.body.map((v: { volume_number: number }) => v.volume_number), [0, 1, 5]);
  assert.ok(!('props' in list.body[0]) && !('flags' in list.body[0]));
  const vg5 = (await api.call('GET', '/v1/resource-groups/rg1/volume-groups/5')).body;
  assert.deepEqual(vg5.flags, ['GROSS_SIZE']);
  assert.deepEqual(vg5.props, { 'Aux/a': 'b' });

  const mod = await api.call('PUT', '/v1/resource-groups/rg1/volume-groups/5', { flags: ['-GROSS_SIZE'], override_props: { 'Aux/c': 'd' } });
  assert.equal(BigInt(mod.body.at(-1).ret_code), 38273027n);
  const after = (await api.call('GET', '/v1/resource-groups/rg1/volume-groups/5')).body;
  assert.ok(!('flags' in after));
  assert.deepEqual(after.props, { 'Aux/a': 'b', 'Aux/c': 'd' });
  const badFlag = await api.call('PUT', '/v1/resource-groups/rg1/volume-groups/5', { flags: ['ENCRYPTED'] });
  assert.deepEqual(codes(badFlag.body), [{ severity: 'error', code: 234 }]);

  const noVg = await api.call('GET', '/v1/resource-groups/rg1/volume-groups/7');
  assert.equal(noVg.status, 404);
  assert.deepEqual(codes(noVg.body), [{ severity: 'error', code: 318 }]);
  const noRg = await api.call('GET', '/v1/resource-groups/nope/volume-groups');
  assert.equal(noRg.status, 404);
  assert.deepEqual(codes(noRg.body), [{ severity: 'error', code: 317 }]);
  assert.equal((await api.call('POST', '/v1/resource-groups/nope/volume-groups', {})).status, 404);

  const del = await api.call('DELETE', '/v1/resource-groups/rg1/volume-groups/0');
  assert.equal(BigInt(del.body[0].ret_code), 55050242n);
  const delAgain = await api.call('DELETE', '/v1/resource-groups/rg1/volume-groups/0');
  assert.equal(delAgain.status, 200);
  assert.deepEqual(codes(delAgain.body), [{ severity: 'warn', code: 3000 }]);
  assert.deepEqual((await api.call('GET', '/v1/resource-groups/rg1/volume-groups')).body.map((v: { volume_number: number }) => v.volume_number), [1, 5]);
  await api.close();
});
