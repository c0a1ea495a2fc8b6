/**
 * The whole satellite flow on real FILE_THIN storage: a resource with FileSystem/Type ext4 gets a
 * file, a desired snapshot is taken, more is written, a restore and a clone become new resources
 * (mounted and read back: snapshot content and source content, not reformatted), a rollback is
 * refused while the volume is mounted and applied after unmount (the old file content is back), and
 * removing everything leaves no file and no loop device.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalRunner } from '../src/exec/local.js';
import type { LayerKind, ProviderKind } from '../src/model/enums.js';
import type { ObservedResource, StateReport } from '../src/satellite/protocol.js';
import { DisklessProvider } from '../src/satellite/providers/diskless/provider.js';
import { FileProvider } from '../src/satellite/providers/file/provider.js';
import type { StorageProvider } from '../src/satellite/providers/provider.js';
import { Satellite, type UpdateResult } from '../src/satellite/satellite.js';
import { silent } from './helpers.js';
import { detectAll, full, pool, rsc, vol } from './satellite-fakes.js';
import { cleanupLoops } from './snapshots-loop-helpers.js';

const fs = { 'FileSystem/Type': 'ext4' };

async function setup(t: TestContext) {
  const dir = mkdtempSync(join(tmpdir(), 'storhub-snapsat-'));
  mkdirSync(join(dir, 'pool'));
  mkdirSync(join(dir, 'mnt'));
  const sat = new Satellite({
    nodeName: 'alpha', runner: new LocalRunner(), logger: silent, stateDir: join(dir, 'state'), pollMs: 0,
    providers: new Map<ProviderKind, StorageProvider>([['FILE_THIN', new FileProvider(true)], ['DISKLESS', new DisklessProvider()]]),
    layers: new Map<LayerKind, never>(), detectors: [detectAll(['FILE_THIN'])],
  });
  await sat.start();
  t.after(async () => {
    await sat.close();
    cleanupLoops(dir);
  });
  return { dir, sat, P: pool('DfltStorPool', join(dir, 'pool')), mnt: join(dir, 'mnt') };
}

function applied(r: UpdateResult): StateReport {
  assert.equal(r.status, 'applied', JSON.stringify(r));
  return (r as { report: StateReport }).report;
}

const one = (rep: StateReport, name: string): ObservedResource => rep.resources.find((r) => r.name === name)!;

/** Mounts the device, runs `fn` on the mount point, unmounts. */
function onMount<T>(device: string, mnt: string, fn: (dir: string) => T): T {
  execFileSync('mount', [device, mnt]);
  try {
    return fn(mnt);
  } finally {
    execFileSync('umount', [mnt]);
  }
}

test('snapshot, restore, clone and rollback through the satellite on real loop devices', { timeout: 120_000 }, async (t) => {
  const { dir, sat, P, mnt } = await setup(t);
  const r1 = rsc('data', [vol(0, 32 * 1024, 'DfltStorPool', fs)]);

  let rep = applied(await sat.applyUpdate(full(1, [P], [r1])));
  assert.deepEqual(one(rep, 'data').reports, []);
  const dev1 = one(rep, 'data').volumes[0].device_path!;
  onMount(dev1, mnt, (m) => writeFileSync(join(m, 'state.txt'), 'version 1\n'));

  const withSnap = { ...r1, snapshots: [{ name: 'before', suspend_io: false }] };
  rep = applied(await sat.applyUpdate(full(2, [P], [withSnap])));
  const snap = one(rep, 'data').snapshots![0];
  assert.equal(snap.name, 'before');
  assert.equal(snap.created, true);
  assert.equal(snap.volumes[0].volume_number, 0);
  assert.ok(snap.volumes[0].allocated_size_kib! > 0 && snap.volumes[0].allocated_size_kib! < 16 * 1024, `thin snapshot: ${snap.volumes[0].allocated_size_kib} KiB`);
  assert.ok(existsSync(join(dir, 'pool', 'data_00000_before.img')));

  onMount(dev1, mnt, (m) => writeFileSync(join(m, 'state.txt'), 'version 2\n'));

  // A restore of the snapshot and a clone of the resource, both with FileSystem/Type set: never reformatted.
  const restored = rsc('fromsnap', [vol(0, 32 * 1024, 'DfltStorPool', fs)], { source: { resource: 'data', snapshot: 'before' } });
  const cloned = rsc('copy', [vol(0, 32 * 1024, 'DfltStorPool', fs)], { source: { resource: 'data' } });
  rep = applied(await sat.applyUpdate(full(3, [P], [withSnap, restored, cloned])));
  for (const name of ['fromsnap', 'copy']) assert.deepEqual(one(rep, name).reports, [], name);
  assert.equal(onMount(one(rep, 'fromsnap').volumes[0].device_path!, mnt, (m) => readFileSync(join(m, 'state.txt'), 'utf8')), 'version 1\n',
    'the restored resource holds the snapshot');
  assert.equal(onMount(one(rep, 'copy').volumes[0].device_path!, mnt, (m) => readFileSync(join(m, 'state.txt'), 'utf8')), 'version 2\n',
    'the clone holds the source as it is now');
  assert.deepEqual(readdirSync(join(dir, 'pool')).sort(), ['copy_00000.img', 'data_00000.img', 'data_00000_before.img', 'fromsnap_00000.img'],
    'the temporary clone snapshot is gone');

  // Rollback while mounted: refused, not recorded; the data stays as it is.
  execFileSync('mount', [dev1, mnt]);
  const rollback = { ...withSnap, rollback: { snapshot: 'before', request_id: 1 } };
  rep = applied(await sat.applyUpdate(full(4, [P], [rollback])));
  const refused = one(rep, 'data');
  assert.equal(refused.rollback_applied, undefined);
  assert.equal(refused.in_use, true);
  assert.equal(refused.reports[0].severity, 'error');
  assert.equal(refused.reports[0].message, `Rolling back resource 'data' to snapshot 'before' was refused: the resource is in use on node 'alpha' (${dev1} is mounted).`);
  assert.equal(readFileSync(join(mnt, 'state.txt'), 'utf8'), 'version 2\n');
  execFileSync('umount', [mnt]);

  rep = applied(await sat.applyUpdate(full(5, [P], [rollback])));
  const done = one(rep, 'data');
  assert.deepEqual(done.reports, []);
  assert.equal(done.rollback_applied, 1);
  assert.equal(onMount(done.volumes[0].device_path!, mnt, (m) => readFileSync(join(m, 'state.txt'), 'utf8')), 'version 1\n', 'rolled back');
  assert.deepEqual(done.snapshots!.map((s) => [s.name, s.created]), [['before', true]], 'the snapshot stays');

  // The same request again (a resend) does not roll back what was written since.
  onMount(done.volumes[0].device_path!, mnt, (m) => writeFileSync(join(m, 'state.txt'), 'version 3\n'));
  rep = applied(await sat.applyUpdate(full(6, [P], [rollback])));
  assert.equal(onMount(one(rep, 'data').volumes[0].device_path!, mnt, (m) => readFileSync(join(m, 'state.txt'), 'utf8')), 'version 3\n');

  // The snapshot no longer wanted: deleted. Then everything goes.
  applied(await sat.applyUpdate(full(7, [P], [{ ...r1, snapshots: [] }])));
  assert.equal(existsSync(join(dir, 'pool', 'data_00000_before.img')), false);
  rep = applied(await sat.applyUpdate(full(8, [P], [])));
  assert.deepEqual(rep.removed_resources, ['data']);
  assert.deepEqual(readdirSync(join(dir, 'pool')), []);
});
