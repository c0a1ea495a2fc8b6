import { test } from 'node:test';
import assert from 'node:assert/strict';
import { codes, makeApi, type TestApi } from './helpers.js';
import { Change } from '../src/controller/change.js';
import { key } from '../src/controller/graph.js';
import { checkLayerStack, layerStackProblem } from '../src/model/layers.js';
import { resourceNameFromExternal } from '../src/model/external-name.js';
import { StorhubError } from '../src/model/errors.js';
import type { ResourceRecord } from '../src/store/records.js';

const rdBody = (name: string, extra: Record<string, unknown> = {}) => ({ resource_definition: { name, ...extra } });

/** Resources are another family's endpoints; these tests place records directly. */
export function putResource(api: TestApi, rd: string, node: string, extra: Partial<ResourceRecord> = {}): void {
  api.controller.commit(new Change().put('rsc', key.rsc(rd, node), {
    name: rd, node_name: node, props: {}, flags: [], layer_stack: ['DRBD', 'STORAGE'], volumes: [],
    create_timestamp: 0, uuid: `uuid-${rd}-${node}`, ...extra,
  }));
}

test('create by name: 201, exact ret_code, DRBD layer data with LINSTOR defaults', async () => {
  const api = await makeApi();
  const res = await api.call('POST', '/v1/resource-definitions', rdBody('r1'));
  assert.equal(res.status, 201);
  assert.equal(res.body.length, 1);
  assert.equal(BigInt(res.body[0].ret_code), 20447233n);
  assert.equal(res.body[0].message, "New resource definition 'r1' created.");
  assert.equal(res.body[0].obj_refs.RscDfn, 'r1');
  const rd = (await api.call('GET', '/v1/resource-definitions/R1')).body;
  assert.equal(rd.name, 'r1');
  assert.equal(rd.resource_group_name, 'DfltRscGrp');
  assert.ok(!('volume_definitions' in rd) && !('props' in rd) && !('flags' in rd));
  assert.equal(rd.layer_data.length, 2);
  const { secret, ...drbd } = rd.layer_data[0].data;
  assert.equal(rd.layer_data[0].type, 'DRBD');
  assert.match(secret, /^[A-Za-z0-9]{20}$/);
  assert.deepEqual(drbd, { peer_slots: 7, al_stripes: 1, al_stripe_size_kib: 32, port: -1, transport_type: 'IP', down: false });
  assert.deepEqual(rd.layer_data[1], { type: 'STORAGE' });

  const dup = await api.call('POST', '/v1/resource-definitions', rdBody('R1'));
  assert.equal(dup.status, 500);
  assert.equal(BigInt(dup.body[0].ret_code), -4611686018406940171n);
  for (const bad of ['r', 'all', '9abc', 'a.b']) {
    const r = await api.call('POST', '/v1/resource-definitions', rdBody(bad));
    assert.deepEqual(codes(r.body), [{ severity: 'error', code: 202 }], bad);
  }
  const noRg = await api.call('POST', '/v1/resource-definitions', rdBody('r2', { resource_group_name: 'nope' }));
  assert.equal(noRg.status, 404);
  assert.deepEqual(codes(noRg.body), [{ severity: 'error', code: 317 }]);
  const none = await api.call('POST', '/v1/resource-definitions', { resource_definition: {} });
  assert.deepEqual(codes(none.body), [{ severity: 'error', code: 606 }]);
  await api.close();
});

test('layer stacks: explicit, from the group, STORAGE appended with a warning, invalid ones refused', async () => {
  const api = await makeApi();
  await api.call('POST', '/v1/resource-groups', { name: 'plain', select_filter: { layer_stack: ['STORAGE'] } });
  await api.call('POST', '/v1/resource-definitions', rdBody('r1', { resource_group_name: 'plain' }));
  assert.deepEqual((await api.call('GET', '/v1/resource-definitions/r1')).body.layer_data, [{ type: 'STORAGE' }]);

  const luks = await api.call('POST', '/v1/resource-definitions', rdBody('r2', { layer_data: [{ type: 'drbd' }, { type: 'luks' }] }));
  assert.equal(luks.status, 201);
  assert.deepEqual(codes(luks.body), [{ severity: 'warn', code: 1012 }, { severity: 'success', code: 1 }]);
  const r2 = (await api.call('GET', '/v1/resource-definitions/r2')).body;
  assert.deepEqual(r2.layer_data.map((l: { type: string }) => l.type), ['DRBD', 'LUKS', 'STORAGE']);

  const nvme = await api.call('POST', '/v1/resource-definitions', rdBody('r3', { layer_data: ['NVME', 'STORAGE'] }));
  assert.equal(nvme.status, 201);
  assert.ok(!('data' in (await api.call('GET', '/v1/resource-definitions/r3')).body.layer_data[0]));

  const bad = await api.call('POST', '/v1/resource-definitions', rdBody('r4', { layer_data: [{ type: 'STORAGE' }, { type: 'DRBD' }] }));
  assert.deepEqual(codes(bad.body), [{ severity: 'error', code: 225 }]);
  const kind = await api.call('POST', '/v1/resource-definitions', rdBody('r4', { layer_data: [{ type: 'FLOPPY' }] }));
  assert.deepEqual(codes(kind.body), [{ severity: 'error', code: 224 }]);
  assert.equal((await api.call('GET', '/v1/resource-definitions/r4')).status, 404);
  await api.close();
});

