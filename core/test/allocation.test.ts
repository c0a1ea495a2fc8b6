import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeController } from './helpers.js';
import { Change } from '../src/controller/change.js';
import { key } from '../src/controller/graph.js';
import type { Controller } from '../src/controller/controller.js';
import {
  allocateMinor, allocateNodeId, allocateTcpPort, claimMinor, generateSecret, resolvePeerSlots,
} from '../src/controller/allocation.js';
import { StorhubError } from '../src/model/errors.js';
import type { ResourceDefinitionRecord, ResourceRecord } from '../src/store/records.js';

function putRd(c: Controller, name: string, minors: number[] = []): ResourceDefinitionRecord {
  const rd: ResourceDefinitionRecord = {
    name, props: {}, flags: [], layer_stack: ['DRBD', 'STORAGE'], resource_group_name: 'DfltRscGrp',
    volume_definitions: minors.map((m, i) => ({ volume_number: i, size_kib: 1024, props: {}, flags: [], minor_number: m, uuid: `vd-${m}` })),
    uuid: `rd-${name}`,
  };
  c.commit(new Change().put('rd', key.rd(name), rd));
  return rd;
}

function putRsc(c: Controller, rd: string, node: string, nodeId: number, ports: number[]): void {
  const r: ResourceRecord = {
    name: rd, node_name: node, props: {}, flags: [], layer_stack: ['DRBD', 'STORAGE'],
    drbd: { node_id: nodeId, tcp_ports: ports, peer_slots: 7 }, volumes: [], create_timestamp: 0, uuid: `r-${rd}-${node}`,
  };
  c.commit(new Change().put('rsc', key.rsc(rd, node), r));
}

function setCtrlProps(c: Controller, props: Record<string, string>): void {
  c.commit(new Change().put('ctrl', key.ctrl(), { props }));
}

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof StorhubError) return err.code;
    throw err;
  }
  return 'no error';
}

test('minor numbers: lowest free of 1000-49999, global, reserved numbers skipped', () => {
  const c = makeController();
  assert.equal(allocateMinor(c.graph), 1000);
  putRd(c, 'r1', [1000, 1002]);
  putRd(c, 'r2', [1001]);
  const reserved = new Set<number>();
  assert.equal(allocateMinor(c.graph, reserved), 1003);
  assert.equal(allocateMinor(c.graph, reserved), 1004, 'a number reserved in the same change is not handed out twice');
  assert.deepEqual([...reserved], [1003, 1004]);
});

test('minor numbers: MinorNrAutoRange, exhaustion and forced minors', () => {
  const c = makeController();
  setCtrlProps(c, { MinorNrAutoRange: '2000-2001' });
  putRd(c, 'r1', [2000]);
  assert.equal(allocateMinor(c.graph), 2001);
  putRd(c, 'r2', [2001]);
  assert.equal(code(() => allocateMinor(c.graph)), 'FAIL_POOL_EXHAUSTED_MINOR_NR');
  assert.equal(code(() => claimMinor(c.graph, 2000)), 'FAIL_INVLD_MINOR_NR');
  assert.equal(code(() => claimMinor(c.graph, 1048576)), 'FAIL_INVLD_MINOR_NR');
  assert.equal(claimMinor(c.graph, 5), 5, 'a forced minor outside the auto range is fine when free');
  setCtrlProps(c, { MinorNrAutoRange: 'lots' });
  assert.equal(code(() => allocateMinor(c.graph)), 'FAIL_INVLD_PROP');
});

