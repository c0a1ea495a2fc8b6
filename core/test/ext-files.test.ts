/**
 * External files through the REST API: /v1/files (list, show, register/modify, delete, check) and
 * /v1/resource-definitions/{rd}/files/{path} (attach, detach), their errors, and what the desired
 * state of a node holds. Satellite sync of the files is in ext-files-sync.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { codes, makeApi, makeController, type TestApi } from './helpers.js';
import { addNode, addRd, ok } from './resource-fixtures.js';
import { OfflineRuntime, type NodeRuntime, type RuntimeState } from '../src/controller/runtime.js';
import { desiredStateOf } from '../src/controller/satellites/desired-state.js';

const R = '/v1/resource-definitions';
const enc = encodeURIComponent;
const b64 = (s: string) => Buffer.from(s).toString('base64');
const F = (path: string) => `/v1/files/${enc(path)}`;

/** Nodes whose satellites "told" their allowExtFiles (others unknown, as before a first connect). */
class AllowRuntime implements RuntimeState {
  readonly allow = new Map<string, string[]>();
  private readonly offline = new OfflineRuntime();
  storagePool() {
    return this.offline.storagePool();
  }
  resource() {
    return this.offline.resource();
  }
  node(name: string): NodeRuntime {
    const a = this.allow.get(name.toUpperCase());
    return a ? { connection_status: 'ONLINE', allow_ext_files: a } : { connection_status: 'OFFLINE' };
  }
}

async function setup(runtime = new AllowRuntime()): Promise<{ api: TestApi; runtime: AllowRuntime }> {
  const api = await makeApi(makeController(':memory:', runtime));
  await addNode(api, 'n1');
  await addNode(api, 'n2');
  await addRd(api, 'web', { layers: ['STORAGE'] });
  await addRd(api, 'db', { layers: ['STORAGE'] });
  await ok(api, 'POST', `${R}/web/resources`, [{ resource: { node_name: 'n1' } }]);
  await ok(api, 'POST', `${R}/db/resources`, [{ resource: { node_name: 'n2' } }]);
  return { api, runtime };
}

test('PUT registers a file (CREATED|CRT|EXT_FILES), lists leave out content unless ?content=true, GET shows it', async () => {
  const { api } = await setup();
  const put = await api.call('PUT', F('/etc/app/a.conf'), { path: '/etc/app/a.conf', content: b64('hello\n') });
  assert.equal(put.status, 200);
  assert.deepEqual(put.body.map((e: any) => BigInt(e.ret_code)), [22020097n]);
  assert.equal(put.body[0].message, "New external file '/etc/app/a.conf' created.");
  assert.equal(put.body[0].obj_refs.ExtFile, '/etc/app/a.conf');
  await ok(api, 'PUT', F('/etc/app/0-first.conf'), { content: b64('x') });

  const list = await api.call('GET', '/v1/files');
  assert.equal(list.status, 200);
  assert.deepEqual(list.body, [{ path: '/etc/app/0-first.conf' }, { path: '/etc/app/a.conf' }]);
  const withContent = await api.call('GET', '/v1/files?content=true');
  assert.deepEqual(withContent.body, [{ path: '/etc/app/0-first.conf', content: b64('x') }, { path: '/etc/app/a.conf', content: b64('hello\n') }]);
  assert.deepEqual((await api.call('GET', '/v1/files?content=false')).body, list.body);

  const one = await api.call('GET', F('/etc/app/a.conf'));
  assert.equal(one.status, 200);
  assert.deepEqual(one.body, { path: '/etc/app/a.conf', content: b64('hello\n') });
  const rec = api.controller.graph.externalFile('/etc/app/a.conf')!;
  assert.equal(rec.content_checksum, createHash('sha256').update('hello\n').digest('hex'));
  assert.match(rec.uuid, /^[0-9a-f-]{36}$/);
  assert.equal(put.body[0].obj_refs.UUID, rec.uuid);
  await api.close();
});

