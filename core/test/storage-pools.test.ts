import { test } from 'node:test';
import assert from 'node:assert/strict';
import { codes, makeApi, satelliteNode, type TestApi } from './helpers.js';
import { key } from '../src/controller/graph.js';
import { Change } from '../src/controller/change.js';
import type { ResourceRecord } from '../src/store/records.js';

async function withNodes(...names: string[]): Promise<TestApi> {
  const api = await makeApi();
  for (const n of names) assert.equal((await api.call('POST', '/v1/nodes', satelliteNode(n))).status, 201);
  return api;
}

const pool = (name: string, kind: string, backing?: string) => ({
  storage_pool_name: name,
  provider_kind: kind,
  ...(backing ? { props: { 'StorDriver/StorPoolName': backing } } : {}),
});

/** Puts a resource with one volume in `poolName` straight into the graph (resources are another service). */
function placeResource(api: TestApi, rd: string, node: string, poolName: string, flags: string[] = []): void {
  const r: ResourceRecord = {
    name: rd, node_name: node, props: {}, flags, layer_stack: ['STORAGE'], create_timestamp: 0, uuid: 'u-' + rd,
    volumes: [{ volume_number: 0, storage_pool_name: poolName, props: {}, flags: [], uuid: 'v-' + rd }],
  };
  api.controller.commit(new Change().put('rsc', key.rsc(rd, node), r));
}

test('storage pool create answers 201 with the props entry and the registered entry', async () => {
  const api = await withNodes('alpha');
  const res = await api.call('POST', '/v1/nodes/alpha/storage-pools', pool('thin1', 'lvm_thin', 'vg0/thin'));
  assert.equal(res.status, 201);
  assert.deepEqual(codes(res.body), [{ severity: 'success', code: 1 }, { severity: 'success', code: 1 }]);
  assert.equal(res.body[0].message, 'Successfully set property key(s): StorDriver/StorPoolName');
  assert.equal(BigInt(res.body[0].ret_code), 0x1140001n); // CREATED | CRT | STOR_POOL
  assert.equal(BigInt(res.body[1].ret_code), 0x1140001n);
  assert.equal(res.body[1].message, "New storage pool 'thin1' on node 'alpha' registered.");
  assert.equal(res.body[1].obj_refs.Node, 'alpha');
  assert.equal(res.body[1].obj_refs.StorPoolName, 'thin1');
  // the definition was created implicitly
  const spd = await api.call('GET', '/v1/storage-pool-definitions/THIN1');
  assert.equal(spd.status, 200);
  assert.equal(spd.body.storage_pool_name, 'thin1');
  await api.close();
});

test('every provider kind can be created, with the right traits', async () => {
  const api = await withNodes('alpha');
  const cases: Array<[string, string | undefined, string | undefined, boolean]> = [
    ['DISKLESS', undefined, undefined, false],
    ['LVM', 'vg0', 'Fat', false],
    ['LVM_THIN', 'vg0/thin', 'Thin', true],
    ['ZFS', 'tank', 'Fat', true],
    ['ZFS_THIN', 'tank/thin', 'Thin', true],
    ['FILE', '/var/lib/pool', 'Fat', true],
    ['FILE_THIN', '/var/lib/thin', 'Thin', true],
  ];
  for (const [kind, backing, provisioning, snaps] of cases) {
    const name = `p_${kind.toLowerCase()}`;
    const res = await api.call('POST', '/v1/nodes/alpha/storage-pools', pool(name, kind.toLowerCase(), backing));
    assert.equal(res.status, 201, `${kind}: ${JSON.stringify(res.body)}`);
    const got = await api.call('GET', `/v1/nodes/alpha/storage-pools/${name}`);
    assert.equal(got.status, 200);
    assert.equal(got.body.provider_kind, kind);
    assert.equal(got.body.static_traits.Provisioning, provisioning, kind);
    assert.equal(got.body.static_traits.SupportsSnapshots, String(snaps), kind);
    assert.equal(got.body.supports_snapshots, snaps, kind);
    assert.equal(got.body.free_space_mgr_name, `alpha;${name}`);
    assert.equal(got.body.external_locking, false);
    if (kind === 'DISKLESS') {
      assert.equal(got.body.free_capacity, 9223372036854775807n);
      assert.equal(got.body.total_capacity, 9223372036854775807n);
      assert.match(got.raw, /"free_capacity":9223372036854775807\b/);
    } else {
      assert.ok(!('free_capacity' in got.body), 'unknown capacity is absent');
      assert.ok(!('total_capacity' in got.body));
    }
  }
  await api.close();
});

