/**
 * LUKS keys from the controller to the satellite: a resource with LUKS is refused while no passphrase
 * exists (312) and registered with a warning while it is locked (1011); the desired state carries a
 * diskful volume's derived key only while unlocked; a satellite without a key formats nothing and
 * reports the locked passphrase on the resource (an already open mapping keeps working); entering the
 * passphrase resyncs the node in full, with the keys.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { codes, makeApi, makeController } from './helpers.js';
import { FakeRuntime, GiB } from './placement-fixtures.js';
import { addNode, addRd, ok } from './resource-fixtures.js';
import { makeCluster, waitFor } from './satellite-sync-fake.js';
import { FakeProvider, detectAll, full, makeSatellite, pool, rsc, vol } from './satellite-fakes.js';
import { Change } from '../src/controller/change.js';
import type { Controller } from '../src/controller/controller.js';
import { createMasterKey, deriveVolumeKey } from '../src/controller/crypto-keys.js';
import { key } from '../src/controller/graph.js';
import { EncryptionService } from '../src/controller/services/encryption.js';
import { desiredStateOf } from '../src/controller/satellites/desired-state.js';
import { RecordedRunner } from '../src/exec/recorded.js';
import type { LayerKind } from '../src/model/enums.js';
import { createLuksLayer } from '../src/satellite/layers/luks/layer.js';
import type { LayerContext } from '../src/satellite/layers/layer.js';
import { silent } from './helpers.js';

const R = '/v1/resource-definitions';
const FAST_SCRYPT = { N: 1024, r: 8, p: 1 };
const LOCKED_TEXT = 'the cluster passphrase is locked: enter it with `storhub encryption enter-passphrase` / PATCH /v1/encryption/passphrase';
const FIX = fileURLToPath(new URL('../../../test/fixtures/commands/cryptsetup/', import.meta.url));

/** A passphrase that exists but was not entered since the controller started (what a restart leaves). */
function lockWith(c: Controller, passphrase: string): Buffer {
  const { masterKey, record } = createMasterKey(passphrase, FAST_SCRYPT);
  c.commit(new Change().put('ctrl', key.ctrl(), { ...c.graph.controller, encryption: record }));
  return masterKey;
}

test('no passphrase: a resource with LUKS is refused with FAIL_NOT_FOUND_CRYPT_KEY and nothing is created', async (t) => {
  // Every node ONLINE with room, so that auto-place would find n1.
  const api = await makeApi(makeController(':memory:', new FakeRuntime({ pool: { free_capacity: GiB, total_capacity: GiB } })));
  t.after(() => api.close());
  await addNode(api, 'n1');
  await addRd(api, 'secret', { sizes: [10240] });

  const res = await api.call('POST', `${R}/secret/resources/n1`, { layer_list: ['luks', 'storage'] });
  assert.equal(res.status, 404);
  assert.deepEqual(codes(res.body), [{ severity: 'error', code: 312 }]);
  assert.equal(res.body[0].message, "Resource 'secret' on node 'n1' has a LUKS layer, but no encryption passphrase exists to derive its key from.");
  assert.match(res.body[0].correction, /storhub encryption create-passphrase/);
  assert.deepEqual(res.body[0].obj_refs, { RscDfn: 'secret', Node: 'n1' });
  assert.equal((await api.call('GET', `${R}/secret/resources/n1`)).status, 404, 'a refused request changes nothing');

  // The same through auto-place (it builds the records the same way).
  const auto = await api.call('POST', `${R}/secret/autoplace`, { select_filter: { place_count: 1, layer_stack: ['LUKS', 'STORAGE'] } });
  assert.equal(auto.status, 404, auto.raw);
  assert.deepEqual(codes(auto.body), [{ severity: 'error', code: 312 }]);
  assert.equal((await api.call('GET', `${R}/secret/resources/n1`)).status, 404);

  // Without LUKS nothing is asked of the passphrase.
  await ok(api, 'POST', `${R}/secret/resources/n1`, { layer_list: ['storage'] });
});