test('PUT on an existing file: MODIFIED|MOD|EXT_FILES; new content replaces, no content keeps it, alt_suffixes are kept', async () => {
  const { api } = await setup();
  await ok(api, 'PUT', F('/etc/x.toml'), { content: b64('one') });
  const uuid = api.controller.graph.externalFile('/etc/x.toml')!.uuid;
  const mod = await api.call('PUT', F('/etc/x.toml'), { path: '/etc/x.toml', content: b64('two') });
  assert.equal(mod.status, 200);
  assert.deepEqual(mod.body.map((e: any) => BigInt(e.ret_code)), [38797315n]);
  assert.equal(mod.body[0].message, "External file '/etc/x.toml' modified.");
  assert.equal((await api.call('GET', F('/etc/x.toml'))).body.content, b64('two'));
  assert.equal(api.controller.graph.externalFile('/etc/x.toml')!.uuid, uuid, 'same file, same uuid');

  await ok(api, 'PUT', F('/etc/x.toml'), { alt_suffixes: ['.disabled'] });
  assert.deepEqual((await api.call('GET', F('/etc/x.toml'))).body, { path: '/etc/x.toml', content: b64('two'), alt_suffixes: ['.disabled'] });
  await ok(api, 'PUT', F('/etc/x.toml'), { content: '' });
  assert.equal((await api.call('GET', F('/etc/x.toml'))).body.content, b64('two'), 'empty content leaves it unchanged (LINSTOR)');
  await ok(api, 'PUT', F('/etc/x.toml'), { alt_suffixes: [] });
  assert.deepEqual((await api.call('GET', F('/etc/x.toml'))).body, { path: '/etc/x.toml', content: b64('two') });
  await api.close();
});

test('invalid paths are FAIL_INVLD_EXT_FILE_NAME (235), bad contents FAIL_INVLD_EXT_FILE (236); nothing is stored', async () => {
  const { api } = await setup();
  const cases: Array<[string, unknown, bigint, RegExp]> = [
    ['etc/rel.conf', { content: b64('x') }, -4611686018388590357n, /must be absolute/],
    ['/etc/../passwd', { content: b64('x') }, -4611686018388590357n, /not normalised/],
    ['/etc//x.conf', { content: b64('x') }, -4611686018388590357n, /not normalised/],
    ['/etc/x.conf/', { content: b64('x') }, -4611686018388590357n, /not normalised/],
    ['/etc/./x.conf', { content: b64('x') }, -4611686018388590357n, /not normalised/],
    ['/', { content: b64('x') }, -4611686018388590357n, /root directory/],
    ['/etc/caf\u00e9.conf', { content: b64('x') }, -4611686018388590357n, /ASCII/],
    ['/' + 'a'.repeat(1024), { content: b64('x') }, -4611686018388590357n, /1025 characters long, the limit is 1024/],
    ['/etc/a.conf', { path: '/etc/b.conf', content: b64('x') }, -4611686018388590357n, /body names external file '\/etc\/b.conf', the URL '\/etc\/a.conf'/],
    ['/etc/a.conf', {}, -4611686018388590356n, /needs a content/],
    ['/etc/a.conf', { content: '' }, -4611686018388590356n, /needs a content/],
    ['/etc/a.conf', { content: 'not base64!' }, -4611686018388590356n, /not valid base64/],
    ['/etc/a.conf', { content: 'QQ' }, -4611686018388590356n, /not valid base64/],
    ['/etc/a.conf', { content: Buffer.alloc(1024 * 1024 + 1, 65).toString('base64') }, -4611686018388590356n, /1048577 bytes; the limit is 1048576 bytes/],
    ['/etc/a.conf', { content: b64('x'), alt_suffixes: ['../evil'] }, -4611686018388590356n, /Invalid alternative suffix '..\/evil'/],
    ['/etc/a.conf', { content: b64('x'), alt_suffixes: ['a/b'] }, -4611686018388590356n, /Invalid alternative suffix 'a\/b'/],
  ];
  for (const [path, body, retCode, message] of cases) {
    const res = await api.call('PUT', F(path), body);
    assert.equal(res.status, 500, `${path} ${JSON.stringify(body).slice(0, 80)}: ${res.raw.slice(0, 300)}`);
    assert.equal(res.body.length, 1);
    assert.equal(BigInt(res.body[0].ret_code), retCode, path);
    assert.match(res.body[0].message, message);
    assert.ok(res.body[0].correction, 'says how to fix it');
  }
  // 1024 characters are allowed, even when URL-encoding makes the segment three times as long.
  const longPath = '/a'.repeat(512);
  assert.equal(enc(longPath).length, 2048);
  await ok(api, 'PUT', F(longPath), { content: b64('x') });
  await ok(api, 'DELETE', F(longPath));
  // Exactly 1 MiB is allowed.
  await ok(api, 'PUT', F('/etc/big.bin'), { content: Buffer.alloc(1024 * 1024, 65).toString('base64') });
  assert.deepEqual((await api.call('GET', '/v1/files')).body, [{ path: '/etc/big.bin' }]);
  // A bad body type is a parse error, as everywhere.
  const bad = await api.call('PUT', F('/etc/a.conf'), { content: 42 });
  assert.equal(bad.status, 400);
  await api.close();
});

