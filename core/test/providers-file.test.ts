/**
 * FILE / FILE_THIN against the real thing: sparse and preallocated files, real loop devices, a
 * detach that stands in for a reboot, growth seen by the kernel, and deletion that leaves nothing.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, readSync, rmSync, statfsSync, statSync, writeFileSync, writeSync, closeSync, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { LocalRunner } from '../src/exec/local.js';
import { StorhubError } from '../src/model/errors.js';
import type { DesiredPool } from '../src/satellite/protocol.js';
import { FileProvider } from '../src/satellite/providers/file/provider.js';
import type { ProviderContext } from '../src/satellite/providers/provider.js';
import { silent } from './helpers.js';

function setup(t: TestContext, kind: 'FILE' | 'FILE_THIN') {
  const dir = mkdtempSync(join(tmpdir(), 'storhub-file-'));
  const ctx: ProviderContext = { runner: new LocalRunner(), log: silent, stateDir: dir };
  const pool: DesiredPool = { name: 'pool1', provider_kind: kind, props: { 'StorDriver/StorPoolName': join(dir, 'pool') } };
  mkdirSync(join(dir, 'pool'));
  t.after(() => {
    // Whatever a failed assertion left behind: unmount, detach every loop device on our files.
    for (const m of readFileSync('/proc/mounts', 'utf8').split('\n')) {
      const target = m.split(' ')[1];
      if (target?.startsWith(dir)) execFileSync('umount', [target]);
    }
    for (const dev of loopsUnder(dir)) execFileSync('losetup', ['--detach', dev]);
    rmSync(dir, { recursive: true, force: true });
  });
  return { dir, ctx, pool, provider: new FileProvider(kind === 'FILE_THIN'), file: (n: string) => join(dir, 'pool', `${n}.img`) };
}

function loopsUnder(prefix: string): string[] {
  const out = execFileSync('losetup', ['--list', '--json', '--output', 'NAME,BACK-FILE'], { encoding: 'utf8' });
  if (!out.trim()) return [];
  return (JSON.parse(out).loopdevices as Array<{ name: string; 'back-file': string }>)
    .filter((d) => d['back-file']?.startsWith(prefix))
    .map((d) => d.name);
}

function loopsOf(file: string): string[] {
  const out = execFileSync('losetup', ['--list', '--json', '--output', 'NAME', '--associated', file], { encoding: 'utf8' });
  return out.trim() ? (JSON.parse(out).loopdevices as Array<{ name: string }>).map((d) => d.name) : [];
}

/** The size the kernel gives the block device, in KiB (sysfs counts 512-byte sectors). */
function deviceKib(dev: string): number {
  return Number(readFileSync(`/sys/block/${basename(dev)}/size`, 'utf8').trim()) / 2;
}

function writeAt(dev: string, offset: number, data: Buffer) {
  const fd = openSync(dev, 'r+');
  try {
    writeSync(fd, data, 0, data.length, offset);
  } finally {
    closeSync(fd);
  }
}

function readAt(dev: string, offset: number, length: number): Buffer {
  const fd = openSync(dev, 'r');
  try {
    const buf = Buffer.alloc(length);
    readSync(fd, buf, 0, length, offset);
    return buf;
  } finally {
    closeSync(fd);
  }
}

const req = (name: string, size_kib: number) => ({ name, size_kib, props: {} });

