/**
 * The real `storhubd --role satellite` process with the real FILE_THIN provider: a full state creates
 * a loop device with a file system, a restarted satellite leaves it as it is (same device, same file
 * system UUID), and a full state without the resource removes file and loop device. Needs root.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { killIfRunning, startStorhubd, tempDir, type DaemonProcess } from './daemon-process.js';

function sh(file: string, args: string[]): string {
  const r = spawnSync(file, args, { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, `${file} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

async function put(url: string, body: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${url}/satellite/v1/state`, { method: 'PUT', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  return { status: res.status, body: await res.json() };
}

test('storhubd --role satellite converges a FILE_THIN resource, survives a restart untouched, and removes it', { timeout: 180_000 }, async (t) => {
  const tmp = await tempDir('storhub-satd-');
  const poolDir = join(tmp.dir, 'pool');
  await mkdir(poolDir);
  let d: DaemonProcess | undefined;
  t.after(async () => {
    await killIfRunning(d);
    await tmp.remove(); // detaches the loop devices of the pool too
  });
  const env = { STORHUB_NODE_NAME: 'sat-one' };
  d = await startStorhubd(['--role', 'satellite'], tmp.dir, { env });
  assert.match(d.output(), new RegExp(`storhubd ready: satellite on http://127\\.0\\.0\\.1:\\d+ \\(role satellite, node sat-one, state ${join(tmp.dir, 'var/satellite')}\\)`));
  const info: any = await (await fetch(`${d.url}/satellite/v1/info`)).json();
  assert.equal(info.node_name, 'sat-one');
  assert.ok(info.capabilities.providers.includes('FILE_THIN'), JSON.stringify(info.capabilities));
  assert.ok(info.capabilities.unsupported_layers.DRBD?.length, 'no DRBD module on this machine: reported with a reason');

  const pools = [{ name: 'DfltStorPool', provider_kind: 'FILE_THIN', props: { 'StorDriver/StorPoolName': poolDir } }];
  const resource = {
    name: 'web', layer_stack: ['STORAGE'], flags: [], props: {},
    volumes: [{ volume_number: 0, size_kib: 65536, gross_size: false, storage_pool: 'DfltStorPool', props: { 'FileSystem/Type': 'ext4' } }],
  };
  const state = (id: number, resources: unknown[]) => ({ update_id: id, full: true, node_name: 'sat-one', node_props: {}, pools, resources });

  const first = await put(d.url, state(1, [resource]));
  assert.equal(first.status, 200, JSON.stringify(first.body));
  const vol = first.body.resources[0].volumes[0];
  assert.deepEqual(first.body.resources[0].reports, []);
  assert.match(vol.device_path, /^\/dev\/loop\d+$/);
  assert.equal(vol.disk_state, 'UpToDate');
  assert.equal(vol.usable_size_kib, 65536);
  assert.ok(first.body.pools[0].total_capacity > 0);
  const uuid = sh('blkid', ['-p', '-o', 'value', '-s', 'UUID', vol.device_path]).trim();
  assert.match(uuid, /^[0-9a-f-]{36}$/);

  d.proc.kill('SIGTERM');
  assert.deepEqual(await d.exited, { code: 0, signal: null }, d.output());
  assert.match(sh('losetup', ['-j', join(poolDir, 'web_00000.img'), '-O', 'NAME', '-n']), new RegExp(`^${vol.device_path}\\s*$`), 'stopping leaves the device attached');

  d = await startStorhubd(['--role', 'satellite'], tmp.dir, { env });
  const stale = await put(d.url, { ...state(2, [resource]), full: false, base_update_id: 1 });
  assert.deepEqual([stale.status, stale.body.need_full_sync], [409, true], 'a restarted satellite needs a full sync first');
  const again = await put(d.url, state(2, [resource]));
  assert.equal(again.status, 200);
  assert.equal(again.body.resources[0].volumes[0].device_path, vol.device_path);
  assert.equal(sh('blkid', ['-p', '-o', 'value', '-s', 'UUID', vol.device_path]).trim(), uuid, 'not formatted again');

  const gone = await put(d.url, state(3, []));
  assert.deepEqual(gone.body.removed_resources, ['web']);
  assert.deepEqual(readdirSync(poolDir), []);
  assert.equal(sh('losetup', ['-j', join(poolDir, 'web_00000.img'), '-O', 'NAME', '-n']).trim(), '');
  d.proc.kill('SIGTERM');
  assert.deepEqual(await d.exited, { code: 0, signal: null }, d.output());
});
