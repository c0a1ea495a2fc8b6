/**
 * What the NVME layer needs from the controller: a target and an initiator (NVME_INITIATOR) of one
 * resource definition. The target's desired state carries its own address (NVMe/PrefNic), the
 * initiator's the target's; NVMe/Port and NVMe/TRType flow through the props. Fed to the real layer,
 * the target exports on that address (configfs in a temp directory) and the initiator runs
 * `nvme connect` to it (recording runner).
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeApi, type TestApi } from './helpers.js';
import { addRd, ok } from './resource-fixtures.js';
import { Change } from '../src/controller/change.js';
import { key } from '../src/controller/graph.js';
import { desiredStateOf } from '../src/controller/satellites/desired-state.js';
import { RecordedRunner } from '../src/exec/recorded.js';
import { PROP_TARGET_ADDRESS } from '../src/satellite/layers/nvme/commands.js';
import { createNvmeLayer } from '../src/satellite/layers/nvme/layer.js';
import type { LayerContext, LayerVolumes } from '../src/satellite/layers/layer.js';
import { silent } from './helpers.js';

const R = '/v1/resource-definitions';

async function node(api: TestApi, name: string, address: string, extra?: [string, string]): Promise<void> {
  await ok(api, 'POST', '/v1/nodes', {
    name, type: 'satellite',
    net_interfaces: [{ name: 'default', address, satellite_port: 3366, satellite_encryption_type: 'plain', is_active: true }],
  });
  if (extra) await ok(api, 'POST', `/v1/nodes/${name}/net-interfaces`, { name: extra[0], address: extra[1] });
  await ok(api, 'POST', `/v1/nodes/${name}/storage-pools`, {
    storage_pool_name: 'DfltStorPool', provider_kind: 'FILE_THIN', props: { 'StorDriver/StorPoolName': `/srv/${name}` },
  });
}

/** n1 exports resource `nv` (NVMe/PrefNic on its pool names the `data` interface), n2 is its initiator. */
async function pair(): Promise<TestApi> {
  const api = await makeApi();
  await node(api, 'n1', '127.0.0.11', ['data', '127.0.0.51']);
  await node(api, 'n2', '127.0.0.12');
  await ok(api, 'PUT', '/v1/nodes/n1/storage-pools/DfltStorPool', { override_props: { 'NVMe/PrefNic': 'data' } });
  await addRd(api, 'nv', { layers: ['NVME', 'STORAGE'], sizes: [10240, 20480], props: { 'NVMe/Port': '4421', 'NVMe/TRType': 'tcp' } });
  await ok(api, 'POST', `${R}/nv/resources`, [
    { resource: { node_name: 'n1' } },
    { resource: { node_name: 'n2', flags: ['NVME_INITIATOR'] } },
  ]);
  return api;
}

test('desired state of an NVMe target + initiator pair: the target address, port and transport on both', async (t) => {
  const api = await pair();
  t.after(() => api.close());
  const g = api.controller.graph;

  const target = desiredStateOf(g, 'n1')!.resources.get('NV')!;
  assert.deepEqual(target.layer_stack, ['NVME', 'STORAGE']);
  assert.deepEqual(target.flags, []);
  assert.equal(target.props[PROP_TARGET_ADDRESS], '127.0.0.51', 'NVMe/PrefNic of its storage pool picks the interface');
  assert.equal(target.props['NVMe/Port'], '4421');
  assert.equal(target.props['NVMe/TRType'], 'tcp');
  assert.deepEqual(target.volumes.map((v) => [v.volume_number, v.storage_pool]), [[0, 'DfltStorPool'], [1, 'DfltStorPool']]);

  const initiator = desiredStateOf(g, 'n2')!.resources.get('NV')!;
  assert.deepEqual(initiator.flags, ['DISKLESS', 'NVME_INITIATOR']);
  assert.equal(initiator.props[PROP_TARGET_ADDRESS], '127.0.0.51', "the initiator connects to the target's address");
  assert.equal(initiator.props['NVMe/Port'], '4421');
  assert.deepEqual(initiator.volumes.map((v) => v.storage_pool), ['DfltDisklessStorPool', 'DfltDisklessStorPool']);
  assert.equal(initiator.drbd, undefined);

  // NVMe/PrefNic on the target resource wins over its pool's; the initiator follows.
  await ok(api, 'PUT', `${R}/nv/resources/n1`, { override_props: { 'NVMe/PrefNic': 'default' } });
  assert.equal(desiredStateOf(g, 'n1')!.resources.get('NV')!.props[PROP_TARGET_ADDRESS], '127.0.0.11');
  assert.equal(desiredStateOf(g, 'n2')!.resources.get('NV')!.props[PROP_TARGET_ADDRESS], '127.0.0.11');

  // A target that is going away is nobody's target: the initiator gets no address (its satellite says so).
  const r1 = g.resource('nv', 'n1')!;
  api.controller.commit(new Change().put('rsc', key.rsc('nv', 'n1'), { ...r1, flags: [...r1.flags, 'DELETE'] }));
  assert.equal(desiredStateOf(g, 'n2')!.resources.get('NV')!.props[PROP_TARGET_ADDRESS], undefined);

  // Resources without NVME get no target address at all.
  await addRd(api, 'plain', { layers: ['STORAGE'], sizes: [1024] });
  await ok(api, 'POST', `${R}/plain/resources/n1`, {});
  assert.equal(desiredStateOf(g, 'n1')!.resources.get('PLAIN')!.props[PROP_TARGET_ADDRESS], undefined);
});