test('FILE_THIN: sparse file on a real loop device, idempotent create, re-attach after a "reboot", grow, delete', async (t) => {
  const { ctx, pool, provider, file } = setup(t, 'FILE_THIN');
  assert.deepEqual(await provider.checkConfig(ctx, pool), []);

  const v = await provider.createVolume(ctx, pool, req('res1_00000', 10240));
  assert.match(v.device_path, /^\/dev\/loop\d+$/);
  assert.ok(statSync(v.device_path).isBlockDevice());
  assert.equal(v.usable_kib, 10240);
  assert.equal(deviceKib(v.device_path), 10240);
  assert.ok(v.allocated_kib < 1024, `a new thin volume allocates (almost) nothing, got ${v.allocated_kib} KiB`);
  assert.equal(statSync(file('res1_00000')).size, 10240 * 1024);
  const dio = JSON.parse(execFileSync('losetup', ['--list', '--json', '--output', 'DIO', v.device_path], { encoding: 'utf8' }));
  assert.equal(dio.loopdevices[0].dio, true, 'attached with direct I/O');

  const again = await provider.createVolume(ctx, pool, req('res1_00000', 10240));
  assert.equal(again.device_path, v.device_path, 'create is idempotent');
  assert.deepEqual(loopsOf(file('res1_00000')), [v.device_path], 'and attaches no second loop device');

  const payload = Buffer.alloc(1024 * 1024, 0x5a);
  writeAt(v.device_path, 4096 * 1024, payload);
  const [listed] = await provider.listVolumes(ctx, pool);
  assert.equal(listed.name, 'res1_00000');
  assert.ok(listed.allocated_kib >= 1024, `writing 1 MiB allocates it, got ${listed.allocated_kib} KiB`);

  // A reboot (or someone else) detaches the loop device; the file and its data stay.
  execFileSync('losetup', ['--detach', v.device_path]);
  const afterReboot = await provider.listVolumes(ctx, pool);
  assert.deepEqual(afterReboot.map((x) => [x.name, x.device_path]), [['res1_00000', '']], 'list reports, it does not attach');
  const back = await provider.createVolume(ctx, pool, req('res1_00000', 10240));
  assert.match(back.device_path, /^\/dev\/loop\d+$/);
  assert.deepEqual(readAt(back.device_path, 4096 * 1024, payload.length), payload, 'data survives the re-attach');

  const grown = await provider.resizeVolume(ctx, pool, req('res1_00000', 20480));
  assert.equal(grown.usable_kib, 20480);
  assert.equal(grown.device_path, back.device_path);
  assert.equal(deviceKib(back.device_path), 20480, 'the loop device sees the new size (losetup --set-capacity)');
  const notShrunk = await provider.resizeVolume(ctx, pool, req('res1_00000', 5000));
  assert.equal(notShrunk.usable_kib, 20480, 'resize never shrinks');

  await provider.deleteVolume(ctx, pool, 'res1_00000');
  assert.deepEqual(loopsOf(file('res1_00000')), []);
  assert.equal(existsSync(file('res1_00000')), false);
  assert.deepEqual(loopsUnder(pool.props['StorDriver/StorPoolName']), [], 'no loop device left on the pool');
  await provider.deleteVolume(ctx, pool, 'res1_00000'); // deleting a missing volume is not an error
});

test('FILE: preallocated file, growth allocates too; capacity is the directory filesystem', async (t) => {
  const { ctx, pool, provider, file } = setup(t, 'FILE');
  const v = await provider.createVolume(ctx, pool, req('res2_00003', 8192));
  assert.ok(v.allocated_kib >= 8192, `thick files are allocated up front, got ${v.allocated_kib} KiB`);
  assert.equal(deviceKib(v.device_path), 8192);
  const g = await provider.resizeVolume(ctx, pool, req('res2_00003', 12288));
  assert.ok(g.allocated_kib >= 12288);
  assert.equal(deviceKib(v.device_path), 12288);

  const cap = await provider.capacity(ctx, pool);
  const s = statfsSync(pool.props['StorDriver/StorPoolName']);
  assert.equal(cap.total_kib, Math.floor((s.blocks * s.bsize) / 1024));
  assert.ok(cap.free_kib > 0 && cap.free_kib <= cap.total_kib);
  assert.ok(Math.abs(cap.free_kib - Math.floor((s.bavail * s.bsize) / 1024)) < 64 * 1024, 'free space matches statfs');

  await provider.deleteVolume(ctx, pool, 'res2_00003');
  assert.equal(existsSync(file('res2_00003')), false);
  assert.deepEqual(loopsOf(file('res2_00003')), []);
});

