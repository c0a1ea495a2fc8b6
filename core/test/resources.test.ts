import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { codes, makeApi, makeController, type TestApi } from './helpers.js';
import { addNode, addRd, ok } from './resource-fixtures.js';

const R = '/v1/resource-definitions';

/** Nodes n1..n3 with DfltStorPool (FILE_THIN); n3 also has 'fast'. */
async function setup(controller = makeController()): Promise<TestApi> {
  const api = await makeApi(controller);
  await addNode(api, 'n1');
  await addNode(api, 'n2');
  await addNode(api, 'n3', [['DfltStorPool', 'FILE_THIN'], ['fast', 'FILE']]);
  return api;
}

test('array create: 201, one CREATED|CRT|RSC entry per resource, node ids and ports allocated', async () => {
  const api = await setup();
  await addRd(api, 'r1');
  const res = await api.call('POST', `${R}/r1/resources`, [{ resource: { node_name: 'n1' } }, { resource: { node_name: 'n2' } }]);
  assert.equal(res.status, 201);
  // Two diskful DRBD replicas want a quorum tie-breaker; n3 is offline (no satellite here), so the
  // answer ends with WARN_NOT_ENOUGH_NODES_FOR_TIE_BREAKER.
  assert.equal(res.body.length, 3);
  assert.deepEqual(res.body.slice(0, 2).map((e: any) => BigInt(e.ret_code)), [20185089n, 20185089n]);
  assert.deepEqual(codes(res.body.slice(2)), [{ severity: 'warn', code: 1013 }]);
  assert.equal(res.body[0].message, "New resource 'r1' on node 'n1' registered.");
  assert.equal(res.body[1].message, "New resource 'r1' on node 'n2' registered.");
  assert.equal(res.body[0].obj_refs.RscDfn, 'r1');
  assert.equal(res.body[0].obj_refs.Node, 'n1');

  const list = await api.call('GET', `${R}/r1/resources`);
  assert.equal(list.status, 200);
  assert.deepEqual(list.body.map((r: any) => r.node_name), ['n1', 'n2']);
  const [a, b] = list.body;
  assert.equal(a.name, 'r1');
  assert.ok(!('flags' in a) && !('props' in a) && !('state' in a) && !('volumes' in a));
  assert.equal(typeof a.create_timestamp, 'number');
  assert.ok(a.create_timestamp > 1.6e12, 'milliseconds');
  const lo = a.layer_object;
  assert.equal(lo.type, 'DRBD');
  assert.equal(lo.resource_name_suffix, '');
  assert.equal(lo.drbd.node_id, 0);
  assert.equal(b.layer_object.drbd.node_id, 1);
  assert.deepEqual(lo.drbd.tcp_ports, [7000]);
  assert.deepEqual(b.layer_object.drbd.tcp_ports, [7000], 'ports are allocated per node');
  assert.equal(lo.drbd.peer_slots, 7);
  assert.equal(lo.drbd.al_stripes, 1);
  assert.equal(lo.drbd.al_size, 32);
  const dfn = lo.drbd.drbd_resource_definition;
  assert.equal(dfn.peer_slots, 7);
  assert.equal(dfn.port, -1);
  assert.equal(dfn.transport_type, 'IP');
  assert.equal(dfn.down, false);
  assert.equal(typeof dfn.secret, 'string');
  const minor = lo.drbd.drbd_volumes[0].drbd_volume_definition.minor_number;
  assert.ok(minor >= 1000);
  assert.deepEqual(lo.drbd.drbd_volumes, [{
    drbd_volume_definition: { resource_name_suffix: '', volume_number: 0, minor_number: minor },
    device_path: `/dev/drbd${minor}`,
  }]);
  assert.ok(!('connections' in lo.drbd) && !('promotion_score' in lo.drbd), 'runtime state absent until reported');
  assert.deepEqual(lo.children, [{ type: 'STORAGE', resource_name_suffix: '', storage: { storage_volumes: [{ volume_number: 0 }] } }]);
  await api.close();
});

test('single create on a node: 201; DRBD_DISKLESS gets DISKLESS too and the diskless pool', async () => {
  const api = await setup();
  await addRd(api, 'r1');
  await ok(api, 'POST', `${R}/r1/resources/n1`, {});
  const res = await api.call('POST', `${R}/r1/resources/N2`, { resource: { flags: ['drbd_diskless'] } });
  assert.equal(res.status, 201);
  assert.equal(res.body[0].message, "New resource 'r1' on node 'n2' registered.");
  const r = (await api.call('GET', `${R}/r1/resources/n2`)).body;
  assert.equal(r.node_name, 'n2');
  assert.deepEqual(r.flags, ['DISKLESS', 'DRBD_DISKLESS']);
  const vols = (await api.call('GET', `${R}/r1/resources/n2/volumes`)).body;
  assert.equal(vols[0].storage_pool_name, 'DfltDisklessStorPool');
  assert.equal(vols[0].provider_kind, 'DISKLESS');
  // A bare DISKLESS on a DRBD stack becomes a DRBD diskless resource.
  await ok(api, 'POST', `${R}/r1/resources/n3`, { resource: { flags: ['DISKLESS'] } });
  assert.deepEqual((await api.call('GET', `${R}/r1/resources/n3`)).body.flags, ['DISKLESS', 'DRBD_DISKLESS']);
  await api.close();
});

