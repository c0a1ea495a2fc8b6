/**
 * A whole cluster on one machine: node1 runs `storhubd --role combined` (controller + satellite), the
 * others `--role satellite`. Every node has its own loopback address (127.0.0.1, .2, .3, ...: all of
 * 127.0.0.0/8 is local on Linux), its own root directory and a FILE_THIN pool `DfltStorPool`, so the
 * nodes look like separate hosts that all use the standard satellite port.
 *
 * Used by `npm run local-cluster` and by the multi-node tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { parseJson, stringifyJson } from '../model/json.js';

const DAEMON_MAIN = fileURLToPath(new URL('./main.js', import.meta.url));

export interface LocalClusterOptions {
  /** Number of nodes (1 to 50). */
  nodes: number;
  /** Root directory; node i lives in <dir>/node<i>. */
  dir: string;
  /** REST port of the controller (default 3370; 0 = any free port). */
  restPort?: number;
  /** Satellite port on every node's address (default 3366). */
  satellitePort?: number;
  logLevel?: string;
  /** Gets every line the daemons print, prefixed with the node name. */
  onOutput?: (line: string) => void;
  /** How long to wait for each step (default 60 s). */
  timeoutMs?: number;
  /** More TOML for node1's storhub.toml, e.g. its [plugins] sections (local-cluster-plugins.ts). */
  node1Config?: (node: LocalNode) => string;
}

export interface LocalNode {
  name: string;
  address: string;
  dir: string;
  role: 'combined' | 'satellite';
  proc?: ChildProcess;
}

export interface LocalCluster {
  controllerUrl: string;
  nodes: LocalNode[];
  /** Stops one node's process (SIGTERM) and waits for it to exit. */
  stopNode(name: string, signal?: NodeJS.Signals): Promise<void>;
  /** Starts a stopped node again with the same configuration. */
  startNode(name: string): Promise<void>;
  /** Waits until every node reports the wanted connection status (default ONLINE). */
  waitForStatus(status?: string, names?: string[]): Promise<void>;
  /** Stops every node. */
  stop(): Promise<void>;
}

