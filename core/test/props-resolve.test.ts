import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ORDERS, resolve, resolveAll, resolveOversubscription, resolvePeerSlots, resolveStorPoolName, type PropsMap,
} from '../src/props/resolve.js';
import {
  containersForConnection, containersForPeerSlots, containersForPool, containersForResource,
  containersForStorPoolName, containersForVolume,
} from '../src/props/containers.js';
import { Graph, key } from '../src/controller/graph.js';

/** The orders exactly as rest-api-contract.md §5.2 states them. */
const EXPECTED: Record<keyof typeof ORDERS, string[]> = {
  drbdResource: ['resource', 'resourceDefinition', 'resourceGroup', 'node', 'controller'],
  drbdConnection: ['resourceConnection', 'resourceDefinition', 'nodeConnection', 'resourceGroup', 'controller'],
  volume: ['volume', 'resource', 'volumeDefinition', 'volumeGroup', 'resourceDefinition', 'resourceGroup', 'node', 'controller'],
  storPoolName: ['resource', 'volumeDefinition', 'resourceDefinition', 'resourceGroup', 'node'],
  peerSlots: ['request', 'resourceDefinition', 'resourceGroup', 'controller'],
  oversubscription: ['storagePool', 'storagePoolDefinition', 'controller'],
};

test('every order lists its containers highest priority first, as the contract says', () => {
  assert.deepEqual(Object.keys(ORDERS).sort(), Object.keys(EXPECTED).sort());
  for (const [name, levels] of Object.entries(EXPECTED)) {
    assert.deepEqual([...ORDERS[name as keyof typeof ORDERS]], levels, name);
  }
});

test('in every order the first container that has the key wins, level by level', () => {
  for (const [name, order] of Object.entries(ORDERS)) {
    // every level sets K to its own name; removing the winner hands K to the next level down
    const containers: Record<string, PropsMap> = Object.fromEntries(order.map((l) => [l, { K: l, [`only-${l}`]: 'x' }]));
    for (const level of order) {
      assert.deepEqual(resolve(order, containers, 'K'), { value: level, source: level }, `${name} at ${level}`);
      containers[level] = undefined; // a missing object is skipped
    }
    assert.equal(resolve(order, containers, 'K'), undefined, `${name}: nothing left`);
  }
});

test('in every order a key set only at the lowest level is found, and missing levels are skipped', () => {
  for (const [name, order] of Object.entries(ORDERS)) {
    const lowest = order[order.length - 1];
    const containers: Record<string, PropsMap> = Object.fromEntries(order.map((l) => [l, { Other: l }]));
    containers[lowest] = { K: 'bottom' };
    containers[order[0]] = undefined;
    assert.deepEqual(resolve(order, containers, 'K'), { value: 'bottom', source: lowest }, name);
    assert.deepEqual(resolve(order, {}, 'K'), undefined, `${name}: no containers`);
  }
});

test('an empty value still counts as set, and inherited object keys never match', () => {
  const c = { resource: { K: '' }, controller: { K: 'ctrl' } };
  assert.deepEqual(resolve(ORDERS.drbdResource, c, 'K'), { value: '', source: 'resource' });
  assert.equal(resolve(ORDERS.drbdResource, c, 'constructor'), undefined);
  assert.equal(resolve(ORDERS.drbdResource, c, 'toString'), undefined);
});

test('DRBD connection options: the resource definition outranks the node connection, which outranks the group', () => {
  const c = {
    resourceDefinition: { 'DrbdOptions/Net/protocol': 'A' },
    nodeConnection: { 'DrbdOptions/Net/protocol': 'B', 'DrbdOptions/Net/max-buffers': '4096' },
    resourceGroup: { 'DrbdOptions/Net/max-buffers': '8192', 'DrbdOptions/Net/verify-alg': 'sha1' },
  };
  assert.equal(resolve(ORDERS.drbdConnection, c, 'DrbdOptions/Net/protocol')?.source, 'resourceDefinition');
  assert.deepEqual(resolve(ORDERS.drbdConnection, c, 'DrbdOptions/Net/max-buffers'), { value: '4096', source: 'nodeConnection' });
  assert.equal(resolve(ORDERS.drbdConnection, c, 'DrbdOptions/Net/verify-alg')?.source, 'resourceGroup');
});

test('resolveAll gives the effective map with the source and the shadowed values of each key', () => {
  const all = resolveAll(ORDERS.volume, {
    volume: { 'DrbdOptions/Disk/on-io-error': 'pass_on' },
    volumeGroup: { 'DrbdOptions/Disk/on-io-error': 'detach', 'DrbdOptions/Disk/al-extents': '6007' },
    node: undefined,
    controller: { 'DrbdOptions/Disk/disk-flushes': 'no', 'DrbdOptions/Disk/on-io-error': 'call-local-io-error' },
  });
  assert.deepEqual(Object.keys(all), ['DrbdOptions/Disk/al-extents', 'DrbdOptions/Disk/disk-flushes', 'DrbdOptions/Disk/on-io-error']);
  assert.deepEqual(all['DrbdOptions/Disk/on-io-error'], {
    value: 'pass_on', source: 'volume',
    other: [{ value: 'detach', source: 'volumeGroup' }, { value: 'call-local-io-error', source: 'controller' }],
  });
  assert.deepEqual(all['DrbdOptions/Disk/al-extents'], { value: '6007', source: 'volumeGroup', other: [] });
  assert.deepEqual(all['DrbdOptions/Disk/disk-flushes'], { value: 'no', source: 'controller', other: [] });
  assert.deepEqual(resolveAll(ORDERS.volume, {}), {});
});

