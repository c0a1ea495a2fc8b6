/** Autoplacer strategies, weights, selection and determinism on synthetic clusters. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { autoplace } from '../src/controller/autoplacer/autoplacer.js';
import { DEFAULT_WEIGHTS, weightsFrom } from '../src/controller/autoplacer/strategies.js';
import type { PlacementResult, Weights } from '../src/controller/autoplacer/types.js';
import { cluster, GiB, mixedCluster, names, node, pool, request } from './placement-fixtures.js';

const selected = (r: PlacementResult) => (r.ok ? names(r.selected) : assert.fail(`placement failed: ${JSON.stringify(r.excluded)}`));
const w = (over: Partial<Weights>): Weights => ({ ...DEFAULT_WEIGHTS, ...over });

/** Four nodes where each strategy prefers a different pair. */
function rivals() {
  return cluster([
    // most free space
    node('free1', { pools: [pool({ free: 90 * GiB, reserved: 400 * GiB, resources: 40, throughput: 10 })] }),
    node('free2', { pools: [pool({ free: 80 * GiB, reserved: 300 * GiB, resources: 30, throughput: 20 })] }),
    // least reserved, but many small resources
    node('res1', { pools: [pool({ free: 20 * GiB, reserved: 1 * GiB, resources: 50, throughput: 30 })] }),
    node('res2', { pools: [pool({ free: 21 * GiB, reserved: 2 * GiB, resources: 60, throughput: 40 })] }),
    // fewest resources
    node('cnt1', { pools: [pool({ free: 10 * GiB, reserved: 200 * GiB, resources: 1, throughput: 50 })] }),
    node('cnt2', { pools: [pool({ free: 11 * GiB, reserved: 210 * GiB, resources: 2, throughput: 60 })] }),
    // most throughput left
    node('tp1', { pools: [pool({ free: 5 * GiB, reserved: 100 * GiB, resources: 20, throughput: 900 })] }),
    node('tp2', { pools: [pool({ free: 6 * GiB, reserved: 110 * GiB, resources: 25, throughput: 800 })] }),
  ]);
}

test('each strategy alone picks its own favourites', () => {
  const c = rivals();
  assert.deepEqual(selected(autoplace(c, request({ count: 2 }))), ['free1', 'free2'], 'MaxFreeSpace is the default');
  assert.deepEqual(selected(autoplace(c, request({ count: 2, weights: w({ MaxFreeSpace: 0, MinReservedSpace: 1 }) }))), ['res1', 'res2']);
  assert.deepEqual(selected(autoplace(c, request({ count: 2, weights: w({ MaxFreeSpace: 0, MinRscCount: 1 }) }))), ['cnt1', 'cnt2']);
  assert.deepEqual(selected(autoplace(c, request({ count: 2, weights: w({ MaxFreeSpace: 0, MaxThroughput: 1 }) }))), ['tp1', 'tp2']);
});

test('weights combine normalised ratings: a heavier weight wins the trade-off', () => {
  const c = cluster([
    node('a', { pools: [pool({ free: 100 * GiB, resources: 10 })] }),
    node('b', { pools: [pool({ free: 60 * GiB, resources: 2 })] }),
    node('c', { pools: [pool({ free: 90 * GiB, resources: 9 })] }),
  ]);
  // Free space only: a (1.0) then c (0.9).
  assert.deepEqual(selected(autoplace(c, request({ count: 1 }))), ['a']);
  // MinRscCount 1: a = 1 - 1.0 = 0, b = 0.6 - 0.2 = 0.4, c = 0.9 - 0.9 = 0 -> b.
  assert.deepEqual(selected(autoplace(c, request({ count: 1, weights: w({ MinRscCount: 1 }) }))), ['b']);
  // MaxFreeSpace 10 outweighs it again: a = 10 - 1 = 9, c = 9 - 0.9 = 8.1, b = 6 - 0.2.
  assert.deepEqual(selected(autoplace(c, request({ count: 1, weights: w({ MaxFreeSpace: 10, MinRscCount: 1 }) }))), ['a']);
  // Scale does not matter: the same cluster in bytes instead of KiB chooses the same.
  const big = cluster(c.nodes.map((n) => node(n.name, { pools: n.pools.map((p) => ({ ...p, free: p.free! * 1024, total: p.total! * 1024 })) })));
  assert.deepEqual(selected(autoplace(big, request({ count: 1, weights: w({ MinRscCount: 1 }) }))), ['b']);
});

