import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeApi, satelliteNode } from './helpers.js';
import { propsInfo } from '../src/props/whitelist.js';
import type { PropObject } from '../src/props/types.js';

/** Every properties/info path of the OpenAPI spec with a single whitelist, and that whitelist. */
const SINGLE: Array<[string, PropObject]> = [
  ['/v1/controller/properties/info', 'CTRL'],
  ['/v1/nodes/properties/info', 'NODE'],
  ['/v1/nodes/alpha/storage-pools/properties/info', 'STOR_POOL'],
  ['/v1/storage-pool-definitions/properties/info', 'STOR_POOL_DFN'],
  ['/v1/resource-definitions/properties/info', 'RSC_DFN'],
  ['/v1/resource-groups/properties/info', 'RSC_DFN'],
  ['/v1/resource-groups/DfltRscGrp/volume-groups/properties/info', 'VLM_DFN'],
  ['/v1/resource-definitions/r1/volume-definitions/properties/info', 'VLM_DFN'],
  ['/v1/resource-definitions/r1/resources/properties/info', 'RSC'],
  ['/v1/resource-definitions/r1/resources/alpha/volumes/properties/info', 'VLM'],
  ['/v1/resource-definitions/r1/resource-connections/properties/info', 'RSC_CONN'],
];

test('every single-object properties/info path answers 200 with its whitelist', async () => {
  const api = await makeApi();
  for (const [url, object] of SINGLE) {
    const res = await api.call('GET', url);
    assert.equal(res.status, 200, url);
    assert.equal(res.contentType, 'application/json', url);
    assert.deepEqual(res.body, propsInfo(object), url);
    assert.ok(Object.keys(res.body).length > 0, url);
  }
  await api.close();
});

test('controller info entries carry type, allowed values, default and unit', async () => {
  const api = await makeApi();
  const ctrl = (await api.call('GET', '/v1/controller/properties/info')).body;
  assert.deepEqual(ctrl['DrbdOptions/PeerDevice/c-plan-ahead'], {
    info: "DRBD peer-device-options option 'c-plan-ahead'", prop_type: 'range', value: '(0 - 300)', dflt: '20',
    unit: '1/10 seconds',
  });
  assert.deepEqual(ctrl['Autoplacer/Weights/MinReservedSpace'], {
    info: "Weight of 'MinReservedSpace' autoplacer-strategy", prop_type: 'regex', value: '^[0-9]+([.][0-9]+)?', dflt: '0.0',
  });
  assert.deepEqual(ctrl.ExtCmdWaitTimeout, {
    info: 'Wait timeout for an external command in milliseconds', prop_type: 'long', unit: 'milliseconds',
  });
  assert.equal(ctrl['DrbdOptions/Resource/quorum'].prop_type, 'numeric_or_symbol');
  assert.equal(ctrl['DrbdOptions/Resource/quorum'].value, '(1 - 32) or off|majority|all');
  assert.equal(ctrl['DrbdOptions/Resource/quorum'].dflt, 'off');
  assert.equal(ctrl['DrbdOptions/Net/protocol'].value, 'A|B|C');
  assert.equal(ctrl['DrbdOptions/Net/max-buffers'].value, '(32 - 131072)');
  assert.equal(ctrl['DrbdOptions/Resource/auto-promote'].prop_type, 'boolean');
  assert.equal(ctrl['DrbdOptions/Handlers/split-brain'].prop_type, 'string');
  assert.ok(!('value' in ctrl['DrbdOptions/Handlers/split-brain']), 'no value for string keys');
  assert.equal(ctrl.PeerSlotsNewResource.value, '(1 - 31)');
  assert.ok(!('StorPoolName' in ctrl), 'StorPoolName is not a controller key');
  const node = (await api.call('GET', '/v1/nodes/properties/info')).body;
  assert.ok(!('CurStltConnName' in node) && !('NodeUname' in node), 'controller-maintained keys are not offered');
  assert.equal(node.AutoplaceTarget.prop_type, 'boolean_true_false');
  const spd = (await api.call('GET', '/v1/storage-pool-definitions/properties/info')).body;
  assert.deepEqual(spd.MaxOversubscriptionRatio, {
    info: 'Maximum allowed ratio of the sum of volume sizes in a thin pool to the total capacity of the pool (default 20)',
    prop_type: 'range', value: '(1 - 1000)',
  });
  assert.deepEqual(spd['sys/fs/blkio_throttle_read_iops'], {
    info: 'Sets the /sys/fs/cgroup/blkio/blkio.throttle.read_iops_device', prop_type: 'long',
  });
  await api.close();
});

