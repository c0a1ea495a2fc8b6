import { test } from 'node:test';
import assert from 'node:assert/strict';
import { codes, makeApi } from './helpers.js';

const spawnUrl = (rg: string) => `/v1/resource-groups/${rg}/spawn`;
const rcs = (body: Array<{ ret_code: number | bigint }>) => body.map((e) => BigInt(e.ret_code));

test('CLI-style spawn on DfltRscGrp: place_count 2 needs nodes; definitions_only creates the definitions alone', async () => {
  const api = await makeApi();
  const body = { resource_definition_name: 'res2', volume_sizes: [1048576], select_filter: {}, partial: false, definitions_only: false };
  // DfltRscGrp has place_count 2: spawn places, and with no nodes nothing is created (one change).
  const none = await api.call('POST', spawnUrl('DfltRscGrp'), body);
  assert.equal(none.status, 500);
  assert.deepEqual(codes(none.body), [{ severity: 'error', code: 996 }]);
  assert.match(none.body[0].message, /resource 'res2' needs 2 more diskful replica\(s\), but no node qualifies/);
  assert.equal((await api.call('GET', '/v1/resource-definitions/res2')).status, 404);

  const res = await api.call('POST', spawnUrl('DfltRscGrp'), { ...body, definitions_only: true });
  assert.equal(res.status, 201);
  // info (no volume groups), vd created, rd created, INFO_NO_RSC_SPAWNED
  assert.deepEqual(rcs(res.body), [4611686018448621568n, 19922945n, 20447233n, 4611686018448631568n]);
  const last = res.body.at(-1);
  assert.match(last.message, /Resource definition 'res2' and 1 volume definition\(s\) created, but no resources deployed/);
  assert.match(last.details, /definitions_only was set/);
  assert.match(last.correction, /resource create <node> res2/);
  const rd = (await api.call('GET', '/v1/resource-definitions/res2?with_volume_definitions=true')).body;
  assert.equal(rd.resource_group_name, 'DfltRscGrp');
  assert.deepEqual(rd.volume_definitions.map((v: { size_kib: number }) => v.size_kib), [1048576]);
  assert.equal(rd.volume_definitions[0].layer_data[0].data.minor_number, 1000);
  assert.equal(api.controller.graph.resources.size, 0, 'definitions only');
  await api.close();
});

test('no place count or definitions_only: INFO_NO_RSC_SPAWNED says why', async () => {
  const api = await makeApi();
  await api.call('POST', '/v1/resource-groups', { name: 'rg1' });
  await api.call('POST', '/v1/resource-groups/rg1/volume-groups', {});
  const res = await api.call('POST', spawnUrl('rg1'), { resource_definition_name: 'r1', volume_sizes: ['1024'] });
  assert.equal(res.status, 201);
  assert.deepEqual(rcs(res.body), [19922945n, 20447233n, 4611686018448631568n]);
  assert.match(res.body.at(-1).details, /no place count/);
  assert.match(res.body.at(-1).correction, /--auto-place/);

  await api.call('PUT', '/v1/resource-groups/rg1', { select_filter: { place_count: 2 } });
  const defOnly = await api.call('POST', spawnUrl('rg1'), { resource_definition_name: 'r2', volume_sizes: [1024], definitions_only: 'true' });
  assert.equal(BigInt(defOnly.body.at(-1).ret_code), 4611686018448631568n);
  assert.match(defOnly.body.at(-1).details, /definitions_only was set/);
  assert.doesNotMatch(defOnly.body.at(-1).details, /place count/);
  await api.close();
});

test('one volume definition per volume group, flags carried, sizes checked against the group', async () => {
  const api = await makeApi();
  await api.call('POST', '/v1/resource-groups', { name: 'rg1', select_filter: { place_count: 1 } });
  await api.call('POST', '/v1/resource-groups/rg1/volume-groups', { volume_number: 2 });
  await api.call('POST', '/v1/resource-groups/rg1/volume-groups', { volume_number: 0, flags: ['GROSS_SIZE'] });

  // definitions_only: this test is about volume definitions (placement is in placement-spawn.test.ts).
  const ok = await api.call('POST', spawnUrl('rg1'), { resource_definition_name: 'r1', volume_sizes: [100, 200], definitions_only: true });
  assert.equal(ok.status, 201);
  let vds = (await api.call('GET', '/v1/resource-definitions/r1/volume-definitions')).body;
  assert.deepEqual(vds.map((v: { volume_number: number; size_kib: number }) => [v.volume_number, v.size_kib]), [[0, 100], [2, 200]]);
  assert.deepEqual(vds[0].flags, ['GROSS_SIZE']);
  assert.deepEqual(vds.map((v: any) => v.layer_data[0].data.minor_number), [1000, 1001]);

  const mismatch = await api.call('POST', spawnUrl('rg1'), { resource_definition_name: 'r2', volume_sizes: [100] });
  assert.equal(mismatch.status, 500);
  assert.deepEqual(codes(mismatch.body), [{ severity: 'error', code: 228 }]);
  assert.match(mismatch.body[0].details, /has 2 volume group\(s\), but 1 size\(s\)/);
  assert.equal((await api.call('GET', '/v1/resource-definitions/r2')).status, 404, 'nothing created');

  const fewer = await api.call('POST', spawnUrl('rg1'), { resource_definition_name: 'r3', volume_sizes: [100], partial: true, definitions_only: true });
  assert.equal(fewer.status, 201);
  const more = await api.call('POST', spawnUrl('rg1'), { resource_definition_name: 'r4', volume_sizes: [1, 2, 3], partial: true, definitions_only: true });
  assert.equal(more.status, 201);
  vds = (await api.call('GET', '/v1/resource-definitions/r4/volume-definitions')).body;
  assert.deepEqual(vds.map((v: { volume_number: number }) => v.volume_number), [0, 1, 2], 'the extra size takes the next free number');
  assert.equal((await api.call('GET', '/v1/resource-definitions/r3/volume-definitions')).body.length, 1);

  const badSize = await api.call('POST', spawnUrl('rg1'), { resource_definition_name: 'r5', volume_sizes: [100, 0] });
  assert.deepEqual(codes(badSize.body), [{ severity: 'error', code: 206 }]);
  assert.equal((await api.call('GET', '/v1/resource-definitions/r5')).status, 404);
  await api.close();
});

