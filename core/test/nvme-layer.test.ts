/**
 * NVME layer: the target side against a temp directory standing in for /sys/kernel/config/nvmet
 * (exact files, values and the symlink), the initiator side through a recording runner and a temp
 * directory standing in for /sys/class/nvme-fabrics/ctl, parsers against public real output.
 * This machine has neither nvmet nor nvme-fabrics (see luks-nvme-cache-detect.test.ts).
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RecordedRunner } from '../src/exec/recorded.js';
import type { LayerContext, LayerVolumes } from '../src/satellite/layers/layer.js';
import type { DesiredResource } from '../src/satellite/protocol.js';
import {
  NVMET_SUBSYSTEM_PREFIX, SPDK_SUBSYSTEM_PREFIX, connectArgs, disconnectArgs, listArgs, namespaceId, subsystemNqn,
} from '../src/satellite/layers/nvme/commands.js';
import { namespaceDevice, parseNvmeList } from '../src/satellite/layers/nvme/parse.js';
import { createNvmeLayer } from '../src/satellite/layers/nvme/layer.js';
import { silent } from './helpers.js';

const FIX = fileURLToPath(new URL('../../../test/fixtures/commands/nvme/', import.meta.url));

function tmp(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'storhub-nvme-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** configfs deletes a directory's attribute files with it; a plain directory needs them gone first. */
const plainRmdir = (p: string) => rm(p, { recursive: true });

const read = (p: string) => readFileSync(p, 'utf8');

function ctxWith(runner: RecordedRunner, nodeProps: Record<string, string> = {}): LayerContext {
  return { runner, log: silent, node_name: 'alpha', stateDir: '/nonexistent', pools: new Map(), providers: new Map(), node_props: nodeProps, reports: [] };
}

function rsc(flags: string[] = [], props: Record<string, string> = { 'Internal/NVMe/TargetAddress': '127.0.0.10' }, volumes = [0, 1]): DesiredResource {
  return {
    name: 'nvmedata', layer_stack: ['NVME', 'STORAGE'], flags, props,
    volumes: volumes.map((n) => ({ volume_number: n, size_kib: 1024, gross_size: false, storage_pool: 'p', props: {} })),
  };
}

const storage = (devs: Record<number, string>) => async (): Promise<LayerVolumes> =>
  new Map(Object.entries(devs).map(([n, d]) => [Number(n), [{ layer: 'STORAGE' as const, device_path: d, usable_size_kib: 1024, allocated_size_kib: 12, disk_state: 'UpToDate' }]]));

test('names and argv: LINSTOR subsystem names, NSID = volume + 1, nvme-cli argv', () => {
  assert.equal(NVMET_SUBSYSTEM_PREFIX, 'LS-NVMe_');
  assert.equal(SPDK_SUBSYSTEM_PREFIX, 'nqn.2018-02.linbit.linstor:');
  assert.equal(subsystemNqn('nvmedata'), 'LS-NVMe_nvmedata');
  assert.equal(namespaceId(0), 1);
  assert.deepEqual(connectArgs({ transport: 'tcp', address: '127.0.0.10', port: 4420, nqn: 'LS-NVMe_r' }),
    ['connect', '-t', 'tcp', '-a', '127.0.0.10', '-s', '4420', '-n', 'LS-NVMe_r']);
  assert.deepEqual(connectArgs({ transport: 'tcp', address: '::1', port: 4421, nqn: 'n', hostNqn: 'nqn.2014-08.org.nvmexpress:uuid:1' }),
    ['connect', '-t', 'tcp', '-a', '::1', '-s', '4421', '-n', 'n', '-q', 'nqn.2014-08.org.nvmexpress:uuid:1']);
  assert.deepEqual(disconnectArgs('LS-NVMe_r'), ['disconnect', '-n', 'LS-NVMe_r']);
  assert.deepEqual(listArgs(), ['list', '-o', 'json']);
});

test('parse: nvme list -o json (public real output) and empty output', () => {
  const devs = parseNvmeList(read(join(FIX, 'list-two-namespaces.json')));
  assert.deepEqual(devs, [
    { devicePath: '/dev/nvme0n1', namespace: 9217, modelNumber: 'dellemc', serialNumber: 'FP08RZ2', physicalSize: 5368709120, sectorSize: 512 },
    { devicePath: '/dev/nvme0n2', namespace: 9222, modelNumber: 'dellemc', serialNumber: 'FP08RZ2', physicalSize: 5368709120, sectorSize: 512 },
  ]);
  assert.deepEqual(parseNvmeList(''), []);
  assert.deepEqual(parseNvmeList('{"Devices":[]}'), []);
  assert.throws(() => parseNvmeList('{"Devices":{}}'), /Devices/);
  assert.equal(namespaceDevice('nvme3', 'nvme3n2'), '/dev/nvme3n2');
  assert.equal(namespaceDevice('nvme3', 'nvme3c1n2'), '/dev/nvme3n2');
  assert.equal(namespaceDevice('nvme3', 'subsysnqn'), undefined);
});