export async function startLocalCluster(opts: LocalClusterOptions): Promise<LocalCluster> {
  if (!Number.isInteger(opts.nodes) || opts.nodes < 1 || opts.nodes > 50) {
    throw new Error(`--nodes must be a whole number from 1 to 50 (got ${opts.nodes})`);
  }
  const root = resolve(opts.dir);
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const satellitePort = opts.satellitePort ?? 3366;
  const nodes: LocalNode[] = Array.from({ length: opts.nodes }, (_, i) => ({
    name: `node${i + 1}`,
    address: `127.0.0.${i + 1}`,
    dir: join(root, `node${i + 1}`),
    role: i === 0 ? 'combined' : 'satellite',
  }));
  let restPort = opts.restPort ?? 3370;
  let controllerUrl = '';

  const configFile = (n: LocalNode) => {
    mkdirSync(n.dir, { recursive: true });
    const file = join(n.dir, 'storhub.toml');
    writeFileSync(file, [
      '[http]', `listen_addr = "127.0.0.1"`, `port = ${restPort}`,
      '[db]', `connection_url = "sqlite:${join(n.dir, 'storhub.db')}"`,
      '[logging]', `level = "${opts.logLevel ?? 'info'}"`,
      '[node]', `name = "${n.name}"`, `address = "${n.address}"`,
      '[storage]', `directory = "${join(n.dir, 'storage')}"`,
      '[satellite]', `listen_addr = "${n.address}"`, `port = ${satellitePort}`, `state_dir = "${join(n.dir, 'satellite')}"`,
      '',
      ...(n === nodes[0] && opts.node1Config ? [opts.node1Config(n)] : []),
    ].join('\n'));
    return file;
  };

  const start = (n: LocalNode) =>
    new Promise<string>((resolveReady, reject) => {
      const proc = spawn(process.execPath, [DAEMON_MAIN, '--role', n.role, '--config', configFile(n)], {
        cwd: n.dir,
        env: Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('STORHUB_'))),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      n.proc = proc;
      let buffered = '';
      const timer = setTimeout(() => reject(new Error(`${n.name} did not get ready within ${timeoutMs} ms`)), timeoutMs);
      const onData = (chunk: Buffer) => {
        buffered += chunk.toString();
        let nl: number;
        while ((nl = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, nl);
          buffered = buffered.slice(nl + 1);
          opts.onOutput?.(`${n.name}: ${line}`);
          const m = /^storhubd ready: (.*)$/.exec(line);
          if (m) {
            clearTimeout(timer);
            resolveReady(m[1]);
          }
        }
      };
      proc.stdout!.on('data', onData);
      proc.stderr!.on('data', onData);
      proc.once('exit', (code, signal) => {
        clearTimeout(timer);
        if (n.proc === proc) n.proc = undefined;
        reject(new Error(`${n.name} exited (code ${code}, signal ${signal}) before it was ready`));
      });
    });

  const stopNode = async (name: string, signal: NodeJS.Signals = 'SIGTERM') => {
    const n = nodes.find((x) => x.name === name);
    const proc = n?.proc;
    if (!n || !proc || proc.exitCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill(signal);
    await exited;
    n.proc = undefined;
  };

  const api = async (method: 'GET' | 'POST', path: string, body?: unknown): Promise<any> => {
    const res = await request(`${controllerUrl}${path}`, { method, body: body === undefined ? undefined : stringifyJson(body) });
    const text = await res.body.text();
    if (res.statusCode >= 300) throw new Error(`${method} ${path}: HTTP ${res.statusCode} ${text}`);
    return text ? parseJson(text) : undefined;
  };

  const waitForStatus = async (status = 'ONLINE', names = nodes.map((n) => n.name)) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const list = (await api('GET', '/v1/nodes')) as Array<{ name: string; connection_status?: string }>;
      const pending = names.filter((name) => list.find((x) => x.name === name)?.connection_status !== status);
      if (pending.length === 0) return;
      if (Date.now() > deadline) throw new Error(`nodes not ${status} after ${timeoutMs} ms: ${pending.join(', ')}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };

  const stopAll = async () => {
    // Satellites first, the controller last, so it does not log every satellite going away.
    for (const n of [...nodes].reverse()) await stopNode(n.name);
  };

  try {
    const ready = await start(nodes[0]);
    const m = /REST on (http:\/\/[^\s,]+)/.exec(ready);
    if (!m) throw new Error(`node1 runs no REST API: ${ready}`);
    controllerUrl = m[1];
    restPort = Number(new URL(controllerUrl).port);
    await Promise.all(nodes.slice(1).map((n) => start(n)));
    for (const n of nodes.slice(1)) {
      const known = (await api('GET', '/v1/nodes')) as Array<{ name: string }>;
      if (!known.some((k) => k.name === n.name)) {
        await api('POST', '/v1/nodes', {
          name: n.name, type: 'SATELLITE',
          net_interfaces: [{ name: 'default', address: n.address, satellite_port: satellitePort, satellite_encryption_type: 'PLAIN', is_active: true }],
        });
      }
      const pools = (await api('GET', `/v1/nodes/${n.name}/storage-pools`)) as Array<{ storage_pool_name: string }>;
      if (!pools.some((p) => p.storage_pool_name === 'DfltStorPool')) {
        const dir = join(n.dir, 'storage');
        mkdirSync(dir, { recursive: true });
        await api('POST', `/v1/nodes/${n.name}/storage-pools`, {
          storage_pool_name: 'DfltStorPool', provider_kind: 'FILE_THIN', props: { 'StorDriver/StorPoolName': dir },
        });
      }
    }
    await waitForStatus();
  } catch (err) {
    await stopAll();
    throw err;
  }

  return {
    controllerUrl,
    nodes,
    stopNode,
    startNode: async (name) => {
      const n = nodes.find((x) => x.name === name);
      if (!n) throw new Error(`no node ${name} in this cluster`);
      if (n.proc && n.proc.exitCode === null) return;
      await start(n);
    },
    waitForStatus,
    stop: stopAll,
  };
}
