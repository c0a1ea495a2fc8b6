/**
 * GET /v1/view/resources with 10,000 resources in the graph.
 *
 * Populates a controller through its REST API (100 nodes, 5,000 resource definitions x 2 replicas),
 * then times the list over real HTTP on 127.0.0.1 against a raw twin measured in the same run:
 * JSON.stringify of an array of the same number of equally large plain objects, sent by a bare
 * node:http server. The ratio is what matters on a noisy machine. A spy on the store proves the list
 * never touches the database.
 */
import http from 'node:http';
import { once } from 'node:events';
import { request } from 'undici';
import { pino } from 'pino';
import { SqliteStore } from '../core/dist/src/store/sqlite.js';
import { Controller } from '../core/dist/src/controller/controller.js';
import { buildApi } from '../core/dist/src/api/server.js';
import type { Store } from '../core/dist/src/store/store.js';

const NODES = Number(process.env.BENCH_NODES ?? 100);
const RDS = Number(process.env.BENCH_RDS ?? 5000);
const REPLICAS = 2;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);

/** Counts every store call so the bench can show the list path never reaches the database. */
function spy(store: Store): { store: Store; calls: () => number } {
  let calls = 0;
  const wrapped = new Proxy(store, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        calls++;
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store: wrapped, calls: () => calls };
}

async function populate(app: Awaited<ReturnType<typeof buildApi>>): Promise<void> {
  const call = async (method: 'POST', url: string, body: unknown) => {
    const res = await app.inject({ method, url, payload: JSON.stringify(body) });
    if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
  };
  for (let n = 0; n < NODES; n++) {
    const name = `node-${String(n).padStart(3, '0')}`;
    await call('POST', '/v1/nodes', {
      name, type: 'satellite',
      net_interfaces: [{ name: 'default', address: `127.0.${n >> 8}.${(n & 255) + 1}`, satellite_port: 3366, satellite_encryption_type: 'plain' }],
    });
    await call('POST', `/v1/nodes/${name}/storage-pools`, {
      storage_pool_name: 'DfltStorPool', provider_kind: 'FILE_THIN', props: { 'StorDriver/StorPoolName': `/var/lib/storhub/${name}` },
    });
  }
  for (let r = 0; r < RDS; r++) {
    const rd = `pvc-${String(r).padStart(5, '0')}`;
    await call('POST', '/v1/resource-definitions', { resource_definition: { name: rd, layer_data: [{ type: 'STORAGE' }] } });
    await call('POST', `/v1/resource-definitions/${rd}/volume-definitions`, { volume_definition: { size_kib: 1048576 } });
    const nodes = Array.from({ length: REPLICAS }, (_, i) => `node-${String((r + i * 37) % NODES).padStart(3, '0')}`);
    await call('POST', `/v1/resource-definitions/${rd}/resources`, nodes.map((node_name) => ({ resource: { node_name } })));
  }
}

async function timeGet(url: string, rounds: number): Promise<{ ms: number[]; bytes: number; count: number }> {
  const ms: number[] = [];
  let bytes = 0;
  let count = 0;
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    const res = await request(url);
    const text = await res.body.text();
    ms.push(performance.now() - t0);
    bytes = text.length;
    if (i === 0) count = (JSON.parse(text) as unknown[]).length;
  }
  return { ms, bytes, count };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const logger = pino({ level: 'silent' });
  const { store, calls } = spy(new SqliteStore({ path: ':memory:', synchronous: 'normal' }));
  const controller = new Controller({ store, logger });
  const app = await buildApi({ controller, logger, ui: false });
  const t0 = performance.now();
  await populate(app);
  const populateMs = performance.now() - t0;
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as { port: number }).port;

  // The first list builds every view (cold); later ones reuse views of unchanged records.
  const before = calls();
  const cold = await timeGet(`http://127.0.0.1:${port}/v1/view/resources`, 1);
  await timeGet(`http://127.0.0.1:${port}/v1/view/resources`, 2);
  const ours = await timeGet(`http://127.0.0.1:${port}/v1/view/resources`, ROUNDS);
  const storeCallsDuringList = calls() - before;

  // Raw twin: the same number of objects of the same size, prebuilt, stringified per request.
  const sample = JSON.parse((await (await request(`http://127.0.0.1:${port}/v1/view/resources?limit=1`)).body.text()))[0];
  const rows = Array.from({ length: ours.count }, (_, i) => ({ ...sample, name: `pvc-${i}` }));
  const raw = http.createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(rows));
  });
  raw.listen(0, '127.0.0.1');
  await once(raw, 'listening');
  const rawPort = (raw.address() as { port: number }).port;
  await timeGet(`http://127.0.0.1:${rawPort}/`, 3);
  const twin = await timeGet(`http://127.0.0.1:${rawPort}/`, ROUNDS);

  const oursMed = median(ours.ms);
  const twinMed = median(twin.ms);
  console.log(`view-resources: ${ours.count} resources (${NODES} nodes, ${RDS} definitions x ${REPLICAS}); populated via REST in ${(populateMs / 1000).toFixed(1)} s`);
  console.log(`  GET /v1/view/resources   cold (first list, every view built) ${cold.ms[0].toFixed(1)} ms`);
  console.log(`  GET /v1/view/resources   median ${oursMed.toFixed(1)} ms over ${ROUNDS} rounds, ${(ours.bytes / 1e6).toFixed(1)} MB`);
  console.log(`  raw twin (JSON.stringify of ${ours.count} prebuilt rows over node:http)   median ${twinMed.toFixed(1)} ms`);
  console.log(`  ratio ours/raw = ${(oursMed / twinMed).toFixed(2)} (cold: ${(cold.ms[0] / twinMed).toFixed(2)})`);
  console.log(`  store calls during the ${ROUNDS + 3} lists: ${storeCallsDuringList} (must be 0: lists answer from memory)`);
  raw.close();
  await app.close();
  if (storeCallsDuringList !== 0) process.exitCode = 1;
}

await main();
