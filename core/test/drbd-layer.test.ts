/**
 * The DRBD layer end to end where this machine allows: real drbdadm (config check) and drbdmeta
 * (metadata on a real loop device) through the layer; the kernel-only commands (adjust, events2, down)
 * are answered from recordings, so their exact argv is asserted.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { access, open, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pino } from 'pino';
import { LocalRunner } from '../src/exec/local.js';
import { RecordedRunner } from '../src/exec/recorded.js';
import type { CommandRunner, RunOptions } from '../src/exec/runner.js';
import { createDrbdLayer } from '../src/satellite/layers/drbd/layer.js';
import { grossSizeKib, netSizeKib } from '../src/satellite/layers/drbd/metadata.js';
import { drbdFiles } from '../src/satellite/layers/drbd/res-store.js';
import type { LayerContext, LayerVolumes } from '../src/satellite/layers/layer.js';
import { SatelliteError } from '../src/satellite/reports.js';
import { DRBD_ENV, FIXTURES, drbdResource, tempDir } from './drbd-fixtures.js';

const local = new LocalRunner();

/** Runs drbd-utils for real, except the commands given recordings for (those need the kernel module). */
class MixedRunner implements CommandRunner {
  readonly calls: string[][] = [];
  constructor(private readonly recorded: RecordedRunner, private readonly kernelOnly: RegExp) {}
  run(file: string, args: readonly string[], opts?: RunOptions) {
    this.calls.push([file, ...args]);
    return this.kernelOnly.test([file, ...args].join(' ')) ? this.recorded.run(file, args, opts) : local.run(file, args, opts);
  }
}
const KERNEL_ONLY = /^drbdadm -c \S+ adjust |^drbdsetup /;

async function loopDevice(t: TestContext, kib: number): Promise<string> {
  const dir = await tempDir(t, 'storhub-drbdlayer-');
  const file = join(dir, 'backing.img');
  const fh = await open(file, 'w');
  await fh.truncate(kib * 1024);
  await fh.close();
  const dev = (await local.run('losetup', ['-f', '--show', file])).stdout.trim();
  t.after(() => local.run('losetup', ['-d', dev]).then(() => undefined));
  return dev;
}

function ctxOf(runner: CommandRunner, node: string, stateDir: string): LayerContext {
  return { runner, log: pino({ level: 'silent' }), node_name: node, stateDir, pools: new Map(), providers: new Map(), node_props: {}, reports: [] };
}

/** What the STORAGE layer would hand up: the loop device as the volume. */
function storageBelow(dev: string, kib: number): () => Promise<LayerVolumes> {
  return async () => new Map([[0, [{ layer: 'STORAGE' as const, device_path: dev, usable_size_kib: kib, allocated_size_kib: 0, disk_state: 'UpToDate' }]]]);
}

// Named after the recorded events2 output (test/fixtures/commands/drbd/events2-now-statistics-3node.txt):
// resource drbd1, minor 1, peers central-2004 (node id 0) and poller-2004-1 (node id 1).
function drbd1(diskless = false) {
  return drbdResource({
    name: 'drbd1',
    local: { node: 'poller-2004-2', id: 2, address: '10.99.0.3', diskless },
    peers: [{ node: 'central-2004', id: 0, address: '10.99.0.1' }, { node: 'poller-2004-1', id: 1, address: '10.99.0.2' }],
    volumes: [{ nr: 0, minor: 1, size_kib: 65000 }],
    props: { 'DrbdOptions/Resource/quorum': 'majority' },
  });
}