test('DRBD options on create; peer slots from the group; props validated', async () => {
  const api = await makeApi();
  const res = await api.call('POST', '/v1/resource-definitions', {
    ...rdBody('r1', { props: { 'Aux/pm/vmid': '100', StorPoolName: 'pool1' } }),
    drbd_port: '7010', drbd_secret: 'SeCrEt', drbd_peer_slots: '5', drbd_transport_type: 'rdma',
  });
  assert.equal(res.status, 201);
  assert.equal(res.body[0].message, 'Successfully set property key(s): Aux/pm/vmid,StorPoolName');
  assert.equal(BigInt(res.body.at(-1).ret_code), 20447233n);
  const rd = (await api.call('GET', '/v1/resource-definitions/r1')).body;
  assert.deepEqual(rd.props, { 'Aux/pm/vmid': '100', StorPoolName: 'pool1' });
  assert.deepEqual(rd.layer_data[0].data, {
    peer_slots: 5, al_stripes: 1, al_stripe_size_kib: 32, port: 7010, transport_type: 'RDMA', secret: 'SeCrEt', down: false,
  });
  await api.call('POST', '/v1/resource-groups', { name: 'rg9', peer_slots: 9 });
  await api.call('POST', '/v1/resource-definitions', rdBody('r2', { resource_group_name: 'rg9' }));
  assert.equal((await api.call('GET', '/v1/resource-definitions/r2')).body.layer_data[0].data.peer_slots, 9);

  for (const [body, code] of [
    [{ ...rdBody('r3'), drbd_port: 70000 }, 203],
    [{ ...rdBody('r3'), drbd_transport_type: 'pigeon' }, 214],
    [{ ...rdBody('r3'), drbd_peer_slots: 32 }, 234],
    [rdBody('r3', { props: { 'Not/Whitelisted': 'x' } }), 213],
  ] as const) {
    const r = await api.call('POST', '/v1/resource-definitions', body);
    assert.deepEqual(codes(r.body), [{ severity: 'error', code }], JSON.stringify(body));
  }
  assert.equal((await api.call('GET', '/v1/resource-definitions/r3')).status, 404);
  await api.close();
});

test('external names: derived valid unique names, duplicates refused', async () => {
  const api = await makeApi();
  const res = await api.call('POST', '/v1/resource-definitions', { resource_definition: { external_name: 'My Disk (VM 100)' } });
  assert.equal(res.status, 201);
  assert.equal(res.body[0].obj_refs.RscDfn, 'My_Disk__VM_100_');
  const rd = (await api.call('GET', '/v1/resource-definitions/My_Disk__VM_100_')).body;
  assert.equal(rd.external_name, 'My Disk (VM 100)');

  const dup = await api.call('POST', '/v1/resource-definitions', { resource_definition: { external_name: 'My Disk (VM 100)' } });
  assert.deepEqual(codes(dup.body), [{ severity: 'error', code: 517 }]);

  const uuid = '6f535d3a-82c1-46ab-80fe-5a59ee8bff44';
  const u = await api.call('POST', '/v1/resource-definitions', { resource_definition: { external_name: uuid } });
  assert.equal(u.body[0].obj_refs.RscDfn, `LS_${uuid.toUpperCase()}`);

  await api.call('POST', '/v1/resource-definitions', rdBody('web_app'));
  const taken = await api.call('POST', '/v1/resource-definitions', { resource_definition: { external_name: 'web.app' } });
  assert.equal(taken.status, 201);
  assert.match(taken.body[0].obj_refs.RscDfn, /^LS_[0-9a-f-]{36}$/, 'a taken derived name falls back to LS_<uuid>');
  const both = await api.call('POST', '/v1/resource-definitions', rdBody('named', { external_name: 'Named Disk' }));
  assert.equal(both.body[0].obj_refs.RscDfn, 'named');
  await api.close();
});

