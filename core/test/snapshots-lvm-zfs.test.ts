/**
 * LVM_THIN and ZFS snapshots through the RecordedRunner: the exact command lines, in order, answered
 * with real lvm2 output recorded on this machine (thin snapshots written into VG metadata, see
 * test/fixtures/commands/lvm/README.md) and real zfs error output (test/fixtures/commands/zfs/README.md).
 * Thin LVM and ZFS cannot run here (no device-mapper, no zfs module).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RecordedRunner, type Recording } from '../src/exec/recorded.js';
import { CommandError } from '../src/exec/runner.js';
import { StorhubError } from '../src/model/errors.js';
import type { DesiredPool } from '../src/satellite/protocol.js';
import { LvmProvider } from '../src/satellite/providers/lvm/provider.js';
import type { ProviderContext } from '../src/satellite/providers/provider.js';
import { ZfsProvider } from '../src/satellite/providers/zfs/provider.js';
import { silent } from './helpers.js';

const FIX = join(process.cwd(), 'test/fixtures/commands');
const lvmFix = (f: string) => readFileSync(join(FIX, 'lvm', f), 'utf8');
const C = 'global{activation=0}';
const LVS = ['lvs', '--config', C, '--noheadings', '--nosuffix', '--units', 'b', '--separator', ';', '-o', 'lv_name,lv_size,data_percent,pool_lv,lv_attr', 'shsnap'];
const thinPool: DesiredPool = { name: 'thin1', provider_kind: 'LVM_THIN', props: { 'StorDriver/StorPoolName': 'shsnap/tp' } };

/** A recorded failure: the real stdout/stderr of a run that exited `code`. */
const failed = (name: string, code: number): Recording['result'] => ({ exitCode: code, stdout: lvmFix(`${name}.stdout`), stderr: lvmFix(`${name}.stderr`) });

function lvmSetup(recordings: Recording[]) {
  const runner = new RecordedRunner(recordings);
  const ctx: ProviderContext = { runner, log: silent, stateDir: '/nonexistent' };
  return { runner, ctx, p: new LvmProvider(true, { config: C }) };
}

test('LVM_THIN: snapshots are listed from a real lvs report; taking an existing one runs nothing', async () => {
  const { runner, ctx, p } = lvmSetup([{ argv: LVS, result: { stdout: lvmFix('lvs-shsnap.txt') } }]);
  assert.equal(p.supportsSnapshots, true);
  assert.deepEqual(await p.listSnapshots(ctx, thinPool), [
    { name: 'res1_00000_snap1', allocated_kib: undefined },
    { name: 'res1_00000_snap_00002', allocated_kib: undefined },
  ], 'inactive snapshots report no data_percent: unknown, not 0');
  assert.deepEqual(await p.createSnapshot(ctx, thinPool, 'res1_00000', 'snap1'), { name: 'res1_00000_snap1', allocated_kib: undefined });
  assert.deepEqual(runner.calls, [LVS, LVS]);
  // `res1_00000_snap_00002` also has the form of a volume name (resource "res1_00000_snap", volume 2):
  // lvm2 cannot tell it from one, which is why the engine's sweeps never touch a wanted snapshot name.
  assert.deepEqual((await p.listVolumes(ctx, thinPool)).map((v) => v.name), ['res1_00000', 'res1_00000_snap_00002']);
});

