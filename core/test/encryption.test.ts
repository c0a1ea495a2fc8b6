import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { codes, makeApi, makeController } from './helpers.js';
import { EncryptionService } from '../src/controller/services/encryption.js';
import {
  WrongPassphraseError, createMasterKey, deriveVolumeKey, unwrapMasterKey, wrapMasterKey,
} from '../src/controller/crypto-keys.js';

// ret_code bits: CTRL_CONF 0x100000, CRT 0x1000000, MOD 0x2000000, ERROR 0xC000000000000000.
const CTRL_CONF = 0x100000n;
const CRT = 0x1000000n;
const MOD = 0x2000000n;
const ERR = -(1n << 62n); // 0xC000000000000000 as signed 64 bit

function tmp(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'storhub-enc-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('crypto-keys: wrap/unwrap round trip, wrong passphrase, damaged record, HKDF volume keys', () => {
  const fast = { N: 1 << 10, r: 8, p: 1 };
  const { masterKey, record } = createMasterKey('pass one', fast);
  assert.equal(masterKey.length, 32);
  assert.deepEqual(unwrapMasterKey('pass one', record), masterKey);
  assert.throws(() => unwrapMasterKey('pass two', record), WrongPassphraseError);
  // The record holds no passphrase and no plain key.
  const text = JSON.stringify(record);
  assert.ok(!text.includes('pass one'));
  assert.ok(!text.includes(masterKey.toString('base64')));
  // Tampered ciphertext with the right passphrase: a damaged record, not a wrong passphrase.
  const bad = { ...record, wrapped_key: Buffer.alloc(32, 1).toString('base64') };
  assert.throws(() => unwrapMasterKey('pass one', bad), (e: Error) => !(e instanceof WrongPassphraseError) && /damaged/.test(e.message));
  // Re-wrapping keeps the master key.
  const rewrapped = wrapMasterKey('pass two', masterKey, fast);
  assert.deepEqual(unwrapMasterKey('pass two', rewrapped), masterKey);
  assert.notEqual(rewrapped.salt, record.salt);

  const k = deriveVolumeKey(masterKey, 'res1', 0);
  assert.equal(Buffer.from(k, 'base64').length, 32);
  assert.equal(deriveVolumeKey(masterKey, 'RES1', 0), k, 'resource names are case-insensitive');
  assert.notEqual(deriveVolumeKey(masterKey, 'res1', 1), k);
  assert.notEqual(deriveVolumeKey(masterKey, 'res2', 0), k);
  // Fixed vector: HKDF-SHA256 over a known key, so the derivation can never change silently.
  assert.equal(deriveVolumeKey(Buffer.alloc(32, 7), 'res1', 0), deriveVolumeKey(Buffer.alloc(32, 7), 'Res1', 0));
  assert.equal(deriveVolumeKey(Buffer.alloc(32, 7), 'res1', 0), '6QEJPSDAQCkZm213yGhDmbkffQcr1k7xNn6h8rUfRSQ=' /* computed independently with Python hmac */);
});

