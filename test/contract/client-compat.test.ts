/**
 * Compatibility with the real `linstor` CLI (LINBIT/linstor-client 1.27 on python-linstor 1.27), which
 * is the acceptance test of the controller and cannot be installed here. Each subtest replays one CLI
 * invocation: the version handshake, then exactly the requests the client sends (method, path, query,
 * json.dumps body, headers) in the client's order, and checks the status the contract gives and every
 * response key the client reads. Where each request comes from:
 *   client command (linstor-client linstor_client/commands/<file>::<method>)
 *   -> python-linstor call (linstor-api-py linstor/linstorapi.py::Linstor.<method>).
 * The keys read are in client-keys.ts. Commands run in one shared controller, in session order.
 * Sources read (stored versions): linstor-api-py linstor/linstorapi.py (the 1.2x version with _pquote),
 * linstor/responses.py, linstor/kv.py, linstor/resource.py; linstor-client commands at e1481a7
 * (node, storpool, rsc_grp, vlm_grp, rsc_dfn, vlm_dfn, controller, key_value_store), 6b9a404 (rsc, vlm),
 * cc88cb9 (commands.py). Names like `node_cmds.py` below are files in linstor-client linstor_client/commands/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeApi, makeController, type TestApi } from '../../core/dist/test/helpers.js';
import { FakeRuntime, GiB } from '../../core/dist/test/placement-fixtures.js';
import {
  checkApiCallRcList, checkNode, checkResource, checkResourceDefinition, checkResourceGroup, checkStoragePool, checkVolumeGroup, Keys,
} from './client-keys.js';
import { pq, PyLinstor } from './pyclient.js';

type Body = { status: number; body: any };

/** node_cmds.py::create -> node_create: type is the lower-cased CLI default, port from DFLT_STLT_PORT_PLAIN, is_active since API 1.0.7. */
const nodeCreate = (name: string, ip: string) => ({
  name, type: 'satellite',
  net_interfaces: [{ name: 'default', address: ip, satellite_port: 3366, satellite_encryption_type: 'plain', is_active: true }],
});