test('LVM_THIN: snapshot argv, and lvm2\'s own refusal passed on', async () => {
  const snapArgv = ['lvcreate', '--config', C, '--snapshot', '--name', 'res1_00000_snap1', 'shsnap/res1_00000'];
  const { runner, ctx, p } = lvmSetup([
    { argv: LVS, result: { stdout: lvmFix('lvs-shsnap-after-merge.txt') }, times: 1 },
    { argv: snapArgv, result: {}, times: 1 },
    { argv: LVS, result: { stdout: lvmFix('lvs-shsnap.txt') } },
  ]);
  assert.deepEqual(await p.createSnapshot(ctx, thinPool, 'res1_00000', 'snap1'), { name: 'res1_00000_snap1', allocated_kib: undefined });
  assert.deepEqual(runner.calls, [LVS, snapArgv, LVS]);

  const snap3 = ['lvcreate', '--config', C, '--snapshot', '--name', 'res1_00000_snap3', 'shsnap/res1_00000'];
  const r2 = lvmSetup([{ argv: LVS, result: { stdout: lvmFix('lvs-shsnap.txt') } }, { argv: snap3, result: failed('lvcreate-snapshot-thin', 5) }]);
  await assert.rejects(r2.p.createSnapshot(r2.ctx, thinPool, 'res1_00000', 'snap3'), (e: unknown) => {
    assert.ok(e instanceof CommandError);
    assert.deepEqual(e.argv, snap3);
    assert.match(e.stderr, /Can't create thin without using device-mapper kernel driver/);
    return true;
  });
  await assert.rejects(r2.p.createSnapshot(r2.ctx, thinPool, 'res9_00000', 's'), (e: unknown) => e instanceof StorhubError && e.code === 'FAIL_NOT_FOUND_VLM');
});

test('LVM_THIN: delete runs lvremove on the snapshot LV only when it exists', async () => {
  const rm = ['lvremove', '--config', C, '--force', 'shsnap/res1_00000_snap_00002'];
  const { runner, ctx, p } = lvmSetup([{ argv: LVS, result: { stdout: lvmFix('lvs-shsnap.txt') } }, { argv: rm, result: failed('lvremove-snapshot-thin', 5) }]);
  await assert.rejects(p.deleteSnapshot(ctx, thinPool, 'res1_00000', 'snap_00002'), /Cannot activate thin pool shsnap\/tp/);
  await p.deleteSnapshot(ctx, thinPool, 'res1_00000', 'gone');
  assert.deepEqual(runner.calls, [LVS, rm, LVS], 'a missing snapshot needs no lvremove');
});

test('LVM_THIN: restore is a thin snapshot of the snapshot, activation skip cleared, then activated', async () => {
  const create = ['lvcreate', '--config', C, '--snapshot', '--setactivationskip', 'n', '--name', 'res2_00000', 'shsnap/res1_00000_snap1'];
  const activate = ['lvchange', '--config', C, '--activate', 'y', '--ignoreactivationskip', 'shsnap/res2_00000'];
  const { runner, ctx, p } = lvmSetup([
    { argv: LVS, result: { stdout: lvmFix('lvs-shsnap.txt') }, times: 1 },
    { argv: create, result: {} },
    { argv: activate, result: { stderr: lvmFix('lvchange-activate.stderr') } },
    { argv: LVS, result: { stdout: lvmFix('lvs-shsnap-restored.txt') } },
  ]);
  const v = await p.restoreVolume(ctx, thinPool, { volume: 'res1_00000', snapshot: 'snap1' }, { name: 'res2_00000', size_kib: 12288, props: {} });
  assert.deepEqual(v, { name: 'res2_00000', device_path: '/dev/shsnap/res2_00000', allocated_kib: 12288, usable_kib: 12288 });
  assert.deepEqual(runner.calls, [LVS, create, activate, LVS]);

  // The volume exists now: restoring again would overwrite it.
  await assert.rejects(p.restoreVolume(ctx, thinPool, { volume: 'res1_00000', snapshot: 'snap1' }, { name: 'res2_00000', size_kib: 1, props: {} }),
    (e: unknown) => e instanceof StorhubError && e.code === 'FAIL_EXISTS_RSC');
  await assert.rejects(p.restoreVolume(ctx, thinPool, { volume: 'res1_00000', snapshot: 'nope' }, { name: 'res3_00000', size_kib: 1, props: {} }),
    (e: unknown) => e instanceof StorhubError && e.code === 'FAIL_NOT_FOUND_SNAPSHOT' && /thin pool 'shsnap\/tp'/.test(e.message));
});

test('LVM_THIN: rollback deactivates, merges, takes the snapshot again and activates — in that order', async () => {
  const off = ['lvchange', '--config', C, '--activate', 'n', 'shsnap/res1_00000'];
  const merge = ['lvconvert', '--config', C, '--merge', 'shsnap/res1_00000_snap1'];
  const again = ['lvcreate', '--config', C, '--snapshot', '--name', 'res1_00000_snap1', 'shsnap/res1_00000'];
  const on = ['lvchange', '--config', C, '--activate', 'y', '--ignoreactivationskip', 'shsnap/res1_00000'];
  const ok = lvmSetup([
    { argv: LVS, result: { stdout: lvmFix('lvs-shsnap.txt') } },
    { argv: off, result: { stderr: lvmFix('lvchange-deactivate.stderr') } },
    { argv: merge, result: {} }, { argv: again, result: {} }, { argv: on, result: {} },
  ]);
  await ok.p.rollback(ok.ctx, thinPool, 'res1_00000', 'snap1');
  assert.deepEqual(ok.runner.calls, [LVS, off, merge, again, on]);

  // The merge fails (real lvm2 output): the volume is activated again and the merge error is what is thrown.
  const bad = lvmSetup([
    { argv: LVS, result: { stdout: lvmFix('lvs-shsnap.txt') } },
    { argv: off, result: {} }, { argv: merge, result: failed('lvconvert-merge-thin', 5) }, { argv: on, result: {} },
  ]);
  await assert.rejects(bad.p.rollback(bad.ctx, thinPool, 'res1_00000', 'snap1'), (e: unknown) => {
    assert.ok(e instanceof CommandError);
    assert.deepEqual(e.argv, merge);
    assert.match(e.stderr, /Failed to update pool shsnap\/tp/);
    return true;
  });
  assert.deepEqual(bad.runner.calls, [LVS, off, merge, on]);

  const missing = lvmSetup([{ argv: LVS, result: { stdout: lvmFix('lvs-shsnap-after-merge.txt') } }]);
  await assert.rejects(missing.p.rollback(missing.ctx, thinPool, 'res1_00000', 'snap1'), (e: unknown) => e instanceof StorhubError && e.code === 'FAIL_NOT_FOUND_SNAPSHOT');
  assert.deepEqual(missing.runner.calls, [LVS], 'nothing is deactivated for a snapshot that is not there');
});

test('LVM (thick) has no snapshots: every operation refuses with the kinds that can', async () => {
  const runner = new RecordedRunner();
  const ctx: ProviderContext = { runner, log: silent, stateDir: '/nonexistent' };
  const p = new LvmProvider(false, { config: C });
  const pool: DesiredPool = { name: 'thick1', provider_kind: 'LVM', props: { 'StorDriver/StorPoolName': 'shrec' } };
  assert.equal(p.supportsSnapshots, false);
  for (const op of [
    () => p.createSnapshot(ctx, pool, 'r_00000', 's'), () => p.listSnapshots(ctx, pool), () => p.rollback(ctx, pool, 'r_00000', 's'),
    () => p.restoreVolume(ctx, pool, { volume: 'r_00000', snapshot: 's' }, { name: 'q_00000', size_kib: 1, props: {} }),
  ]) {
    await assert.rejects(op(), (e: unknown) => {
      assert.ok(e instanceof StorhubError);
      assert.equal(e.code, 'FAIL_SNAPSHOTS_NOT_SUPPORTED');
      assert.equal(e.message, "Storage pool 'thick1' uses provider LVM, which cannot take snapshots.");
      assert.match(e.info.correction ?? '', /LVM_THIN, ZFS, ZFS_THIN, FILE, FILE_THIN/);
      return true;
    });
  }
  assert.deepEqual(runner.calls, []);
});

// --- ZFS ---

const zpool: DesiredPool = { name: 'zp', provider_kind: 'ZFS_THIN', props: { 'StorDriver/StorPoolName': 'tank/storhub' } };
const ZLIST = ['zfs', 'list', '-H', '-p', '-t', 'snapshot', '-d', '2', '-o', 'name,used,refer,defer_destroy,storhub:managed', 'tank/storhub'];
const ZVOLS = ['zfs', 'list', '-H', '-p', '-t', 'volume', '-d', '1', '-o', 'name,volsize,used,refer,volblocksize', 'tank/storhub'];
// Constructed in the `zfs list -H -p` format (see test/fixtures/commands/zfs/README.md): a Storhub
// snapshot, a temporary clone snapshot waiting for its clone, a zfs-auto-snapshot one, a snapshot of
// the pool dataset itself, one of a foreign zvol, and a nested dataset's.
const SNAPS = [
  'tank/storhub@before-upgrade\t0\t98304\toff\t-',
  'tank/storhub/r1_00000@snap1\t65536\t1048576\toff\tyes',
  'tank/storhub/r1_00000@clone.r2\t0\t1048576\ton\tyes',
  'tank/storhub/r1_00000@zfs-auto-snap_daily-2019-02-21-0508\t0\t1048576\toff\t-',
  'tank/storhub/vm-101-disk-0@snap1\t0\t4096\toff\t-',
  'tank/storhub/nested/r1_00000@snap1\t0\t4096\toff\tyes',
].join('\n') + '\n';
const ZV = 'tank/storhub/r1_00000\t1073741824\t1114112\t1114112\t16384\ntank/storhub/r2_00000\t1073741824\t0\t0\t16384\n';

function zfsSetup(recordings: Recording[]) {
  const runner = new RecordedRunner(recordings);
  return { runner, ctx: { runner, log: silent, stateDir: '/nonexistent' } as ProviderContext, p: new ZfsProvider(true) };
}

test('ZFS: only Storhub snapshots of Storhub zvols are listed; a foreign one is marked and never destroyed', async () => {
  const { runner, ctx, p } = zfsSetup([{ argv: ZLIST, result: { stdout: SNAPS } }]);
  assert.deepEqual(await p.listSnapshots(ctx, zpool), [
    { name: 'r1_00000_snap1', volume: 'r1_00000', snapshot: 'snap1', allocated_kib: 64 },
    { name: 'r1_00000_zfs-auto-snap_daily-2019-02-21-0508', volume: 'r1_00000', snapshot: 'zfs-auto-snap_daily-2019-02-21-0508', allocated_kib: 0, foreign: true },
  ]);
  await assert.rejects(p.deleteSnapshot(ctx, zpool, 'r1_00000', 'zfs-auto-snap_daily-2019-02-21-0508'), (e: unknown) =>
    e instanceof StorhubError && /was not made by Storhub \(no storhub:managed property\); it is left alone/.test(e.message));
  await p.deleteSnapshot(ctx, zpool, 'r1_00000', 'clone.r2'); // already waiting for its clone: nothing to do
  assert.deepEqual(runner.calls, [ZLIST, ZLIST, ZLIST]);
});

test('ZFS: snapshot, deferred destroy, clone for restore, rollback: exact argv', async () => {
  const snap = ['zfs', 'snapshot', '-o', 'storhub:managed=yes', 'tank/storhub/r1_00000@snap2'];
  const destroy = ['zfs', 'destroy', '-d', 'tank/storhub/r1_00000@snap1'];
  const clone = ['zfs', 'clone', 'tank/storhub/r1_00000@snap1', 'tank/storhub/r3_00000'];
  const rollback = ['zfs', 'rollback', 'tank/storhub/r1_00000@snap1'];
  const after = SNAPS + 'tank/storhub/r1_00000@snap2\t0\t1048576\toff\tyes\n';
  const { runner, ctx, p } = zfsSetup([
    { argv: ZLIST, result: { stdout: SNAPS }, times: 1 },
    { argv: ZVOLS, result: { stdout: ZV }, times: 1 },
    { argv: snap, result: {} },
    { argv: ZLIST, result: { stdout: after }, times: 1 },
  ]);
  assert.deepEqual(await p.createSnapshot(ctx, zpool, 'r1_00000', 'snap2'), { name: 'r1_00000_snap2', volume: 'r1_00000', snapshot: 'snap2', allocated_kib: 0 });
  assert.deepEqual(runner.calls, [ZLIST, ZVOLS, snap, ZLIST]);

  const d = zfsSetup([{ argv: ZLIST, result: { stdout: SNAPS } }, { argv: destroy, result: {} }]);
  await d.p.deleteSnapshot(d.ctx, zpool, 'r1_00000', 'snap1');
  assert.deepEqual(d.runner.calls, [ZLIST, destroy]);

  const ZV3 = ZV + 'tank/storhub/r3_00000\t1073741824\t0\t1114112\t16384\n';
  const c = zfsSetup([
    { argv: ZVOLS, result: { stdout: ZV }, times: 1 }, { argv: ZLIST, result: { stdout: SNAPS } },
    { argv: clone, result: {} }, { argv: ZVOLS, result: { stdout: ZV3 } },
  ]);
  const v = await c.p.restoreVolume(c.ctx, zpool, { volume: 'r1_00000', snapshot: 'snap1' }, { name: 'r3_00000', size_kib: 1048576, props: {} });
  assert.deepEqual(v, { name: 'r3_00000', device_path: '/dev/zvol/tank/storhub/r3_00000', allocated_kib: 1088, usable_kib: 1048576 });
  assert.deepEqual(c.runner.calls, [ZVOLS, ZLIST, clone, ZVOLS]);
  await assert.rejects(c.p.restoreVolume(c.ctx, zpool, { volume: 'r1_00000', snapshot: 'clone.r2' }, { name: 'r4_00000', size_kib: 1, props: {} }),
    (e: unknown) => e instanceof StorhubError && e.code === 'FAIL_NOT_FOUND_SNAPSHOT', 'a snapshot marked for destruction is gone');

  const r = zfsSetup([{ argv: ZVOLS, result: { stdout: ZV } }, { argv: ZLIST, result: { stdout: SNAPS } }, { argv: rollback, result: {} }]);
  await r.p.rollback(r.ctx, zpool, 'r1_00000', 'snap1');
  assert.deepEqual(r.runner.calls, [ZVOLS, ZLIST, rollback]);
});

test('ZFS: rollback to a snapshot that is not the latest is refused by zfs itself (real output)', async () => {
  const rollback = ['zfs', 'rollback', 'tank/storhub/r1_00000@snap1'];
  const stderr = readFileSync(join(FIX, 'zfs', 'rollback-more-recent-subutai978.stderr'), 'utf8');
  const { ctx, p } = zfsSetup([
    { argv: ZVOLS, result: { stdout: ZV } }, { argv: ZLIST, result: { stdout: SNAPS } }, { argv: rollback, result: { exitCode: 1, stderr } },
  ]);
  await assert.rejects(p.rollback(ctx, zpool, 'r1_00000', 'snap1'), (e: unknown) => {
    assert.ok(e instanceof CommandError);
    assert.equal(e.exitCode, 1);
    assert.match(e.stderr, /more recent snapshots or bookmarks exist/);
    return true;
  });
});
