/**
 * Shared pieces of the end-to-end tests on a real local cluster (startLocalCluster): starting one in
 * a temp directory on a free satellite port (several cluster tests run in parallel), the REST calls,
 * polling, reading the volumes the satellites report, and the cleanup that leaves no mount, loop
 * device or file behind, also when the test failed half way.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { request } from 'undici';
import { startLocalCluster, type LocalCluster } from '../core/dist/src/daemon/local-cluster.js';
import { parseJson, stringifyJson } from '../core/dist/src/model/json.js';
import { detachLoopsUnder } from './daemon-process.js';

export const run = (file: string, args: string[], timeoutMs = 60_000) =>
  spawnSync(file, args, { encoding: 'utf8', timeout: timeoutMs });

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** One REST call: the HTTP status and the parsed body (undefined when empty). No body = none sent. */
export async function call(c: LocalCluster, method: Method, path: string, body?: unknown): Promise<{ status: number; body: any; text: string }> {
  const res = await request(`${c.controllerUrl}${path}`, { method, body: body === undefined ? undefined : stringifyJson(body) });
  const text = await res.body.text();
  return { status: res.statusCode, body: text ? parseJson(text) : undefined, text };
}

/** A REST call that must succeed (any 2xx, or exactly `status` when given); answers the body. */
export async function api(c: LocalCluster, method: Method, path: string, body?: unknown, status?: number): Promise<any> {
  const res = await call(c, method, path, body);
  if (status !== undefined) assert.equal(res.status, status, `${method} ${path}: HTTP ${res.status} ${res.text}`);
  else assert.ok(res.status < 300, `${method} ${path}: HTTP ${res.status} ${res.text}`);
  return res.body;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls until `check` returns a value (not undefined), or fails with the last state seen: `describe`
 * (when given) says what the cluster looked like, else the last error `check` threw.
 */
export async function until<T>(
  what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000,
  describe?: () => Promise<string> | string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      const seen = describe ? await describe() : last ? String(last) : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${seen ? `: ${seen}` : ''}`);
    }
    await sleep(300);
  }
}

export interface VolumeSeen { node: string; device: string; disk_state?: string; allocated?: number; flags: string[] }

export async function volumesOf(c: LocalCluster, rd: string): Promise<VolumeSeen[]> {
  const list = (await api(c, 'GET', `/v1/view/resources?resources=${rd}`)) as any[];
  return list.map((r) => ({
    node: r.node_name,
    device: r.volumes?.[0]?.device_path,
    disk_state: r.volumes?.[0]?.state?.disk_state,
    allocated: r.volumes?.[0]?.allocated_size_kib,
    flags: r.flags ?? [],
  }));
}

/** The volume of `rd` on `node` once it has a device and is UpToDate. */
export function readyVolume(c: LocalCluster, rd: string, node: string, timeoutMs = 120_000): Promise<VolumeSeen> {
  return until(`${rd} on ${node} UpToDate with a device`, async () => {
    const v = (await volumesOf(c, rd)).find((x) => x.node === node);
    return v?.device && v.disk_state === 'UpToDate' && existsSync(v.device) ? v : undefined;
  }, timeoutMs, async () => JSON.stringify(await volumesOf(c, rd)));
}

export function mountAndRun(device: string, mnt: string, fn: () => void): void {
  mkdirSync(mnt, { recursive: true });
  const m = run('mount', [device, mnt]);
  assert.equal(m.status, 0, `mount ${device}: ${m.stderr}`);
  try {
    fn();
  } finally {
    const u = run('umount', [mnt]);
    assert.equal(u.status, 0, `umount ${mnt}: ${u.stderr}`);
  }
}

/** The loop devices whose backing file lies below `dir`, as losetup lists them. */
export function loopsUnder(dir: string): Array<{ name: string; 'back-file': string }> {
  const r = run('losetup', ['--list', '--json', '-O', 'NAME,BACK-FILE']);
  assert.equal(r.status, 0, `losetup --list: ${r.stderr}`);
  const list = (r.stdout.trim() ? JSON.parse(r.stdout).loopdevices : []) as Array<{ name: string; 'back-file': string | null }>;
  return list.filter((d): d is { name: string; 'back-file': string } => d['back-file']?.startsWith(`${dir}/`) === true);
}

/** A TCP port free on every one of the addresses (the cluster's satellites all use the same port). */
export async function freePort(addresses: string[]): Promise<number> {
  const tryListen = (port: number, host: string) => new Promise<number | undefined>((resolve) => {
    const s = createServer().once('error', () => resolve(undefined)).listen(port, host, () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  for (let i = 0; i < 20; i++) {
    const port = await tryListen(0, addresses[0]);
    if (port === undefined) continue;
    let free = true;
    for (const a of addresses.slice(1)) free = free && (await tryListen(port, a)) !== undefined;
    if (free) return port;
  }
  throw new Error(`no port free on all of ${addresses.join(', ')}`);
}

export interface TestCluster {
  cluster: LocalCluster;
  /** The daemons' last output lines (prefixed with the node), for failure messages. */
  output(lines?: number): string;
}

/** A local cluster in `dir` with its own satellite port, so cluster tests can run side by side. */
export async function startTestCluster(dir: string, nodes = 3, logLevel = 'warn'): Promise<TestCluster> {
  const lines: string[] = [];
  const addresses = Array.from({ length: nodes }, (_, i) => `127.0.0.${i + 1}`);
  const cluster = await startLocalCluster({
    nodes, dir, restPort: 0, satellitePort: await freePort(addresses), logLevel,
    onOutput: (line) => {
      lines.push(line);
      if (lines.length > 2000) lines.splice(0, lines.length - 1000);
    },
  });
  return { cluster, output: (n = 40) => lines.slice(-n).join('\n') };
}

/**
 * The t.after of a cluster test: stops every node, unmounts what is still mounted below the test's
 * directory, detaches the loop devices backed by files in it and removes it (tmp.remove()).
 */
export async function tearDown(cluster: LocalCluster | undefined, tmp: { dir: string; remove(): Promise<void> }): Promise<void> {
  try {
    await cluster?.stop();
  } finally {
    const mounts = readFileSync('/proc/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1])
      .filter((m): m is string => m?.startsWith(`${tmp.dir}/`) === true)
      .sort((a, b) => b.length - a.length);
    for (const m of mounts) run('umount', [m]);
    detachLoopsUnder(tmp.dir);
    await tmp.remove();
  }
}
