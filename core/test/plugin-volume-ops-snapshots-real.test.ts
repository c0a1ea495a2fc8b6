/**
 * VolumeOps snapshot, restore and clone sequences against a real controller and the REAL satellite
 * (FILE_THIN in a temp directory): data written to the volume's loop device is found again in the
 * volume restored from a snapshot and in a clone; delete removes the snapshots with the volume.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, fsyncSync, mkdirSync, mkdtempSync, openSync, readdirSync, readSync, rmSync, writeSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StorhubClient } from '../src/client/index.js';
import { createVolumeOps } from '../src/plugin/volume-ops-rest.js';
import { createSatellite } from '../src/satellite/wiring.js';
import { startSatelliteServer } from '../src/satellite/server.js';
import { makeCluster, registerNode, waitFor } from './satellite-sync-fake.js';
import { ok } from './resource-fixtures.js';
import { silent } from './helpers.js';

function loopsUnder(dir: string): string[] {
  const out = execFileSync('losetup', ['-a'], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.includes(dir)).map((l) => l.split(':')[0]);
}



function writeAt(dev: string, text: string): void {
  const fd = openSync(dev, 'r+');
  try {
    writeSync(fd, Buffer.from(text), 0, text.length, 0);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function readAt(dev: string, length: number): string {
  const fd = openSync(dev, 'r');
  try {
    const buf = Buffer.alloc(length);
    readSync(fd, buf, 0, length, 0);
    return buf.toString();
  } finally {
    closeSync(fd);
  }
}

test('volume ops on a real satellite: snapshot -> restore (data checked) -> clone (data checked) -> delete with snapshots', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'storhub-volops-snap-'));
  const poolDir = join(root, 'pool');
  mkdirSync(poolDir);
  const sat = createSatellite({ nodeName: 'real1', stateDir: join(root, 'state'), logger: silent, pollMs: 0 });
  await sat.start();
  const server = await startSatelliteServer({ satellite: sat, host: '127.0.0.1', port: 0 });
  const c = await makeCluster([]);
  await c.api.app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(c.api.app.server.address() as AddressInfo).port}`;
  const client = new StorhubClient({ controllers: url });
  const ops = createVolumeOps(client, { timeoutMs: 30_000, pollMs: 50 });
  t.after(async () => {
    await client.close();
    await c.close();
    await server.close();
    await sat.close();
    for (const dev of loopsUnder(root)) execFileSync('losetup', ['-d', dev]);
    rmSync(root, { recursive: true, force: true });
  });
  await registerNode(c.api, 'real1', server.port, []);
  await ok(c.api, 'POST', '/v1/nodes/real1/storage-pools', {
    storage_pool_name: 'DfltStorPool', provider_kind: 'FILE_THIN', props: { 'StorDriver/StorPoolName': poolDir },
  });
  await waitFor('real1 ONLINE with capacity', async () => {
    const sp = (await c.api.call('GET', '/v1/view/storage-pools?nodes=real1')).body.find((p: any) => p.storage_pool_name === 'DfltStorPool');
    return sp?.total_capacity > 0;
  }, 20_000);
  await ops.ensureResourceGroup('snaprg', { place_count: 1, layer_stack: ['STORAGE'] });

  const src = await ops.create({ name: 'src', size_kib: 8192, resource_group: 'snaprg' });
  const marker = 'storhub-snapshot-marker';
  writeAt(src.replicas[0].device_path!, marker);

  await ops.snapshot('src', 's1');
  await ops.snapshot('src', 's1'); // a retry waits for the same one
  const snaps = await ops.listSnapshots('src');
  assert.equal(snaps.length, 1);
  assert.deepEqual({ ...snaps[0], created: 0 }, { volume: 'src', name: 's1', created: 0, ready: true, size_kib: 8192 });
  assert.ok(snaps[0].created > Date.now() - 60_000);
  writeAt(src.replicas[0].device_path!, 'overwritten-after-the-snapshot!!');

  const restored = await ops.create({ name: 'fromsnap', size_kib: 16384, resource_group: 'snaprg', source: { volume: 'src', snapshot: 's1' } });
  assert.equal(restored.size_kib, 16384, 'grown to the requested size after the restore');
  assert.equal(readAt(restored.replicas[0].device_path!, marker.length), marker);
  await assert.rejects(ops.create({ name: 'small', size_kib: 4096, source: { volume: 'src', snapshot: 's1' } }), /holds 8192 KiB/);
  await assert.rejects(ops.create({ name: 'x', size_kib: 8192, source: { volume: 'src', snapshot: 'nope' } }), /Snapshot 'nope' of volume 'src' not found/);

  const clone = await ops.create({ name: 'cl', size_kib: 8192, resource_group: 'snaprg', source: { volume: 'src' } });
  assert.equal(readAt(clone.replicas[0].device_path!, 32), 'overwritten-after-the-snapshot!!');

  await ops.delete('src');
  assert.deepEqual(await ops.listSnapshots('src'), []);
  assert.equal(await ops.get('src'), undefined);
  await ops.delete('fromsnap');
  await ops.delete('cl');
  assert.deepEqual(loopsUnder(poolDir), []);
  assert.deepEqual(readdirSync(poolDir), []);
});
