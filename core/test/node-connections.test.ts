import { test } from 'node:test';
import assert from 'node:assert/strict';
import { codes, makeApi, satelliteNode } from './helpers.js';

async function threeNodes() {
  const api = await makeApi();
  for (const n of ['alpha', 'beta', 'gamma']) await api.call('POST', '/v1/nodes', satelliteNode(n));
  return api;
}

test('PUT creates the connection, GET shows it, the list filters by node_a/node_b', async () => {
  const api = await threeNodes();
  const put = await api.call('PUT', '/v1/node-connections/alpha/BETA', { override_props: { 'Aux/link': '10g' } });
  assert.equal(put.status, 200);
  assert.deepEqual(codes(put.body), [{ severity: 'success', code: 1 }, { severity: 'success', code: 3 }]);
  assert.equal(BigInt(put.body[0].ret_code), 0x1280001n); // CREATED | CRT | NODE_CONN
  assert.equal(BigInt(put.body[1].ret_code), 0x2280003n); // MODIFIED | MOD | NODE_CONN
  assert.equal(put.body[1].message, "Node connection between nodes 'alpha' and 'beta' modified.");
  await api.call('PUT', '/v1/node-connections/gamma/beta', { override_props: { 'Aux/link': '1g' } });

  const one = await api.call('GET', '/v1/node-connections/beta/alpha');
  assert.equal(one.status, 200);
  assert.deepEqual(one.body, { node_a: 'alpha', node_b: 'beta', props: { 'Aux/link': '10g' } });

  const all = await api.call('GET', '/v1/node-connections');
  assert.deepEqual(all.body.map((c: any) => `${c.node_a}-${c.node_b}`), ['alpha-beta', 'gamma-beta']);
  const a = await api.call('GET', '/v1/node-connections?node_a=ALPHA');
  assert.deepEqual(a.body.map((c: any) => `${c.node_a}-${c.node_b}`), ['alpha-beta']);
  const b = await api.call('GET', '/v1/node-connections?node_b=beta');
  assert.equal(b.body.length, 2);
  const ab = await api.call('GET', '/v1/node-connections?node_a=gamma&node_b=alpha');
  assert.deepEqual(ab.body, []);
  await api.close();
});

test('refusals: missing node 404, same node twice, non-whitelisted key; missing connection 404', async () => {
  const api = await threeNodes();
  const missing = await api.call('PUT', '/v1/node-connections/alpha/ghost', { override_props: { 'Aux/x': '1' } });
  assert.equal(missing.status, 404);
  assert.equal(missing.body[0].ret_code, -4611686018391211732n); // FAIL_NOT_FOUND_NODE | MOD | NODE_CONN
  assert.equal(missing.body[0].message, "Node 'ghost' not found.");
  const same = await api.call('PUT', '/v1/node-connections/alpha/ALPHA', { override_props: { 'Aux/x': '1' } });
  assert.equal(same.status, 500);
  assert.deepEqual(codes(same.body), [{ severity: 'error', code: 234 }]);
  const bad = await api.call('PUT', '/v1/node-connections/alpha/beta', { override_props: { 'Bogus/key': '1' } });
  assert.deepEqual(codes(bad.body), [{ severity: 'error', code: 213 }]);
  const paths = await api.call('PUT', '/v1/node-connections/alpha/beta', { override_props: { 'Paths/fast/alpha': 'default', 'Paths/fast/beta': 'default' } });
  assert.equal(paths.status, 200, 'Paths/ is free-form on node connections');
  const nf = await api.call('GET', '/v1/node-connections/alpha/gamma');
  assert.equal(nf.status, 404);
  assert.deepEqual(codes(nf.body), [{ severity: 'error', code: 306 }]);
  assert.deepEqual((await api.call('GET', '/v1/node-connections?node_a=gamma')).body, []);
  await api.close();
});

test('deleting props keeps the connection; deleting a node drops its connections', async () => {
  const api = await threeNodes();
  await api.call('PUT', '/v1/node-connections/alpha/beta', { override_props: { 'Aux/x': '1' } });
  const del = await api.call('PUT', '/v1/node-connections/alpha/beta', { delete_props: ['Aux/x'] });
  assert.equal(del.status, 200);
  assert.deepEqual((await api.call('GET', '/v1/node-connections/alpha/beta')).body, { node_a: 'alpha', node_b: 'beta' });
  await api.call('DELETE', '/v1/nodes/beta');
  assert.deepEqual((await api.call('GET', '/v1/node-connections')).body, []);
  await api.close();
});
