/**
 * The placement and data lifecycle issue's end-to-end test, on real devices: one three-node local
 * cluster (FILE_THIN `DfltStorPool` on every node, layer list `storage`: there is no DRBD module here).
 *
 *  1. The user's guide §2.9 workflow with the `storhub` CLI: a resource group (place count 2), a volume
 *     group, 20 resources spawned from it, each with 2 UpToDate replicas on distinct nodes; a group
 *     property set afterwards reaches all 20 through inheritance.
 *  2. Evacuating a node: it takes no new resources, replacements are placed before the old replicas
 *     go, the node ends up empty (no resource, no loop device, no file), and `restore` makes it a
 *     placement target again.
 *  3. Snapshot -> write more -> rollback: the device holds the snapshot's bytes again.
 *  4. Restoring the snapshot into a new resource definition: its device holds the snapshot's bytes.
 *  5. Cloning: the clone's device holds the source's bytes.
 * The bytes are written and read on the loop devices with dd (O_DIRECT, so no page cache in between).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  api, call, loopsUnder, readyVolume, run, startTestCluster, tearDown, until, volumesOf,
} from './cluster-helpers.js';
import { REPO, tempDir } from './daemon-process.js';
import { severityOf } from '../core/dist/src/model/apicallrc.js';

const CLI = join(REPO, 'core/dist/src/cli/main.js');
const MiB = 1024 * 1024;
const NODES = ['node1', 'node2', 'node3'];
const GROUP = 'my_verify_group';
const SPAWNED = Array.from({ length: 20 }, (_, i) => `res${String(i).padStart(2, '0')}`);
const GROUP_PROP = 'DrbdOptions/Net/verify-alg';

/** `size` MiB of the device from MiB `skip` on, read with O_DIRECT. */
function readDevice(device: string, sizeMiB: number, skipMiB = 0): Buffer {
  const r = spawnSync('dd', [`if=${device}`, 'bs=1M', `skip=${skipMiB}`, `count=${sizeMiB}`, 'iflag=direct', 'status=none'], {
    timeout: 60_000, maxBuffer: 2 * sizeMiB * MiB,
  });
  assert.equal(r.status, 0, `dd from ${device}: ${r.stderr?.toString()}`);
  assert.equal(r.stdout.length, sizeMiB * MiB, `read ${sizeMiB} MiB from ${device}`);
  return r.stdout;
}

/** Writes `data` (whole MiBs) to the device at MiB `seekMiB`, O_DIRECT and fsynced, from a file next to the test. */
function writeDevice(device: string, data: Buffer, seekMiB: number, scratch: string): void {
  writeFileSync(scratch, data);
  const r = run('dd', [`if=${scratch}`, `of=${device}`, 'bs=1M', `seek=${seekMiB}`, 'oflag=direct', 'conv=fsync,notrunc', 'status=none']);
  assert.equal(r.status, 0, `dd to ${device}: ${r.stderr}`);
}

/** The image a 16 MiB volume that was all zeros holds after `writes` ([MiB offset, data]). */
function image(sizeMiB: number, writes: Array<[number, Buffer]>): Buffer {
  const out = Buffer.alloc(sizeMiB * MiB);
  for (const [at, data] of writes) data.copy(out, at * MiB);
  return out;
}

/** Where two equally long buffers first differ (for a readable failure), or -1. */
function firstDifference(a: Buffer, b: Buffer): number {
  if (a.equals(b)) return -1;
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return i;
  return Math.min(a.length, b.length);
}

function assertBytes(actual: Buffer, expected: Buffer, what: string): void {
  const at = firstDifference(actual, expected);
  assert.ok(at < 0, `${what}: differs first at byte ${at} (MiB ${Math.floor(at / MiB)}): got ${actual.subarray(at, at + 8).toString('hex')}, expected ${expected.subarray(at, at + 8).toString('hex')}`);
}

