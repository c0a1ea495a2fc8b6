/**
 * FileSystem/Type: a new volume is formatted once, for real (loop devices on sparse files, mkfs.ext4 /
 * mkfs.xfs, blkid through the LocalRunner); a device with a signature is never formatted; a volume that
 * existed before FileSystem/Type was set is left alone. Needs root (losetup).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalRunner } from '../src/exec/local.js';
import { RecordedRunner } from '../src/exec/recorded.js';
import type { LayerKind } from '../src/model/enums.js';
import { NewVolumeFormatter, fileSystemType, hasSignature, mkfsCommand, probe, splitParams } from '../src/satellite/filesystem.js';
import type { DesiredPool } from '../src/satellite/protocol.js';
import type { ProviderVolume, StorageProvider } from '../src/satellite/providers/provider.js';
import { Satellite } from '../src/satellite/satellite.js';
import { silent } from './helpers.js';
import { detectAll, full, pool, rsc, vol } from './satellite-fakes.js';

const runner = new LocalRunner();

async function tempDir(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'storhub-fs-'));
  t.after(async () => {
    await detachAllUnder(dir);
    await rm(dir, { recursive: true, force: true });
  });
  return dir;
}

/** Detaches every loop device backed by a file in `dir` (only ours: the directory is unique). */
async function detachAllUnder(dir: string): Promise<void> {
  const files = await readdir(dir).catch(() => [] as string[]);
  for (const f of files.filter((n) => n.endsWith('.img'))) {
    const res = await runner.run('losetup', ['-j', join(dir, f), '-O', 'NAME', '-n']);
    for (const dev of res.stdout.split('\n').map((l) => l.trim()).filter(Boolean)) await runner.run('losetup', ['-d', dev]);
  }
}

async function loopDevice(dir: string, name: string, size = '64M'): Promise<string> {
  const file = join(dir, `${name}.img`);
  await runner.run('truncate', ['-s', size, file]);
  return (await runner.run('losetup', ['-f', '--show', file])).stdout.trim();
}

/** A minimal loop-device provider for these tests (sparse file per volume), until FILE_THIN is wired. */
class LoopProvider implements StorageProvider {
  readonly kind = 'FILE_THIN' as const;
  constructor(readonly dir: string) {}
  async checkConfig() { return []; }
  async capacity() { return { free_kib: 1 << 20, total_kib: 1 << 20 }; }
  private async attached(file: string): Promise<string | undefined> {
    return (await runner.run('losetup', ['-j', file, '-O', 'NAME', '-n'])).stdout.trim().split('\n')[0] || undefined;
  }
  async listVolumes(): Promise<ProviderVolume[]> {
    const out: ProviderVolume[] = [];
    for (const f of (await readdir(this.dir)).filter((n) => n.endsWith('.img'))) {
      const dev = await this.attached(join(this.dir, f));
      if (dev) out.push({ name: f.slice(0, -4), device_path: dev, allocated_kib: 0, usable_kib: 65536 });
    }
    return out;
  }
  async createVolume(_c: unknown, _p: DesiredPool, req: { name: string; size_kib: number }): Promise<ProviderVolume> {
    const file = join(this.dir, `${req.name}.img`);
    const dev = (await this.attached(file)) ?? (await loopDevice(this.dir, req.name, `${req.size_kib}K`));
    return { name: req.name, device_path: dev, allocated_kib: 0, usable_kib: req.size_kib };
  }
  async resizeVolume(c: unknown, p: DesiredPool, req: { name: string; size_kib: number }) { return this.createVolume(c, p, req); }
  async deleteVolume(_c: unknown, _p: DesiredPool, name: string) {
    const file = join(this.dir, `${name}.img`);
    const dev = await this.attached(file);
    if (dev) await runner.run('losetup', ['-d', dev]);
    await rm(file, { force: true });
  }
}

test('FileSystem/Type and MkfsParams are parsed into an argv, never a shell line', () => {
  assert.equal(fileSystemType({ 'FileSystem/Type': 'EXT4' }), 'ext4');
  assert.equal(fileSystemType({}), undefined);
  assert.throws(() => fileSystemType({ 'FileSystem/Type': 'btrfs' }), /FileSystem\/Type 'btrfs' is not supported; use ext4 or xfs/);
  assert.deepEqual(splitParams(` -L "my label" -E 'nodiscard,lazy_itable_init=0'  -m 1`), ['-L', 'my label', '-E', 'nodiscard,lazy_itable_init=0', '-m', '1']);
  assert.deepEqual(mkfsCommand('ext4', '/dev/loop9', ['-L', 'x; rm -rf /']), ['mkfs.ext4', ['-q', '-F', '-L', 'x; rm -rf /', '/dev/loop9']]);
  assert.deepEqual(mkfsCommand('xfs', '/dev/loop9', []), ['mkfs.xfs', ['-q', '-f', '/dev/loop9']]);
});