test('rd props, external name, layer stack and peer slots from group and request', async () => {
  const api = await makeApi();
  await api.call('POST', '/v1/resource-groups', { name: 'rg1', peer_slots: 9, select_filter: { layer_stack: ['STORAGE'] } });
  const res = await api.call('POST', spawnUrl('rg1'), {
    resource_definition_name: '', resource_definition_external_name: 'VM 100 disk', volume_sizes: [10],
    resource_definition_props: { 'Aux/pm/vmid': '100' },
  });
  assert.equal(res.status, 201);
  const rd = (await api.call('GET', '/v1/resource-definitions/VM_100_disk')).body;
  assert.equal(rd.external_name, 'VM 100 disk');
  assert.deepEqual(rd.props, { 'Aux/pm/vmid': '100' });
  assert.deepEqual(rd.layer_data, [{ type: 'STORAGE' }]);
  assert.match(res.body.at(-1).message, /'VM_100_disk' \(VM 100 disk\)/);

  const drbd = await api.call('POST', spawnUrl('rg1'), {
    resource_definition_name: 'r2', volume_sizes: [10], peer_slots: 4, select_filter: { layer_stack: ['drbd', 'storage'] },
  });
  assert.equal(drbd.status, 201);
  const r2 = (await api.call('GET', '/v1/resource-definitions/r2')).body;
  assert.equal(r2.layer_data[0].type, 'DRBD');
  assert.equal(r2.layer_data[0].data.peer_slots, 4);
  await api.call('POST', spawnUrl('rg1'), { resource_definition_name: 'r3', volume_sizes: [10], select_filter: { layer_stack: ['DRBD', 'STORAGE'] } });
  assert.equal((await api.call('GET', '/v1/resource-definitions/r3')).body.layer_data[0].data.peer_slots, 9);
  assert.deepEqual((await api.call('GET', '/v1/resource-groups/rg1')).body.select_filter.layer_stack, ['STORAGE'], 'the group is not changed');

  const badProp = await api.call('POST', spawnUrl('rg1'), { resource_definition_name: 'r4', volume_sizes: [10], resource_definition_props: { 'Bad/Key': '1' } });
  assert.deepEqual(codes(badProp.body), [{ severity: 'error', code: 213 }]);
  const badLayer = await api.call('POST', spawnUrl('rg1'), { resource_definition_name: 'r4', volume_sizes: [10], select_filter: { layer_stack: ['STORAGE', 'LUKS'] } });
  assert.deepEqual(codes(badLayer.body), [{ severity: 'error', code: 225 }]);
  assert.equal((await api.call('GET', '/v1/resource-definitions/r4')).status, 404);
  await api.close();
});

test('refusals: existing definition, missing group, passphrase count', async () => {
  const api = await makeApi();
  await api.call('POST', spawnUrl('DfltRscGrp'), { resource_definition_name: 'r1', volume_sizes: [10], definitions_only: true });
  const dup = await api.call('POST', spawnUrl('DfltRscGrp'), { resource_definition_name: 'R1', volume_sizes: [10] });
  assert.equal(dup.status, 500);
  assert.deepEqual(codes(dup.body), [{ severity: 'error', code: 501 }]);
  const noRg = await api.call('POST', spawnUrl('nope'), { resource_definition_name: 'r2', volume_sizes: [10] });
  assert.equal(noRg.status, 404);
  assert.equal(BigInt(noRg.body[0].ret_code), -4611686018406153923n);
  const pass = await api.call('POST', spawnUrl('DfltRscGrp'), { resource_definition_name: 'r2', volume_sizes: [10, 20], volume_passphrases: ['a'] });
  assert.deepEqual(codes(pass.body), [{ severity: 'error', code: 234 }]);
  await api.close();
});
