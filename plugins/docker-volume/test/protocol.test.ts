/**
 * The plugin as Docker talks to it: JSON POSTs without Content-Type on its unix socket, with an
 * in-memory VolumeOps and a simulated host (fakes.ts). Checks the exact replies, the VolumeOps calls
 * and the commands run on the host.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDockerVolumePlugin, type DockerVolumePlugin } from '../src/index.js';
import { CONTENT_TYPE } from '../src/protocol.js';
import { FakeHost, FakeVolumeOps, context, dockerCall } from './fakes.js';

const MARK = { 'Aux/is-linstor-docker-volume': 'true' };

interface Rig {
  dir: string;
  sock: string;
  root: string;
  stateDir: string;
  ops: FakeVolumeOps;
  host: FakeHost;
  plugin: DockerVolumePlugin;
  call(op: string, body?: unknown): ReturnType<typeof dockerCall>;
  /** A second plugin process on the same state (a restart). */
  restart(): Promise<void>;
}

async function rig(t: TestContext, config: Record<string, unknown> = {}): Promise<Rig> {
  const dir = mkdtempSync(join(tmpdir(), 'storhub-dv-'));
  const ops = new FakeVolumeOps('node-a');
  const host = new FakeHost();
  const stateDir = join(dir, 'state');
  const root = join(dir, 'mounts');
  const cfg = { driver: 'linstor-test', socket_dir: join(dir, 'plugins'), mount_root: root, conf_file: '', format_wait_s: 0.2, ...config };
  const r: Rig = {
    dir, sock: join(dir, 'plugins', 'linstor-test.sock'), root, stateDir, ops, host,
    plugin: createDockerVolumePlugin(),
    call: (op, body) => dockerCall(r.sock, op, body),
    restart: async () => {
      await r.plugin.stop();
      r.plugin = createDockerVolumePlugin();
      await r.plugin.start(context(stateDir, ops, host), r.plugin.configSchema.parse(cfg));
    },
  };
  t.after(async () => {
    await r.plugin.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  await r.plugin.start(context(stateDir, ops, host), r.plugin.configSchema.parse(cfg));
  return r;
}

test('Activate, Capabilities: exact replies with Docker\'s content type; unknown endpoints 404; status names the socket', async (t) => {
  const r = await rig(t);
  const act = await r.call('/Plugin.Activate');
  assert.deepEqual(act, { status: 200, contentType: CONTENT_TYPE, body: { Implements: ['VolumeDriver'] } });
  assert.deepEqual((await r.call('/VolumeDriver.Capabilities', {})).body, { Capabilities: { Scope: 'global' } });
  const nope = await r.call('/VolumeDriver.Snapshot', {});
  assert.equal(nope.status, 404);
  assert.deepEqual(nope.body, { Err: '/VolumeDriver.Snapshot is not part of the volume plugin protocol' });
  assert.deepEqual(r.plugin.status(), { endpoint: r.sock, message: '0 volume(s) mounted on this node' });
});

test('Create: options become the VolumeOps spec; Get and List show it; refusals come back as Err', async (t) => {
  const r = await rig(t, { defaults: { replicas: 1 } });
  const before = Date.now();
  assert.deepEqual((await r.call('/VolumeDriver.Create', { Name: 'v1', Opts: { size: '64M', fs: 'xfs' } })).body, {});
  const created = (r.ops.of('create')[0][0] as { props: Record<string, string> }).props['Aux/storhub/docker-volume/created'];
  assert.ok(Date.parse(created) >= before - 1000 && Date.parse(created) <= Date.now(), `created at ${created}`);
  assert.deepEqual(r.ops.of('create'), [[{
    name: 'v1', size_kib: 65536, placement: { place_count: 1 }, props: { ...MARK, 'FileSystem/Type': 'xfs', 'Aux/storhub/docker-volume/created': created },
  }]]);

  const get = await r.call('/VolumeDriver.Get', { Name: 'v1' });
  assert.deepEqual(get.body, {
    Volume: { Name: 'v1', CreatedAt: created, Status: { size: '64 MiB', size_kib: 65536, fs: 'xfs', replicas: 1, nodes: 'node-a' } },
  });
  assert.deepEqual((await r.call('/VolumeDriver.List', {})).body, { Volumes: [{ Name: 'v1', CreatedAt: created }] });
  assert.deepEqual(r.ops.of('list'), [[{ props: MARK }]]);
  assert.deepEqual((await r.call('/VolumeDriver.Path', { Name: 'v1' })).body, { Mountpoint: '' });

  const errs = async (body: unknown) => {
    const res = await r.call('/VolumeDriver.Create', body);
    assert.equal(res.status, 500);
    return res.body.Err as string;
  };
  assert.match(await errs({ Name: 'v2', Opts: { size: '1G', colour: 'red' } }), /^unknown option "colour"; known options: size, fs,/);
  assert.equal(await errs({ Name: 'v2', Opts: { size: 'bad' } }), 'invalid size "bad": write a number with an optional unit, e.g. 64M, 10GiB, 500MB');
  assert.match(await errs({ Name: 'my.vol', Opts: {} }), /^invalid volume name "my\.vol": it must not contain '\.'/);
  assert.equal(await errs({ Name: 'v1', Opts: { size: '128M' } }), "Volume 'v1' already exists with 65536 KiB.");
  assert.equal(await errs({ Name: 'big', Opts: { size: '2T' } }), "Placing volume 'big': Not enough available nodes.");
  const noName = await r.call('/VolumeDriver.Create', { Opts: {} });
  assert.deepEqual(noName, { status: 400, contentType: CONTENT_TYPE, body: { Err: 'the request has no "Name"' } });

  const missing = await r.call('/VolumeDriver.Get', { Name: 'nope' });
  assert.deepEqual([missing.status, missing.body], [500, { Err: 'no such volume: nope' }]);
  r.ops.add({ name: 'foreign', size_kib: 1024, props: {}, replicas: [] });
  assert.match((await r.call('/VolumeDriver.Get', { Name: 'foreign' })).body.Err, /^volume "foreign" exists in Storhub but was not created by the Docker volume plugin/);
  assert.deepEqual((await r.call('/VolumeDriver.List', {})).body, { Volumes: [{ Name: 'v1', CreatedAt: created }] });
});

test('resource_group in the config: created once (when missing) and used unless the request names another group', async (t) => {
  const r = await rig(t, { resource_group: { name: 'docker', place_count: 1, layer_stack: ['STORAGE'] } });
  await r.call('/VolumeDriver.Create', { Name: 'v1', Opts: { size: '64M' } });
  await r.call('/VolumeDriver.Create', { Name: 'v2', Opts: { size: '64M' } });
  await r.call('/VolumeDriver.Create', { Name: 'v3', Opts: { size: '64M', resourcegroup: 'other' } });
  assert.deepEqual(r.ops.of('ensureResourceGroup'), [['docker', { place_count: 1, layer_stack: ['STORAGE'] }]]);
  assert.deepEqual(r.ops.of('create').map(([s]) => (s as { resource_group?: string }).resource_group), ['docker', 'docker', 'other']);
});

test('Mount twice (two IDs), Unmount twice: one mount, counted per ID; diskless attach released at zero', async (t) => {
  const r = await rig(t);
  // A replica on node-b only: Mount on node-a attaches diskless.
  r.ops.add({ name: 'v1', size_kib: 65536, props: { ...MARK, 'FileSystem/Type': 'ext4', 'Aux/storhub/docker-volume/mountopts': 'noatime' }, replicas: [{ node: 'node-b', diskless: false }] });
  r.host.device('/dev/fake/v1', 64 * 2 ** 20, 'ext4');
  const mp = join(r.root, 'v1', 'data');

  assert.deepEqual((await r.call('/VolumeDriver.Mount', { Name: 'v1', ID: 'id-1' })).body, { Mountpoint: mp });
  assert.deepEqual((await r.call('/VolumeDriver.Mount', { Name: 'v1', ID: 'id-2' })).body, { Mountpoint: mp });
  assert.deepEqual(r.ops.of('attach'), [['v1', 'node-a']]);
  assert.deepEqual(r.host.changes(), [`mount -t ext4 -o noatime /dev/fake/v1 ${join(r.root, 'v1')}`]);
  assert.ok(existsSync(mp), 'the data directory exists');
  assert.deepEqual((await r.call('/VolumeDriver.Path', { Name: 'v1' })).body, { Mountpoint: mp });
  const get = (await r.call('/VolumeDriver.Get', { Name: 'v1' })).body;
  assert.equal(get.Volume.Mountpoint, mp);
  assert.deepEqual(get.Volume.Status, { size: '64 MiB', size_kib: 65536, fs: 'ext4', replicas: 1, nodes: 'node-b', diskless_nodes: 'node-a' });
  assert.deepEqual((await r.call('/VolumeDriver.List', {})).body, { Volumes: [{ Name: 'v1', Mountpoint: mp }] });

  const state = JSON.parse(readFileSync(join(r.stateDir, 'mounts.json'), 'utf8'));
  assert.deepEqual(state.volumes.v1.callers, ['id-1', 'id-2']);
  assert.equal(state.volumes.v1.attached, true);

  const rm = await r.call('/VolumeDriver.Remove', { Name: 'v1' });
  assert.deepEqual([rm.status, rm.body.Err], [500, `volume "v1" is mounted on this node (${join(r.root, 'v1')}) by 2 container(s); stop them before removing it`]);

  assert.deepEqual((await r.call('/VolumeDriver.Unmount', { Name: 'v1', ID: 'id-1' })).body, {});
  assert.deepEqual(r.host.changes().length, 1, 'still mounted for id-2');
  assert.deepEqual(r.ops.of('release'), []);
  assert.deepEqual((await r.call('/VolumeDriver.Unmount', { Name: 'v1', ID: 'id-2' })).body, {});
  assert.deepEqual(r.host.changes().at(-1), `umount ${join(r.root, 'v1')}`);
  assert.deepEqual(r.ops.of('release'), [['v1', 'node-a']]);
  assert.deepEqual((await r.call('/VolumeDriver.Path', { Name: 'v1' })).body, { Mountpoint: '' });
  // A repeated Unmount (Docker retries) is fine and changes nothing.
  assert.deepEqual((await r.call('/VolumeDriver.Unmount', { Name: 'v1', ID: 'id-2' })).body, {});
  assert.equal(r.host.changes().length, 2);
});

test('Mount of a volume with a local diskful replica: no release on Unmount', async (t) => {
  const r = await rig(t);
  r.ops.add({ name: 'v1', size_kib: 65536, props: { ...MARK, 'FileSystem/Type': 'ext4' }, replicas: [{ node: 'node-a', diskless: false, device_path: '/dev/fake/v1' }] });
  r.host.device('/dev/fake/v1', 64 * 2 ** 20, 'ext4');
  await r.call('/VolumeDriver.Mount', { Name: 'v1', ID: 'a' });
  await r.call('/VolumeDriver.Unmount', { Name: 'v1', ID: 'a' });
  assert.deepEqual(r.host.changes(), [`mount -t ext4 /dev/fake/v1 ${join(r.root, 'v1')}`, `umount ${join(r.root, 'v1')}`]);
  assert.deepEqual(r.ops.of('release'), []);
});

test('a restarted plugin still knows its mounts (state on disk), without Activate', async (t) => {
  const r = await rig(t);
  r.ops.add({ name: 'v1', size_kib: 65536, props: { ...MARK, 'FileSystem/Type': 'ext4' }, replicas: [{ node: 'node-b', diskless: false }] });
  r.host.device('/dev/fake/v1', 64 * 2 ** 20, 'ext4');
  const mp = join(r.root, 'v1', 'data');
  await r.call('/VolumeDriver.Mount', { Name: 'v1', ID: 'id-1' });
  await r.call('/VolumeDriver.Mount', { Name: 'v1', ID: 'id-2' });

  await r.restart();
  assert.deepEqual((await r.call('/VolumeDriver.List', {})).body, { Volumes: [{ Name: 'v1', Mountpoint: mp }] });
  assert.deepEqual((await r.call('/VolumeDriver.Path', { Name: 'v1' })).body, { Mountpoint: mp });
  assert.deepEqual(r.plugin.status(), { endpoint: r.sock, message: '1 volume(s) mounted on this node' });
  await r.call('/VolumeDriver.Unmount', { Name: 'v1', ID: 'id-1' });
  assert.equal(r.host.changes().length, 1, 'only the first mount so far');
  await r.call('/VolumeDriver.Unmount', { Name: 'v1', ID: 'id-2' });
  assert.deepEqual(r.host.changes(), [`mount -t ext4 /dev/fake/v1 ${join(r.root, 'v1')}`, `umount ${join(r.root, 'v1')}`]);
  assert.deepEqual(r.ops.of('release'), [['v1', 'node-a']]);
});

test('a recorded mount that is gone (reboot) is mounted again and its stale callers dropped', async (t) => {
  const r = await rig(t);
  r.ops.add({ name: 'v1', size_kib: 65536, props: { ...MARK, 'FileSystem/Type': 'ext4' }, replicas: [{ node: 'node-a', diskless: false, device_path: '/dev/fake/v1' }] });
  r.host.device('/dev/fake/v1', 64 * 2 ** 20, 'ext4');
  await r.call('/VolumeDriver.Mount', { Name: 'v1', ID: 'old' });
  r.host.mounts.clear(); // the host rebooted
  await r.restart();
  await r.call('/VolumeDriver.Mount', { Name: 'v1', ID: 'new' });
  assert.equal(r.host.changes().filter((c) => c.startsWith('mount ')).length, 2);
  assert.deepEqual(JSON.parse(readFileSync(join(r.stateDir, 'mounts.json'), 'utf8')).volumes.v1.callers, ['new']);
  await r.call('/VolumeDriver.Unmount', { Name: 'v1', ID: 'new' });
  assert.equal(r.host.changes().at(-1), `umount ${join(r.root, 'v1')}`);
});

test('a grown volume: ext4 is resized before the mount, xfs after it', async (t) => {
  const r = await rig(t);
  r.ops.add({ name: 'e1', size_kib: 131072, props: { ...MARK, 'FileSystem/Type': 'ext4' }, replicas: [{ node: 'node-a', diskless: false, device_path: '/dev/fake/e1' }] });
  r.ops.add({ name: 'x1', size_kib: 131072, props: { ...MARK, 'FileSystem/Type': 'xfs' }, replicas: [{ node: 'node-a', diskless: false, device_path: '/dev/fake/x1' }] });
  r.host.device('/dev/fake/e1', 128 * 2 ** 20, 'ext4', 64 * 2 ** 20);
  r.host.device('/dev/fake/x1', 128 * 2 ** 20, 'xfs', 64 * 2 ** 20);
  await r.call('/VolumeDriver.Mount', { Name: 'e1', ID: 'a' });
  await r.call('/VolumeDriver.Mount', { Name: 'x1', ID: 'a' });
  assert.deepEqual(r.host.changes(), [
    'e2fsck -f -p /dev/fake/e1',
    'resize2fs /dev/fake/e1',
    `mount -t ext4 /dev/fake/e1 ${join(r.root, 'e1')}`,
    `mount -t xfs /dev/fake/x1 ${join(r.root, 'x1')}`,
    `xfs_growfs ${join(r.root, 'x1')}`,
  ]);
  // Same size now: a second container's Mount checks, and grows nothing.
  await r.call('/VolumeDriver.Mount', { Name: 'x1', ID: 'b' });
  assert.equal(r.host.changes().length, 5);
  // Grown while mounted: the next container's Mount grows it online (ext4: resize2fs without e2fsck).
  r.host.devices.get('/dev/fake/e1')!.bytes = 256 * 2 ** 20;
  await r.call('/VolumeDriver.Mount', { Name: 'e1', ID: 'b' });
  assert.deepEqual(r.host.changes().slice(5), ['resize2fs /dev/fake/e1']);
});

test('in use on another node: Mount and Remove are refused with where; no attach is left behind', async (t) => {
  const r = await rig(t);
  r.ops.add({ name: 'v1', size_kib: 65536, props: { ...MARK, 'FileSystem/Type': 'ext4' }, replicas: [
    { node: 'node-a', diskless: false, device_path: '/dev/fake/v1', in_use: false },
    { node: 'node-b', diskless: true, in_use: true },
  ] });
  const mount = await r.call('/VolumeDriver.Mount', { Name: 'v1', ID: 'x' });
  assert.deepEqual([mount.status, mount.body.Err], [500, 'volume "v1" is in use on node "node-b" and cannot be mounted here; stop the containers using it there first']);
  const rm = await r.call('/VolumeDriver.Remove', { Name: 'v1' });
  assert.deepEqual([rm.status, rm.body.Err], [500, 'volume "v1" is in use on node "node-b" and cannot be removed; stop the containers using it there first']);
  assert.deepEqual(r.ops.of('attach'), []);
  assert.deepEqual(r.ops.of('delete'), []);
});

test('Mount errors: no diskless attach (STORAGE only) is VolumeOps\' message; an unformatted device names FileSystem/Type; failures undo', async (t) => {
  const r = await rig(t);
  r.ops.add({ name: 'local', size_kib: 65536, props: { ...MARK, 'FileSystem/Type': 'ext4' }, replicas: [{ node: 'node-b', diskless: false }] }, false);
  const res = await r.call('/VolumeDriver.Mount', { Name: 'local', ID: 'x' });
  assert.equal(res.status, 500);
  assert.match(res.body.Err, /^Volume 'local' has no replica on node 'node-a', and its layers \(STORAGE\) cannot attach it diskless/);

  r.ops.add({ name: 'bad', size_kib: 65536, props: { ...MARK, 'FileSystem/Type': 'ext4' }, replicas: [{ node: 'node-b', diskless: false }] });
  r.host.device('/dev/fake/bad', 64 * 2 ** 20, 'ext4');
  r.host.failNext.set('mount', 'mount: wrong fs type, bad option, bad superblock');
  const failed = await r.call('/VolumeDriver.Mount', { Name: 'bad', ID: 'x' });
  assert.equal(failed.status, 500);
  assert.match(failed.body.Err, /^mount -t ext4 \/dev\/fake\/bad .*: exit code 32: mount: wrong fs type/);
  // The diskless replica the failed Mount added is released again; nothing is recorded.
  assert.deepEqual(r.ops.of('release'), [['local', 'node-a'], ['bad', 'node-a']]);
  assert.deepEqual((await r.call('/VolumeDriver.Path', { Name: 'bad' })).body, { Mountpoint: '' });
  assert.equal(existsSync(join(r.root, 'bad')), false);

  // No file system on the device (format_wait_s = 0.2 in this rig): the error names FileSystem/Type.
  r.ops.add({ name: 'blank', size_kib: 65536, props: { ...MARK, 'FileSystem/Type': 'xfs' }, replicas: [{ node: 'node-a', diskless: false, device_path: '/dev/fake/blank' }] });
  r.host.device('/dev/fake/blank', 64 * 2 ** 20);
  const blank = await r.call('/VolumeDriver.Mount', { Name: 'blank', ID: 'x' });
  assert.deepEqual([blank.status, blank.body.Err], [500, 'volume "blank" has no file system on /dev/fake/blank: the satellite formats a new volume once, ' +
    "when FileSystem/Type is set (it is xfs; check the satellite's log)"]);
  assert.equal(r.host.changes().some((c) => c.startsWith('mount ')), true, 'only the earlier failed mount');
  assert.equal(r.host.changes().filter((c) => c.includes('blank')).length, 0);
});

test('Remove: deletes the volume (VolumeOps deletes its snapshots too); a missing volume is fine; foreign ones are refused', async (t) => {
  const r = await rig(t);
  await r.call('/VolumeDriver.Create', { Name: 'v1', Opts: { size: '64M' } });
  assert.deepEqual((await r.call('/VolumeDriver.Remove', { Name: 'v1' })).body, {});
  assert.deepEqual(r.ops.of('delete'), [['v1']]);
  assert.deepEqual((await r.call('/VolumeDriver.Get', { Name: 'v1' })).body, { Err: 'no such volume: v1' });
  assert.deepEqual((await r.call('/VolumeDriver.Remove', { Name: 'v1' })).body, {});
  r.ops.add({ name: 'pve-disk', size_kib: 1024, props: {}, replicas: [] });
  assert.match((await r.call('/VolumeDriver.Remove', { Name: 'pve-disk' })).body.Err, /was not created by the Docker volume plugin/);
  assert.deepEqual(r.ops.of('delete'), [['v1']]);
});

test('concurrent Mounts of one volume mount it once', async (t) => {
  const r = await rig(t);
  r.ops.add({ name: 'v1', size_kib: 65536, props: { ...MARK, 'FileSystem/Type': 'ext4' }, replicas: [{ node: 'node-a', diskless: false, device_path: '/dev/fake/v1' }] });
  r.host.device('/dev/fake/v1', 64 * 2 ** 20, 'ext4');
  const replies = await Promise.all(['a', 'b', 'c'].map((id) => r.call('/VolumeDriver.Mount', { Name: 'v1', ID: id })));
  assert.deepEqual(replies.map((x) => x.body.Mountpoint), Array(3).fill(join(r.root, 'v1', 'data')));
  assert.equal(r.host.changes().filter((c) => c.startsWith('mount ')).length, 1);
  assert.deepEqual(JSON.parse(readFileSync(join(r.stateDir, 'mounts.json'), 'utf8')).volumes.v1.callers, ['a', 'b', 'c']);
});

test('socket: a stale socket file is replaced; a live one refuses the start; stop removes it and is safe twice', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'storhub-dv-sock-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const cfg = (driver: string) => ({ driver, socket_dir: dir, mount_root: join(dir, 'm'), conf_file: '' });
  // A live socket of someone else:
  const other = createServer();
  await new Promise<void>((res) => other.listen(join(dir, 'busy.sock'), res));
  t.after(() => new Promise<void>((res) => other.close(() => res())));
  const p = createDockerVolumePlugin();
  await assert.rejects(p.start(context(join(dir, 's'), new FakeVolumeOps(), new FakeHost()), p.configSchema.parse(cfg('busy'))),
    { message: `another process already serves ${join(dir, 'busy.sock')}; choose another driver name (config "driver")` });
  await p.stop();

  // A stale one: its server was killed, the file stays.
  const child = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(join(dir, 'stale.sock'))}, () => console.log('up'))`],
    { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((res) => child.stdout!.once('data', () => res()));
  const exited = new Promise((res) => child.once('exit', res));
  child.kill('SIGKILL');
  await exited;
  assert.ok(existsSync(join(dir, 'stale.sock')));
  const q = createDockerVolumePlugin();
  await q.start(context(join(dir, 's2'), new FakeVolumeOps(), new FakeHost()), q.configSchema.parse(cfg('stale')));
  assert.deepEqual((await dockerCall(join(dir, 'stale.sock'), '/Plugin.Activate')).body, { Implements: ['VolumeDriver'] });
  await q.stop();
  assert.equal(existsSync(join(dir, 'stale.sock')), false);
  await q.stop();
});
