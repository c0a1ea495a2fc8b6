/**
 * The STORAGE layer with the real FILE_THIN provider (sparse files + loop devices, needs root):
 * create, grow (never shrink), diskless, the upper layers' overhead, remove.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalRunner } from '../src/exec/local.js';
import type { LayerKind } from '../src/model/enums.js';
import type { Layer, LayerContext } from '../src/satellite/layers/layer.js';
import { createStorageLayer } from '../src/satellite/layers/storage.js';
import type { DesiredResource } from '../src/satellite/protocol.js';
import { FileProvider } from '../src/satellite/providers/file/provider.js';
import { silent } from './helpers.js';
import { PassLayer, pool, rsc, vol } from './satellite-fakes.js';

const runner = new LocalRunner();

async function setup(t: { after(fn: () => Promise<void>): void }) {
  const dir = await mkdtemp(join(tmpdir(), 'storhub-stor-'));
  t.after(async () => {
    for (const f of await readdir(dir)) {
      const devs = (await runner.run('losetup', ['-j', join(dir, f), '-O', 'NAME', '-n'])).stdout.split('\n').map((l) => l.trim()).filter(Boolean);
      for (const d of devs) await runner.run('losetup', ['-d', d]);
    }
    await rm(dir, { recursive: true, force: true });
  });
  const P = pool('DfltStorPool', dir);
  const ctx: LayerContext = {
    runner, log: silent, node_name: 'alpha', stateDir: dir, node_props: {}, reports: [],
    pools: new Map([['DFLTSTORPOOL', P], ['DISKLESS', pool('Diskless', '', 'DISKLESS')]]),
    providers: new Map([['FILE_THIN', new FileProvider(true)]]),
  };
  return { dir, ctx };
}

const bytes = async (dev: string) => Number((await runner.run('blockdev', ['--getsize64', dev])).stdout.trim());
const noNext = async () => { throw new Error('STORAGE must not call next'); };

test('creates a loop device of the volume size, grows it, never shrinks it', { timeout: 120_000 }, async (t) => {
  const { dir, ctx } = await setup(t);
  const storage = createStorageLayer();
  const r = rsc('web', [vol(0, 8192), vol(1, 4096)]);

  const first = await storage.apply(ctx, r, noNext);
  const [v0] = first.get(0)!;
  assert.match(v0.device_path!, /^\/dev\/loop\d+$/);
  assert.deepEqual({ ...v0, device_path: undefined, allocated_size_kib: undefined }, { layer: 'STORAGE', device_path: undefined, allocated_size_kib: undefined, usable_size_kib: 8192, disk_state: 'UpToDate' });
  assert.equal(await bytes(v0.device_path!), 8192 * 1024);
  assert.deepEqual((await readdir(dir)).sort(), ['web_00000.img', 'web_00001.img']);

  // Again: the same devices, nothing new.
  const again = await storage.apply(ctx, r, noNext);
  assert.equal(again.get(0)![0].device_path, v0.device_path);

  const grown = await storage.apply(ctx, rsc('web', [vol(0, 16384), vol(1, 4096)]), noNext);
  assert.equal(grown.get(0)![0].device_path, v0.device_path);
  assert.equal(grown.get(0)![0].usable_size_kib, 16384);
  assert.equal(await bytes(v0.device_path!), 16384 * 1024);

  const shrink = await storage.apply(ctx, rsc('web', [vol(0, 1024), vol(1, 4096)]), noNext);
  assert.equal(shrink.get(0)![0].usable_size_kib, 16384);
  assert.equal(await bytes(v0.device_path!), 16384 * 1024);
  assert.match(ctx.reports.at(-1)!.message, /^Volume web_00000 is 16384 KiB, larger than the 1024 KiB wanted; it is left as it is \(volumes are never shrunk\)\.$/);

  await storage.remove(ctx, r, async () => undefined);
  assert.deepEqual(await readdir(dir), []);
  assert.equal((await runner.run('losetup', ['-j', join(dir, 'web_00000.img'), '-O', 'NAME', '-n'])).stdout.trim(), '');
});

test('diskless resources and DISKLESS pools get no volume', async (t) => {
  const { dir, ctx } = await setup(t);
  const storage = createStorageLayer();
  const out = await storage.apply(ctx, rsc('dl', [vol(0, 8192)], { flags: ['DRBD_DISKLESS'] }), noNext);
  assert.deepEqual(out.get(0), [{ layer: 'STORAGE', disk_state: 'Diskless' }]);
  const out2 = await storage.apply(ctx, rsc('dl2', [vol(0, 8192, 'Diskless')]), noNext);
  assert.deepEqual(out2.get(0), [{ layer: 'STORAGE', disk_state: 'Diskless' }]);
  assert.deepEqual(await readdir(dir), []);
});

test('the volume is sized for the metadata of the layers above it', { timeout: 60_000 }, async (t) => {
  const { ctx } = await setup(t);
  const layers = new Map<LayerKind, Layer>([['LUKS', new PassLayer('LUKS', 16384)], ['DRBD', new PassLayer('DRBD', 4096)]]);
  const storage = createStorageLayer({ layers: () => layers });
  const r: DesiredResource = rsc('stk', [vol(0, 8192)], { layer_stack: ['DRBD', 'LUKS', 'STORAGE'] });
  const out = await storage.apply(ctx, r, noNext);
  assert.equal(out.get(0)![0].usable_size_kib, 8192 + 4096 + 16384);
  assert.equal(await bytes(out.get(0)![0].device_path!), (8192 + 4096 + 16384) * 1024);
});

test('a missing pool directory fails the volume with the provider\'s reason; the other volumes are still made', { timeout: 60_000 }, async (t) => {
  const { dir, ctx } = await setup(t);
  const storage = createStorageLayer();
  const pools = new Map(ctx.pools);
  pools.set('GONE', pool('gone', join(dir, 'no/such/dir')));
  await assert.rejects(storage.apply({ ...ctx, pools }, rsc('mix', [vol(0, 4096, 'gone'), vol(1, 4096)]), noNext), (err: Error) => {
    assert.match(err.message, /no\/such\/dir/);
    return true;
  });
  assert.deepEqual(await readdir(dir), ['mix_00001.img']);
});