test("the URL segment is decoded once, '+' is a space (Go's QueryEscape), %2B a plus", async () => {
  const { api } = await setup();
  await ok(api, 'PUT', '/v1/files/%2Fetc%2Fmy+file%2Bv2.conf', { content: b64('x') });
  assert.deepEqual((await api.call('GET', '/v1/files')).body, [{ path: '/etc/my file+v2.conf' }]);
  assert.equal((await api.call('GET', `/v1/files/${enc('/etc/my file+v2.conf')}`)).status, 200);
  assert.equal((await api.call('GET', '/v1/files/%2Fetc%2Fmy%20file%2Bv2.conf')).status, 200);
  await api.close();
});

test('GET of a missing file: 404 FAIL_NOT_FOUND_EXT_FILE (320); paths are case-sensitive', async () => {
  const { api } = await setup();
  await ok(api, 'PUT', F('/etc/A.conf'), { content: b64('x') });
  const res = await api.call('GET', F('/etc/a.conf'));
  assert.equal(res.status, 404);
  assert.equal(BigInt(res.body[0].ret_code), -4611686018427387584n);
  assert.equal(res.body[0].message, "External file '/etc/a.conf' not found.");
  await api.close();
});

test('attach sets the rd prop files/<path>=True (as LINSTOR); a file may be attached to many rds; detach removes it', async () => {
  const { api } = await setup();
  await ok(api, 'PUT', F('/etc/reactor/x.toml'), { content: b64('x') });
  const att = await api.call('POST', `${R}/web/files/${enc('/etc/reactor/x.toml')}`);
  assert.equal(att.status, 200);
  assert.deepEqual(att.body.map((e: any) => BigInt(e.ret_code)), [37224451n]);
  assert.equal(att.body[0].message, "External file '/etc/reactor/x.toml' attached to resource definition 'web'.");
  assert.deepEqual(att.body[0].obj_refs, { RscDfn: 'web', ExtFile: '/etc/reactor/x.toml' });
  assert.equal((await api.call('GET', `${R}/web`)).body.props['files/etc/reactor/x.toml'], 'True');
  await ok(api, 'POST', `${R}/WEB/files/${enc('/etc/reactor/x.toml')}`); // idempotent, names case-insensitive
  await ok(api, 'POST', `${R}/db/files/${enc('/etc/reactor/x.toml')}`);
  assert.equal((await api.call('GET', `${R}/db`)).body.props['files/etc/reactor/x.toml'], 'True');

  const det = await api.call('DELETE', `${R}/web/files/${enc('/etc/reactor/x.toml')}`);
  assert.equal(det.status, 200);
  assert.deepEqual(det.body.map((e: any) => BigInt(e.ret_code)), [37224451n]);
  assert.equal(det.body[0].message, "External file '/etc/reactor/x.toml' detached from resource definition 'web'.");
  assert.equal((await api.call('GET', `${R}/web`)).body.props?.['files/etc/reactor/x.toml'], undefined);
  assert.equal((await api.call('GET', `${R}/db`)).body.props['files/etc/reactor/x.toml'], 'True', 'the other attachment stays');
  const again = await api.call('DELETE', `${R}/web/files/${enc('/etc/reactor/x.toml')}`);
  assert.equal(again.status, 200);
  assert.equal(again.body[0].message, "External file '/etc/reactor/x.toml' was not attached to resource definition 'web'.");
  await api.close();
});