test('StorPoolName: containers first, then pools of diskful peers, then DfltStorPool', () => {
  assert.deepEqual(resolveStorPoolName({ resourceDefinition: { StorPoolName: 'rdpool' }, node: { StorPoolName: 'nodepool' } }),
    { value: 'rdpool', source: 'resourceDefinition' });
  assert.deepEqual(resolveStorPoolName({ node: { StorPoolName: 'nodepool' } }, ['peerpool']),
    { value: 'nodepool', source: 'node' });
  assert.deepEqual(resolveStorPoolName({ resource: {}, node: {} }, ['peerpool', 'second']),
    { value: 'peerpool', source: 'diskfulPeers' });
  assert.deepEqual(resolveStorPoolName({}), { value: 'DfltStorPool', source: 'default' });
  // the controller is not part of this order
  assert.deepEqual(resolveStorPoolName({ controller: { StorPoolName: 'x' } } as never), { value: 'DfltStorPool', source: 'default' });
});

test('PeerSlotsNewResource: request, rd, rg, controller, then 7', () => {
  const all = {
    resourceDefinition: { PeerSlotsNewResource: '5' },
    resourceGroup: { PeerSlotsNewResource: '4' },
    controller: { PeerSlotsNewResource: '3' },
  };
  assert.deepEqual(resolvePeerSlots(all, 9), { value: 9, source: 'request' });
  assert.deepEqual(resolvePeerSlots(all), { value: 5, source: 'resourceDefinition' });
  assert.deepEqual(resolvePeerSlots({ ...all, resourceDefinition: undefined }), { value: 4, source: 'resourceGroup' });
  assert.deepEqual(resolvePeerSlots({ controller: { PeerSlotsNewResource: '3' } }), { value: 3, source: 'controller' });
  assert.deepEqual(resolvePeerSlots({}), { value: 7, source: 'default' });
  // a value that is not a peer-slot count is passed over
  assert.deepEqual(resolvePeerSlots({ resourceGroup: { PeerSlotsNewResource: 'lots' }, controller: { PeerSlotsNewResource: '2' } }),
    { value: 2, source: 'controller' });
});

test('MaxOversubscriptionRatio: pool, pool definition, controller, then 20', () => {
  const all = {
    storagePool: { MaxOversubscriptionRatio: '2' },
    storagePoolDefinition: { MaxOversubscriptionRatio: '3' },
    controller: { MaxOversubscriptionRatio: '4', MaxFreeCapacityOversubscriptionRatio: '1.5' },
  };
  assert.deepEqual(resolveOversubscription(all), { value: 2, source: 'storagePool' });
  assert.deepEqual(resolveOversubscription({ ...all, storagePool: undefined }), { value: 3, source: 'storagePoolDefinition' });
  assert.deepEqual(resolveOversubscription({ controller: all.controller }), { value: 4, source: 'controller' });
  assert.deepEqual(resolveOversubscription({}), { value: 20, source: 'default' });
  assert.deepEqual(resolveOversubscription(all, 'MaxFreeCapacityOversubscriptionRatio', 2), { value: 1.5, source: 'controller' });
  assert.deepEqual(resolveOversubscription({}, 'MaxTotalCapacityOversubscriptionRatio', 2), { value: 2, source: 'default' });
});

/** A small graph: rd r1 in group g1 with volume 0 on nodes a and b, pool p1 on a. */
function sampleGraph(): Graph {
  const g = new Graph();
  const node = (name: string) => ({ name, type: 'SATELLITE' as const, flags: [], props: { Node: name }, net_interfaces: [], uuid: name });
  g.apply('node', key.node('a'), node('a'));
  g.apply('node', key.node('b'), node('b'));
  g.apply('rg', key.rg('g1'), {
    name: 'g1', props: { G: 'rg' }, select_filter: {}, uuid: 'g1',
    volume_groups: [{ volume_number: 0, props: { VG: '0' }, flags: [], uuid: 'vg0' }],
  });
  g.apply('rd', key.rd('r1'), {
    name: 'r1', props: { RD: 'r1' }, flags: [], layer_stack: ['DRBD', 'STORAGE'], resource_group_name: 'G1', uuid: 'r1',
    volume_definitions: [{ volume_number: 0, size_kib: 1024, props: { VD: '0' }, flags: [], uuid: 'vd0' }],
  });
  g.apply('rsc', key.rsc('r1', 'a'), {
    name: 'r1', node_name: 'a', props: { RSC: 'a' }, flags: [], layer_stack: ['DRBD', 'STORAGE'], create_timestamp: 0, uuid: 'ra',
    volumes: [{ volume_number: 0, storage_pool_name: 'p1', props: { VLM: 'a0' }, flags: [], uuid: 'va0' }],
  });
  g.apply('rsc_conn', key.rscConn('r1', 'b', 'a'), { resource_name: 'r1', node_a: 'b', node_b: 'a', props: { RC: 'ab' }, flags: [], uuid: 'rc' });
  g.apply('node_conn', key.nodeConn('a', 'b'), { node_a: 'a', node_b: 'b', props: { NC: 'ab' }, uuid: 'nc' });
  g.apply('spd', key.spd('p1'), { name: 'p1', props: { SPD: 'p1' }, uuid: 'spd' });
  g.apply('sp', key.sp('a', 'p1'), {
    node_name: 'a', name: 'p1', provider_kind: 'FILE_THIN', props: { SP: 'a/p1' }, external_locking: false, uuid: 'sp',
  });
  g.apply('ctrl', key.ctrl(), { props: { CTRL: 'yes' } });
  return g;
}

