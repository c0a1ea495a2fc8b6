/**
 * attach / release with DRBD (which this machine lacks, so against the real controller and fake
 * satellites that report every device): a node without a replica gets a diskless one through
 * make-available and its DRBD device is returned once reported; a tie-breaker is turned into a wanted
 * diskless replica; release removes only plain diskless replicas (keep_tiebreaker), never a diskful
 * one; an attach whose device never shows up times out saying what was missing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { StorhubClient } from '../src/client/index.js';
import { createVolumeOps } from '../src/plugin/volume-ops-rest.js';
import { VolumeOpsError } from '../src/plugin/volume-ops.js';
import { makeCluster } from './satellite-sync-fake.js';

test('attach adds a diskless DRBD replica and returns its device; release removes only that; diskful replicas stay', async (t) => {
  const c = await makeCluster(['n1', 'n2', 'n3', 'n4']);
  await c.api.app.listen({ host: '127.0.0.1', port: 0 });
  const client = new StorhubClient({ controllers: `http://127.0.0.1:${(c.api.app.server.address() as AddressInfo).port}` });
  const ops = createVolumeOps(client, { timeoutMs: 20_000, pollMs: 20 });
  t.after(async () => {
    await client.close();
    await c.close();
  });

  await ops.ensureResourceGroup('drbd', { place_count: 2, layer_stack: ['DRBD', 'STORAGE'] });
  const vol = await ops.create({ name: 'dv', size_kib: 10240, resource_group: 'drbd' });
  const diskful = vol.replicas.filter((r) => !r.diskless).map((r) => r.node);
  assert.equal(diskful.length, 2);
  const minor = (await c.api.call('GET', '/v1/resource-definitions/dv/volume-definitions/0')).body.layer_data
    .find((l: { type: string }) => l.type === 'DRBD').data.minor_number;
  const flagsOn = async (node: string): Promise<string[] | undefined> => {
    const r = await c.api.call('GET', `/v1/resource-definitions/dv/resources/${node}`);
    return r.status === 404 ? undefined : (r.body.flags ?? []);
  };

  // A node without any replica (not a tie-breaker either).
  const others = ['n1', 'n2', 'n3', 'n4'].filter((n) => !diskful.includes(n));
  let target: string | undefined;
  for (const n of others) if ((await flagsOn(n)) === undefined) target = n;
  assert.ok(target, `a node without a replica among ${others.join(', ')}`);
  const dev = await ops.attach('dv', target);
  assert.equal(dev, `/dev/drbd${minor}`);
  assert.deepEqual(await flagsOn(target), ['DISKLESS', 'DRBD_DISKLESS']);
  assert.equal(await ops.attach('dv', target), dev, 'attaching again is a no-op');
  const info = await ops.get('dv');
  assert.deepEqual(info!.replicas.find((r) => r.node === target), { node: target, diskless: true, device_path: dev, in_use: false, state: 'UpToDate' });

  await ops.release('dv', target);
  const after = await flagsOn(target);
  assert.ok(after === undefined || after.includes('TIE_BREAKER'), `the diskless replica is gone (or became the tie-breaker): ${after}`);
  await ops.release('dv', target); // again: nothing to do

  // Diskful replicas are never released.
  await ops.release('dv', diskful[0]);
  assert.deepEqual(await flagsOn(diskful[0]), []);
  assert.equal(await ops.attach('dv', diskful[0]), dev);

  // Two diskful DRBD replicas: the controller keeps a tie-breaker; attach there makes it a wanted diskless replica.
  const tb = (await client.resources.view({ resources: ['dv'] })).find((r) => (r.flags ?? []).includes('TIE_BREAKER'));
  assert.ok(tb, 'a tie-breaker exists');
  assert.equal(await ops.attach('dv', tb.node_name), dev);
  assert.deepEqual(await flagsOn(tb.node_name), ['DISKLESS', 'DRBD_DISKLESS']);
  // Released with keep_tiebreaker: it stays as the tie-breaker or goes, never a plain diskless left behind.
  await ops.release('dv', tb.node_name);
  const tbAfter = await flagsOn(tb.node_name);
  assert.ok(tbAfter === undefined || tbAfter.includes('TIE_BREAKER'), `after release: ${tbAfter}`);

  await ops.delete('dv');
  assert.equal(await ops.get('dv'), undefined);
  assert.deepEqual((await client.resources.view({ resources: ['dv'] })), []);
});

test('attach times out naming what is missing when the satellite never reports the device', async (t) => {
  const c = await makeCluster(['n1', 'n2']);
  await c.api.app.listen({ host: '127.0.0.1', port: 0 });
  const client = new StorhubClient({ controllers: `http://127.0.0.1:${(c.api.app.server.address() as AddressInfo).port}` });
  const ops = createVolumeOps(client, { timeoutMs: 20_000, pollMs: 20 });
  t.after(async () => {
    await client.close();
    await c.close();
  });
  await ops.ensureResourceGroup('one', { place_count: 1, layer_stack: ['DRBD', 'STORAGE'] });
  const vol = await ops.create({ name: 'tv', size_kib: 4096, resource_group: 'one' });
  const other = vol.replicas[0].node === 'n1' ? 'n2' : 'n1';
  // The other node's satellite goes away: its replica is created but never reported.
  await c.fakes.get(other)!.crash();
  await assert.rejects(ops.attach('tv', other, { timeoutMs: 300 }), (err: unknown) => {
    assert.ok(err instanceof VolumeOpsError);
    assert.equal(err.kind, 'timeout');
    assert.equal(err.message, `Timed out after 300 ms waiting for volume 'tv' to be usable on node '${other}': the satellite on '${other}' has not reported the device yet.`);
    return true;
  });
});