test('weights come from Autoplacer/Weights/* controller properties', () => {
  assert.deepEqual(weightsFrom({}), { MaxFreeSpace: 1, MinReservedSpace: 0, MinRscCount: 0, MaxThroughput: 0 });
  assert.deepEqual(weightsFrom({
    'Autoplacer/Weights/MaxFreeSpace': '0', 'Autoplacer/Weights/MinRscCount': '2.5', 'Autoplacer/Weights/MaxThroughput': 'x',
  }), { MaxFreeSpace: 0, MinReservedSpace: 0, MinRscCount: 2.5, MaxThroughput: 0 });
});

test('deterministic: ties are broken by node name, input order does not matter, repeated runs agree', () => {
  const equal = cluster(['delta', 'alpha', 'charlie', 'bravo', 'echo'].map((n) => node(n)));
  assert.deepEqual(selected(autoplace(equal, request({ count: 3 }))), ['alpha', 'bravo', 'charlie']);
  const c = mixedCluster(40);
  const shuffled = { nodes: [...c.nodes].reverse() };
  const req = () => request({ count: 3, allowMixing: true, filter: { replicas_on_different: ['Aux/site'] } });
  const first = selected(autoplace(c, req()));
  for (let i = 0; i < 5; i++) assert.deepEqual(selected(autoplace(c, req())), first);
  assert.deepEqual(selected(autoplace(shuffled, req())), first);
});

test('dozens of mixed nodes: rules combined, best total score chosen', () => {
  const c = mixedCluster(48);
  // One provider kind (no mixing), three sites: node-00 is LVM_THIN/a; LVM_THIN nodes are 0,4,8,...
  // and their sites rotate a,b,c, so the best three are node-00 (a), node-04 (b), node-08 (c).
  const r = autoplace(c, request({ count: 3, filter: { replicas_on_different: ['Aux/site'] } }));
  assert.deepEqual(selected(r), ['node-00', 'node-04', 'node-08']);
  assert.ok(r.ok && r.selected.every((s) => s.pool.provider === 'LVM_THIN'));
  // Same rack, different... providers rotate within a rack, so with one provider kind a rack of four
  // has one node per kind: two replicas in one rack need mixing.
  const rack = autoplace(c, request({ count: 2, filter: { replicas_on_same: ['Aux/rack'] } }));
  assert.equal(rack.ok, false);
  assert.match(rack.ok ? '' : rack.conflict ?? '', /replicas must share Aux\/rack and the provider kind, and the largest such set has 1 node/);
  const mixed = autoplace(c, request({ count: 2, allowMixing: true, filter: { replicas_on_same: ['Aux/rack'], provider_list: ['ZFS', 'LVM'] } }));
  assert.deepEqual(selected(mixed), ['node-01', 'node-03']);
});

test('count 0 selects nothing; more than the qualifying nodes fails with them listed', () => {
  const c = cluster([node('a'), node('b'), node('c', { connection: 'OFFLINE' })]);
  const none = autoplace(c, request({ count: 0 }));
  assert.ok(none.ok && none.selected.length === 0);
  const many = autoplace(c, request({ count: 3 }));
  assert.equal(many.ok, false);
  assert.deepEqual(many.ok ? [] : [...new Set(many.qualified.map((q) => q.node.name))], ['a', 'b']);
  assert.equal(many.ok ? '' : many.conflict, undefined, 'too few nodes is not a conflict');
});

test('an impossible replicas_on_different on a thousand nodes fails fast with the reason', () => {
  const nodes = Array.from({ length: 1000 }, (_, i) => node(`n${String(i).padStart(4, '0')}`, { props: { 'Aux/site': i % 2 ? 'x' : 'y' } }));
  const t0 = performance.now();
  const r = autoplace(cluster(nodes), request({ count: 3, filter: { replicas_on_different: ['Aux/site'] } }));
  const ms = performance.now() - t0;
  assert.equal(r.ok, false);
  assert.equal(r.ok ? '' : r.conflict, 'replicas_on_different Aux/site allows 1 replica(s) per value, which leaves room for 2');
  assert.ok(ms < 2000, `took ${ms.toFixed(0)} ms`);
});
