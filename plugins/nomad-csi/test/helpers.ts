/**
 * Test helpers of the CSI plugin: a real combined storhubd (controller + satellite with a FILE_THIN
 * pool in a temp dir, on loopback, ports chosen by the kernel), a CommandRunner for the plugin's node
 * side, and a gRPC client built from the same proto as the plugin, over its unix socket.
 *
 * Safety: everything lives in one mkdtemp directory; cleanup unmounts what is mounted below it,
 * detaches the loop devices backed by files below it, kills only the daemon it started and removes
 * the directory.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { pino } from 'pino';
import { StorhubClient } from '@storhub/core/client';
import { CommandError, createVolumeOps, type CommandRunner, type RunOptions, type RunResult } from '@storhub/core/plugin';
import csi, { configSchema } from '../src/index.js';
import { csiServices } from '../src/proto.js';

const CORE_DIR = fileURLToPath(new URL('.', import.meta.resolve('@storhub/core/package.json')));
export const DAEMON_MAIN = join(CORE_DIR, 'dist/src/daemon/main.js');

/** argv only, a time limit on everything: the contract of CommandRunner. */
export class TestRunner implements CommandRunner {
  readonly calls: string[][] = [];

  run(file: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    const argv = [file, ...args];
    this.calls.push(argv);
    return new Promise((resolve, reject) => {
      execFile(file, [...args], { timeout: opts.timeoutMs ?? 60_000, encoding: 'utf8', maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : undefined) : 0;
        if (code === undefined) return reject(new CommandError(argv, undefined, stdout, stderr, err!.message));
        if (!(opts.okExitCodes ?? [0]).includes(code)) return reject(new CommandError(argv, code, stdout, stderr, `exit code ${code}`));
        resolve({ exitCode: code, stdout, stderr });
      });
    });
  }
}

