import { test } from 'node:test';
import assert from 'node:assert/strict';
import { codes, makeApi, type TestApi } from './helpers.js';
import { addNode, addRd, ok } from './resource-fixtures.js';

const C = '/v1/resource-definitions/r1/resource-connections';

async function setup(): Promise<TestApi> {
  const api = await makeApi();
  for (const n of ['n1', 'n2', 'n3']) await addNode(api, n);
  await addRd(api, 'r1');
  await ok(api, 'POST', '/v1/resource-definitions/r1/resources', ['n1', 'n2', 'n3'].map((node_name) => ({ resource: { node_name } })));
  return api;
}

test('PUT creates the connection (200, MODIFIED|MOD|RSC_CONN), GET shows it from either side', async () => {
  const api = await setup();
  assert.deepEqual((await api.call('GET', C)).body, []);
  const put = await api.call('PUT', `${C}/n1/n2`, { override_props: { 'DrbdOptions/Net/allow-two-primaries': 'yes', 'Aux/why': 'migration' } });
  assert.equal(put.status, 200);
  assert.equal(BigInt(put.body[0].ret_code), 35913731n);
  assert.match(put.body[0].message, /'n1' and 'n2'.*'r1'/);
  const one = await api.call('GET', `${C}/N2/n1`);
  assert.equal(one.status, 200);
  assert.deepEqual(one.body, {
    node_a: 'n1', node_b: 'n2', props: { 'DrbdOptions/Net/allow-two-primaries': 'yes', 'Aux/why': 'migration' },
  });

  await ok(api, 'PUT', `${C}/n2/n1`, { override_props: { 'Aux/more': '1' }, delete_props: ['Aux/why'] });
  const list = (await api.call('GET', C)).body;
  assert.equal(list.length, 1, 'the same pair, whichever order it is named in');
  assert.deepEqual(list[0].props['Aux/more'], '1');
  assert.ok(!('Aux/why' in list[0].props));
  await api.close();
});

test('errors: missing resource or definition 404, missing connection 404, invalid key, same node twice', async () => {
  const api = await setup();
  await addNode(api, 'n4');
  const noRsc = await api.call('PUT', `${C}/n1/n4`, { override_props: { 'Aux/a': 'b' } });
  assert.equal(noRsc.status, 404);
  assert.deepEqual(codes(noRsc.body), [{ severity: 'error', code: 302 }]);
  const noRd = await api.call('GET', '/v1/resource-definitions/nope/resource-connections');
  assert.equal(noRd.status, 404);
  assert.deepEqual(codes(noRd.body), [{ severity: 'error', code: 301 }]);
  const noConn = await api.call('GET', `${C}/n1/n3`);
  assert.equal(noConn.status, 404);
  assert.deepEqual(codes(noConn.body), [{ severity: 'error', code: 307 }]);
  assert.equal(noConn.body[0].message, "Resource connection between 'n1' and 'n3' not found.");
  const bad = await api.call('PUT', `${C}/n1/n3`, { override_props: { 'Not/Listed': 'x' } });
  assert.equal(bad.status, 500);
  assert.deepEqual(codes(bad.body), [{ severity: 'error', code: 213 }]);
  assert.equal((await api.call('GET', `${C}/n1/n3`)).status, 404, 'a refused PUT creates nothing');
  const same = await api.call('PUT', `${C}/n1/N1`, { override_props: { 'Aux/a': 'b' } });
  assert.equal(same.status, 500);
  await api.close();
});

test('deleting a resource deletes its connections, and only those', async () => {
  const api = await setup();
  await ok(api, 'PUT', `${C}/n1/n2`, { override_props: { 'Aux/a': '1' } });
  await ok(api, 'PUT', `${C}/n2/n3`, { override_props: { 'Aux/a': '2' } });
  await ok(api, 'PUT', `${C}/n1/n3`, { override_props: { 'Aux/a': '3' } });
  await ok(api, 'DELETE', '/v1/resource-definitions/r1/resources/n1');
  const list = (await api.call('GET', C)).body;
  assert.deepEqual(list.map((x: any) => [x.node_a, x.node_b]), [['n2', 'n3']]);
  await api.close();
});
