import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import xml2js from 'xml2js';
import { StorhubError } from '../src/model/errors.js';
import { Code } from '../src/model/apicallrc.js';
import { checkDeletable, normaliseKey, propsInfo, ruleFor, validateProp } from '../src/props/whitelist.js';
import { RULES } from '../src/props/rules.js';
import { DRBD_RULES, DRBD_SOURCE } from '../src/props/rules-drbd.js';
import { applyPropsModify } from '../src/props/modify.js';
import type { PropObject } from '../src/props/types.js';
import { codes, makeApi, satelliteNode } from './helpers.js';

const fixtures = fileURLToPath(new URL('../../../test/fixtures/commands/drbdsetup-xml-help/', import.meta.url));

/** Asserts a FAIL_INVLD_PROP (213) refusal whose message matches. */
function refused(fn: () => unknown, message: RegExp): StorhubError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof StorhubError, 'expected a StorhubError');
  assert.equal(caught.code, 'FAIL_INVLD_PROP');
  assert.equal(Code[caught.code], 213);
  assert.match(caught.message, message);
  return caught;
}

test('DrbdOptions/Net/max-buffers is a range 32..131072 (drbd-utils values)', () => {
  const rule = ruleFor('RSC_DFN', 'DrbdOptions/Net/max-buffers')!;
  assert.deepEqual([rule.type, rule.min, rule.max, rule.dflt], ['range', 32, 131072, '2048']);
  assert.equal(validateProp('RSC_DFN', 'DrbdOptions/Net/max-buffers', '32'), '32');
  assert.equal(validateProp('RSC_DFN', 'DrbdOptions/Net/max-buffers', '131072'), '131072');
  assert.equal(validateProp('RSC_DFN', 'DrbdOptions/Net/max-buffers', ' 08000 '), '8000');
  const e = refused(() => validateProp('RSC_DFN', 'DrbdOptions/Net/max-buffers', '31'),
    /^Invalid property\(DrbdOptions\/Net\/max-buffers\) value: 31$/);
  assert.equal(e.info.details, 'This value has to match (32 - 131072).');
  refused(() => validateProp('RSC_DFN', 'DrbdOptions/Net/max-buffers', '131073'), /value: 131073/);
  refused(() => validateProp('RSC_DFN', 'DrbdOptions/Net/max-buffers', '8k'), /value: 8k/);
});

test('DrbdOptions/Resource/quorum is numeric_or_symbol: off|majority|all|1-32', () => {
  const q = (v: string) => validateProp('CTRL', 'DrbdOptions/Resource/quorum', v);
  assert.equal(q('majority'), 'majority');
  assert.equal(q('MAJORITY'), 'majority');
  assert.equal(q('all'), 'all');
  assert.equal(q('off'), 'off');
  assert.equal(q('3'), '3');
  assert.equal(q('32'), '32');
  refused(() => q('40'), /value: 40/);
  refused(() => q('0'), /value: 0/);
  refused(() => q('majoritx'), /value: majoritx/);
  assert.equal(validateProp('RSC_DFN', 'DrbdOptions/Resource/quorum-minimum-redundancy', '2'), '2');
  assert.equal(validateProp('RSC_DFN', 'DrbdOptions/Resource/on-no-quorum', 'suspend-io'), 'suspend-io');
  refused(() => validateProp('RSC_DFN', 'DrbdOptions/Resource/on-no-quorum', 'freeze'), /value: freeze/);
});

test('boolean normalises to yes/no, boolean_true_false to true/false', () => {
  assert.equal(validateProp('RSC_DFN', 'DrbdOptions/Net/allow-two-primaries', 'True'), 'yes');
  assert.equal(validateProp('RSC_DFN', 'DrbdOptions/Net/allow-two-primaries', 'NO'), 'no');
  assert.equal(validateProp('RSC_DFN', 'DrbdOptions/Resource/auto-promote', 'yes'), 'yes');
  refused(() => validateProp('RSC_DFN', 'DrbdOptions/Net/allow-two-primaries', 'maybe'), /value: maybe/);
  assert.equal(validateProp('CTRL', 'DrbdOptions/auto-add-quorum-tiebreaker', 'yes'), 'true');
  assert.equal(validateProp('NODE', 'AutoplaceTarget', 'False'), 'false');
  assert.equal(validateProp('RSC', 'DrbdOptions/SkipDisk', 'True'), 'true');
  refused(() => validateProp('NODE', 'AutoplaceTarget', '1'), /value: 1/);
});