test('without the kernel module: .res written and checked, metadata created on the loop device, not started', async (t) => {
  const root = await tempDir(t);
  const files = drbdFiles(join(root, 'drbd.d'));
  const dev = await loopDevice(t, 65536);
  const runner = new MixedRunner(new RecordedRunner(), KERNEL_ONLY);
  const layer = createDrbdLayer({ files, env: DRBD_ENV, moduleLoaded: false });
  const ctx = ctxOf(runner, 'poller-2004-2', root);
  const resource = drbd1();

  const out = await layer.apply(ctx, resource, storageBelow(dev, 65536));
  assert.deepEqual(out.get(0), [
    { layer: 'DRBD', device_path: '/dev/drbd1', backing_device: dev, usable_size_kib: netSizeKib(65536, { peerSlots: 7 }), allocated_size_kib: 0 },
    { layer: 'STORAGE', device_path: dev, usable_size_kib: 65536, allocated_size_kib: 0, disk_state: 'UpToDate' },
  ]);
  assert.equal(netSizeKib(65536, { peerSlots: 7 }), 65536 - 4 - 32 - 4 * Math.ceil((7 * 2048) / 4096));
  assert.deepEqual(runner.calls.map((c) => c.slice(0, 1).concat(c.at(-1)!)), [
    ['drbdadm', 'sh-nop'],
    ['drbdmeta', 'dstate'],
    ['drbdmeta', '7'], // create-md ... <peer slots>
  ]);
  assert.deepEqual(ctx.reports.map((r) => [r.severity, r.message]), [
    ['warn', "DRBD resource 'drbd1' is configured on node 'poller-2004-2' but not started: the DRBD kernel module is not loaded"],
  ]);
  const text = await readFile(join(files.resDir, 'drbd1.res'), 'utf8');
  assert.match(text, new RegExp(`disk ${dev};`));
  assert.match(text, /quorum majority;/);
  // drbdmeta now finds DRBD 9 metadata on the device
  const dstate = await local.run('drbdmeta', ['--force', '1', 'v09', dev, 'internal', 'dstate'], { env: DRBD_ENV });
  assert.equal(dstate.stdout.trim(), 'Inconsistent');

  // a second run: same file (nothing to check), metadata found, never re-created
  runner.calls.length = 0;
  await layer.apply(ctxOf(runner, 'poller-2004-2', root), resource, storageBelow(dev, 65536));
  assert.deepEqual(runner.calls.map((c) => c.at(-1)), ['dstate']);
});

test('with the module: adjust runs, events2 gives the disk state; remove takes it down and deletes the file', async (t) => {
  const root = await tempDir(t);
  const files = drbdFiles(join(root, 'drbd.d'));
  const dev = await loopDevice(t, 65536);
  const recorded = new RecordedRunner([
    { argv: ['drbdadm', '-c', files.wrapperConf, 'adjust', 'drbd1'], result: {} },
    { argv: ['drbdsetup', 'events2', '--now', '--statistics', 'drbd1'], result: { stdout: await readFile(join(FIXTURES, 'events2-now-statistics-3node.txt'), 'utf8') } },
    { argv: ['drbdsetup', 'down', 'drbd1'], result: {} },
  ]);
  const runner = new MixedRunner(recorded, KERNEL_ONLY);
  const layer = createDrbdLayer({ files, env: DRBD_ENV, moduleLoaded: true });
  const ctx = ctxOf(runner, 'poller-2004-2', root);

  const out = await layer.apply(ctx, drbd1(), storageBelow(dev, 65536));
  assert.equal(out.get(0)?.[0].disk_state, 'UpToDate');
  assert.deepEqual(ctx.reports, []);
  assert.deepEqual(recorded.calls, [
    ['drbdadm', '-c', files.wrapperConf, 'adjust', 'drbd1'],
    ['drbdsetup', 'events2', '--now', '--statistics', 'drbd1'],
  ]);

  const obs = await layer.observe(ctx, drbd1());
  assert.equal(obs?.in_use, false);
  assert.deepEqual(obs?.connections['central-2004'], { connected: true, message: 'Connected' });

  let below = false;
  await layer.remove(ctx, drbd1(), async () => { below = true; });
  assert.deepEqual(recorded.calls.at(-1), ['drbdsetup', 'down', 'drbd1']);
  assert.equal(below, true);
  assert.deepEqual(await readdir(files.resDir), []);
});