function tmp(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'storhub-wiring-nvme-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function ctxOf(runner: RecordedRunner, nodeProps: Record<string, string>): LayerContext {
  return { runner, log: silent, node_name: 'n', stateDir: '/nonexistent', pools: new Map(), providers: new Map(), node_props: nodeProps, reports: [] };
}

test('the NVME layer, fed the desired states: the target exports on its address, the initiator connects to it', async (t) => {
  const api = await pair();
  t.after(() => api.close());
  const s1 = desiredStateOf(api.controller.graph, 'n1')!;
  const s2 = desiredStateOf(api.controller.graph, 'n2')!;
  const dir = tmp(t);

  const root = join(dir, 'nvmet');
  mkdirSync(join(root, 'subsystems'), { recursive: true });
  mkdirSync(join(root, 'ports'), { recursive: true });
  const target = createNvmeLayer({ nvmet: { root, rmdir: (p) => rm(p, { recursive: true }) } });
  const storage = async (): Promise<LayerVolumes> => new Map([0, 1].map((n) => [n, [{
    layer: 'STORAGE' as const, device_path: `/dev/loop${n + 5}`, usable_size_kib: 1024, allocated_size_kib: 0, disk_state: 'UpToDate',
  }]]));
  await target.apply(ctxOf(new RecordedRunner(), s1.node_props), s1.resources.get('NV')!, storage);
  const port = join(root, 'ports', '1');
  const attr = (name: string) => readFileSync(join(port, name), 'utf8');
  assert.deepEqual([attr('addr_traddr'), attr('addr_trsvcid'), attr('addr_trtype')], ['127.0.0.51', '4421', 'tcp']);
  assert.deepEqual(readdirSync(join(port, 'subsystems')), ['LS-NVMe_nv']);
  assert.deepEqual(readdirSync(join(root, 'subsystems', 'LS-NVMe_nv', 'namespaces')).sort(), ['1', '2']);

  // The initiator: nothing appears in the (empty) fabrics directory, but the connect went to the target.
  const runner = new RecordedRunner([{ argv: /^nvme connect /, result: {} }]);
  const ctlRoot = join(dir, 'ctl');
  mkdirSync(ctlRoot);
  const initiator = createNvmeLayer({ fabricsCtlRoot: ctlRoot, pollMs: 5, waitMs: 20 });
  let below = 0;
  await assert.rejects(
    initiator.apply(ctxOf(runner, s2.node_props), s2.resources.get('NV')!, async () => { below++; return new Map(); }),
    /NVMe namespaces 1, 2 of 'LS-NVMe_nv' did not appear/,
  );
  assert.deepEqual(runner.calls, [['nvme', 'connect', '-t', 'tcp', '-a', '127.0.0.51', '-s', '4421', '-n', 'LS-NVMe_nv']]);
  assert.equal(below, 1);

  // Without a target the initiator's satellite names the missing address instead of connecting anywhere.
  const lone = { ...s2.resources.get('NV')!, props: { ...s2.resources.get('NV')!.props } };
  delete lone.props[PROP_TARGET_ADDRESS];
  const idle = new RecordedRunner();
  await assert.rejects(initiator.apply(ctxOf(idle, s2.node_props), lone, async () => new Map()), /has an NVME layer but no target address/);
  assert.deepEqual(idle.calls, []);
});
