/**
 * The satellite's HTTP endpoints through a real server on 127.0.0.1 (port chosen by the kernel):
 * info, state (200 / 409 need_full_sync / 400), and the NDJSON event stream.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { startSatelliteServer, type RunningSatelliteServer } from '../src/satellite/server.js';
import { SatelliteEvent } from '../src/satellite/protocol.js';
import { PROTOCOL_VERSION } from '../src/satellite/protocol.js';
import { STORHUB_VERSION } from '../src/version.js';
import { delta, full, makeSatellite, pool, rsc, vol, type TestSatellite } from './satellite-fakes.js';

const P = pool('DfltStorPool', '/pools/a');

async function serve(t: { after(fn: () => Promise<void>): void }, heartbeatMs = 5_000): Promise<{ s: TestSatellite; srv: RunningSatelliteServer }> {
  const s = await makeSatellite();
  const srv = await startSatelliteServer({ satellite: s.sat, host: '127.0.0.1', port: 0, heartbeatMs });
  t.after(async () => {
    await srv.close();
    await s.cleanup();
  });
  return { s, srv };
}

async function call(url: string, method: 'GET' | 'PUT', body?: unknown, contentType = 'application/json') {
  const res = await request(url, { method, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body), headers: body === undefined ? {} : { 'content-type': contentType } });
  const text = await res.body.text();
  return { status: res.statusCode, body: JSON.parse(text), type: res.headers['content-type'] };
}

test('GET /satellite/v1/info answers who the node is and what it supports', async (t) => {
  const { srv } = await serve(t);
  assert.match(srv.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  const r = await call(`${srv.url}/satellite/v1/info`, 'GET');
  assert.equal(r.status, 200);
  assert.match(String(r.type), /^application\/json/);
  assert.equal(r.body.node_name, 'alpha');
  assert.equal(r.body.storhub_version, STORHUB_VERSION);
  assert.equal(r.body.protocol_version, PROTOCOL_VERSION);
  assert.deepEqual(r.body.capabilities.providers, ['DISKLESS', 'FILE_THIN']);
  assert.deepEqual(r.body.capabilities.layers, ['STORAGE']);
  assert.deepEqual(r.body.capabilities.unsupported_layers.DRBD, ['kernel module drbd is not loaded']);
});

test('PUT /satellite/v1/state: 200 with the report, 409 need_full_sync for a misfit delta, 400 for bad bodies', async (t) => {
  const { s, srv } = await serve(t);
  const url = `${srv.url}/satellite/v1/state`;

  const misfit = await call(url, 'PUT', delta(2, 1, [P], []));
  assert.deepEqual([misfit.status, misfit.body], [409, { need_full_sync: true, last_update_id: null }]);

  // No Content-Type at all is fine too.
  const ok = await call(url, 'PUT', JSON.stringify(full(1, [P], [rsc('r1', [vol(0, 1024)])])), 'text/plain');
  assert.equal(ok.status, 200);
  assert.equal(ok.body.update_id, 1);
  assert.deepEqual(ok.body.resources.map((r: any) => [r.name, r.volumes[0].device_path, r.volumes[0].disk_state]), [['r1', '/dev/fake/r1_00000', 'UpToDate']]);
  assert.deepEqual(ok.body.reports, []);
  assert.deepEqual(s.provider.names('/pools/a'), ['r1_00000']);

  const next = await call(url, 'PUT', delta(2, 1, [P], [], ['r1']));
  assert.deepEqual([next.status, next.body.removed_resources], [200, ['r1']]);
  const stale = await call(url, 'PUT', delta(3, 1, [P], []));
  assert.deepEqual([stale.status, stale.body], [409, { need_full_sync: true, last_update_id: 2 }]);

  const invalid = await call(url, 'PUT', { update_id: 'x', full: true });
  assert.equal(invalid.status, 400);
  assert.match(invalid.body.error, /^The body is not a valid StateUpdate: /);
  assert.match(invalid.body.error, /update_id/);
  const notJson = await call(url, 'PUT', '{nope', 'application/json');
  assert.equal(notJson.status, 400);
  assert.match(notJson.body.error, /not JSON/);
  const wrongNode = await call(url, 'PUT', { ...full(9, [P], []), node_name: 'bravo' });
  assert.deepEqual([wrongNode.status, wrongNode.body.wrong_node], [400, true]);
  assert.equal(s.sat.appliedUpdateId, 2);
});

test('GET /satellite/v1/events streams NDJSON: a heartbeat at once and periodically, and resource events', async (t) => {
  const { srv } = await serve(t, 150);
  const res = await request(`${srv.url}/satellite/v1/events`, { method: 'GET' });
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['content-type'], 'application/x-ndjson');
  const events: SatelliteEvent[] = [];
  let buf = '';
  const waiters: Array<() => void> = [];
  const reader = (async () => {
    for await (const chunk of res.body) {
      buf += chunk.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        events.push(SatelliteEvent.parse(JSON.parse(buf.slice(0, nl))));
        buf = buf.slice(nl + 1);
        waiters.splice(0).forEach((w) => w());
      }
    }
  })();
  const until = async (pred: () => boolean) => {
    const deadline = Date.now() + 10_000;
    while (!pred()) {
      assert.ok(Date.now() < deadline, `timed out; events so far: ${JSON.stringify(events)}`);
      await new Promise<void>((r) => { waiters.push(r); setTimeout(r, 200); });
    }
  };

  await until(() => events.length >= 1);
  assert.deepEqual(events[0], { type: 'heartbeat', update_id: 0 });
  const put = await call(`${srv.url}/satellite/v1/state`, 'PUT', full(4, [P], [rsc('r1', [vol(0, 1024)])]));
  assert.equal(put.status, 200);
  await until(() => events.some((e) => e.type === 'resource'));
  const ev = events.find((e) => e.type === 'resource')!;
  assert.equal(ev.type === 'resource' && ev.resource.volumes[0].device_path, '/dev/fake/r1_00000');
  // Heartbeats keep coming and carry the applied update id.
  await until(() => events.some((e) => e.type === 'heartbeat' && e.update_id === 4));

  // Closing the server ends an open stream instead of hanging.
  await srv.close();
  await reader;
});
