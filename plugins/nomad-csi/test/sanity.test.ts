/**
 * The idempotency and error cases csi-sanity checks for these RPCs, against the plugin running on a
 * real controller + satellite (FILE_THIN in a temp dir). A second node is registered but never started
 * (OFFLINE), for "published on another node" and "node without a replica".
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { existsSync, mkdirSync } from 'node:fs';
import { uuidV5 } from '../src/naming.js';
import { MiB, blockCap, isMountpoint, mountCap, startPlugin } from './helpers.js';

const NODE = 'csi-node-s';
const OTHER = 'csi-node-offline';
const PARAMS = { layerList: 'storage', autoPlace: '1' };
const vol = (name: string, bytes = 16 * MiB, params: Record<string, string> = PARAMS) =>
  ({ name, capacity_range: { required_bytes: bytes }, volume_capabilities: [mountCap()], parameters: params });

test('CSI sanity: idempotency and error codes', { timeout: 600_000 }, async (t) => {
  const { tmp, client, c: cc } = await startPlugin(t, {
    prefix: 'storhub-csi-sanity-', node: NODE, timeoutMs: 60_000, config: (socket) => ({ socket, default_size_mib: 8 }),
    beforeStart: (client) => client.nodes.create({
      name: OTHER, type: 'SATELLITE',
      net_interfaces: [{ name: 'default', address: '127.0.0.1', satellite_port: 1, satellite_encryption_type: 'PLAIN', is_active: true }],
    } as any),
  });

  await t.test('CreateVolume: missing name / capabilities, unsupported mode, bad parameters are INVALID_ARGUMENT', async () => {
    assert.equal(await cc.code('Controller', 'CreateVolume', { ...vol('x1'), name: '' }), 'INVALID_ARGUMENT');
    assert.equal(await cc.code('Controller', 'CreateVolume', { ...vol('x1'), volume_capabilities: [] }), 'INVALID_ARGUMENT');
    assert.equal(await cc.code('Controller', 'CreateVolume', { ...vol('x1'), volume_capabilities: [mountCap('MULTI_NODE_MULTI_WRITER')] }), 'INVALID_ARGUMENT');
    assert.equal(await cc.code('Controller', 'CreateVolume', { ...vol('x1'), volume_capabilities: [mountCap('SINGLE_NODE_WRITER', 'btrfs')] }), 'INVALID_ARGUMENT');
    assert.equal(await cc.code('Controller', 'CreateVolume', { ...vol('x1'), volume_capabilities: [{ access_mode: { mode: 'SINGLE_NODE_WRITER' } }] }), 'INVALID_ARGUMENT');
    assert.equal(await cc.code('Controller', 'CreateVolume', vol('x1', 16 * MiB, { ...PARAMS, 'linstor.csi.linbit.com/bogus': '1' })), 'INVALID_ARGUMENT');
    assert.equal(await cc.code('Controller', 'CreateVolume', vol('x1', 16 * MiB, { ...PARAMS, placementPolicy: 'Sideways' })), 'INVALID_ARGUMENT');
    assert.equal(await cc.code('Controller', 'CreateVolume', vol('x1', 16 * MiB, { ...PARAMS, autoPlace: 'two' })), 'INVALID_ARGUMENT');
    assert.equal(await cc.code('Controller', 'CreateVolume', { ...vol('x1'), capacity_range: { required_bytes: 32 * MiB, limit_bytes: 16 * MiB } }), 'INVALID_ARGUMENT');
    assert.equal(await cc.code('Controller', 'CreateVolume', { ...vol('x1'), capacity_range: { required_bytes: 1000, limit_bytes: 1000 } }), 'OUT_OF_RANGE');
    assert.equal((await client.resourceDefinitions.list()).length, 0, 'no refused create left anything behind');
  });

  await t.test('CreateVolume twice with the same size answers the same volume; another size is ALREADY_EXISTS', async () => {
    const a = (await cc.call('Controller', 'CreateVolume', vol('same-vol'))).volume;
    const b = (await cc.call('Controller', 'CreateVolume', vol('same-vol'))).volume;
    assert.deepEqual(b, a);
    // Parameters of other namespaces (the orchestrator's) are ignored.
    assert.deepEqual((await cc.call('Controller', 'CreateVolume', vol('same-vol', 16 * MiB, { ...PARAMS, 'csi.storage.k8s.io/pvc/name': 'x' }))).volume, a);
    assert.equal(await cc.code('Controller', 'CreateVolume', vol('same-vol', 32 * MiB)), 'ALREADY_EXISTS');
    assert.equal(await cc.code('Controller', 'CreateVolume', { ...vol('same-vol'), volume_capabilities: [mountCap('SINGLE_NODE_WRITER', 'xfs')] }), 'ALREADY_EXISTS');
    assert.equal(await cc.code('Controller', 'CreateVolume', vol('same-vol', 16 * MiB, { ...PARAMS, resourceGroup: 'other-rg' })), 'ALREADY_EXISTS');
  });

  await t.test('a name that is no valid resource name becomes vol-<uuid v5 of the name>; no capacity gets the default size', async () => {
    const { volume } = await cc.call('Controller', 'CreateVolume', { name: 'My Volume #1', volume_capabilities: [blockCap()], parameters: PARAMS });
    assert.equal(volume.volume_id, `vol-${uuidV5('linstor.csi.linbit.com', 'My Volume #1')}`);
    assert.equal(volume.capacity_bytes, String(8 * MiB));
    const rd = await client.resourceDefinitions.get(volume.volume_id);
    assert.equal(rd.props?.['FileSystem/Type'], undefined, 'block volumes get no file system');
    await cc.call('Controller', 'DeleteVolume', { volume_id: volume.volume_id });
  });

  await t.test('two creates of one name at once: one runs, the other is ABORTED (retry later)', async () => {
    const [x, y] = await Promise.allSettled([cc.call('Controller', 'CreateVolume', vol('race-vol')), cc.call('Controller', 'CreateVolume', vol('race-vol'))]);
    const codes = [x, y].map((r) => (r.status === 'fulfilled' ? 'OK' : (r.reason as { code: number }).code)).sort();
    assert.deepEqual(codes, [10, 'OK'].sort() as unknown[]); // 10 = ABORTED
    assert.equal((await cc.call('Controller', 'CreateVolume', vol('race-vol'))).volume.volume_id, 'race-vol');
  });

  await t.test('no space is RESOURCE_EXHAUSTED and leaves nothing behind', async () => {
    assert.equal(await cc.code('Controller', 'CreateVolume', vol('huge-vol', 2 ** 50)), 'RESOURCE_EXHAUSTED');
    assert.equal(await cc.code('Controller', 'ControllerGetVolume', { volume_id: 'huge-vol' }), 'NOT_FOUND');
  });

  await t.test('topology: requirements pick the nodes; one nobody can meet is RESOURCE_EXHAUSTED; capacity per segment', async () => {
    const here = { segments: { 'linbit.com/hostname': NODE } };
    const there = { segments: { 'linbit.com/hostname': OTHER } };
    const a = await cc.call('Controller', 'CreateVolume', { ...vol('topo-a'), accessibility_requirements: { requisite: [here, there], preferred: [here] } });
    assert.deepEqual(a.volume.accessible_topology, [here]);
    // FollowTopology by pool segment: only this node has DfltStorPool (the other has no pools).
    const b = await cc.call('Controller', 'CreateVolume', {
      ...vol('topo-b', 16 * MiB, { ...PARAMS, placementPolicy: 'FollowTopology' }),
      accessibility_requirements: { preferred: [{ segments: { 'linbit.com/sp-DfltStorPool': 'true' } }] },
    });
    assert.deepEqual(b.volume.accessible_topology, [here]);
    const none = await cc.failure('Controller', 'CreateVolume', { ...vol('topo-c'), accessibility_requirements: { requisite: [there] } });
    assert.equal(none.code, 'RESOURCE_EXHAUSTED', none.details);
    assert.equal(await cc.code('Controller', 'ControllerGetVolume', { volume_id: 'topo-c' }), 'NOT_FOUND');
    const manual = await cc.call('Controller', 'CreateVolume', vol('topo-m', 16 * MiB, { ...PARAMS, nodeList: NODE }));
    assert.deepEqual(manual.volume.accessible_topology, [here]);
    assert.ok(Number((await cc.call('Controller', 'GetCapacity', { parameters: PARAMS, accessible_topology: here })).available_capacity) > 64 * MiB);
    assert.equal((await cc.call('Controller', 'GetCapacity', { parameters: PARAMS, accessible_topology: there })).available_capacity, '0');
    for (const id of ['topo-a', 'topo-b', 'topo-m']) await cc.call('Controller', 'DeleteVolume', { volume_id: id });
  });

  await t.test('DeleteVolume: no id is INVALID_ARGUMENT, unknown ids and repeats succeed', async () => {
    assert.equal(await cc.code('Controller', 'DeleteVolume', {}), 'INVALID_ARGUMENT');
    assert.deepEqual(await cc.call('Controller', 'DeleteVolume', { volume_id: 'never-was' }), {});
    await cc.call('Controller', 'CreateVolume', vol('del-vol'));
    assert.deepEqual(await cc.call('Controller', 'DeleteVolume', { volume_id: 'del-vol' }), {});
    assert.deepEqual(await cc.call('Controller', 'DeleteVolume', { volume_id: 'del-vol' }), {});
  });

  await t.test('ControllerPublishVolume: missing fields, unknown volume or node, other node, incompatible repeat', async () => {
    const pub = { volume_id: 'same-vol', node_id: NODE, volume_capability: mountCap() };
    assert.equal(await cc.code('Controller', 'ControllerPublishVolume', { ...pub, volume_id: '' }), 'INVALID_ARGUMENT');
    assert.equal(await cc.code('Controller', 'ControllerPublishVolume', { ...pub, node_id: '' }), 'INVALID_ARGUMENT');
    assert.equal(await cc.code('Controller', 'ControllerPublishVolume', { ...pub, volume_capability: null }), 'INVALID_ARGUMENT');
    assert.equal(await cc.code('Controller', 'ControllerPublishVolume', { ...pub, volume_id: 'never-was' }), 'NOT_FOUND');
    assert.equal(await cc.code('Controller', 'ControllerPublishVolume', { ...pub, node_id: 'no-such-node' }), 'NOT_FOUND');
    // Not published anywhere: the offline node has no replica and STORAGE cannot attach disklessly.
    assert.equal(await cc.code('Controller', 'ControllerPublishVolume', { ...pub, node_id: OTHER }), 'FAILED_PRECONDITION');
    const noReplica = await cc.failure('Controller', 'ControllerPublishVolume', { ...pub, node_id: OTHER });
    assert.equal(noReplica.code, 'FAILED_PRECONDITION');
    assert.match(noReplica.details, /no replica on node 'csi-node-offline'.*cannot attach it diskless/);
    await cc.call('Controller', 'ControllerPublishVolume', pub);
    const elsewhere = await cc.failure('Controller', 'ControllerPublishVolume', { ...pub, node_id: OTHER });
    assert.equal(elsewhere.code, 'FAILED_PRECONDITION');
    assert.match(elsewhere.details, /is published on csi-node-s \(rw\)/);
    assert.equal(await cc.code('Controller', 'ControllerPublishVolume', { ...pub, volume_capability: mountCap('SINGLE_NODE_READER_ONLY') }), 'ALREADY_EXISTS');
    const status = (await cc.call('Controller', 'ControllerGetVolume', { volume_id: 'same-vol' })).status;
    assert.deepEqual(status.published_node_ids, [NODE]);
    assert.equal(await cc.code('Controller', 'DeleteVolume', { volume_id: 'same-vol' }), 'FAILED_PRECONDITION');
    // Unpublish: no id is INVALID_ARGUMENT; unknown volume or node is fine; no node_id means every node.
    assert.equal(await cc.code('Controller', 'ControllerUnpublishVolume', { node_id: NODE }), 'INVALID_ARGUMENT');
    assert.deepEqual(await cc.call('Controller', 'ControllerUnpublishVolume', { volume_id: 'never-was', node_id: NODE }), {});
    assert.deepEqual(await cc.call('Controller', 'ControllerUnpublishVolume', { volume_id: 'same-vol', node_id: 'no-such-node' }), {});
    assert.deepEqual(await cc.call('Controller', 'ControllerUnpublishVolume', { volume_id: 'same-vol' }), {});
    assert.deepEqual((await cc.call('Controller', 'ControllerGetVolume', { volume_id: 'same-vol' })).status.published_node_ids, []);
  });

  await t.test('read-only access may be published on several nodes at once', async () => {
    const ro = { volume_id: 'same-vol', node_id: NODE, volume_capability: mountCap('MULTI_NODE_READER_ONLY'), readonly: true };
    await cc.call('Controller', 'ControllerPublishVolume', ro);
    // The second reader passes the access checks and fails only where the replica is missing.
    const second = await cc.failure('Controller', 'ControllerPublishVolume', { ...ro, node_id: OTHER });
    assert.equal(second.code, 'FAILED_PRECONDITION');
    assert.match(second.details, /cannot attach it diskless/);
    // A writer elsewhere is refused while a reader is there.
    const writer = await cc.failure('Controller', 'ControllerPublishVolume', { ...ro, node_id: OTHER, volume_capability: mountCap('SINGLE_NODE_WRITER'), readonly: false });
    assert.equal(writer.code, 'FAILED_PRECONDITION');
    assert.match(writer.details, /is published on csi-node-s \(ro\)/);
    assert.equal(await cc.code('Controller', 'ControllerPublishVolume', { ...ro, volume_capability: mountCap('SINGLE_NODE_WRITER'), readonly: false }), 'ALREADY_EXISTS');
    await cc.call('Controller', 'ControllerUnpublishVolume', { volume_id: 'same-vol', node_id: NODE });
  });

  await t.test('ValidateVolumeCapabilities', async () => {
    assert.equal(await cc.code('Controller', 'ValidateVolumeCapabilities', { volume_id: '', volume_capabilities: [mountCap()] }), 'INVALID_ARGUMENT');
    assert.equal(await cc.code('Controller', 'ValidateVolumeCapabilities', { volume_id: 'same-vol', volume_capabilities: [] }), 'INVALID_ARGUMENT');
    assert.equal(await cc.code('Controller', 'ValidateVolumeCapabilities', { volume_id: 'never-was', volume_capabilities: [mountCap()] }), 'NOT_FOUND');
    const ok = await cc.call('Controller', 'ValidateVolumeCapabilities', { volume_id: 'same-vol', volume_capabilities: [mountCap(), mountCap('MULTI_NODE_READER_ONLY')] });
    assert.equal(ok.confirmed.volume_capabilities.length, 2);
    const no = await cc.call('Controller', 'ValidateVolumeCapabilities', { volume_id: 'same-vol', volume_capabilities: [mountCap('MULTI_NODE_MULTI_WRITER')] });
    assert.equal(no.confirmed, null);
    assert.match(no.message, /MULTI_NODE_MULTI_WRITER is not supported/);
    const fs = await cc.call('Controller', 'ValidateVolumeCapabilities', { volume_id: 'same-vol', volume_capabilities: [mountCap('SINGLE_NODE_WRITER', 'xfs')] });
    assert.equal(fs.confirmed, null);
    assert.match(fs.message, /file system ext4, not xfs/);
  });

  await t.test('ControllerGetVolume, ControllerExpandVolume: missing and unknown ids; no shrinking', async () => {
    assert.equal(await cc.code('Controller', 'ControllerGetVolume', { volume_id: 'never-was' }), 'NOT_FOUND');
    assert.equal(await cc.code('Controller', 'ControllerExpandVolume', { volume_id: 'never-was', capacity_range: { required_bytes: MiB } }), 'NOT_FOUND');
    assert.equal(await cc.code('Controller', 'ControllerExpandVolume', { volume_id: 'same-vol' }), 'INVALID_ARGUMENT');
    assert.equal(await cc.code('Controller', 'ControllerExpandVolume', { volume_id: '', capacity_range: { required_bytes: MiB } }), 'INVALID_ARGUMENT');
    // Smaller than it is: nothing to do, the current size is the answer.
    assert.deepEqual(await cc.call('Controller', 'ControllerExpandVolume', { volume_id: 'same-vol', capacity_range: { required_bytes: 8 * MiB } }),
      { capacity_bytes: String(16 * MiB), node_expansion_required: true });
    assert.equal(await cc.code('Controller', 'ControllerExpandVolume', { volume_id: 'same-vol', capacity_range: { required_bytes: 4 * MiB, limit_bytes: 8 * MiB } }), 'OUT_OF_RANGE');
    assert.deepEqual(await cc.call('Controller', 'ControllerExpandVolume', { volume_id: 'same-vol', capacity_range: { required_bytes: 24 * MiB }, volume_capability: blockCap() }),
      { capacity_bytes: String(24 * MiB), node_expansion_required: false });
  });

  await t.test('snapshots: missing fields, unknown source, name taken by another volume, unknown ids', async () => {
    assert.equal(await cc.code('Controller', 'CreateSnapshot', { source_volume_id: 'same-vol', name: '' }), 'INVALID_ARGUMENT');
    assert.equal(await cc.code('Controller', 'CreateSnapshot', { source_volume_id: '', name: 's' }), 'INVALID_ARGUMENT');
    assert.equal(await cc.code('Controller', 'CreateSnapshot', { source_volume_id: 'never-was', name: 'snap-x' }), 'NOT_FOUND');
    const { snapshot } = await cc.call('Controller', 'CreateSnapshot', { source_volume_id: 'same-vol', name: 'snap-a' });
    assert.equal(snapshot.ready_to_use, true);
    assert.equal(await cc.code('Controller', 'CreateSnapshot', { source_volume_id: 'race-vol', name: 'snap-a' }), 'ALREADY_EXISTS');
    assert.equal(await cc.code('Controller', 'DeleteSnapshot', { snapshot_id: '' }), 'INVALID_ARGUMENT');
    assert.deepEqual(await cc.call('Controller', 'DeleteSnapshot', { snapshot_id: 'incluster:///never-was/snap-a' }), {});
    assert.deepEqual(await cc.call('Controller', 'DeleteSnapshot', { snapshot_id: 's3://remote/x/y' }), {});
    assert.deepEqual((await cc.call('Controller', 'ListSnapshots', { snapshot_id: 'incluster:///never-was/snap-a' })).entries, []);
    assert.deepEqual((await cc.call('Controller', 'ListSnapshots', { source_volume_id: 'never-was' })).entries, []);
    // The legacy id (the bare name) still finds it.
    assert.equal((await cc.call('Controller', 'ListSnapshots', { snapshot_id: 'snap-a' })).entries[0].snapshot.snapshot_id, snapshot.snapshot_id);
    assert.equal(await cc.code('Controller', 'CreateVolume', { ...vol('from-nothing'), volume_content_source: { snapshot: { snapshot_id: 'incluster:///same-vol/nope' } } }), 'NOT_FOUND');
    assert.equal(await cc.code('Controller', 'CreateVolume', { ...vol('from-nothing'), volume_content_source: { volume: { volume_id: 'never-was' } } }), 'NOT_FOUND');
    assert.equal(await cc.code('Controller', 'CreateVolume', { ...vol('from-small', 8 * MiB), volume_content_source: { snapshot: { snapshot_id: snapshot.snapshot_id } } }), 'OUT_OF_RANGE');
  });

  await t.test('paging: max_entries, tokens, a bad token is ABORTED, a negative count INVALID_ARGUMENT', async () => {
    for (const name of ['snap-b', 'snap-c']) await cc.call('Controller', 'CreateSnapshot', { source_volume_id: 'same-vol', name });
    const first = await cc.call('Controller', 'ListSnapshots', { max_entries: 2 });
    assert.deepEqual(first.entries.map((e: any) => e.snapshot.snapshot_id), ['incluster:///same-vol/snap-a', 'incluster:///same-vol/snap-b']);
    assert.notEqual(first.next_token, '');
    const second = await cc.call('Controller', 'ListSnapshots', { max_entries: 2, starting_token: first.next_token });
    assert.deepEqual(second.entries.map((e: any) => e.snapshot.snapshot_id), ['incluster:///same-vol/snap-c']);
    assert.equal(second.next_token, '');
    assert.equal(await cc.code('Controller', 'ListSnapshots', { starting_token: 'invalid-token' }), 'ABORTED');
    assert.equal(await cc.code('Controller', 'ListVolumes', { starting_token: 'invalid-token' }), 'ABORTED');
    assert.equal(await cc.code('Controller', 'ListVolumes', { max_entries: -1 }), 'INVALID_ARGUMENT');
    assert.equal(await cc.code('Controller', 'ListSnapshots', { max_entries: -1 }), 'INVALID_ARGUMENT');
    // A volume deleted between two pages does not break the walk.
    const v1 = await cc.call('Controller', 'ListVolumes', { max_entries: 1 });
    assert.equal(v1.entries[0].volume.volume_id, 'race-vol');
    await cc.call('Controller', 'DeleteVolume', { volume_id: 'race-vol' });
    const v2 = await cc.call('Controller', 'ListVolumes', { max_entries: 1, starting_token: v1.next_token });
    assert.deepEqual(v2.entries.map((e: any) => e.volume.volume_id), ['same-vol']);
    assert.equal(v2.next_token, '');
    for (const name of ['snap-a', 'snap-b', 'snap-c']) await cc.call('Controller', 'DeleteSnapshot', { snapshot_id: `incluster:///same-vol/${name}` });
  });

  await t.test('node RPCs: missing fields, paths that are not published', async () => {
    const target = join(tmp.dir, 'mnt', 'n1');
    assert.equal(await cc.code('Node', 'NodePublishVolume', { volume_id: 'same-vol', target_path: '', volume_capability: mountCap() }), 'INVALID_ARGUMENT');
    assert.equal(await cc.code('Node', 'NodePublishVolume', { volume_id: '', target_path: target, volume_capability: mountCap() }), 'INVALID_ARGUMENT');
    assert.equal(await cc.code('Node', 'NodePublishVolume', { volume_id: 'same-vol', target_path: target }), 'INVALID_ARGUMENT');
    assert.equal(await cc.code('Node', 'NodePublishVolume', { volume_id: 'never-was', target_path: target, volume_capability: mountCap() }), 'NOT_FOUND');
    assert.equal(await cc.code('Node', 'NodeUnpublishVolume', { volume_id: 'same-vol', target_path: '' }), 'INVALID_ARGUMENT');
    assert.deepEqual(await cc.call('Node', 'NodeUnpublishVolume', { volume_id: 'same-vol', target_path: target }), {});
    mkdirSync(target, { recursive: true });
    assert.equal(await cc.code('Node', 'NodeGetVolumeStats', { volume_id: 'same-vol', volume_path: join(tmp.dir, 'nope') }), 'NOT_FOUND');
    assert.equal(await cc.code('Node', 'NodeGetVolumeStats', { volume_id: 'same-vol', volume_path: target }), 'NOT_FOUND');
    assert.equal(await cc.code('Node', 'NodeGetVolumeStats', { volume_id: 'same-vol', volume_path: '' }), 'INVALID_ARGUMENT');
    assert.equal(await cc.code('Node', 'NodeExpandVolume', { volume_id: 'same-vol', volume_path: join(tmp.dir, 'nope') }), 'NOT_FOUND');
    assert.equal(await cc.code('Node', 'NodeExpandVolume', { volume_id: 'same-vol', volume_path: '' }), 'INVALID_ARGUMENT');
    assert.equal(await cc.code('Node', 'NodeStageVolume', { volume_id: 'same-vol' }), 'UNIMPLEMENTED');
    assert.deepEqual(await cc.call('Node', 'NodeUnpublishVolume', { volume_id: 'same-vol', target_path: target }), {});
    assert.equal(existsSync(target), false, 'an unmounted target directory is removed too');
  });

  await t.test('block access: the device node is bind-mounted on a file; stats report its size', async () => {
    const { publish_context } = await cc.call('Controller', 'ControllerPublishVolume', { volume_id: 'same-vol', node_id: NODE, volume_capability: blockCap() });
    const target = join(tmp.dir, 'mnt', 'block-dev');
    const req = { volume_id: 'same-vol', target_path: target, volume_capability: blockCap(), publish_context };
    await cc.call('Node', 'NodePublishVolume', req);
    await cc.call('Node', 'NodePublishVolume', req);
    assert.equal(isMountpoint(target), true);
    const { usage } = await cc.call('Node', 'NodeGetVolumeStats', { volume_id: 'same-vol', volume_path: target });
    assert.deepEqual(usage.map((u: any) => [u.unit, u.total]), [['BYTES', String(24 * MiB)]]);
    assert.equal(await cc.code('Node', 'NodePublishVolume', { ...req, readonly: true }), 'ALREADY_EXISTS');
    await cc.call('Node', 'NodeUnpublishVolume', { volume_id: 'same-vol', target_path: target });
    assert.equal(existsSync(target), false);
    await cc.call('Controller', 'ControllerUnpublishVolume', { volume_id: 'same-vol', node_id: NODE });
    for (const id of ['same-vol']) await cc.call('Controller', 'DeleteVolume', { volume_id: id });
    assert.deepEqual((await cc.call('Controller', 'ListVolumes', {})).entries, []);
  });
});