test('graph adapters pick each level out of the graph, case-insensitively, and skip what is missing', () => {
  const g = sampleGraph();
  assert.deepEqual(containersForResource(g, 'R1', 'A'), {
    resource: { RSC: 'a' }, resourceDefinition: { RD: 'r1' }, resourceGroup: { G: 'rg' }, node: { Node: 'a' },
    controller: { CTRL: 'yes' },
  });
  assert.deepEqual(containersForResource(g, 'r1', 'b').resource, undefined);
  assert.deepEqual(containersForResource(g, 'nope', 'zz'), {
    resource: undefined, resourceDefinition: undefined, resourceGroup: undefined, node: undefined, controller: { CTRL: 'yes' },
  });
  assert.deepEqual(containersForConnection(g, 'r1', 'a', 'b'), {
    resourceConnection: { RC: 'ab' }, resourceDefinition: { RD: 'r1' }, nodeConnection: { NC: 'ab' },
    resourceGroup: { G: 'rg' }, controller: { CTRL: 'yes' },
  });
  assert.deepEqual(containersForConnection(g, 'r1', 'b', 'a').resourceConnection, { RC: 'ab' });
  assert.deepEqual(containersForVolume(g, 'r1', 'a', 0), {
    volume: { VLM: 'a0' }, resource: { RSC: 'a' }, volumeDefinition: { VD: '0' }, volumeGroup: { VG: '0' },
    resourceDefinition: { RD: 'r1' }, resourceGroup: { G: 'rg' }, node: { Node: 'a' }, controller: { CTRL: 'yes' },
  });
  const v1 = containersForVolume(g, 'r1', 'a', 1);
  assert.equal(v1.volume, undefined);
  assert.equal(v1.volumeDefinition, undefined);
  assert.equal(v1.volumeGroup, undefined);
  assert.deepEqual(containersForStorPoolName(g, 'r1', 'b', 0, { StorPoolName: 'given' }), {
    resource: { StorPoolName: 'given' }, volumeDefinition: { VD: '0' }, resourceDefinition: { RD: 'r1' },
    resourceGroup: { G: 'rg' }, node: { Node: 'b' },
  });
  assert.deepEqual(containersForPeerSlots(g, { rd: 'r1' }), {
    resourceDefinition: { RD: 'r1' }, resourceGroup: { G: 'rg' }, controller: { CTRL: 'yes' },
  });
  assert.deepEqual(containersForPeerSlots(g, { rg: 'G1' }), {
    resourceDefinition: undefined, resourceGroup: { G: 'rg' }, controller: { CTRL: 'yes' },
  });
  assert.deepEqual(containersForPool(g, 'A', 'P1'), {
    storagePool: { SP: 'a/p1' }, storagePoolDefinition: { SPD: 'p1' }, controller: { CTRL: 'yes' },
  });
  assert.equal(containersForPool(g, 'b', 'p1').storagePool, undefined);
});

test('adapters and resolver together: a DRBD option set on the group reaches the resource', () => {
  const g = sampleGraph();
  g.resourceGroup('g1')!.props['DrbdOptions/Resource/quorum'] = 'majority';
  g.controller.props['DrbdOptions/Resource/quorum'] = 'off';
  assert.deepEqual(resolve(ORDERS.drbdResource, containersForResource(g, 'r1', 'a'), 'DrbdOptions/Resource/quorum'),
    { value: 'majority', source: 'resourceGroup' });
  g.node('a')!.props.StorPoolName = 'fast';
  assert.deepEqual(resolveStorPoolName(containersForStorPoolName(g, 'r1', 'a', 0, {})), { value: 'fast', source: 'node' });
  g.storagePoolDefinition('p1')!.props.MaxOversubscriptionRatio = '5';
  assert.deepEqual(resolveOversubscription(containersForPool(g, 'a', 'p1')), { value: 5, source: 'storagePoolDefinition' });
});
