/**
 * The example plugin tested the way every plugin can be: start() with a hand-made context (a stub
 * VolumeOps, a silent logger, a temp state dir), talk to its socket, stop() — twice, as the host may.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { StorhubClient } from '@storhub/core/client';
import type { CommandRunner, PluginContext, VolumeInfo, VolumeOps } from '@storhub/core/plugin';
import echo, { MARK } from '../src/index.js';

function call(socketPath: string, method: string, path: string, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method, path }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function context(stateDir: string, volumes: Partial<VolumeOps>): PluginContext {
  const unused = () => Promise.reject(new Error('not used in this test'));
  const runner: CommandRunner = { run: unused };
  return {
    log: pino({ level: 'silent' }),
    client: new StorhubClient({ controllers: 'http://127.0.0.1:1' }),
    volumes: volumes as VolumeOps,
    runner,
    signal: new AbortController().signal,
    nodeName: 'node-a',
    stateDir,
  };
}

test('example-echo: config schema defaults and refuses unknown keys', () => {
  assert.deepEqual(echo.configSchema.parse({}), { greeting: 'hello' });
  const bad = echo.configSchema.safeParse({ greting: 'x' });
  assert.equal(bad.success, false);
  assert.match(bad.error!.issues[0].message, /greting/);
  assert.equal(echo.configSchema.safeParse({ socket: 'relative.sock' }).success, false);
});

test('example-echo: serves health, echo and its volumes on the socket; stop removes it and is safe twice', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'storhub-echo-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const seen: unknown[] = [];
  const vol: VolumeInfo = { name: 'v1', size_kib: 1024, props: { [MARK]: 'true' }, replicas: [{ node: 'node-a', diskless: false }] };
  const ctx = context(dir, { list: async (filter) => (seen.push(filter), [vol]) });

  await echo.start(ctx, echo.configSchema.parse({ greeting: 'hi' }));
  const sock = join(dir, 'echo.sock');
  assert.deepEqual(echo.status?.(), { endpoint: sock });
  assert.deepEqual(await call(sock, 'GET', '/health'), { status: 200, text: 'ok' });
  assert.deepEqual(await call(sock, 'POST', '/echo', 'world'), { status: 200, text: 'hi world' });
  const listed = await call(sock, 'GET', '/volumes');
  assert.equal(listed.status, 200);
  assert.deepEqual(JSON.parse(listed.text), [vol]);
  assert.deepEqual(seen, [{ props: { [MARK]: 'true' } }]);
  assert.equal((await call(sock, 'GET', '/nope')).status, 404);

  await echo.stop();
  assert.equal(existsSync(sock), false);
  await echo.stop();
  await ctx.client.close();
});
