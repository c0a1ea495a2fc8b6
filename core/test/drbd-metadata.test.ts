/**
 * DRBD internal metadata: the size formula (pure) against the real drbdmeta, and the layer's metadata
 * step (ensureMetadata) on real loop devices over sparse files: created once, found afterwards.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { LocalRunner } from '../src/exec/local.js';
import { CommandError } from '../src/exec/runner.js';
import { DEFAULT_TOOLS, metaDump } from '../src/satellite/layers/drbd/drbdadm.js';
import { ensureMetadata } from '../src/satellite/layers/drbd/layer.js';
import { grossSizeKib, internalMetadataKib, netSizeKib } from '../src/satellite/layers/drbd/metadata.js';
import { DRBD_ENV, tempDir } from './drbd-fixtures.js';

const runner = new LocalRunner();

/** A loop device over a sparse file of `kib` KiB, detached (and the file removed) after the test. */
async function loopDevice(t: TestContext, kib: number): Promise<string> {
  const dir = await tempDir(t, 'storhub-drbdmd-');
  const file = join(dir, 'backing.img');
  const fh = await open(file, 'w');
  await fh.truncate(kib * 1024);
  await fh.close();
  const { stdout } = await runner.run('losetup', ['-f', '--show', file]);
  const dev = stdout.trim();
  assert.match(dev, /^\/dev\/loop\d+$/);
  t.after(() => runner.run('losetup', ['-d', dev]).then(() => undefined));
  return dev;
}

/** drbdmeta's own view: the data area ends where the bitmap starts (`# bm_offset`, bytes). */
async function realNetKib(dev: string, minor: number): Promise<number> {
  const [file, args] = metaDump(DEFAULT_TOOLS, { minor, device: dev });
  const { stdout } = await runner.run(file, args, { env: DRBD_ENV });
  const m = /^# bm_offset (\d+)$/m.exec(stdout);
  assert.ok(m, 'dump-md shows bm_offset');
  return Number(m[1]) / 1024;
}

test('metadata size formula: known values', () => {
  // 100 MiB, 3 peers: 4 KiB superblock + 32 KiB AL + 12 KiB bitmap (3 x 3200 bytes -> 3 pages)
  assert.equal(internalMetadataKib(102400, { peerSlots: 3 }), 48);
  assert.equal(netSizeKib(102400, { peerSlots: 3 }), 102352);
  // 1 TiB, 7 peers: 7 x 32 MiB bitmap
  assert.equal(internalMetadataKib(1024 ** 3, { peerSlots: 7 }), 4 + 32 + 7 * 32 * 1024);
  // a device too small for its metadata offers nothing
  assert.equal(netSizeKib(40, { peerSlots: 7 }), 0);
  assert.throws(() => netSizeKib(1024, { peerSlots: 0 }), /peer slots must be 1\.\.31/);
  assert.throws(() => netSizeKib(1024, { peerSlots: 32 }), /peer slots must be 1\.\.31/);
});

test('grossSizeKib is the smallest device that offers the net size', () => {
  for (const net of [4, 1000, 102400, 1048576, 5_000_000, 1024 ** 3]) {
    for (const g of [{ peerSlots: 1 }, { peerSlots: 7 }, { peerSlots: 31, alStripes: 4, alStripeSizeKib: 128 }]) {
      const gross = grossSizeKib(net, g);
      assert.equal(gross % 4, 0);
      assert.ok(netSizeKib(gross, g) >= net, `net(${gross}) >= ${net}`);
      assert.ok(netSizeKib(gross - 4, g) < net, `gross ${gross} for ${net} is minimal`);
    }
  }
});

test('the formula matches real drbdmeta create-md on loop devices', async (t) => {
  const cases = [
    { kib: 102412, peerSlots: 7, alStripes: 1, alStripeSizeKib: 32 },
    { kib: 300000, peerSlots: 2, alStripes: 2, alStripeSizeKib: 64 },
    { kib: 1048580, peerSlots: 31, alStripes: 1, alStripeSizeKib: 32 },
  ];
  for (const [i, c] of cases.entries()) {
    const dev = await loopDevice(t, c.kib);
    const outcome = await ensureMetadata({ runner, env: DRBD_ENV }, { minor: 1100 + i, device: dev }, c);
    assert.equal(outcome, 'created');
    assert.equal(await realNetKib(dev, 1100 + i), netSizeKib(c.kib, c), `net size of ${JSON.stringify(c)}`);
  }
});

test('ensureMetadata creates metadata on a fresh device once, and finds it afterwards', async (t) => {
  const dev = await loopDevice(t, 64 * 1024);
  const calls: string[][] = [];
  const spy = { run: (f: string, a: readonly string[], o?: object) => { calls.push([f, ...a]); return runner.run(f, a, o); } };
  const exec = { runner: spy, env: DRBD_ENV };
  assert.equal(await ensureMetadata(exec, { minor: 1200, device: dev }, { peerSlots: 7 }), 'created');
  assert.deepEqual(calls, [
    ['drbdmeta', '--force', '1200', 'v09', dev, 'internal', 'dstate'],
    ['drbdmeta', '--force', '1200', 'v09', dev, 'internal', 'create-md', '--al-stripes', '1', '--al-stripe-size-kB', '32', '7'],
  ]);
  calls.length = 0;
  assert.equal(await ensureMetadata(exec, { minor: 1200, device: dev }, { peerSlots: 7 }), 'present');
  assert.deepEqual(calls, [['drbdmeta', '--force', '1200', 'v09', dev, 'internal', 'dstate']]);
  // the metadata really is DRBD 9 with 7 peer slots
  const [file, args] = metaDump(DEFAULT_TOOLS, { minor: 1200, device: dev });
  const dump = await runner.run(file, args, { env: DRBD_ENV });
  assert.match(dump.stdout, /^version "v09";$/m);
  assert.match(dump.stdout, /^max-peers 7;$/m);
});

test('ensureMetadata on a missing device fails and writes nothing', async () => {
  const calls: string[][] = [];
  const spy = { run: (f: string, a: readonly string[], o?: object) => { calls.push([f, ...a]); return runner.run(f, a, o); } };
  await assert.rejects(ensureMetadata({ runner: spy, env: DRBD_ENV }, { minor: 1201, device: '/dev/storhub-no-such-device' }, { peerSlots: 7 }), (err: unknown) => {
    assert.ok(err instanceof CommandError);
    assert.equal(err.exitCode, 20);
    assert.match(err.stderr, /No such file or directory/);
    return true;
  });
  assert.equal(calls.length, 1, 'no create-md after a failed probe');
});