test('desired state: the derived key for diskful LUKS volumes only, and only while unlocked', async (t) => {
  const api = await makeApi();
  t.after(() => api.close());
  for (const n of ['n1', 'n2', 'n3']) await addNode(api, n);
  await addRd(api, 'secret', { layers: ['DRBD', 'LUKS', 'STORAGE'], sizes: [10240, 20480] });
  await addRd(api, 'plain', { sizes: [1024] });
  const created = await api.call('POST', '/v1/encryption/passphrase', { new_passphrase: 'pw' });
  assert.equal(created.status, 201);
  await ok(api, 'POST', `${R}/secret/resources`, [
    { resource: { node_name: 'n1' } },
    { resource: { node_name: 'n3', flags: ['DRBD_DISKLESS'] } },
  ]);
  await ok(api, 'POST', `${R}/plain/resources/n1`, {});
  const enc = EncryptionService.of(api.controller);
  const luksKey = (rd: string, v: number) => enc.volumeKeyIfUnlocked(rd, v);
  const g = api.controller.graph;

  const d1 = desiredStateOf(g, 'n1', { luksKey })!;
  assert.deepEqual(d1.resources.get('SECRET')!.volumes.map((v) => v.luks_key), [enc.volumeKey('secret', 0), enc.volumeKey('secret', 1)]);
  assert.notEqual(enc.volumeKey('secret', 0), enc.volumeKey('secret', 1), 'one key per volume');
  assert.deepEqual(d1.resources.get('PLAIN')!.volumes.map((v) => v.luks_key), [undefined], 'no LUKS layer: no key');
  const d3 = desiredStateOf(g, 'n3', { luksKey })!.resources.get('SECRET')!;
  assert.deepEqual(d3.flags, ['DISKLESS', 'DRBD_DISKLESS']);
  assert.deepEqual(d3.volumes.map((v) => 'luks_key' in v), [false, false], 'a diskless client has nothing to encrypt: no key');
  assert.deepEqual(desiredStateOf(g, 'n1')!.resources.get('SECRET')!.volumes.map((v) => 'luks_key' in v), [false, false], 'no key source: no keys');
});

test('locked passphrase: the create is accepted with WARN_NOT_FOUND_CRYPT_KEY and no key is sent', async (t) => {
  const api = await makeApi();
  t.after(() => api.close());
  await addNode(api, 'n1');
  await addRd(api, 'secret', { sizes: [10240] });
  lockWith(api.controller, 'pw');
  assert.deepEqual((await api.call('GET', '/v1/encryption/passphrase')).body, { status: 'locked' });

  const res = await api.call('POST', `${R}/secret/resources/n1`, { layer_list: ['luks', 'storage'] });
  assert.equal(res.status, 201);
  assert.deepEqual(codes(res.body), [{ severity: 'success', code: 1 }, { severity: 'warn', code: 1011 }]);
  assert.match(res.body[1].message, /passphrase is locked/);
  assert.match(res.body[1].correction, /storhub encryption enter-passphrase/);
  const enc = EncryptionService.of(api.controller);
  const d = desiredStateOf(api.controller.graph, 'n1', { luksKey: (rd, v) => enc.volumeKeyIfUnlocked(rd, v) })!;
  assert.deepEqual(d.resources.get('SECRET')!.volumes.map((v) => 'luks_key' in v), [false]);
});

test('entering the passphrase resyncs the node holding the LUKS resource in full, now with the key', async (t) => {
  const c = await makeCluster(['n1']);
  t.after(() => c.close());
  const fake = c.fakes.get('n1')!;
  await waitFor('n1 ONLINE', async () => (await c.api.call('GET', '/v1/nodes/n1')).body.connection_status === 'ONLINE');
  await addRd(c.api, 'secret', { sizes: [10240] });
  const masterKey = lockWith(c.api.controller, 'pw');
  await ok(c.api, 'POST', `${R}/secret/resources/n1`, { layer_list: ['luks', 'storage'] });

  const sent = () => fake.updates.flatMap((u) => u.resources.filter((r) => r.name === 'secret').map((r) => ({ full: u.full, r })));
  await waitFor('the resource sent without a key', () => sent().length > 0);
  assert.ok(sent().every((s) => s.r.volumes.every((v) => v.luks_key === undefined)), 'no key while locked');
  const before = fake.updates.length;

  const wrong = await c.api.call('PATCH', '/v1/encryption/passphrase', '"nope"');
  assert.equal(wrong.status, 500);
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(fake.updates.length, before, 'a wrong passphrase triggers nothing');

  const entered = await c.api.call('PATCH', '/v1/encryption/passphrase', '"pw"');
  assert.equal(entered.status, 200);
  const withKey = await waitFor('a full update with the key', () =>
    fake.updates.slice(before).find((u) => u.full && u.resources.some((r) => r.name === 'secret')));
  const v0 = withKey.resources.find((r) => r.name === 'secret')!.volumes[0];
  assert.equal(v0.luks_key, deriveVolumeKey(masterKey, 'secret', 0));
  await waitFor('ONLINE after the resync', async () => (await c.api.call('GET', '/v1/nodes/n1')).body.connection_status === 'ONLINE');
});