test('node ids: lowest id 0-31 not used by other resources of the same definition', () => {
  const c = makeController();
  putRd(c, 'r1');
  assert.equal(allocateNodeId(c.graph, 'r1'), 0);
  putRsc(c, 'r1', 'n1', 0, [7000]);
  putRsc(c, 'r1', 'n2', 2, [7000]);
  putRsc(c, 'other', 'n3', 1, [7000]);
  const reserved = new Set<number>();
  assert.equal(allocateNodeId(c.graph, 'R1', reserved), 1, 'names compare case-insensitively; other definitions do not count');
  assert.equal(allocateNodeId(c.graph, c.graph.resourceDefinition('r1')!, reserved), 3);
  for (let id = 4; id <= 31; id++) putRsc(c, 'r1', `x${id}`, id, []);
  putRsc(c, 'r1', 'x1', 1, []);
  putRsc(c, 'r1', 'x3', 3, []);
  assert.equal(code(() => allocateNodeId(c.graph, 'r1')), 'FAIL_POOL_EXHAUSTED_NODE_ID');
});

test('tcp ports: per node, lowest free of TcpPortAutoRange (node, then controller), minus TcpPortsBlocked', () => {
  const c = makeController();
  assert.equal(allocateTcpPort(c.graph, 'n1'), 7000);
  putRsc(c, 'r1', 'n1', 0, [7000]);
  putRsc(c, 'r2', 'n1', 0, [7001]);
  putRsc(c, 'r3', 'n2', 0, [7002]);
  assert.equal(allocateTcpPort(c.graph, 'n1'), 7002, 'ports in use on other nodes do not count');
  assert.equal(allocateTcpPort(c.graph, 'n2'), 7000);
  const reserved = new Set<number>([7002]);
  assert.equal(allocateTcpPort(c.graph, 'n1', reserved), 7003);

  setCtrlProps(c, { TcpPortAutoRange: '8000-8010' });
  assert.equal(allocateTcpPort(c.graph, 'n1'), 8000);
  c.commit(new Change().put('node', key.node('n1'), {
    name: 'n1', type: 'SATELLITE', flags: [], net_interfaces: [], uuid: 'n1',
    props: { TcpPortAutoRange: '9000-9002', TcpPortsBlocked: '9000,9001' },
  }));
  assert.equal(allocateTcpPort(c.graph, 'n1'), 9002, 'the node range wins over the controller range; blocked ports are skipped');
  assert.equal(code(() => allocateTcpPort(c.graph, 'n1', new Set([9002]))), 'FAIL_POOL_EXHAUSTED_TCP_PORT');
  assert.equal(allocateTcpPort(c.graph, 'n2'), 8000);
});

test('peer slots: request, then definition, then group, then controller, default 7', () => {
  const c = makeController();
  const rg = c.graph.resourceGroup('DfltRscGrp')!;
  assert.equal(resolvePeerSlots(c.graph, { rg }), 7);
  setCtrlProps(c, { PeerSlotsNewResource: '5' });
  assert.equal(resolvePeerSlots(c.graph, { rg }), 5);
  assert.equal(resolvePeerSlots(c.graph, { rg: { ...rg, props: { PeerSlotsNewResource: '6' } } }), 6);
  assert.equal(resolvePeerSlots(c.graph, { rg: { ...rg, peer_slots: 9 } }), 9);
  const rd = putRd(c, 'r1');
  assert.equal(resolvePeerSlots(c.graph, { rd: { ...rd, drbd: { peer_slots: 4, al_stripes: 1, al_stripe_size_kib: 32, transport_type: 'IP', secret: 's' } }, rg: { ...rg, peer_slots: 9 } }), 4);
  assert.equal(resolvePeerSlots(c.graph, { request: 3, rg: { ...rg, peer_slots: 9 } }), 3);
  assert.equal(code(() => resolvePeerSlots(c.graph, { request: 32 })), 'FAIL_INVLD_REQUEST');
  assert.equal(code(() => resolvePeerSlots(c.graph, { request: 0 })), 'FAIL_INVLD_REQUEST');
});

test('shared secrets are 20 random alphanumerics', () => {
  const a = generateSecret();
  const b = generateSecret();
  assert.match(a, /^[A-Za-z0-9]{20}$/);
  assert.notEqual(a, b);
});
