/**
 * End to end with real peers: Debian's dockerd is the client, storhubd (controller + satellite, a
 * FILE_THIN pool on loop devices) runs the plugin from its [plugins] section, exactly as the README
 * sets it up. Docker's own CLI output is what is checked, including the errors a user sees.
 *
 * Needs root; installs docker.io (and busybox-static when there is no busybox) when missing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { StorhubClient, isNotFound } from '@storhub/core/client';
import { type Dockerd, type Storhubd, ensureTools, importBusybox, loopsBelow, run, startDockerd, startStorhubd, unmountBelow } from './real-peers.js';
import { dockerCall } from './fakes.js';

const IMAGE = 'local/bb:1';

/** Whether `path` is a mount point right now (from the kernel's table, not from the plugin). */
const isMounted = (path: string): boolean =>
  readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => l.split(' ')[4] === path);

test('docker volume create / ls / inspect / run (write, read back) / rm through the plugin in storhubd, with the real dockerd', { timeout: 900_000 }, async (t) => {
  await ensureTools();
  const dir = mkdtempSync('/tmp/storhub-dv-e2e-');
  const driver = `storhub-test-${randomBytes(4).toString('hex')}`;
  const sock = `/run/docker/plugins/${driver}.sock`;
  const mountRoot = join(dir, 'mounts');
  let storhubd: Storhubd | undefined;
  let dockerd: Dockerd | undefined;
  let client: StorhubClient | undefined;

  t.after(async () => {
    // Containers first (their volumes are unmounted through the plugin while it still runs).
    if (dockerd && dockerd.proc.exitCode === null) {
      const ids = (await dockerd.docker(['ps', '-aq'])).stdout.split('\n').filter(Boolean);
      if (ids.length) await dockerd.docker(['rm', '-f', ...ids]);
    }
    await dockerd?.stop();
    await storhubd?.stop();
    await client?.close();
    unmountBelow(dir); // e.g. the nsfs mount dockerd sometimes leaves under its exec root
    loopsBelow(dir, true);
    rmSync(sock, { force: true });
    rmSync(dir, { recursive: true, force: true });
  });

  // storhubd with the plugin; volume defaults from a docker-volume.conf of the test's own.
  const conf = join(dir, 'docker-volume.conf');
  writeFileSync(conf, '[global]\n; a STORAGE-only group: this machine has no DRBD\nresourcegroup = docker_rg\n');
  const toml = join(dir, 'storhub.toml');
  writeFileSync(toml, [
    '[logging]', 'level = "info"',
    '[satellite]', 'port = 0',
    '[plugins.docker-volume]', 'package = "@storhub/plugin-docker-volume"',
    '[plugins.docker-volume.config]', `driver = "${driver}"`, `mount_root = "${mountRoot}"`, `conf_file = "${conf}"`,
    '[plugins.docker-volume.config.defaults]', 'replicas = 1', '',
  ].join('\n'));
  storhubd = await startStorhubd(dir, toml);
  client = new StorhubClient({ controllers: storhubd.url });
  await client.resourceGroups.create({ name: 'docker_rg', select_filter: { place_count: 1, layer_stack: ['STORAGE'] } });
  await client.resourceGroups.createVolumeGroup('docker_rg', {});
  const node = (await client.nodes.list())[0].name;
  assert.ok(existsSync(sock), `the plugin socket ${sock} exists:\n${storhubd.output()}`);

  dockerd = await startDockerd(dir);
  const docker = dockerd.docker;
  await importBusybox(dockerd, dir, IMAGE);

  // create, ls, inspect
  const created = await docker(['volume', 'create', '-d', driver, '--opt', 'size=64M', 'v1']);
  assert.deepEqual(created, { code: 0, stdout: 'v1\n', stderr: '' }, storhubd.output());
  const ls = await docker(['volume', 'ls', '--format', '{{.Driver}} {{.Name}}']);
  assert.equal(ls.stdout, `${driver} v1\n`);
  const [inspect] = JSON.parse((await docker(['volume', 'inspect', 'v1'])).stdout);
  assert.equal(inspect.Driver, driver);
  assert.equal(inspect.Scope, 'global');
  assert.equal(inspect.Mountpoint, '');
  assert.deepEqual(inspect.Options, { size: '64M' });
  assert.deepEqual(inspect.Status, { size: '64 MiB', size_kib: 65536, fs: 'ext4', replicas: 1, nodes: node });
  assert.ok(Date.parse(inspect.CreatedAt) > Date.now() - 600_000, inspect.CreatedAt);
  const rd = await client.resourceDefinitions.get('v1');
  assert.equal(rd.resource_group_name, 'docker_rg');
  assert.equal(rd.props?.['Aux/is-linstor-docker-volume'], 'true');
  assert.equal(rd.props?.['FileSystem/Type'], 'ext4');
  assert.equal((await client.resourceDefinitions.getVolumeDefinition('v1', 0)).size_kib, 65536);

  // a container writes, another one reads it back
  const write = await docker(['run', '--rm', '--network', 'none', '-v', 'v1:/data', IMAGE, 'sh', '-c', 'echo x > /data/f']);
  assert.deepEqual(write, { code: 0, stdout: '', stderr: '' }, `${write.stderr}\n${storhubd.output()}`);
  const read = await docker(['run', '--rm', '--network', 'none', '-v', 'v1:/data:ro', IMAGE, 'cat', '/data/f']);
  assert.deepEqual(read, { code: 0, stdout: 'x\n', stderr: '' });
  assert.equal(isMounted(join(mountRoot, 'v1')), false, 'unmounted after the containers ended');
  assert.equal(existsSync(join(mountRoot, 'v1')), false, 'and its directory removed');

  // errors as the user sees them
  const badFs = await docker(['volume', 'create', '-d', driver, '--opt', 'fs=btrfs', 'v2']);
  assert.deepEqual(badFs, { code: 1, stdout: '', stderr: 'Error response from daemon: create v2: VolumeDriver.Create: invalid fs "btrfs": use ext4 or xfs\n' });
  const unknown = await docker(['volume', 'create', '-d', driver, '--opt', 'colour=red', 'v2']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /^Error response from daemon: create v2: VolumeDriver\.Create: unknown option "colour"; known options: size, fs, /);
  const tooLarge = await docker(['volume', 'create', '-d', driver, '--opt', 'size=100T', 'v3']);
  assert.equal(tooLarge.code, 1);
  assert.match(tooLarge.stderr, /^Error response from daemon: create v3: VolumeDriver\.Create: Creating volume 'v3' from resource group 'docker_rg': Not enough available nodes/);
  await assert.rejects(client.resourceDefinitions.get('v3'), isNotFound, 'nothing is left of the refused volume');
  assert.equal((await docker(['volume', 'ls', '-q'])).stdout, 'v1\n');

  // in use: Docker refuses by itself; the plugin refuses too when asked directly
  const bg = await docker(['run', '-d', '--network', 'none', '-v', 'v1:/data', IMAGE, 'sh', '-c', 'echo y > /data/g; sleep 600']);
  assert.equal(bg.code, 0, bg.stderr);
  const cid = bg.stdout.trim();
  const inUse = await docker(['volume', 'rm', 'v1']);
  assert.equal(inUse.code, 1);
  assert.match(inUse.stderr, /^Error response from daemon: remove v1: volume is in use - \[[0-9a-f]{64}\]\n$/);
  const direct = await dockerCall(sock, '/VolumeDriver.Remove', { Name: 'v1' });
  assert.deepEqual(direct.body, { Err: `volume "v1" is mounted on this node (${join(mountRoot, 'v1')}) by 1 container(s); stop them before removing it` });
  const [mounted] = JSON.parse((await docker(['volume', 'inspect', 'v1'])).stdout);
  assert.equal(mounted.Mountpoint, join(mountRoot, 'v1', 'data'));

  // storhubd restarts under the running container: the plugin still knows the mount (Docker does not re-activate)
  await storhubd.stop();
  assert.equal(existsSync(sock), false, 'the socket goes with the plugin');
  assert.equal(isMounted(join(mountRoot, 'v1')), true, 'the container keeps its volume');
  storhubd = await startStorhubd(dir, toml);
  await client.close();
  client = new StorhubClient({ controllers: storhubd.url });
  assert.match(storhubd.output(), /"volume":"v1".*"msg":"still mounted from before the restart"/);
  const rmC = await docker(['rm', '-f', cid]);
  assert.equal(rmC.code, 0, rmC.stderr);
  assert.equal(isMounted(join(mountRoot, 'v1')), false, 'the restarted plugin unmounted it');
  const state = JSON.parse(readFileSync(join(dir, 'var/satellite/plugins/docker-volume/mounts.json'), 'utf8'));
  assert.deepEqual(state.volumes, {});

  // grown in Storhub: the next container sees the larger file system, and the data
  await client.resourceDefinitions.resizeVolumeDefinition('v1', 0, 131072);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const [r] = await client.resources.view({ resources: ['v1'] });
    const dev = r?.volumes?.[0]?.device_path;
    if (dev && Number((await run('blockdev', ['--getsize64', dev])).stdout.trim()) >= 128 * 2 ** 20) break;
    assert.ok(Date.now() < deadline, 'the satellite grew the device');
    await new Promise((res) => setTimeout(res, 250));
  }
  const df = await docker(['run', '--rm', '--network', 'none', '-v', 'v1:/data', IMAGE, 'sh', '-c', 'cat /data/f /data/g; df -k /data']);
  assert.equal(df.code, 0, df.stderr);
  const [x, y, , dfLine] = df.stdout.split('\n');
  assert.deepEqual([x, y], ['x', 'y']);
  const blocks = Number(dfLine.trim().split(/\s+/)[1]);
  assert.ok(blocks > 100_000 && blocks <= 131072, `df after growing: ${dfLine}`);

  // rm: the Storhub resource and its loop device are gone
  assert.deepEqual(await docker(['volume', 'rm', 'v1']), { code: 0, stdout: 'v1\n', stderr: '' });
  await assert.rejects(client.resourceDefinitions.get('v1'), isNotFound);
  const gone = await docker(['volume', 'inspect', 'v1']);
  assert.equal(gone.code, 1);
  assert.match(gone.stderr, /no such volume/);
  assert.deepEqual(loopsBelow(dir, false), []);
  assert.equal(existsSync(join(mountRoot, 'v1')), false);
});