test('attach/detach errors: missing rd 404 (301), missing file 404 (320), invalid path 500 (235); nothing changes', async () => {
  const { api } = await setup();
  await ok(api, 'PUT', F('/etc/x.toml'), { content: b64('x') });
  const noRd = await api.call('POST', `${R}/nope/files/${enc('/etc/x.toml')}`);
  assert.equal(noRd.status, 404);
  assert.equal(BigInt(noRd.body[0].ret_code), -4611686018390163155n);
  assert.equal(noRd.body[0].message, "Resource definition 'nope' not found.");
  const noFile = await api.call('POST', `${R}/web/files/${enc('/etc/missing.toml')}`);
  assert.equal(noFile.status, 404);
  assert.equal(BigInt(noFile.body[0].ret_code), -4611686018390163136n);
  assert.equal(noFile.body[0].message, "External file '/etc/missing.toml' not found.");
  assert.match(noFile.body[0].correction, /PUT \/v1\/files\/%2Fetc%2Fmissing.toml/);
  const invalid = await api.call('POST', `${R}/web/files/${enc('etc/x.toml')}`);
  assert.equal(invalid.status, 500);
  assert.deepEqual(codes(invalid.body), [{ severity: 'error', code: 235 }]);
  assert.deepEqual(codes((await api.call('DELETE', `${R}/web/files/${enc('/etc/missing.toml')}`)).body), [{ severity: 'error', code: 320 }]);
  assert.deepEqual(codes((await api.call('DELETE', `${R}/nope/files/${enc('/etc/x.toml')}`)).body), [{ severity: 'error', code: 301 }]);
  assert.equal((await api.call('GET', `${R}/web`)).body.props?.['files/etc/x.toml'], undefined);
  await api.close();
});

test('DELETE of an attached file detaches it from every rd first; a missing file is 200 WARN_NOT_FOUND', async () => {
  const { api } = await setup();
  await ok(api, 'PUT', F('/etc/x.toml'), { content: b64('x') });
  await ok(api, 'POST', `${R}/web/files/${enc('/etc/x.toml')}`);
  await ok(api, 'POST', `${R}/db/files/${enc('/etc/x.toml')}`);
  const uuid = api.controller.graph.externalFile('/etc/x.toml')!.uuid;
  const del = await api.call('DELETE', F('/etc/x.toml'));
  assert.equal(del.status, 200);
  assert.deepEqual(del.body.map((e: any) => BigInt(e.ret_code)), [37224451n, 37224451n, 55574530n]);
  assert.deepEqual(del.body.map((e: any) => e.message), [
    "External file '/etc/x.toml' detached from resource definition 'db'.",
    "External file '/etc/x.toml' detached from resource definition 'web'.",
    "External file '/etc/x.toml' deleted.",
  ]);
  assert.equal(del.body[2].details, `External file '/etc/x.toml' UUID was: ${uuid}`);
  assert.equal((await api.call('GET', `${R}/web`)).body.props?.['files/etc/x.toml'], undefined);
  assert.equal((await api.call('GET', `${R}/db`)).body.props?.['files/etc/x.toml'], undefined);
  assert.equal((await api.call('GET', F('/etc/x.toml'))).status, 404);

  const missing = await api.call('DELETE', F('/etc/x.toml'));
  assert.equal(missing.status, 200);
  assert.deepEqual(missing.body.map((e: any) => BigInt(e.ret_code)), [-9223372036799198280n]);
  const invalid = await api.call('DELETE', F('relative'));
  assert.deepEqual(codes(invalid.body), [{ severity: 'error', code: 235 }]);
  await api.close();
});

test("check answers the node satellite's allowExtFiles: below an allowed directory (any depth) only; unknown is false", async () => {
  const { api, runtime } = await setup();
  runtime.allow.set('N1', ['/etc/drbd-reactor.d', '/srv/']);
  const check = async (path: string, node: string) => {
    const res = await api.call('GET', `${F(path)}/check/${node}`);
    assert.equal(res.status, 200, res.raw);
    return res.body;
  };
  assert.deepEqual(await check('/etc/drbd-reactor.d/x.toml', 'n1'), { allowed: true });
  assert.deepEqual(await check('/etc/drbd-reactor.d/sub/x.toml', 'N1'), { allowed: true });
  assert.deepEqual(await check('/srv/a', 'n1'), { allowed: true });
  assert.deepEqual(await check('/etc/drbd-reactor.dx/x.toml', 'n1'), { allowed: false });
  assert.deepEqual(await check('/etc/passwd', 'n1'), { allowed: false });
  assert.deepEqual(await check('/etc/drbd-reactor.d/x.toml', 'n2'), { allowed: false }, 'never connected: unknown');
  const noNode = await api.call('GET', `${F('/etc/x')}/check/nope`);
  assert.equal(noNode.status, 404);
  assert.deepEqual(codes(noNode.body), [{ severity: 'error', code: 300 }]);
  assert.deepEqual(codes((await api.call('GET', `${F('etc')}/check/n1`)).body), [{ severity: 'error', code: 235 }]);
  await api.close();
});