test('target: exact configfs files, values and symlink; port shared and reused; unexport cleans up', async (t) => {
  const root = join(tmp(t), 'nvmet');
  mkdirSync(join(root, 'subsystems'), { recursive: true });
  mkdirSync(join(root, 'ports'), { recursive: true });
  const layer = createNvmeLayer({ nvmet: { root, rmdir: plainRmdir } });
  const ctx = ctxWith(new RecordedRunner());

  const out = await layer.apply(ctx, rsc(), storage({ 0: '/dev/loop5', 1: '/dev/loop6' }));
  const sub = join(root, 'subsystems', 'LS-NVMe_nvmedata');
  assert.equal(read(join(sub, 'attr_allow_any_host')), '1');
  assert.deepEqual(readdirSync(join(sub, 'namespaces')).sort(), ['1', '2']);
  assert.equal(read(join(sub, 'namespaces/1/device_path')), '/dev/loop5');
  assert.equal(read(join(sub, 'namespaces/1/enable')), '1');
  assert.equal(read(join(sub, 'namespaces/2/device_path')), '/dev/loop6');
  assert.equal(read(join(sub, 'namespaces/2/enable')), '1');
  assert.deepEqual(readdirSync(join(root, 'ports')), ['1']);
  const port = join(root, 'ports/1');
  assert.equal(read(join(port, 'addr_traddr')), '127.0.0.10');
  assert.equal(read(join(port, 'addr_trtype')), 'tcp');
  assert.equal(read(join(port, 'addr_trsvcid')), '4420');
  assert.equal(read(join(port, 'addr_adrfam')), 'ipv4');
  assert.equal(readlinkSync(join(port, 'subsystems/LS-NVMe_nvmedata')), sub);
  assert.deepEqual(out.get(0)![0], {
    layer: 'NVME', device_path: '/dev/loop5', backing_device: '/dev/loop5', allocated_size_kib: 12, usable_size_kib: 1024, disk_state: 'UpToDate',
  });
  assert.equal(out.get(1)!.length, 2);

  // Idempotent; a second resource on the same address shares port 1; another port makes port 2.
  await layer.apply(ctx, rsc(), storage({ 0: '/dev/loop5', 1: '/dev/loop6' }));
  const other = { ...rsc([], { 'Internal/NVMe/TargetAddress': '127.0.0.10' }, [0]), name: 'other' };
  await layer.apply(ctx, other, storage({ 0: '/dev/loop7' }));
  assert.deepEqual(readdirSync(join(port, 'subsystems')).sort(), ['LS-NVMe_nvmedata', 'LS-NVMe_other']);
  const v6 = { ...rsc([], { 'Internal/NVMe/TargetAddress': '::1', 'NVMe/Port': '4421' }, [0]), name: 'six' };
  await layer.apply(ctx, v6, storage({ 0: '/dev/loop8' }));
  assert.deepEqual(readdirSync(join(root, 'ports')).sort(), ['1', '2']);
  assert.equal(read(join(root, 'ports/2/addr_adrfam')), 'ipv6');
  assert.equal(read(join(root, 'ports/2/addr_trsvcid')), '4421');

  // A volume gone from the resource loses its namespace; a changed device is re-pointed.
  await layer.apply(ctx, rsc([], undefined, [0]), storage({ 0: '/dev/loop9' }));
  assert.deepEqual(readdirSync(join(sub, 'namespaces')), ['1']);
  assert.equal(read(join(sub, 'namespaces/1/device_path')), '/dev/loop9');

  let below = 0;
  await layer.remove(ctx, rsc(), async () => { below++; });
  assert.equal(below, 1);
  assert.ok(!existsSync(sub));
  assert.deepEqual(readdirSync(join(port, 'subsystems')), ['LS-NVMe_other'], 'the shared port stays while used');
  await layer.remove(ctx, other, async () => {});
  await layer.remove(ctx, v6, async () => {});
  assert.deepEqual(readdirSync(join(root, 'ports')), [], 'ports go with their last subsystem');
  assert.deepEqual(readdirSync(join(root, 'subsystems')), []);
  await layer.remove(ctx, other, async () => {}); // missing: not an error
});

