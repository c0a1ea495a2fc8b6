/** Capabilities: detectors merged once at start; a failing detector becomes reasons, not a crash. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NOT_IMPLEMENTED, combineCapabilities, detectCapabilities } from '../src/satellite/capabilities.js';
import { createSatellite } from '../src/satellite/wiring.js';
import { silent } from './helpers.js';

test('detections merge: STORAGE and DISKLESS always, supported wins over a reason, the rest get a reason', () => {
  const caps = combineCapabilities([
    { providers: ['FILE_THIN', 'LVM'], unsupported_providers: { ZFS: ['zfs is not installed'] }, versions: { lvm2: '2.03.16' } },
    { layers: ['LUKS'], unsupported_layers: { DRBD: ['no module'], LUKS: ['stale reason'] }, unsupported_providers: { LVM: ['other'] } },
    { unsupported_layers: { DRBD: ['no module', 'drbd-utils too old'] } },
  ]);
  assert.deepEqual(caps.providers, ['DISKLESS', 'LVM', 'FILE_THIN']);
  assert.deepEqual(caps.layers, ['LUKS', 'STORAGE']);
  assert.deepEqual(caps.unsupported_layers, {
    BCACHE: [NOT_IMPLEMENTED], CACHE: [NOT_IMPLEMENTED], DRBD: ['no module', 'drbd-utils too old'], NVME: [NOT_IMPLEMENTED], WRITECACHE: [NOT_IMPLEMENTED],
  });
  assert.deepEqual(caps.unsupported_providers, { FILE: [NOT_IMPLEMENTED], LVM_THIN: [NOT_IMPLEMENTED], ZFS: ['zfs is not installed'], ZFS_THIN: [NOT_IMPLEMENTED] });
  assert.deepEqual(caps.versions, { lvm2: '2.03.16' });
});

test('a detector that throws makes its kinds unsupported with the error as the reason', async () => {
  const caps = await detectCapabilities([
    { name: 'DRBD detection', layers: ['DRBD'], detect: async () => { throw new Error('boom'); } },
    { name: 'files', providers: ['FILE'], detect: async () => ({ providers: ['FILE'] }) },
  ], silent);
  assert.deepEqual(caps.unsupported_layers.DRBD, ['DRBD detection failed: boom']);
  assert.deepEqual(caps.providers, ['DISKLESS', 'FILE']);
});

test('the real detectors on this machine: loop devices yes, DRBD module no (with the reason)', { timeout: 60_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'storhub-caps-'));
  const sat = createSatellite({ nodeName: 'here', stateDir: dir, logger: silent, pollMs: 0 });
  t.after(async () => {
    await sat.close();
    await rm(dir, { recursive: true, force: true });
  });
  await sat.start();
  const caps = sat.info().capabilities;
  assert.ok(caps.providers.includes('FILE_THIN') && caps.providers.includes('FILE'), JSON.stringify(caps));
  assert.ok(caps.layers.includes('STORAGE'));
  // This machine has no DRBD kernel module (see test-infrastructure.md); a node with one would list it.
  if (!caps.layers.includes('DRBD')) assert.match(caps.unsupported_layers.DRBD.join(' '), /drbd/i);
  assert.equal(caps.unsupported_layers.BCACHE[0], NOT_IMPLEMENTED);
});