test('attach to an rd with a resource on a node that does not allow the path: 403 with an error per node, attachment kept', async () => {
  const { api, runtime } = await setup();
  runtime.allow.set('N1', ['/etc/other']);
  runtime.allow.set('N2', ['/etc/reactor']);
  await ok(api, 'POST', `${R}/web/resources`, [{ resource: { node_name: 'n2' } }]);
  await ok(api, 'PUT', F('/etc/reactor/x.toml'), { content: b64('x') });
  const att = await api.call('POST', `${R}/web/files/${enc('/etc/reactor/x.toml')}`);
  assert.equal(att.status, 403);
  assert.deepEqual(att.body.map((e: any) => BigInt(e.ret_code)), [37224451n, -4611686018390163034n]);
  assert.equal(att.body[1].message, '(n1) The path /etc/reactor/x.toml does not have a whitelisted parent. Allowed parent directories: [/etc/other]');
  assert.deepEqual(att.body[1].obj_refs, { RscDfn: 'web', Node: 'n1', ExtFile: '/etc/reactor/x.toml' });
  assert.match(att.body[1].correction, /allowExtFiles/);
  assert.equal((await api.call('GET', `${R}/web`)).body.props['files/etc/reactor/x.toml'], 'True');
  // db lives on n2 only, which allows the path.
  assert.equal((await api.call('POST', `${R}/db/files/${enc('/etc/reactor/x.toml')}`)).status, 200);
  await api.close();
});

test('desired state: files attached to the rd of a resource on the node, sorted, deduplicated; not for DELETE-marked resources', async () => {
  const { api } = await setup();
  await ok(api, 'PUT', F('/etc/b.conf'), { content: b64('b') });
  await ok(api, 'PUT', F('/etc/a.conf'), { content: b64('a') });
  await ok(api, 'PUT', F('/etc/unattached.conf'), { content: b64('u') });
  await ok(api, 'POST', `${R}/web/files/${enc('/etc/b.conf')}`);
  await ok(api, 'POST', `${R}/web/files/${enc('/etc/a.conf')}`);
  await ok(api, 'POST', `${R}/db/files/${enc('/etc/a.conf')}`);
  await ok(api, 'POST', `${R}/db/resources`, [{ resource: { node_name: 'n1' } }]);
  const g = api.controller.graph;
  assert.deepEqual(desiredStateOf(g, 'n1')!.external_files, [{ path: '/etc/a.conf', content: b64('a') }, { path: '/etc/b.conf', content: b64('b') }]);
  assert.deepEqual(desiredStateOf(g, 'n2')!.external_files, [{ path: '/etc/a.conf', content: b64('a') }]);

  await ok(api, 'PUT', F('/etc/a.conf'), { content: b64('A2') });
  assert.deepEqual(desiredStateOf(g, 'n2')!.external_files, [{ path: '/etc/a.conf', content: b64('A2') }]);
  await ok(api, 'DELETE', `${R}/db/resources/n2`);
  assert.deepEqual(desiredStateOf(g, 'n2')!.external_files, [], 'the resource is going away: so is the file');
  await api.close();
});

test('files survive a controller restart (stored records)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'storhub-extfiles-'));
  try {
    const db = join(dir, 'db.sqlite');
    const api = await makeApi(makeController(db));
    await addNode(api, 'n1');
    await addRd(api, 'web', { layers: ['STORAGE'] });
    await ok(api, 'PUT', F('/etc/x.toml'), { content: b64('kept') });
    await ok(api, 'POST', `${R}/web/files/${enc('/etc/x.toml')}`);
    await api.close();
    const again = await makeApi(makeController(db));
    assert.deepEqual((await again.call('GET', F('/etc/x.toml'))).body, { path: '/etc/x.toml', content: b64('kept') });
    assert.equal((await again.call('GET', `${R}/web`)).body.props['files/etc/x.toml'], 'True');
    await again.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the routes are in the OpenAPI document', async () => {
  const api = await makeApi();
  const doc = (await api.call('GET', '/openapi.json')).body;
  assert.ok(doc.paths['/v1/files'].get);
  assert.ok(doc.paths['/v1/files/{extFileName}'].put.requestBody);
  assert.ok(doc.paths['/v1/files/{extFileName}/check/{node}'].get);
  assert.ok(doc.paths['/v1/resource-definitions/{resource}/files/{extFileName}'].post);
  assert.ok(doc.paths['/v1/resource-definitions/{resource}/files/{extFileName}'].delete);
  await api.close();
});