test('blkid exit codes: 2 is empty, 0 and 8 carry a signature, anything else is an error', async () => {
  const rec = (code: number) => new RecordedRunner([{ argv: ['blkid', '-p', '-o', 'export', '/dev/x'], result: { exitCode: code } }]);
  assert.equal(await hasSignature(rec(2), '/dev/x'), false);
  assert.equal(await hasSignature(rec(0), '/dev/x'), true);
  assert.equal(await hasSignature(rec(8), '/dev/x'), true);
  await assert.rejects(hasSignature(rec(4), '/dev/x'), /blkid -p -o export \/dev\/x: exit code 4/);
});

test('a marked new device is formatted once (ext4 with MkfsParams); a device with a signature never', { timeout: 120_000 }, async (t) => {
  const dir = await tempDir(t);
  const dev = await loopDevice(dir, 'v');
  const f = new NewVolumeFormatter(runner, dir, silent);
  const props = { 'FileSystem/Type': 'ext4', 'FileSystem/MkfsParams': '-L storhubtst' };

  assert.equal(await f.formatIfNew('v_00000', dev, props), undefined, 'not marked: nothing happens');
  assert.equal(await hasSignature(runner, dev), false);

  await f.markNew('v_00000', 'ext4');
  assert.equal(await f.formatIfNew('v_00000', dev, props), undefined);
  const first = await probe(runner, dev);
  assert.equal(first.TYPE, 'ext4');
  assert.equal(first.LABEL, 'storhubtst');
  assert.match(first.UUID, /^[0-9a-f-]{36}$/);
  assert.equal(await f.isMarked('v_00000'), false, 'the marker is gone once formatted');

  assert.equal(await f.formatIfNew('v_00000', dev, props), undefined);
  // Even marked again (say, a stale marker), a device with a file system is not formatted.
  await f.markNew('v_00000', 'ext4');
  const warn = await f.formatIfNew('v_00000', dev, { 'FileSystem/Type': 'xfs' });
  assert.equal(warn?.severity, 'warn');
  assert.match(warn!.message, /already carries a signature; it was not formatted with xfs/);
  assert.equal((await probe(runner, dev)).UUID, first.UUID);
});

test('xfs formats too', { timeout: 120_000 }, async (t) => {
  const dir = await tempDir(t);
  const dev = await loopDevice(dir, 'x', '320M'); // mkfs.xfs wants 300 MiB
  const f = new NewVolumeFormatter(runner, dir, silent);
  await f.markNew('x_00000', 'xfs');
  assert.equal(await f.formatIfNew('x_00000', dev, { 'FileSystem/Type': 'xfs' }), undefined);
  assert.equal((await probe(runner, dev)).TYPE, 'xfs');
});

test('through the satellite: a new volume is formatted on the first full sync, not again; an old one never', { timeout: 120_000 }, async (t) => {
  const dir = await tempDir(t);
  const sat = new Satellite({
    nodeName: 'alpha', runner, logger: silent, stateDir: join(dir, 'state'), pollMs: 0,
    providers: new Map([['FILE_THIN', new LoopProvider(dir)]]), layers: new Map<LayerKind, never>(), detectors: [detectAll(['FILE_THIN'])],
  });
  await sat.start();
  t.after(() => sat.close());
  const P = pool('DfltStorPool', dir);
  const fs = { 'FileSystem/Type': 'ext4' };

  // 'old' exists before anyone asks for a file system on it.
  let r = await sat.applyUpdate(full(1, [P], [rsc('old', [vol(0, 16384)])]));
  assert.equal(r.status, 'applied');
  r = await sat.applyUpdate(full(2, [P], [rsc('old', [vol(0, 16384, 'DfltStorPool', fs)]), rsc('new', [vol(0, 16384, 'DfltStorPool', fs)])]));
  assert.equal(r.status, 'applied');
  const report = r.status === 'applied' ? r.report : undefined;
  assert.deepEqual(report!.resources.flatMap((x) => x.reports), []);
  const devOf = (name: string) => report!.resources.find((x) => x.name === name)!.volumes[0].device_path!;
  assert.match(devOf('new'), /^\/dev\/loop\d+$/);
  const uuid = (await probe(runner, devOf('new'))).UUID;
  assert.match(uuid, /^[0-9a-f-]{36}$/);
  assert.equal(await hasSignature(runner, devOf('old')), false, 'the volume that already existed is not formatted');

  r = await sat.applyUpdate(full(3, [P], [rsc('old', [vol(0, 16384, 'DfltStorPool', fs)]), rsc('new', [vol(0, 16384, 'DfltStorPool', fs)])]));
  assert.equal(r.status, 'applied');
  assert.equal((await probe(runner, devOf('new'))).UUID, uuid, 'not formatted again');

  r = await sat.applyUpdate(full(4, [P], []));
  assert.deepEqual(r.status === 'applied' && r.report.removed_resources, ['new', 'old']);
  assert.deepEqual((await readdir(dir)).filter((n) => n.endsWith('.img')), []);
});
