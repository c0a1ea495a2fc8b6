import { test } from 'node:test';
import assert from 'node:assert/strict';
import { codes, makeApi, type TestApi } from './helpers.js';
import { Change } from '../src/controller/change.js';
import { key } from '../src/controller/graph.js';
import type { ProviderKind } from '../src/model/enums.js';
import type { ResourceRecord } from '../src/store/records.js';

const vdUrl = (rd: string) => `/v1/resource-definitions/${rd}/volume-definitions`;
const vdBody = (spec: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ volume_definition: spec, ...extra });

async function withRd(name = 'r1', layers?: string[]): Promise<TestApi> {
  const api = await makeApi();
  const res = await api.call('POST', '/v1/resource-definitions', { resource_definition: { name, ...(layers ? { layer_data: layers.map((type) => ({ type })) } : {}) } });
  assert.equal(res.status, 201);
  return api;
}

/** Pools and resources are other families' endpoints; these tests place records directly. */
function putPool(api: TestApi, node: string, name: string, kind: ProviderKind = 'LVM_THIN'): void {
  api.controller.commit(new Change().put('sp', key.sp(node, name), {
    node_name: node, name, provider_kind: kind, props: {}, external_locking: false, uuid: `sp-${node}-${name}`,
  }));
}
function putResource(api: TestApi, rd: string, node: string, extra: Partial<ResourceRecord> = {}): void {
  api.controller.commit(new Change().put('rsc', key.rsc(rd, node), {
    name: rd, node_name: node, props: {}, flags: [], layer_stack: ['DRBD', 'STORAGE'], volumes: [],
    create_timestamp: 0, uuid: `uuid-${rd}-${node}`, ...extra,
  }));
}
const volumesOf = (api: TestApi, rd: string, node: string) =>
  api.controller.graph.resource(rd, node)!.volumes.map((v) => [v.volume_number, v.storage_pool_name]);

test('create answers 200 (not 201) with the exact ret_code; numbers and minors are allocated', async () => {
  const api = await withRd();
  const res = await api.call('POST', vdUrl('r1'), vdBody({ size_kib: '1048576' }));
  assert.equal(res.status, 200);
  assert.equal(res.body.length, 1);
  assert.equal(BigInt(res.body[0].ret_code), 19922945n);
  assert.equal(res.body[0].message, "New volume definition with number '0' of resource definition 'r1' created.");
  assert.deepEqual({ RscDfn: res.body[0].obj_refs.RscDfn, VlmNr: res.body[0].obj_refs.VlmNr }, { RscDfn: 'r1', VlmNr: '0' });
  await api.call('POST', vdUrl('r1'), vdBody({ size_kib: 2048, volume_number: 3, flags: ['gross_size'], props: { 'Aux/x': 'y' } }));
  await api.call('POST', vdUrl('R1'), vdBody({ size_kib: 4096 }));

  const list = (await api.call('GET', vdUrl('r1'))).body;
  assert.deepEqual(list.map((v: { volume_number: number }) => v.volume_number), [0, 1, 3]);
  assert.deepEqual(list[0], {
    volume_number: 0, size_kib: 1048576, uuid: list[0].uuid,
    layer_data: [{ type: 'DRBD', data: { volume_number: 0, minor_number: 1000 } }, { type: 'STORAGE' }],
  });
  assert.equal(list[1].layer_data[0].data.minor_number, 1002, 'volume 1 was created third');
  assert.equal(list[2].layer_data[0].data.minor_number, 1001);
  assert.deepEqual(list[2].flags, ['GROSS_SIZE']);
  assert.deepEqual(list[2].props, { 'Aux/x': 'y' });

  const one = await api.call('GET', `${vdUrl('r1')}/3`);
  assert.equal(one.status, 200);
  assert.equal(one.body.size_kib, 2048);
  const miss = await api.call('GET', `${vdUrl('r1')}/9`);
  assert.equal(miss.status, 404);
  assert.equal(BigInt(miss.body[0].ret_code), -4611686018427387601n);
  const noRd = await api.call('POST', vdUrl('nope'), vdBody({ size_kib: 1 }));
  assert.equal(noRd.status, 404);
  assert.deepEqual(codes(noRd.body), [{ severity: 'error', code: 301 }]);
  assert.equal((await api.call('GET', vdUrl('nope'))).status, 404);
  await api.close();
});

