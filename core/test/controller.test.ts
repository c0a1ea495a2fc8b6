import { test } from 'node:test';
import assert from 'node:assert/strict';
import { codes, makeApi } from './helpers.js';
import { makeController } from './helpers.js';
import { deprecationWarnings } from '../src/controller/services/controller-props.js';

test('controller version: the handshake shape with rest_api_version 1.28.0', async () => {
  const api = await makeApi();
  const res = await api.call('GET', '/v1/controller/version');
  assert.equal(res.status, 200);
  assert.equal(res.contentType, 'application/json');
  assert.equal(res.body.rest_api_version, '1.28.0');
  assert.equal(typeof res.body.version, 'string');
  assert.equal(typeof res.body.build_time, 'string');
  assert.equal(typeof res.body.git_hash, 'string');
  await api.close();
});

test('controller property set answers 201 with CREATED|CRT|CTRL_CONF and is listed', async () => {
  const api = await makeApi();
  const res = await api.call('POST', '/v1/controller/properties', { override_props: { 'Aux/site': 'a', 'Aux/rack': 3 } });
  assert.equal(res.status, 201);
  assert.equal(res.body.length, 1);
  assert.equal(BigInt(res.body[0].ret_code), 17825793n);
  assert.equal(res.body[0].message, 'Successfully set property key(s): Aux/site,Aux/rack');
  assert.ok(!('obj_refs' in res.body[0]), 'empty obj_refs are left out');
  const list = await api.call('GET', '/v1/controller/properties');
  assert.equal(list.status, 200);
  assert.deepEqual(list.body, { 'Aux/site': 'a', 'Aux/rack': '3' });
  await api.close();
});

