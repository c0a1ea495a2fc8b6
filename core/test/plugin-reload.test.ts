/**
 * Reload (SIGHUP): an unchanged plugin keeps running untouched — the same server object, the same
 * socket file (inode), and a connection made before the reload still answers — while a changed one is
 * restarted, a removed one stopped, a new one started, a failed one retried; a changed plugin whose new
 * config is invalid keeps running with the previous one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PluginHost } from '../src/plugin/host.js';
import { silent } from './helpers.js';
import { mapLoader, settingsOf, testAdapter } from './plugin-fixtures.js';

/** Sends a line and reads the answer line. */
async function ask(s: Socket): Promise<string> {
  s.write('ping\n');
  const [chunk] = await once(s, 'data');
  return String(chunk).trim();
}

async function open(path: string): Promise<Socket> {
  const s = connect(path);
  await once(s, 'connect');
  return s;
}

test('reload keeps an unchanged plugin running (same socket, old connection alive) and restarts a changed one', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'storhub-plugin-reload-'));
  const events: string[] = [];
  const keep = testAdapter('keep', events);
  const change = testAdapter('change', events);
  const gone = testAdapter('gone', events);
  const added = testAdapter('added', events);
  const flaky = testAdapter('flaky', events, { startThrows: 'not yet' });
  const host = new PluginHost({
    logger: silent, nodeName: 'n', stateDir: join(dir, 'state'), defaultControllers: () => ['http://127.0.0.1:1'],
    load: mapLoader({ 'pkg-keep': keep, 'pkg-change': change, 'pkg-gone': gone, 'pkg-added': added, 'pkg-flaky': flaky }),
  });
  const sockets: Socket[] = [];
  t.after(async () => {
    for (const s of sockets) s.destroy();
    await host.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const keepSock = join(dir, 'keep.sock');
  const changeSock = join(dir, 'change.sock');

  await host.apply(settingsOf([
    ['keep', { socket: keepSock }], ['change', { socket: changeSock, value: 'old' }], ['gone', {}], ['flaky', {}],
  ]));
  assert.deepEqual(host.list().map((p) => [p.name, p.state]), [['change', 'running'], ['flaky', 'failed'], ['gone', 'running'], ['keep', 'running']]);
  assert.equal(host.list().find((p) => p.name === 'keep')!.endpoint, keepSock);

  const keepServer = keep.server;
  const keepInode = statSync(keepSock).ino;
  const keepConn = await open(keepSock);
  const changeConn = await open(changeSock);
  sockets.push(keepConn, changeConn);
  assert.equal(await ask(keepConn), 'keep:1:v');
  assert.equal(await ask(changeConn), 'change:1:old');
  const changeClosed = once(changeConn, 'close');
  const keepSignal = keep.ctx!.signal;
  events.length = 0;

  // Same entry for keep (key order differs: still unchanged), new value for change, gone removed, added new;
  // flaky is unchanged but failed: retried (and fails again, still isolated).
  await host.apply(settingsOf([
    ['change', { value: 'new', socket: changeSock }], ['keep', { socket: keepSock }], ['added', {}], ['flaky', {}],
  ]));

  assert.deepEqual(events, [
    'validate:change', 'validate:added', 'validate:flaky',
    'abort:gone', 'stop:gone', 'abort:change', 'stop:change',
    'start:change', 'start:added', 'start:flaky', 'abort:flaky', 'stop:flaky',
  ]);
  assert.equal(keep.server, keepServer, 'the unchanged plugin keeps its server object');
  assert.equal(keep.starts, 1);
  assert.equal(keepSignal.aborted, false);
  assert.equal(statSync(keepSock).ino, keepInode, 'the socket file was not recreated');
  assert.equal(await ask(keepConn), 'keep:1:v', 'a connection made before the reload still works');

  await changeClosed; // the old instance's connections went with it
  assert.equal(change.starts, 2);
  const fresh = await open(changeSock);
  sockets.push(fresh);
  assert.equal(await ask(fresh), 'change:2:new');
  assert.deepEqual(host.list().map((p) => [p.name, p.state, p.message]), [
    ['added', 'running', undefined], ['change', 'running', undefined], ['flaky', 'failed', 'start failed: not yet'], ['keep', 'running', undefined],
  ]);

  // The same configuration again: nothing is touched (except the failed plugin, which is retried).
  events.length = 0;
  await host.apply(settingsOf([['change', { value: 'new', socket: changeSock }], ['keep', { socket: keepSock }], ['added', {}], ['flaky', {}]]));
  assert.deepEqual(events, ['validate:flaky', 'start:flaky', 'abort:flaky', 'stop:flaky']);

  // A changed plugin whose new config is invalid keeps running with the previous one.
  events.length = 0;
  await host.apply(settingsOf([['change', { value: 42, socket: changeSock }], ['keep', { socket: keepSock }], ['added', {}]]));
  assert.deepEqual(events, ['validate:change']);
  const changed = host.list().find((p) => p.name === 'change')!;
  assert.equal(changed.state, 'running');
  assert.match(changed.message!, /^the new configuration was rejected, still running with the previous one: invalid configuration in \[plugins\.change\.config\]: value: /);
  assert.equal(await ask(fresh), 'change:2:new');
  assert.deepEqual(host.list().map((p) => p.name), ['added', 'change', 'keep'], 'flaky was removed from the list');
  assert.equal(await ask(keepConn), 'keep:1:v');
});

test('a change of [plugins] controllers restarts every plugin (their client changes)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'storhub-plugin-reload-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const events: string[] = [];
  const a = testAdapter('a', events);
  const host = new PluginHost({ logger: silent, nodeName: 'n', stateDir: dir, defaultControllers: () => ['http://127.0.0.1:1'], load: mapLoader({ 'pkg-a': a }) });
  t.after(() => host.stop());
  await host.apply(settingsOf([['a', {}]]));
  const first = a.ctx!.client;
  assert.equal(first.activeController, 'http://127.0.0.1:1');
  await host.apply(settingsOf([['a', {}]], { controllers: ['127.0.0.2:3370'] }));
  assert.equal(a.starts, 2);
  assert.equal(a.ctx!.client.activeController, 'http://127.0.0.2:3370');
  assert.notEqual(a.ctx!.client, first);
});
