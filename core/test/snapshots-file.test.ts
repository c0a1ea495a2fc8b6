/**
 * FILE / FILE_THIN snapshots on real loop devices with real bytes: snapshot -> write more -> rollback
 * brings the old bytes back (read from the device); restore to a new volume holds the snapshot's
 * bytes; a thin snapshot costs what the volume holds; rollback is refused while the volume is mounted;
 * a thick restore is preallocated. Every loop device and mount is cleaned up in t.after.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, fsyncSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalRunner } from '../src/exec/local.js';
import { StorhubError } from '../src/model/errors.js';
import type { DesiredPool } from '../src/satellite/protocol.js';
import { FileProvider } from '../src/satellite/providers/file/provider.js';
import type { ProviderContext } from '../src/satellite/providers/provider.js';
import { silent } from './helpers.js';
import { cleanupLoops } from './snapshots-loop-helpers.js';

const MiB = 1024 * 1024;

function setup(t: TestContext, kind: 'FILE' | 'FILE_THIN') {
  const dir = mkdtempSync(join(tmpdir(), 'storhub-snapfile-'));
  const poolDir = join(dir, 'pool');
  mkdirSync(poolDir);
  const ctx: ProviderContext = { runner: new LocalRunner(), log: silent, stateDir: dir };
  const pool: DesiredPool = { name: 'pool1', provider_kind: kind, props: { 'StorDriver/StorPoolName': poolDir } };
  t.after(() => cleanupLoops(dir));
  return { dir, poolDir, ctx, pool, provider: new FileProvider(kind === 'FILE_THIN'), file: (n: string) => join(poolDir, `${n}.img`) };
}

const req = (name: string, sizeKib: number) => ({ name, size_kib: sizeKib, props: {} });

/** Writes through the block device and flushes it, as an application with fsync would. */
function writeAt(dev: string, offset: number, data: Buffer): void {
  const fd = openSync(dev, 'r+');
  try {
    writeSync(fd, data, 0, data.length, offset);
    fsyncSync(fd);
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

/** A pattern no two offsets share, so a block read from the wrong place cannot pass. */
function pattern(seed: number, length: number): Buffer {
  const b = Buffer.alloc(length);
  for (let i = 0; i < length; i += 4) b.writeUInt32LE((seed * 2654435761 + i) >>> 0, i);
  return b;
}

function loopsOf(file: string): string[] {
  const out = execFileSync('losetup', ['--list', '--json', '--output', 'NAME', '--associated', file], { encoding: 'utf8' });
  return out.trim() ? (JSON.parse(out).loopdevices as Array<{ name: string }>).map((d) => d.name) : [];
}

const allocatedKib = (file: string) => (statSync(file).blocks * 512) / 1024;

test('FILE_THIN: snapshot, write more, rollback: the old bytes are back on the device', async (t) => {
  const { ctx, pool, provider, file } = setup(t, 'FILE_THIN');
  const v = await provider.createVolume(ctx, pool, req('data_00000', 64 * 1024));
  const before = pattern(1, 2 * MiB);
  writeAt(v.device_path, 8 * MiB, before);

  const snap = await provider.createSnapshot(ctx, pool, 'data_00000', 'snap1');
  assert.equal(snap.name, 'data_00000_snap1');
  assert.ok(existsSync(file('data_00000_snap1')));
  assert.equal(statSync(file('data_00000_snap1')).size, 64 * MiB, 'the snapshot has the volume size');
  // Thin stays thin: the snapshot costs the 2 MiB written, not the 64 MiB volume.
  assert.ok(snap.allocated_kib! >= 2048 && snap.allocated_kib! <= 2048 + 512, `snapshot allocates ${snap.allocated_kib} KiB`);
  const again = await provider.createSnapshot(ctx, pool, 'data_00000', 'snap1');
  assert.deepEqual(again, snap, 'taking an existing snapshot again changes nothing');

  const after = pattern(2, 2 * MiB);
  writeAt(v.device_path, 8 * MiB, after);
  writeAt(v.device_path, 40 * MiB, pattern(3, MiB));
  assert.deepEqual(readAt(v.device_path, 8 * MiB, after.length), after);

  await provider.rollback(ctx, pool, 'data_00000', 'snap1');
  const [dev] = loopsOf(file('data_00000'));
  assert.match(dev, /^\/dev\/loop\d+$/, 'the volume is attached again after the rollback');
  assert.deepEqual(readAt(dev, 8 * MiB, before.length), before, 'the snapshot bytes are back');
  assert.deepEqual(readAt(dev, 40 * MiB, MiB), Buffer.alloc(MiB), 'what was written after the snapshot is gone');
  assert.equal(statSync(file('data_00000')).size, 64 * MiB);
  assert.ok(allocatedKib(file('data_00000')) <= 2048 + 512, 'the rolled-back volume is still thin');
  assert.ok(existsSync(file('data_00000_snap1')), 'the snapshot stays after a rollback');
  assert.deepEqual(readdirSync(join(file('data_00000'), '..')).filter((f) => f.endsWith('.tmp')), [], 'no temporary file is left');

  // The STORAGE layer's idempotent create finds the same device.
  const again2 = await provider.createVolume(ctx, pool, req('data_00000', 64 * 1024));
  assert.equal(again2.device_path, dev);
});

test('FILE_THIN: restore to a new volume holds the snapshot bytes, independent of the source', async (t) => {
  const { ctx, pool, provider, file } = setup(t, 'FILE_THIN');
  const v = await provider.createVolume(ctx, pool, req('src_00000', 32 * 1024));
  const data = pattern(7, 3 * MiB);
  writeAt(v.device_path, MiB, data);
  await provider.createSnapshot(ctx, pool, 'src_00000', 's1');
  writeAt(v.device_path, MiB, pattern(8, 3 * MiB));

  const restored = await provider.restoreVolume(ctx, pool, { volume: 'src_00000', snapshot: 's1' }, req('dst_00000', 32 * 1024));
  assert.equal(restored.name, 'dst_00000');
  assert.match(restored.device_path, /^\/dev\/loop\d+$/);
  assert.notEqual(restored.device_path, v.device_path);
  assert.equal(restored.usable_kib, 32 * 1024);
  assert.ok(restored.allocated_kib <= 3 * 1024 + 512, `a thin restore is thin (${restored.allocated_kib} KiB)`);
  assert.deepEqual(readAt(restored.device_path, MiB, data.length), data, 'the restored volume holds the snapshot bytes');
  assert.deepEqual(readAt(v.device_path, MiB, 16), pattern(8, 16), 'the source keeps its own newer data');

  // A bigger volume definition: the restored volume has the wanted size, the tail reads as zeros.
  const big = await provider.restoreVolume(ctx, pool, { volume: 'src_00000', snapshot: 's1' }, req('big_00000', 48 * 1024));
  assert.equal(big.usable_kib, 48 * 1024);
  assert.deepEqual(readAt(big.device_path, MiB, data.length), data);

  await assert.rejects(provider.restoreVolume(ctx, pool, { volume: 'src_00000', snapshot: 's1' }, req('dst_00000', 32 * 1024)),
    (e: unknown) => e instanceof StorhubError && e.code === 'FAIL_EXISTS_RSC' && /would overwrite its data/.test(e.message));
  await assert.rejects(provider.restoreVolume(ctx, pool, { volume: 'src_00000', snapshot: 'nope' }, req('new_00000', 1024)),
    (e: unknown) => e instanceof StorhubError && e.code === 'FAIL_NOT_FOUND_SNAPSHOT' && /Snapshot 'nope' of volume 'src_00000' does not exist/.test(e.message));
  assert.equal(existsSync(file('new_00000')), false, 'a failed restore leaves no volume behind');

  // The snapshot can go while the restored volume lives on.
  await provider.deleteSnapshot(ctx, pool, 'src_00000', 's1');
  assert.equal(existsSync(file('src_00000_s1')), false, 'deleting a snapshot removes its file');
  await provider.deleteSnapshot(ctx, pool, 'src_00000', 's1'); // a missing one is not an error
  assert.deepEqual(readAt(restored.device_path, MiB, data.length), data);
});

test('FILE_THIN: a clone is a temporary snapshot restored and deleted; the listing shows only Storhub names', async (t) => {
  const { ctx, pool, poolDir, provider, file } = setup(t, 'FILE_THIN');
  const v = await provider.createVolume(ctx, pool, req('ra_00000', 16 * 1024));
  const data = pattern(11, MiB);
  writeAt(v.device_path, 0, data);
  await provider.createSnapshot(ctx, pool, 'ra_00000', 'clone.rb');
  const b = await provider.restoreVolume(ctx, pool, { volume: 'ra_00000', snapshot: 'clone.rb' }, req('rb_00000', 16 * 1024));
  await provider.deleteSnapshot(ctx, pool, 'ra_00000', 'clone.rb');
  assert.deepEqual(readAt(b.device_path, 0, data.length), data, 'the clone holds the source bytes');
  assert.equal(existsSync(file('ra_00000_clone.rb')), false);

  await provider.createSnapshot(ctx, pool, 'ra_00000', 'daily');
  writeFileSync(join(poolDir, 'notes.img'), 'x');
  writeFileSync(join(poolDir, '.ra_00000_x.img.tmp'), 'x');
  assert.deepEqual((await provider.listSnapshots(ctx, pool)).map((s) => s.name), ['ra_00000_daily']);
  assert.deepEqual((await provider.listVolumes(ctx, pool)).map((s) => s.name), ['ra_00000', 'rb_00000'], 'snapshots are not volumes');
  await assert.rejects(provider.createSnapshot(ctx, pool, 'ra_00000', '../x'), /not a snapshot name Storhub makes/);
  await assert.rejects(provider.createSnapshot(ctx, pool, 'missing_00000', 's'), (e: unknown) => e instanceof StorhubError && e.code === 'FAIL_NOT_FOUND_VLM');
});

test('FILE_THIN: rollback is refused while the volume is mounted, and works after unmount', async (t) => {
  const { dir, ctx, pool, provider, file } = setup(t, 'FILE_THIN');
  const v = await provider.createVolume(ctx, pool, req('fs_00000', 32 * 1024));
  execFileSync('mkfs.ext4', ['-q', '-F', v.device_path]);
  const mnt = join(dir, 'mnt');
  mkdirSync(mnt);
  execFileSync('mount', [v.device_path, mnt]);
  writeFileSync(join(mnt, 'hello.txt'), 'first version\n');
  execFileSync('umount', [mnt]);
  await provider.createSnapshot(ctx, pool, 'fs_00000', 'before');

  execFileSync('mount', [v.device_path, mnt]);
  writeFileSync(join(mnt, 'hello.txt'), 'second version\n');
  writeFileSync(join(mnt, 'new.txt'), 'only after the snapshot\n');
  await assert.rejects(provider.rollback(ctx, pool, 'fs_00000', 'before'), (e: unknown) => {
    assert.ok(e instanceof StorhubError);
    assert.equal(e.code, 'FAIL_IN_USE');
    assert.equal(e.message, `Cannot roll back to snapshot 'before': volume 'fs_00000' is in use (${v.device_path} is mounted or held open).`);
    assert.match(e.info.correction ?? '', /Unmount/);
    return true;
  });
  assert.deepEqual(loopsOf(file('fs_00000')), [v.device_path], 'a refused rollback leaves the device attached');
  assert.equal(readFileSync(join(mnt, 'hello.txt'), 'utf8'), 'second version\n');
  execFileSync('umount', [mnt]);

  await provider.rollback(ctx, pool, 'fs_00000', 'before');
  const [dev] = loopsOf(file('fs_00000'));
  execFileSync('mount', [dev, mnt]);
  assert.equal(readFileSync(join(mnt, 'hello.txt'), 'utf8'), 'first version\n');
  assert.equal(existsSync(join(mnt, 'new.txt')), false);
  execFileSync('umount', [mnt]);
});

test('FILE: a restore is preallocated like every thick volume; the snapshot itself is sparse', async (t) => {
  const { ctx, pool, provider, file } = setup(t, 'FILE');
  const v = await provider.createVolume(ctx, pool, req('thick_00000', 16 * 1024));
  const data = pattern(5, MiB);
  writeAt(v.device_path, 2 * MiB, data);
  const snap = await provider.createSnapshot(ctx, pool, 'thick_00000', 's');
  assert.ok(snap.allocated_kib! < 8 * 1024, `the snapshot of a thick volume is a sparse copy (${snap.allocated_kib} KiB)`);
  const r = await provider.restoreVolume(ctx, pool, { volume: 'thick_00000', snapshot: 's' }, req('thick2_00000', 16 * 1024));
  assert.ok(r.allocated_kib >= 16 * 1024, `a thick restore allocates the whole volume (${r.allocated_kib} KiB)`);
  assert.deepEqual(readAt(r.device_path, 2 * MiB, data.length), data);

  writeAt(v.device_path, 2 * MiB, pattern(6, MiB));
  await provider.rollback(ctx, pool, 'thick_00000', 's');
  const [dev] = loopsOf(file('thick_00000'));
  assert.deepEqual(readAt(dev, 2 * MiB, data.length), data);
  assert.ok(allocatedKib(file('thick_00000')) >= 16 * 1024, 'a rolled-back thick volume is still fully allocated');
});

test('FILE_THIN: a volume grown after the snapshot keeps its size through a rollback', async (t) => {
  const { ctx, pool, provider, file } = setup(t, 'FILE_THIN');
  const v = await provider.createVolume(ctx, pool, req('grow_00000', 8 * 1024));
  writeAt(v.device_path, 0, pattern(9, 4096));
  await provider.createSnapshot(ctx, pool, 'grow_00000', 's');
  await provider.resizeVolume(ctx, pool, req('grow_00000', 16 * 1024));
  await provider.rollback(ctx, pool, 'grow_00000', 's');
  assert.equal(statSync(file('grow_00000')).size, 16 * MiB);
  const [dev] = loopsOf(file('grow_00000'));
  assert.equal(Number(readFileSync(`/sys/block/${dev.slice('/dev/'.length)}/size`, 'utf8')) / 2, 16 * 1024);
  assert.deepEqual(readAt(dev, 0, 4096), pattern(9, 4096));
});