test('controller properties persist across a restart of the controller', async () => {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'storhub-ctrl-'));
  try {
    const path = join(dir, 'db.sqlite');
    const api = await makeApi(makeController(path));
    await api.call('POST', '/v1/controller/properties', { override_props: { 'Aux/keep': 'yes' } });
    await api.close();
    const again = await makeApi(makeController(path));
    assert.deepEqual((await again.call('GET', '/v1/controller/properties')).body, { 'Aux/keep': 'yes' });
    await again.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('props-modify deletes and unknown keys', async () => {
  const api = await makeApi();
  await api.call('POST', '/v1/controller/properties', { override_props: { 'Aux/a': '1', 'Aux/ns/b': '2', 'Aux/ns/c': '3' } });
  const del = await api.call('POST', '/v1/controller/properties', { delete_props: ['Aux/a'], delete_namespaces: ['Aux/ns'] });
  assert.equal(del.status, 201);
  assert.deepEqual(codes(del.body), [{ severity: 'success', code: 2 }]);
  assert.equal(BigInt(del.body[0].ret_code), 0x3100002n); // DELETED | DEL | CTRL_CONF
  assert.deepEqual((await api.call('GET', '/v1/controller/properties')).body, {});

  const bad = await api.call('POST', '/v1/controller/properties', { override_props: { 'No/Such/Key': 'x', 'Aux/ok': 'y' } });
  assert.equal(bad.status, 500);
  assert.equal(bad.body[0].ret_code, -4611686018409561899n); // FAIL_INVLD_PROP | CRT | CTRL_CONF
  assert.equal(bad.body[0].message, 'Invalid property key: No/Such/Key');
  assert.deepEqual((await api.call('GET', '/v1/controller/properties')).body, {}, 'a refused request changes nothing');
  await api.close();
});

test('DELETE /v1/controller/properties/{key} takes keys with slashes', async () => {
  const api = await makeApi();
  await api.call('POST', '/v1/controller/properties', { override_props: { 'Aux/deep/key': 'v', 'Aux/other': 'w' } });
  const res = await api.call('DELETE', '/v1/controller/properties/Aux/deep/key');
  assert.equal(res.status, 200);
  assert.equal(BigInt(res.body[0].ret_code), 0x3100002n);
  assert.equal(res.body[0].message, 'Successfully deleted property key(s): Aux/deep/key');
  assert.deepEqual((await api.call('GET', '/v1/controller/properties')).body, { 'Aux/other': 'w' });
  const encoded = await api.call('DELETE', '/v1/controller/properties/Aux%2Fother');
  assert.equal(encoded.status, 200);
  assert.deepEqual(codes(encoded.body), [{ severity: 'success', code: 2 }]);
  const unset = await api.call('DELETE', '/v1/controller/properties/Aux/never');
  assert.equal(unset.status, 200);
  assert.deepEqual(codes(unset.body), [{ severity: 'warn', code: 1005 }]);
  const bad = await api.call('DELETE', '/v1/controller/properties/Not/Whitelisted');
  assert.equal(bad.status, 500);
  assert.deepEqual(codes(bad.body), [{ severity: 'error', code: 213 }]);
  await api.close();
});

test('DrbdOptions/auto-quorum answers WARN_DEPRECATED when the whitelist accepts it', async () => {
  const api = await makeApi();
  const res = await api.call('POST', '/v1/controller/properties', { override_props: { 'DrbdOptions/auto-quorum': 'io-error' } });
  if (res.status === 201) {
    assert.deepEqual(codes(res.body), [{ severity: 'success', code: 1 }, { severity: 'warn', code: 4000 }]);
    assert.equal(res.body[1].ret_code, -9223372036836946016n); // WARN_DEPRECATED | CRT | CTRL_CONF
    assert.match(res.body[1].message, /deprecated/);
  } else {
    // the CTRL whitelist does not list the key (yet): a plain invalid-property refusal
    assert.deepEqual(codes(res.body), [{ severity: 'error', code: 213 }]);
  }
  await api.close();
});

test('controller config: GET reports the log level, PUT changes it and refuses fixed sections', async () => {
  const api = await makeApi();
  api.controller.log.level = 'info';
  const got = await api.call('GET', '/v1/controller/config');
  assert.equal(got.status, 200);
  assert.deepEqual(got.body, { log: { level: 'INFO', level_linstor: 'INFO' } });
  const put = await api.call('PUT', '/v1/controller/config', { log: { level: 'debug' } });
  assert.equal(put.status, 200);
  assert.equal(BigInt(put.body[0].ret_code), 0x2100003n); // MODIFIED | MOD | CTRL_CONF
  assert.equal(api.controller.log.level, 'debug');
  assert.equal((await api.call('GET', '/v1/controller/config')).body.log.level, 'DEBUG');
  const fixed = await api.call('PUT', '/v1/controller/config', { http: { port: 1234 } });
  assert.equal(fixed.status, 500);
  assert.deepEqual(codes(fixed.body), [{ severity: 'error', code: 234 }]);
  assert.match(fixed.body[0].message, /http/);
  const badLevel = await api.call('PUT', '/v1/controller/config', { log: { level: 'LOUD' } });
  assert.equal(badLevel.status, 400);
  await api.close();
});

test('deprecationWarnings: one WARN_DEPRECATED entry per deprecated key set, none otherwise', () => {
  const w = deprecationWarnings('CTRL_CONF', { override_props: { 'DrbdOptions/auto-quorum': 'io-error', 'Aux/x': '1' } });
  assert.equal(w.length, 1);
  assert.equal(w[0].ret_code, -9223372036836946016n); // WARN_DEPRECATED | CRT | CTRL_CONF
  assert.match(w[0].correction!, /DrbdOptions\/Resource\/quorum/);
  assert.deepEqual(deprecationWarnings('CTRL_CONF', { delete_props: ['DrbdOptions/auto-quorum'] }), []);
});

test('the OpenAPI document builds with these routes', async () => {
  const api = await makeApi();
  const res = await api.call('GET', '/openapi.json');
  assert.equal(res.status, 200);
  for (const p of ['/v1/controller/version', '/v1/view/storage-pools', '/v1/key-value-store/{instance}', '/v1/error-reports', '/v1/node-connections']) {
    assert.ok(res.body.paths[p], p);
  }
  await api.close();
});
