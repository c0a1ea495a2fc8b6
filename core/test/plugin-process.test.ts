/**
 * The real `storhubd` process with plugins: SIGHUP re-reads [plugins] (a removed plugin goes, the
 * unchanged example plugin keeps its socket file and an open connection, a changed one restarts) and
 * SIGTERM stops the plugins (the socket is removed) and exits 0. Only the process started here is
 * ever signalled.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from './satellite-sync-fake.js';

const MAIN = fileURLToPath(new URL('../src/daemon/main.js', import.meta.url));

/** One HTTP/1.1 request on an open (keep-alive) connection; resolves with the body. */
async function ask(s: Socket, method: string, path: string, body = ''): Promise<string> {
  const reply = new Promise<string>((resolve, reject) => {
    let buf = '';
    const onData = (c: Buffer) => {
      buf += c.toString();
      const head = buf.indexOf('\r\n\r\n');
      if (head < 0) return;
      const rest = buf.slice(head + 4);
      const len = /content-length: (\d+)/i.exec(buf.slice(0, head));
      let body: string | undefined;
      if (len && rest.length >= Number(len[1])) body = rest.slice(0, Number(len[1]));
      // Chunked: "<hex size>\r\n<data>\r\n" ... "0\r\n\r\n".
      if (!len && rest.endsWith('0\r\n\r\n')) {
        body = '';
        for (let at = 0; ;) {
          const eol = rest.indexOf('\r\n', at);
          const size = parseInt(rest.slice(at, eol), 16);
          if (size === 0) break;
          body += rest.slice(eol + 2, eol + 2 + size);
          at = eol + 2 + size + 2;
        }
      }
      if (body === undefined) return;
      s.off('data', onData);
      s.off('close', onClose);
      resolve(body);
    };
    const onClose = () => reject(new Error(`connection closed before the answer to ${method} ${path} ${body}`));
    s.on('data', onData);
    s.once('close', onClose);
  });
  s.write(`${method} ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  return reply;
}

const configText = (dir: string, plugins: string) => `
[db]
connection_url = "sqlite:${join(dir, 'db.sqlite')}"
[satellite]
state_dir = "${join(dir, 'satellite')}"
[logging]
level = "warn"
${plugins}
`;

test('storhubd: SIGHUP reconciles [plugins] keeping the unchanged one alive; SIGTERM stops them and exits 0', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'storhub-plugin-process-'));
  const sock = join(dir, 'echo.sock');
  const file = join(dir, 'storhub.toml');
  const echo = (greeting: string) => `[plugins.example-echo]\n[plugins.example-echo.config]\nsocket = "${sock}"\ngreeting = "${greeting}"\n`;
  writeFileSync(file, configText(dir, `${echo('hello')}\n[plugins.missing]\n`));

  const env = { ...process.env };
  delete env.STORHUB_CONFIG;
  const proc = spawn(process.execPath, [MAIN, '--role', 'controller', '--config', file, '--port', '0'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const sockets: Socket[] = [];
  // Stopping the plugin cuts its connections; a reset (ECONNRESET) is how that may look from here.
  const resets: string[] = [];
  const open = async (): Promise<Socket> => {
    const s = connect(sock);
    sockets.push(s);
    s.on('error', (e: NodeJS.ErrnoException) => resets.push(e.code ?? e.message));
    await once(s, 'connect');
    return s;
  };
  t.after(() => {
    for (const s of sockets) s.destroy();
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  let out = '';
  proc.stdout.on('data', (c) => (out += c));
  proc.stderr.on('data', (c) => (out += c));
  const exited = once(proc, 'exit');
  const url = await waitFor('the ready line', () => /storhubd ready: REST on (http:\/\/[^\s,]+)/.exec(out)?.[1], 30_000);
  const plugins = async () => ((await (await fetch(`${url}/v1/storhub/plugins`)).json()) as Array<{ name: string; state: string }>)
    .map((p) => `${p.name}:${p.state}`);

  assert.deepEqual(await plugins(), ['example-echo:running', 'missing:failed']);
  // A failed plugin is named in /health's body; the status stays 200 (Proxmox probes it).
  const failing = await fetch(`${url}/health`);
  assert.equal(failing.status, 200);
  assert.match(await failing.text(), /plugin 'missing' failed/);
  const conn = await open();
  assert.equal(await ask(conn, 'POST', '/echo', 'a'), 'hello a');
  const inode = statSync(sock).ino;

  // Remove the failed plugin: the example plugin is untouched.
  writeFileSync(file, configText(dir, echo('hello')));
  proc.kill('SIGHUP');
  await waitFor('missing removed', async () => (await plugins()).join() === 'example-echo:running', 10_000);
  const healthy = await fetch(`${url}/health`);
  assert.equal(healthy.status, 200);
  assert.equal(await healthy.text(), '');
  assert.equal(statSync(sock).ino, inode);
  assert.equal(await ask(conn, 'POST', '/echo', 'b'), 'hello b', 'the connection from before the reload still works');

  // Change its options: it restarts (the old connection is closed, a new one sees the new greeting).
  const closed = once(conn, 'close');
  writeFileSync(file, configText(dir, echo('bonjour')));
  proc.kill('SIGHUP');
  await closed;
  // The new instance listens a moment after the old one closed (a connection that reached the old
  // one while it was closing is cut: try again).
  const answer = await waitFor('the restarted plugin answering', async () => ask(await open(), 'POST', '/echo', 'c'), 10_000);
  assert.equal(answer, 'bonjour c');

  proc.kill('SIGTERM');
  const [code, signal] = await exited;
  assert.deepEqual({ code, signal }, { code: 0, signal: null }, out.slice(-2000));
  assert.equal(existsSync(sock), false, 'the plugin was stopped (it removes its socket)');
  assert.ok(resets.every((c) => c === 'ECONNRESET' || c === 'ENOENT' || c === 'ECONNREFUSED'), resets.join());
});