test('create errors: missing rd, missing node, existing resource, missing pool', async () => {
  const api = await setup();
  const noRd = await api.call('POST', `${R}/nope/resources`, [{ resource: { node_name: 'n1' } }]);
  assert.equal(noRd.status, 404);
  assert.deepEqual(codes(noRd.body), [{ severity: 'error', code: 301 }]);

  await addRd(api, 'r1');
  const noNode = await api.call('POST', `${R}/r1/resources/ghost`, {});
  assert.equal(noNode.status, 404);
  assert.equal(BigInt(noNode.body[0].ret_code), -4611686018407202516n); // FAIL_NOT_FOUND_NODE | CRT | RSC
  assert.match(noNode.body[0].message, /'ghost'/);
  assert.match(noNode.body[0].correction, /node create ghost/);

  await ok(api, 'POST', `${R}/r1/resources/n1`, {});
  const dup = await api.call('POST', `${R}/r1/resources`, [{ resource: { node_name: 'N1' } }]);
  assert.equal(dup.status, 500);
  assert.deepEqual(codes(dup.body), [{ severity: 'error', code: 502 }]);

  const givenPool = await api.call('POST', `${R}/r1/resources/n2`, { resource: { props: { StorPoolName: 'fast' } } });
  assert.equal(givenPool.status, 404);
  assert.deepEqual(codes(givenPool.body), [{ severity: 'error', code: 310 }]);
  assert.match(givenPool.body[0].message, /'fast'.*'n2'/);
  assert.match(givenPool.body[0].correction, /storage-pool create/);

  await addNode(api, 'bare', []);
  const noDflt = await api.call('POST', `${R}/r1/resources/bare`, {});
  assert.equal(noDflt.status, 404);
  assert.deepEqual(codes(noDflt.body), [{ severity: 'error', code: 310 }]);
  assert.match(noDflt.body[0].message, /'DfltStorPool'.*'bare'/);
  assert.match(noDflt.body[0].correction, /StorPoolName/);

  const badFlag = await api.call('POST', `${R}/r1/resources/n2`, { resource: { flags: ['DELETE'] } });
  assert.equal(badFlag.status, 500);
  assert.deepEqual(codes(badFlag.body), [{ severity: 'error', code: 234 }]);
  const badLayer = await api.call('POST', `${R}/r1/resources/n2`, { resource: {}, layer_list: ['drbd', 'tape'] });
  assert.equal(badLayer.status, 500);
  assert.deepEqual(codes(badLayer.body), [{ severity: 'error', code: 224 }]);
  await api.close();
});

test('array create is all or nothing', async () => {
  const api = await setup();
  await addRd(api, 'r1');
  const res = await api.call('POST', `${R}/r1/resources`, [{ resource: { node_name: 'n1' } }, { resource: { node_name: 'ghost' } }]);
  assert.equal(res.status, 404);
  assert.deepEqual((await api.call('GET', `${R}/r1/resources`)).body, []);
  const dupInBody = await api.call('POST', `${R}/r1/resources`, [{ resource: { node_name: 'n1' } }, { resource: { node_name: 'n1' } }]);
  assert.equal(dupInBody.status, 500);
  assert.deepEqual(codes(dupInBody.body), [{ severity: 'error', code: 502 }]);
  assert.equal(api.controller.graph.resources.size, 0);
  await api.close();
});

