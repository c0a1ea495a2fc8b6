/**
 * Fault case of the satellite issue: a satellite killed while it creates a resource converges after it
 * restarts. A controller (node1, combined) and a real `storhubd --role satellite` (node2) from
 * startLocalCluster; FILE_THIN resources of 32 and 8 GiB with FileSystem/Type ext4 and MkfsParams `-c`
 * (mkfs reads the whole sparse device for bad blocks first: seconds, so the create is caught in flight,
 * and in A the orphan still runs when the satellite is back).
 * The satellite is SIGKILLed while its mkfs.ext4 runs, before the controller's view shows a device:
 *
 *  A. only the satellite dies; its mkfs lives on as an orphan (a satellite not run by systemd) and
 *     finishes. The restarted satellite must not format a second time: mkfs refuses the device while
 *     the orphan holds it (O_EXCL), the convergence retry tries again, and then finds the file system.
 *  B. the satellite and its mkfs die together (systemd kills the whole unit), leaving a device with no
 *     file system; the restarted satellite formats it.
 *
 * Either way: one device, formatted exactly once (ext4, clean, mountable, the same after a full
 * resync), one loop device per backing file, no temp files or format markers left. Needs root.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { request } from 'undici';
import { startLocalCluster, type LocalCluster } from '../core/dist/src/daemon/local-cluster.js';
import { parseJson, stringifyJson } from '../core/dist/src/model/json.js';
import { detachLoopsUnder, tempDir } from './daemon-process.js';

const run = (file: string, args: string[]) => spawnSync(file, args, { encoding: 'utf8', timeout: 120_000 });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const GIB = 1024 * 1024; // in KiB

async function api(c: LocalCluster, method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<any> {
  const res = await request(`${c.controllerUrl}${path}`, { method, body: body === undefined ? undefined : stringifyJson(body) });
  const text = await res.body.text();
  assert.ok(res.statusCode < 300, `${method} ${path}: HTTP ${res.statusCode} ${text}`);
  return text ? parseJson(text) : undefined;
}

async function until<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 90_000, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await sleep(everyMs);
  }
}

/** A port free on both node addresses (the cluster test uses 3366; tests may run in parallel). */
async function freePort(): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const port = await new Promise<number>((resolve, reject) => {
      const s = createServer().once('error', reject).listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const other = await new Promise<boolean>((resolve) => {
      const s = createServer().once('error', () => resolve(false)).listen(port, '127.0.0.2', () => s.close(() => resolve(true)));
    });
    if (other) return port;
  }
  throw new Error('no free port on 127.0.0.1 and 127.0.0.2');
}

interface Proc { pid: number; ppid: number; comm: string }