test('create validation: size, number, duplicates, flags, forced minors', async () => {
  const api = await withRd();
  await api.call('POST', '/v1/resource-definitions', { resource_definition: { name: 'r2' } });
  await api.call('POST', vdUrl('r1'), vdBody({ size_kib: 10 }));
  for (const [body, code] of [
    [vdBody({ size_kib: 0 }), 206],
    [vdBody({ size_kib: -5 }), 206],
    [vdBody({}), 206],
    [vdBody({ size_kib: 10, volume_number: 65535 }), 205],
    [vdBody({ size_kib: 10, volume_number: -1 }), 205],
    [vdBody({ size_kib: 10, volume_number: 0 }), 503],
    [vdBody({ size_kib: 10, flags: ['RESIZE'] }), 234],
    [vdBody({ size_kib: 10, props: { 'Bad/Key': 'x' } }), 213],
    [vdBody({ size_kib: 10 }, { drbd_minor_number: 1000 }), 207],
    [vdBody({ size_kib: 10 }, { drbd_minor_number: 1048576 }), 207],
  ] as const) {
    const res = await api.call('POST', vdUrl('r1'), body);
    assert.equal(res.status, 500, JSON.stringify(body));
    assert.deepEqual(codes(res.body), [{ severity: 'error', code }], JSON.stringify(body));
  }
  assert.equal((await api.call('GET', vdUrl('r1'))).body.length, 1, 'refused requests change nothing');

  const forced = await api.call('POST', vdUrl('r2'), vdBody({ size_kib: 10 }, { drbd_minor_number: '2000' }));
  assert.equal(forced.status, 200);
  assert.equal((await api.call('GET', `${vdUrl('r2')}/0`)).body.layer_data[0].data.minor_number, 2000);
  assert.equal(api.controller.graph.resourceDefinition('r2')!.volume_definitions[0].minor_number, 2000);
  await api.close();
});

test('minors are global, freed on delete, and only allocated for DRBD definitions', async () => {
  const api = await withRd();
  await api.call('POST', '/v1/resource-definitions', { resource_definition: { name: 'r2' } });
  await api.call('POST', '/v1/resource-definitions', { resource_definition: { name: 'plain', layer_data: [{ type: 'STORAGE' }] } });
  await api.call('POST', vdUrl('r1'), vdBody({ size_kib: 10 }));
  await api.call('POST', vdUrl('r2'), vdBody({ size_kib: 10 }));
  await api.call('POST', vdUrl('plain'), vdBody({ size_kib: 10 }));
  const minor = async (rd: string, nr = 0) => (await api.call('GET', `${vdUrl(rd)}/${nr}`)).body.layer_data[0].data?.minor_number;
  assert.equal(await minor('r1'), 1000);
  assert.equal(await minor('r2'), 1001);
  assert.equal(await minor('plain'), undefined);
  assert.deepEqual((await api.call('GET', `${vdUrl('plain')}/0`)).body.layer_data, [{ type: 'STORAGE' }]);
  await api.call('DELETE', `${vdUrl('r1')}/0`);
  await api.call('POST', vdUrl('r2'), vdBody({ size_kib: 10 }));
  assert.equal(await minor('r2', 1), 1000, 'the freed minor is the lowest free one again');
  await api.close();
});

test('create on a deployed definition adds a volume to every resource, with the resolved pool', async () => {
  const api = await withRd();
  putPool(api, 'node-a', 'pool1');
  putPool(api, 'node-b', 'pool2');
  putPool(api, 'node-c', 'DfltStorPool', 'FILE_THIN');
  putPool(api, 'node-d', 'DfltDisklessStorPool', 'DISKLESS');
  putResource(api, 'r1', 'node-a', { props: { StorPoolName: 'pool1' } });
  putResource(api, 'r1', 'node-b', { volumes: [{ volume_number: 7, storage_pool_name: 'pool2', props: {}, flags: [], uuid: 'v7' }] });
  putResource(api, 'r1', 'node-c');
  putResource(api, 'r1', 'node-d', { flags: ['DISKLESS', 'DRBD_DISKLESS'] });
  const res = await api.call('POST', vdUrl('r1'), vdBody({ size_kib: 100 }));
  assert.equal(res.status, 200);
  assert.deepEqual(volumesOf(api, 'r1', 'node-a'), [[0, 'pool1']]);
  assert.deepEqual(volumesOf(api, 'r1', 'node-b'), [[0, 'pool2'], [7, 'pool2']]);
  assert.deepEqual(volumesOf(api, 'r1', 'node-c'), [[0, 'DfltStorPool']]);
  assert.deepEqual(volumesOf(api, 'r1', 'node-d'), [[0, 'DfltDisklessStorPool']]);

  putResource(api, 'r1', 'node-e');
  const noPool = await api.call('POST', vdUrl('r1'), vdBody({ size_kib: 100 }));
  assert.equal(noPool.status, 404);
  assert.deepEqual(codes(noPool.body), [{ severity: 'error', code: 310 }]);
  assert.match(noPool.body[0].message, /'DfltStorPool' on node 'node-e'/);
  assert.deepEqual(volumesOf(api, 'r1', 'node-a'), [[0, 'pool1']], 'nothing changed on the other resources');
  assert.equal((await api.call('GET', vdUrl('r1'))).body.length, 1);

  const del = await api.call('DELETE', `${vdUrl('r1')}/0`);
  assert.equal(del.status, 200);
  assert.equal(BigInt(del.body[0].ret_code), 53477378n);
  assert.deepEqual(volumesOf(api, 'r1', 'node-a'), []);
  assert.deepEqual(volumesOf(api, 'r1', 'node-b'), [[7, 'pool2']]);
  await api.close();
});

