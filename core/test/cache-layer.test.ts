/**
 * CACHE / WRITECACHE layers: table lines exactly as the kernel documents them, dmsetup argv,
 * status/ls parsers against public real output, and the layers' create / grow / drain / remove
 * sequences through a recording runner and an in-memory provider. device-mapper does not exist on
 * this machine (luks-nvme-cache-detect.test.ts proves the layers are reported unsupported for that reason).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RecordedRunner } from '../src/exec/recorded.js';
import type { LayerContext, LayerVolumes } from '../src/satellite/layers/layer.js';
import type { DesiredPool, DesiredResource } from '../src/satellite/protocol.js';
import type { ProviderVolume, StorageProvider } from '../src/satellite/providers/provider.js';
import { cacheTable, resolveSizeKib, writecacheOptions, writecacheTable } from '../src/satellite/layers/cache/tables.js';
import {
  createArgs, lsTargetArgs, messageArgs, reloadArgs, removeArgs, resumeArgs, statusArgs, suspendArgs, tableArgs,
} from '../src/satellite/layers/cache/commands.js';
import { parseCacheStatus, parseDmLs, parseDmStatusLine, parseWritecacheStatus } from '../src/satellite/layers/cache/parse.js';
import { auxiliaryVolumeNames } from '../src/satellite/layers/cache/aux-volumes.js';
import { createCacheLayer, createWritecacheLayer, dmDeviceName } from '../src/satellite/layers/cache/layer.js';
import { silent } from './helpers.js';

const FIX = fileURLToPath(new URL('../../../test/fixtures/commands/dmsetup/', import.meta.url));
const fixture = (name: string) => readFileSync(join(FIX, name), 'utf8');

test('dm-cache table: the kernel documentation examples, exactly', () => {
  // Documentation/admin-guide/device-mapper/cache.rst, "Examples".
  assert.equal(cacheTable({
    originSectors: 41943040, metaDevice: '/dev/mapper/metadata', cacheDevice: '/dev/mapper/ssd', originDevice: '/dev/mapper/origin',
    blockSizeSectors: 512, mode: 'writeback', policy: 'default',
  }), '0 41943040 cache /dev/mapper/metadata /dev/mapper/ssd /dev/mapper/origin 512 1 writeback default 0');
  assert.equal(cacheTable({
    originSectors: 41943040, metaDevice: '/dev/mapper/metadata', cacheDevice: '/dev/mapper/ssd', originDevice: '/dev/mapper/origin',
    blockSizeSectors: 1024, mode: 'writeback', policy: 'mq', policyArgs: ['sequential_threshold', '1024', 'random_threshold', '8'],
  }), '0 41943040 cache /dev/mapper/metadata /dev/mapper/ssd /dev/mapper/origin 1024 1 writeback mq 4 sequential_threshold 1024 random_threshold 8');
  const base = { originSectors: 8, metaDevice: 'm', cacheDevice: 'c', originDevice: 'o', mode: 'writethrough', policy: 'smq' };
  assert.throws(() => cacheTable({ ...base, blockSizeSectors: 8 }), /multiple of 64 between 64/);
  assert.throws(() => cacheTable({ ...base, blockSizeSectors: 100 }), /multiple of 64/);
  assert.throws(() => cacheTable({ ...base, blockSizeSectors: 4194304 }), /1 GiB/);
  assert.throws(() => cacheTable({ ...base, blockSizeSectors: 64, mode: 'fast' }), /mode 'fast'/);
  assert.throws(() => cacheTable({ ...base, blockSizeSectors: 64, policyArgs: ['x'] }), /pairs/);
});

test('dm-writecache table and options from Writecache/* props (writecache.rst constructor)', () => {
  assert.equal(writecacheTable({ originSectors: 1562758832, type: 'p', originDevice: '/dev/sdb', cacheDevice: '/dev/pmem0', options: ['high_watermark', '10'] }),
    '0 1562758832 writecache p /dev/sdb /dev/pmem0 4096 2 high_watermark 10');
  assert.equal(writecacheTable({ originSectors: 2048, type: 's', originDevice: '/dev/loop1', cacheDevice: '/dev/loop2' }),
    '0 2048 writecache s /dev/loop1 /dev/loop2 4096 0');
  assert.deepEqual(writecacheOptions({
    'Writecache/Options/StartSector': '0', 'Writecache/Options/HighWatermark': '60', 'Writecache/Options/LowWatermark': '40',
    'Writecache/Options/WritebackJobs': '128', 'Writecache/Options/AutocommitBlocks': '65536', 'Writecache/Options/AutocommitTime': '1000',
    'Writecache/Options/Fua': 'Off', 'Writecache/Options/Additional': 'cleaner  max_age 5000',
  }), ['start_sector', '0', 'high_watermark', '60', 'low_watermark', '40', 'writeback_jobs', '128', 'autocommit_blocks', '65536',
    'autocommit_time', '1000', 'nofua', 'cleaner', 'max_age', '5000']);
  assert.deepEqual(writecacheOptions({ 'Writecache/Options/Fua': 'On' }), ['fua']);
  assert.deepEqual(writecacheOptions({}), []);
  assert.throws(() => writecacheOptions({ 'Writecache/Options/HighWatermark': 'lots' }), /not a whole number/);
  assert.throws(() => writecacheOptions({ 'Writecache/Options/Fua': 'maybe' }), /not On or Off/);
});

test('sizes: percentages of the volume or KiB, rounded up to MiB', () => {
  assert.equal(resolveSizeKib('5%', 1048576, 'Cache/Cachesize'), 53248); // 52428.8 KiB = 51.2 MiB -> 52 MiB
  assert.equal(resolveSizeKib('12288', 1048576, 'Cache/Metasize'), 12288);
  assert.equal(resolveSizeKib('100%', 4096, 'k'), 4096);
  assert.equal(resolveSizeKib('0.5%', 1048576, 'k'), 6144);
  assert.throws(() => resolveSizeKib('1G', 1, 'Writecache/Size'), /Writecache\/Size is '1G'/);
  assert.throws(() => resolveSizeKib('0%', 100, 'k'), /empty/);
});

test('dmsetup argv: the table is one argv element', () => {
  assert.deepEqual(createArgs('r_00000-cache', '0 8 cache a b c 64 1 writethrough smq 0'),
    ['create', 'r_00000-cache', '--table', '0 8 cache a b c 64 1 writethrough smq 0']);
  assert.deepEqual(reloadArgs('n', 't u'), ['reload', 'n', '--table', 't u']);
  assert.deepEqual(removeArgs('n'), ['remove', '--retry', 'n']);
  assert.deepEqual(statusArgs('n'), ['status', 'n']);
  assert.deepEqual(tableArgs('n'), ['table', 'n']);
  assert.deepEqual(lsTargetArgs('writecache'), ['ls', '--target', 'writecache']);
  assert.deepEqual(messageArgs('n', 'flush_on_suspend'), ['message', 'n', '0', 'flush_on_suspend']);
  assert.deepEqual(suspendArgs('n'), ['suspend', 'n']);
  assert.deepEqual(resumeArgs('n'), ['resume', 'n']);
});

test('parse: dm-cache status lines (public real output)', () => {
  const line = parseDmStatusLine(fixture('status-cache-smq.txt'));
  assert.equal(line.start, 0);
  assert.equal(line.length, 3892379648);
  assert.equal(line.target, 'cache');
  assert.deepEqual(parseCacheStatus(line.params), {
    metadataBlockSize: 8, metadataUsed: 5204, metadataTotal: 393216, cacheBlockSize: 128, cacheUsed: 1694509, cacheTotal: 1740800,
    readHits: 16064464, readMisses: 96291237, writeHits: 8382251, writeMisses: 58523837, demotions: 0, promotions: 0, dirty: 5,
    features: ['writeback'], coreArgs: ['migration_threshold', '2048'], policy: 'smq', policyArgs: [], metadataMode: 'rw', needsCheck: false,
  });
  const params = parseCacheStatus(fixture('status-cache-params.txt').trim().split(/\s+/));
  assert.equal(params.cacheUsed, 322);
  assert.equal(params.cacheTotal, 3212);
  assert.equal(params.promotions, 322);
  assert.equal(params.dirty, 0);
  const all = parseDmStatusLine(fixture('status-all-cache.txt'));
  assert.equal(all.name, 'vg_jaina-local');
  assert.equal(parseCacheStatus(all.params).dirty, 1875);
  assert.equal(parseCacheStatus([...all.params.slice(0, -1), 'needs_check']).needsCheck, true);
  assert.throws(() => parseCacheStatus(['Fail']), /Fail/);
  assert.throws(() => parseCacheStatus(['8', '1/2']), /cache blocks/);
});

test('parse: dm-writecache status (public real output, 4-field kernel) and dmsetup ls', () => {
  const line = parseDmStatusLine(fixture('status-writecache.txt'));
  assert.equal(line.target, 'writecache');
  assert.equal(line.length, 25165824);
  assert.deepEqual(parseWritecacheStatus(line.params), { error: 0, blocks: 32640, freeBlocks: 17184, writebackBlocks: 0, counters: [] });
  assert.deepEqual(parseWritecacheStatus('0 100 90 1 5 4 3 2 1 0 0 0 7 0'.split(' ')).counters, [5, 4, 3, 2, 1, 0, 0, 0, 7, 0]);
  assert.throws(() => parseWritecacheStatus(['0', '1']), /at least 4/);
  assert.deepEqual(parseDmLs(fixture('ls-target.txt')), ['linstor_vg-rsc0_00000', 'linstor_vg-thinpool_tmeta', 'vg--with--dashes-lv']);
  assert.deepEqual(parseDmLs('No devices found\n'), []);
});

// --- layer flows ---

class MemProvider implements StorageProvider {
  readonly kind = 'FILE_THIN' as const;
  readonly vols = new Map<string, number>();
  readonly log: string[] = [];
  async checkConfig() { return []; }
  async capacity() { return { free_kib: 1 << 30, total_kib: 1 << 30 }; }
  async listVolumes(): Promise<ProviderVolume[]> { return [...this.vols].map(([n, s]) => this.view(n, s)); }
  async createVolume(_c: unknown, pool: DesiredPool, req: { name: string; size_kib: number }) {
    if (!this.vols.has(req.name)) { this.vols.set(req.name, req.size_kib); this.log.push(`create ${pool.name} ${req.name} ${req.size_kib}`); }
    return this.view(req.name, this.vols.get(req.name)!);
  }
  async resizeVolume(_c: unknown, _p: DesiredPool, req: { name: string; size_kib: number }) { return this.view(req.name, req.size_kib); }
  async deleteVolume(_c: unknown, pool: DesiredPool, name: string) { if (this.vols.delete(name)) this.log.push(`delete ${pool.name} ${name}`); }
  private view(name: string, size: number): ProviderVolume { return { name, device_path: `/dev/fake/${name}`, allocated_kib: 0, usable_kib: size }; }
}

function setup(runner: RecordedRunner) {
  const provider = new MemProvider();
  const pools = new Map<string, DesiredPool>([
    ['SSD', { name: 'ssd', provider_kind: 'FILE_THIN', props: {} }],
    ['NVM', { name: 'nvm', provider_kind: 'FILE_THIN', props: {} }],
  ]);
  const ctx: LayerContext = {
    runner, log: silent, node_name: 'alpha', stateDir: '/nonexistent', pools, providers: new Map([['FILE_THIN', provider]]), node_props: {}, reports: [],
  };
  return { provider, ctx };
}

function rsc(stack: Array<'CACHE' | 'WRITECACHE'>, props: Record<string, string>): DesiredResource {
  return {
    name: 'r1', layer_stack: [...stack, 'STORAGE'], flags: [], props: {},
    volumes: [{ volume_number: 0, size_kib: 1048576, gross_size: false, storage_pool: 'hdd', props }],
  };
}

const origin = (kib = 1048576) => async (): Promise<LayerVolumes> =>
  new Map([[0, [{ layer: 'STORAGE' as const, device_path: '/dev/loop1', usable_size_kib: kib, allocated_size_kib: 10, disk_state: 'UpToDate' }]]]);

const CACHE_STATUS = (len: number, dirty: number) =>
  `0 ${len} cache 8 27/2048 4096 14/3200 348 55 28 24 0 14 ${dirty} 1 writeback 2 migration_threshold 2048 smq 0 rw -\n`;

test('CACHE layer: creates cache + meta volumes, zeroes the new meta head, dmsetup create with the exact table', async () => {
  const table = '0 2097152 cache /dev/fake/r1.dmcache_meta_00000 /dev/fake/r1.dmcache_cache_00000 /dev/loop1 4096 1 writethrough smq 0';
  const runner = new RecordedRunner([
    { argv: ['dmsetup', 'ls', '--target', 'cache'], result: { stdout: 'No devices found\n' }, times: 1 },
    { argv: ['dmsetup', 'create', 'r1_00000-cache', '--table', table], result: {} },
    { argv: ['dmsetup', 'status', 'r1_00000-cache'], result: { stdout: CACHE_STATUS(2097152, 0) } },
  ]);
  const { provider, ctx } = setup(runner);
  const zeroed: string[] = [];
  const layer = createCacheLayer({ zeroHead: async (d) => { zeroed.push(d); } });
  const out = await layer.apply(ctx, rsc(['CACHE'], { 'Cache/CachePool': 'ssd', 'Cache/MetaPool': 'nvm' }), origin());
  assert.deepEqual(provider.log, ['create ssd r1.dmcache_cache_00000 53248', 'create nvm r1.dmcache_meta_00000 12288']);
  assert.deepEqual(zeroed, ['/dev/fake/r1.dmcache_meta_00000']);
  assert.deepEqual(out.get(0)![0], {
    layer: 'CACHE', device_path: '/dev/mapper/r1_00000-cache', backing_device: '/dev/loop1', allocated_size_kib: 10, usable_size_kib: 1048576, disk_state: 'UpToDate',
  });
  assert.equal(dmDeviceName('CACHE', 'r1', 0), 'r1_00000-cache');
  assert.deepEqual(auxiliaryVolumeNames(rsc(['CACHE'], {})), ['r1.dmcache_cache_00000', 'r1.dmcache_meta_00000']);
});

test('CACHE layer: existing mapping grows with its origin; bad props refuse before creating anything', async () => {
  const runner = new RecordedRunner([
    { argv: ['dmsetup', 'ls', '--target', 'cache'], result: { stdout: 'r1_00000-cache\t(253:3)\n' } },
    { argv: ['dmsetup', 'table', 'r1_00000-cache'], result: { stdout: '0 2097152 cache 253:2 253:1 7:1 4096 1 writethrough smq 0\n' } },
    { argv: ['dmsetup', 'reload', 'r1_00000-cache', '--table', '0 4194304 cache 253:2 253:1 7:1 4096 1 writethrough smq 0'], result: {} },
    { argv: ['dmsetup', 'suspend', 'r1_00000-cache'], result: {} },
    { argv: ['dmsetup', 'resume', 'r1_00000-cache'], result: {} },
    { argv: ['dmsetup', 'status', 'r1_00000-cache'], result: { stdout: CACHE_STATUS(4194304, 0) } },
  ]);
  const { provider, ctx } = setup(runner);
  const layer = createCacheLayer({ zeroHead: async () => {} });
  const out = await layer.apply(ctx, rsc(['CACHE'], { 'Cache/CachePool': 'ssd' }), origin(2097152));
  assert.equal(out.get(0)![0].usable_size_kib, 2097152);
  assert.deepEqual(runner.calls.map((c) => c[1]), ['ls', 'table', 'reload', 'suspend', 'resume', 'status']);
  assert.deepEqual(provider.log, []);

  const fresh = new RecordedRunner([{ argv: ['dmsetup', 'ls', '--target', 'cache'], result: { stdout: '' } }]);
  const s2 = setup(fresh);
  await assert.rejects(layer.apply(s2.ctx, rsc(['CACHE'], {}), origin()), /needs Cache\/CachePool/);
  await assert.rejects(layer.apply(s2.ctx, rsc(['CACHE'], { 'Cache/CachePool': 'nope' }), origin()), /names storage pool 'nope'/);
  await assert.rejects(layer.apply(s2.ctx, rsc(['CACHE'], { 'Cache/CachePool': 'ssd', 'Cache/Blocksize': '100' }), origin()), /multiple of 64/);
  assert.deepEqual(s2.provider.log, [], 'nothing half-made');
});

test('CACHE layer remove: dirty blocks are cleaned (cleaner policy) before dmsetup remove, then volumes go', async () => {
  const runner = new RecordedRunner([
    { argv: ['dmsetup', 'ls', '--target', 'cache'], result: { stdout: 'r1_00000-cache\t(253:3)\n' } },
    { argv: ['dmsetup', 'status', 'r1_00000-cache'], result: { stdout: CACHE_STATUS(2097152, 42) }, times: 2 },
    { argv: ['dmsetup', 'table', 'r1_00000-cache'], result: { stdout: '0 2097152 cache 253:2 253:1 7:1 4096 1 writeback smq 0\n' } },
    { argv: ['dmsetup', 'reload', 'r1_00000-cache', '--table', '0 2097152 cache 253:2 253:1 7:1 4096 1 writeback cleaner 0'], result: {} },
    { argv: ['dmsetup', 'suspend', 'r1_00000-cache'], result: {} },
    { argv: ['dmsetup', 'resume', 'r1_00000-cache'], result: {} },
    { argv: ['dmsetup', 'status', 'r1_00000-cache'], result: { stdout: CACHE_STATUS(2097152, 0) } },
    { argv: ['dmsetup', 'remove', '--retry', 'r1_00000-cache'], result: {} },
  ]);
  const { provider, ctx } = setup(runner);
  provider.vols.set('r1.dmcache_cache_00000', 52224);
  provider.vols.set('r1.dmcache_meta_00000', 12288);
  let below = 0;
  await createCacheLayer({ cleanPollMs: 1 }).remove(ctx, rsc(['CACHE'], { 'Cache/CachePool': 'ssd' }), async () => { below++; });
  assert.deepEqual(runner.calls.map((c) => c[1]), ['ls', 'status', 'table', 'reload', 'suspend', 'resume', 'status', 'status', 'remove']);
  assert.deepEqual(provider.log, ['delete ssd r1.dmcache_cache_00000', 'delete ssd r1.dmcache_meta_00000']);
  assert.equal(below, 1);
});

test('CACHE layer remove: a cache that will not get clean is not removed (no data loss)', async () => {
  const runner = new RecordedRunner([
    { argv: ['dmsetup', 'ls', '--target', 'cache'], result: { stdout: 'r1_00000-cache\t(253:3)\n' } },
    { argv: ['dmsetup', 'status', 'r1_00000-cache'], result: { stdout: CACHE_STATUS(2097152, 7) } },
    { argv: ['dmsetup', 'table', 'r1_00000-cache'], result: { stdout: '0 2097152 cache 253:2 253:1 7:1 4096 1 writeback smq 0\n' } },
    { argv: /^dmsetup (reload|suspend|resume) /, result: {} },
  ]);
  const { provider, ctx } = setup(runner);
  provider.vols.set('r1.dmcache_cache_00000', 1);
  let below = 0;
  await assert.rejects(createCacheLayer({ cleanPollMs: 1, cleanMaxPolls: 3 }).remove(ctx, rsc(['CACHE'], { 'Cache/CachePool': 'ssd' }), async () => { below++; }),
    /still has 7 dirty blocks/);
  assert.ok(!runner.calls.some((c) => c[1] === 'remove'));
  assert.deepEqual(provider.log, []);
  assert.equal(below, 0);
});

test('WRITECACHE layer: requires PoolName and Size; creates with options; remove flushes first', async () => {
  const props = { 'Writecache/PoolName': 'nvm', 'Writecache/Size': '1%', 'Writecache/Options/HighWatermark': '60' };
  const table = '0 2097152 writecache s /dev/loop1 /dev/fake/r1.cache_00000 4096 2 high_watermark 60';
  const runner = new RecordedRunner([
    { argv: ['dmsetup', 'ls', '--target', 'writecache'], result: { stdout: '' }, times: 1 },
    { argv: ['dmsetup', 'create', 'r1_00000-writecache', '--table', table], result: {} },
    { argv: ['dmsetup', 'status', 'r1_00000-writecache'], result: { stdout: fixture('status-writecache.txt').replace('25165824', '2097152') } },
    { argv: ['dmsetup', 'ls', '--target', 'writecache'], result: { stdout: 'r1_00000-writecache\t(253:5)\n' } },
    { argv: ['dmsetup', 'message', 'r1_00000-writecache', '0', 'flush_on_suspend'], result: {} },
    { argv: ['dmsetup', 'suspend', 'r1_00000-writecache'], result: {} },
    { argv: ['dmsetup', 'remove', '--retry', 'r1_00000-writecache'], result: {} },
  ]);
  const { provider, ctx } = setup(runner);
  const zeroed: string[] = [];
  const layer = createWritecacheLayer({ zeroHead: async (d) => { zeroed.push(d); } });
  const out = await layer.apply(ctx, rsc(['WRITECACHE'], props), origin());
  assert.equal(out.get(0)![0].device_path, '/dev/mapper/r1_00000-writecache');
  assert.equal(out.get(0)![0].usable_size_kib, 1048576);
  assert.deepEqual(provider.log, ['create nvm r1.cache_00000 11264']);
  assert.deepEqual(zeroed, ['/dev/fake/r1.cache_00000']);

  await layer.remove(ctx, rsc(['WRITECACHE'], props), async () => {});
  assert.deepEqual(runner.calls.slice(3).map((c) => c[1]), ['ls', 'message', 'suspend', 'status', 'remove']);
  assert.deepEqual(provider.log.slice(1), ['delete nvm r1.cache_00000']);

  const s2 = setup(new RecordedRunner([{ argv: /^dmsetup ls/, result: { stdout: '' } }]));
  await assert.rejects(layer.apply(s2.ctx, rsc(['WRITECACHE'], { 'Writecache/PoolName': 'nvm' }), origin()), /needs Writecache\/Size/);
  await assert.rejects(layer.apply(s2.ctx, rsc(['WRITECACHE'], { 'Writecache/Size': '1%' }), origin()), /needs Writecache\/PoolName/);
  assert.deepEqual(s2.provider.log, []);
});

test('WRITECACHE layer remove: an error after the flush keeps the mapping and the cache volume', async () => {
  const runner = new RecordedRunner([
    { argv: ['dmsetup', 'ls', '--target', 'writecache'], result: { stdout: 'r1_00000-writecache\t(253:5)\n' } },
    { argv: /^dmsetup (message|suspend|resume) /, result: {} },
    { argv: ['dmsetup', 'status', 'r1_00000-writecache'], result: { stdout: '0 2097152 writecache 5 32640 17184 0\n' } },
  ]);
  const { provider, ctx } = setup(runner);
  provider.vols.set('r1.cache_00000', 1);
  await assert.rejects(createWritecacheLayer().remove(ctx, rsc(['WRITECACHE'], { 'Writecache/PoolName': 'nvm' }), async () => {}), /reports error 5/);
  assert.deepEqual(runner.calls.map((c) => c[1]), ['ls', 'message', 'suspend', 'status', 'resume']);
  assert.deepEqual(provider.log, []);
});
