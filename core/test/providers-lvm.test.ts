/**
 * LVM and LVM_THIN against real lvm2 in metadata-only mode (`--config global{activation=0}`: this
 * machine has no device-mapper, so LVs exist in the VG metadata but no /dev/VG/LV appears).
 * The VG lives on a loop device over a sparse file; everything is removed in t.after.
 * A thin pool cannot be created without device-mapper, so the LVM_THIN test writes one into the
 * VG metadata with vgcfgrestore --force and checks what lvm2 can do with it.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalRunner } from '../src/exec/local.js';
import { CommandError, type CommandRunner, type RunOptions } from '../src/exec/runner.js';
import type { DesiredPool } from '../src/satellite/protocol.js';
import { LvmProvider } from '../src/satellite/providers/lvm/provider.js';
import type { ProviderContext } from '../src/satellite/providers/provider.js';
import { silent } from './helpers.js';

const CONFIG = 'global{activation=0}';
const env = { ...process.env, LVM_SUPPRESS_FD_WARNINGS: '1' };
const lvm = (cmd: string, ...args: string[]) => execFileSync(cmd, args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** Records every argv while running it for real. */
class SpyRunner implements CommandRunner {
  readonly calls: string[][] = [];
  private readonly inner = new LocalRunner();
  run(file: string, args: readonly string[], opts?: RunOptions) {
    this.calls.push([file, ...args]);
    return this.inner.run(file, args, opts);
  }
}

function vgSetup(t: TestContext): { vg: string; pv: string } {
  const dir = mkdtempSync(join(tmpdir(), 'storhub-lvm-'));
  const vg = `storhub_t_${randomBytes(4).toString('hex')}`;
  execFileSync('truncate', ['--size', '256M', join(dir, 'pv.img')]);
  const pv = execFileSync('losetup', ['--find', '--show', join(dir, 'pv.img')], { encoding: 'utf8' }).trim();
  t.after(() => {
    const vgs = lvm('vgs', '--noheadings', '-o', 'vg_name');
    if (vgs.split('\n').some((l) => l.trim() === vg)) lvm('vgremove', '--config', CONFIG, '--force', vg);
    if (lvm('pvs', '--noheadings', '-o', 'pv_name').includes(pv)) lvm('pvremove', '--yes', pv);
    execFileSync('losetup', ['--detach', pv]);
    rmSync(dir, { recursive: true, force: true });
  });
  lvm('pvcreate', pv);
  lvm('vgcreate', vg, pv);
  return { vg, pv };
}

/** The LVs lvm2 itself reports, name -> size in bytes. */
function lvSizes(vg: string): Record<string, number> {
  const out = lvm('lvs', '--noheadings', '--nosuffix', '--units', 'b', '--separator', ';', '-o', 'lv_name,lv_size', vg);
  return Object.fromEntries(out.split('\n').filter((l) => l.trim()).map((l) => {
    const [n, s] = l.trim().split(';');
    return [n, Number(s)];
  }));
}

const req = (name: string, size_kib: number, props: Record<string, string> = {}) => ({ name, size_kib, props });

