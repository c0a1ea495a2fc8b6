/**
 * The real `storhubd` process: role combined sets up its node and default pool once, stops cleanly on
 * SIGTERM, and refuses what it cannot do yet with a clear message and a non-zero exit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseJson } from '../core/dist/src/model/json.js';
import { DAEMON_MAIN, daemonEnv, killIfRunning, startStorhubd, tempDir, type DaemonProcess } from './daemon-process.js';

async function get(base: string, path: string): Promise<any> {
  const res = await fetch(base + path);
  assert.equal(res.status, 200, `GET ${path}`);
  return parseJson(await res.text());
}

test('role combined registers the local node and a FILE_THIN DfltStorPool under ./var, once', { timeout: 180_000 }, async (t) => {
  const tmp = await tempDir('storhub-daemon-');
  let d: DaemonProcess | undefined;
  t.after(async () => {
    await killIfRunning(d);
    await tmp.remove();
  });
  const env = { STORHUB_NODE_NAME: 'test-node' };

  d = await startStorhubd(['--role', 'combined'], tmp.dir, { env });
  const dbPath = join(tmp.dir, 'var/storhub.db');
  assert.match(d.output(), new RegExp(`storhubd ready: REST on http://127\\.0\\.0\\.1:\\d+, satellite on http://127\\.0\\.0\\.1:\\d+ \\(role combined, node test-node, db ${dbPath}\\)`));
  const nodes = await get(d.url, '/v1/nodes');
  assert.equal(nodes.length, 1);
  assert.equal(nodes[0].name, 'test-node');
  assert.equal(nodes[0].type, 'COMBINED');
  const nif = nodes[0].net_interfaces[0];
  // The node points at the in-process satellite (port 0 in the test config: the kernel chose it).
  const satPort = Number(new URL(d.satelliteUrl!).port);
  assert.deepEqual([nif.name, nif.address, nif.satellite_port, nif.satellite_encryption_type], ['default', '127.0.0.1', satPort, 'PLAIN']);
  const info = await get(d.satelliteUrl!, '/satellite/v1/info');
  assert.equal(info.node_name, 'test-node');
  const pool = await get(d.url, '/v1/nodes/test-node/storage-pools/DfltStorPool');
  assert.equal(pool.provider_kind, 'FILE_THIN');
  assert.equal(pool.props['StorDriver/StorPoolName'], join(tmp.dir, 'var/storage'));
  assert.ok(statSync(join(tmp.dir, 'var/storage')).isDirectory());
  assert.ok(existsSync(dbPath));

  d.proc.kill('SIGTERM');
  assert.deepEqual(await d.exited, { code: 0, signal: null }, d.output());

  // A restart finds both and creates nothing new (the net interface follows the new satellite port).
  d = await startStorhubd(['--role', 'combined'], tmp.dir, { env });
  const again = await get(d.url, '/v1/nodes');
  assert.deepEqual(again.map((n: any) => n.uuid), nodes.map((n: any) => n.uuid));
  assert.equal(again[0].net_interfaces[0].satellite_port, Number(new URL(d.satelliteUrl!).port));
  const pools = await get(d.url, '/v1/nodes/test-node/storage-pools');
  assert.deepEqual(pools.map((p: any) => p.storage_pool_name), ['DfltDisklessStorPool', 'DfltStorPool']);
  assert.equal(pools[1].uuid, pool.uuid);
  d.proc.kill('SIGINT');
  assert.deepEqual(await d.exited, { code: 0, signal: null }, d.output());
});

test('what storhubd cannot do is refused with a clear message and a non-zero exit', { timeout: 180_000 }, async (t) => {
  const tmp = await tempDir('storhub-daemon-');
  let d: DaemonProcess | undefined;
  t.after(async () => {
    await killIfRunning(d);
    await tmp.remove();
  });
  const run = (...args: string[]) => {
    const r = spawnSync(process.execPath, [DAEMON_MAIN, '--port', '0', ...args], { cwd: tmp.dir, env: daemonEnv(), encoding: 'utf8', timeout: 60_000 });
    return { status: r.status, stderr: r.stderr };
  };

  const badPort = run('--role', 'satellite', '--satellite-port', 'x');
  assert.equal(badPort.status, 2);
  assert.match(badPort.stderr, /option --satellite-port: \[satellite\]\.port must be an integer port number \(got "x"\)/);

  const pg = run('--db', 'postgresql://127.0.0.1/storhub');
  assert.equal(pg.status, 2);
  assert.match(pg.stderr, /option --db: \[db\]\.connection_url uses 'postgresql:'.*later release/);

  const noFile = run('--config', join(tmp.dir, 'missing.toml'));
  assert.equal(noFile.status, 2);
  assert.match(noFile.stderr, /Cannot read the configuration file .*missing\.toml/);

  d = await startStorhubd(['--role', 'controller', '--db', join(tmp.dir, 'a.db')], tmp.dir);
  const port = new URL(d.url).port;
  const busy = run('--role', 'controller', '--db', join(tmp.dir, 'b.db'), '--port', port);
  assert.equal(busy.status, 1);
  assert.match(busy.stderr, new RegExp(`Cannot listen on 127\\.0\\.0\\.1:${port}: the port is in use`));
});