test('capacities come from the runtime when a satellite reported them', async () => {
  const api = await withNodes('alpha');
  await api.call('POST', '/v1/nodes/alpha/storage-pools', pool('lvm1', 'LVM', 'vg0'));
  api.controller.runtime = {
    node: () => ({ connection_status: 'ONLINE' }),
    storagePool: (n, p) => (n === 'alpha' && p === 'lvm1' ? { free_capacity: 1024, total_capacity: 4096 } : {}),
  };
  const got = await api.call('GET', '/v1/nodes/alpha/storage-pools/lvm1');
  assert.equal(got.body.free_capacity, 1024);
  assert.equal(got.body.total_capacity, 4096);
  await api.close();
});

test('legacy driver keys become StorDriver/StorPoolName', async () => {
  const api = await withNodes('alpha');
  const cases: Array<[string, Record<string, string>, string]> = [
    ['LVM', { 'StorDriver/LvmVg': 'vg1' }, 'vg1'],
    ['LVM_THIN', { 'StorDriver/LvmVg': 'vg1', 'StorDriver/ThinPool': 'tp' }, 'vg1/tp'],
    ['ZFS', { 'StorDriver/ZPool': 'tank' }, 'tank'],
    ['ZFS_THIN', { 'StorDriver/ZPoolThin': 'tank/t' }, 'tank/t'],
    ['FILE', { 'StorDriver/FileDir': '/srv/f' }, '/srv/f'],
  ];
  for (const [kind, props, expected] of cases) {
    const name = `legacy_${kind.toLowerCase()}`;
    const res = await api.call('POST', '/v1/nodes/alpha/storage-pools', { storage_pool_name: name, provider_kind: kind, props });
    assert.equal(res.status, 201, `${kind}: ${JSON.stringify(res.body)}`);
    const got = await api.call('GET', `/v1/nodes/alpha/storage-pools/${name}`);
    assert.deepEqual(got.body.props, { 'StorDriver/StorPoolName': expected });
  }
  const wrong = await api.call('POST', '/v1/nodes/alpha/storage-pools', { storage_pool_name: 'bad', provider_kind: 'LVM', props: { 'StorDriver/FileDir': '/x' } });
  assert.deepEqual(codes(wrong.body), [{ severity: 'error', code: 213 }]);
  await api.close();
});

test('create refusals: unknown kind, missing backing, bad thin backing, bad name, missing node, duplicate', async () => {
  const api = await withNodes('alpha');
  const kind = await api.call('POST', '/v1/nodes/alpha/storage-pools', pool('pl1', 'ceph', 'x'));
  assert.equal(kind.status, 500);
  assert.equal(kind.body[0].ret_code, -4611686018409299747n); // FAIL_INVLD_STOR_DRIVER(221) | CRT | STOR_POOL
  const missing = await api.call('POST', '/v1/nodes/alpha/storage-pools', pool('pl1', 'LVM'));
  assert.equal(missing.status, 500);
  assert.deepEqual(codes(missing.body), [{ severity: 'error', code: 600 }]);
  assert.match(missing.body[0].message, /needs the property 'StorDriver\/StorPoolName'/);
  assert.ok(missing.body[0].correction);
  const thin = await api.call('POST', '/v1/nodes/alpha/storage-pools', pool('pl1', 'LVM_THIN', 'vgonly'));
  assert.deepEqual(codes(thin.body), [{ severity: 'error', code: 213 }]);
  const file = await api.call('POST', '/v1/nodes/alpha/storage-pools', pool('pl1', 'FILE', 'relative/dir'));
  assert.deepEqual(codes(file.body), [{ severity: 'error', code: 213 }]);
  const name = await api.call('POST', '/v1/nodes/alpha/storage-pools', pool('p', 'LVM', 'vg0'));
  assert.deepEqual(codes(name.body), [{ severity: 'error', code: 208 }]);
  const node = await api.call('POST', '/v1/nodes/ghost/storage-pools', pool('pl1', 'LVM', 'vg0'));
  assert.equal(node.status, 404);
  assert.deepEqual(codes(node.body), [{ severity: 'error', code: 300 }]);
  assert.equal((await api.call('POST', '/v1/nodes/alpha/storage-pools', pool('pl1', 'LVM', 'vg0'))).status, 201);
  const dup = await api.call('POST', '/v1/nodes/ALPHA/storage-pools', pool('PL1', 'LVM', 'vg0'));
  assert.equal(dup.status, 500);
  assert.deepEqual(codes(dup.body), [{ severity: 'error', code: 510 }]);
  // nothing of the refused calls was stored
  assert.deepEqual((await api.call('GET', '/v1/nodes/alpha/storage-pools')).body.map((p: any) => p.storage_pool_name), ['DfltDisklessStorPool', 'pl1']);
  await api.close();
});