test('target: missing address, bad port and no local device are refused with the fix', async (t) => {
  const root = join(tmp(t), 'nvmet');
  const layer = createNvmeLayer({ nvmet: { root, rmdir: plainRmdir } });
  const ctx = ctxWith(new RecordedRunner());
  await assert.rejects(layer.apply(ctx, rsc([], {}), storage({ 0: '/dev/loop5', 1: '/dev/loop6' })), /no target address/);
  await assert.rejects(layer.apply(ctx, rsc([], { 'Internal/NVMe/TargetAddress': '127.0.0.10', 'NVMe/Port': '99999' }), storage({ 0: '/a', 1: '/b' })), /not a TCP port/);
  await assert.rejects(layer.apply(ctx, rsc(), storage({ 0: '/dev/loop5' })), /no local device to export/);
  assert.ok(!existsSync(join(root, 'subsystems', 'LS-NVMe_nvmedata')), 'nothing half-made');
});

test('initiator: nvme connect, namespaces found in sysfs, sizes from nvme list; disconnect on remove', async (t) => {
  const ctlRoot = join(tmp(t), 'ctl');
  mkdirSync(ctlRoot);
  const list = JSON.stringify({ Devices: [
    { NameSpace: 1, DevicePath: '/dev/nvme2n1', ModelNumber: 'Linux', SerialNumber: 'abc', PhysicalSize: 1048576, SectorSize: 512 },
    { NameSpace: 2, DevicePath: '/dev/nvme2n2', ModelNumber: 'Linux', SerialNumber: 'abc', PhysicalSize: 2097152, SectorSize: 512 },
  ] });
  const runner = new RecordedRunner([
    { argv: ['nvme', 'connect', '-t', 'tcp', '-a', '127.0.0.10', '-s', '4420', '-n', 'LS-NVMe_nvmedata'], result: {}, times: 1 },
    { argv: ['nvme', 'list', '-o', 'json'], result: { stdout: list } },
    { argv: ['nvme', 'disconnect', '-n', 'LS-NVMe_nvmedata'], result: { stdout: 'NQN:LS-NVMe_nvmedata disconnected 1 controller(s)\n' } },
  ]);
  // What the kernel does on connect: a controller with the subsystem's namespaces (one unrelated one too).
  const origRun = runner.run.bind(runner);
  runner.run = async (file, args, opts) => {
    const res = await origRun(file, args, opts);
    if (args[0] === 'connect') {
      for (const [ctl, nqn, nss] of [['nvme1', 'nqn.other', ['nvme1n1']], ['nvme2', 'LS-NVMe_nvmedata', ['nvme2n1', 'nvme2c2n2']]] as const) {
        mkdirSync(join(ctlRoot, ctl));
        writeFileSync(join(ctlRoot, ctl, 'subsysnqn'), `${nqn}\n`);
        nss.forEach((ns, i) => { mkdirSync(join(ctlRoot, ctl, ns)); writeFileSync(join(ctlRoot, ctl, ns, 'nsid'), `${i + 1}\n`); });
      }
    }
    if (args[0] === 'disconnect') rmSync(join(ctlRoot, 'nvme2'), { recursive: true });
    return res;
  };
  const layer = createNvmeLayer({ fabricsCtlRoot: ctlRoot, pollMs: 5, waitMs: 100 });
  let belowCalls = 0;
  const initiator = rsc(['NVME_INITIATOR']);
  const out = await layer.apply(ctxWith(runner), initiator, async () => { belowCalls++; return new Map(); });
  assert.equal(belowCalls, 1);
  assert.deepEqual(out.get(0), [{ layer: 'NVME', device_path: '/dev/nvme2n1', usable_size_kib: 1024, disk_state: 'Diskless' }]);
  assert.deepEqual(out.get(1), [{ layer: 'NVME', device_path: '/dev/nvme2n2', usable_size_kib: 2048, disk_state: 'Diskless' }]);
  // Already connected: no second connect.
  await layer.apply(ctxWith(runner), initiator, async () => new Map());
  assert.equal(runner.calls.filter((c) => c[1] === 'connect').length, 1);

  await layer.remove(ctxWith(runner), initiator, async () => {});
  assert.deepEqual(runner.calls.map((c) => c[1]), ['connect', 'list', 'list', 'disconnect']);
  await layer.remove(ctxWith(runner), initiator, async () => {});
  assert.equal(runner.calls.filter((c) => c[1] === 'disconnect').length, 1, 'nothing to disconnect the second time');
});

test('initiator: namespaces that never appear are a clear error', async (t) => {
  const ctlRoot = join(tmp(t), 'ctl');
  const runner = new RecordedRunner([{ argv: /^nvme connect/, result: {} }]);
  const layer = createNvmeLayer({ fabricsCtlRoot: ctlRoot, pollMs: 5, waitMs: 20 });
  await assert.rejects(layer.apply(ctxWith(runner), rsc(['NVME_INITIATOR']), async () => new Map()),
    /NVMe namespaces 1, 2 of 'LS-NVMe_nvmedata' did not appear/);
});
