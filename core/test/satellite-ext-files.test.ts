/**
 * External files: written only below allowExtFiles, removed when detached — and only the satellite's
 * own files (its index), never a file that was there before or one outside the allowed directories.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExternalFiles } from '../src/satellite/ext-files.js';
import { silent } from './helpers.js';
import { full, makeSatellite, pool } from './satellite-fakes.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

async function setup(t: { after(fn: () => Promise<void>): void }) {
  const root = await mkdtemp(join(tmpdir(), 'storhub-extf-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const allowed = join(root, 'etc/drbd-reactor.d');
  const state = join(root, 'state');
  return { root, allowed, state, files: new ExternalFiles({ stateDir: state, allowed: [allowed, join(root, 'other/')], log: silent }) };
}

test('files below an allowed directory are written (directories created), others refused with a report', async (t) => {
  const { root, allowed, files } = await setup(t);
  const reports = await files.apply([
    { path: join(allowed, 'sub/gw.toml'), content: b64('[[promoter]]\n') },
    { path: join(root, 'etc/passwd'), content: b64('evil') },
    { path: `${allowed}/../escape.toml`, content: b64('evil') },
    { path: 'relative/x.toml', content: b64('evil') },
    { path: join(root, 'other/y.conf'), content: b64('y') },
  ]);
  assert.equal(await readFile(join(allowed, 'sub/gw.toml'), 'utf8'), '[[promoter]]\n');
  assert.equal(await readFile(join(root, 'other/y.conf'), 'utf8'), 'y');
  assert.deepEqual(reports.map((r) => [r.severity, r.message]), [
    ['warn', `External file ${join(root, 'etc/passwd')} was not written: it is not below a directory in allowExtFiles.`],
    ['warn', `External file ${allowed}/../escape.toml was not written: it is not below a directory in allowExtFiles.`],
    ['warn', 'External file relative/x.toml was not written: it is not below a directory in allowExtFiles.'],
  ]);
  await assert.rejects(stat(join(root, 'etc/passwd')), /ENOENT/);
  await assert.rejects(stat(join(root, 'etc/escape.toml')), /ENOENT/);
});

test('detached files are removed, but only the ones this satellite wrote', async (t) => {
  const { allowed, files } = await setup(t);
  await mkdir(allowed, { recursive: true });
  await writeFile(join(allowed, 'admin.toml'), 'mine, not storhub\'s');
  assert.deepEqual(await files.apply([{ path: join(allowed, 'a.toml'), content: b64('a') }, { path: join(allowed, 'b.toml'), content: b64('b') }]), []);
  assert.deepEqual(await files.apply([{ path: join(allowed, 'b.toml'), content: b64('b2') }]), []);
  await assert.rejects(stat(join(allowed, 'a.toml')), /ENOENT/);
  assert.equal(await readFile(join(allowed, 'b.toml'), 'utf8'), 'b2');
  assert.deepEqual(await files.apply([]), []);
  await assert.rejects(stat(join(allowed, 'b.toml')), /ENOENT/);
  assert.equal(await readFile(join(allowed, 'admin.toml'), 'utf8'), 'mine, not storhub\'s');
});

test('a symlink below the allowed directory cannot lead a write elsewhere', async (t) => {
  const { root, allowed, files } = await setup(t);
  await mkdir(allowed, { recursive: true });
  await mkdir(join(root, 'secret'));
  await symlink(join(root, 'secret'), join(allowed, 'link'));
  const reports = await files.apply([{ path: join(allowed, 'link/x.conf'), content: b64('x') }, { path: join(allowed, 'link/deeper/y.conf'), content: b64('y') }]);
  assert.equal(reports.length, 2);
  assert.match(reports[0].message, /^Writing external file .*link\/x\.conf failed: its directory resolves to .*secret, outside/);
  assert.match(reports[1].message, /^Writing external file .*link\/deeper\/y\.conf failed: its directory resolves to .*secret, outside/);
  await assert.rejects(stat(join(root, 'secret/x.conf')), /ENOENT/);
  await assert.rejects(stat(join(root, 'secret/deeper')), /ENOENT/, 'not even a directory is made through the link');
});

test('the default allows nothing; the refusal reaches the StateReport', async (t) => {
  const s = await makeSatellite();
  t.after(s.cleanup);
  const r = await s.sat.applyUpdate(full(1, [pool('DfltStorPool', '/p')], [], { external_files: [{ path: '/etc/drbd-reactor.d/x.toml', content: b64('x') }] }));
  assert.equal(r.status, 'applied');
  assert.deepEqual(r.status === 'applied' && r.report.reports.map((x) => x.message), ['External file /etc/drbd-reactor.d/x.toml was not written: this node allows no external files.']);
  await assert.rejects(stat('/etc/drbd-reactor.d/x.toml'), /ENOENT/);
});
