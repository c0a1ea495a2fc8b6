/**
 * LVM / LVM_THIN argv builders (exact) and parsers against recorded real lvm2 output
 * (test/fixtures/commands/lvm/README.md says where each file comes from), plus provider flows
 * driven by the same recordings through RecordedRunner.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { RecordedRunner } from '../src/exec/recorded.js';
import { StorhubError } from '../src/model/errors.js';
import type { DesiredPool } from '../src/satellite/protocol.js';
import * as cmd from '../src/satellite/providers/lvm/commands.js';
import { isThinPool, parseLvs, parsePercent, parseReport, parseVgs, thinPoolUsage } from '../src/satellite/providers/lvm/parse.js';
import { LvmProvider } from '../src/satellite/providers/lvm/provider.js';
import type { ProviderContext } from '../src/satellite/providers/provider.js';
import { silent } from './helpers.js';

const dir = fileURLToPath(new URL('../../../test/fixtures/commands/lvm/', import.meta.url));
const fx = (name: string) => readFileSync(dir + name, 'utf8');
const R = ['--noheadings', '--nosuffix', '--units', 'b', '--separator', ';'];

test('lvm argv builders are exact', () => {
  const o = { config: 'global{activation=0}' };
  assert.deepEqual(cmd.lvsArgv({}, 'vg0'), ['lvs', ...R, '-o', 'lv_name,lv_size,data_percent,pool_lv,lv_attr', 'vg0']);
  assert.deepEqual(cmd.lvsArgv(o, 'vg0'), ['lvs', '--config', 'global{activation=0}', ...R, '-o', 'lv_name,lv_size,data_percent,pool_lv,lv_attr', 'vg0']);
  assert.deepEqual(cmd.vgsArgv({}, 'vg0'), ['vgs', ...R, '-o', 'vg_name,vg_size,vg_free,vg_extent_size', 'vg0']);
  assert.deepEqual(cmd.lvcreateArgv({}, 'vg0', 'r1_00000', 10241, ['--type', 'raid1', '-m', '1']),
    ['lvcreate', '--name', 'r1_00000', '--size', '10241k', '--yes', '--type', 'raid1', '-m', '1', 'vg0']);
  assert.deepEqual(cmd.lvcreateThinArgv(o, 'vg0', 'tp', 'r1_00000', 2048, ['-Zn']),
    ['lvcreate', '--config', 'global{activation=0}', '--name', 'r1_00000', '--virtualsize', '2048k', '--thinpool', 'vg0/tp', '--yes', '-Zn']);
  assert.deepEqual(cmd.lvresizeArgv({}, 'vg0', 'r1_00000', 4096), ['lvresize', '--size', '4096k', 'vg0/r1_00000']);
  assert.deepEqual(cmd.lvremoveArgv({}, 'vg0', 'r1_00000'), ['lvremove', '--force', 'vg0/r1_00000']);
});

test('vgs and lvs reports parse (recorded lvm2 2.03.16 output)', () => {
  assert.deepEqual(parseVgs(fx('vgs-shrec.txt')), [{ name: 'shrec', sizeBytes: 264241152, freeBytes: 234881024, extentBytes: 4194304 }]);
  assert.deepEqual(parseVgs(fx('vgs-missing.stdout')), []);
  assert.deepEqual(parseLvs(fx('lvs-shrec.txt')), [
    { name: 'other', sizeBytes: 8388608, dataPercent: undefined, poolLv: '', attr: '-wi-XX----' },
    { name: 'res1_00000', sizeBytes: 20971520, dataPercent: undefined, poolLv: '', attr: '-wi-XX----' },
  ]);
  const thin = parseLvs(fx('lvs-shthin.txt'));
  assert.deepEqual(thin.map((l) => [l.name, l.sizeBytes, l.poolLv, isThinPool(l)]), [
    ['plain', 8388608, '', false],
    ['res1_00000', 12582912, 'tp', false],
    ['res2_00001', 1073741824, 'tp', false],
    ['tp', 104857600, '', true],
  ]);
  const [tp] = parseReport(fx('lvs-shthin-tp.txt'), ['lv_name', 'lv_size', 'data_percent', 'metadata_percent', 'lv_attr']);
  assert.deepEqual(tp, { lv_name: 'tp', lv_size: '104857600', data_percent: '', metadata_percent: '', lv_attr: 'twi---tz--' });
  assert.throws(() => parseReport(fx('lvs-shrec.txt'), ['lv_name', 'lv_size']), /has 5 columns, expected 2/);
});

test('thin pool usage from public real output (LINSTOR issue #80) and the empty-percentage case', () => {
  const fields = ['lv_name', 'lv_size', 'data_percent'];
  const row = (text: string) => {
    const [r] = parseReport(text, fields);
    return { name: r.lv_name, sizeBytes: Number(r.lv_size), dataPercent: parsePercent(r.data_percent), poolLv: '', attr: 'twi-aotz--' };
  };
  const active = row(fx('lvs-thinpool-linstor-issue80.txt'));
  assert.equal(active.dataPercent, 0);
  assert.deepEqual(thinPoolUsage(active, 1), { total_kib: 9766277120, free_kib: 9766277120 });

  const noPercent = row(fx('lvs-thinpool-linstor-issue80-no-percent.txt'));
  assert.equal(noPercent.dataPercent, undefined, 'an empty field is unknown, not 0');
  assert.deepEqual(thinPoolUsage(noPercent, 0), { total_kib: 9766277120, free_kib: 9766277120 }, 'a pool without thin LVs holds no data');
  assert.throws(() => thinPoolUsage(noPercent, 1), /reports no data usage for thin pool 'hdd-pool'/);

  // lvmthin(7): "pool0 20.00g 13.48" -> 13.48 % of 20 GiB used = 2826960.9 KiB, counted up.
  assert.deepEqual(thinPoolUsage({ ...active, sizeBytes: 20 * 2 ** 30, dataPercent: parsePercent('13.48') }, 2),
    { total_kib: 20971520, free_kib: 20971520 - 2826961 });
  assert.throws(() => parsePercent('abc'), /not a percentage/);
});

function ctxWith(runner: RecordedRunner): ProviderContext {
  return { runner, log: silent, stateDir: '/nonexistent' };
}
const thinPool: DesiredPool = { name: 'tp1', provider_kind: 'LVM_THIN', props: { 'StorDriver/StorPoolName': 'shthin/tp' } };
const thickPool: DesiredPool = { name: 'vg1', provider_kind: 'LVM', props: { 'StorDriver/StorPoolName': 'shthin' } };
const lvsShthin = ['lvs', ...R, '-o', 'lv_name,lv_size,data_percent,pool_lv,lv_attr', 'shthin'];

test('LVM_THIN resize: lvs, lvresize, lvs again (recorded real output)', async () => {
  const runner = new RecordedRunner([
    { argv: lvsShthin, result: { stdout: fx('lvs-shthin.txt') }, times: 1 },
    { argv: ['lvresize', '--size', '30000k', 'shthin/res1_00000'], result: { stdout: fx('lvresize-thin.stdout'), stderr: fx('lvresize-thin.stderr') } },
    { argv: lvsShthin, result: { stdout: fx('lvs-shthin-after-resize.txt') } },
  ]);
  const v = await new LvmProvider(true, { config: '' }).resizeVolume(ctxWith(runner), thinPool, { name: 'res1_00000', size_kib: 30000, props: {} });
  assert.deepEqual(v, { name: 'res1_00000', device_path: '/dev/shthin/res1_00000', allocated_kib: 32768, usable_kib: 32768 });
  assert.deepEqual(runner.calls.map((c) => c[0]), ['lvs', 'lvresize', 'lvs']);
});

test('LVM and LVM_THIN pools in one VG never claim each other\'s volumes', async () => {
  const runner = new RecordedRunner([{ argv: lvsShthin, result: { stdout: fx('lvs-shthin.txt') } }]);
  const ctx = ctxWith(runner);
  const thin = new LvmProvider(true, { config: '' });
  const thick = new LvmProvider(false, { config: '' });
  assert.deepEqual((await thin.listVolumes(ctx, thinPool)).map((v) => v.name), ['res1_00000', 'res2_00001']);
  assert.deepEqual(await thick.listVolumes(ctx, thickPool), [], "'plain' is not a Storhub name; the res* LVs are thin");
  await assert.rejects(thick.createVolume(ctx, thickPool, { name: 'res1_00000', size_kib: 1024, props: {} }), (e: unknown) =>
    e instanceof StorhubError && e.code === 'FAIL_IN_USE' && /does not belong to this LVM pool/.test(e.message));
  await assert.rejects(thin.capacity(ctx, thinPool), /reports no data usage/, 'inactive pool with thin LVs: usage unknown');
  assert.ok(runner.calls.every((c) => c[0] === 'lvs'), 'nothing but reads');
});

test('LVM checkConfig turns the recorded "VG not found" answer into a report', async () => {
  const runner = new RecordedRunner([{
    argv: ['vgs', ...R, '-o', 'vg_name,vg_size,vg_free,vg_extent_size', 'shrec_missing'],
    result: { exitCode: 5, stdout: fx('vgs-missing.stdout'), stderr: fx('vgs-missing.stderr') },
  }]);
  const pool: DesiredPool = { name: 'p', provider_kind: 'LVM', props: { 'StorDriver/StorPoolName': 'shrec_missing' } };
  const [r] = await new LvmProvider(false, { config: '' }).checkConfig(ctxWith(runner), pool);
  assert.equal(r.message, "Volume group 'shrec_missing' not found.");
  assert.equal(r.correction, "Create it (vgcreate shrec_missing <devices>) or fix StorDriver/StorPoolName of storage pool 'p'.");
  assert.match(r.details ?? '', /exit code 5: .*Volume group "shrec_missing" not found/);
});
