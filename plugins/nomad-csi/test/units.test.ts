/**
 * The pure parts: parameter parsing (linstor-csi's keys and rules), ids, capabilities and sizes, page
 * tokens, the error -> status mapping, and the config schema.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { status } from '@grpc/grpc-js';
import { ApiError, ConnectionError } from '@storhub/core/client';
import { VolumeOpsError } from '@storhub/core/plugin';
import { capabilityProblem, fitsRange, fsTypeOf, sizeKibFor } from '../src/capabilities.js';
import { configSchema } from '../src/config.js';
import { CsiError, toStatus } from '../src/errors.js';
import { parseSnapshotId, snapshotId, snapshotNameFor, uuidV5, validName, volumeIdFor } from '../src/naming.js';
import { groupPlacement, parseParameters } from '../src/params.js';
import { conditionOf, decodeToken, encodeToken, page } from '../src/shared.js';

test('parameters: bare or prefixed, any case; lists, booleans, Aux/ prefix for replicasOn*', () => {
  const p = parseParameters({
    'linstor.csi.linbit.com/AutoPlace': '2', storagepool: 'ssd  hdd', 'LINSTOR.CSI.LINBIT.COM/layerList': 'drbd storage',
    replicasOnSame: 'zone Aux/rack', replicasOnDifferent: 'room', disklessOnRemaining: 'True', doNotPlaceWithRegex: '^db-.*',
    disklessStoragePool: 'dl', fsOpts: '-E nodiscard', mountOpts: 'noatime,discard', 'DrbdOptions/Net/protocol': 'C',
    'property.linstor.csi.linbit.com/Aux/team': 'web', 'csi.storage.k8s.io/pvc/name': 'ignored', resourceGroup: 'rg-fast',
  });
  assert.equal(p.placementCount, 2);
  assert.deepEqual(p.storagePools, ['ssd', 'hdd']);
  assert.deepEqual(p.layerList, ['DRBD', 'STORAGE']);
  assert.deepEqual(p.replicasOnSame, ['Aux/zone', 'Aux/rack']);
  assert.deepEqual(p.replicasOnDifferent, ['Aux/room']);
  assert.equal(p.disklessOnRemaining, true);
  assert.equal(p.doNotPlaceWithRegex, '^db-.*');
  assert.equal(p.fsOpts, '-E nodiscard');
  assert.equal(p.mountOpts, 'noatime,discard');
  assert.deepEqual(p.properties, { 'DrbdOptions/Net/protocol': 'C', 'Aux/team': 'web' });
  assert.equal(p.resourceGroup, 'rg-fast');
  assert.equal(p.generatedGroup, false);
  assert.equal(p.placementPolicy, 'AutoPlaceTopology');
  assert.deepEqual(groupPlacement(p), {
    place_count: 2, storage_pool_list: ['ssd', 'hdd'], storage_pool_diskless_list: ['dl'], replicas_on_same: ['Aux/zone', 'Aux/rack'],
    replicas_on_different: ['Aux/room'], not_place_with_rsc_regex: '^db-.*', diskless_on_remaining: true, layer_stack: ['DRBD', 'STORAGE'],
  });
});

test('parameters: errors name the key', () => {
  assert.throws(() => parseParameters({ 'linstor.csi.linbit.com/nope': '1' }), /unknown parameter 'linstor\.csi\.linbit\.com\/nope'/);
  assert.throws(() => parseParameters({ nope: '1' }), /unknown parameter 'nope'/);
  assert.throws(() => parseParameters({ autoPlace: '0' }), /autoPlace: '0' is not a replica count/);
  assert.throws(() => parseParameters({ encryption: 'yes' }), /encryption: 'yes' is not a boolean/);
  assert.throws(() => parseParameters({ layerList: 'drbd zfs' }), /unknown layer 'zfs'/);
  assert.throws(() => parseParameters({ placementPolicy: 'Manual' }), /Manual needs nodeList/);
  assert.throws(() => parseParameters({ doNotPlaceWithRegex: '(' }), /not a regular expression/);
  // Other namespaces are not ours to judge.
  assert.doesNotThrow(() => parseParameters({ 'example.com/whatever': 'x' }));
});

test('parameters: nodeList/clientList force Manual and drop the automatic options; encryption adds LUKS', () => {
  const p = parseParameters({ nodeList: 'a b', clientList: 'c', autoPlace: '3', replicasOnSame: 'zone', placementPolicy: 'AutoPlace' });
  assert.equal(p.placementPolicy, 'Manual');
  assert.equal(p.placementCount, undefined);
  assert.deepEqual(p.replicasOnSame, []);
  assert.deepEqual(p.nodeList, ['a', 'b']);
  assert.deepEqual(p.clientList, ['c']);
  assert.deepEqual(parseParameters({ encryption: 'true' }).layerList, ['DRBD', 'LUKS', 'STORAGE']);
  assert.deepEqual(parseParameters({ encryption: '1', layerList: 'storage' }).layerList, ['LUKS', 'STORAGE']);
  assert.equal(parseParameters({ placementPolicy: 'followtopology' }).placementPolicy, 'FollowTopology');
});

test('parameters: a derived group is named after the settings, whatever their order; defaults sit under the request', () => {
  const a = parseParameters({ autoPlace: '2', storagePool: 'ssd' });
  const b = parseParameters({ StoragePool: 'ssd', 'linstor.csi.linbit.com/placementCount': '2' });
  const c = parseParameters({ autoPlace: '3', storagePool: 'ssd' });
  assert.match(a.resourceGroup, /^sc-[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(a.resourceGroup, b.resourceGroup);
  assert.notEqual(a.resourceGroup, c.resourceGroup);
  assert.equal(a.generatedGroup, true);
  assert.equal(groupPlacement(parseParameters({})).place_count, 1, "linstor-csi's default count for a derived group");
  assert.equal(groupPlacement(parseParameters({ resourceGroup: 'mine' })).place_count, undefined, "a named group's own count applies");
  const d = parseParameters({ autoPlace: '2' }, { autoPlace: '1', layerList: 'storage' });
  assert.equal(d.placementCount, 2);
  assert.deepEqual(d.layerList, ['STORAGE']);
});

test('ids: valid names are kept, others get a name-based UUID as linstor-csi computes it', () => {
  // sha1(bytes of "linstor.csi.linbit.com" + name), first 16 bytes, version 5 and RFC 4122 variant bits:
  // the expected values were computed with Python's hashlib and uuid modules.
  assert.equal(uuidV5('linstor.csi.linbit.com', 'pvc/with slash'), 'c287b2fc-4134-5c14-ab6d-885f2eb9d641');
  assert.equal(volumeIdFor('My Volume #1'), 'vol-486b227f-8d91-5c30-81d0-ada0fa556c4c');
  assert.equal(volumeIdFor('pvc-0b7e2c1a'), 'pvc-0b7e2c1a');
  assert.equal(volumeIdFor('all'), `vol-${uuidV5('linstor.csi.linbit.com', 'all')}`);
  assert.equal(validName('a'), false);
  assert.equal(validName('1abc'), false);
  assert.equal(validName('x'.repeat(49)), false);
  assert.equal(snapshotNameFor('snap 1'), `snapshot-${uuidV5('linstor.csi.linbit.com', 'snap 1')}`);
  assert.equal(snapshotId('vol-a', 'snap-1'), 'incluster:///vol-a/snap-1');
  assert.deepEqual(parseSnapshotId('incluster:///vol-a/snap-1'), { volume: 'vol-a', snapshot: 'snap-1' });
  assert.deepEqual(parseSnapshotId('In-Cluster:///vol-a/snap-1'), { volume: 'vol-a', snapshot: 'snap-1' });
  assert.deepEqual(parseSnapshotId('snap-legacy'), { snapshot: 'snap-legacy' });
  assert.equal(parseSnapshotId('s3://remote/vol-a/snap-1'), undefined);
  assert.equal(parseSnapshotId('incluster://host/vol-a/snap-1'), undefined);
  assert.equal(parseSnapshotId('incluster:///vol-a'), undefined);
  assert.equal(parseSnapshotId('not a name'), undefined);
});

test('capabilities: modes, access types, file systems', () => {
  assert.equal(capabilityProblem({ mount: { fs_type: 'ext4' }, access_mode: { mode: 'SINGLE_NODE_WRITER' } }), undefined);
  assert.equal(capabilityProblem({ block: {}, access_mode: { mode: 'MULTI_NODE_READER_ONLY' } }), undefined);
  assert.match(capabilityProblem({ block: {}, access_mode: { mode: 'MULTI_NODE_MULTI_WRITER' } })!, /not supported/);
  assert.match(capabilityProblem({ access_mode: { mode: 'SINGLE_NODE_WRITER' } })!, /neither mount nor block/);
  assert.match(capabilityProblem({ mount: {}, access_mode: { mode: 'UNKNOWN' } })!, /no access mode/);
  assert.match(capabilityProblem({ mount: { fs_type: 'btrfs' }, access_mode: { mode: 'SINGLE_NODE_WRITER' } })!, /btrfs/);
  assert.equal(fsTypeOf([{ mount: {}, access_mode: { mode: 'SINGLE_NODE_WRITER' } }]), 'ext4');
  assert.equal(fsTypeOf([{ block: {}, access_mode: { mode: 'SINGLE_NODE_WRITER' } }]), undefined);
  assert.equal(fsTypeOf([{ mount: { fs_type: 'xfs' }, access_mode: { mode: 'SINGLE_NODE_WRITER' } }]), 'xfs');
  assert.throws(() => fsTypeOf([{ mount: { fs_type: 'xfs' } }, { mount: { fs_type: 'ext4' } }]), /different file systems/);
});

test('sizes: required rounds up to KiB; the fallback is capped by the limit; impossible ranges are refused', () => {
  assert.equal(sizeKibFor({ required_bytes: '1025' }, 8), 2);
  assert.equal(sizeKibFor({ required_bytes: 0, limit_bytes: '4096' }, 8), 4);
  assert.equal(sizeKibFor(null, 8), 8);
  assert.throws(() => sizeKibFor({ required_bytes: 2048, limit_bytes: 1024 }, 8), (e: CsiError) => e.code === status.INVALID_ARGUMENT);
  assert.throws(() => sizeKibFor({ required_bytes: 1000, limit_bytes: 1000 }, 8), (e: CsiError) => e.code === status.OUT_OF_RANGE);
  assert.throws(() => sizeKibFor({ required_bytes: '-1' }, 8), (e: CsiError) => e.code === status.INVALID_ARGUMENT);
  assert.equal(fitsRange(16, { required_bytes: 16 * 1024 }), true);
  assert.equal(fitsRange(16, { required_bytes: 32 * 1024 }), false);
  assert.equal(fitsRange(16, { limit_bytes: 8 * 1024 }), false);
});

test('paging: opaque tokens, order by name, a deleted key between pages does not matter', () => {
  const items = ['b', 'C', 'a', 'd'];
  const p1 = page(items, (x) => x, 2, undefined);
  assert.deepEqual(p1.entries, ['a', 'b']);
  assert.equal(decodeToken(p1.next_token), 'b');
  assert.deepEqual(page(items.filter((x) => x !== 'b'), (x) => x, 2, p1.next_token), { entries: ['C', 'd'], next_token: '' });
  assert.deepEqual(page(items, (x) => x, 0, undefined).entries, ['a', 'b', 'C', 'd']);
  assert.throws(() => decodeToken('invalid-token'), (e: CsiError) => e.code === status.ABORTED);
  assert.throws(() => page(items, (x) => x, -1, undefined), TypeError);
  assert.equal(encodeToken('x/y').startsWith('v1.'), true);
});

test('errors: VolumeOps kinds, controller answers and unreachable controllers map to CSI codes', () => {
  const code = (err: unknown) => status[toStatus(err, 'doing it').code];
  assert.equal(code(new VolumeOpsError('not_found', 'x')), 'NOT_FOUND');
  assert.equal(code(new VolumeOpsError('exists', 'x')), 'ALREADY_EXISTS');
  assert.equal(code(new VolumeOpsError('no_space', 'x')), 'RESOURCE_EXHAUSTED');
  assert.equal(code(new VolumeOpsError('unsupported', 'x')), 'FAILED_PRECONDITION');
  assert.equal(code(new VolumeOpsError('in_use', 'x')), 'FAILED_PRECONDITION');
  assert.equal(code(new VolumeOpsError('timeout', 'x')), 'DEADLINE_EXCEEDED');
  assert.equal(code(new ConnectionError('down', [])), 'UNAVAILABLE');
  assert.equal(code(new TypeError('bad')), 'INVALID_ARGUMENT');
  const notFound = new ApiError({ status: 404, method: 'GET', path: '/v1/x', controller: 'c', replies: [{ ret_code: -4611686018427387604n, message: 'Node x not found.' } as any] });
  assert.equal(code(notFound), 'NOT_FOUND');
  assert.match(toStatus(notFound, 'publishing').details, /^publishing: Node x not found\./);
  assert.equal(code(new Error('boom')), 'INTERNAL');
});

test('volume condition: abnormal without a disk, without state or in a bad state', () => {
  const base = { name: 'v', size_kib: 1, props: {} };
  assert.deepEqual(conditionOf({ ...base, replicas: [{ node: 'a', diskless: false, state: 'UpToDate' }, { node: 'b', diskless: true, state: 'Diskless' }] }), { abnormal: false, message: '' });
  assert.match(conditionOf({ ...base, replicas: [{ node: 'a', diskless: false }] }).message, /node a reports no state/);
  assert.match(conditionOf({ ...base, replicas: [{ node: 'a', diskless: false, state: 'Outdated' }] }).message, /Outdated on node a/);
  assert.equal(conditionOf({ ...base, replicas: [] }).abnormal, true);
});

test('config: defaults, unix:// sockets, refused values', () => {
  assert.deepEqual(configSchema.parse({}), { driver_name: 'linstor.csi.linbit.com', mode: 'monolith', default_size_mib: 1024, default_parameters: {}, topology_prefix: 'Aux' });
  assert.equal(configSchema.parse({ socket: 'unix:///run/storhub/csi.sock' }).socket, '/run/storhub/csi.sock');
  assert.equal(configSchema.safeParse({ socket: 'csi.sock' }).success, false);
  assert.equal(configSchema.safeParse({ driver_name: 'bad name' }).success, false);
  assert.equal(configSchema.safeParse({ mode: 'both' }).success, false);
  assert.equal(configSchema.safeParse({ sockets: '/x' }).success, false);
  assert.deepEqual(configSchema.parse({ default_parameters: { layerList: 'storage' } }).default_parameters, { layerList: 'storage' });
});