test('FILE: a create that runs out of space leaves no file behind', async (t) => {
  const { ctx, pool, provider, file } = setup(t, 'FILE');
  await assert.rejects(provider.createVolume(ctx, pool, req('huge_00000', 2 ** 40)), /fallocate/);
  assert.equal(existsSync(file('huge_00000')), false);
  assert.deepEqual(await provider.listVolumes(ctx, pool), []);
});

test('FILE_THIN: a mounted volume is not deleted; after unmount it is', async (t) => {
  const { dir, ctx, pool, provider, file } = setup(t, 'FILE_THIN');
  const v = await provider.createVolume(ctx, pool, req('fsvol_00000', 16384));
  execFileSync('mkfs.ext4', ['-q', '-F', v.device_path]);
  const mnt = join(dir, 'mnt');
  mkdirSync(mnt);
  execFileSync('mount', [v.device_path, mnt]);
  writeFileSync(join(mnt, 'hello'), 'world');
  await assert.rejects(provider.deleteVolume(ctx, pool, 'fsvol_00000'), (err: unknown) => {
    assert.ok(err instanceof StorhubError);
    assert.equal(err.code, 'FAIL_IN_USE');
    assert.match(err.message, /in use/);
    return true;
  });
  assert.ok(existsSync(file('fsvol_00000')), 'the file is kept');
  assert.deepEqual(loopsOf(file('fsvol_00000')), [v.device_path], 'and stays attached');
  execFileSync('umount', [mnt]);
  await provider.deleteVolume(ctx, pool, 'fsvol_00000');
  assert.equal(existsSync(file('fsvol_00000')), false);
  assert.deepEqual(loopsOf(file('fsvol_00000')), []);
});

test('FILE_THIN: only Storhub-named files are volumes; other names are refused', async (t) => {
  const { ctx, pool, provider, file } = setup(t, 'FILE_THIN');
  writeFileSync(join(pool.props['StorDriver/StorPoolName'], 'notes.img'), 'x');
  writeFileSync(join(pool.props['StorDriver/StorPoolName'], 'res1_00001.txt'), 'x');
  await provider.createVolume(ctx, pool, req('res1_00001', 1024));
  assert.deepEqual((await provider.listVolumes(ctx, pool)).map((v) => v.name), ['res1_00001']);
  await assert.rejects(provider.deleteVolume(ctx, pool, 'notes'), /not a Storhub volume name/);
  await assert.rejects(provider.createVolume(ctx, pool, req('res1_00002', 0)), /not a positive whole number/);
  await provider.deleteVolume(ctx, pool, 'res1_00001');
  assert.ok(existsSync(join(pool.props['StorDriver/StorPoolName'], 'notes.img')));
  assert.equal(existsSync(file('res1_00001')), false);
});

test('FILE: bad pool configuration is a report with a correction, never a crash', async (t) => {
  const { dir, ctx, pool, provider } = setup(t, 'FILE');
  const missing = { ...pool, props: { 'StorDriver/StorPoolName': join(dir, 'nope') } };
  const [r] = await provider.checkConfig(ctx, missing);
  assert.equal(r.severity, 'error');
  assert.equal(r.message, `Storage pool directory '${join(dir, 'nope')}' does not exist.`);
  assert.match(r.correction ?? '', /mkdir -p .*nope.*StorDriver\/StorPoolName/);
  await assert.rejects(provider.listVolumes(ctx, missing), /does not exist/);

  writeFileSync(join(dir, 'afile'), '');
  const notDir = await provider.checkConfig(ctx, { ...pool, props: { 'StorDriver/StorPoolName': join(dir, 'afile') } });
  assert.match(notDir[0].message, /is not a directory/);

  const noProp = await provider.checkConfig(ctx, { ...pool, props: {} });
  assert.match(noProp[0].message, /has no 'StorDriver\/StorPoolName'/);
  const relative = await provider.checkConfig(ctx, { ...pool, props: { 'StorDriver/StorPoolName': 'rel/dir' } });
  assert.match(relative[0].message, /must be an absolute directory/);
  assert.equal(existsSync(join(dir, 'nope')), false, 'checking creates nothing');
});
