/**
 * The plugin host: every config is validated before any plugin starts, a bad config or a throwing /
 * hanging start fails only that plugin, stop runs newest-first with the signal aborted before stop(),
 * and the status list / health line say what failed and why.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PluginHost } from '../src/plugin/host.js';
import { moduleLoader } from '../src/plugin/loader.js';
import { silent } from './helpers.js';
import { mapLoader, settingsOf, testAdapter } from './plugin-fixtures.js';

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'storhub-plugin-host-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const hostFor = (dir: string, load: ReturnType<typeof mapLoader>) =>
  new PluginHost({ logger: silent, nodeName: 'node-a', stateDir: join(dir, 'plugins'), defaultControllers: () => ['http://127.0.0.1:1'], load });

test('every config is validated before any plugin starts; a bad config fails only that plugin', async (t) => {
  const dir = tempDir(t);
  const events: string[] = [];
  const [a, b, c] = ['a', 'b', 'c'].map((n) => testAdapter(n, events));
  const host = hostFor(dir, mapLoader({ 'pkg-a': a, 'pkg-b': b, 'pkg-c': c }));
  t.after(() => host.stop());

  await host.apply(settingsOf([['a', {}], ['b', { value: 7, typo: true }], ['c', { value: 'x' }]]));

  assert.deepEqual(events, ['validate:a', 'validate:b', 'validate:c', 'start:a', 'start:c']);
  const list = host.list();
  assert.deepEqual(list.map((p) => [p.name, p.package, p.state]), [['a', 'pkg-a', 'running'], ['b', 'pkg-b', 'failed'], ['c', 'pkg-c', 'running']]);
  const failed = list[1];
  assert.match(failed.message!, /^invalid configuration in \[plugins\.b\.config\]: /);
  assert.match(failed.message!, /value: Invalid input: expected string, received number/);
  assert.match(failed.message!, /Unrecognized key: "typo"/);
  assert.equal(host.healthProblem(), `plugin 'b' failed: ${failed.message}`);
  // The context: node name, a state directory of its own (0700), the config as parsed (defaults filled).
  assert.equal(a.ctx!.nodeName, 'node-a');
  assert.equal(a.ctx!.stateDir, join(dir, 'plugins', 'a'));
  assert.equal(statSync(a.ctx!.stateDir).mode & 0o777, 0o700);
  assert.equal(a.ctx!.signal.aborted, false);
  assert.equal(a.ctx!.log.bindings().plugin, 'a');
  assert.equal(a.ctx!.log.bindings().component, 'plugin');
});

test('a plugin whose start throws or hangs is failed and released; the others run', async (t) => {
  const dir = tempDir(t);
  const events: string[] = [];
  const ok = testAdapter('ok', events);
  const throws = testAdapter('throws', events, { startThrows: 'socket /run/x.sock is in use' });
  const hangs = testAdapter('hangs', events, { startHangs: true });
  const host = hostFor(dir, mapLoader({ 'pkg-ok': ok, 'pkg-throws': throws, 'pkg-hangs': hangs }));
  t.after(() => host.stop());

  await host.apply(settingsOf([['throws', {}], ['hangs', {}], ['ok', {}]], { startTimeoutMs: 200 }));

  const byName = Object.fromEntries(host.list().map((p) => [p.name, p]));
  assert.equal(byName.ok.state, 'running');
  assert.equal(byName.throws.state, 'failed');
  assert.equal(byName.throws.message, 'start failed: socket /run/x.sock is in use');
  assert.equal(byName.hangs.state, 'failed');
  assert.equal(byName.hangs.message, 'start failed: start() did not finish within 0.2 s');
  // A failed start is cleaned up like a stop: signal aborted first, then stop().
  assert.deepEqual(events.filter((e) => e.endsWith(':throws')), ['validate:throws', 'start:throws', 'abort:throws', 'stop:throws']);
  assert.deepEqual(events.filter((e) => e.endsWith(':hangs')), ['validate:hangs', 'start:hangs', 'abort:hangs', 'stop:hangs']);
  assert.equal(throws.ctx!.signal.aborted, true);
  assert.equal(host.healthProblem(),
    "plugin 'hangs' failed: start failed: start() did not finish within 0.2 s\nplugin 'throws' failed: start failed: socket /run/x.sock is in use");
});

test('packages that cannot be loaded, malformed entries and a missing controller fail only their plugin', async (t) => {
  const dir = tempDir(t);
  const events: string[] = [];
  const ok = testAdapter('ok', events);
  const realLoader = moduleLoader({ baseDir: dir, workspaceRoot: dir });
  const host = new PluginHost({
    logger: silent, nodeName: 'n', stateDir: join(dir, 'plugins'), defaultControllers: () => ['http://127.0.0.1:1'],
    load: async (pkg) => (pkg === 'pkg-ok' ? ok : realLoader(pkg)),
  });
  t.after(() => host.stop());
  await host.apply(settingsOf([
    ['ok', {}],
    { id: 'missing', package: '@storhub/plugin-does-not-exist', enabled: true, config: {} },
    { id: 'nofile', package: './nowhere/plugin.js', enabled: true, config: {} },
    { id: 'typo', package: 'pkg-ok', enabled: true, config: {}, problem: '[plugins.typo]: unknown key(s) socket; the plugin\'s own options go in [plugins.typo.config]' },
  ]));
  const byName = Object.fromEntries(host.list().map((p) => [p.name, p]));
  assert.equal(byName.ok.state, 'running');
  assert.equal(byName.missing.state, 'failed');
  assert.equal(byName.missing.message, "The plugin package '@storhub/plugin-does-not-exist' is not installed (npm install @storhub/plugin-does-not-exist), " +
    'and no workspace package plugins/*/package.json has that name.');
  assert.equal(byName.nofile.state, 'failed');
  assert.match(byName.nofile.message!, new RegExp(`^Cannot load the plugin module ${join(dir, 'nowhere/plugin.js')}: `));
  assert.equal(byName.typo.state, 'failed');
  assert.match(byName.typo.message!, /unknown key\(s\) socket/);
  assert.deepEqual(events, ['validate:ok', 'start:ok']);

  // Without a REST API and without [plugins] controllers, a plugin has no one to talk to.
  const lonely = new PluginHost({ logger: silent, nodeName: 'n', stateDir: join(dir, 'p2'), defaultControllers: () => undefined, load: mapLoader({ 'pkg-x': testAdapter('x', events) }) });
  await lonely.apply(settingsOf([['x', {}]]));
  assert.deepEqual(lonely.list().map((p) => [p.state, p.message]), [['failed', 'no controller to talk to: this storhubd serves no REST API; set [plugins] controllers']]);
  await lonely.stop();
});