function processes(): Proc[] {
  const out: Proc[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${d}/stat`, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ESRCH') continue; // exited meanwhile
      throw err;
    }
    // pid (comm) state ppid ...; comm may contain spaces and parentheses, so split at the last ')'.
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const ppid = Number(stat.slice(close + 2).split(' ')[1]);
    out.push({ pid: Number(d), ppid, comm });
  }
  return out;
}

/** `root` and every process below it. */
function tree(root: number): number[] {
  const all = processes();
  const found = [root];
  for (let i = 0; i < found.length; i++) for (const p of all) if (p.ppid === found[i]) found.push(p.pid);
  return found;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}

test('a satellite killed during create converges after it restarts: one device, formatted exactly once, nothing left over', { timeout: 600_000 }, async (t) => {
  const tmp = await tempDir('storhub-crash-');
  const output: string[] = [];
  const cluster = await startLocalCluster({
    nodes: 2, dir: join(tmp.dir, 'cluster'), restPort: 0, satellitePort: await freePort(), logLevel: 'info',
    onOutput: (line) => output.push(line),
  });
  const mnt = join(tmp.dir, 'mnt');
  /** Processes our satellite started that outlived it (scenario A); ours to end if the test fails. */
  const orphans: number[] = [];
  t.after(async () => {
    await cluster.stop();
    for (const pid of orphans) if (alive(pid)) process.kill(pid, 'SIGKILL');
    if (existsSync(mnt) && readFileSync('/proc/mounts', 'utf8').includes(` ${mnt} `)) run('umount', [mnt]);
    await sleep(200); // killed orphans release their device
    detachLoopsUnder(tmp.dir);
    await tmp.remove();
  });
  const node2 = cluster.nodes.find((n) => n.name === 'node2')!;
  const poolDir = join(node2.dir, 'storage');
  const stateDir = join(node2.dir, 'satellite');
  const node2Logs = () => output.filter((l) => l.startsWith('node2: {')).map((l) => JSON.parse(l.slice('node2: '.length)) as { msg: string; volume?: string });

  const view = async (rd: string) => ((await api(cluster, 'GET', `/v1/view/resources?resources=${rd}`)) as any[]).find((r) => r.node_name === 'node2');

  async function crashDuringCreate(rd: string, sizeKib: number, killMkfsToo: boolean): Promise<void> {
    await api(cluster, 'POST', '/v1/resource-definitions', {
      resource_definition: { name: rd, layer_data: [{ type: 'STORAGE' }], props: { 'FileSystem/Type': 'ext4', 'FileSystem/MkfsParams': '-c' } },
    });
    await api(cluster, 'POST', `/v1/resource-definitions/${rd}/volume-definitions`, { volume_definition: { size_kib: sizeKib } });
    await api(cluster, 'POST', `/v1/resource-definitions/${rd}/resources`, [{ resource: { node_name: 'node2', props: { StorPoolName: 'DfltStorPool' } } }]);

    // The create is in flight: the satellite runs mkfs.ext4 on the new device.
    const satellitePid = node2.proc!.pid!;
    const mkfs = await until(`mkfs.ext4 under node2's satellite (${rd})`, () => processes().find((p) => p.ppid === satellitePid && p.comm === 'mkfs.ext4'), 60_000, 5);
    const before = await view(rd);
    assert.equal(before?.volumes?.[0]?.device_path, undefined, `${rd}: the view shows no device yet: ${JSON.stringify(before)}`);
    const below = tree(mkfs.pid);
    await cluster.stopNode('node2', 'SIGKILL');
    if (killMkfsToo) {
      for (const pid of below) if (alive(pid)) process.kill(pid, 'SIGKILL');
    } else {
      orphans.push(...below);
      assert.ok(alive(mkfs.pid), `${rd}: mkfs outlives the satellite`);
    }

    await cluster.startNode('node2');
    // Scenario A is only what it claims while the orphan still holds the device when the satellite is back.
    if (!killMkfsToo) assert.ok(alive(mkfs.pid), `${rd}: the orphaned mkfs still runs when the satellite is back (else make the volume larger)`);
    await cluster.waitForStatus('ONLINE', ['node2']);
    // Converged: a device in the view, no format marker left, and the orphan (if any) done.
    await until(`${rd} converged on node2`, async () => {
      const v = await view(rd);
      const dev = v?.volumes?.[0]?.device_path as string | undefined;
      if (!dev || v.volumes[0].state?.disk_state !== 'UpToDate') return undefined;
      if (existsSync(join(stateDir, 'fs-pending', `${rd}_00000`))) return undefined;
      if (below.some(alive)) return undefined;
      return dev;
    });
  }

  const sizes = new Map([['crash1', 32 * GIB], ['crash2', 8 * GIB]]);
  await crashDuringCreate('crash1', sizes.get('crash1')!, false);
  await crashDuringCreate('crash2', sizes.get('crash2')!, true);

  const logs = node2Logs();
  const losetup = JSON.parse(run('losetup', ['--list', '--json', '-O', 'NAME,BACK-FILE']).stdout || '{"loopdevices":[]}').loopdevices as Array<{ name: string; 'back-file': string | null }>;
  const uuids = new Map<string, string>();
  for (const [rd, orphaned] of [['crash1', true], ['crash2', false]] as const) {
    const volume = `${rd}_00000`;
    const backing = join(poolDir, `${volume}.img`);
    const device = (await view(rd)).volumes[0].device_path as string;
    assert.match(device, /^\/dev\/loop\d+$/);
    assert.ok(existsSync(device), `${device} exists`);
    assert.equal(run('blockdev', ['--getsize64', device]).stdout.trim(), String(sizes.get(rd)! * 1024), `${rd}: full size`);

    // One loop device for the backing file, the one the view shows.
    const loops = losetup.filter((d) => d['back-file'] === backing).map((d) => d.name);
    assert.deepEqual(loops, [device], `${rd}: exactly one loop device backs ${backing}`);

    // Formatted exactly once: one mkfs completed (by the satellite, or by the orphan it left), never a second.
    const formatted = logs.filter((l) => l.msg === 'formatted new volume' && l.volume === volume).length;
    const foundFs = logs.filter((l) => l.msg === 'new volume already carries a signature: not formatted' && l.volume === volume).length;
    if (orphaned) assert.deepEqual([formatted, foundFs], [0, 1], `${rd}: the orphan's file system is kept, not formatted over`);
    else assert.deepEqual([formatted, foundFs], [1, 0], `${rd}: formatted once after the restart`);
    assert.equal(run('blkid', ['-p', '-o', 'value', '-s', 'TYPE', device]).stdout.trim(), 'ext4');
    const fsck = run('e2fsck', ['-fn', device]);
    assert.equal(fsck.status, 0, `${rd}: e2fsck -fn is clean: ${fsck.stdout}${fsck.stderr}`);
    uuids.set(rd, run('blkid', ['-p', '-o', 'value', '-s', 'UUID', device]).stdout.trim());

    // Mountable and writable.
    mkdirSync(mnt, { recursive: true });
    const m = run('mount', [device, mnt]);
    assert.equal(m.status, 0, `mount ${device}: ${m.stderr}`);
    try {
      writeFileSync(join(mnt, 'after-crash.txt'), `${rd}\n`);
    } finally {
      const u = run('umount', [mnt]);
      assert.equal(u.status, 0, `umount ${mnt}: ${u.stderr}`);
    }
  }

  // The convergence retry is what got crash1 there: mkfs refused the device while the orphan held it.
  const retried = logs.filter((l) => l.msg === 'resource did not converge; trying again').map((l) => (l as { resource?: string }).resource);
  assert.ok(retried.includes('crash1'), `the satellite retried crash1 by itself: ${JSON.stringify(retried)}`);
  assert.ok(logs.some((l) => l.msg === 'resource converged on retry' && (l as { resource?: string }).resource === 'crash1'));

  // No temp files or markers: only the two volume files in the pool, nothing pending in the state directory.
  assert.deepEqual(readdirSync(poolDir).sort(), ['crash1_00000.img', 'crash2_00000.img']);
  assert.deepEqual(existsSync(join(stateDir, 'fs-pending')) ? readdirSync(join(stateDir, 'fs-pending')) : [], []);
  assert.deepEqual(readdirSync(stateDir).filter((f) => f.endsWith('.tmp')), []);

  // A full resync (reconnect) changes nothing: same devices, same file systems, the data is there.
  const devices = new Map([['crash1', (await view('crash1')).volumes[0].device_path], ['crash2', (await view('crash2')).volumes[0].device_path]]);
  const logged = node2Logs().length;
  await api(cluster, 'PUT', '/v1/nodes/node2/reconnect');
  await until('node2 resynced', async () => (node2Logs().slice(logged).some((l) => l.msg === 'update applied') ? true : undefined));
  await cluster.waitForStatus('ONLINE', ['node2']);
  for (const [rd, device] of devices) {
    assert.equal((await view(rd)).volumes[0].device_path, device);
    assert.equal(run('blkid', ['-p', '-o', 'value', '-s', 'UUID', device]).stdout.trim(), uuids.get(rd), `${rd}: not formatted again`);
    const m = run('mount', ['-o', 'ro', device, mnt]);
    assert.equal(m.status, 0, `mount ${device}: ${m.stderr}`);
    try {
      assert.equal(readFileSync(join(mnt, 'after-crash.txt'), 'utf8'), `${rd}\n`);
    } finally {
      assert.equal(run('umount', [mnt]).status, 0);
    }
  }

  // Deleting leaves no loop device and no file behind.
  for (const rd of ['crash1', 'crash2']) await api(cluster, 'DELETE', `/v1/resource-definitions/${rd}`);
  // The definitions go at once; the satellite removes the volumes right after (DELETING until it confirms).
  await until('the volumes removed on node2', () => (readdirSync(poolDir).length === 0 ? true : undefined));
  const left = JSON.parse(run('losetup', ['--list', '--json', '-O', 'NAME,BACK-FILE']).stdout || '{"loopdevices":[]}').loopdevices as Array<{ 'back-file': string | null }>;
  assert.deepEqual(left.filter((d) => d['back-file']?.startsWith(tmp.dir)), []);
});