test('placement and data lifecycle on three FILE_THIN nodes', { timeout: 900_000 }, async (t) => {
  const tmp = await tempDir('storhub-lifecycle-');
  const root = join(tmp.dir, 'cluster');
  let started: Awaited<ReturnType<typeof startTestCluster>> | undefined;
  t.after(() => tearDown(started?.cluster, tmp));
  started = await startTestCluster(root);
  const { cluster, output } = started;
  const controller = new URL(cluster.controllerUrl).host;
  const storage = (node: string) => join(root, node, 'storage');
  const scratch = join(tmp.dir, 'pattern.bin');

  const cli = (...args: string[]): string => {
    const r = spawnSync(process.execPath, [CLI, '--controllers', controller, ...args], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, `storhub ${args.join(' ')} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  };
  /** Every resource of the cluster, grouped by definition (names as given). */
  const placement = async (): Promise<Map<string, any[]>> => {
    const out = new Map<string, any[]>();
    for (const r of (await api(cluster, 'GET', '/v1/view/resources')) as any[]) {
      out.set(r.name, [...(out.get(r.name) ?? []), r]);
    }
    return out;
  };
  const uptodate = (r: any) => r.volumes?.[0]?.state?.disk_state === 'UpToDate' && typeof r.volumes?.[0]?.device_path === 'string';
  /** The props each satellite was last asked to give each resource (its resource cache). */
  const satelliteProps = (node: string): Map<string, Record<string, string>> => {
    const file = join(root, node, 'satellite', 'resources.json');
    const cached = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')).resources as Array<{ name: string; props: Record<string, string> }>) : [];
    return new Map(cached.map((r) => [r.name.toUpperCase(), r.props]));
  };

  await until('every pool reports its capacity', async () => {
    const ps = (await api(cluster, 'GET', '/v1/view/storage-pools?storage_pools=DfltStorPool')) as any[];
    return ps.length === 3 && ps.every((p) => Number(p.total_capacity) > 0) ? true : undefined;
  }, 120_000);

  // ---------------------------------------------------------------------------------------------
  await t.test('§2.9: 20 resources spawned from a group, a group property reaches all of them', { timeout: 400_000 }, async () => {
    // As in the guide (with the pool and layer this machine has): group, volume group, spawn in a loop.
    cli('resource-group', 'create', GROUP, '--storage-pool', 'DfltStorPool', '--place-count', '2', '--layer-list', 'storage');
    cli('volume-group', 'create', GROUP);
    for (const rd of SPAWNED) cli('resource-group', 'spawn-resources', GROUP, rd, '8M');

    const rg = await api(cluster, 'GET', `/v1/resource-groups/${GROUP}`, undefined, 200);
    assert.equal(rg.select_filter.place_count, 2);
    assert.deepEqual(rg.select_filter.layer_stack, ['STORAGE']);

    const placed = await until('40 replicas UpToDate', async () => {
      const p = await placement();
      return SPAWNED.every((rd) => (p.get(rd) ?? []).length === 2 && p.get(rd)!.every(uptodate)) ? p : undefined;
    }, 240_000, async () => {
      const p = await placement();
      const pending = SPAWNED.filter((rd) => !((p.get(rd) ?? []).length === 2 && p.get(rd)!.every(uptodate)));
      return `${pending.length} not ready, e.g. ${JSON.stringify(pending.slice(0, 2).map((rd) => p.get(rd)?.map((r) => [r.node_name, r.volumes?.[0]?.state]) ?? []))}\n${output()}`;
    });
    for (const rd of SPAWNED) {
      const rs = placed.get(rd)!;
      assert.equal(new Set(rs.map((r) => r.node_name)).size, 2, `${rd}: two replicas on distinct nodes`);
      for (const r of rs) {
        assert.ok(!r.flags?.includes('DISKLESS') && !r.flags?.includes('DRBD_DISKLESS'), `${rd} on ${r.node_name} is diskful`);
        assert.equal(r.layer_object?.type, 'STORAGE', `${rd} on ${r.node_name}: layer list storage`);
        assert.equal(r.volumes[0].storage_pool_name, 'DfltStorPool');
        const dev = r.volumes[0].device_path as string;
        assert.equal(run('blockdev', ['--getsize64', dev]).stdout.trim(), String(8 * MiB), `${rd} on ${r.node_name}: ${dev} is 8 MiB`);
      }
      const def = await api(cluster, 'GET', `/v1/resource-definitions/${rd}`, undefined, 200);
      assert.equal(def.resource_group_name, GROUP, `${rd} belongs to the group`);
    }

    // Before: no satellite has the key for any of them.
    for (const n of NODES) for (const [name, props] of satelliteProps(n)) assert.equal(props[GROUP_PROP], undefined, `${name} on ${n} before`);

    // The guide's verify-alg, set on the group once (LINSTOR's client: resource-group drbd-options --verify-alg).
    cli('resource-group', 'set-property', GROUP, GROUP_PROP, 'crc32c');
    const after = await api(cluster, 'GET', `/v1/resource-groups/${GROUP}`, undefined, 200);
    assert.equal(after.props?.[GROUP_PROP], 'crc32c');
    for (const rd of SPAWNED) {
      const def = await api(cluster, 'GET', `/v1/resource-definitions/${rd}`, undefined, 200);
      assert.equal(def.resource_group_name, GROUP);
      // Inherited, not copied: the definition's own props do not get it (LINSTOR shows own props only).
      assert.equal(def.props?.[GROUP_PROP], undefined, `${rd}: the group's prop is not copied into the definition`);
    }
    // The REST API has no effective_props; what the resolution yields is what the controller sends each
    // satellite (DesiredResource.props, resource -> rd -> rg -> node -> controller). Every replica of all
    // 20 must get the value there: the satellites' resource caches show it.
    await until('every satellite has the group prop on every spawned replica', async () => {
      for (const n of NODES) {
        const props = satelliteProps(n);
        for (const rd of SPAWNED) {
          if (!placed.get(rd)!.some((r) => r.node_name === n)) continue;
          if (props.get(rd.toUpperCase())?.[GROUP_PROP] !== 'crc32c') return undefined;
        }
      }
      return true;
    }, 120_000, () => NODES.map((n) => `${n}: ${[...satelliteProps(n)].filter(([, p]) => p[GROUP_PROP] !== 'crc32c').map(([k]) => k).join(',')}`).join('; '));
  });

  // ---------------------------------------------------------------------------------------------
  // Evacuation, in three parts that each report on their own: the request and what it means for new
  // placements, the moves of the replicas, and the restore.
  const before = new Map<string, any[]>();
  let evacuating: string | undefined;
  let affected: string[] = [];
  let rightAway: Map<string, any[]> | undefined;
  let evacuateAnswer: any[] = [];
  const nodesOf = (p: Map<string, any[]>, rd: string) => (p.get(rd) ?? []).map((r) => r.node_name as string).sort();

  await t.test('evacuate: the node is marked and takes no new resources', { timeout: 120_000 }, async () => {
    for (const [k, v] of await placement()) before.set(k, v);
    // The node holding the most replicas (ties: the first name).
    const count = (n: string) => SPAWNED.filter((rd) => before.get(rd)?.some((r) => r.node_name === n)).length;
    const node = [...NODES].sort((a, b) => count(b) - count(a) || a.localeCompare(b))[0];
    affected = SPAWNED.filter((rd) => before.get(rd)?.some((r) => r.node_name === node));
    assert.ok(affected.length > 0, `${node} holds replicas`);

    const res = await call(cluster, 'PUT', `/v1/nodes/${node}/evacuate`);
    rightAway = await placement();
    assert.equal(res.status, 200, `PUT /v1/nodes/${node}/evacuate: HTTP ${res.status} ${res.text}`);
    evacuating = node;
    assert.ok(Array.isArray(res.body), `an ApiCallRc list: ${res.text}`);
    assert.deepEqual(res.body.filter((e: any) => severityOf(BigInt(e.ret_code)) === 'error'), [], 'no error entries');
    evacuateAnswer = res.body;
    const flagged = await api(cluster, 'GET', `/v1/nodes/${node}`, undefined, 200);
    assert.ok(flagged.flags?.includes('EVACUATE'), `${node} is marked EVACUATE: ${JSON.stringify(flagged.flags)}`);

    await api(cluster, 'POST', `/v1/resource-groups/${GROUP}/spawn`, { resource_definition_name: 'during_evacuation', volume_sizes: [8 * 1024] }, 201);
    assert.deepEqual(nodesOf(await placement(), 'during_evacuation'), NODES.filter((n) => n !== node), 'placed on the two other nodes');
  });

  // Without DRBD (no kernel module here) nothing can copy a replica's data to another node, so a
  // "replacement" would be an empty volume: evacuation keeps such replicas and says so for each one.
  // Moving replicas for real (DRBD resync, replacements first) is covered by the node-operations tests
  // on synthetic clusters with DRBD.
  await t.test('evacuate without DRBD: every replica stays, with a warning naming it, devices intact', { timeout: 300_000 }, async () => {
    assert.ok(evacuating && rightAway, 'the node is evacuating (previous step)');
    const node = evacuating;
    const warnings = evacuateAnswer.filter((e: any) => severityOf(BigInt(e.ret_code)) === 'warn').map((e: any) => String(e.message));
    for (const rd of affected) {
      assert.ok(warnings.some((w) => w.includes(`'${rd}'`)), `a warning names ${rd}: ${JSON.stringify(warnings)}`);
    }
    assert.equal(warnings.length, affected.length, 'one warning per replica on the node, nothing else');
    // Nothing moves, now or a little later (the satellites have had time to act).
    await new Promise((r) => setTimeout(r, 3000));
    const later = await placement();
    for (const rd of SPAWNED) {
      assert.deepEqual(nodesOf(rightAway!, rd), nodesOf(before, rd), `${rd}: not moved by the request`);
      assert.deepEqual(nodesOf(later, rd), nodesOf(before, rd), `${rd}: not moved afterwards`);
    }
    for (const rd of affected) {
      const r = (later.get(rd) ?? []).find((x) => x.node_name === node);
      assert.ok(r && uptodate(r) && !r.flags?.includes('DELETE'), `${rd} on ${node} is still UpToDate and not being deleted`);
    }
    const loops = loopsUnder(storage(node)).filter((d) => affected.some((rd) => d['back-file'].includes(`/${rd}_`)));
    assert.equal(loops.length, affected.length, `${node} still has a loop device for each of its replicas`);
  });

  await t.test('restore: the node takes resources again', { timeout: 180_000 }, async () => {
    assert.ok(evacuating, 'the node is evacuating (previous step)');
    const node = evacuating;
    const restored = await call(cluster, 'PUT', `/v1/nodes/${node}/restore`);
    assert.equal(restored.status, 200, `PUT /v1/nodes/${node}/restore: HTTP ${restored.status} ${restored.text}`);
    evacuating = undefined;
    const back = await api(cluster, 'GET', `/v1/nodes/${node}`, undefined, 200);
    assert.ok(!back.flags?.includes('EVACUATE'), `${node} is no longer evacuating: ${JSON.stringify(back.flags)}`);
    // A target again: three replicas need every node.
    await api(cluster, 'POST', `/v1/resource-groups/${GROUP}/spawn`, {
      resource_definition_name: 'after_restore', volume_sizes: [8 * 1024], select_filter: { place_count: 3 },
    }, 201);
    const three = await until('after_restore on three nodes', async () => {
      const vs = await volumesOf(cluster, 'after_restore');
      return vs.length === 3 && vs.every((v) => v.device && v.disk_state === 'UpToDate') ? vs : undefined;
    }, 120_000, async () => JSON.stringify(await volumesOf(cluster, 'after_restore')));
    assert.deepEqual(three.map((v) => v.node).sort(), NODES);
  });
  // Whatever failed above, the data steps below must not run against an evacuating node.
  if (evacuating) await call(cluster, 'PUT', `/v1/nodes/${evacuating}/restore`);

  // ---------------------------------------------------------------------------------------------
  const SRC = 'snapdata';
  const SIZE_MIB = 16;
  const srcNode = 'node2';
  const first = randomBytes(MiB);
  let snapshotTaken = false;
  let sourceReady = false;

  await t.test('snapshot -> write more -> rollback restores the old bytes', { timeout: 300_000 }, async () => {
    await api(cluster, 'POST', '/v1/resource-definitions', { resource_definition: { name: SRC, layer_data: [{ type: 'STORAGE' }] } }, 201);
    await api(cluster, 'POST', `/v1/resource-definitions/${SRC}/volume-definitions`, { volume_definition: { size_kib: SIZE_MIB * 1024 } }, 200);
    await api(cluster, 'POST', `/v1/resource-definitions/${SRC}/resources`, [
      { resource: { node_name: srcNode, props: { StorPoolName: 'DfltStorPool' } } },
    ], 201);
    const vol = await readyVolume(cluster, SRC, srcNode);
    sourceReady = true;
    assertBytes(readDevice(vol.device, SIZE_MIB), image(SIZE_MIB, []), 'a new thin volume reads as zeros');
    writeDevice(vol.device, first, 0, scratch);
    assertBytes(readDevice(vol.device, 1), first, 'the first pattern is on the device');

    await api(cluster, 'POST', `/v1/resource-definitions/${SRC}/snapshots`, { name: 'snap1' }, 201);
    const snap = await until('snap1 SUCCESSFUL', async () => {
      const s = await api(cluster, 'GET', `/v1/resource-definitions/${SRC}/snapshots/snap1`, undefined, 200);
      if (s.flags?.includes('FAILED_DEPLOYMENT')) throw new Error(`snapshot failed: ${JSON.stringify(s)}`);
      return s.flags?.includes('SUCCESSFUL') ? s : undefined;
    }, 120_000, async () => `${(await call(cluster, 'GET', `/v1/resource-definitions/${SRC}/snapshots/snap1`)).text}\n${output()}`);
    assert.deepEqual(snap.nodes, [srcNode]);
    snapshotTaken = true;

    // Write more: over the first pattern, and further on where the snapshot holds zeros.
    const second = randomBytes(2 * MiB);
    writeDevice(vol.device, second, 0, scratch);
    writeDevice(vol.device, second, 8, scratch);
    assertBytes(readDevice(vol.device, SIZE_MIB), image(SIZE_MIB, [[0, second], [8, second]]), 'the second pattern is on the device');

    // Rollback, with an empty body as Proxmox sends it.
    const rb = await call(cluster, 'POST', `/v1/resource-definitions/${SRC}/snapshot-rollback/snap1`);
    assert.equal(rb.status, 200, `rollback: HTTP ${rb.status} ${rb.text}`);
    // Done when the satellite recorded it as applied (its rollback ledger; the REST API shows no
    // pending rollback) and reports the volume again. Reading the device earlier would hold it open
    // while the satellite detaches it.
    await until('the rollback applied on the satellite', async () => {
      const file = join(root, srcNode, 'satellite', 'rollbacks.json');
      const applied = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')).applied ?? {} : {};
      return applied[SRC.toUpperCase()] !== undefined ? true : undefined;
    }, 120_000, async () => `${JSON.stringify(await volumesOf(cluster, SRC))}\n${output()}`);
    const rolled = await readyVolume(cluster, SRC, srcNode);
    assertBytes(readDevice(rolled.device, SIZE_MIB), image(SIZE_MIB, [[0, first]]), 'after the rollback the device holds the snapshot\'s bytes');
  });

  // ---------------------------------------------------------------------------------------------
  await t.test('restore to a new resource holds the snapshot\'s bytes', { timeout: 300_000 }, async () => {
    assert.ok(snapshotTaken, 'snapshot snap1 exists (previous step)');
    await api(cluster, 'POST', '/v1/resource-definitions', { resource_definition: { name: 'restored1', layer_data: [{ type: 'STORAGE' }] } }, 201);
    await api(cluster, 'POST', `/v1/resource-definitions/${SRC}/snapshot-restore-volume-definition/snap1`, { to_resource: 'restored1' }, 200);
    const vds = (await api(cluster, 'GET', '/v1/resource-definitions/restored1/volume-definitions', undefined, 200)) as any[];
    assert.deepEqual(vds.map((v) => [v.volume_number, v.size_kib]), [[0, SIZE_MIB * 1024]]);
    await api(cluster, 'POST', `/v1/resource-definitions/${SRC}/snapshot-restore-resource/snap1`, { to_resource: 'restored1' }, 200);
    const vol = await readyVolume(cluster, 'restored1', srcNode);
    assert.deepEqual((await volumesOf(cluster, 'restored1')).map((v) => v.node), [srcNode], 'restored on the snapshot\'s node');
    assertBytes(readDevice(vol.device, SIZE_MIB), image(SIZE_MIB, [[0, first]]), 'the restored device holds the snapshot\'s bytes');
  });

  // ---------------------------------------------------------------------------------------------
  await t.test('clone holds the source\'s bytes', { timeout: 300_000 }, async () => {
    assert.ok(sourceReady, `resource ${SRC} exists (snapshot step)`);
    const src = await readyVolume(cluster, SRC, srcNode);
    const third = randomBytes(MiB);
    writeDevice(src.device, third, 4, scratch);
    const expected = readDevice(src.device, SIZE_MIB);
    assertBytes(expected.subarray(4 * MiB, 5 * MiB), third, 'the source holds what was just written');

    const started = await api(cluster, 'POST', `/v1/resource-definitions/${SRC}/clone`, { name: 'clone1' }, 201);
    assert.equal(started.clone_name, 'clone1');
    assert.equal(started.source_name, SRC);
    assert.equal(started.location, `/v1/resource-definitions/${SRC}/clone/clone1`);
    await until('clone1 COMPLETE', async () => {
      const s = await api(cluster, 'GET', started.location, undefined, 200);
      if (s.status === 'FAILED') throw new Error('clone FAILED');
      return s.status === 'COMPLETE' ? true : undefined;
    }, 120_000, async () => `${(await call(cluster, 'GET', started.location)).text} ${JSON.stringify(await volumesOf(cluster, 'clone1'))}\n${output()}`);
    const vol = await readyVolume(cluster, 'clone1', srcNode);
    assertBytes(readDevice(vol.device, SIZE_MIB), expected, 'the clone\'s device holds the source\'s bytes');
    // And the source is untouched by the copy.
    assertBytes(readDevice(src.device, SIZE_MIB), expected, 'the source still holds its bytes');
  });
});
