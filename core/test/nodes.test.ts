import { test } from 'node:test';
import assert from 'node:assert/strict';
import { codes, makeApi, satelliteNode } from './helpers.js';

test('node create answers 201 with the exact LINSTOR ret_code and the node is listed', async () => {
  const api = await makeApi();
  const res = await api.call('POST', '/v1/nodes', satelliteNode('alpha'));
  assert.equal(res.status, 201);
  assert.equal(res.contentType, 'application/json');
  assert.equal(BigInt(res.body[0].ret_code), 20709377n);
  assert.match(res.body[0].message, /New node 'alpha' registered/);
  assert.equal(res.body[0].obj_refs.Node, 'alpha');

  const list = await api.call('GET', '/v1/nodes');
  assert.equal(list.status, 200);
  assert.equal(list.body.length, 1);
  const n = list.body[0];
  assert.equal(n.name, 'alpha');
  assert.equal(n.type, 'SATELLITE');
  assert.equal(n.connection_status, 'OFFLINE');
  assert.equal(n.net_interfaces[0].satellite_encryption_type, 'PLAIN');
  assert.equal(n.net_interfaces[0].is_active, true);
  assert.equal(n.props.CurStltConnName, 'default');
  assert.ok(!('flags' in n), 'empty flags are omitted');
  await api.close();
});

test('node names are case-insensitive and validated', async () => {
  const api = await makeApi();
  await api.call('POST', '/v1/nodes', satelliteNode('Alpha'));
  const dup = await api.call('POST', '/v1/nodes', satelliteNode('ALPHA'));
  assert.equal(dup.status, 500);
  assert.equal(dup.body[0].ret_code, -4611686018406678028n); // FAIL_EXISTS_NODE | CRT | NODE
  const got = await api.call('GET', '/v1/nodes/alpha');
  assert.equal(got.status, 200);
  assert.equal(got.body.name, 'Alpha');
  const bad = await api.call('POST', '/v1/nodes', satelliteNode('bad_name'));
  assert.equal(bad.status, 500);
  assert.deepEqual(codes(bad.body), [{ severity: 'error', code: 200 }]);
  await api.close();
});

test('missing node is a 404 with the bare not-found code', async () => {
  const api = await makeApi();
  const res = await api.call('GET', '/v1/nodes/nope');
  assert.equal(res.status, 404);
  assert.equal(res.body[0].ret_code, -4611686018427387604n);
  assert.equal(res.body[0].message, "Node 'nope' not found.");
  await api.close();
});

test('deleting a missing node is a 200 with WARN_NOT_FOUND', async () => {
  const api = await makeApi();
  const res = await api.call('DELETE', '/v1/nodes/ghost');
  assert.equal(res.status, 200);
  assert.deepEqual(codes(res.body), [{ severity: 'warn', code: 3000 }]);
  await api.close();
});

test('empty body and malformed JSON', async () => {
  const api = await makeApi();
  const empty = await api.call('POST', '/v1/nodes', '');
  assert.equal(empty.status, 400);
  const bad = await api.call('POST', '/v1/nodes', '{"name": ');
  assert.equal(bad.status, 400);
  assert.equal(bad.body[0].message, 'Unable to parse input json.');
  await api.close();
});

test('unknown path 404 and wrong method 405, both as ApiCallRc lists', async () => {
  const api = await makeApi();
  const nf = await api.call('GET', '/v1/nothing-here');
  assert.equal(nf.status, 404);
  assert.equal(nf.body[0].message, "Path '/v1/nothing-here' not found on server.");
  const wm = await api.call('PATCH', '/v1/nodes');
  assert.equal(wm.status, 405);
  await api.close();
});

test('node create creates DfltDisklessStorPool on the node', async () => {
  const api = await makeApi();
  await api.call('POST', '/v1/nodes', satelliteNode('alpha'));
  assert.ok(api.controller.graph.storagePool('alpha', 'DfltDisklessStorPool'));
  await api.close();
});