test('linstor CLI session against the controller', async (t) => {
  // Satellites as the CLI session sees them: every node ONLINE, every pool with 100 GiB free (the
  // autoplacer only places on online nodes whose pools reported enough space).
  const runtime = new FakeRuntime({ pool: { free_capacity: 100 * GiB, total_capacity: 100 * GiB } });
  const api: TestApi = await makeApi(makeController(':memory:', runtime));

  /** One CLI invocation: connect (2x GET /v1/controller/version), then the command's requests. */
  const linstor = (argv: string, fn: (py: PyLinstor, k: Keys) => Promise<void>) =>
    t.test(`linstor ${argv}`, async () => {
      const py = new PyLinstor(api);
      try {
        await py.connect();
        const k = new Keys(`linstor ${argv}`);
        await fn(py, k);
        k.assertClean();
      } catch (err) {
        // Show what was sent, so the failure can be reproduced with curl.
        throw new Error(`${(err as Error).message}\nrequests sent:\n  ${py.sent.join('\n  ')}`, { cause: err });
      }
    });
  const mutate = async (py: PyLinstor, k: Keys, method: string, path: string, body: unknown, status: number, firstSuccess = false) => {
    const r = await py.request(method, path, body);
    checkApiCallRcList(k, r.body, r.status, status, { firstSuccess });
    return r;
  };
  const list = async (py: PyLinstor, k: Keys, path: string): Promise<any[]> => {
    const r: Body = await py.request('GET', path);
    if (r.status !== 200) k.fail(`GET ${path}: HTTP ${r.status} ${JSON.stringify(r.body)?.slice(0, 200)}`);
    return k.kind(r.body, 'array', `GET ${path}`, 'list responses wrap a JSON array') ? r.body : [];
  };

  // controller_cmds.py::cmd_version -> controller_info() (GET /v1/controller/version) after connect().
  await linstor('controller version', async (py, k) => {
    const r = await py.request('GET', pq('/v1/controller/version'));
    assert.equal(r.status, 200);
    k.need(r.body, 'git_hash', 'string', 'version', 'linstorapi.py controller_info string concatenation');
    assert.equal(r.body.rest_api_version, '1.28.0', 'contract §1.7: report rest_api_version 1.28.0');
  });

  for (const [n, ip] of [['alpha', '127.0.0.1'], ['bravo', '127.0.0.2'], ['charlie', '127.0.0.3']]) {
    await linstor(`node create ${n} ${ip}`, (py, k) => mutate(py, k, 'POST', pq('/v1/nodes'), nodeCreate(n, ip), 201).then(() => undefined));
  }

  // linstorapi.py::_handle_response_error parses a >= 400 body as ApiCallRc list only when Content-Type
  // starts with application/json (else it parses HTML and fails); the CLI then exits 10.
  await linstor('node create alpha 127.0.0.1 (again: FAIL_EXISTS_NODE)', async (py) => {
    const r = await py.request('POST', pq('/v1/nodes'), nodeCreate('alpha', '127.0.0.1'));
    assert.equal(r.status, 500, 'exists errors are 500 (contract §1.5)');
    assert.ok(r.contentType?.startsWith('application/json'), `Content-Type ${r.contentType}`);
    assert.ok(Array.isArray(r.body) && r.body.some((e: any) => (BigInt.asUintN(64, BigInt(e.ret_code)) >> 62n) === 3n), 'an error entry');
  });

  // node_cmds.py::list -> node_list(args.nodes=None, args.props=None): no query string.
  await linstor('node list', async (py, k) => {
    const nodes = await list(py, k, pq('/v1/nodes'));
    nodes.forEach((n, i) => checkNode(k, n, `nodes[${i}]`));
    assert.deepEqual(nodes.map((n) => n.name), ['alpha', 'bravo', 'charlie']);
  });

  // node_cmds.py::list_netinterfaces -> node_list([node]); NodeListResponse.node() matches the name exactly.
  await linstor('node interface list alpha', async (py, k) => {
    const nodes = await list(py, k, pq('/v1/nodes', [], [['nodes', ['alpha']]]));
    nodes.forEach((n, i) => checkNode(k, n, `nodes[${i}]`));
    if (!nodes.some((n) => n.name === 'alpha')) k.fail("no node named exactly 'alpha': the CLI prints \"Node 'alpha' not found\" (responses.py NodeListResponse.node)");
  });

  // node_cmds.py::set_props (--aux prefixes Aux/) -> node_modify(property_dict, delete_props=[]): PUT.
  await linstor('node set-property alpha --aux site a', (py, k) =>
    mutate(py, k, 'PUT', pq('/v1/nodes/{}', ['alpha']), { override_props: { 'Aux/site': 'a' } }, 200).then(() => undefined));

  // node_cmds.py::print_props -> node_list([node]); Commands.find_node compares names exactly.
  await linstor('node list-properties alpha', async (py, k) => {
    const nodes = await list(py, k, pq('/v1/nodes', [], [['nodes', ['alpha']]]));
    const node = nodes.find((n) => n.name === 'alpha');
    if (!node) k.fail("node 'alpha' not in the reply (commands.py find_node)");
    else assert.equal(node.props?.['Aux/site'], 'a');
  });

  // node_cmds.py::list --props -> node_list(filter_by_props): urlencode quotes '/' and '=' (props=Aux%2Fsite%3Da).
  await linstor('node list --props Aux/site=a', async (py, k) => {
    const nodes = await list(py, k, pq('/v1/nodes', [], [['props', ['Aux/site=a']]]));
    assert.deepEqual(nodes.map((n) => n.name), ['alpha']);
  });

  // storpool_cmds.py::create -> storage_pool_create: props StorDriver/StorPoolName since API 1.2.0.
  const spCreate = (node: string, name: string, kind: string, pool?: string) =>
    linstor(`storage-pool create ${kind.toLowerCase().replace('_', '')} ${node} ${name}${pool ? ` ${pool}` : ''}`, (py, k) =>
      mutate(py, k, 'POST', pq('/v1/nodes/{}/storage-pools', [node]), {
        storage_pool_name: name, provider_kind: kind, ...(pool ? { props: { 'StorDriver/StorPoolName': pool } } : {}),
      }, 201).then(() => undefined));
  await spCreate('alpha', 'thinpool', 'LVM_THIN', 'vg/thin');
  await spCreate('bravo', 'thinpool', 'LVM_THIN', 'vg/thin');
  await spCreate('charlie', 'lvmpool', 'LVM', 'vg0');
  await spCreate('charlie', 'dlpool', 'DISKLESS');

  // storpool_cmds.py::list -> storage_pool_list(nodes, storage_pools, props): GET /v1/view/storage-pools.
  await linstor('storage-pool list', async (py, k) => {
    const sps = await list(py, k, pq('/v1/view/storage-pools'));
    sps.forEach((sp, i) => checkStoragePool(k, sp, `pools[${i}]`));
    assert.ok(sps.some((sp) => sp.storage_pool_name === 'DfltDisklessStorPool'), 'satellites get DfltDisklessStorPool (contract §2.1)');
  });
  await linstor('storage-pool list -n alpha -s thinpool', async (py, k) => {
    const sps = await list(py, k, pq('/v1/view/storage-pools', [], [['nodes', ['alpha']], ['storage_pools', ['thinpool']]]));
    sps.forEach((sp, i) => checkStoragePool(k, sp, `pools[${i}]`));
    assert.deepEqual(sps.map((sp) => `${sp.node_name}/${sp.storage_pool_name}`), ['alpha/thinpool']);
  });

  // rsc_grp_cmds.py::create -> resource_group_create: --place-count is type=str, so it is sent as a string;
  // _set_select_filter_body always adds select_filter.
  await linstor('resource-group create rg1 --place-count 2 --storage-pool thinpool', (py, k) =>
    mutate(py, k, 'POST', pq('/v1/resource-groups'), { name: 'rg1', select_filter: { place_count: '2', storage_pool_list: ['thinpool'] } }, 201)
      .then(() => undefined));

  // rsc_grp_cmds.py::modify -> resource_group_modify(property_dict={}, delete_props=[]): description first.
  await linstor('resource-group modify rg1 --description "VM disks" --place-count 2', (py, k) =>
    mutate(py, k, 'PUT', pq('/v1/resource-groups/{}', ['rg1']), { description: 'VM disks', select_filter: { place_count: '2' } }, 200)
      .then(() => undefined));

  // vlm_grp_cmds.py::create -> volume_group_create(volume_nr=None, gross=False): empty body.
  await linstor('volume-group create rg1', (py, k) =>
    mutate(py, k, 'POST', pq('/v1/resource-groups/{}/volume-groups', ['rg1']), {}, 201).then(() => undefined));

  // rsc_grp_cmds.py::list -> resource_group_list_raise, then show() calls volume_group_list_raise for
  // EVERY group (contract §3); each must answer 200 with a list.
  await linstor('resource-group list', async (py, k) => {
    const rgs = await list(py, k, pq('/v1/resource-groups'));
    rgs.forEach((rg, i) => checkResourceGroup(k, rg, `groups[${i}]`));
    assert.ok(rgs.some((rg) => rg.name === 'DfltRscGrp'), 'DfltRscGrp exists from the start (contract §2.3)');
    for (const rg of rgs) {
      const vgs = await list(py, k, pq('/v1/resource-groups/{}/volume-groups', [rg.name]));
      vgs.forEach((vg, i) => checkVolumeGroup(k, vg, `${rg.name}.volume_groups[${i}]`));
      if (rg.name === 'rg1') assert.deepEqual(vgs.map((vg) => vg.volume_number), [0]);
    }
    const rg1 = rgs.find((rg) => rg.name === 'rg1');
    assert.equal(rg1?.description, 'VM disks');
    assert.equal(rg1?.select_filter?.place_count, 2, 'place_count sent as "2" is stored as a number');
  });

  await linstor('volume-group list rg1', async (py, k) => {
    (await list(py, k, pq('/v1/resource-groups/{}/volume-groups', ['rg1']))).forEach((vg, i) => checkVolumeGroup(k, vg, `vgs[${i}]`));
  });

  // rsc_grp_cmds.py::spawn -> resource_group_spawn: sizes parsed to KiB ("1G" -> 1048576), select_filter {}.
  // Contract §2.9: rg1 has place_count 2, so spawn auto-places two diskful replicas on thinpool.
  await linstor('resource-group spawn rg1 res2 1G', async (py, k) => {
    await mutate(py, k, 'POST', pq('/v1/resource-groups/{}/spawn', ['rg1']), {
      resource_definition_name: 'res2', volume_sizes: [1048576], partial: false, definitions_only: false, select_filter: {},
    }, 201);
    const placed = (await list(py, k, pq('/v1/view/resources', [], [['resources', ['res2']]]))).filter((r) => !r.flags?.includes('DISKLESS'));
    assert.equal(placed.length, 2, 'spawn from a group with place_count 2 places two diskful replicas');
    assert.ok(placed.every((r) => r.volumes?.every((v: any) => v.storage_pool_name === 'thinpool')), 'on the group\'s storage pool');
    const rd = (await list(py, k, pq('/v1/resource-definitions', [], [['with_volume_definitions', ['true']]]))).find((r) => r.name === 'res2');
    assert.deepEqual(rd?.volume_definitions?.map((vd: any) => vd.size_kib), [1048576]);
  });

  // rsc_dfn_cmds.py::create -> resource_dfn_create(name, port=None). linstor.Resource needs rs[0] success.
  await linstor('resource-definition create res1', (py, k) =>
    mutate(py, k, 'POST', pq('/v1/resource-definitions'), { resource_definition: { name: 'res1' } }, 201, true).then(() => undefined));

  // rsc_dfn_cmds.py::list -> resource_dfn_list(query_volume_definitions=False): no query string.
  await linstor('resource-definition list', async (py, k) => {
    const rds = await list(py, k, pq('/v1/resource-definitions'));
    rds.forEach((rd, i) => checkResourceDefinition(k, rd, `rds[${i}]`, false));
    assert.deepEqual(rds.map((rd) => rd.name).sort(), ['res1', 'res2']);
  });

  await linstor('resource-definition set-property res1 --aux owner ceo', (py, k) =>
    mutate(py, k, 'PUT', pq('/v1/resource-definitions/{}', ['res1']), { override_props: { 'Aux/owner': 'ceo' } }, 200).then(() => undefined));

  // vlm_dfn_cmds.py::create -> volume_dfn_create: flags [] always present; 200 like the reference (contract §1.5).
  await linstor('volume-definition create res1 100M', (py, k) =>
    mutate(py, k, 'POST', pq('/v1/resource-definitions/{}/volume-definitions', ['res1']), { volume_definition: { size_kib: 102400, flags: [] } }, 200, true)
      .then(() => undefined));
  await linstor('volume-definition create res1 50M', (py, k) =>
    mutate(py, k, 'POST', pq('/v1/resource-definitions/{}/volume-definitions', ['res1']), { volume_definition: { size_kib: 51200, flags: [] } }, 200, true)
      .then(() => undefined));

  // vlm_dfn_cmds.py::list -> resource_dfn_list(query_volume_definitions=True): with_volume_definitions=true.
  await linstor('volume-definition list', async (py, k) => {
    const rds = await list(py, k, pq('/v1/resource-definitions', [], [['with_volume_definitions', ['true']]]));
    rds.forEach((rd, i) => checkResourceDefinition(k, rd, `rds[${i}]`, true));
    const res1 = rds.find((rd) => rd.name === 'res1');
    assert.deepEqual(res1?.volume_definitions?.map((vd: any) => [vd.volume_number, vd.size_kib]), [[0, 102400], [1, 51200]]);
  });

  // vlm_dfn_cmds.py::delete -> volume_dfn_delete.
  await linstor('volume-definition delete res1 1', (py, k) =>
    mutate(py, k, 'DELETE', pq('/v1/resource-definitions/{}/volume-definitions/{}', ['res1', '1']), undefined, 200).then(() => undefined));

  // vlm_dfn_cmds.py::set_volume_size -> volume_dfn_modify(size=204800, gross=False): no flags key.
  await linstor('volume-definition set-size res1 0 200M', (py, k) =>
    mutate(py, k, 'PUT', pq('/v1/resource-definitions/{}/volume-definitions/{}', ['res1', '0']), { size_kib: 204800 }, 200, true)
      .then(() => undefined));

  // rsc_cmds.py::create -> resource_create: one POST with an array; empty flags are dropped.
  await linstor('resource create alpha bravo res1 --storage-pool thinpool', (py, k) =>
    mutate(py, k, 'POST', pq('/v1/resource-definitions/{}/resources', ['res1']), [
      { resource: { node_name: 'alpha', props: { StorPoolName: 'thinpool' } } },
      { resource: { node_name: 'bravo', props: { StorPoolName: 'thinpool' } } },
    ], 201, true).then(() => undefined));
  await linstor('resource create charlie res1 --drbd-diskless', (py, k) =>
    mutate(py, k, 'POST', pq('/v1/resource-definitions/{}/resources', ['res1']), [{ resource: { node_name: 'charlie', flags: ['DRBD_DISKLESS'] } }], 201, true)
      .then(() => undefined));

  // rsc_cmds.py::create with --auto-place -> resource_auto_place: top-level diskless_on_remaining is the
  // parse_diskless_on_remaining(args) result, None when the option is absent (sent as null).
  await linstor('resource-definition create res3', (py, k) =>
    mutate(py, k, 'POST', pq('/v1/resource-definitions'), { resource_definition: { name: 'res3' } }, 201, true).then(() => undefined));
  await linstor('volume-definition create res3 20M', (py, k) =>
    mutate(py, k, 'POST', pq('/v1/resource-definitions/{}/volume-definitions', ['res3']), { volume_definition: { size_kib: 20480, flags: [] } }, 200, true)
      .then(() => undefined));
  // rsc_cmds.py::create --auto-place -> resource_auto_place: diskless_on_remaining null unless given.
  await linstor('resource create res3 --auto-place 2', async (py, k) => {
    await mutate(py, k, 'POST', pq('/v1/resource-definitions/{}/autoplace', ['res3']), { diskless_on_remaining: null, select_filter: { place_count: 2 } }, 201, true);
    const placed = (await list(py, k, pq('/v1/view/resources', [], [['resources', ['res3']]]))).filter((r) => !r.flags?.includes('DISKLESS'));
    assert.equal(placed.length, 2, 'two diskful replicas placed');
  });

  // rsc_cmds.py::list -> resource_list -> volume_list: GET /v1/view/resources; show() then lists rds.
  await linstor('resource list', async (py, k) => {
    const rscs = await list(py, k, pq('/v1/view/resources'));
    rscs.forEach((r, i) => checkResource(k, r, `resources[${i}]`));
    (await list(py, k, pq('/v1/resource-definitions'))).forEach((rd, i) => checkResourceDefinition(k, rd, `rds[${i}]`, false));
    const res1 = rscs.filter((r) => r.name === 'res1').map((r) => r.node_name).sort();
    assert.deepEqual(res1, ['alpha', 'bravo', 'charlie']);
    const charlie = rscs.find((r) => r.name === 'res1' && r.node_name === 'charlie');
    assert.ok(charlie?.flags?.includes('DISKLESS') && charlie.flags.includes('DRBD_DISKLESS'), 'diskless shows DISKLESS + DRBD_DISKLESS (contract §2.7)');
  });

  // vlm_cmds.py::list_volumes -> volume_list(nodes, storage_pools, resources).
  await linstor('volume list', async (py, k) => {
    const rscs = await list(py, k, pq('/v1/view/resources'));
    rscs.forEach((r, i) => checkResource(k, r, `resources[${i}]`));
    const alpha = rscs.find((r) => r.name === 'res1' && r.node_name === 'alpha');
    assert.deepEqual(alpha?.volumes?.map((v: any) => v.storage_pool_name), ['thinpool']);
  });

  // controller_cmds.py::set_props -> controller_set_prop: POST, 201 like the reference (contract §1.5).
  await linstor('controller set-property --aux contract yes', (py, k) =>
    mutate(py, k, 'POST', pq('/v1/controller/properties'), { override_props: { 'Aux/contract': 'yes' } }, 201).then(() => undefined));

  // controller_cmds.py::cmd_print_controller_props -> controller_props: a flat {key: value} object.
  await linstor('controller list-properties', async (py, k) => {
    const r = await py.request('GET', pq('/v1/controller/properties'));
    assert.equal(r.status, 200);
    if (k.kind(r.body, 'object', 'properties', 'responses.py ControllerProperties.properties is the body')) {
      for (const [key, v] of Object.entries(r.body)) k.kind(v, 'string', `properties.${key}`, 'commands.py _print_props prints values');
      assert.equal(r.body['Aux/contract'], 'yes');
    }
  });

  // controller_cmds.py::set_props without a value -> controller_del_prop: POST {"delete_props": [key]}.
  await linstor('controller set-property --aux gone x', (py, k) =>
    mutate(py, k, 'POST', pq('/v1/controller/properties'), { override_props: { 'Aux/gone': 'x' } }, 201).then(() => undefined));
  await linstor('controller set-property --aux gone', async (py, k) => {
    await mutate(py, k, 'POST', pq('/v1/controller/properties'), { delete_props: ['Aux/gone'] }, 201);
    const r = await py.request('GET', pq('/v1/controller/properties'));
    assert.equal(r.body?.['Aux/gone'], undefined, 'deleted');
  });

  // key_value_store.py::modify -> keyvaluestore_modify; linstor.KV (kv.py) writes '/'-prefixed keys and
  // needs rs[0].is_success(); it reads keys back without the leading '/' and prefixes it again.
  await linstor('key-value-store modify inst key value', (py, k) =>
    mutate(py, k, 'PUT', pq('/v1/key-value-store/{}', ['inst']), { override_props: { key: 'value' } }, 200, true).then(() => undefined));
  await t.test('python linstor.KV("inst", namespace="/ns/")["k"] = "v"', async () => {
    const py = new PyLinstor(api);
    await py.connect();
    const k = new Keys('linstor.KV set');
    await mutate(py, k, 'PUT', pq('/v1/key-value-store/{}', ['inst']), { override_props: { '/ns/k': 'v' } }, 200, true);
    k.assertClean();
  });

  await t.test('python del linstor.KV("inst", namespace="/ns/")["k"]', async () => {
    const py = new PyLinstor(api);
    await py.connect();
    const k = new Keys('linstor.KV delete');
    // kv.py KV._del_linstor_kv -> keyvaluestore_modify(property_dict=None, delete_props=['/ns/k']).
    await mutate(py, k, 'PUT', pq('/v1/key-value-store/{}', ['inst']), { delete_props: ['/ns/k'] }, 200, true);
    await mutate(py, k, 'PUT', pq('/v1/key-value-store/{}', ['inst']), { override_props: { '/ns/k': 'v' } }, 200, true);
    k.assertClean();
  });

  // key_value_store.py::list -> keyvaluestores().instances(): x['name']; show -> instance(name): exact name, .get('props').
  await linstor('key-value-store list', async (py, k) => {
    const kvs = await list(py, k, pq('/v1/key-value-store'));
    kvs.forEach((kv, i) => k.need(kv, 'name', 'string', `kvs[${i}]`, 'responses.py KeyValueStoresResponse.instances'));
    assert.ok(kvs.some((kv) => kv.name === 'inst'));
  });
  await linstor('key-value-store show inst', async (py, k) => {
    const kv = (await list(py, k, pq('/v1/key-value-store'))).find((x) => x.name === 'inst');
    assert.deepEqual(kv?.props, { key: 'value', 'ns/k': 'v' }, "keys come back without the leading '/' (linstorapi.py keyvaluestore_list doc, kv.py KV._import)");
  });

  // Deletes, in an order a user would run them; every one must exit 0 (warnings allowed).
  await linstor('resource delete charlie res1', (py, k) =>
    mutate(py, k, 'DELETE', pq('/v1/resource-definitions/{}/resources/{}', ['res1', 'charlie']), undefined, 200).then(() => undefined));
  for (const rd of ['res3', 'res2', 'res1']) {
    await linstor(`resource-definition delete ${rd}`, (py, k) =>
      mutate(py, k, 'DELETE', pq('/v1/resource-definitions/{}', [rd]), undefined, 200).then(() => undefined));
  }
  await linstor('resource-definition delete res1 (again: idempotent, WARN_NOT_FOUND)', (py, k) =>
    mutate(py, k, 'DELETE', pq('/v1/resource-definitions/{}', ['res1']), undefined, 200).then(() => undefined));
  await linstor('volume-group delete rg1 0', (py, k) =>
    mutate(py, k, 'DELETE', pq('/v1/resource-groups/{}/volume-groups/{}', ['rg1', '0']), undefined, 200).then(() => undefined));
  await linstor('resource-group delete rg1', (py, k) =>
    mutate(py, k, 'DELETE', pq('/v1/resource-groups/{}', ['rg1']), undefined, 200).then(() => undefined));
  await linstor('storage-pool delete charlie dlpool', (py, k) =>
    mutate(py, k, 'DELETE', pq('/v1/nodes/{}/storage-pools/{}', ['charlie', 'dlpool']), undefined, 200).then(() => undefined));
  await linstor('node delete charlie', (py, k) =>
    mutate(py, k, 'DELETE', pq('/v1/nodes/{}', ['charlie']), undefined, 200).then(() => undefined));
  await linstor('node list (after deletes)', async (py, k) => {
    const nodes = await list(py, k, pq('/v1/nodes'));
    nodes.forEach((n, i) => checkNode(k, n, `nodes[${i}]`));
  });

  await api.close();
});