function luksCtx(runner: RecordedRunner): LayerContext {
  return { runner, log: silent, node_name: 'alpha', stateDir: '/nonexistent', pools: new Map(), providers: new Map(), node_props: {}, reports: [] };
}

test('satellite without a key: the resource reports the locked passphrase, nothing is created or formatted', async (t) => {
  const runner = new RecordedRunner([{ argv: ['cryptsetup', 'status', 'secret_00000'], result: { exitCode: 4 } }]);
  const provider = new FakeProvider();
  const s = await makeSatellite({
    runner, provider,
    layers: new Map<LayerKind, ReturnType<typeof createLuksLayer>>([['LUKS', createLuksLayer()]]),
    detectors: [detectAll(['FILE_THIN'], ['LUKS'])],
  });
  t.after(() => s.cleanup());
  const update = full(1, [pool('DfltStorPool', '/p')], [rsc('secret', [vol(0, 10240)], { layer_stack: ['LUKS', 'STORAGE'] })]);
  const result = await s.sat.applyUpdate(update);
  assert.equal(result.status, 'applied');
  if (result.status !== 'applied') return;
  const r = result.report.resources.find((x) => x.name === 'secret')!;
  assert.deepEqual(r.volumes, []);
  assert.equal(r.reports.length, 1);
  assert.equal(r.reports[0].severity, 'error');
  assert.equal(r.reports[0].message,
    `Creating resource 'secret' on node 'alpha' failed: Volume 0 of resource 'secret' cannot be opened or created, the controller sent no key: ${LOCKED_TEXT}`);
  assert.match(r.reports[0].correction!, /storhub encryption enter-passphrase/);
  assert.deepEqual(provider.mutations, [], 'not even the storage volume below is created');
  assert.deepEqual(runner.calls, [['cryptsetup', 'status', 'secret_00000']], 'no isLuks, luksFormat or open');
});

test('LUKS layer without a key: an open mapping keeps working (no error); growing it waits for the key', async () => {
  const fixture = (name: string) => readFileSync(join(FIX, name), 'utf8');
  // Real `cryptsetup status` output of an open mapping on /dev/sdc2 (20740063 sectors), real luksDump (16 MiB header).
  const runner = () => new RecordedRunner([
    { argv: ['cryptsetup', 'status', 'secret_00000'], result: { stdout: fixture('status-active-luks1.txt') } },
    { argv: ['cryptsetup', 'luksDump', '/dev/sdc2'], result: { stdout: fixture('luksDump-luks2-pbkdf2.txt') } },
  ]);
  const resource = rsc('secret', [vol(0, 10240)], { layer_stack: ['LUKS', 'STORAGE'] });
  const below = (kib: number) => async () => new Map([[0, [{ layer: 'STORAGE' as const, device_path: '/dev/sdc2', usable_size_kib: kib, disk_state: 'UpToDate' }]]]);

  const same = runner();
  const ctx = luksCtx(same);
  const out = await createLuksLayer().apply(ctx, resource, below(10_000_000));
  assert.equal(out.get(0)![0].device_path, '/dev/mapper/secret_00000');
  assert.equal(out.get(0)![0].usable_size_kib, 10_000_000 - 16384);
  assert.deepEqual(ctx.reports, []);
  assert.deepEqual(same.calls.map((c) => c[1]), ['status', 'status', 'luksDump'], 'nothing that needs a key');

  const grown = runner();
  const gctx = luksCtx(grown);
  await createLuksLayer().apply(gctx, resource, below(20_000_000));
  assert.deepEqual(grown.calls.map((c) => c[1]), ['status', 'status', 'luksDump'], 'no resize without the key');
  assert.equal(gctx.reports.length, 1);
  assert.equal(gctx.reports[0].severity, 'warn');
  assert.match(gctx.reports[0].message, /not grown yet: the cluster passphrase is locked/);
});
