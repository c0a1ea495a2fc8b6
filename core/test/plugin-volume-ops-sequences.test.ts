/**
 * VolumeOps call sequences that a healthy cluster does not produce on demand, against a scripted
 * LINSTOR REST server: a clone that FAILS (the half clone is deleted, `failed`), a snapshot with a
 * FAILED_* flag, a retried restore that continues past "already exists" answers, and the exact
 * requests of the clone and restore sequences (paths and bodies as the contract §2.8-§2.10 gives them).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StorhubClient } from '../src/client/index.js';
import { Code, retCode } from '../src/model/apicallrc.js';
import { stringifyJson } from '../src/model/json.js';
import { createVolumeOps } from '../src/plugin/volume-ops-rest.js';
import { VolumeOpsError, type VolumeOps } from '../src/plugin/volume-ops.js';

type Answer = [status: number, body: unknown];
type Script = (method: string, path: string, body: unknown) => Answer | undefined;

interface Fake {
  ops: VolumeOps;
  /** "METHOD path [body]" of every request, in order. */
  calls: string[];
  close(): Promise<void>;
}

async function scripted(script: Script): Promise<Fake> {
  const calls: string[] = [];
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    let text = '';
    for await (const chunk of req) text += chunk;
    const body = text ? JSON.parse(text) : undefined;
    calls.push(`${req.method} ${req.url}${body === undefined ? '' : ` ${JSON.stringify(body)}`}`);
    const [status, reply] = script(req.method!, req.url!, body) ?? [404, [err('FAIL_NOT_FOUND_RSC_DFN', `nothing scripted for ${req.method} ${req.url}`)]];
    res.writeHead(status, { 'content-type': 'application/json' }).end(stringifyJson(reply));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = new StorhubClient({ controllers: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
  return {
    ops: createVolumeOps(client, { timeoutMs: 5000, pollMs: 5 }),
    calls,
    close: async () => {
      await client.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function err(code: keyof typeof Code, message: string) {
  return { ret_code: retCode('error', Code[code], 'CREATE', 'RSC_DFN'), message };
}
const okList = [{ ret_code: 0, message: 'ok' }];
const rdList = (name: string, size: number, extra: Record<string, unknown> = {}) =>
  [{ name, props: {}, volume_definitions: [{ volume_number: 0, size_kib: size }], ...extra }];
const placed = (name: string) => [{ name, node_name: 'n1', volumes: [{ volume_number: 0, device_path: '/dev/x', state: { disk_state: 'UpToDate' } }] }];

test('clone: POST .../clone, poll the status; FAILED deletes the half clone and is a `failed` error', async (t) => {
  let polls = 0;
  let started = false;
  const fake = await scripted((method, path) => {
    if (method === 'GET' && path === '/v1/resource-definitions?resource_definitions=src&with_volume_definitions=true') return [200, rdList('src', 1024)];
    if (method === 'GET' && path === '/v1/resource-definitions/src/clone/dst') {
      if (!started) return undefined;
      return [200, { status: ++polls < 3 ? 'CLONING' : 'FAILED' }];
    }
    if (method === 'POST' && path === '/v1/resource-definitions/src/clone') {
      started = true;
      return [201, { location: '/v1/resource-definitions/src/clone/dst', source_name: 'src', clone_name: 'dst' }];
    }
    if (method === 'DELETE' && path === '/v1/resource-definitions/dst') return [200, okList];
    return undefined;
  });
  t.after(() => fake.close());

  await assert.rejects(fake.ops.create({ name: 'dst', size_kib: 2048, resource_group: 'rg', props: { 'Aux/a': 'b' }, source: { volume: 'src' } }),
    (e: unknown) => e instanceof VolumeOpsError && e.kind === 'failed' && e.message === "Cloning volume 'src' as 'dst' failed.");
  assert.deepEqual(fake.calls, [
    'GET /v1/resource-definitions?resource_definitions=src&with_volume_definitions=true',
    'GET /v1/resource-definitions/src/clone/dst',
    'POST /v1/resource-definitions/src/clone {"name":"dst","resource_group":"rg","override_props":{"Aux/a":"b"}}',
    'GET /v1/resource-definitions/src/clone/dst',
    'GET /v1/resource-definitions/src/clone/dst',
    'GET /v1/resource-definitions/src/clone/dst',
    'DELETE /v1/resource-definitions/dst',
  ]);
});

test('snapshot: a FAILED_* flag is a `failed` error; an existing snapshot of that name is waited for', async (t) => {
  const fake = await scripted((method, path) => {
    if (method === 'POST' && path === '/v1/resource-definitions/v/snapshots') return [500, [err('FAIL_EXISTS_SNAPSHOT_DFN', 'exists')]];
    if (method === 'GET' && path === '/v1/resource-definitions/v/snapshots/s1') return [200, { name: 's1', resource_name: 'v', flags: ['FAILED_DEPLOYMENT'] }];
    return undefined;
  });
  t.after(() => fake.close());
  await assert.rejects(fake.ops.snapshot('v', 's1'),
    (e: unknown) => e instanceof VolumeOpsError && e.kind === 'failed' && e.message === "Snapshot 's1' of volume 'v' failed (FAILED_DEPLOYMENT).");
  assert.deepEqual(fake.calls, ['POST /v1/resource-definitions/v/snapshots {"name":"s1"}', 'GET /v1/resource-definitions/v/snapshots/s1']);
});

test('restore, first time: definition, volume definition, resources on the given nodes, grow, top up the placement', async (t) => {
  let restored = false;
  let size = 1024;
  const fake = await scripted((method, path, body) => {
    if (method === 'GET' && path === '/v1/resource-definitions/src/snapshots/s1') {
      return [200, { name: 's1', resource_name: 'src', flags: ['SUCCESSFUL'], volume_definitions: [{ volume_number: 0, size_kib: 1024 }] }];
    }
    if (method === 'GET' && path === '/v1/resource-definitions?resource_definitions=dst&with_volume_definitions=true') {
      return [200, restored ? rdList('dst', size) : []];
    }
    if (method === 'POST' && path === '/v1/resource-definitions') return [201, okList];
    if (method === 'POST' && path === '/v1/resource-definitions/src/snapshot-restore-volume-definition/s1') return [200, okList];
    if (method === 'POST' && path === '/v1/resource-definitions/src/snapshot-restore-resource/s1') {
      restored = true;
      return [200, okList];
    }
    if (method === 'PUT' && path === '/v1/resource-definitions/dst/volume-definitions/0') {
      size = (body as { size_kib: number }).size_kib;
      return [200, okList];
    }
    if (method === 'GET' && path === '/v1/view/resources?resources=dst') {
      return [200, [{ ...placed('dst')[0], volumes: [{ volume_number: 0, device_path: '/dev/x', state: { disk_state: 'UpToDate' }, layer_data_list: [{ type: 'STORAGE', data: { usable_size_kib: size } }] }] }]];
    }
    if (method === 'POST' && path === '/v1/resource-definitions/dst/autoplace') return [201, okList];
    return undefined;
  });
  t.after(() => fake.close());

  const info = await fake.ops.create({
    name: 'dst', size_kib: 2048, resource_group: 'rg', props: { 'Aux/k': 'v' },
    placement: { place_count: 2, node_name_list: ['n1'] }, source: { volume: 'src', snapshot: 's1' },
  });
  assert.equal(info.size_kib, 2048);
  const mutations = fake.calls.filter((c) => !c.startsWith('GET'));
  assert.deepEqual(mutations, [
    'POST /v1/resource-definitions {"resource_definition":{"name":"dst","resource_group_name":"rg","props":{"Aux/k":"v"}}}',
    'POST /v1/resource-definitions/src/snapshot-restore-volume-definition/s1 {"to_resource":"dst","nodes":["n1"]}',
    'POST /v1/resource-definitions/src/snapshot-restore-resource/s1 {"to_resource":"dst","nodes":["n1"]}',
    'PUT /v1/resource-definitions/dst/volume-definitions/0 {"size_kib":2048}',
    'POST /v1/resource-definitions/dst/autoplace {"select_filter":{"place_count":2,"node_name_list":["n1"]}}',
  ]);
});

test('restore, retried: an existing definition with its volume definition and resources is continued, not redone', async (t) => {
  const fake = await scripted((method, path) => {
    if (method === 'GET' && path === '/v1/resource-definitions/src/snapshots/s1') {
      return [200, { name: 's1', resource_name: 'src', flags: ['SUCCESSFUL'], volume_definitions: [{ volume_number: 0, size_kib: 1024 }] }];
    }
    if (method === 'GET' && path === '/v1/resource-definitions?resource_definitions=dst&with_volume_definitions=true') return [200, rdList('dst', 1024)];
    if (method === 'POST' && path === '/v1/resource-definitions/src/snapshot-restore-resource/s1') return [500, [err('FAIL_EXISTS_RSC', 'exists')]];
    if (method === 'GET' && path === '/v1/view/resources?resources=dst') return [200, placed('dst')];
    return undefined;
  });
  t.after(() => fake.close());
  const info = await fake.ops.create({ name: 'dst', size_kib: 1024, source: { volume: 'src', snapshot: 's1' } });
  assert.deepEqual(info, { name: 'dst', size_kib: 1024, props: {}, replicas: [{ node: 'n1', diskless: false, device_path: '/dev/x', state: 'UpToDate' }] });
  assert.deepEqual(fake.calls.filter((c) => !c.startsWith('GET')), ['POST /v1/resource-definitions/src/snapshot-restore-resource/s1 {"to_resource":"dst"}']);
});

test('errors are mapped: not enough nodes -> no_space with the controller\'s words; in use -> in_use; others stay ApiErrors', async (t) => {
  const fake = await scripted((method, path) => {
    if (method === 'POST' && path === '/v1/resource-groups/rg/spawn') {
      return [500, [{ ...err('FAIL_NOT_ENOUGH_NODES', 'Not enough available nodes'), cause: 'Only 1 node has a pool.', correction: 'Add nodes.' }]];
    }
    if (method === 'GET' && path === '/v1/view/resources?resources=v&nodes=n2') {
      return [200, [{ name: 'v', node_name: 'n2', flags: ['DISKLESS', 'DRBD_DISKLESS'], volumes: [] }]];
    }
    if (method === 'DELETE' && path === '/v1/resource-definitions/v/resources/n2?keep_tiebreaker=true') return [500, [err('FAIL_IN_USE', 'Resource v is in use on n2')]];
    if (method === 'POST' && path === '/v1/resource-groups') return [500, [err('FAIL_INVLD_PLACE_COUNT', 'bad count')]];
    return undefined;
  });
  t.after(() => fake.close());
  await assert.rejects(fake.ops.create({ name: 'v', size_kib: 1024, resource_group: 'rg' }), (e: unknown) =>
    e instanceof VolumeOpsError && e.kind === 'no_space' &&
    e.message === "Creating volume 'v' from resource group 'rg': Not enough available nodes Only 1 node has a pool. Add nodes.");
  await assert.rejects(fake.ops.release('v', 'n2'), (e: unknown) =>
    e instanceof VolumeOpsError && e.kind === 'in_use' && e.message === "Releasing volume 'v' on node 'n2': Resource v is in use on n2");
  await assert.rejects(fake.ops.ensureResourceGroup('x', { place_count: 0 }), (e: unknown) =>
    !(e instanceof VolumeOpsError) && (e as Error).name === 'ApiError' && (e as Error).message === 'bad count');
});
