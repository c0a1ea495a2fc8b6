/** `storhub file ...` and `storhub rd attach-file|detach-file` (in-process runCli against a listening API). */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseJson } from '../src/model/json.js';
import { type LiveApi, cliAgainst, startApi } from './cli-helpers.js';

let live: LiveApi;
let dir: string;
const { run, ok } = cliAgainst(() => live.address);

before(async () => {
  live = await startApi();
  dir = mkdtempSync(join(tmpdir(), 'storhub-file-cli-'));
  await ok('node', 'create', 'n1', '127.0.0.1');
  await ok('rd', 'c', 'web');
});
after(async () => {
  await live.close();
  rmSync(dir, { recursive: true, force: true });
});

test('file modify (from --content-file), list, show, deploy/undeploy, rd attach-file/detach-file, check, delete', async () => {
  const local = join(dir, 'web.toml');
  writeFileSync(local, '[[promoter]]\nid = "web"\n');
  const m = await ok('file', 'modify', '/etc/drbd-reactor.d/web.toml', '--content-file', local);
  assert.match(m.stdout, /SUCCESS/);
  assert.match(m.stdout, /New external file '\/etc\/drbd-reactor.d\/web.toml' created/);
  const got = await live.api.call('GET', `/v1/files/${encodeURIComponent('/etc/drbd-reactor.d/web.toml')}`);
  assert.equal(Buffer.from(got.body.content, 'base64').toString(), '[[promoter]]\nid = "web"\n');

  const l = await ok('file', 'list');
  assert.match(l.stdout, /┊ Path +┊/);
  assert.match(l.stdout, /┊ \/etc\/drbd-reactor.d\/web.toml +┊/);
  const lm = await ok('-m', 'f', 'l');
  assert.deepEqual(parseJson(lm.stdout), [{ path: '/etc/drbd-reactor.d/web.toml' }]);

  const s = await ok('file', 'show', '/etc/drbd-reactor.d/web.toml');
  assert.equal(s.stdout, '[[promoter]]\nid = "web"\n');

  await ok('file', 'deploy', '/etc/drbd-reactor.d/web.toml', 'web');
  assert.equal((await live.api.call('GET', '/v1/resource-definitions/web')).body.props['files/etc/drbd-reactor.d/web.toml'], 'True');
  await ok('file', 'undeploy', '/etc/drbd-reactor.d/web.toml', 'web');
  assert.equal((await live.api.call('GET', '/v1/resource-definitions/web')).body.props?.['files/etc/drbd-reactor.d/web.toml'], undefined);
  const att = await ok('rd', 'attach-file', 'web', '/etc/drbd-reactor.d/web.toml');
  assert.match(att.stdout, /attached to resource definition 'web'/);
  assert.equal((await live.api.call('GET', '/v1/resource-definitions/web')).body.props['files/etc/drbd-reactor.d/web.toml'], 'True');
  await ok('resource-definition', 'detach-file', 'web', '/etc/drbd-reactor.d/web.toml');
  assert.equal((await live.api.call('GET', '/v1/resource-definitions/web')).body.props?.['files/etc/drbd-reactor.d/web.toml'], undefined);

  const chk = await ok('file', 'check', '/etc/drbd-reactor.d/web.toml', 'n1');
  assert.match(chk.stdout, /Node 'n1' does not write \/etc\/drbd-reactor.d\/web.toml/);
  const chkm = await ok('-m', 'file', 'check', '/etc/drbd-reactor.d/web.toml', 'n1');
  assert.deepEqual(parseJson(chkm.stdout), { allowed: false });

  await ok('file', 'delete', '/etc/drbd-reactor.d/web.toml');
  assert.deepEqual((await live.api.call('GET', '/v1/files')).body, []);
});

test('file errors: show of a missing file exits OBJECT_NOT_FOUND, attaching a missing file is an API error, relative paths and unreadable local files refused', async () => {
  const missing = await run('file', 'show', '/etc/nope.conf');
  assert.equal(missing.code, 3, 'OBJECT_NOT_FOUND');
  assert.match(missing.stdout + missing.stderr, /External file '\/etc\/nope.conf' not found/);
  const attach = await run('rd', 'attach-file', 'web', '/etc/nope.conf');
  assert.equal(attach.code, 10, 'API_ERROR');
  assert.match(attach.stdout + attach.stderr, /not found/);
  const local = join(dir, 'x');
  writeFileSync(local, 'x');
  const rel = await run('file', 'modify', 'etc/x.conf', '--content-file', local);
  assert.equal(rel.code, 10);
  assert.match(rel.stdout + rel.stderr, /must be absolute/);
  const noFile = await run('file', 'modify', '/etc/x.conf', '--content-file', join(dir, 'does-not-exist'));
  assert.equal(noFile.code, 2, 'a usage error');
  assert.match(noFile.stderr, /Cannot read --content-file/);
});
