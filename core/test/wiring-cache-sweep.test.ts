/**
 * The CACHE/WRITECACHE auxiliary volumes (`<rsc>.dmcache_cache_<nnnnn>`, `.dmcache_meta_`, `.cache_`)
 * are Storhub names: parseVolumeName accepts them (with their kind), providers create them, and the
 * satellite's full-sync sweep keeps those of every wanted resource and removes orphaned ones — shown
 * on a real FILE_THIN pool (files + loop devices) with the real satellite of this release.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalRunner } from '../src/exec/local.js';
import { auxVolumeName, auxiliaryVolumeNames, SUFFIX_CACHE_CACHE, SUFFIX_CACHE_META, SUFFIX_WRITECACHE_CACHE } from '../src/satellite/layers/cache/aux-volumes.js';
import { parseVolumeName, type DesiredResource, type StateUpdate } from '../src/satellite/protocol.js';
import { FileProvider } from '../src/satellite/providers/file/provider.js';
import { wantedVolumeNames } from '../src/satellite/resource-engine.js';
import { createSatellite } from '../src/satellite/wiring.js';
import { silent } from './helpers.js';

test('parseVolumeName: the data name and the three auxiliary forms, with their kind; nothing else', () => {
  assert.deepEqual(parseVolumeName('r1_00000'), { resource: 'r1', volumeNumber: 0, kind: 'data' });
  assert.deepEqual(parseVolumeName('my_res-2_00007'), { resource: 'my_res-2', volumeNumber: 7, kind: 'data' });
  assert.deepEqual(parseVolumeName('r1.dmcache_cache_00003'), { resource: 'r1', volumeNumber: 3, kind: 'dmcache_cache' });
  assert.deepEqual(parseVolumeName('r1.dmcache_meta_00000'), { resource: 'r1', volumeNumber: 0, kind: 'dmcache_meta' });
  assert.deepEqual(parseVolumeName('Web_1.cache_00001'), { resource: 'Web_1', volumeNumber: 1, kind: 'cache' });
  for (const name of [
    'r1.other_00000', 'r1.cache.cache_00000', 'r1.cache_0000', 'r1.dmcache_cache', '.cache_00000', 'x_00000',
    'r1.cache_00000.img', 'r1_00000-cache', 'r1.dmcache_cache_00000_snap', 'lvol0', 'r1._00000',
  ]) {
    assert.equal(parseVolumeName(name), undefined, name);
  }
  // The layer's own names round-trip.
  for (const suffix of [SUFFIX_CACHE_CACHE, SUFFIX_CACHE_META, SUFFIX_WRITECACHE_CACHE]) {
    assert.deepEqual(parseVolumeName(auxVolumeName('vm-disk', suffix, 12))?.volumeNumber, 12);
  }
});

const cached = (name: string, stack: DesiredResource['layer_stack'], volumes = [0]): DesiredResource => ({
  name, layer_stack: stack, flags: [], props: {},
  volumes: volumes.map((n) => ({ volume_number: n, size_kib: 4096, gross_size: false, storage_pool: 'DfltStorPool', props: { 'Cache/CachePool': 'DfltStorPool', 'Writecache/PoolName': 'DfltStorPool' } })),
});

test('wantedVolumeNames: every data volume and every auxiliary volume of the stack, upper-cased', () => {
  assert.deepEqual([...wantedVolumeNames([cached('a', ['CACHE', 'STORAGE'], [0, 1]), cached('b', ['WRITECACHE', 'STORAGE']), cached('c', ['STORAGE'])])].sort(), [
    'A.DMCACHE_CACHE_00000', 'A.DMCACHE_CACHE_00001', 'A.DMCACHE_META_00000', 'A.DMCACHE_META_00001', 'A_00000', 'A_00001',
    'B.CACHE_00000', 'B_00000', 'C_00000',
  ]);
  assert.deepEqual(auxiliaryVolumeNames(cached('c', ['STORAGE'])), []);
});

/** Loop devices backed by files below `dir`. */
function loopsUnder(dir: string): string[] {
  const out = execFileSync('losetup', ['-a'], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.includes(dir)).map((l) => l.split(':')[0]).sort();
}

test('real FILE_THIN pool: a full sync keeps the live cache volumes and sweeps the orphaned ones', { timeout: 120_000 }, async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'storhub-cache-sweep-'));
  const poolDir = join(root, 'pool');
  mkdirSync(poolDir);
  const sat = createSatellite({ nodeName: 'alpha', stateDir: join(root, 'state'), logger: silent, pollMs: 0 });
  t.after(async () => {
    await sat.close();
    for (const dev of loopsUnder(root)) execFileSync('losetup', ['-d', dev]);
    rmSync(root, { recursive: true, force: true });
  });
  await sat.start();

  // Volumes as an earlier run of the CACHE layer would have left them, made by the real provider
  // (which refused these names before parseVolumeName knew them).
  const pool = { name: 'DfltStorPool', provider_kind: 'FILE_THIN' as const, props: { 'StorDriver/StorPoolName': poolDir } };
  const provider = new FileProvider(true);
  const pctx = { runner: new LocalRunner(), log: silent, stateDir: join(root, 'state') };
  const live = ['live_00000', 'live.dmcache_cache_00000', 'live.dmcache_meta_00000'];
  const orphans = ['gone_00000', 'gone.dmcache_cache_00000', 'gone.dmcache_meta_00000', 'gone.cache_00000', 'live.cache_00000'];
  for (const name of [...live, ...orphans]) {
    const v = await provider.createVolume(pctx, pool, { name, size_kib: 4096, props: {} });
    assert.match(v.device_path, /^\/dev\/loop\d+$/, name);
  }
  writeFileSync(join(poolDir, 'notours.img'), '');
  assert.equal(loopsUnder(poolDir).length, live.length + orphans.length);

  // `live` is wanted with CACHE (which this machine cannot run: its converge fails, and yet its
  // volumes are wanted); `gone` is not wanted at all; `live` has no WRITECACHE, so its `.cache_` is an orphan.
  const update: StateUpdate = {
    update_id: 1, full: true, node_name: 'alpha', node_props: {}, pools: [pool],
    resources: [cached('live', ['CACHE', 'STORAGE'])], removed_resources: [], external_files: [],
  };
  const result = await sat.applyUpdate(update);
  assert.equal(result.status, 'applied');
  if (result.status !== 'applied') return;
  assert.deepEqual(result.report.pools[0].reports, [], 'the sweep removed the orphans without a problem');

  assert.deepEqual(readdirSync(poolDir).sort(), [...live.map((n) => `${n}.img`), 'notours.img'].sort());
  const remaining = execFileSync('losetup', ['-a'], { encoding: 'utf8' }).split('\n').filter((l) => l.includes(poolDir));
  assert.equal(remaining.length, live.length, remaining.join('\n'));
  for (const name of live) assert.ok(remaining.some((l) => l.includes(`/${name}.img`)), `${name} still attached`);
  for (const name of orphans) assert.ok(!remaining.some((l) => l.includes(`/${name}.img`)), `${name} detached`);
});