test('a failing down stops the removal: the file and the layers below stay', async (t) => {
  const root = await tempDir(t);
  const files = drbdFiles(join(root, 'drbd.d'));
  const runner = new MixedRunner(new RecordedRunner([
    { argv: ['drbdadm', '-c', files.wrapperConf, 'adjust', 'drbd1'], result: {} },
    { argv: /^drbdsetup events2 /, result: { stdout: 'exists -\n' } },
    { argv: ['drbdsetup', 'down', 'drbd1'], result: { exitCode: 11 } },
  ]), KERNEL_ONLY);
  const layer = createDrbdLayer({ files, env: DRBD_ENV, moduleLoaded: true });
  const ctx = ctxOf(runner, 'poller-2004-2', root);
  await layer.apply(ctx, drbd1(true), async () => assert.fail('a diskless client has nothing below'));
  let below = false;
  await assert.rejects(layer.remove(ctx, drbd1(true), async () => { below = true; }), /drbdsetup down drbd1: exit code 11/);
  assert.equal(below, false);
  await access(join(files.resDir, 'drbd1.res'));
});

test('a diskless client: no backing device, no metadata, `disk none`, the net size is the volume size', async (t) => {
  const root = await tempDir(t);
  const files = drbdFiles(join(root, 'drbd.d'));
  const runner = new MixedRunner(new RecordedRunner(), KERNEL_ONLY);
  const layer = createDrbdLayer({ files, env: DRBD_ENV, moduleLoaded: false });
  const out = await layer.apply(ctxOf(runner, 'poller-2004-2', root), drbd1(true), async () => assert.fail('next must not run'));
  assert.deepEqual(out.get(0), [{ layer: 'DRBD', device_path: '/dev/drbd1', usable_size_kib: 65000 }]);
  assert.deepEqual(runner.calls.map((c) => c[0]), ['drbdadm']);
  assert.match(await readFile(join(files.resDir, 'drbd1.res'), 'utf8'), /on "poller-2004-2"\n {4}\{\n {8}volume 0\n {8}\{\n {12}disk none;/);
});

test('a rejected configuration stops apply before metadata or adjust', async (t) => {
  const root = await tempDir(t);
  const files = drbdFiles(join(root, 'drbd.d'));
  const dev = await loopDevice(t, 65536);
  const runner = new MixedRunner(new RecordedRunner(), KERNEL_ONLY);
  const layer = createDrbdLayer({ files, env: DRBD_ENV, moduleLoaded: true });
  const resource = drbd1();
  resource.props['DrbdOptions/Net/protocol'] = 'D';
  await assert.rejects(layer.apply(ctxOf(runner, 'poller-2004-2', root), resource, storageBelow(dev, 65536)), (err: unknown) => {
    assert.ok(err instanceof SatelliteError);
    assert.match(err.info.cause ?? '', /protocol/);
    return true;
  });
  assert.deepEqual(runner.calls.map((c) => c.at(-1)), ['sh-nop']);
  assert.deepEqual(await readdir(files.resDir), []);
});

test('a resource without DRBD settings, or without a device below, is a clear error', async (t) => {
  const root = await tempDir(t);
  const layer = createDrbdLayer({ files: drbdFiles(join(root, 'drbd.d')), moduleLoaded: false });
  const ctx = ctxOf(new RecordedRunner(), 'poller-2004-2', root);
  const noDrbd = drbd1();
  delete noDrbd.drbd;
  await assert.rejects(layer.apply(ctx, noDrbd, async () => new Map()), /has DRBD in its layer list but the controller sent no DRBD settings/);
  await assert.rejects(layer.apply(ctx, drbd1(), async () => new Map()), /The layer below DRBD gave no block device for volume 0 of resource 'drbd1'/);
});

test('lowerSizeKib asks the layer below for room for the metadata', () => {
  const layer = createDrbdLayer({ moduleLoaded: false });
  const r = drbd1();
  assert.equal(layer.lowerSizeKib!(r, r.volumes[0], 65000), grossSizeKib(65000, { peerSlots: 7 }));
  assert.ok(netSizeKib(layer.lowerSizeKib!(r, r.volumes[0], 65000), { peerSlots: 7 }) >= 65000);
});