test('a satellite that reported its providers refuses the others', async () => {
  const api = await withNodes('alpha');
  api.controller.runtime = {
    node: () => ({ connection_status: 'ONLINE', storage_providers: ['DISKLESS', 'FILE', 'FILE_THIN'], unsupported_providers: { ZFS: ["'zfs' not found"] } }),
    storagePool: () => ({}),
  };
  const res = await api.call('POST', '/v1/nodes/alpha/storage-pools', pool('zp1', 'ZFS', 'tank'));
  assert.deepEqual(codes(res.body), [{ severity: 'error', code: 989 }]);
  assert.match(res.body[0].cause, /'zfs' not found/);
  await api.close();
});

test('single GET 404s and node-level list', async () => {
  const api = await withNodes('alpha');
  const nf = await api.call('GET', '/v1/nodes/alpha/storage-pools/nope');
  assert.equal(nf.status, 404);
  assert.equal(nf.body[0].message, "Storage pool 'nope' on node 'alpha' not found.");
  assert.equal(nf.body[0].ret_code, -4611686018427387594n); // bare FAIL_NOT_FOUND_STOR_POOL (310)
  const nn = await api.call('GET', '/v1/nodes/ghost/storage-pools');
  assert.equal(nn.status, 404);
  assert.deepEqual(codes(nn.body), [{ severity: 'error', code: 300 }]);
  const list = await api.call('GET', '/v1/nodes/alpha/storage-pools');
  assert.equal(list.status, 200);
  assert.deepEqual(list.body.map((p: any) => p.storage_pool_name), ['DfltDisklessStorPool']);
  await api.close();
});

test('view filters by nodes, storage_pools, props and paginates', async () => {
  const api = await withNodes('alpha', 'beta');
  await api.call('POST', '/v1/nodes/alpha/storage-pools', { ...pool('data', 'LVM', 'vg0'), props: { 'StorDriver/StorPoolName': 'vg0', 'Aux/tier': 'fast' } });
  await api.call('POST', '/v1/nodes/beta/storage-pools', pool('data', 'LVM', 'vg0'));
  const all = await api.call('GET', '/v1/view/storage-pools');
  assert.deepEqual(all.body.map((p: any) => `${p.node_name}/${p.storage_pool_name}`),
    ['alpha/data', 'alpha/DfltDisklessStorPool', 'beta/data', 'beta/DfltDisklessStorPool']);
  const byNode = await api.call('GET', '/v1/view/storage-pools?nodes=BETA');
  assert.deepEqual(byNode.body.map((p: any) => p.storage_pool_name), ['data', 'DfltDisklessStorPool']);
  const byPool = await api.call('GET', '/v1/view/storage-pools?storage_pools=data&nodes=alpha&nodes=beta&cached=true');
  assert.deepEqual(byPool.body.map((p: any) => p.node_name), ['alpha', 'beta']);
  const byProps = await api.call('GET', '/v1/view/storage-pools?props=Aux/tier=fast');
  assert.deepEqual(byProps.body.map((p: any) => p.node_name), ['alpha']);
  const page = await api.call('GET', '/v1/view/storage-pools?limit=2&offset=1');
  assert.deepEqual(page.body.map((p: any) => `${p.node_name}/${p.storage_pool_name}`), ['alpha/DfltDisklessStorPool', 'beta/data']);
  const unpaged = await api.call('GET', '/v1/view/storage-pools?limit=0&offset=3');
  assert.equal(unpaged.body.length, 4);
  await api.close();
});