test('LVM: real lvcreate/lvresize/lvs/vgs/lvremove through the provider (metadata-only lvm2)', async (t) => {
  const { vg } = vgSetup(t);
  const runner = new SpyRunner();
  const ctx: ProviderContext = { runner, log: silent, stateDir: tmpdir() };
  const pool: DesiredPool = { name: 'lvmpool', provider_kind: 'LVM', props: { 'StorDriver/StorPoolName': vg } };
  const p = new LvmProvider(false, { config: CONFIG });

  assert.deepEqual(await p.checkConfig(ctx, pool), []);
  lvm('lvcreate', '--config', CONFIG, '--name', 'other', '--size', '8m', vg); // not Storhub's: never touched

  const v = await p.createVolume(ctx, pool, req('res1_00000', 10241));
  assert.deepEqual(v, { name: 'res1_00000', device_path: `/dev/${vg}/res1_00000`, allocated_kib: 12288, usable_kib: 12288 },
    '10241 KiB is rounded up to whole 4 MiB extents, and the real size is reported');
  assert.equal(lvSizes(vg).res1_00000, 12 * 1024 * 1024);
  assert.ok(runner.calls.some((c) => c.join(' ') === `lvcreate --config ${CONFIG} --name res1_00000 --size 10241k --yes ${vg}`));

  const before = runner.calls.length;
  assert.deepEqual(await p.createVolume(ctx, pool, req('res1_00000', 10241)), v, 'create is idempotent');
  assert.ok(!runner.calls.slice(before).some((c) => c[0] === 'lvcreate'), 'no second lvcreate');

  await p.createVolume(ctx, pool, req('res2_00001', 4096, { 'StorDriver/LvcreateOptions': '--addtag storhub_test' }));
  const tags = lvm('lvs', '--noheadings', '-o', 'lv_tags', `${vg}/res2_00001`).trim();
  assert.equal(tags, 'storhub_test', 'StorDriver/LvcreateOptions reach lvcreate');

  const grown = await p.resizeVolume(ctx, pool, req('res1_00000', 20000));
  assert.equal(grown.usable_kib, 20480);
  assert.equal(lvSizes(vg).res1_00000, 20 * 1024 * 1024);
  assert.equal((await p.resizeVolume(ctx, pool, req('res1_00000', 100))).usable_kib, 20480, 'never shrinks');

  assert.deepEqual((await p.listVolumes(ctx, pool)).map((x) => [x.name, x.usable_kib]), [['res1_00000', 20480], ['res2_00001', 4096]]);

  const cap = await p.capacity(ctx, pool);
  const [size, free] = lvm('vgs', '--noheadings', '--nosuffix', '--units', 'k', '--separator', ';', '-o', 'vg_size,vg_free', vg).trim().split(';').map(Number);
  assert.deepEqual(cap, { total_kib: size, free_kib: free });
  assert.equal(cap.free_kib, cap.total_kib - 20480 - 4096 - 8192);

  await p.deleteVolume(ctx, pool, 'res1_00000');
  await p.deleteVolume(ctx, pool, 'res2_00001');
  await p.deleteVolume(ctx, pool, 'res2_00001'); // already gone: not an error
  assert.deepEqual(lvSizes(vg), { other: 8 * 1024 * 1024 }, 'only the foreign LV is left');
  await assert.rejects(p.deleteVolume(ctx, pool, 'other'), /not a Storhub volume name/);
});

test('LVM: a missing VG, a bad pool name or a missing lvm2 is a report, not a crash', async () => {
  const ctx: ProviderContext = { runner: new LocalRunner(), log: silent, stateDir: tmpdir() };
  const p = new LvmProvider(false, { config: CONFIG });
  const pool = (name: string): DesiredPool => ({ name: 'lvmpool', provider_kind: 'LVM', props: { 'StorDriver/StorPoolName': name } });

  const [missing] = await p.checkConfig(ctx, pool('storhub_no_such_vg'));
  assert.equal(missing.severity, 'error');
  assert.equal(missing.message, "Volume group 'storhub_no_such_vg' not found.");
  assert.match(missing.correction ?? '', /vgcreate storhub_no_such_vg .*StorDriver\/StorPoolName/);
  assert.match(missing.details ?? '', /exit code 5/);
  await assert.rejects(p.capacity(ctx, pool('storhub_no_such_vg')), (e: unknown) => e instanceof CommandError && e.exitCode === 5);

  const [slash] = await p.checkConfig(ctx, pool('vg/thin'));
  assert.match(slash.message, /is not a volume group name/);

  const noLvm: ProviderContext = { ...ctx, runner: { run: (f, a) => new LocalRunner().run(`/nonexistent/${f}`, a) } };
  const [tool] = await p.checkConfig(noLvm, pool('vg0'));
  assert.match(tool.message, /is not installed/);
  assert.equal(tool.correction, 'Install lvm2.');
});

