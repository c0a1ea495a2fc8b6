/**
 * The autoplacer with 1,000 nodes and 10,000 resources.
 *
 * Builds a controller graph directly (1,000 nodes in 10 sites, each with a thin and a thick pool of
 * varying free space; 5,000 resource definitions x 2 replicas), then times placing one resource with
 * place_count 3 and a few rules (storage_pool_list, replicas_on_different Aux/site, not_place_with_rsc)
 * against a raw twin measured in the same run: a plain loop over the same candidate pools that keeps
 * those with enough free space, sorts them by free space and takes the first three distinct nodes.
 * The ratio is what matters on a noisy machine. Reported:
 *   - the decision as a request makes it (cluster view from graph + runtime, then filter, score, select),
 *   - the autoplacer alone on a prebuilt cluster view,
 *   - the whole POST .../autoplace (decision, record building, durable commit), fresh definition each round.
 */
import { pino } from 'pino';
import { SqliteStore } from '../core/dist/src/store/sqlite.js';
import { Controller } from '../core/dist/src/controller/controller.js';
import { Change } from '../core/dist/src/controller/change.js';
import { key } from '../core/dist/src/controller/graph.js';
import { buildApi } from '../core/dist/src/api/server.js';
import { clusterFromController, weightsOf } from '../core/dist/src/controller/autoplacer/adapter.js';
import { autoplace } from '../core/dist/src/controller/autoplacer/autoplacer.js';
import type { ClusterInput, PlacementRequest } from '../core/dist/src/controller/autoplacer/types.js';
import type { NodeRuntime, RuntimeState, StoragePoolRuntime } from '../core/dist/src/controller/runtime.js';
import type { ProviderKind } from '../core/dist/src/model/enums.js';
import type { AutoSelectFilterRecord, ResourceDefinitionRecord, ResourceRecord } from '../core/dist/src/store/records.js';

const NODES = Number(process.env.BENCH_NODES ?? 1000);
const RDS = Number(process.env.BENCH_RDS ?? 5000);
const REPLICAS = 2;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 50);
const GiB = 1024 * 1024;

const nodeName = (i: number) => `node-${String(i).padStart(4, '0')}`;
const rdName = (i: number) => `pvc-${String(i).padStart(5, '0')}`;

/** Every node online; free space varies by node so that scores differ. */
class BenchRuntime implements RuntimeState {
  private readonly online: NodeRuntime = { connection_status: 'ONLINE' };
  node(): NodeRuntime {
    return this.online;
  }
  storagePool(node: string, pool: string): StoragePoolRuntime {
    const i = Number(node.slice(5));
    const free = (100 + ((i * 7919) % 900)) * GiB * (pool === 'thick' ? 1 : 2);
    return { free_capacity: free, total_capacity: 2000 * GiB };
  }
}

let seq = 0;
const uuid = () => `00000000-0000-4000-8000-${String(++seq).padStart(12, '0')}`;

function rdRecord(i: number, minor: number): ResourceDefinitionRecord {
  return {
    name: rdName(i), props: {}, flags: [], layer_stack: ['DRBD', 'STORAGE'], resource_group_name: 'DfltRscGrp',
    drbd: { peer_slots: 7, al_stripes: 1, al_stripe_size_kib: 32, transport_type: 'IP', secret: 'benchsecret' },
    volume_definitions: [{ volume_number: 0, size_kib: GiB, props: {}, flags: [], minor_number: minor, uuid: uuid() }],
    uuid: uuid(),
  };
}

function populate(c: Controller): void {
  const change = new Change();
  const kinds: Array<[ProviderKind, ProviderKind]> = [['LVM_THIN', 'LVM'], ['ZFS_THIN', 'ZFS'], ['FILE_THIN', 'FILE']];
  for (let n = 0; n < NODES; n++) {
    const name = nodeName(n);
    change.put('node', key.node(name), {
      name, type: 'SATELLITE', flags: [], props: { 'Aux/site': `site${n % 10}`, 'Aux/rack': `rack${Math.floor(n / 20)}` },
      net_interfaces: [{ name: 'default', address: `127.0.${n >> 8}.${(n & 255) + 1}`, satellite_port: 3366, satellite_encryption_type: 'PLAIN', uuid: uuid() }],
      uuid: uuid(),
    });
    const [thin, thick] = kinds[n % kinds.length];
    for (const [pool, kind] of [['thin', thin], ['thick', thick], ['DfltDisklessStorPool', 'DISKLESS']] as const) {
      change.put('sp', key.sp(name, pool), {
        node_name: name, name: pool, provider_kind: kind, props: { 'StorDriver/StorPoolName': `/var/lib/storhub/${pool}` }, external_locking: false, uuid: uuid(),
      });
    }
  }
  for (const spd of ['thin', 'thick']) change.put('spd', key.spd(spd), { name: spd, props: {}, uuid: uuid() });
  for (let r = 0; r < RDS; r++) {
    const rd = rdRecord(r, 1000 + r);
    change.put('rd', key.rd(rd.name), rd);
    for (let k = 0; k < REPLICAS; k++) {
      const node = nodeName((r + k * 37) % NODES);
      const rsc: ResourceRecord = {
        name: rd.name, node_name: node, props: { StorPoolName: 'thin' }, flags: [], layer_stack: ['DRBD', 'STORAGE'],
        drbd: { node_id: k, tcp_ports: [7000 + Math.floor(r / NODES) * REPLICAS + k], peer_slots: 7 },
        volumes: [{ volume_number: 0, storage_pool_name: 'thin', props: {}, flags: [], uuid: uuid() }],
        create_timestamp: 0, uuid: uuid(),
      };
      change.put('rsc', key.rsc(rd.name, node), rsc);
    }
  }
  c.commit(change);
}

