/**
 * ZFS / ZFS_THIN: argv builders (exact), parsers against public real `zfs -H -p` output
 * (test/fixtures/commands/zfs/README.md), and provider flows through RecordedRunner.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { RecordedRunner } from '../src/exec/recorded.js';
import { CommandError, type CommandRunner } from '../src/exec/runner.js';
import type { DesiredPool } from '../src/satellite/protocol.js';
import * as cmd from '../src/satellite/providers/zfs/commands.js';
import { capacityOf, parseBytes, parseProps, parseTable, parseZfsSize, parseZvols, volblocksizeFromOptions } from '../src/satellite/providers/zfs/parse.js';
import { ZfsProvider } from '../src/satellite/providers/zfs/provider.js';
import type { ProviderContext } from '../src/satellite/providers/provider.js';
import { silent } from './helpers.js';

const dir = fileURLToPath(new URL('../../../test/fixtures/commands/zfs/', import.meta.url));
const fx = (name: string) => readFileSync(dir + name, 'utf8');

test('zfs argv builders are exact', () => {
  assert.deepEqual(cmd.listArgv('tank/storhub'), ['zfs', 'list', '-H', '-p', '-t', 'volume', '-d', '1', '-o', 'name,volsize,used,refer,volblocksize', 'tank/storhub']);
  assert.deepEqual(cmd.poolPropsArgv('tank'), ['zfs', 'get', '-H', '-p', '-o', 'name,property,value', 'available,used,type', 'tank']);
  assert.deepEqual(cmd.createArgv('tank', 'r1_00000', 1024, false, []), ['zfs', 'create', '-V', '1024K', 'tank/r1_00000']);
  assert.deepEqual(cmd.createArgv('tank', 'r1_00000', 1024, true, ['-o', 'compression=lz4']), ['zfs', 'create', '-s', '-V', '1024K', '-o', 'compression=lz4', 'tank/r1_00000']);
  assert.deepEqual(cmd.resizeArgv('tank', 'r1_00000', 2048), ['zfs', 'set', 'volsize=2048K', 'tank/r1_00000']);
  assert.deepEqual(cmd.destroyArgv('tank', 'r1_00000'), ['zfs', 'destroy', 'tank/r1_00000']);
});

test('zfs -H -p listings parse (public real output)', () => {
  const space = parseTable(fx('list-Hp-name-space-beszel494.txt'), ['name', 'name2', 'avail', 'used', 'usedsnap', 'usedds', 'usedrefreserv', 'usedchild']);
  assert.equal(space.length, 11);
  const disk = space.find((r) => r.name === 'pm2-2tb-zfs/vm-107-disk-0')!;
  assert.equal(parseBytes(disk.used), 25827737600);
  assert.equal(parseBytes(disk.avail), 1880604655616);

  const vols = parseTable(fx('list-Hp-volume-name-volsize-libvirt.txt'), ['name', 'volsize']);
  assert.deepEqual(vols.map((r) => [r.name, parseBytes(r.volsize)]), [['test/vol1', 5368709120], ['test/vol3', 1073741824], ['test/vol4', 1572864000]]);

  const dash = parseTable(fx('list-Hp-dash-openzfs17938.txt'), ['name', 'used', 'usedds', 'usedrefreserv', 'usedsnap', 'usedchild', 'lrefer']);
  assert.equal(parseBytes(dash[1].usedds), undefined, "'-' is no value, not 0");
  assert.equal(parseBytes(dash[1].used), 3189260421888);
  assert.throws(() => parseZvols(fx('list-Hp-dash-openzfs17938.txt')), /has 7 columns, expected 5/);
  assert.throws(() => parseBytes('1.5G'), /not a byte count/);
});

test('zfs get -H -p parses into pool capacity (public real output)', () => {
  const props = parseProps(fx('get-Hp-all-storage01-nazboard.txt'));
  assert.equal(props.get('type'), 'filesystem');
  assert.equal(props.get('available'), '343996163072');
  assert.deepEqual(capacityOf(props), { free_kib: Math.floor(343996163072 / 1024), total_kib: Math.floor((343996163072 + 8486456597504) / 1024) });
  assert.throws(() => capacityOf(new Map([['available', '-'], ['used', '1']])), /no available\/used/);
});

test('volblocksize from StorDriver/ZfscreateOptions', () => {
  assert.equal(parseZfsSize('8192'), 8192);
  assert.equal(parseZfsSize('16k'), 16384);
  assert.equal(parseZfsSize('128KB'), 131072);
  assert.equal(parseZfsSize('1M'), 1048576);
  assert.throws(() => parseZfsSize('big'), /not a ZFS size/);
  assert.equal(volblocksizeFromOptions(['-b', '64k']), 65536);
  assert.equal(volblocksizeFromOptions(['-b32K']), 32768);
  assert.equal(volblocksizeFromOptions(['-o', 'compression=lz4', '-o', 'volblocksize=8K']), 8192);
  assert.equal(volblocksizeFromOptions(['-o', 'compression=lz4']), undefined);
});

const ctxWith = (runner: CommandRunner): ProviderContext => ({ runner, log: silent, stateDir: '/nonexistent' });
const pool = (dataset: string, kind: 'ZFS' | 'ZFS_THIN' = 'ZFS'): DesiredPool => ({ name: 'zp', provider_kind: kind, props: { 'StorDriver/StorPoolName': dataset } });

test('ZFS checkConfig and capacity on the recorded pool dataset; missing dataset and missing zfs are reports', async () => {
  const ok = new RecordedRunner([{ argv: cmd.poolPropsArgv('storage01'), result: { stdout: fx('get-Hp-all-storage01-nazboard.txt') } }]);
  const p = new ZfsProvider(false);
  assert.deepEqual(await p.checkConfig(ctxWith(ok), pool('storage01')), []);
  assert.equal((await p.capacity(ctxWith(ok), pool('storage01'))).free_kib, Math.floor(343996163072 / 1024));

  const missing = new RecordedRunner([{ argv: cmd.poolPropsArgv('tank/nope'), result: { exitCode: 1, stderr: "cannot open 'tank/nope': dataset does not exist\n" } }]);
  const [r] = await p.checkConfig(ctxWith(missing), pool('tank/nope'));
  assert.equal(r.message, "ZFS dataset 'tank/nope' does not exist.");
  assert.equal(r.correction, "Create it (zpool create tank/nope <devices>, or zfs create tank/nope) or fix StorDriver/StorPoolName of storage pool 'zp'.");

  const noZfs: CommandRunner = { run: async (f, a) => { throw new CommandError([f, ...a], undefined, '', '', 'spawn zfs ENOENT'); } };
  const [tool] = await p.checkConfig(ctxWith(noZfs), pool('tank'));
  assert.equal(tool.message, "'zfs' is not installed on this node.");
  assert.equal(tool.correction, 'Install zfsutils-linux (OpenZFS).');
});

// Listing lines below are CONSTRUCTED in the real `-H -p` format (no ZFS here to record them):
// name, volsize, used, refer, volblocksize.
const line = (...cols: Array<string | number>) => `${cols.join('\t')}\n`;

test('ZFS_THIN create: list, zfs create -s -V rounded to volblocksize with the user options, list again', async () => {
  const list = cmd.listArgv('tank/storhub');
  const runner = new RecordedRunner([
    { argv: list, result: { stdout: '' }, times: 1 },
    { argv: ['zfs', 'create', '-s', '-V', '10304K', '-b', '64k', '-o', 'compression=lz4', 'tank/storhub/res1_00000'], result: {} },
    { argv: list, result: { stdout: line('tank/storhub/res1_00000', 10551296, 57344, 57344, 65536) } },
  ]);
  const v = await new ZfsProvider(true).createVolume(ctxWith(runner), pool('tank/storhub', 'ZFS_THIN'),
    { name: 'res1_00000', size_kib: 10241, props: { 'StorDriver/ZfscreateOptions': '-b 64k -o compression=lz4' } });
  assert.deepEqual(v, { name: 'res1_00000', device_path: '/dev/zvol/tank/storhub/res1_00000', allocated_kib: 56, usable_kib: 10304 });
  assert.equal(runner.calls.length, 3);
});

test('ZFS: resize rounds to the zvol\'s own volblocksize and never shrinks; list keeps only Storhub zvols; delete is idempotent', async () => {
  const list = cmd.listArgv('tank');
  const before = line('tank/res1_00000', 16777216, 17301504, 12288, 16384) + line('tank/vm-100-disk-0', 1073741824, 1, 1, 16384);
  const runner = new RecordedRunner([
    { argv: list, result: { stdout: before }, times: 3 },
    { argv: ['zfs', 'set', 'volsize=20016K', 'tank/res1_00000'], result: {} },
    { argv: list, result: { stdout: line('tank/res1_00000', 20496384, 21135360, 12288, 16384) } },
  ]);
  const p = new ZfsProvider(false);
  const ctx = ctxWith(runner);
  assert.deepEqual((await p.listVolumes(ctx, pool('tank'))).map((v) => [v.name, v.usable_kib, v.allocated_kib]), [['res1_00000', 16384, 16896]],
    'a thick zvol counts its reservation (used) as allocated');
  assert.equal((await p.resizeVolume(ctx, pool('tank'), { name: 'res1_00000', size_kib: 100, props: {} })).usable_kib, 16384);
  assert.equal((await p.resizeVolume(ctx, pool('tank'), { name: 'res1_00000', size_kib: 20001, props: {} })).usable_kib, 20016);
  assert.deepEqual(runner.calls.filter((c) => c[1] === 'set'), [['zfs', 'set', 'volsize=20016K', 'tank/res1_00000']], '20001 KiB rounded up to whole 16 KiB blocks');
  assert.equal(runner.calls.length, 5);

  const empty = new RecordedRunner([{ argv: list, result: { stdout: '' } }]);
  await p.deleteVolume(ctxWith(empty), pool('tank'), 'res1_00000');
  assert.deepEqual(empty.calls.map((c) => c[1]), ['list'], 'nothing to destroy');
  await assert.rejects(p.resizeVolume(ctxWith(empty), pool('tank'), { name: 'res1_00000', size_kib: 1, props: {} }), /does not exist/);
});