test('modify props: whitelist, Aux, backing change validated', async () => {
  const api = await withNodes('alpha');
  await api.call('POST', '/v1/nodes/alpha/storage-pools', pool('thin1', 'LVM_THIN', 'vg0/thin'));
  const ok = await api.call('PUT', '/v1/nodes/alpha/storage-pools/thin1', { override_props: { 'Aux/x': '1' } });
  assert.equal(ok.status, 200);
  assert.deepEqual(codes(ok.body), [{ severity: 'success', code: 1 }, { severity: 'success', code: 3 }]);
  assert.equal(BigInt(ok.body[1].ret_code), 0x2140003n); // MODIFIED | MOD | STOR_POOL
  assert.equal(ok.body[1].message, "Storage pool 'thin1' on node 'alpha' modified.");
  const bad = await api.call('PUT', '/v1/nodes/alpha/storage-pools/thin1', { override_props: { 'Not/AKey': '1' } });
  assert.equal(bad.status, 500);
  assert.deepEqual(codes(bad.body), [{ severity: 'error', code: 213 }]);
  const badBacking = await api.call('PUT', '/v1/nodes/alpha/storage-pools/thin1', { override_props: { 'StorDriver/StorPoolName': 'novg' } });
  assert.deepEqual(codes(badBacking.body), [{ severity: 'error', code: 213 }]);
  const drop = await api.call('PUT', '/v1/nodes/alpha/storage-pools/thin1', { delete_props: ['StorDriver/StorPoolName'] });
  assert.deepEqual(codes(drop.body), [{ severity: 'error', code: 600 }]);
  const got = await api.call('GET', '/v1/nodes/alpha/storage-pools/thin1');
  assert.deepEqual(got.body.props, { 'StorDriver/StorPoolName': 'vg0/thin', 'Aux/x': '1' });
  const missing = await api.call('PUT', '/v1/nodes/alpha/storage-pools/nope', { override_props: { 'Aux/x': '1' } });
  assert.equal(missing.status, 404);
  await api.close();
});

test('delete: missing pool warns, a used pool is refused naming the resources, then deletes', async () => {
  const api = await withNodes('alpha');
  await api.call('POST', '/v1/nodes/alpha/storage-pools', pool('lvm1', 'LVM', 'vg0'));
  const gone = await api.call('DELETE', '/v1/nodes/alpha/storage-pools/ghost');
  assert.equal(gone.status, 200);
  assert.deepEqual(codes(gone.body), [{ severity: 'warn', code: 3000 }]);
  const noNode = await api.call('DELETE', '/v1/nodes/ghost/storage-pools/lvm1');
  assert.equal(noNode.status, 404);

  placeResource(api, 'res1', 'alpha', 'LVM1');
  placeResource(api, 'res2', 'alpha', 'DfltDisklessStorPool', ['DISKLESS', 'DRBD_DISKLESS']);
  const used = await api.call('DELETE', '/v1/nodes/alpha/storage-pools/lvm1');
  assert.equal(used.status, 500);
  assert.deepEqual(codes(used.body), [{ severity: 'error', code: 997 }]);
  assert.equal(used.body[0].ret_code, -4611686018375744539n); // FAIL_IN_USE | DEL | STOR_POOL
  assert.match(used.body[0].message, /res1/);
  assert.doesNotMatch(used.body[0].message, /res2/);
  assert.match(used.body[0].correction, /resource delete alpha/);
  const diskless = await api.call('DELETE', '/v1/nodes/alpha/storage-pools/DfltDisklessStorPool');
  assert.deepEqual(codes(diskless.body), [{ severity: 'error', code: 997 }]);
  assert.match(diskless.body[0].message, /res2/);
  const changeBacking = await api.call('PUT', '/v1/nodes/alpha/storage-pools/lvm1', { override_props: { 'StorDriver/StorPoolName': 'vg9' } });
  assert.deepEqual(codes(changeBacking.body), [{ severity: 'error', code: 997 }]);

  api.controller.commit(new Change().delete('rsc', key.rsc('res1', 'alpha')));
  const del = await api.call('DELETE', '/v1/nodes/alpha/storage-pools/LVM1');
  assert.equal(del.status, 200);
  assert.equal(BigInt(del.body[0].ret_code), 0x3140002n); // DELETED | DEL | STOR_POOL
  assert.equal(del.body[0].message, "Storage pool 'lvm1' on node 'alpha' deleted.");
  assert.equal((await api.call('GET', '/v1/nodes/alpha/storage-pools/lvm1')).status, 404);
  await api.close();
});