test('stop: newest first, each signal aborted before its stop(); a throwing stop does not keep the others running', async (t) => {
  const dir = tempDir(t);
  const events: string[] = [];
  const adapters = { 'pkg-a': testAdapter('a', events), 'pkg-b': testAdapter('b', events, { stopThrows: 'boom' }), 'pkg-c': testAdapter('c', events) };
  const host = hostFor(dir, mapLoader(adapters));
  await host.apply(settingsOf([['a', {}], ['b', {}], ['c', {}]]));
  events.length = 0;

  await host.stop();
  assert.deepEqual(events, ['abort:c', 'stop:c', 'abort:b', 'stop:b', 'abort:a', 'stop:a']);
  assert.deepEqual(host.list().map((p) => [p.name, p.state, p.message]), [
    ['a', 'stopped', 'storhubd is stopping'], ['b', 'stopped', 'storhubd is stopping'], ['c', 'stopped', 'storhubd is stopping'],
  ]);
  assert.equal(host.healthProblem(), undefined);
  // After stop, a late reload (SIGHUP during shutdown) starts nothing.
  await host.apply(settingsOf([['a', {}]]));
  assert.deepEqual(events.filter((e) => e.startsWith('start')), []);
  await host.stop();
  assert.equal(events.filter((e) => e === 'stop:a').length, 1);
});

test('one package runs once: a second id naming the same package fails with the id that has it', async (t) => {
  const dir = tempDir(t);
  const events: string[] = [];
  const a = testAdapter('a', events);
  const host = hostFor(dir, mapLoader({ 'pkg-a': a }));
  t.after(() => host.stop());
  await host.apply(settingsOf([['a', {}], { id: 'again', package: 'pkg-a', enabled: true, config: {} }]));
  assert.deepEqual(host.list().map((p) => [p.name, p.state, p.message]), [
    ['a', 'running', undefined],
    ['again', 'failed', "package 'pkg-a' already runs as plugin 'a' (a package's adapter runs once per storhubd)"],
  ]);
  assert.equal(a.starts, 1);
});

test('disabled plugins are listed as stopped and never loaded', async (t) => {
  const dir = tempDir(t);
  const events: string[] = [];
  const host = hostFor(dir, mapLoader({ 'pkg-a': testAdapter('a', events) }));
  t.after(() => host.stop());
  await host.apply(settingsOf([{ id: 'a', package: 'pkg-a', enabled: false, config: {} }]));
  assert.deepEqual(host.list().map((p) => [p.name, p.state, p.message]), [['a', 'stopped', 'disabled ([plugins.a] enabled = false)']]);
  assert.deepEqual(events, []);
});
