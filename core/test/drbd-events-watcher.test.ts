/**
 * The DRBD events2 watcher. A fake `drbdsetup` (an executable script this test writes into a temp dir)
 * prints recorded events2 output (test/fixtures/commands/drbd/, see its README) and is run through the
 * real LocalRunner.spawnStream; the watcher must turn state changes of resources Storhub holds into
 * `resource` events (debounced, counters ignored), restart drbdsetup with backoff when it ends, and
 * stop it on stop(). The satellite starts the watcher only where the DRBD layer is supported.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { LocalRunner } from '../src/exec/local.js';
import { ScriptedStreamRunner } from '../src/exec/scripted-stream.js';
import type { LayerKind } from '../src/model/enums.js';
import { DrbdEventsWatcher, drbdEventsWatcher, withDrbdState } from '../src/satellite/layers/drbd/events-watcher.js';
import type { ObservedResource, SatelliteEvent } from '../src/satellite/protocol.js';
import type { WatcherHost } from '../src/satellite/watchers.js';
import { FIXTURES } from './drbd-fixtures.js';
import { PassLayer, detectAll, full, makeSatellite, pool, rsc, vol } from './satellite-fakes.js';

const fixtureLines = async (name: string) => (await readFile(join(FIXTURES, name), 'utf8')).split('\n').filter((l) => l.trim() !== '');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Plan {
  steps: Array<{ lines?: string[]; sleep?: number }>;
  /** Exit with this code at the end; absent: keep running until killed. */
  exit?: number;
  stderr?: string;
}

