/** The "Not enough available nodes" error: which rule excluded which nodes, and what to do. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { autoplace } from '../src/controller/autoplacer/autoplacer.js';
import { notEnoughNodes, summarise } from '../src/controller/autoplacer/explain.js';
import { Code } from '../src/model/apicallrc.js';
import { cluster, GiB, node, pool, request } from './placement-fixtures.js';

function failure(c: ReturnType<typeof cluster>, req: ReturnType<typeof request>) {
  const r = autoplace(c, req);
  if (r.ok) assert.fail('expected the placement to fail');
  return notEnoughNodes(req, r);
}

test('the message names every excluded node under its reason; details have one line per node and the rules', () => {
  const c = cluster([
    node('alpha'),
    node('bravo', { connection: 'OFFLINE' }),
    node('charlie', { target: false }),
    node('delta', { pools: [pool({ provider: 'LVM', free: 100 * 1024, total: 10 * GiB })] }),
    node('echo', { pools: [pool({ name: 'other' })] }),
    node('foxtrot', { connection: 'OFFLINE' }),
  ]);
  const err = failure(c, request({ resource: 'vm-disk-1', count: 3, filter: { storage_pool_list: ['pool1'] } }));
  assert.equal(err.code, 'FAIL_NOT_ENOUGH_NODES');
  assert.equal(Code[err.code], 996);
  assert.equal(err.httpStatus, 500);
  assert.equal(err.message,
    "Not enough available nodes: resource 'vm-disk-1' needs 3 more diskful replica(s), but only 1 node(s) qualify (alpha)." +
    ' Excluded: offline: bravo, foxtrot; AutoplaceTarget=false: charlie; not enough free space: delta; no pool of storage_pool_list: echo.');
  assert.equal(err.info.details, [
    'Excluded nodes:',
    "  node 'bravo': offline (connection status OFFLINE)",
    "  node 'charlie': AutoplaceTarget=false",
    "  node 'delta': pool 'pool1': 100 MiB free, 1 GiB needed",
    "  node 'echo': pool 'other' is not in storage_pool_list [pool1]",
    "  node 'foxtrot': offline (connection status OFFLINE)",
    'Placement rules:',
    '  replicas to add: 3',
    '  size per replica: 1 GiB',
    '  layer stack: DRBD, STORAGE',
    '  storage_pool_list: pool1',
  ].join('\n'));
  assert.equal(err.info.correction,
    'Start or reconnect the satellites of the offline nodes; set AutoplaceTarget=true on the nodes that may hold replicas; ' +
    'add capacity, free space, or (thin pools) raise MaxOversubscriptionRatio; widen storage_pool_list or create the pools on more nodes; ' +
    'or ask for fewer replicas.');
  assert.deepEqual(err.info.objRefs, { RscDfn: 'vm-disk-1' });
});

test('a cluster-wide reason lists the first six nodes and counts the rest', () => {
  const c = cluster(Array.from({ length: 10 }, (_, i) => node(`n${i}`, { connection: 'OFFLINE' })));
  const err = failure(c, request({ count: 2 }));
  assert.match(err.message, /but no node qualifies\. Excluded: offline: n0, n1, n2, n3, n4, n5 and 4 more\.$/);
  assert.equal(summarise([]), '');
});

test('enough nodes but conflicting rules: the conflict is the reason', () => {
  const c = cluster(['a', 'b', 'c'].map((n, i) => node(n, { props: { 'Aux/site': i < 2 ? 'x' : 'y' } })));
  const err = failure(c, request({ count: 3, filter: { replicas_on_different: ['Aux/site'] } }));
  assert.equal(err.message,
    "Not enough available nodes: resource 'r1' needs 3 more diskful replica(s), and 3 node(s) qualify (a, b, c), " +
    'but replicas_on_different Aux/site allows 1 replica(s) per value, which leaves room for 2.');
  assert.equal(err.info.correction, 'Relax the replicas_on_same / replicas_on_different rules; or ask for fewer replicas.');
  assert.match(err.info.details ?? '', /replicas_on_different: Aux\/site/);
});

test('existing replicas appear in the rules; their nodes are listed as holding a replica', () => {
  const c = cluster([node('a'), node('b')]);
  const err = failure(c, request({ count: 2, existing: [{ node: 'a', diskless: false, provider: 'LVM_THIN' }] }));
  assert.match(err.message, /only 1 node\(s\) qualify \(b\)\. Excluded: already holds a replica: a\.$/);
  assert.match(err.info.details ?? '', /existing replicas: a$/m);
});