test('info/all is keyed by LinStorObject names; groups share their definition whitelist', async () => {
  const api = await makeApi();
  const res = await api.call('GET', '/v1/controller/properties/info/all');
  assert.equal(res.status, 200);
  assert.deepEqual(Object.keys(res.body).sort(), [
    'CTRL', 'DRBD_PROXY', 'DRBD_PROXY_LZ4', 'DRBD_PROXY_LZMA', 'DRBD_PROXY_ZLIB', 'DRBD_PROXY_ZSTD', 'NODE', 'NODE_CONN',
    'RSC', 'RSC_CONN', 'RSC_DFN', 'RSC_GRP', 'STOR_POOL', 'STOR_POOL_DFN', 'VLM', 'VLM_DFN', 'VLM_GRP',
  ]);
  assert.deepEqual(res.body.RSC_GRP, res.body.RSC_DFN);
  assert.deepEqual(res.body.VLM_GRP, res.body.VLM_DFN);
  assert.deepEqual(res.body.CTRL, propsInfo('CTRL'));
  assert.deepEqual(res.body.NODE['Cache/CachePool'], {
    info: 'Name of the storage pool used for the cache cache device', prop_type: 'regex', value: '^[a-zA-Z0-9_][a-zA-Z0-9_-]{2,47}$',
  });
  assert.ok('DrbdOptions/Net/protocol' in res.body.NODE_CONN);
  await api.close();
});

test('drbd-proxy info has one section per compression plugin', async () => {
  const api = await makeApi();
  const res = await api.call('GET', '/v1/resource-definitions/r1/drbd-proxy/properties/info');
  assert.equal(res.status, 200);
  assert.deepEqual(res.body.DRBD_PROXY['DrbdOptions/Proxy/ping-timeout'], {
    prop_type: 'range', value: '(1 - 300)', dflt: '200', unit: '1/10 seconds',
  });
  assert.deepEqual(res.body.DRBD_PROXY_LZ4, {});
  assert.deepEqual(res.body.DRBD_PROXY_LZMA['DrbdOptions/ProxyCompression/lp'], { prop_type: 'range', value: '(0 - 4)', dflt: '0' });
  assert.equal(res.body.DRBD_PROXY_ZSTD['DrbdOptions/ProxyCompression/level'].value, '(1 - 22)');
  assert.equal(res.body.DRBD_PROXY_ZLIB['DrbdOptions/ProxyCompression/level'].value, '(1 - 9)');
  await api.close();
});

test('static properties/info segments do not clash with the name parameters beside them', async () => {
  const api = await makeApi();
  await api.call('POST', '/v1/nodes', satelliteNode('alpha'));
  // the static segment wins over :node, and real node names still reach the parameter route
  const info = await api.call('GET', '/v1/nodes/properties/info');
  assert.equal(info.status, 200);
  assert.ok('PrefNic' in info.body);
  const node = await api.call('GET', '/v1/nodes/alpha');
  assert.equal(node.status, 200);
  assert.equal(node.body.name, 'alpha');
  const notANode = await api.call('GET', '/v1/nodes/properties');
  assert.equal(notANode.status, 404);
  const pools = await api.call('GET', '/v1/nodes/alpha/storage-pools/properties/info');
  assert.ok('StorDriver/StorPoolName' in pools.body);
  const wrongMethod = await api.call('POST', '/v1/controller/properties/info', {});
  assert.equal(wrongMethod.status, 405);
  await api.close();
});
