import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeApi, satelliteNode } from './helpers.js';

test('/health answers 200 with an empty body; / is HTML', async () => {
  const api = await makeApi();
  const h = await api.call('GET', '/health');
  assert.equal(h.status, 200);
  assert.equal(h.raw, '');
  const idx = await api.app.inject({ method: 'GET', url: '/' });
  assert.equal(idx.statusCode, 200);
  assert.match(String(idx.headers['content-type']), /text\/html/);
  await api.close();
});

test('the generated OpenAPI document lists our routes and their bodies', async () => {
  const api = await makeApi();
  const doc = await api.call('GET', '/openapi.json');
  assert.equal(doc.status, 200);
  assert.equal(doc.body.openapi.slice(0, 2), '3.');
  assert.ok(doc.body.paths['/v1/nodes'].post, 'POST /v1/nodes documented');
  assert.ok(doc.body.paths['/v1/nodes'].post.requestBody, 'with its body schema');
  assert.ok(doc.body.paths['/v1/nodes/{node}'].get, 'path params rendered OpenAPI-style');
  await api.close();
});

test('the OpenAPI UI is served under /ui', async () => {
  const { makeController, silent } = await import('./helpers.js');
  const { buildApi } = await import('../src/api/server.js');
  const c = makeController();
  const app = await buildApi({ controller: c, logger: silent });
  const res = await app.inject({ method: 'GET', url: '/ui/' });
  assert.equal(res.statusCode, 200);
  assert.match(res.body, /swagger/i);
  await app.close();
  c.store.close();
});

test('a body with a Content-Type other than JSON is still parsed as JSON', async () => {
  const api = await makeApi();
  const res = await api.call('POST', '/v1/nodes', satelliteNode('alpha'), { 'content-type': 'text/plain' });
  assert.equal(res.status, 201);
  const res2 = await api.call('POST', '/v1/nodes', satelliteNode('bravo'), { 'content-type': 'application/x-www-form-urlencoded' });
  assert.equal(res2.status, 201);
  await api.close();
});

test('numbers as strings, nulls and unknown fields are accepted', async () => {
  const api = await makeApi();
  const body = {
    name: 'alpha', type: 'Satellite', unknown_field: { x: 1 }, props: null,
    net_interfaces: [{ name: 'default', address: '127.0.0.1', satellite_port: '3366', satellite_encryption_type: 'plain', is_active: null }],
  };
  const res = await api.call('POST', '/v1/nodes', body);
  assert.equal(res.status, 201, res.raw);
  const n = await api.call('GET', '/v1/nodes/alpha');
  assert.equal(n.body.net_interfaces[0].satellite_port, 3366);
  assert.equal(n.body.type, 'SATELLITE');
  await api.close();
});

test('a mistyped field is a 400 parse error, and nothing is stored', async () => {
  const api = await makeApi();
  const res = await api.call('POST', '/v1/nodes', { ...satelliteNode('alpha'), net_interfaces: [{ name: 'default', address: '127.0.0.1', satellite_port: 'abc' }] });
  assert.equal(res.status, 400);
  assert.equal(BigInt(res.body[0].ret_code), -3458764513820540931n); // API_CALL_PARSE_ERROR
  assert.equal((await api.call('GET', '/v1/nodes')).body.length, 0);
  await api.close();
});

test('an invalid name in a list filter is refused, a valid unknown one matches nothing', async () => {
  const api = await makeApi();
  await api.call('POST', '/v1/nodes', satelliteNode('alpha'));
  const bad = await api.call('GET', '/v1/nodes?nodes=bad_name');
  assert.equal(bad.status, 500);
  assert.equal(bad.body[0].message.startsWith("Invalid node name 'bad_name'"), true);
  const none = await api.call('GET', '/v1/nodes?nodes=bravo');
  assert.deepEqual(none.body, []);
  const some = await api.call('GET', '/v1/nodes?nodes=ALPHA&nodes=bravo');
  assert.deepEqual(some.body.map((n: { name: string }) => n.name), ['alpha']);
  await api.close();
});
