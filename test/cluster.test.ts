/**
 * The satellite issue's end-to-end test, on real devices: a three-node local cluster (one combined
 * node, two satellites, each on its own loopback address and root directory) with FILE_THIN pools.
 * A resource with layer list `storage` on two nodes gets real loop devices, formatted by the satellite
 * (FileSystem/Type ext4), mounted and written here; the data survives a satellite restart and a
 * controller restart; deleting the resource leaves no loop device and no file behind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { request } from 'undici';
import { startLocalCluster, type LocalCluster } from '../core/dist/src/daemon/local-cluster.js';
import { parseJson, stringifyJson } from '../core/dist/src/model/json.js';
import { tempDir } from './daemon-process.js';

const run = (file: string, args: string[]) => spawnSync(file, args, { encoding: 'utf8', timeout: 60_000 });

async function api(c: LocalCluster, method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<any> {
  const res = await request(`${c.controllerUrl}${path}`, { method, body: body === undefined ? undefined : stringifyJson(body) });
  const text = await res.body.text();
  assert.ok(res.statusCode < 300, `${method} ${path}: HTTP ${res.statusCode} ${text}`);
  return text ? parseJson(text) : undefined;
}

/** Polls until `check` returns a value (not undefined), or fails with the last state seen. */
async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

interface VolumeSeen { node: string; device: string; disk_state?: string; allocated?: number }

async function volumesOf(c: LocalCluster, rd: string): Promise<VolumeSeen[]> {
  const list = (await api(c, 'GET', `/v1/view/resources?resources=${rd}`)) as any[];
  return list.map((r) => ({
    node: r.node_name,
    device: r.volumes?.[0]?.device_path,
    disk_state: r.volumes?.[0]?.state?.disk_state,
    allocated: r.volumes?.[0]?.allocated_size_kib,
  }));
}