test('external name derivation (unit)', () => {
  const none = () => false;
  assert.equal(resourceNameFromExternal('disk1', none), 'disk1');
  assert.equal(resourceNameFromExternal('a b/c', none), 'a_b_c');
  assert.equal(resourceNameFromExternal('-x', none), 'tx', 'a leading hyphen is translated like any other invalid byte');
  assert.match(resourceNameFromExternal('Größe', none), /^Gr[A-Za-z]{4}e$/, 'each byte of a non-ASCII character becomes a letter');
  assert.equal(resourceNameFromExternal('x'.repeat(60), none), 'x'.repeat(48));
  assert.equal(resourceNameFromExternal('123', none), 'x23', 'an invalid first character is translated too');
  assert.match(resourceNameFromExternal('a', none), /^LS_/, 'too short to become a valid name');
  assert.match(resourceNameFromExternal('disk1', (n) => n === 'disk1'), /^LS_/);
  assert.throws(() => resourceNameFromExternal('x'.repeat(257), none), (e: unknown) => e instanceof StorhubError && e.code === 'FAIL_INVLD_EXT_NAME');
});

test('layer stack rules (unit)', () => {
  for (const ok of [['DRBD', 'STORAGE'], ['STORAGE'], ['DRBD', 'LUKS', 'STORAGE'], ['NVME', 'CACHE', 'STORAGE'],
    ['DRBD', 'WRITECACHE', 'CACHE', 'LUKS', 'STORAGE'], ['LUKS', 'STORAGE'], ['DRBD', 'NVME', 'STORAGE']] as const) {
    assert.equal(layerStackProblem([...ok]), undefined, ok.join(','));
  }
  assert.match(layerStackProblem(['LUKS', 'DRBD', 'STORAGE'])!, /LUKS cannot be placed on top of DRBD/);
  assert.match(layerStackProblem(['DRBD', 'STORAGE', 'LUKS'])!, /STORAGE must be the last layer/);
  assert.match(layerStackProblem(['DRBD', 'CACHE', 'CACHE', 'STORAGE'])!, /CACHE appears more than once/);
  assert.match(layerStackProblem(['DRBD', 'LUKS'])!, /last layer must be STORAGE/);
  assert.match(layerStackProblem(['LUKS', 'CACHE', 'STORAGE'])!, /LUKS cannot be placed on top of CACHE/);
  assert.deepEqual(checkLayerStack(['drbd']), { stack: ['DRBD', 'STORAGE'], storageAdded: true });
  assert.deepEqual(checkLayerStack(['Drbd', 'storage']), { stack: ['DRBD', 'STORAGE'], storageAdded: false });
});

test('list filters and with_volume_definitions', async () => {
  const api = await makeApi();
  for (const n of ['b1', 'a1', 'c1']) await api.call('POST', '/v1/resource-definitions', rdBody(n));
  await api.call('PUT', '/v1/resource-definitions/c1', { override_props: { 'Aux/x': '1' } });
  await api.call('POST', '/v1/resource-definitions/a1/volume-definitions', { volume_definition: { size_kib: 1024 } });
  const names = async (q: string) => (await api.call('GET', `/v1/resource-definitions${q}`)).body.map((r: { name: string }) => r.name);
  assert.deepEqual(await names(''), ['a1', 'b1', 'c1']);
  assert.deepEqual(await names('?resource_definitions=C1,b1'), ['b1', 'c1']);
  assert.deepEqual(await names('?props=Aux/x'), ['c1']);
  assert.deepEqual(await names('?offset=0&limit=1'), ['a1']);
  const plain = (await api.call('GET', '/v1/resource-definitions')).body;
  assert.ok(!('volume_definitions' in plain[0]));
  const withVds = (await api.call('GET', '/v1/resource-definitions?with_volume_definitions=True')).body;
  assert.equal(withVds[0].volume_definitions[0].size_kib, 1024);
  assert.equal(withVds[0].volume_definitions[0].layer_data[0].data.minor_number, 1000);
  await api.close();
});

