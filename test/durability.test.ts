/**
 * Crash durability of the real daemon: "nothing is acknowledged before it is durable".
 *
 * A burst of creates (resource definitions and key-value-store puts, first one by one, then 8 at a
 * time) runs against `storhubd --role controller`; in the middle of it the daemon gets SIGKILL. After a
 * restart on the same SQLite file, every answer that was 2xx must be there in full, nothing may be
 * half-written (each rd has all its props; each KVS put has both its keys or neither), nothing may
 * appear that was never sent, and the database must pass `PRAGMA integrity_check`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { parseJson, stringifyJson } from '../core/dist/src/model/json.js';
import { killIfRunning, startStorhubd, tempDir, type DaemonProcess } from './daemon-process.js';

const TOTAL = 300;
const SEQUENTIAL = 60;
const CONCURRENCY = 8;
const KILL_AFTER_ACKS = 150;
const KVS = 'durability';

interface Op {
  i: number;
  kind: 'rd' | 'kvs';
}

const rdName = (i: number) => `dur_${String(i).padStart(4, '0')}`;
const rdProps = (i: number) => ({ 'Aux/dur/seq': String(i), 'Aux/dur/pad': 'p'.repeat(200 + (i % 50)), 'Aux/dur/tag': `tag-${i}` });
const kvsProps = (i: number) => ({ [`op-${i}-a`]: `a${i}`, [`op-${i}-b`]: `b${i}` });

async function call(base: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(base + path, { method, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : parseJson(text) };
}

function send(base: string, op: Op) {
  return op.kind === 'rd'
    ? call(base, 'POST', '/v1/resource-definitions', { resource_definition: { name: rdName(op.i), props: rdProps(op.i) } })
    : call(base, 'PUT', `/v1/key-value-store/${KVS}`, { override_props: kvsProps(op.i) });
}

function integrityCheck(dbPath: string): string {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    return (db.pragma('integrity_check') as Array<{ integrity_check: string }>).map((r) => r.integrity_check).join('; ');
  } finally {
    db.close();
  }
}

test('acknowledged creates survive SIGKILL of the daemon; nothing is half-written', { timeout: 180_000 }, async (t) => {
  const tmp = await tempDir('storhub-durability-');
  const dbPath = join(tmp.dir, 'db', 'storhub.sqlite');
  const args = ['--role', 'controller', '--db', dbPath];
  let daemon: DaemonProcess | undefined;
  t.after(async () => {
    await killIfRunning(daemon);
    await tmp.remove();
  });

  daemon = await startStorhubd(args, tmp.dir);
  const version = await call(daemon.url, 'GET', '/v1/controller/version');
  assert.equal(version.status, 200, daemon.output());
  assert.equal(version.body.rest_api_version, '1.28.0');

  const ops: Op[] = Array.from({ length: TOTAL }, (_, i) => ({ i, kind: i % 3 === 2 ? 'kvs' : 'rd' }));
  const acked: Op[] = [];
  const failures: string[] = []; // non-2xx answers before the kill would be a bug, not a crash effect
  let inFlight = 0;
  let inFlightAtKill = -1;
  const victim = daemon;
  let killed = false;

  const run = async (op: Op): Promise<boolean> => {
    if (killed) return false;
    inFlight++;
    try {
      const res = await send(victim.url, op);
      if (res.status >= 200 && res.status < 300) {
        acked.push(op);
        if (acked.length === KILL_AFTER_ACKS) {
          inFlightAtKill = inFlight - 1;
          killed = true;
          victim.proc.kill('SIGKILL');
        }
      } else if (!killed) {
        failures.push(`${op.kind} ${op.i}: ${res.status} ${stringifyJson(res.body)}`);
      }
      return true;
    } catch (err) {
      // A connection cut by the kill: the outcome of this request is unknown, and that is allowed.
      if (!killed) throw err;
      return false;
    } finally {
      inFlight--;
    }
  };

  for (const op of ops.slice(0, SEQUENTIAL)) {
    await run(op);
    if (failures.length > 0) break;
  }
  assert.equal(acked.length, SEQUENTIAL, `sequential phase: ${failures.join('\n')}`);
  const queue = ops.slice(SEQUENTIAL);
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    for (let op = queue.shift(); op; op = queue.shift()) if (!(await run(op))) return;
  }));
  assert.deepEqual(failures, []);
  assert.ok(killed, 'the daemon was killed in the middle of the burst');
  assert.ok(acked.length >= KILL_AFTER_ACKS && acked.length < TOTAL, `acked ${acked.length}`);
  assert.ok(inFlightAtKill > 0, 'requests were in flight when the daemon died');
  assert.deepEqual(await victim.exited, { code: null, signal: 'SIGKILL' });

  // The file as the crash left it (WAL not yet checkpointed) must already be consistent.
  assert.equal(integrityCheck(dbPath), 'ok');

  daemon = await startStorhubd(args, tmp.dir);
  const base = daemon.url;

  const attempted = new Set(ops.filter((o) => o.kind === 'rd').map((o) => rdName(o.i)));
  const list = await call(base, 'GET', '/v1/resource-definitions');
  assert.equal(list.status, 200);
  const listed = new Map<string, any>(list.body.map((rd: any) => [rd.name, rd]));
  for (const op of acked.filter((o) => o.kind === 'rd')) {
    assert.ok(listed.has(rdName(op.i)), `acknowledged ${rdName(op.i)} is lost`);
  }
  for (const [name, rd] of listed) {
    assert.ok(attempted.has(name), `${name} was never sent`);
    const i = Number(rd.props?.['Aux/dur/seq']);
    assert.equal(name, rdName(i), `${name} has its seq property`);
    assert.deepEqual(
      Object.fromEntries(Object.entries(rd.props).filter(([k]) => k.startsWith('Aux/dur/'))),
      rdProps(i),
      `${name} has all its properties`,
    );
    assert.match(rd.uuid, /^[0-9a-f-]{36}$/);
    assert.equal(rd.resource_group_name, 'DfltRscGrp');
  }

  t.diagnostic(`acknowledged ${acked.length} of ${TOTAL}, ${inFlightAtKill} in flight at the kill, ` +
    `${listed.size} rds listed after the restart (${acked.filter((o) => o.kind === 'rd').length} acknowledged)`);

  const kvs = await call(base, 'GET', `/v1/key-value-store/${KVS}`);
  assert.equal(kvs.status, 200);
  const props: Record<string, string> = kvs.body[0]?.props ?? {};
  for (const op of acked.filter((o) => o.kind === 'kvs')) {
    assert.deepEqual({ [`op-${op.i}-a`]: props[`op-${op.i}-a`], [`op-${op.i}-b`]: props[`op-${op.i}-b`] }, kvsProps(op.i),
      `acknowledged KVS put ${op.i} is complete`);
  }
  for (const k of Object.keys(props)) {
    const m = /^op-(\d+)-([ab])$/.exec(k);
    assert.ok(m, `unexpected KVS key ${k}`);
    const i = Number(m[1]);
    assert.ok(ops[i].kind === 'kvs', `KVS key ${k} belongs to a KVS put`);
    assert.deepEqual({ a: props[`op-${i}-a`], b: props[`op-${i}-b`] }, { a: `a${i}`, b: `b${i}` }, `KVS put ${i} is all or nothing`);
  }

  // Still writable after recovery, and a clean stop exits 0 and leaves a consistent file.
  const after = await call(base, 'POST', '/v1/resource-definitions', { resource_definition: { name: 'after_crash' } });
  assert.equal(after.status, 201, stringifyJson(after.body));
  daemon.proc.kill('SIGTERM');
  assert.deepEqual(await daemon.exited, { code: 0, signal: null }, daemon.output());
  assert.equal(integrityCheck(dbPath), 'ok');
});
