/**
 * The provider registry and detection: against this machine's real tools (whatever it has, the
 * answer must agree with what the tools themselves say), and against recorded answers for the
 * cases this machine cannot show (everything present; everything missing).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { LocalRunner } from '../src/exec/local.js';
import { RecordedRunner } from '../src/exec/recorded.js';
import { CommandError, type CommandRunner } from '../src/exec/runner.js';
import { PROVIDER_KINDS } from '../src/model/enums.js';
import { StorhubError } from '../src/model/errors.js';
import { DISKLESS_REPORTED_CAPACITY_KIB } from '../src/satellite/providers/diskless/provider.js';
import { createProviders, detectProviders, providerFor } from '../src/satellite/providers/registry.js';
import { silent } from './helpers.js';

test('createProviders has one provider per kind, each of its own kind', () => {
  const reg = createProviders({ lvmConfig: '' });
  assert.deepEqual([...reg.keys()].sort(), [...PROVIDER_KINDS].sort());
  for (const [kind, p] of reg) assert.equal(p.kind, kind);
  assert.equal(providerFor(reg, 'FILE_THIN').kind, 'FILE_THIN');
  assert.throws(() => providerFor(new Map(), 'ZFS'), (e: unknown) => e instanceof StorhubError && e.code === 'FAIL_STLT_DOES_NOT_SUPPORT_PROVIDER');
});

test('DISKLESS: no volumes, "infinite" capacity', async () => {
  const p = providerFor(createProviders(), 'DISKLESS');
  const ctx = { runner: new RecordedRunner(), log: silent, stateDir: '/nonexistent' };
  const pool = { name: 'DfltDisklessStorPool', provider_kind: 'DISKLESS' as const, props: {} };
  assert.deepEqual(await p.checkConfig(ctx, pool), []);
  assert.deepEqual(await p.capacity(ctx, pool), { free_kib: DISKLESS_REPORTED_CAPACITY_KIB, total_kib: DISKLESS_REPORTED_CAPACITY_KIB });
  assert.equal(DISKLESS_REPORTED_CAPACITY_KIB, Number.MAX_SAFE_INTEGER);
  assert.deepEqual(await p.listVolumes(ctx, pool), []);
  await assert.rejects(p.createVolume(ctx, pool, { name: 'r_00000', size_kib: 1, props: {} }), /holds no volumes/);
  await p.deleteVolume(ctx, pool, 'r_00000');
});

const ran = (file: string, ...args: string[]) => spawnSync(file, args, { encoding: 'utf8' });

test('detection on this machine agrees with the tools themselves', async () => {
  const d = await detectProviders(new LocalRunner(), { lvmConfig: '' });
  assert.ok(d.supported.includes('DISKLESS'));
  // losetup, truncate, fallocate and the loop driver are required on every Storhub test machine.
  assert.ok(existsSync('/dev/loop-control'));
  assert.deepEqual(d.supported.filter((k) => k.startsWith('FILE')), ['FILE', 'FILE_THIN']);
  assert.match(d.versions['util-linux'] ?? '', /^\d+\.\d+/);

  const dmWorks = ran('dmsetup', 'version').status === 0;
  if (dmWorks) {
    assert.equal(d.unsupported.LVM, undefined);
  } else {
    assert.deepEqual(d.unsupported.LVM?.filter((r) => /device-mapper/.test(r)).length, 1, 'LVM needs device-mapper to activate LVs');
    assert.ok(d.unsupported.LVM_THIN?.some((r) => /^device-mapper is not available in the kernel \(dmsetup version failed: /.test(r)), String(d.unsupported.LVM_THIN));
    // Metadata-only lvm2 (tests): thick LVM becomes usable, thin still is not.
    const meta = await detectProviders(new LocalRunner(), { lvmConfig: 'global{activation=0}' });
    assert.ok(meta.supported.includes('LVM'));
    assert.ok(!meta.supported.includes('LVM_THIN'));
  }
  const zfsWorks = ran('zfs', 'version').status === 0 && existsSync('/dev/zfs');
  assert.equal(d.supported.includes('ZFS'), zfsWorks);
  assert.equal(d.supported.includes('ZFS_THIN'), zfsWorks);
  if (!zfsWorks) assert.ok((d.unsupported.ZFS ?? []).length > 0);
  if (ran('lvm', 'version').status === 0) assert.match(d.versions.lvm2 ?? '', /^2\.\d+\.\d+/);
});

// losetup/truncate/fallocate/lvm/thin_check answers are this machine's real output; dmsetup's with a
// driver line and zfs's are written in those tools' format (neither works here).
test('detection with every tool present supports every kind', async () => {
  const runner = new RecordedRunner([
    { argv: ['losetup', '--version'], result: { stdout: 'losetup from util-linux 2.38.1\n' } },
    { argv: ['truncate', '--version'], result: { stdout: 'truncate (GNU coreutils) 9.1\n' } },
    { argv: ['fallocate', '--version'], result: { stdout: 'fallocate from util-linux 2.38.1\n' } },
    { argv: ['lvm', 'version'], result: { stdout: '  LVM version:     2.03.16(2) (2022-05-18)\n  Library version: 1.02.185 (2022-05-18)\n' } },
    { argv: ['dmsetup', 'version'], result: { stdout: 'Library version:   1.02.185 (2022-05-18)\nDriver version:    4.48.0\n' } },
    { argv: ['thin_check', '-V'], result: { stdout: '0.9.0\n' } },
    { argv: ['zfs', 'version'], result: { stdout: 'zfs-2.1.11-1\nzfs-kmod-2.1.11-1\n' } },
  ]);
  const d = await detectProviders(runner, { lvmConfig: '', exists: async () => true });
  assert.deepEqual(d.supported, [...PROVIDER_KINDS]);
  assert.deepEqual(d.unsupported, {});
  assert.deepEqual(d.versions, { 'util-linux': '2.38.1', lvm2: '2.03.16(2)', 'thin-provisioning-tools': '0.9.0', zfs: 'zfs-2.1.11-1' });
});

test('detection with nothing installed: every kind but DISKLESS unsupported, with reasons that say what to install', async () => {
  const none: CommandRunner = { run: async (f, a) => { throw new CommandError([f, ...a], undefined, '', '', `spawn ${f} ENOENT`); } };
  const d = await detectProviders(none, { lvmConfig: '', exists: async () => false });
  assert.deepEqual(d.supported, ['DISKLESS']);
  assert.deepEqual(d.unsupported.FILE_THIN, [
    'losetup is not installed (install util-linux)',
    'truncate is not installed (install coreutils)',
    'the kernel has no loop device support (/dev/loop-control is missing; load the loop module)',
  ]);
  assert.deepEqual(d.unsupported.LVM_THIN, [
    'lvm is not installed (install lvm2)',
    'dmsetup is not installed (install dmsetup)',
    'thin_check is not installed (install thin-provisioning-tools)',
  ]);
  assert.deepEqual(d.unsupported.ZFS, ['zfs is not installed (install zfsutils-linux)', 'the zfs kernel module is not loaded (/dev/zfs is missing)']);
  assert.deepEqual(d.unsupported.ZFS_THIN, d.unsupported.ZFS);
  assert.deepEqual(d.versions, {});
});