const FILTER: AutoSelectFilterRecord = {
  place_count: 3, storage_pool_list: ['thin'], replicas_on_different: ['Aux/site'], not_place_with_rsc: ['pvc-00007', 'pvc-00042'],
};

function request(c: Controller, rd: string): PlacementRequest {
  return {
    resource: rd, filter: FILTER, count: 3, sizeKib: GiB, layers: ['DRBD', 'STORAGE'], existing: [], weights: weightsOf(c.graph),
  };
}

/** The raw twin: the same pools, only "enough free space", sort by free space, first three distinct nodes. */
function rawTwin(cluster: ClusterInput, sizeKib: number): string[] {
  const pools: Array<{ node: string; free: number }> = [];
  for (const n of cluster.nodes) {
    for (const p of n.pools) if (p.name === 'thin' && (p.free ?? 0) >= sizeKib) pools.push({ node: n.name, free: p.free! });
  }
  pools.sort((a, b) => b.free - a.free);
  const out: string[] = [];
  for (const p of pools) {
    if (!out.includes(p.node)) out.push(p.node);
    if (out.length === 3) break;
  }
  return out;
}

function time(rounds: number, fn: () => unknown): number[] {
  const ms: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    fn();
    ms.push(performance.now() - t0);
  }
  return ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (ms: number) => (ms < 1 ? `${(ms * 1000).toFixed(0)} µs` : `${ms.toFixed(2)} ms`);

async function main(): Promise<void> {
  const logger = pino({ level: 'silent' });
  const c = new Controller({ store: new SqliteStore({ path: ':memory:', synchronous: 'normal' }), logger, runtime: new BenchRuntime() });
  const t0 = performance.now();
  populate(c);
  const populateMs = performance.now() - t0;
  const resources = c.graph.resources.size;

  // Cold: the first decision builds the per-pool usage from every resource record.
  const cold = time(1, () => autoplace(clusterFromController(c), request(c, 'bench-new')))[0];
  const first = autoplace(clusterFromController(c), request(c, 'bench-new'));
  if (!first.ok) throw new Error(`bench placement failed: ${JSON.stringify(first.excluded.slice(0, 3))}`);
  time(5, () => autoplace(clusterFromController(c), request(c, 'bench-new')));
  const decision = time(ROUNDS, () => autoplace(clusterFromController(c), request(c, 'bench-new')));

  const view = clusterFromController(c);
  time(5, () => autoplace(view, request(c, 'bench-new')));
  const pure = time(ROUNDS, () => autoplace(view, request(c, 'bench-new')));

  time(5, () => rawTwin(view, GiB));
  const raw = time(ROUNDS, () => rawTwin(view, GiB));

  // Whole request: a fresh definition per round, POST .../autoplace through the API (commit included).
  const app = await buildApi({ controller: c, logger, ui: false });
  const fresh = 20;
  const change = new Change();
  for (let i = 0; i < fresh + 3; i++) {
    const rd = rdRecord(RDS + i, 1000 + RDS + i);
    rd.name = `bench-${i}`;
    change.put('rd', key.rd(rd.name), rd);
  }
  c.commit(change);
  const rest: number[] = [];
  for (let i = 0; i < fresh + 3; i++) {
    const t = performance.now();
    const res = await app.inject({ method: 'POST', url: `/v1/resource-definitions/bench-${i}/autoplace`, payload: JSON.stringify({ select_filter: FILTER }) });
    if (res.statusCode !== 201) throw new Error(`autoplace: ${res.statusCode} ${res.body}`);
    if (i >= 3) rest.push(performance.now() - t);
  }
  await app.close();

  const rawMed = median(raw);
  console.log(`autoplacer: ${NODES} nodes (${NODES * 3} pools), ${resources} resources; graph built in ${(populateMs / 1000).toFixed(1)} s`);
  console.log(`  placing 1 resource, place_count 3, storage_pool_list + replicas_on_different Aux/site + not_place_with_rsc -> ${first.selected.map((s) => s.node.name).join(', ')}`);
  console.log(`  decision (cluster view from graph + runtime, filter, score, select)  median ${fmt(median(decision))} over ${ROUNDS} rounds (cold: ${fmt(cold)})`);
  console.log(`  autoplacer alone on a prebuilt cluster view                          median ${fmt(median(pure))}`);
  console.log(`  raw twin (keep pools with room, sort by free space, take 3 nodes)    median ${fmt(rawMed)}`);
  console.log(`  ratio decision/raw = ${(median(decision) / rawMed).toFixed(1)}, autoplacer alone/raw = ${(median(pure) / rawMed).toFixed(1)}`);
  console.log(`  POST .../autoplace (decision, records, durable commit; usage rebuilt after each commit)  median ${fmt(median(rest))} over ${fresh} rounds`);
}

await main();