test('symbols match case-insensitively and store the canonical spelling', () => {
  assert.equal(validateProp('RSC_CONN', 'DrbdOptions/Net/protocol', 'c'), 'C');
  assert.equal(validateProp('VLM_DFN', 'DrbdOptions/Disk/on-io-error', 'detach'), 'detach');
  assert.equal(validateProp('RSC_DFN', 'FileSystem/Type', 'XFS'), 'xfs');
  refused(() => validateProp('RSC_DFN', 'FileSystem/Type', 'btrfs'), /value: btrfs/);
});

test('unknown keys are refused with FAIL_INVLD_PROP (213), Aux/ takes anything', () => {
  const e = refused(() => validateProp('NODE', 'Foo/Bar', 'x'), /^Invalid property key: Foo\/Bar$/);
  assert.equal(e.info.cause, "The key 'Foo/Bar' is not whitelisted.");
  refused(() => validateProp('VLM_DFN', 'DrbdOptions/Resource/quorum', 'majority'), /Invalid property key/);
  refused(() => checkDeletable('RSC', 'NotAKey'), /Invalid property key: NotAKey/);
  for (const object of ['CTRL', 'NODE', 'RSC', 'VLM', 'SNAPSHOT'] as PropObject[]) {
    assert.equal(validateProp(object, 'Aux/anything/at/all', ' any value '), ' any value ');
    assert.equal(validateProp(object, 'Aux/x', ''), '');
  }
  assert.equal(validateProp('STOR_POOL', 'SED/key', 'x'), 'x');
  refused(() => validateProp('NODE', 'SED/key', 'x'), /Invalid property key/);
  assert.equal(validateProp('NODE_CONN', 'Paths/path1/alpha', 'eth1'), 'eth1');
  refused(() => validateProp('NODE', 'a'.repeat(257), 'v'), /1 to 256 characters/);
});

test('controller-maintained keys are readable rules but cannot be set or deleted', () => {
  assert.equal(ruleFor('NODE', 'CurStltConnName')?.internal, true);
  assert.equal(ruleFor('NODE', 'NodeUname')?.internal, true);
  refused(() => validateProp('NODE', 'CurStltConnName', 'default'), /Invalid property key: CurStltConnName/);
  refused(() => checkDeletable('NODE', 'NodeUname'), /Invalid property key: NodeUname/);
  assert.ok(!('CurStltConnName' in propsInfo('NODE')));
  assert.ok(!('PeerSlots' in propsInfo('RSC')));
});

test('regex rules match the whole value', () => {
  assert.equal(validateProp('RSC_DFN', 'StorPoolName', 'pool_1'), 'pool_1');
  refused(() => validateProp('RSC_DFN', 'StorPoolName', 'ab'), /value: ab/);
  refused(() => validateProp('RSC_DFN', 'StorPoolName', 'pool 1'), /value: pool 1/);
  assert.equal(validateProp('VLM_DFN', 'StorPoolNameDrbdMeta', '.internal'), '.internal');
  assert.equal(validateProp('CTRL', 'Autoplacer/Weights/MaxFreeSpace', '2.5'), '2.5');
  refused(() => validateProp('CTRL', 'Autoplacer/Weights/MaxFreeSpace', 'high'), /value: high/);
  assert.equal(validateProp('CTRL', 'TcpPortAutoRange', '7000-7999'), '7000-7999');
  assert.equal(validateProp('NODE', 'TcpPortsBlocked', '7000,7005-7010'), '7000,7005-7010');
  refused(() => validateProp('NODE', 'TcpPortsBlocked', 'seven'), /value: seven/);
  assert.equal(validateProp('RSC_DFN', 'Writecache/Size', '20%'), '20%');
  assert.equal(validateProp('STOR_POOL', 'StorDriver/StorPoolName', 'vg0/thin'), 'vg0/thin');
});

test('64-bit ranges and longs compare exactly', () => {
  assert.equal(validateProp('CTRL', 'DrbdOptions/Resource/max-io-depth', '4294967295'), '4294967295');
  refused(() => validateProp('CTRL', 'DrbdOptions/Resource/max-io-depth', '4294967296'), /value/);
  assert.equal(validateProp('NODE', 'sys/fs/blkio_throttle_read', '9223372036854775807'), '9223372036854775807');
  refused(() => validateProp('NODE', 'sys/fs/blkio_throttle_read', '9223372036854775808'), /value/);
  refused(() => validateProp('NODE', 'sys/fs/blkio_throttle_read', '1.5'), /value/);
  assert.equal(validateProp('STOR_POOL', 'MaxOversubscriptionRatio', '1000'), '1000');
  refused(() => validateProp('STOR_POOL', 'MaxOversubscriptionRatio', '0'), /value: 0/);
  assert.equal(validateProp('STOR_POOL_DFN', 'MaxFreeCapacityOversubscriptionRatio', '2.5'), '2.5');
  assert.equal(validateProp('CTRL', 'PeerSlotsNewResource', '31'), '31');
  refused(() => validateProp('CTRL', 'PeerSlotsNewResource', '32'), /value: 32/);
});