test('shared space name and external locking are kept', async () => {
  const api = await withNodes('alpha');
  const res = await api.call('POST', '/v1/nodes/alpha/storage-pools', { ...pool('shared1', 'LVM', 'vgshared'), shared_space: 'san1', external_locking: 'true' });
  assert.equal(res.status, 201);
  const got = await api.call('GET', '/v1/nodes/alpha/storage-pools/shared1');
  assert.equal(got.body.free_space_mgr_name, 'san1');
  assert.equal(got.body.shared_space, 'san1');
  assert.equal(got.body.external_locking, true);
  const bad = await api.call('POST', '/v1/nodes/alpha/storage-pools', { ...pool('shared2', 'LVM', 'vg'), free_space_mgr_name: 'bad;name' });
  assert.deepEqual(codes(bad.body), [{ severity: 'error', code: 220 }]);
  await api.close();
});

test('storage pool definitions: defaults, create, modify, delete rules', async () => {
  const api = await withNodes('alpha');
  const list = await api.call('GET', '/v1/storage-pool-definitions');
  assert.deepEqual(list.body.map((d: any) => d.storage_pool_name), ['DfltDisklessStorPool', 'DfltStorPool']);

  const crt = await api.call('POST', '/v1/storage-pool-definitions', { storage_pool_name: 'ssd', props: { 'Aux/a': 'b' } });
  assert.equal(crt.status, 201);
  assert.equal(BigInt(crt.body.at(-1).ret_code), 0x1180001n); // CREATED | CRT | STOR_POOL_DFN
  assert.equal(crt.body.at(-1).message, "New storage pool definition 'ssd' created.");
  const dup = await api.call('POST', '/v1/storage-pool-definitions', { storage_pool_name: 'SSD' });
  assert.deepEqual(codes(dup.body), [{ severity: 'error', code: 509 }]);
  const badName = await api.call('POST', '/v1/storage-pool-definitions', { storage_pool_name: '1x' });
  assert.deepEqual(codes(badName.body), [{ severity: 'error', code: 208 }]);

  const mod = await api.call('PUT', '/v1/storage-pool-definitions/ssd', { override_props: { 'Aux/c': 'd' }, delete_props: ['Aux/a'] });
  assert.equal(mod.status, 200);
  assert.deepEqual(codes(mod.body), [{ severity: 'success', code: 1 }, { severity: 'success', code: 2 }, { severity: 'success', code: 3 }]);
  assert.deepEqual((await api.call('GET', '/v1/storage-pool-definitions/ssd')).body, { storage_pool_name: 'ssd', props: { 'Aux/c': 'd' } });
  const nf = await api.call('GET', '/v1/storage-pool-definitions/nope');
  assert.equal(nf.status, 404);
  assert.deepEqual(codes(nf.body), [{ severity: 'error', code: 309 }]);

  await api.call('POST', '/v1/nodes/alpha/storage-pools', pool('ssd', 'LVM', 'vg0'));
  const inUse = await api.call('DELETE', '/v1/storage-pool-definitions/ssd');
  assert.equal(inUse.status, 500);
  assert.deepEqual(codes(inUse.body), [{ severity: 'error', code: 997 }]);
  assert.match(inUse.body[0].message, /alpha/);
  const dflt = await api.call('DELETE', '/v1/storage-pool-definitions/DfltDisklessStorPool');
  assert.deepEqual(codes(dflt.body), [{ severity: 'error', code: 997 }]);
  await api.call('DELETE', '/v1/nodes/alpha/storage-pools/ssd');
  const del = await api.call('DELETE', '/v1/storage-pool-definitions/ssd');
  assert.equal(del.status, 200);
  assert.equal(BigInt(del.body[0].ret_code), 0x3180002n);
  const again = await api.call('DELETE', '/v1/storage-pool-definitions/ssd');
  assert.deepEqual(codes(again.body), [{ severity: 'warn', code: 3000 }]);
  await api.close();
});
