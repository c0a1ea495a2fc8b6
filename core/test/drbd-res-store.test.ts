/**
 * Replacing a .res file the way LINSTOR does, against the real drbdadm: write `<res>.res_tmp`, check
 * it with `drbdadm -c <wrapper> -t <tmp> [-E <old>] sh-nop`, rename it over the old file; a rejected
 * file leaves the old one untouched and the error carries drbdadm's message.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { access, readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { LocalRunner } from '../src/exec/local.js';
import { RecordedRunner } from '../src/exec/recorded.js';
import { renderResFile } from '../src/satellite/layers/drbd/res-file.js';
import { cleanDrbdOutput, drbdFiles, removeResFile, resFilePath, wrapperText, writeResFile } from '../src/satellite/layers/drbd/res-store.js';
import { SatelliteError, errorReport } from '../src/satellite/reports.js';
import { DRBD_ENV, drbdResource, tempDir } from './drbd-fixtures.js';

function resText(name: string, minor: number, props: Record<string, string> = {}, port = 7000): string {
  const resource = drbdResource({
    name, local: { node: 'alpha', id: 0, address: '10.99.0.1', port }, peers: [{ node: 'bravo', id: 1, address: '10.99.0.2', port }],
    volumes: [{ nr: 0, minor }], props,
  });
  return renderResFile({ resource, localNode: 'alpha', backing: new Map([[0, `/dev/storhub-test/${name}_00000`]]) }).text;
}

test('a new file is checked and installed; the wrapper includes the directory', async (t) => {
  const root = await tempDir(t);
  const files = drbdFiles(join(root, 'drbd.d'));
  assert.equal(files.wrapperConf, join(root, 'drbd.conf'));
  const runner = new LocalRunner();
  const calls: string[][] = [];
  const spy = { run: (f: string, a: readonly string[], o?: object) => { calls.push([f, ...a]); return runner.run(f, a, o); } };

  const r = await writeResFile({ runner: spy, env: DRBD_ENV }, files, 'res1', resText('res1', 1000));
  assert.deepEqual(r, { changed: true, path: join(root, 'drbd.d', 'res1.res') });
  assert.deepEqual(calls, [['drbdadm', '-c', files.wrapperConf, '-t', join(root, 'drbd.d', 'res1.res_tmp'), 'sh-nop']]);
  assert.equal(await readFile(r.path, 'utf8'), resText('res1', 1000));
  assert.equal((await stat(r.path)).mode & 0o777, 0o600, 'the file holds the shared secret');
  assert.deepEqual(await readdir(files.resDir), ['res1.res']);
  assert.equal(await readFile(files.wrapperConf, 'utf8'), wrapperText(files));
  assert.match(wrapperText(files), new RegExp(`^include "${join(root, 'drbd.d')}/\\*\\.res";$`, 'm'));
  // drbdadm sees the resource through the wrapper
  const dump = await runner.run('drbdadm', ['-c', files.wrapperConf, 'dump', 'res1'], { env: { ...DRBD_ENV, __DRBD_NODE__: 'alpha' } });
  assert.match(dump.stdout, /resource "?res1"? \{/);
});

test('a changed file is checked with -t new -E old and replaces the old one', async (t) => {
  const root = await tempDir(t);
  const files = drbdFiles(join(root, 'drbd.d'));
  const runner = new LocalRunner();
  await writeResFile({ runner, env: DRBD_ENV }, files, 'res1', resText('res1', 1000));
  const calls: string[][] = [];
  const spy = { run: (f: string, a: readonly string[], o?: object) => { calls.push([f, ...a]); return runner.run(f, a, o); } };
  const next = resText('res1', 1000, { 'DrbdOptions/Net/protocol': 'A' });
  const r = await writeResFile({ runner: spy, env: DRBD_ENV }, files, 'res1', next);
  assert.equal(r.changed, true);
  assert.deepEqual(calls, [['drbdadm', '-c', files.wrapperConf, '-t', `${r.path}_tmp`, '-E', r.path, 'sh-nop']]);
  assert.equal(await readFile(r.path, 'utf8'), next);
});

test('the same text again changes nothing and runs nothing', async (t) => {
  const root = await tempDir(t);
  const files = drbdFiles(join(root, 'drbd.d'));
  await writeResFile({ runner: new LocalRunner(), env: DRBD_ENV }, files, 'res1', resText('res1', 1000));
  const recorded = new RecordedRunner(); // answers nothing: any command would throw
  const r = await writeResFile({ runner: recorded }, files, 'res1', resText('res1', 1000));
  assert.equal(r.changed, false);
  assert.deepEqual(recorded.calls, []);
});

test('an invalid option value is rejected by drbdadm; the old file is kept and the report says why', async (t) => {
  const root = await tempDir(t);
  const files = drbdFiles(join(root, 'drbd.d'));
  const runner = new LocalRunner();
  const good = resText('res1', 1000, { 'DrbdOptions/Resource/quorum': 'majority' });
  const { path } = await writeResFile({ runner, env: DRBD_ENV }, files, 'res1', good);

  const bad = resText('res1', 1000, { 'DrbdOptions/Resource/quorum': 'majoritx' });
  const err = await writeResFile({ runner, env: DRBD_ENV }, files, 'res1', bad).then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof SatelliteError);
  assert.equal(err.message, "drbdadm rejected the new configuration of resource 'res1'; the previous configuration is kept");
  assert.match(err.info.cause ?? '', /res1\.res_tmp:\d+: Parse error: while parsing value \('majoritx'\)\nfor quorum\. Value is not valid\./);
  assert.match(err.info.details ?? '', /^command: drbdadm -c .*drbd\.conf -t .*res1\.res_tmp -E .*res1\.res sh-nop$/);

  assert.equal(await readFile(path, 'utf8'), good, 'old file untouched');
  assert.deepEqual(await readdir(files.resDir), ['res1.res'], 'temp file removed');

  const report = errorReport("Configuring DRBD resource 'res1'", err);
  assert.equal(report.severity, 'error');
  assert.match(report.message, /^Configuring DRBD resource 'res1' failed: drbdadm rejected/);
  assert.match(report.cause ?? '', /majoritx/);
  assert.match(report.correction ?? '', /DrbdOptions/);
});

test('a first file that drbdadm rejects is not installed at all', async (t) => {
  const root = await tempDir(t);
  const files = drbdFiles(join(root, 'drbd.d'));
  const err = await writeResFile({ runner: new LocalRunner(), env: DRBD_ENV }, files, 'res1', resText('res1', 1000, { 'DrbdOptions/Net/max-buffers': '2' }))
    .then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof SatelliteError);
  assert.equal(err.message, "drbdadm rejected the new configuration of resource 'res1'");
  assert.match(err.info.cause ?? '', /max-buffers/);
  assert.deepEqual(await readdir(files.resDir), []);
});

test('clashes with another resource of this satellite (minor, TCP port) are caught through the wrapper', async (t) => {
  const root = await tempDir(t);
  const files = drbdFiles(join(root, 'drbd.d'));
  const runner = new LocalRunner();
  await writeResFile({ runner, env: DRBD_ENV }, files, 'res1', resText('res1', 1000, {}, 7000));
  const minorClash = await writeResFile({ runner, env: DRBD_ENV }, files, 'res2', resText('res2', 1000, {}, 7001)).then(() => undefined, (e: unknown) => e);
  assert.ok(minorClash instanceof SatelliteError);
  assert.match(minorClash.info.cause ?? '', /res2\.res_tmp:0: conflicting use of device-minor 'device-minor:alpha:1000'/);
  const portClash = await writeResFile({ runner, env: DRBD_ENV }, files, 'res2', resText('res2', 1001, {}, 7000)).then(() => undefined, (e: unknown) => e);
  assert.ok(portClash instanceof SatelliteError);
  assert.match(portClash.info.cause ?? '', /ipv4:10\.99\.0\.1:7000 is also used .*res1\.res:\d+ \(resource res1\)/);
  assert.deepEqual(await readdir(files.resDir), ['res1.res']);
  // another minor and port are fine
  await writeResFile({ runner, env: DRBD_ENV }, files, 'res2', resText('res2', 1001, {}, 7001));
  assert.deepEqual((await readdir(files.resDir)).sort(), ['res1.res', 'res2.res']);
});

test('removing the file; a missing one is fine; path-like names are refused', async (t) => {
  const root = await tempDir(t);
  const files = drbdFiles(join(root, 'drbd.d'));
  await writeResFile({ runner: new LocalRunner(), env: DRBD_ENV }, files, 'res1', resText('res1', 1000));
  await removeResFile(files, 'res1');
  await assert.rejects(access(resFilePath(files, 'res1')));
  await removeResFile(files, 'res1');
  assert.throws(() => resFilePath(files, '../etc/x'), /cannot be used as a DRBD resource file name/);
});

test('drbd-utils noise of a machine without modinfo is left out of messages', () => {
  assert.equal(cleanDrbdOutput('sh: 1: modinfo: not found\nreal error\nsh: 1: modinfo: not found\n'), 'real error');
});