test('DRBD option sets land on the object kinds LINSTOR assigns them to', () => {
  const has = (o: PropObject, k: string) => ruleFor(o, k) !== undefined;
  for (const o of ['CTRL', 'RSC_DFN'] as PropObject[]) {
    assert.ok(has(o, 'DrbdOptions/Resource/quorum') && has(o, 'DrbdOptions/Disk/on-io-error'));
    assert.ok(has(o, 'DrbdOptions/Net/protocol') && has(o, 'DrbdOptions/PeerDevice/c-plan-ahead'));
    assert.ok(has(o, 'DrbdOptions/Handlers/quorum-lost'));
  }
  for (const o of ['VLM_DFN', 'VLM'] as PropObject[]) {
    assert.ok(has(o, 'DrbdOptions/Disk/rs-discard-granularity'));
    assert.ok(!has(o, 'DrbdOptions/Net/protocol') && !has(o, 'DrbdOptions/Resource/quorum'));
  }
  for (const o of ['RSC_CONN', 'NODE_CONN'] as PropObject[]) {
    assert.ok(has(o, 'DrbdOptions/Net/protocol') && has(o, 'DrbdOptions/PeerDevice/resync-rate'));
    assert.ok(!has(o, 'DrbdOptions/Disk/on-io-error') && !has(o, 'DrbdOptions/Resource/quorum'));
    assert.equal(RULES[o].length, 38); // 31 net (new-peer, with transport) + 7 peer-device options
  }
  for (const o of ['NODE', 'RSC', 'STOR_POOL', 'STOR_POOL_DFN'] as PropObject[]) {
    assert.ok(!has(o, 'DrbdOptions/Resource/quorum'));
  }
  assert.equal(ruleFor('CTRL', 'DrbdOptions/Net/transport')?.type, 'string');
  assert.ok(!has('CTRL', 'DrbdOptions/Net/_name') && !has('CTRL', 'DrbdOptions/Disk/set-defaults'));
  // DRBD 9 names the resync-after target by name, so it is a string, not xml-help's number
  assert.equal(ruleFor('RSC_DFN', 'DrbdOptions/Disk/resync-after')?.type, 'string');
  assert.equal(validateProp('RSC_DFN', 'DrbdOptions/Disk/resync-after', 'other/0'), 'other/0');
  assert.equal(ruleFor('CTRL', 'DrbdOptions/auto-quorum')?.deprecated, true);
});

test('keys are unique per object kind and well-known keys are present', () => {
  for (const [object, rules] of Object.entries(RULES)) {
    const keys = rules.map((r) => r.key);
    assert.equal(new Set(keys).size, keys.length, `duplicate key in ${object}`);
  }
  const wellKnown: Array<[PropObject, string]> = [
    ['NODE', 'StorPoolName'], ['NODE', 'PrefNic'], ['NODE', 'Site'], ['NODE', 'AutoplaceTarget'],
    ['NODE', 'TcpPortAutoRange'], ['NODE', 'TcpPortsBlocked'], ['CTRL', 'MinorNrAutoRange'],
    ['CTRL', 'Autoplacer/Weights/MaxThroughput'], ['CTRL', 'BalanceResourcesEnabled'], ['RSC_DFN', 'BalanceResourcesEnabled'],
    ['CTRL', 'BalanceResourcesInterval'], ['CTRL', 'BalanceResourcesGracePeriod'], ['STOR_POOL', 'MaxOversubscriptionRatio'],
    ['STOR_POOL_DFN', 'MaxOversubscriptionRatio'], ['CTRL', 'MaxTotalCapacityOversubscriptionRatio'],
    ['RSC_DFN', 'AllowMixingStoragePoolDriver'], ['RSC_DFN', 'PeerSlotsNewResource'], ['RSC', 'FileSystem/User'],
    ['VLM_DFN', 'FileSystem/Group'], ['RSC_DFN', 'FileSystem/MkfsParams'], ['RSC_DFN', 'DrbdOptions/ExactSize'],
    ['RSC_DFN', 'DrbdOptions/auto-diskful'], ['RSC', 'DrbdOptions/auto-diskful-allow-cleanup'],
    ['RSC_DFN', 'DrbdOptions/auto-verify-algo-disable'], ['CTRL', 'DrbdOptions/AutoEvictAfterTime'],
    ['CTRL', 'DrbdOptions/AutoEvictMaxDisconnectedNodes'], ['RSC_DFN', 'DrbdOptions/AutoEvictMinReplicaCount'],
    ['NODE', 'DrbdOptions/AutoEvictAllowEviction'], ['VLM_DFN', 'Linstor/Drbd/auto-block-size'],
    ['NODE', 'Linstor/Drbd/OutsideAddress'], ['RSC_DFN', 'AutoSnapshot/RunEvery'], ['RSC_DFN', 'AutoSnapshot/Keep'],
    ['RSC_DFN', 'NVMe/TRType'], ['RSC_DFN', 'Writecache/PoolName'], ['VLM_DFN', 'Cache/CachePool'],
    ['STOR_POOL', 'StorDriver/StorPoolName'], ['VLM', 'StorPoolName'], ['DRBD_PROXY', 'DrbdOptions/Proxy/memlimit'],
  ];
  for (const [o, k] of wellKnown) assert.ok(ruleFor(o, k), `${k} on ${o}`);
});

