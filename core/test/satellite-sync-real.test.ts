/**
 * The controller's connection against the REAL satellite of this release (satellite/wiring.ts, real
 * tools through the LocalRunner) served on 127.0.0.1: a FILE_THIN pool in a temp directory, a
 * resource with layer list `storage` becomes a real loop device whose path the resource view shows,
 * the capacity appears in the pool view (a pool with a missing directory gets a report), DRBD is refused with 988 (no DRBD module here), and deleting
 * the resource (DELETING until confirmed) leaves no file and no loop device behind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { codes } from './helpers.js';
import { addRd, ok } from './resource-fixtures.js';
import { waitFor } from './satellite-sync-fake.js';
import { startRealNode, loopsUnder } from './real-node.js';

const R = '/v1/resource-definitions';

/** Loop devices backed by files below `dir` (losetup prints "<dev>: ... (<file>)"). */

test('real satellite: FILE_THIN resource -> real loop device in the views; DRBD refused with 988; delete leaves nothing behind', async (t) => {
  const { root, poolDir, c } = await startRealNode(t, { prefix: 'storhub-sync-real-' });
  const node = (await c.api.call('GET', '/v1/nodes/real1')).body;
  assert.ok(node.storage_providers.includes('FILE_THIN'));
  assert.ok(!node.resource_layers.includes('DRBD'), 'no DRBD module on this machine');
  assert.ok(node.unsupported_layers.DRBD.length > 0);

  await waitFor('pool capacity', async () => {
    const sp = (await c.api.call('GET', '/v1/view/storage-pools?nodes=real1')).body.find((p: any) => p.storage_pool_name === 'DfltStorPool');
    return sp?.total_capacity > 0;
  }, 20_000);

  // A pool whose directory is missing is reported on the pool; the node stays ONLINE.
  await ok(c.api, 'POST', '/v1/nodes/real1/storage-pools', {
    storage_pool_name: 'broken', provider_kind: 'FILE_THIN', props: { 'StorDriver/StorPoolName': join(root, 'missing') },
  });
  const broken = await waitFor('the pool report', async () =>
    (await c.api.call('GET', '/v1/view/storage-pools?nodes=real1')).body.find((p: any) => p.storage_pool_name === 'broken' && p.reports), 20_000);
  assert.deepEqual(codes(broken.reports), [{ severity: 'error', code: 990 }]);
  assert.match(broken.reports[0].message, /missing/);
  assert.equal(broken.free_capacity, undefined);
  assert.equal((await c.api.call('GET', '/v1/nodes/real1')).body.connection_status, 'ONLINE');

  await addRd(c.api, 'web', { layers: ['DRBD', 'STORAGE'], sizes: [10240] });
  const refused = await c.api.call('POST', `${R}/web/resources/real1`, {});
  assert.deepEqual(codes(refused.body), [{ severity: 'error', code: 988 }]);
  assert.equal(refused.body[0].cause, `The satellite on 'real1' reported: ${node.unsupported_layers.DRBD.join('; ')}.`);

  await ok(c.api, 'POST', `${R}/web/resources/real1`, { layer_list: ['storage'] });
  const vol = await waitFor('device path', async () => {
    const v = (await c.api.call('GET', '/v1/view/resources?resources=web')).body[0]?.volumes?.[0];
    return v?.device_path ? v : undefined;
  }, 20_000);
  assert.match(vol.device_path, /^\/dev\/loop\d+$/);
  assert.ok(existsSync(vol.device_path));
  assert.deepEqual(loopsUnder(poolDir), [vol.device_path]);
  assert.equal(vol.state.disk_state, 'UpToDate');

  const del = await c.api.call('DELETE', `${R}/web/resources/real1`);
  assert.deepEqual(codes(del.body), [{ severity: 'success', code: 2 }]);
  await waitFor('record gone', async () => (await c.api.call('GET', `${R}/web/resources/real1`)).status === 404, 20_000);
  assert.deepEqual(loopsUnder(poolDir), []);
  assert.deepEqual(readdirSync(poolDir).filter((f) => f.startsWith('web_')), []);
});
