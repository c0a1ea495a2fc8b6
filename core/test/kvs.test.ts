import { test } from 'node:test';
import assert from 'node:assert/strict';
import { codes, makeApi } from './helpers.js';

test('PUT creates a store with any keys; GET of one store is a one-element array', async () => {
  const api = await makeApi();
  const put = await api.call('PUT', '/v1/key-value-store/csi-backup-mapping', { override_props: { '/free/form key': 'v1', 'Other/k': 'v2' } });
  assert.equal(put.status, 200);
  assert.deepEqual(codes(put.body), [{ severity: 'success', code: 1 }, { severity: 'success', code: 3 }]);
  assert.equal(BigInt(put.body[0].ret_code), 0x1400001n); // CREATED | CRT | KVS
  assert.equal(BigInt(put.body[1].ret_code), 0x2400003n); // MODIFIED | MOD | KVS
  const one = await api.call('GET', '/v1/key-value-store/CSI-BACKUP-MAPPING');
  assert.equal(one.status, 200);
  assert.deepEqual(one.body, [{ name: 'csi-backup-mapping', props: { 'free/form key': 'v1', 'Other/k': 'v2' } }]);
  await api.close();
});

test('list is sorted by name; props-modify deletes keys and namespaces', async () => {
  const api = await makeApi();
  await api.call('PUT', '/v1/key-value-store/zeta', { override_props: { a: '1' } });
  await api.call('PUT', '/v1/key-value-store/Alpha', { override_props: { 'ns/x': '1', 'ns/y': '2', keep: '3' } });
  const list = await api.call('GET', '/v1/key-value-store');
  assert.deepEqual(list.body.map((k: any) => k.name), ['Alpha', 'zeta']);
  const mod = await api.call('PUT', '/v1/key-value-store/alpha', { delete_namespaces: ['ns'] });
  assert.equal(mod.status, 200);
  assert.deepEqual((await api.call('GET', '/v1/key-value-store/alpha')).body, [{ name: 'Alpha', props: { keep: '3' } }]);
  const del = await api.call('PUT', '/v1/key-value-store/alpha', { delete_props: ['keep'] });
  assert.deepEqual(codes(del.body), [{ severity: 'success', code: 2 }, { severity: 'success', code: 3 }]);
  assert.deepEqual((await api.call('GET', '/v1/key-value-store/alpha')).body, [{ name: 'Alpha' }], 'empty props are omitted');
  await api.close();
});

test('missing store: GET 404 FAIL_NOT_FOUND_KVS, DELETE warns; bad names refused', async () => {
  const api = await makeApi();
  const nf = await api.call('GET', '/v1/key-value-store/nope');
  assert.equal(nf.status, 404);
  assert.equal(nf.body[0].ret_code, -4611686018427387588n); // bare FAIL_NOT_FOUND_KVS (316)
  assert.equal(nf.body[0].message, "Could not find key value store instance 'nope'.");
  const del = await api.call('DELETE', '/v1/key-value-store/nope');
  assert.equal(del.status, 200);
  assert.deepEqual(codes(del.body), [{ severity: 'warn', code: 3000 }]);
  const bad = await api.call('PUT', '/v1/key-value-store/9bad', { override_props: { a: 'b' } });
  assert.equal(bad.status, 500);
  assert.deepEqual(codes(bad.body), [{ severity: 'error', code: 223 }]);
  assert.equal((await api.call('GET', '/v1/key-value-store')).body.length, 0);
  await api.close();
});

test('DELETE removes the store', async () => {
  const api = await makeApi();
  await api.call('PUT', '/v1/key-value-store/tmp', { override_props: { a: 'b' } });
  const del = await api.call('DELETE', '/v1/key-value-store/TMP');
  assert.equal(del.status, 200);
  assert.equal(BigInt(del.body[0].ret_code), 0x3400002n); // DELETED | DEL | KVS
  assert.equal((await api.call('GET', '/v1/key-value-store/tmp')).status, 404);
  await api.close();
});