test('drbd-options.json is in sync with the recorded drbdsetup xml-help output', async () => {
  assert.match(DRBD_SOURCE, /^drbdsetup xml-help \(drbd-utils \d+\.\d+\.\d+\)$/);
  const sets: Array<[string, string]> = [
    ['resource-options', 'Resource'], ['disk-options', 'Disk'], ['new-peer', 'Net'], ['peer-device-options', 'PeerDevice'],
  ];
  const expected: string[] = [];
  for (const [command, section] of sets) {
    const xml = await xml2js.parseStringPromise(readFileSync(fixtures + `${command}.xml`, 'utf8'));
    assert.equal(xml.command.$.name, command);
    for (const o of xml.command.option) {
      if (o.$.type !== 'flag' && o.$.name !== '_name') expected.push(`DrbdOptions/${section}/${o.$.name}`);
    }
  }
  const generated = DRBD_RULES.map((r) => r.key).filter((k) => !k.startsWith('DrbdOptions/Handlers/'));
  assert.deepEqual(generated, expected);
  assert.equal(DRBD_RULES.filter((r) => r.key.startsWith('DrbdOptions/Handlers/')).length, 13);
  assert.ok(readdirSync(fixtures).includes('net-options.xml'), 'net-options recorded for comparison');
});

test('normaliseKey drops duplicate and leading slashes', () => {
  assert.equal(normaliseKey('/Aux//foo///bar'), 'Aux/foo/bar');
  assert.equal(normaliseKey('DrbdOptions/Net/protocol'), 'DrbdOptions/Net/protocol');
});

test('applyPropsModify validates every key before changing anything', () => {
  const current = { 'DrbdOptions/Net/protocol': 'C', 'Aux/a': '1' };
  const ok = applyPropsModify('RSC_DFN', current, {
    override_props: { 'DrbdOptions/Net/allow-two-primaries': 'true', 'Aux/b': '2' },
    delete_props: ['DrbdOptions/Net/protocol'],
  });
  assert.deepEqual(ok.props, { 'Aux/a': '1', 'Aux/b': '2', 'DrbdOptions/Net/allow-two-primaries': 'yes' });
  refused(() => applyPropsModify('RSC_DFN', current, {
    override_props: { 'Aux/c': '3', 'DrbdOptions/Net/max-buffers': '1' },
  }), /max-buffers/);
  assert.deepEqual(current, { 'DrbdOptions/Net/protocol': 'C', 'Aux/a': '1' });
});

test('the API refuses a non-whitelisted node property with ret_code code 213 and keeps Aux/ ones', async () => {
  const api = await makeApi();
  const bad = await api.call('POST', '/v1/nodes', { ...satelliteNode('alpha'), props: { 'Foo': 'x' } });
  assert.equal(bad.status, 500);
  assert.deepEqual(codes(bad.body), [{ severity: 'error', code: 213 }]);
  assert.equal(bad.body[0].message, 'Invalid property key: Foo');
  const good = await api.call('POST', '/v1/nodes', { ...satelliteNode('alpha'), props: { 'Aux/rack': 'r1', Site: 'east' } });
  assert.equal(good.status, 201);
  const node = await api.call('GET', '/v1/nodes/alpha');
  assert.equal(node.body.props['Aux/rack'], 'r1');
  assert.equal(node.body.props.Site, 'east');
  await api.close();
});
