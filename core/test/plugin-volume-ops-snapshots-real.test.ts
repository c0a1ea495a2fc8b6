/**
 * VolumeOps snapshot, restore and clone sequences against a real controller and the REAL satellite
 * (FILE_THIN in a temp directory): data written to the volume's loop device is found again in the
 * volume restored from a snapshot and in a clone; delete removes the snapshots with the volume.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, fsyncSync, openSync, readdirSync, readSync, writeSync } from 'node:fs';
import { StorhubClient } from '../src/client/index.js';
import { createVolumeOps } from '../src/plugin/volume-ops-rest.js';
import { startRealNode, loopsUnder } from './real-node.js';




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
  const { poolDir, url } = await startRealNode(t, { prefix: 'storhub-volops-snap-', listen: true });
  const client = new StorhubClient({ controllers: url });
  const ops = createVolumeOps(client, { timeoutMs: 30_000, pollMs: 50 });
  t.after(() => client.close());
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
