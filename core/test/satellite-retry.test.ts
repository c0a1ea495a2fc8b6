/**
 * Convergence retries (satellite/retry.ts): a resource that failed is tried again by the satellite
 * with exponential backoff, without a reconnect or a new update; a new desired state starts the
 * backoff over; success, removal and close end the retries; a missing layer is not retried.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { UpdateResult } from '../src/satellite/satellite.js';
import type { ObservedResource, SatelliteEvent, StateReport } from '../src/satellite/protocol.js';
import { RetrySchedule } from '../src/satellite/retry.js';
import { FakeProvider, delta, full, makeSatellite, pool, rsc, vol } from './satellite-fakes.js';

const P = pool('DfltStorPool', '/pools/a');
const FAST = { initialMs: 40, maxMs: 400 };

function applied(r: UpdateResult): StateReport {
  assert.equal(r.status, 'applied', JSON.stringify(r));
  return (r as { report: StateReport }).report;
}

const errors = (r: ObservedResource) => r.reports.filter((x) => x.severity === 'error').map((x) => x.message);

/** A provider whose createVolume fails for the first `failures` calls per volume; records when each call came. */
function flakyProvider(failures: number): FakeProvider & { attempts: number[] } {
  const p = Object.assign(new FakeProvider(), { attempts: [] as number[] });
  p.onCreate = async (name) => {
    p.attempts.push(Date.now());
    if (p.attempts.length <= failures) throw new Error(`losetup: ${name}: failed to set up loop device: Resource temporarily unavailable`);
  };
  return p;
}