/** Writes an executable fake drbdsetup that plays plans[run] (the last plan for later runs) and logs its argv and pid. */
async function fakeDrbdsetup(plans: Plan[]): Promise<{ path: string; dir: string; calls(): Promise<Array<{ pid: number; argv: string[] }>>; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'storhub-fake-drbdsetup-'));
  await writeFile(join(dir, 'plans.json'), JSON.stringify(plans));
  const path = join(dir, 'drbdsetup');
  await writeFile(path, `#!${process.execPath}
const fs = require('fs');
const dir = ${JSON.stringify(dir)};
const log = dir + '/calls.log';
const runs = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\\n').filter(Boolean).length : 0;
fs.appendFileSync(log, JSON.stringify({ pid: process.pid, argv: process.argv.slice(2) }) + '\\n');
const plans = JSON.parse(fs.readFileSync(dir + '/plans.json', 'utf8'));
const plan = plans[Math.min(runs, plans.length - 1)];
(async () => {
  for (const step of plan.steps) {
    if (step.sleep) await new Promise((r) => setTimeout(r, step.sleep));
    if (step.lines) process.stdout.write(step.lines.map((l) => l + '\\n').join(''));
  }
  if (plan.stderr) process.stderr.write(plan.stderr);
  if (plan.exit !== undefined) process.exitCode = plan.exit;
  else setInterval(() => {}, 1 << 30);
})();
`);
  await chmod(path, 0o755);
  const calls = async () => {
    try {
      return (await readFile(join(dir, 'calls.log'), 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as { pid: number; argv: string[] });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
  };
  return { path, dir, calls, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A converged DRBD-on-STORAGE resource as the satellite would hold it. */
function converged(name: string): ObservedResource {
  return {
    name, in_use: false, reports: [],
    volumes: [{
      volume_number: 0, device_path: '/dev/drbd1000', usable_size_kib: 1024, allocated_size_kib: 12, disk_state: 'Inconsistent',
      layers: [
        { layer: 'DRBD', device_path: '/dev/drbd1000', backing_device: '/dev/loop7', usable_size_kib: 1024, disk_state: 'Inconsistent' },
        { layer: 'STORAGE', device_path: '/dev/loop7', allocated_size_kib: 12, usable_size_kib: 1096, disk_state: 'UpToDate' },
      ],
    }],
  };
}

function captureLog() {
  const records: Array<{ level: number; msg: string; reason?: string; restart_in_ms?: number }> = [];
  const stream = new Writable({ write(chunk, _enc, cb) { records.push(JSON.parse(String(chunk))); cb(); } });
  return { log: pino({ level: 'debug' }, stream), records };
}

function host(known: Record<string, ObservedResource>) {
  const published: ObservedResource[] = [];
  const { log, records } = captureLog();
  const h: WatcherHost = { log, observed: (name) => known[name], publishResource: (r) => published.push(r) };
  return { h, published, records };
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

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

test('a real stream (create, change, destroy) becomes one event per settled change, merged into the converged resource', async (t) => {
  const lines = await fixtureLines('events2-stream-create-change-destroy.txt');
  const created = lines.filter((l) => l.startsWith('create '));
  const changed = lines.filter((l) => l.startsWith('change '));
  const destroyed = lines.filter((l) => l.startsWith('destroy '));
  const fake = await fakeDrbdsetup([{ steps: [{ lines: created }, { sleep: 300 }, { lines: changed }, { sleep: 300 }, { lines: destroyed }] }]);
  t.after(fake.cleanup);
  const { h, published } = host({ test: converged('test') });
  const w = new DrbdEventsWatcher({ runner: new LocalRunner(), tools: { drbdadm: 'drbdadm', drbdsetup: fake.path, drbdmeta: 'drbdmeta' }, debounceMs: 50 }, h);
  w.start();
  t.after(() => w.stop());
  await until('three events', () => published.length >= 3);
  await sleep(100);

  const calls = await fake.calls();
  assert.deepEqual(calls.map((c) => c.argv), [['events2', '--timestamps', '--statistics', 'all']]);
  assert.equal(published.length, 3, JSON.stringify(published));
  const storage = converged('test').volumes[0].layers[1];
  assert.deepEqual(published[0], {
    name: 'test', in_use: false, reports: [],
    connections: { K14BoxThree: { connected: false, message: 'StandAlone' } },
    volumes: [{
      volume_number: 0, device_path: '/dev/drbd1000', usable_size_kib: 1024, allocated_size_kib: 12, disk_state: 'Diskless',
      replication_states: { K14BoxThree: { replication_state: 'Off' } },
      layers: [{ layer: 'DRBD', device_path: '/dev/drbd1000', backing_device: '/dev/loop7', usable_size_kib: 1024, disk_state: 'Diskless' }, storage],
    }],
  });
  assert.deepEqual(published[1].connections, { K14BoxThree: { connected: false, message: 'TearDown' } });
  assert.equal(published[1].volumes[0].disk_state, 'UpToDate');
  assert.equal(published[1].volumes[0].layers[0].disk_state, 'UpToDate');
  assert.deepEqual(published[1].volumes[0].replication_states, { K14BoxThree: { replication_state: 'Established' } });
  // Taken down: no DRBD state is claimed any more; devices and sizes stay as converged.
  assert.deepEqual(published[2].connections, {});
  assert.equal(published[2].in_use, false);
  assert.equal(published[2].volumes[0].disk_state, undefined);
  assert.equal(published[2].volumes[0].replication_states, undefined);
  assert.deepEqual(published[2].volumes[0].layers, [{ layer: 'DRBD', device_path: '/dev/drbd1000', backing_device: '/dev/loop7', usable_size_kib: 1024 }, storage]);

  await w.stop();
  assert.equal(alive(calls[0].pid), false, 'stop() ends drbdsetup');
});

test('drbdsetup ending is logged and it is restarted with backoff; an unchanged state after the restart sends nothing', async (t) => {
  const dump = await fixtureLines('events2-now-statistics-3node.txt');
  const fake = await fakeDrbdsetup([
    { steps: [{ lines: dump }], exit: 1, stderr: 'drbdsetup: netlink socket closed\n' },
    { steps: [{ lines: dump }], exit: 1, stderr: 'drbdsetup: netlink socket closed\n' },
    { steps: [{ lines: dump }] },
  ]);
  t.after(fake.cleanup);
  const { h, published, records } = host({ drbd1: converged('drbd1') });
  const w = new DrbdEventsWatcher({
    runner: new LocalRunner(), tools: { drbdadm: 'drbdadm', drbdsetup: fake.path, drbdmeta: 'drbdmeta' },
    debounceMs: 20, backoff: { initialMs: 100, maxMs: 1_000 },
  }, h);
  w.start();
  t.after(() => w.stop());
  await until('three runs', async () => (await fake.calls()).length === 3);
  await sleep(200);
  assert.equal(w.runs, 3);
  assert.equal(published.length, 1, 'the same state again is not a change');
  assert.deepEqual(published[0].connections, {
    'central-2004': { connected: true, message: 'Connected' },
    'poller-2004-1': { connected: true, message: 'Connected' },
  });
  assert.equal(published[0].in_use, false);
  assert.equal(published[0].volumes[0].disk_state, 'UpToDate');
  assert.deepEqual(published[0].volumes[0].replication_states, {
    'central-2004': { replication_state: 'Established' },
    'poller-2004-1': { replication_state: 'Established' },
  });
  const ended = records.filter((r) => r.msg.startsWith('drbdsetup events2 ended'));
  assert.deepEqual(ended.map((r) => [r.level, r.reason, r.restart_in_ms]), [
    [40, 'exit code 1: drbdsetup: netlink socket closed', 100],
    [20, 'exit code 1: drbdsetup: netlink socket closed', 200], // the same problem again: debug, and twice the wait
  ]);
});

test('resources Storhub does not hold, and resources gone while drbdsetup was not running', async (t) => {
  const dump = await fixtureLines('events2-now-statistics-3node.txt');
  const end = dump.filter((l) => l === 'exists -');
  assert.equal(end.length, 1);
  // Run 1: the timestamped dump of test0 (held) and drbd1 (not held). Run 2: an empty dump.
  const ts = await fixtureLines('events2-timestamps-syncsource.txt');
  const runner = new ScriptedStreamRunner([
    { argv: ['drbdsetup', 'events2', '--timestamps', '--statistics', 'all'], lines: [...ts, ...dump], exitCode: 0, times: 1 },
    { argv: ['drbdsetup', 'events2', '--timestamps', '--statistics', 'all'], lines: end },
  ]);
  const { h, published } = host({ test0: converged('test0') });
  const w = new DrbdEventsWatcher({ runner, debounceMs: 20, backoff: { initialMs: 30, maxMs: 30 } }, h);
  w.start();
  t.after(() => w.stop());
  await until('two events', () => published.length >= 2);
  await sleep(100);
  assert.deepEqual(published.map((p) => p.name), ['test0', 'test0']);
  assert.equal(published[0].in_use, true, 'Primary');
  assert.deepEqual(published[0].connections, { peer: { connected: true, message: 'Connected' } });
  assert.deepEqual(published[0].volumes[0].replication_states, { peer: { replication_state: 'SyncSource' } });
  assert.deepEqual(published[1].connections, {}, 'test0 is not in the new dump: it went down meanwhile');
  assert.equal(published[1].volumes[0].disk_state, undefined);
  assert.equal(runner.streamCalls.length, 2);
});

test('changes within the debounce window make one event with the settled state', async (t) => {
  const lines = (await fixtureLines('events2-stream-create-change-destroy.txt')).filter((l) => !l.startsWith('destroy '));
  const runner = new ScriptedStreamRunner([{ argv: /events2/, lines }]);
  const { h, published } = host({ test: converged('test') });
  const w = new DrbdEventsWatcher({ runner, debounceMs: 150 }, h);
  w.start();
  t.after(() => w.stop());
  await until('an event', () => published.length === 1);
  await sleep(250);
  assert.equal(published.length, 1);
  assert.equal(published[0].volumes[0].disk_state, 'UpToDate');
  assert.deepEqual(published[0].connections, { K14BoxThree: { connected: false, message: 'TearDown' } });
});

test('withDrbdState keeps reports, devices and sizes; replaces every DRBD-derived field', () => {
  const base = { ...converged('r'), reports: [{ severity: 'warn' as const, message: 'x' }], connections: { old: { connected: true, message: 'Connected' } } };
  const merged = withDrbdState(base, { in_use: true, connections: {}, volumes: new Map([[0, { disk_state: 'Outdated', replication_states: {} }]]) });
  assert.deepEqual(merged.reports, base.reports);
  assert.deepEqual(merged.connections, {});
  assert.equal(merged.in_use, true);
  assert.equal(merged.volumes[0].disk_state, 'Outdated');
  assert.equal(merged.volumes[0].replication_states, undefined);
  assert.equal(merged.volumes[0].device_path, '/dev/drbd1000');
  assert.equal(base.volumes[0].disk_state, 'Inconsistent', 'the base is not changed');
});

test('the satellite runs the watcher only where DRBD is supported, feeds it what it converged, and stops it on close', async (t) => {
  const P = pool('DfltStorPool', '/pools/a');
  const lines = (await fixtureLines('events2-stream-create-change-destroy.txt')).filter((l) => l.startsWith('create '));
  for (const supported of [false, true]) {
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    const runner = new ScriptedStreamRunner([{ argv: ['drbdsetup', 'events2', '--timestamps', '--statistics', 'all'], lines, gate }]);
    const layers: LayerKind[] = supported ? ['DRBD'] : [];
    const s = await makeSatellite({
      runner,
      layers: new Map<LayerKind, PassLayer>([['DRBD', new PassLayer('DRBD')]]),
      detectors: [detectAll(['FILE_THIN'], layers)],
      watchers: [drbdEventsWatcher({ runner, debounceMs: 20 })],
    });
    t.after(s.cleanup);
    const events: SatelliteEvent[] = [];
    s.sat.subscribe((e) => events.push(e));
    await s.sat.applyUpdate(full(1, [P], [rsc('test', [vol(0, 1024)], { layer_stack: ['DRBD', 'STORAGE'] }), rsc('plain', [vol(0, 8)])]));
    release();
    const live = () => events.filter((e) => e.type === 'resource' && e.resource.name === 'test');
    if (!supported) {
      await sleep(150);
      assert.deepEqual(runner.streamCalls, [], 'no DRBD layer: no drbdsetup');
      continue;
    }
    await until('the live event', () => live().length >= 2);
    await sleep(60);
    assert.equal(runner.streamCalls.length, 1);
    assert.equal(live().length, 2, 'the converge, then the live DRBD state');
    const last = (live()[1] as { resource: ObservedResource }).resource;
    assert.equal(last.volumes[0].device_path, '/dev/drbd/test_0', 'the device the layer made');
    assert.equal(last.volumes[0].disk_state, 'Diskless', 'the state DRBD reported');
    assert.deepEqual(last.connections, { K14BoxThree: { connected: false, message: 'StandAlone' } });
    await s.sat.close();
  }
});