test('passphrase: create -> locked after restart -> wrong/right enter -> change; keys stable', async (t) => {
  const dir = tmp(t);
  const db = join(dir, 'ctrl.sqlite');

  let api = await makeApi(makeController(db));
  assert.deepEqual((await api.call('GET', '/v1/encryption/passphrase')).body, { status: 'unset' });

  // Enter before create: FAIL_MISSING_PROPS | MOD | CTRL_CONF
  const early = await api.call('PATCH', '/v1/encryption/passphrase', '"nothing"');
  assert.equal(early.status, 500);
  assert.equal(BigInt(early.body[0].ret_code), ERR | MOD | CTRL_CONF | 600n);

  // Modify before create: FAIL_EXISTS_CRYPT_PASSPHRASE | MOD | CTRL_CONF
  const modEarly = await api.call('PUT', '/v1/encryption/passphrase', { old_passphrase: 'a', new_passphrase: 'b' });
  assert.equal(modEarly.status, 500);
  assert.equal(BigInt(modEarly.body[0].ret_code), ERR | MOD | CTRL_CONF | 512n);

  const created = await api.call('POST', '/v1/encryption/passphrase', { new_passphrase: 'topSecret' });
  assert.equal(created.status, 201);
  assert.equal(created.body.length, 1);
  assert.equal(BigInt(created.body[0].ret_code), CRT | CTRL_CONF | 1n);
  assert.equal(created.body[0].message, 'Crypt passphrase created.');
  assert.deepEqual((await api.call('GET', '/v1/encryption/passphrase')).body, { status: 'unlocked' });

  const again = await api.call('POST', '/v1/encryption/passphrase', { new_passphrase: 'otherSecret' });
  assert.equal(again.status, 500);
  assert.equal(BigInt(again.body[0].ret_code), ERR | CRT | CTRL_CONF | 512n);
  assert.match(again.body[0].correction, /PUT \/v1\/encryption\/passphrase/);

  const key0 = EncryptionService.of(api.controller).volumeKey('res1', 0);
  const key1 = EncryptionService.of(api.controller).volumeKey('res1', 1);
  assert.notEqual(key0, key1);

  // Nothing secret in the store: no passphrase, no master key in the export, no props leak.
  const exported = JSON.stringify(api.controller.store.export());
  assert.ok(!exported.includes('topSecret'));
  assert.deepEqual((await api.call('GET', '/v1/controller/properties')).body, {});
  await api.close();

  // Restart: locked; the key is not available until the passphrase is entered.
  api = await makeApi(makeController(db));
  assert.deepEqual((await api.call('GET', '/v1/encryption/passphrase')).body, { status: 'locked' });
  assert.throws(() => EncryptionService.of(api.controller).volumeKey('res1', 0), /locked/);

  const wrong = await api.call('PATCH', '/v1/encryption/passphrase', '"notTheSecret"');
  assert.equal(wrong.status, 500);
  assert.deepEqual(codes(wrong.body), [{ severity: 'error', code: 600 }]);
  assert.equal(BigInt(wrong.body[0].ret_code), ERR | MOD | CTRL_CONF | 600n);
  assert.equal(wrong.body[0].cause, 'Wrong passphrase.');
  assert.deepEqual((await api.call('GET', '/v1/encryption/passphrase')).body, { status: 'locked' });

  const right = await api.call('PATCH', '/v1/encryption/passphrase', '"topSecret"');
  assert.equal(right.status, 200);
  assert.equal(BigInt(right.body[0].ret_code), MOD | CTRL_CONF | 4n);
  assert.equal(right.body[0].message, 'Passphrase accepted');
  assert.deepEqual((await api.call('GET', '/v1/encryption/passphrase')).body, { status: 'unlocked' });
  assert.equal(EncryptionService.of(api.controller).volumeKey('res1', 0), key0, 'same key after restart');

  // Change: wrong old passphrase refused, right one accepted; keys unchanged.
  const badChange = await api.call('PUT', '/v1/encryption/passphrase', { old_passphrase: 'nope', new_passphrase: 'newSecret' });
  assert.equal(badChange.status, 500);
  assert.equal(BigInt(badChange.body[0].ret_code), ERR | MOD | CTRL_CONF | 600n);
  const changed = await api.call('PUT', '/v1/encryption/passphrase', { old_passphrase: 'topSecret', new_passphrase: 'newSecret' });
  assert.equal(changed.status, 200);
  assert.equal(BigInt(changed.body[0].ret_code), MOD | CTRL_CONF | 3n);
  assert.equal(changed.body[0].message, 'Crypt passphrase updated');
  assert.equal(EncryptionService.of(api.controller).volumeKey('res1', 0), key0);
  await api.close();

  // Restart after the change: the old passphrase no longer opens, the new one does, keys are stable.
  api = await makeApi(makeController(db));
  assert.deepEqual((await api.call('GET', '/v1/encryption/passphrase')).body, { status: 'locked' });
  assert.equal((await api.call('PATCH', '/v1/encryption/passphrase', '"topSecret"')).status, 500);
  assert.equal((await api.call('PATCH', '/v1/encryption/passphrase', '"newSecret"')).status, 200);
  assert.equal(EncryptionService.of(api.controller).volumeKey('RES1', 0), key0);
  assert.equal(EncryptionService.of(api.controller).volumeKey('res1', 1), key1);
  await api.close();
});

test('passphrase: bodies that are not what LINSTOR sends are parse errors (400)', async () => {
  const api = await makeApi();
  const noField = await api.call('POST', '/v1/encryption/passphrase', {});
  assert.equal(noField.status, 400);
  assert.equal(noField.body[0].message, 'Unable to parse input json.');
  const objEnter = await api.call('PATCH', '/v1/encryption/passphrase', { passphrase: 'x' });
  assert.equal(objEnter.status, 400);
  const noOld = await api.call('PUT', '/v1/encryption/passphrase', { new_passphrase: 'x' });
  assert.equal(noOld.status, 400);
  const empty = await api.call('POST', '/v1/encryption/passphrase', { new_passphrase: '' });
  assert.equal(empty.status, 500);
  assert.deepEqual(codes(empty.body), [{ severity: 'error', code: 234 }]);
  assert.deepEqual((await api.call('GET', '/v1/encryption/passphrase')).body, { status: 'unset' });
  await api.close();
});

test('passphrase: unlock listeners run on create and enter; a failing listener does not fail the call', async () => {
  const api = await makeApi();
  const enc = EncryptionService.of(api.controller);
  let calls = 0;
  enc.onUnlock(() => { calls++; });
  enc.onUnlock(() => { throw new Error('listener boom'); });
  assert.equal((await api.call('POST', '/v1/encryption/passphrase', { new_passphrase: 's' })).status, 201);
  assert.equal((await api.call('PATCH', '/v1/encryption/passphrase', '"s"')).status, 200);
  assert.equal(calls, 2);
  await api.close();
});