test('modify: grow always, shrink only while nothing is deployed; props and flags', async () => {
  const api = await withRd();
  await api.call('POST', vdUrl('r1'), vdBody({ size_kib: 1000 }));
  const grow = await api.call('PUT', `${vdUrl('r1')}/0`, { size_kib: '2000' });
  assert.equal(grow.status, 200);
  assert.equal(BigInt(grow.body.at(-1).ret_code), 36700163n);
  assert.equal(grow.body.at(-1).message, "Volume definition with number '0' of resource definition 'r1' modified.");
  const shrink = await api.call('PUT', `${vdUrl('r1')}/0`, { size_kib: 1500 });
  assert.equal(shrink.status, 200, 'nothing deployed: shrinking the record is fine');

  putPool(api, 'node-a', 'DfltStorPool');
  putResource(api, 'r1', 'node-a');
  const refused = await api.call('PUT', `${vdUrl('r1')}/0`, { size_kib: 1000 });
  assert.equal(refused.status, 500);
  assert.deepEqual(codes(refused.body), [{ severity: 'error', code: 206 }]);
  assert.match(refused.body[0].message, /node-a/);
  assert.match(refused.body[0].cause, /not supported/);
  assert.ok(refused.body[0].correction);
  assert.equal((await api.call('PUT', `${vdUrl('r1')}/0`, { size_kib: 4000 })).status, 200, 'growing a deployed volume is fine');
  assert.equal((await api.call('GET', `${vdUrl('r1')}/0`)).body.size_kib, 4000);
  assert.deepEqual(codes((await api.call('PUT', `${vdUrl('r1')}/0`, { size_kib: 0 })).body), [{ severity: 'error', code: 206 }]);

  const props = await api.call('PUT', `${vdUrl('r1')}/0`, { override_props: { 'Aux/a': 'b' }, flags: ['GROSS_SIZE'] });
  assert.deepEqual(codes(props.body), [{ severity: 'success', code: 1 }, { severity: 'success', code: 3 }]);
  let vd = (await api.call('GET', `${vdUrl('r1')}/0`)).body;
  assert.deepEqual(vd.props, { 'Aux/a': 'b' });
  assert.deepEqual(vd.flags, ['GROSS_SIZE']);
  await api.call('PUT', `${vdUrl('r1')}/0`, { delete_props: ['Aux/a'], flags: ['-GROSS_SIZE'] });
  vd = (await api.call('GET', `${vdUrl('r1')}/0`)).body;
  assert.ok(!('props' in vd) && !('flags' in vd));
  assert.equal((await api.call('PUT', `${vdUrl('r1')}/5`, { size_kib: 1 })).status, 404);
  await api.close();
});

test('delete: missing volume is a warning, missing definition a 404', async () => {
  const api = await withRd();
  const res = await api.call('DELETE', `${vdUrl('r1')}/0`);
  assert.equal(res.status, 200);
  assert.deepEqual(codes(res.body), [{ severity: 'warn', code: 3000 }]);
  const noRd = await api.call('DELETE', `${vdUrl('nope')}/0`);
  assert.equal(noRd.status, 404);
  assert.deepEqual(codes(noRd.body), [{ severity: 'error', code: 301 }]);
  await api.close();
});