test('forced DRBD node id and TCP ports, lenient numbers, taken values refused', async () => {
  const api = await setup();
  await addRd(api, 'r1');
  await addRd(api, 'r2');
  await ok(api, 'POST', `${R}/r1/resources`, [{ resource: { node_name: 'n1' }, drbd_node_id: '5', drbd_tcp_ports: ['7100'] }]);
  const r = (await api.call('GET', `${R}/r1/resources/n1`)).body;
  assert.equal(r.layer_object.drbd.node_id, 5);
  assert.deepEqual(r.layer_object.drbd.tcp_ports, [7100]);

  const idTaken = await api.call('POST', `${R}/r1/resources/n2`, { drbd_node_id: 5 });
  assert.equal(idTaken.status, 500);
  assert.deepEqual(codes(idTaken.body), [{ severity: 'error', code: 204 }]);
  const portTaken = await api.call('POST', `${R}/r2/resources/n1`, { drbd_tcp_ports: [7100] });
  assert.equal(portTaken.status, 500);
  assert.deepEqual(codes(portTaken.body), [{ severity: 'error', code: 215 }]);

  // Auto allocation skips what is taken: lowest free id 0, the node's lowest free port 7000.
  await ok(api, 'POST', `${R}/r2/resources/n1`, {});
  const r2 = (await api.call('GET', `${R}/r2/resources/n1`)).body;
  assert.equal(r2.layer_object.drbd.node_id, 0);
  assert.deepEqual(r2.layer_object.drbd.tcp_ports, [7000]);
  // Within one request, node ids of the batch do not collide.
  await ok(api, 'POST', `${R}/r1/resources`, [{ resource: { node_name: 'n2' } }, { resource: { node_name: 'n3' } }]);
  const ids = (await api.call('GET', `${R}/r1/resources`)).body.map((x: any) => x.layer_object.drbd.node_id);
  assert.deepEqual(ids, [5, 0, 1]);
  await api.close();
});

test('peer slots bound the number of DRBD replicas', async () => {
  const api = await setup();
  await addRd(api, 'r1', { peerSlots: 1 });
  await ok(api, 'POST', `${R}/r1/resources`, [{ resource: { node_name: 'n1' } }, { resource: { node_name: 'n2' } }]);
  const third = await api.call('POST', `${R}/r1/resources/n3`, {});
  assert.equal(third.status, 500);
  assert.deepEqual(codes(third.body), [{ severity: 'error', code: 993 }]);
  await api.close();
});

test('storage pool resolution: resource, then rd, then node props, then diskful peers, then DfltStorPool', async () => {
  const api = await setup();
  await addNode(api, 'n4', [['fast', 'FILE'], ['DfltStorPool', 'FILE_THIN']]);
  const pool = async (rd: string, node: string) => (await api.call('GET', `${R}/${rd}/resources/${node}/volumes/0`)).body.storage_pool_name;

  await addRd(api, 'ra');
  await ok(api, 'POST', `${R}/ra/resources/n3`, { resource: { props: { StorPoolName: 'fast' } } });
  assert.equal(await pool('ra', 'n3'), 'fast');
  assert.equal((await api.call('GET', `${R}/ra/resources/n3`)).body.props.StorPoolName, 'fast');
  // The diskful peer uses 'fast', which n4 has too.
  await ok(api, 'POST', `${R}/ra/resources/n4`, {});
  assert.equal(await pool('ra', 'n4'), 'fast');
  // n1 has no 'fast': the default pool.
  await ok(api, 'POST', `${R}/ra/resources/n1`, {});
  assert.equal(await pool('ra', 'n1'), 'DfltStorPool');

  await addRd(api, 'rb', { props: { StorPoolName: 'fast' } });
  await ok(api, 'POST', `${R}/rb/resources/n4`, {});
  assert.equal(await pool('rb', 'n4'), 'fast');
  const missing = await api.call('POST', `${R}/rb/resources/n1`, {});
  assert.equal(missing.status, 404);
  assert.deepEqual(codes(missing.body), [{ severity: 'error', code: 310 }]);

  await ok(api, 'PUT', '/v1/nodes/n3', { override_props: { StorPoolName: 'fast' } });
  await addRd(api, 'rc');
  await ok(api, 'POST', `${R}/rc/resources/n3`, {});
  assert.equal(await pool('rc', 'n3'), 'fast');
  const dl = await api.call('POST', `${R}/rc/resources/n1`, { resource: { flags: ['DRBD_DISKLESS'], props: { StorPoolName: 'DfltStorPool' } } });
  assert.equal(dl.status, 500, 'a diskless resource cannot use a pool with storage');
  assert.deepEqual(codes(dl.body), [{ severity: 'error', code: 221 }]);
  await api.close();
});

test('layer_list from the body: STORAGE only has no DRBD data and no device path yet', async () => {
  const api = await setup();
  await addRd(api, 'r1');
  await ok(api, 'POST', `${R}/r1/resources/n1`, { layer_list: ['storage'] });
  const r = (await api.call('GET', `${R}/r1/resources/n1`)).body;
  assert.deepEqual(r.layer_object, { type: 'STORAGE', resource_name_suffix: '', storage: { storage_volumes: [{ volume_number: 0 }] } });
  const v = (await api.call('GET', `${R}/r1/resources/n1/volumes/0`)).body;
  assert.equal(v.provider_kind, 'FILE_THIN');
  assert.ok(!('device_path' in v));
  assert.deepEqual(v.layer_data_list, [{ type: 'STORAGE', data: { volume_number: 0 } }]);
  await api.close();
});