function mountAndRun(device: string, mnt: string, fn: () => void): void {
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

test('three nodes, FILE_THIN, real loop devices that survive restarts and leave nothing behind', { timeout: 600_000 }, async (t) => {
  const tmp = await tempDir('storhub-cluster-');
  const cluster = await startLocalCluster({ nodes: 3, dir: join(tmp.dir, 'cluster'), restPort: 0, logLevel: 'warn' });
  t.after(async () => {
    await cluster.stop();
    // Safety net: unmount and detach whatever this test's directory still holds, then remove it.
    const mnt = join(tmp.dir, 'mnt');
    if (existsSync(mnt) && readFileSync('/proc/mounts', 'utf8').includes(mnt)) run('umount', [mnt]);
    const loops = run('losetup', ['-J', '-l']);
    for (const d of (JSON.parse(loops.stdout || '{"loopdevices":[]}').loopdevices ?? []) as Array<{ name: string; 'back-file'?: string }>) {
      if (d['back-file']?.startsWith(tmp.dir)) run('losetup', ['-d', d.name]);
    }
    await tmp.remove();
  });

  // Every FILE_THIN pool reports its real capacity.
  const pools = (await until('pool capacities', async () => {
    const ps = (await api(cluster, 'GET', '/v1/view/storage-pools?storage_pools=DfltStorPool')) as any[];
    return ps.length === 3 && ps.every((p) => Number(p.total_capacity) > 0) ? ps : undefined;
  })) as any[];
  assert.deepEqual(pools.map((p) => p.node_name).sort(), ['node1', 'node2', 'node3']);

  await api(cluster, 'POST', '/v1/resource-definitions', {
    resource_definition: { name: 'data1', layer_data: [{ type: 'STORAGE' }], props: { 'FileSystem/Type': 'ext4' } },
  });
  await api(cluster, 'POST', '/v1/resource-definitions/data1/volume-definitions', { volume_definition: { size_kib: 64 * 1024 } });
  await api(cluster, 'POST', '/v1/resource-definitions/data1/resources', [
    { resource: { node_name: 'node2', props: { StorPoolName: 'DfltStorPool' } } },
    { resource: { node_name: 'node3', props: { StorPoolName: 'DfltStorPool' } } },
  ]);

  const ready = await until('both volumes UpToDate with a device', async () => {
    const vs = await volumesOf(cluster, 'data1');
    return vs.length === 2 && vs.every((v) => v.device && v.disk_state === 'UpToDate') ? vs : undefined;
  });
  const node2 = ready.find((v) => v.node === 'node2')!;
  for (const v of ready) {
    assert.ok(existsSync(v.device), `${v.device} exists`);
    assert.equal(run('blockdev', ['--getsize64', v.device]).stdout.trim(), String(64 * 1024 * 1024), `${v.device} is 64 MiB`);
    assert.equal(run('blkid', ['-o', 'value', '-s', 'TYPE', v.device]).stdout.trim(), 'ext4', 'formatted once by the satellite');
  }
  const backing = (node: string) => join(tmp.dir, 'cluster', node, 'storage', 'data1_00000.img');
  assert.ok(existsSync(backing('node2')) && existsSync(backing('node3')), 'backing files in each node\'s pool directory');

  const mnt = join(tmp.dir, 'mnt');
  mountAndRun(node2.device, mnt, () => writeFileSync(join(mnt, 'hello.txt'), 'written before the restarts\n'));

  // The satellite restarts: the device is found again (re-attached if needed) and the data is there.
  await cluster.stopNode('node2');
  await cluster.waitForStatus('OFFLINE', ['node2']);
  await cluster.startNode('node2');
  await cluster.waitForStatus('ONLINE', ['node2']);
  const afterSatellite = await until('node2 volume back', async () => {
    const v = (await volumesOf(cluster, 'data1')).find((x) => x.node === 'node2');
    return v?.device && v.disk_state === 'UpToDate' ? v : undefined;
  });
  mountAndRun(afterSatellite.device, mnt, () =>
    assert.equal(readFileSync(join(mnt, 'hello.txt'), 'utf8'), 'written before the restarts\n'));

  // The controller restarts (node1 is the combined node): everything reconnects, nothing is touched.
  await cluster.stopNode('node1');
  await cluster.startNode('node1');
  await cluster.waitForStatus('ONLINE');
  const afterController = await until('node2 volume after controller restart', async () => {
    const v = (await volumesOf(cluster, 'data1')).find((x) => x.node === 'node2');
    return v?.device && v.disk_state === 'UpToDate' ? v : undefined;
  });
  assert.equal(afterController.device, afterSatellite.device, 'a controller restart does not touch running devices');
  mountAndRun(afterController.device, mnt, () =>
    assert.equal(readFileSync(join(mnt, 'hello.txt'), 'utf8'), 'written before the restarts\n'));

  // Sizes as the CLI shows them: the volume list and the pool list.
  const vl = (await api(cluster, 'GET', '/v1/view/resources?resources=data1')) as any[];
  for (const r of vl) assert.ok(Number(r.volumes[0].allocated_size_kib) > 0, 'allocated size reported');

  // Delete: the resources go away, and so do the loop devices and the files.
  await api(cluster, 'DELETE', '/v1/resource-definitions/data1');
  await until('resources gone', async () => ((await volumesOf(cluster, 'data1')).length === 0 ? true : undefined));
  await until('backing files removed', async () => (!existsSync(backing('node2')) && !existsSync(backing('node3')) ? true : undefined));
  const leftLoops = (JSON.parse(run('losetup', ['-J', '-l']).stdout || '{"loopdevices":[]}').loopdevices ?? [])
    .filter((d: { 'back-file'?: string }) => d['back-file']?.startsWith(tmp.dir));
  assert.deepEqual(leftLoops, [], 'no loop device left behind');
  for (const n of ['node2', 'node3']) {
    assert.deepEqual(readdirSync(join(tmp.dir, 'cluster', n, 'storage')).filter((f) => f.startsWith('data1')), []);
  }
});
