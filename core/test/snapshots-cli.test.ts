/** `storhub snapshot ...` and `storhub rd clone` (in-process runCli against a listening API whose satellites look online). */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { parseJson } from '../src/model/json.js';
import { cliAgainst } from './cli-helpers.js';
import { R, reportCreated, snapshotCluster, type SnapApi } from './snapshot-fixtures.js';

let api: SnapApi;
let address: string;
const { run, ok } = cliAgainst(() => address);

before(async () => {
  api = await snapshotCluster();
  await api.app.listen({ host: '127.0.0.1', port: 0 });
  address = `127.0.0.1:${(api.app.server.address() as AddressInfo).port}`;
});
after(() => api.close());

test('s create [nodes] rd snap, s list (state Incomplete -> Successful), s delete -n, s rollback', async () => {
  const c = await ok('s', 'c', 'res', 'snap1');
  assert.match(c.stdout, /SUCCESS/);
  assert.match(c.stdout, /New snapshot 'snap1' of resource 'res' registered/);
  await ok('snapshot', 'create', 'n2', 'res', 'snap2');
  assert.deepEqual(api.controller.graph.snapshotsOf('res').map((s) => [s.name, s.nodes]), [['snap1', ['n1', 'n2']], ['snap2', ['n2']]]);

  let list = await ok('s', 'l');
  assert.match(list.stdout, /ResourceName.*SnapshotName.*NodeNames.*Volumes.*CreatedOn.*State/);
  assert.match(list.stdout, /res +. snap1 +. n1, n2 +. 0: 1 MiB .* Incomplete/);
  reportCreated(api, 'res', ['snap1', 'snap2']);
  list = await ok('s', 'list', '-r', 'res');
  assert.match(list.stdout, /snap1 .* Successful/);
  const json = parseJson((await ok('-m', 's', 'l', '-n', 'n1')).stdout) as any[];
  assert.deepEqual(json.map((s) => s.name), ['snap1']);

  const old = await run('s', 'rollback', 'res', 'snap1');
  assert.equal(old.code, 10);
  assert.match(old.stdout, /ERROR/);
  assert.match(old.stdout, /Rollback is only allowed with the most recent snapshot/);
  const partial = await run('s', 'rollback', 'res', 'snap2');
  assert.equal(partial.code, 10);
  assert.match(partial.stdout, /does not exist on node 'n1'/);
  await ok('s', 'c', 'res', 'snap3');
  reportCreated(api, 'res', ['snap3']);
  const rb = await ok('s', 'rollback', 'res', 'snap3');
  assert.match(rb.stdout, /Rollback of resource 'res' to snapshot 'snap3' requested on nodes 'n1, n2'/);

  const del = await ok('s', 'd', 'res', 'snap1', '-n', 'n1');
  assert.match(del.stdout, /marked for deletion/);
  const usage = await run('s', 'c', 'res');
  assert.equal(usage.code, 2);
});

test('s volume-definition restore, s resource restore [nodes], rd clone', async () => {
  await ok('s', 'c', 'res', 'base');
  reportCreated(api, 'res', ['base']);
  await ok('rd', 'c', 'restored', '--layer-list', 'storage');
  const vd = await ok('s', 'vd', 'restore', '--from-resource', 'res', '--from-snapshot', 'base', '--to-resource', 'restored');
  assert.match(vd.stdout, /Volume definitions of resource 'restored' restored from resource 'res', snapshot 'base'/);
  const r = await ok('snapshot', 'resource', 'restore', '--from-resource', 'res', '--from-snapshot', 'base', '--to-resource', 'restored', 'n1');
  assert.match(r.stdout, /Resource 'restored' on nodes 'n1' restored from resource 'res', snapshot 'base'/);
  assert.deepEqual(api.controller.graph.resourcesOf('restored').map((x) => [x.node_name, x.source]), [['n1', { resource: 'res', snapshot: 'base' }]]);
  const badRename = await run('s', 'r', 'restore', '--from-resource', 'res', '--from-snapshot', 'base', '--to-resource', 'x', '--stor-pool-rename', 'nope');
  assert.equal(badRename.code, 2);

  const clone = await ok('rd', 'clone', 'res', 'res-clone');
  assert.match(clone.stdout, /New resource definition 'res-clone' created/);
  assert.deepEqual((await api.call('GET', `${R}/res/clone/res-clone`)).body, { status: 'CLONING' });
});