test('LVM_THIN: real lvm2 on a VG with a thin pool (metadata only): list, resize, config checks; create needs device-mapper', async (t) => {
  const { vg } = vgSetup(t);
  writeThinPool(vg);
  const runner = new SpyRunner();
  const ctx: ProviderContext = { runner, log: silent, stateDir: tmpdir() };
  const pool: DesiredPool = { name: 'thinpool', provider_kind: 'LVM_THIN', props: { 'StorDriver/StorPoolName': `${vg}/tp` } };
  const p = new LvmProvider(true, { config: CONFIG });

  assert.deepEqual(await p.checkConfig(ctx, pool), []);
  const [plain] = await p.checkConfig(ctx, { ...pool, props: { 'StorDriver/StorPoolName': `${vg}/plain` } });
  assert.equal(plain.message, `'${vg}/plain' is not a thin pool (lv_attr -wi-XX----).`);
  const [none] = await p.checkConfig(ctx, { ...pool, props: { 'StorDriver/StorPoolName': `${vg}/nope` } });
  assert.equal(none.message, `Thin pool '${vg}/nope' not found.`);
  const [bad] = await p.checkConfig(ctx, { ...pool, props: { 'StorDriver/StorPoolName': vg } });
  assert.match(bad.message, /is not VG\/THINPOOL/);

  // Only the thin LVs of this pool; the plain LV of the same VG belongs to no thin pool.
  assert.deepEqual(await p.listVolumes(ctx, pool), [
    // Inactive pool: lvm2 reports no data%, so allocation counts as the full size.
    { name: 'res1_00000', device_path: `/dev/${vg}/res1_00000`, allocated_kib: 12288, usable_kib: 12288 },
    { name: 'res2_00001', device_path: `/dev/${vg}/res2_00001`, allocated_kib: 1048576, usable_kib: 1048576 },
  ]);
  const grown = await p.resizeVolume(ctx, pool, req('res1_00000', 30000));
  assert.equal(grown.usable_kib, 32768);
  assert.equal(lvSizes(vg).res1_00000, 32 * 1024 * 1024);
  await assert.rejects(p.capacity(ctx, pool), /reports no data usage for thin pool 'tp'/);

  await assert.rejects(p.createVolume(ctx, pool, req('res3_00000', 10241)), (e: unknown) => {
    assert.ok(e instanceof CommandError);
    assert.equal(e.exitCode, 5);
    assert.match(e.stderr, /Can't create thin without using device-mapper kernel driver/);
    return true;
  });
  const create = runner.calls.find((c) => c[0] === 'lvcreate');
  assert.deepEqual(create, ['lvcreate', '--config', CONFIG, '--name', 'res3_00000', '--virtualsize', '10241k', '--thinpool', `${vg}/tp`, '--yes'],
    'lvm2 parsed the whole command line; only the device-mapper step is missing here');
});

/** Adds thin pool `tp` (100 MiB), thin LVs res1_00000 (12 MiB) and res2_00001 (1 GiB), and plain LV `plain`. */
function writeThinPool(vg: string) {
  const dir = mkdtempSync(join(tmpdir(), 'storhub-vgcfg-'));
  try {
    const file = join(dir, 'vg.txt');
    lvm('vgcfgbackup', '--file', file, vg);
    const text = readFileSync(file, 'utf8');
    const end = text.trimEnd().lastIndexOf('}');
    writeFileSync(file, `${text.slice(0, end)}${thinMetadata()}\n}\n`);
    lvm('vgcfgrestore', '--force', '--file', file, vg);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function thinMetadata(): string {
  const id = () => {
    const s = randomBytes(24).toString('base64').replace(/[^A-Za-z0-9]/g, 'x').slice(0, 32);
    return [s.slice(0, 6), s.slice(6, 10), s.slice(10, 14), s.slice(14, 18), s.slice(18, 22), s.slice(22, 26), s.slice(26)].join('-');
  };
  const lv = (name: string, visible: boolean, extents: number, seg: string) => `
\t\t${name} {
\t\t\tid = "${id()}"
\t\t\tstatus = ["READ", "WRITE"${visible ? ', "VISIBLE"' : ''}]
\t\t\tflags = []
\t\t\tsegment_count = 1
\t\t\tsegment1 {
\t\t\t\tstart_extent = 0
\t\t\t\textent_count = ${extents}
${seg}
\t\t\t}
\t\t}`;
  const striped = (pe: number) => `\t\t\t\ttype = "striped"\n\t\t\t\tstripe_count = 1\n\t\t\t\tstripes = ["pv0", ${pe}]`;
  const thin = (devId: number) => `\t\t\t\ttype = "thin"\n\t\t\t\tthin_pool = "tp"\n\t\t\t\ttransaction_id = ${devId - 1}\n\t\t\t\tdevice_id = ${devId}`;
  return `
\tlogical_volumes {
${lv('tp', true, 25, '\t\t\t\ttype = "thin-pool"\n\t\t\t\tmetadata = "tp_tmeta"\n\t\t\t\tpool = "tp_tdata"\n\t\t\t\ttransaction_id = 2\n\t\t\t\tchunk_size = 128\n\t\t\t\tdiscards = "passdown"\n\t\t\t\tzero_new_blocks = 1')}
${lv('res1_00000', true, 3, thin(1))}
${lv('res2_00001', true, 256, thin(2))}
${lv('plain', true, 2, striped(27))}
${lv('tp_tmeta', false, 1, striped(0))}
${lv('tp_tdata', false, 25, striped(1))}
\t}`;
}
