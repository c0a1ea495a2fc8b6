/**
 * toggle-disk with migrate_from (body field) and the deprecated migrate-disk paths: the target gets
 * its disk first, the source goes only when the target is UpToDate, so the diskful count never drops.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { settleMoves } from '../src/controller/services/replica-moves.js';
import { codes } from './helpers.js';
import { addRd, ok } from './resource-fixtures.js';
import { cluster, codeList, layout, TB } from './node-operations-fixtures.js';

const R = '/v1/resource-definitions';

test('migrate_from: target diskful first, source flagged until the target is UpToDate, then deleted', async () => {
  const { api, rt } = await cluster(4);
  await addRd(api, 'r1');
  await ok(api, 'POST', `${R}/r1/resources`, [
    { resource: { node_name: 'n1' } }, { resource: { node_name: 'n2' } }, { resource: { node_name: 'n4', flags: ['DRBD_DISKLESS'] } },
  ]);
  const res = await api.call('PUT', `${R}/r1/resources/n4/toggle-disk`, { migrate_from: 'n2' });
  assert.equal(res.status, 200);
  assert.deepEqual(codeList(res.body), ['success:3', 'success:3', 'info:10003']);
  assert.equal(res.body[0].message, "Resource 'r1' on node 'n4' toggled to diskful (storage pool 'DfltStorPool').");
  assert.equal(res.body[1].message, "Resource 'r1' on node 'n2' is deleted once its replacement on 'n4' is in sync.");
  // Counted without the leaving replica, n1 and n4 are two diskful: the tie-breaker goes to n3 meanwhile.
  assert.deepEqual(layout(api, 'r1'), { n1: [], n2: ['EVACUATE'], n3: TB, n4: [] });

  // Never fewer than two disks: nothing goes while n4 syncs.
  rt.diskState('r1', 'n4', 'Inconsistent');
  assert.deepEqual(settleMoves(api.controller), []);
  rt.diskState('r1', 'n4', 'UpToDate');
  assert.deepEqual(codes(settleMoves(api.controller)), [{ severity: 'success', code: 2 }]);
  assert.deepEqual(layout(api, 'r1'), { n1: [], n2: ['DELETE', 'EVACUATE'], n3: TB, n4: [] });
  await api.close();
});

test('the deprecated migrate-disk path; the source becomes the tie-breaker when no other node can be one', async () => {
  const { api, rt } = await cluster(3);
  await addRd(api, 'r1');
  await ok(api, 'POST', `${R}/r1/resources`, [
    { resource: { node_name: 'n1' } }, { resource: { node_name: 'n2' } }, { resource: { node_name: 'n3', flags: ['DRBD_DISKLESS'] } },
  ]);
  const res = await api.call('PUT', `${R}/r1/resources/n3/migrate-disk/n2/DfltStorPool`, {});
  assert.equal(res.status, 200);
  // No third node for a tie-breaker while n2 is still there (WARN 1013).
  assert.deepEqual(codeList(res.body), ['success:3', 'success:3', 'warn:1013']);
  rt.diskState('r1', 'n3', 'UpToDate');
  // n2's deletion: it is taken over as the tie-breaker instead (INFO 10006).
  assert.deepEqual(codeList(settleMoves(api.controller)), ['success:2', 'info:10006']);
  assert.deepEqual(layout(api, 'r1'), { n1: [], n2: TB, n3: [] });
  assert.equal(api.controller.graph.resource('r1', 'n2')!.props['Internal/Evacuate/ReplacedBy'], undefined);
  await api.close();
});

test('migrate_from refusals: unknown source, the target itself, a diskless source, no DRBD, another operation', async () => {
  const { api } = await cluster(3);
  await addRd(api, 'r1');
  await ok(api, 'POST', `${R}/r1/resources`, [{ resource: { node_name: 'n1' } }, { resource: { node_name: 'n2', flags: ['DRBD_DISKLESS'] } }]);
  const url = `${R}/r1/resources/n2/toggle-disk`;
  const unknown = await api.call('PUT', url, { migrate_from: 'n3' });
  assert.equal(unknown.status, 404);
  assert.deepEqual(codes(unknown.body), [{ severity: 'error', code: 302 }]);
  const self = await api.call('PUT', url, { migrate_from: 'N2' });
  assert.deepEqual(codes(self.body), [{ severity: 'error', code: 234 }]);
  const diskless = await api.call('PUT', `${R}/r1/resources/n1/toggle-disk`, { migrate_from: 'n2' });
  assert.deepEqual(codes(diskless.body), [{ severity: 'error', code: 234 }]);
  assert.match(diskless.body[0].message, /has no disk to migrate/);
  const wrongOp = await api.call('PUT', url, { migrate_from: 'n1', operation: 'into_drbd_diskless' });
  assert.deepEqual(codes(wrongOp.body), [{ severity: 'error', code: 234 }]);

  await addRd(api, 'plain', { layers: ['STORAGE'] });
  await ok(api, 'POST', `${R}/plain/resources`, [{ resource: { node_name: 'n1' } }]);
  const noDrbd = await api.call('PUT', `${R}/plain/resources/n2/toggle-disk`, { migrate_from: 'n1' });
  assert.deepEqual(codes(noDrbd.body), [{ severity: 'error', code: 225 }]);
  // Nothing changed by any refusal.
  assert.deepEqual(layout(api, 'r1'), { n1: [], n2: ['DISKLESS', 'DRBD_DISKLESS'] });
  await api.close();
});
