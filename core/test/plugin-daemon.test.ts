/**
 * Plugins inside a real (in-process) storhubd: loaded from storhub.toml — the example plugin by its
 * package name through the workspace fallback, a missing package — with the REST client aimed at the
 * daemon's own API; a failed plugin shows in /health's body (status stays 200), GET /v1/storhub/plugins and `storhub plugin
 * list`; on close the plugins stop first, while the API still answers their last call.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/daemon/config.js';
import { startDaemon } from '../src/daemon/daemon.js';
import { moduleLoader } from '../src/plugin/loader.js';
import { makeApi, silent } from './helpers.js';
import { storhubIn } from './cli-helpers.js';
import { testAdapter } from './plugin-fixtures.js';

function get(socketPath: string, path: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    request({ socketPath, path, method: 'GET' }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    }).on('error', reject).end();
  });
}

test('storhubd runs the configured plugins; failures show in /health, the REST list and the CLI; close stops plugins first', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'storhub-plugin-daemon-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const sock = join(dir, 'echo.sock');
  const file = join(dir, 'storhub.toml');
  writeFileSync(file, `
[http]
port = 0
[db]
connection_url = "sqlite:${join(dir, 'db.sqlite')}"
[satellite]
state_dir = "${join(dir, 'satellite')}"
[logging]
level = "silent"

[plugins.example-echo]
[plugins.example-echo.config]
socket = "${sock}"

[plugins.missing]

[plugins.lastcall]
package = "test:lastcall"
`);
  const config = loadConfig({ configPath: file, cwd: dir, env: {}, hostname: 'node-a' });
  const events: string[] = [];
  let answered: string | undefined;
  const lastcall = testAdapter('lastcall', events, {
    // A plugin's stop may still need the controller (release a volume, unregister): it must answer.
    onStop: async (ctx) => {
      answered = (await ctx.client.controller.version()).rest_api_version;
    },
  });
  const real = moduleLoader({ baseDir: dir });
  const d = await startDaemon(config, 'controller', silent, { loadPlugin: (pkg) => (pkg === 'test:lastcall' ? Promise.resolve(lastcall) : real(pkg)) });
  let closed = false;
  t.after(async () => {
    if (!closed) await d.close();
  });

  const list = d.plugins.list();
  assert.deepEqual(list.map((p) => [p.name, p.package, p.state, p.endpoint]), [
    ['example-echo', '@storhub/plugin-example-echo', 'running', sock],
    ['lastcall', 'test:lastcall', 'running', undefined],
    ['missing', '@storhub/plugin-missing', 'failed', undefined],
  ]);
  const missingWhy = "The plugin package '@storhub/plugin-missing' is not installed (npm install @storhub/plugin-missing), " +
    'and no workspace package plugins/*/package.json has that name.';
  assert.equal(list[2].message, missingWhy);
  // The plugin's context: the daemon's own API and node name, a state dir below the satellite's.
  assert.equal(lastcall.ctx!.client.activeController, d.url);
  assert.equal(lastcall.ctx!.nodeName, 'node-a');
  assert.equal(lastcall.ctx!.stateDir, join(dir, 'satellite', 'plugins', 'lastcall'));

  // The example plugin answers on its socket, and its volume list went through the daemon's REST API.
  assert.deepEqual(await get(sock, '/health'), { status: 200, text: 'ok' });
  assert.deepEqual(await get(sock, '/volumes'), { status: 200, text: '[]' });

  const health = await fetch(`${d.url}/health`);
  // Still 200: Proxmox probes /health to decide whether the controller is reachable at all.
  assert.equal(health.status, 200);
  assert.equal(await health.text(), `plugin 'missing' failed: ${missingWhy}`);

  const rest = await fetch(`${d.url}/v1/storhub/plugins`);
  assert.equal(rest.status, 200);
  const body = await rest.json() as Array<Record<string, unknown>>;
  assert.deepEqual(body.map((p) => Object.keys(p).sort()), [
    ['endpoint', 'name', 'package', 'since', 'state'], ['name', 'package', 'since', 'state'], ['message', 'name', 'package', 'since', 'state'],
  ]);
  assert.deepEqual(body.map((p) => [p.name, p.state]), [['example-echo', 'running'], ['lastcall', 'running'], ['missing', 'failed']]);
  assert.ok(typeof body[0].since === 'number' && body[0].since > Date.now() - 60_000);

  const cli = await storhubIn(['--controllers', d.url!, 'plugin', 'list']);
  assert.equal(cli.code, 10, 'a failed plugin makes `plugin list` exit with 10');
  const rows = cli.stdout.split('\n').filter((l) => /example-echo|lastcall|missing/.test(l));
  assert.equal(rows.length, 3);
  assert.match(rows[0], /┊ example-echo ┊ @storhub\/plugin-example-echo ┊ running ┊ .*echo\.sock/);
  assert.match(rows[2], /┊ missing\s+┊ @storhub\/plugin-missing\s+┊ failed\s+┊/);
  const machine = await storhubIn(['--controllers', d.url!, '-m', 'pl', 'ls']);
  assert.deepEqual(JSON.parse(machine.stdout).map((p: { name: string }) => p.name), ['example-echo', 'lastcall', 'missing']);

  events.length = 0;
  closed = true;
  await d.close();
  assert.deepEqual(events, ['abort:lastcall', 'stop:lastcall']);
  assert.equal(answered, '1.28.0', 'the API answered the plugin while it stopped');
  assert.equal(existsSync(sock), false, 'the example plugin removed its socket on stop');
  assert.deepEqual(d.plugins.list().map((p) => p.state), ['stopped', 'stopped', 'failed']);
});

test('an API without plugins lists none and stays healthy; `plugin list` says none are configured', async (t) => {
  const api = await makeApi();
  t.after(() => api.close());
  const r = await api.call('GET', '/v1/storhub/plugins');
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, []);
  assert.equal((await api.call('GET', '/health')).status, 200);
  await api.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = api.app.server.address() as { port: number };
  const cli = await storhubIn(['--controllers', `127.0.0.1:${port}`, 'plugin', 'list']);
  assert.equal(cli.code, 0);
  assert.equal(cli.stdout, 'No plugins are configured ([plugins.<id>] sections of storhub.toml).\n');
});
