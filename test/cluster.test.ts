/**
 * The satellite issue's end-to-end test, on real devices: a three-node local cluster (one combined
 * node, two satellites, each on its own loopback address and root directory) with FILE_THIN pools.
 * A resource with layer list `storage` on two nodes gets real loop devices, formatted by the satellite
 * (FileSystem/Type ext4), mounted and written here; the data survives a satellite restart and a
 * controller restart; deleting the resource leaves no loop device and no file behind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { api, loopsUnder, mountAndRun, run, startTestCluster, tearDown, until, volumesOf } from './cluster-helpers.js';
import { tempDir } from './daemon-process.js';

test('three nodes, FILE_THIN, real loop devices that survive restarts and leave nothing behind', { timeout: 600_000 }, async (t) => {
  const tmp = await tempDir('storhub-cluster-');
  const { cluster } = await startTestCluster(join(tmp.dir, 'cluster'));
  t.after(() => tearDown(cluster, tmp));

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
  const leftLoops = loopsUnder(tmp.dir);
  assert.deepEqual(leftLoops, [], 'no loop device left behind');
  for (const n of ['node2', 'node3']) {
    assert.deepEqual(readdirSync(join(tmp.dir, 'cluster', n, 'storage')).filter((f) => f.startsWith('data1')), []);
  }
});