/** Resource events, collected; `next(pred)` resolves with the first (past or future) event matching. */
function events(sat: { subscribe(l: (e: SatelliteEvent) => void): () => void }) {
  const seen: ObservedResource[] = [];
  const waiters: Array<{ pred: (r: ObservedResource) => boolean; resolve: (r: ObservedResource) => void }> = [];
  sat.subscribe((e) => {
    if (e.type !== 'resource') return;
    seen.push(e.resource);
    for (const w of [...waiters]) {
      if (w.pred(e.resource)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(e.resource);
      }
    }
  });
  return {
    seen,
    next(pred: (r: ObservedResource) => boolean, timeoutMs = 5_000): Promise<ObservedResource> {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching event within ${timeoutMs} ms; seen: ${JSON.stringify(seen)}`)), timeoutMs);
        waiters.push({ pred, resolve: (r) => { clearTimeout(timer); resolve(r); } });
      });
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a provider that fails twice then succeeds converges by itself: no reconnect, no new update', async (t) => {
  const provider = flakyProvider(2);
  const s = await makeSatellite({ provider, retry: FAST });
  t.after(s.cleanup);
  const ev = events(s.sat);
  const report = applied(await s.sat.applyUpdate(full(1, [P], [rsc('r1', [vol(0, 1024)])])));
  assert.deepEqual(errors(report.resources[0]), [
    "Creating resource 'r1' on node 'alpha' failed: losetup: r1_00000: failed to set up loop device: Resource temporarily unavailable",
  ]);
  assert.deepEqual(report.resources[0].volumes, []);

  const ok = await ev.next((r) => r.name === 'r1' && errors(r).length === 0);
  assert.equal(ok.volumes[0].device_path, '/dev/fake/r1_00000');
  assert.equal(ok.volumes[0].usable_size_kib, 1024);
  assert.deepEqual(s.provider.mutations, ['create r1_00000 1024']);
  assert.equal(provider.attempts.length, 3);
  // Exponential: the second retry waited about twice as long as the first.
  const [a, b, c] = provider.attempts;
  assert.ok(b - a >= FAST.initialMs - 5, `first retry after ${b - a} ms`);
  assert.ok(c - b >= 2 * FAST.initialMs - 5, `second retry after ${c - b} ms`);
  // The events in order: failure (update), failure (retry 1), success (retry 2).
  assert.deepEqual(ev.seen.map((r) => errors(r).length), [1, 1, 0]);
  assert.equal(s.sat.appliedUpdateId, 1, 'retries are not updates');

  // What succeeded is not tried again.
  await sleep(FAST.initialMs * 6);
  assert.equal(provider.attempts.length, 3);
  assert.equal(ev.seen.length, 3);
});

test('the backoff doubles up to its cap, and a new desired state for the resource starts it over', async (t) => {
  const provider = flakyProvider(Infinity);
  const s = await makeSatellite({ provider, retry: { initialMs: 30, maxMs: 240 } });
  t.after(s.cleanup);
  applied(await s.sat.applyUpdate(full(1, [P], [rsc('r1', [vol(0, 1024)])])));
  while (provider.attempts.length < 6) await sleep(10);
  const gaps = provider.attempts.slice(1).map((x, i) => x - provider.attempts[i]);
  // 30, 60, 120, 240, 240 (timers fire late, never early)
  for (const [i, min] of [30, 60, 120, 240, 240].entries()) assert.ok(gaps[i] >= min - 3, `gap ${i} was ${gaps[i]} ms: ${gaps}`);
  assert.ok(gaps[4] < 480, `capped: ${gaps}`);

  // A delta that names the resource (here: grown) is a new desired state: the next retry comes after 30 ms again.
  await sleep(40);
  const before = provider.attempts.length;
  applied(await s.sat.applyUpdate(delta(2, 1, [P], [rsc('r1', [vol(0, 2048)])])));
  const updateAttempt = provider.attempts[before];
  while (provider.attempts.length < before + 2) await sleep(5);
  const gap = provider.attempts[before + 1] - updateAttempt;
  assert.ok(gap >= 27 && gap < 180, `retry after the new state came ${gap} ms later (reset: ~30 ms, not 240)`);
});

test('a retry converges the current desired state, not the one that failed', async (t) => {
  const provider = flakyProvider(2);
  // Long enough that the delta below surely comes before the first retry.
  const s = await makeSatellite({ provider, retry: { initialMs: 300, maxMs: 300 } });
  t.after(s.cleanup);
  const ev = events(s.sat);
  applied(await s.sat.applyUpdate(full(1, [P], [rsc('r1', [vol(0, 1024)])])));
  // The delta fails too (second failure), then the retry creates what the delta asked for.
  const second = applied(await s.sat.applyUpdate(delta(2, 1, [P], [rsc('r1', [vol(0, 4096)])])));
  assert.equal(errors(second.resources[0]).length, 1);
  const ok = await ev.next((r) => errors(r).length === 0);
  assert.equal(ok.volumes[0].usable_size_kib, 4096);
  assert.deepEqual(s.provider.mutations, ['create r1_00000 4096']);
});

test('removing the resource, or flagging it DELETE, ends its retries', async (t) => {
  for (const how of ['removed', 'DELETE'] as const) {
    const provider = flakyProvider(Infinity);
    const s = await makeSatellite({ provider, retry: { initialMs: 30, maxMs: 30 } });
    t.after(s.cleanup);
    applied(await s.sat.applyUpdate(full(1, [P], [rsc('r1', [vol(0, 1024)]), rsc('r2', [vol(0, 1024)])])));
    await sleep(50);
    const r2 = rsc('r2', [vol(0, 1024)], how === 'DELETE' ? { flags: ['DELETE'] } : {});
    const report = applied(await s.sat.applyUpdate(how === 'removed' ? delta(2, 1, [P], [], ['r2']) : delta(2, 1, [P], [r2])));
    assert.deepEqual(report.removed_resources, ['r2'], how);
    const count = provider.attempts.length;
    await sleep(150);
    // r1 is still retried (it still fails); r2 never again.
    assert.ok(provider.attempts.length > count, `${how}: r1 goes on`);
    const names: string[] = [];
    provider.onCreate = async (name) => {
      names.push(name);
      throw new Error('still failing');
    };
    await sleep(100);
    assert.ok(names.length > 0 && names.every((n) => n === 'r1_00000'), `${how}: ${names}`);
  }
});

test('a layer the node does not support is not retried; close() cancels what is scheduled', async (t) => {
  const provider = flakyProvider(Infinity);
  const s = await makeSatellite({ provider, retry: { initialMs: 20, maxMs: 20 } });
  t.after(s.cleanup);
  const ev = events(s.sat);
  applied(await s.sat.applyUpdate(full(1, [P], [rsc('d1', [vol(0, 1024)], { layer_stack: ['DRBD', 'STORAGE'] }), rsc('r1', [vol(0, 1024)])])));
  while (provider.attempts.length < 4) await sleep(10); // r1 is retried
  assert.equal(ev.seen.filter((r) => r.name === 'd1').length, 1, 'd1: reported once, never retried');
  await s.sat.close();
  const count = provider.attempts.length;
  await sleep(80);
  assert.equal(provider.attempts.length, count, 'nothing runs after close');
});

test('RetrySchedule: delays, fresh starts, tokens, payload kept until success', async () => {
  const fired: string[] = [];
  const r = new RetrySchedule<string>({ initialMs: 2_000, maxMs: 60_000 }, (key) => fired.push(key));
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 7].map((a) => r.delay(a)), [2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000]);
  assert.equal(r.failed('A', true, 'first'), 2_000);
  assert.equal(r.failed('A', false, 'second'), 4_000);
  assert.equal(r.failed('A', false, 'third'), 8_000);
  assert.equal(r.payload('A'), 'first', 'the payload of the first failure stays');
  assert.equal(r.failed('A', true, 'fresh'), 2_000, 'a new desired state starts over');
  assert.equal(r.payload('A'), 'first');
  r.cancel('A');
  assert.equal(r.payload('A'), undefined);
  assert.deepEqual(r.pending(), []);
  r.failed('B', true, 'b');
  assert.deepEqual(r.pending(), ['B']);
  r.close();
  assert.deepEqual(r.pending(), []);
  assert.equal(r.failed('C', true, 'c'), 0, 'a closed schedule schedules nothing');
  assert.deepEqual(r.pending(), []);
  assert.deepEqual(fired, []);
});