export interface Daemon {
  url: string;
  nodeName: string;
  proc: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** Starts `storhubd --role combined` in `dir`; `extraToml` is appended to its config (e.g. [plugins]). */
export async function startDaemon(dir: string, nodeName: string, extraToml = ''): Promise<Daemon> {
  const config = join(dir, 'storhub.toml');
  await writeFile(config, [
    '[logging]', 'level = "warn"',
    '[db]', `connection_url = "sqlite:${join(dir, 'storhub.db')}"`,
    '[node]', `name = "${nodeName}"`, 'address = "127.0.0.1"',
    '[storage]', `directory = "${join(dir, 'storage')}"`,
    '[satellite]', 'listen_addr = "127.0.0.1"', 'port = 0', `state_dir = "${join(dir, 'satellite')}"`,
    extraToml, '',
  ].join('\n'));
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('STORHUB_')));
  const proc = spawn(process.execPath, [DAEMON_MAIN, '--role', 'combined', '--config', config, '--port', '0'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (c: Buffer) => (out = (out + c.toString()).slice(-65536));
  proc.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`storhubd not ready in 60 s:\n${out}`)), 60_000);
    proc.stdout!.on('data', (c: Buffer) => {
      keep(c);
      const m = /^storhubd ready: REST on (http:\/\/[^\s,]+)/m.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`storhubd exited before it was ready:\n${out}`));
    });
  });
  return {
    url, nodeName, proc, output: () => out,
    stop: async () => {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Waits until the controller reports the node ONLINE with its pool. */
export async function waitOnline(url: string, node: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const res = await fetch(`${url}/v1/nodes`);
    const nodes = (await res.json()) as Array<{ name: string; connection_status?: string }>;
    if (nodes.find((n) => n.name === node)?.connection_status === 'ONLINE') return;
    if (Date.now() > deadline) throw new Error(`node ${node} not ONLINE: ${JSON.stringify(nodes)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function tempDir(prefix: string): Promise<{ dir: string; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: async () => {
    unmountUnder(dir);
    detachLoopsUnder(dir);
    await rm(dir, { recursive: true, force: true });
  } };
}

/** Unmounts everything mounted below `dir`, deepest first (only ours: the directory is unique). */
export function unmountUnder(dir: string): void {
  const targets = readFileSync('/proc/self/mounts', 'utf8').split('\n')
    .map((l) => l.split(' ')[1]?.replace(/\\040/g, ' '))
    .filter((t): t is string => !!t && t.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const t of targets) spawnSync('umount', ['-l', t], { timeout: 30_000 });
}

/** Detaches the loop devices backed by files below `dir`. */
export function detachLoopsUnder(dir: string): void {
  const r = spawnSync('losetup', ['--list', '--json', '-O', 'NAME,BACK-FILE'], { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0 || r.stdout.trim() === '') return;
  for (const d of (JSON.parse(r.stdout) as { loopdevices: Array<{ name: string; 'back-file': string | null }> }).loopdevices) {
    if (d['back-file']?.startsWith(`${dir}/`)) spawnSync('losetup', ['-d', d.name], { timeout: 30_000 });
  }
}

/** Loop devices backed by files below `dir`. */
export function loopsUnder(dir: string): string[] {
  const r = spawnSync('losetup', ['--list', '--json', '-O', 'NAME,BACK-FILE'], { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0 || r.stdout.trim() === '') return [];
  return (JSON.parse(r.stdout) as { loopdevices: Array<{ name: string; 'back-file': string | null }> }).loopdevices
    .filter((d) => d['back-file']?.startsWith(`${dir}/`)).map((d) => d.name);
}

export function isMountpoint(path: string): boolean {
  return spawnSync('findmnt', ['--mountpoint', path], { timeout: 30_000 }).status === 0;
}

export interface PluginUnderTest {
  tmp: { dir: string; cleanup(): Promise<void> };
  client: StorhubClient;
  /** The plugin's unix socket path. */
  socket: string;
  c: CsiClient;
}

/**
 * A temp dir, a combined storhubd on it with node `node` ONLINE, and the CSI plugin started in this
 * process (real REST client, shared VolumeOps, TestRunner) with `config(socket)`; `beforeStart` runs
 * just before the plugin starts. Everything is torn down in `t.after`.
 */
export async function startPlugin(t: TestContext, opts: {
  prefix: string;
  node: string;
  timeoutMs: number;
  config(socket: string): Record<string, unknown>;
  beforeStart?(client: StorhubClient): Promise<unknown>;
}): Promise<PluginUnderTest> {
  const tmp = await tempDir(opts.prefix);
  const daemon = await startDaemon(tmp.dir, opts.node);
  const client = new StorhubClient({ controllers: daemon.url });
  const abort = new AbortController();
  const log = pino({ level: process.env.CSI_TEST_LOG ?? 'silent' });
  const socket = join(tmp.dir, 'csi.sock');
  let c: CsiClient | undefined;
  t.after(async () => {
    c?.close();
    await csi.stop();
    abort.abort();
    await client.close();
    await daemon.stop();
    await tmp.cleanup();
  });
  await waitOnline(daemon.url, opts.node);
  await opts.beforeStart?.(client);
  await csi.start({
    log, client, runner: new TestRunner(), signal: abort.signal, nodeName: opts.node, stateDir: join(tmp.dir, 'state'),
    volumes: createVolumeOps(client, { log, signal: abort.signal, timeoutMs: opts.timeoutMs, pollMs: 200 }),
  }, configSchema.parse(opts.config(socket)));
  c = new CsiClient(socket);
  return { tmp, client, socket, c };
}

type AnyClient = grpc.Client & Record<string, (req: object, cb: (err: grpc.ServiceError | null, res: any) => void) => void>;

/** The three CSI services over the socket, each RPC as a promise. */
export class CsiClient {
  private readonly clients: Record<'Identity' | 'Controller' | 'Node', AnyClient>;

  constructor(socket: string) {
    const s = csiServices();
    const creds = grpc.credentials.createInsecure();
    const target = `unix://${socket}`;
    this.clients = {
      Identity: new s.Identity(target, creds) as AnyClient,
      Controller: new s.Controller(target, creds) as AnyClient,
      Node: new s.Node(target, creds) as AnyClient,
    };
  }

  call(service: 'Identity' | 'Controller' | 'Node', rpc: string, req: object = {}): Promise<any> {
    const client = this.clients[service];
    return new Promise((resolve, reject) => {
      client[rpc](req, (err, res) => (err ? reject(err) : resolve(res)));
    });
  }

  /** The status code name of a call that must fail (assertion message if it succeeds). */
  async code(service: 'Identity' | 'Controller' | 'Node', rpc: string, req: object = {}): Promise<string> {
    try {
      const res = await this.call(service, rpc, req);
      return `OK ${JSON.stringify(res)}`;
    } catch (err) {
      return grpc.status[(err as grpc.ServiceError).code];
    }
  }

  /** The failure of a call that must fail: code name and message. */
  async failure(service: 'Identity' | 'Controller' | 'Node', rpc: string, req: object = {}): Promise<{ code: string; details: string }> {
    try {
      const res = await this.call(service, rpc, req);
      return { code: 'OK', details: JSON.stringify(res) };
    } catch (err) {
      const e = err as grpc.ServiceError;
      return { code: grpc.status[e.code], details: e.details };
    }
  }

  close(): void {
    for (const c of Object.values(this.clients)) c.close();
  }
}

export const MiB = 1024 * 1024;

export const mountCap = (mode = 'SINGLE_NODE_WRITER', fs = 'ext4', flags: string[] = []) => ({ mount: { fs_type: fs, mount_flags: flags }, access_mode: { mode } });
export const blockCap = (mode = 'SINGLE_NODE_WRITER') => ({ block: {}, access_mode: { mode } });