test('modify: props, group move, DRBD options, layer stack only while nothing is deployed', async () => {
  const api = await makeApi();
  await api.call('POST', '/v1/resource-groups', { name: 'rg1' });
  await api.call('POST', '/v1/resource-definitions', rdBody('r1', { layer_data: [{ type: 'STORAGE' }] }));
  await api.call('POST', '/v1/resource-definitions/r1/volume-definitions', { volume_definition: { size_kib: 100 } });
  assert.ok(!('data' in (await api.call('GET', '/v1/resource-definitions/r1/volume-definitions/0')).body.layer_data[0]));

  const res = await api.call('PUT', '/v1/resource-definitions/r1', {
    override_props: { 'Aux/a': '1' }, resource_group: 'RG1', layer_stack: ['DRBD', 'STORAGE'],
  });
  assert.equal(res.status, 200);
  assert.equal(BigInt(res.body.at(-1).ret_code), 37224451n);
  assert.equal(res.body.at(-1).message, "Resource definition 'r1' modified.");
  let rd = (await api.call('GET', '/v1/resource-definitions/r1?x=1')).body;
  assert.equal(rd.resource_group_name, 'rg1');
  assert.deepEqual(rd.props, { 'Aux/a': '1' });
  assert.equal(rd.layer_data[0].type, 'DRBD');
  const vd = (await api.call('GET', '/v1/resource-definitions/r1/volume-definitions/0')).body;
  assert.deepEqual(vd.layer_data[0], { type: 'DRBD', data: { volume_number: 0, minor_number: 1000 } }, 'DRBD joining the stack allocates minors');

  const slots = await api.call('PUT', '/v1/resource-definitions/r1', { drbd_peer_slots: '3', drbd_port: 7100 });
  assert.equal(slots.status, 200);
  rd = (await api.call('GET', '/v1/resource-definitions/r1')).body;
  assert.equal(rd.layer_data[0].data.peer_slots, 3);
  assert.equal(rd.layer_data[0].data.port, 7100);

  const noRg = await api.call('PUT', '/v1/resource-definitions/r1', { resource_group: 'nope' });
  assert.equal(noRg.status, 404);
  assert.deepEqual(codes(noRg.body), [{ severity: 'error', code: 317 }]);

  putResource(api, 'r1', 'node-a');
  const busy = await api.call('PUT', '/v1/resource-definitions/r1', { layer_stack: ['STORAGE'] });
  assert.equal(busy.status, 500);
  assert.deepEqual(codes(busy.body), [{ severity: 'error', code: 502 }]);
  assert.match(busy.body[0].message, /node-a/);
  const same = await api.call('PUT', '/v1/resource-definitions/r1', { layer_stack: ['DRBD', 'STORAGE'] });
  assert.equal(same.status, 200, 'the unchanged stack is fine with resources');
  api.controller.commit(new Change().delete('rsc', key.rsc('r1', 'node-a')));
  await api.call('PUT', '/v1/resource-definitions/r1', { layer_stack: ['STORAGE'] });
  const back = (await api.call('GET', '/v1/resource-definitions/r1/volume-definitions/0')).body;
  assert.deepEqual(back.layer_data, [{ type: 'STORAGE' }], 'minors are released when DRBD leaves');
  const noDrbd = await api.call('PUT', '/v1/resource-definitions/r1', { drbd_port: 7000 });
  assert.deepEqual(codes(noDrbd.body), [{ severity: 'error', code: 234 }]);
  const missing = await api.call('PUT', '/v1/resource-definitions/nope', {});
  assert.equal(missing.status, 404);
  await api.close();
});

test('delete: missing is a warning, refused with snapshots, takes resources and connections along', async () => {
  const api = await makeApi();
  const missing = await api.call('DELETE', '/v1/resource-definitions/ghost');
  assert.equal(missing.status, 200);
  assert.equal(BigInt(missing.body[0].ret_code), -9223372036800771144n);

  await api.call('POST', '/v1/resource-definitions', rdBody('r1'));
  api.controller.commit(new Change().put('snapshot', key.snapshot('r1', 'snap1'), {
    name: 'snap1', resource_name: 'r1', nodes: [], flags: [], props: {}, volume_definitions: [], create_timestamp: 0, uuid: 's',
  }));
  const refused = await api.call('DELETE', '/v1/resource-definitions/r1');
  assert.equal(refused.status, 500);
  assert.deepEqual(codes(refused.body), [{ severity: 'error', code: 514 }]);
  assert.match(refused.body[0].message, /snap1/);
  assert.match(refused.body[0].correction, /snapshot delete r1/);
  api.controller.commit(new Change().delete('snapshot', key.snapshot('r1', 'snap1')));

  putResource(api, 'r1', 'node-a');
  putResource(api, 'r1', 'node-b');
  putResource(api, 'other', 'node-a');
  api.controller.commit(new Change().put('rsc_conn', key.rscConn('r1', 'node-a', 'node-b'), {
    resource_name: 'r1', node_a: 'node-a', node_b: 'node-b', props: {}, flags: [], uuid: 'c',
  }));
  const res = await api.call('DELETE', '/v1/resource-definitions/R1');
  assert.equal(res.status, 200);
  assert.deepEqual(res.body.map((e: { ret_code: number }) => BigInt(e.ret_code)), [53739522n, 53739522n, 52690946n, 54001666n]);
  assert.equal(res.body[0].message, "Resource 'r1' on node 'node-a' deleted.");
  assert.equal(res.body.at(-1).message, "Resource definition 'r1' deleted.");
  const g = api.controller.graph;
  assert.equal(g.resourcesOf('r1').length, 0);
  assert.equal(g.resourceConnections.size, 0);
  assert.equal(g.resourcesOf('other').length, 1, 'resources of other definitions stay');
  assert.equal((await api.call('GET', '/v1/resource-definitions/r1')).status, 404);
  await api.close();
});