test('single GET misses are bare 404s', async () => {
  const api = await setup();
  await addRd(api, 'r1');
  const res = await api.call('GET', `${R}/r1/resources/n1`);
  assert.equal(res.status, 404);
  assert.equal(BigInt(res.body[0].ret_code), -4611686018427387602n);
  assert.equal(res.body[0].message, "Resource 'r1' on 'n1' not found.");
  const noRd = await api.call('GET', `${R}/nope/resources`);
  assert.equal(noRd.status, 404);
  assert.deepEqual(codes(noRd.body), [{ severity: 'error', code: 301 }]);
  await ok(api, 'POST', `${R}/r1/resources/n1`, {});
  const noVlm = await api.call('GET', `${R}/r1/resources/n1/volumes/7`);
  assert.equal(noVlm.status, 404);
  assert.deepEqual(codes(noVlm.body), [{ severity: 'error', code: 304 }]);
  await api.close();
});

test('modify resource and volume properties (whitelists), drbd_tiebreaker accepted', async () => {
  const api = await setup();
  await addRd(api, 'r1');
  await ok(api, 'POST', `${R}/r1/resources/n1`, {});
  const mod = await api.call('PUT', `${R}/r1/resources/n1`, { override_props: { 'Aux/owner': 'vm-100' }, drbd_tiebreaker: 'false' });
  assert.equal(mod.status, 200);
  assert.equal(BigInt(mod.body[0].ret_code), 36962307n);
  assert.equal(mod.body[0].message, "Resource 'r1' on node 'n1' modified.");
  assert.deepEqual((await api.call('GET', `${R}/r1/resources/n1`)).body.props, { 'Aux/owner': 'vm-100' });

  const bad = await api.call('PUT', `${R}/r1/resources/n1`, { override_props: { 'Not/Whitelisted': 'x' } });
  assert.equal(bad.status, 500);
  assert.deepEqual(codes(bad.body), [{ severity: 'error', code: 213 }]);

  const vmod = await api.call('PUT', `${R}/r1/resources/n1/volumes/0`, { override_props: { 'Aux/tag': 'a' } });
  assert.equal(vmod.status, 200);
  assert.equal(BigInt(vmod.body[0].ret_code), 36438019n);
  assert.deepEqual((await api.call('GET', `${R}/r1/resources/n1/volumes/0`)).body.props, { 'Aux/tag': 'a' });
  const vbad = await api.call('PUT', `${R}/r1/resources/n1/volumes/0`, { override_props: { Nope: 'x' } });
  assert.equal(vbad.status, 500);
  const vmissing = await api.call('PUT', `${R}/r1/resources/n1/volumes/3`, { override_props: { 'Aux/tag': 'a' } });
  assert.equal(vmissing.status, 404);
  await api.close();
});

test('delete: 200 DELETED, then 200 WARN_NOT_FOUND; the node id becomes free again', async () => {
  const api = await setup();
  await addRd(api, 'r1');
  await ok(api, 'POST', `${R}/r1/resources`, [{ resource: { node_name: 'n1' } }, { resource: { node_name: 'n2' } }]);
  const del = await api.call('DELETE', `${R}/r1/resources/n1?keep_tiebreaker=True`);
  assert.equal(del.status, 200);
  assert.equal(BigInt(del.body[0].ret_code), 53739522n);
  assert.equal(del.body[0].message, "Resource 'r1' on node 'n1' deleted.");
  const again = await api.call('DELETE', `${R}/r1/resources/n1`);
  assert.equal(again.status, 200);
  assert.equal(BigInt(again.body[0].ret_code), -9223372036801033288n);
  await ok(api, 'POST', `${R}/r1/resources/n3`, {});
  assert.equal((await api.call('GET', `${R}/r1/resources/n3`)).body.layer_object.drbd.node_id, 0);
  const noRd = await api.call('DELETE', `${R}/nope/resources/n1`);
  assert.equal(noRd.status, 404);
  await api.close();
});

test('resources survive a controller restart (store round trip)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'storhub-rsc-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'db.sqlite');
  const api = await setup(makeController(path));
  await addRd(api, 'r1');
  await ok(api, 'POST', `${R}/r1/resources/n1`, { resource: { props: { 'Aux/x': '1' } } });
  const before = (await api.call('GET', `${R}/r1/resources/n1`)).body;
  await api.close();
  const api2 = await makeApi(makeController(path));
  assert.deepEqual((await api2.call('GET', `${R}/r1/resources/n1`)).body, before);
  await api2.close();
});
