/**
 * External files reaching the satellites: against fake satellites, which updates carry them (a content
 * change alone is a delta; detaching and deleting send the list without them); and end to end against
 * the REAL satellite on 127.0.0.1 with temp directories: a file attached to an rd with a resource on
 * the node appears on disk below the allowed directory, a path outside it is refused at attach time,
 * reported by the satellite and never written, a content change is rewritten, detaching removes it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { codes, silent } from './helpers.js';
import { addRd, ok } from './resource-fixtures.js';
import { makeCluster, registerNode, waitFor } from './satellite-sync-fake.js';
import { createSatellite } from '../src/satellite/wiring.js';
import { startSatelliteServer } from '../src/satellite/server.js';
import type { StateUpdate } from '../src/satellite/protocol.js';

const R = '/v1/resource-definitions';
const enc = encodeURIComponent;
const b64 = (s: string) => Buffer.from(s).toString('base64');
const F = (path: string) => `/v1/files/${enc(path)}`;

test('fake satellites: attached files ride on the updates of nodes with a resource; content, detach and delete push deltas', async (t) => {
  const c = await makeCluster(['n1', 'n2']);
  t.after(() => c.close());
  const n1 = c.fakes.get('n1')!;
  const n2 = c.fakes.get('n2')!;
  await addRd(c.api, 'web', { layers: ['STORAGE'] });
  await ok(c.api, 'POST', `${R}/web/resources`, [{ resource: { node_name: 'n1' } }]);
  await waitFor('both ONLINE', async () => (await c.api.call('GET', '/v1/nodes')).body.every((n: any) => n.connection_status === 'ONLINE'));
  const last = (f: typeof n1): StateUpdate => f.updates[f.updates.length - 1];
  await waitFor('web on n1', () => n1.held.has('WEB'));

  await ok(c.api, 'PUT', F('/etc/reactor/web.toml'), { content: b64('v1') });
  await ok(c.api, 'POST', `${R}/web/files/${enc('/etc/reactor/web.toml')}`);
  await waitFor('the file on n1', () => last(n1).external_files.length === 1);
  assert.deepEqual(last(n1).external_files, [{ path: '/etc/reactor/web.toml', content: b64('v1') }]);
  assert.equal(last(n1).full, false, 'a delta');
  assert.ok(n2.updates.every((u) => u.external_files.length === 0), 'n2 has no resource of web');

  // A content change touches no resource: the delta still goes out, with the whole list.
  const before = n1.updates.length;
  await ok(c.api, 'PUT', F('/etc/reactor/web.toml'), { content: b64('v2') });
  await waitFor('the new content', () => last(n1).external_files[0]?.content === b64('v2'));
  assert.equal(n1.updates.length, before + 1);
  assert.deepEqual(last(n1).resources, []);
  assert.equal(last(n1).full, false);

  // Another file not attached anywhere: no push at all.
  await ok(c.api, 'PUT', F('/etc/reactor/other.toml'), { content: b64('o') });
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(n1.updates.length, before + 1);

  await ok(c.api, 'DELETE', `${R}/web/files/${enc('/etc/reactor/web.toml')}`);
  await waitFor('detached', () => last(n1).external_files.length === 0);

  await ok(c.api, 'POST', `${R}/web/files/${enc('/etc/reactor/web.toml')}`);
  await waitFor('attached again', () => last(n1).external_files.length === 1);
  await ok(c.api, 'DELETE', F('/etc/reactor/web.toml'));
  await waitFor('deleted', () => last(n1).external_files.length === 0);

  // A reconnect's full update carries the files too.
  await ok(c.api, 'POST', `${R}/web/files/${enc('/etc/reactor/other.toml')}`);
  await waitFor('other attached', () => last(n1).external_files.length === 1);
  await n1.crash();
  await n1.start();
  await waitFor('full sync after the restart', () => last(n1).full === true && n1.lastApplied === last(n1).update_id, 10_000);
  assert.deepEqual(last(n1).external_files, [{ path: '/etc/reactor/other.toml', content: b64('o') }]);
});

test('real satellite: attached file written below allowExtFiles, refused path reported and not written, rewritten, removed on detach', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'storhub-extfiles-real-'));
  const allowed = join(root, 'allowed');
  const sat = createSatellite({ nodeName: 'ext1', stateDir: join(root, 'state'), logger: silent, pollMs: 0, allowExtFiles: [allowed] });
  await sat.start();
  const server = await startSatelliteServer({ satellite: sat, host: '127.0.0.1', port: 0 });
  const c = await makeCluster([]);
  t.after(async () => {
    await c.close();
    await server.close();
    await sat.close();
    rmSync(root, { recursive: true, force: true });
  });

  await registerNode(c.api, 'ext1', server.port, []);
  await waitFor('ext1 ONLINE', async () => (await c.api.call('GET', '/v1/nodes/ext1')).body.connection_status === 'ONLINE', 20_000);

  const good = join(allowed, 'reactor.d', 'web.toml');
  const bad = join(root, 'forbidden', 'web.toml');
  assert.deepEqual((await c.api.call('GET', `${F(good)}/check/ext1`)).body, { allowed: true });
  assert.deepEqual((await c.api.call('GET', `${F(bad)}/check/ext1`)).body, { allowed: false });

  // An rd without volumes: the resource needs no storage, only the files matter here.
  await addRd(c.api, 'web', { layers: ['STORAGE'], sizes: [] });
  await ok(c.api, 'POST', `${R}/web/resources`, [{ resource: { node_name: 'ext1' } }]);
  await ok(c.api, 'PUT', F(good), { content: b64('[[promoter]]\nid = 1\n') });
  await ok(c.api, 'PUT', F(bad), { content: b64('nope') });
  await ok(c.api, 'POST', `${R}/web/files/${enc(good)}`);
  const refused = await c.api.call('POST', `${R}/web/files/${enc(bad)}`);
  assert.equal(refused.status, 403);
  assert.deepEqual(codes(refused.body), [{ severity: 'success', code: 3 }, { severity: 'error', code: 422 }]);
  assert.equal(refused.body[1].message, `(ext1) The path ${bad} does not have a whitelisted parent. Allowed parent directories: [${allowed}]`);

  await waitFor('the file on disk', () => existsSync(good) && readFileSync(good, 'utf8') === '[[promoter]]\nid = 1\n', 20_000);
  assert.equal(statSync(good).mode & 0o777, 0o644);
  const reports = await waitFor('the satellite reports the refused path', () => {
    const r = c.manager.runtime.nodeReports('ext1');
    return r.some((x) => x.message.includes(bad)) ? r : undefined;
  }, 20_000);
  assert.equal(reports.length, 1);
  assert.equal(reports[0].severity, 'warn');
  assert.match(reports[0].message, /not below a directory in allowExtFiles/);
  assert.equal(existsSync(bad), false);
  assert.equal(existsSync(join(root, 'forbidden')), false, 'not even its directory');

  await ok(c.api, 'PUT', F(good), { content: b64('[[promoter]]\nid = 2\n') });
  await waitFor('the new content on disk', () => readFileSync(good, 'utf8') === '[[promoter]]\nid = 2\n', 20_000);

  await ok(c.api, 'DELETE', `${R}/web/files/${enc(good)}`);
  await waitFor('removed from disk on detach', () => !existsSync(good), 20_000);
  assert.ok(existsSync(join(allowed, 'reactor.d')), 'the directory stays');

  // Deleting the refused (still attached) file clears the report with the next update.
  await ok(c.api, 'DELETE', F(bad));
  await waitFor('report gone', () => c.manager.runtime.nodeReports('ext1').length === 0, 20_000);

  // Attach again, then delete the resource: the file goes with it.
  await ok(c.api, 'POST', `${R}/web/files/${enc(good)}`);
  await waitFor('written again', () => existsSync(good), 20_000);
  await ok(c.api, 'DELETE', `${R}/web/resources/ext1`);
  await waitFor('removed with the resource', () => !existsSync(good), 20_000);
});
