/**
 * A fake satellite for the controller-side sync tests: node:http on 127.0.0.1 (port from the kernel)
 * serving the three protocol endpoints with canned reports. It records every StateUpdate it gets,
 * checks delta bases like a real satellite (409 need_full_sync when they do not fit), can hold its
 * answers (to observe states in between), and can "crash" and come back on the same port.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { pino } from 'pino';
import type { Logger } from 'pino';
import { Controller } from '../src/controller/controller.js';
import { SatelliteManager } from '../src/controller/satellites/manager.js';
import type {
  Capabilities, DesiredResource, ObservedResource, SatelliteEvent, StateReport, StateUpdate,
} from '../src/satellite/protocol.js';
import { PROTOCOL_VERSION } from '../src/satellite/protocol.js';
import { SqliteStore } from '../src/store/sqlite.js';
import { makeApi, type TestApi } from './helpers.js';

export const ALL_CAPS: Capabilities = {
  providers: ['DISKLESS', 'LVM', 'LVM_THIN', 'ZFS', 'ZFS_THIN', 'FILE', 'FILE_THIN'],
  layers: ['DRBD', 'LUKS', 'STORAGE', 'NVME', 'WRITECACHE', 'CACHE', 'BCACHE'],
  unsupported_providers: {},
  unsupported_layers: {},
};

/** What this machine looks like: no DRBD module, no LVM tools. */
export const NO_DRBD_CAPS: Capabilities = {
  providers: ['DISKLESS', 'FILE', 'FILE_THIN'],
  layers: ['STORAGE'],
  unsupported_providers: { LVM: ['lvm2 tools not found (lvs)'] },
  unsupported_layers: { DRBD: ['kernel module drbd is not loaded'] },
};

export interface FakeOptions {
  nodeName: string;
  capabilities?: Capabilities;
  protocolVersion?: number;
  /** free/total KiB reported per pool name (others: 1000/2000). */
  capacity?: Record<string, [number, number]>;
}

export class FakeSatellite {
  readonly updates: StateUpdate[] = [];
  /** Resources the fake holds (upper-cased name -> name), as a real satellite would. */
  readonly held = new Map<string, string>();
  lastApplied: number | undefined;
  /** While set, PUT /state waits for it before answering. */
  gate: Promise<void> | undefined;
  /** Answer the next delta with 409 regardless. */
  forceNeedFull = false;
  /** Resource names whose removal "fails" (reported with an error, not removed). */
  readonly failRemoval = new Set<string>();
  /** Lets a test shape what is reported about each desired resource (snapshots, rollbacks, ...). */
  observe: ((desired: DesiredResource, observed: ObservedResource) => void) | undefined;
  infoRequests = 0;
  port = 0;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly streams = new Set<ServerResponse>();
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(readonly opts: FakeOptions) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Listens (on the same port again after a crash); a restarted satellite knows nothing. */
  async start(): Promise<void> {
    this.held.clear();
    this.lastApplied = undefined;
    const server = createServer((req, res) => void this.handle(req, res));
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
    this.heartbeat = setInterval(() => this.emit({ type: 'heartbeat', update_id: this.lastApplied ?? 0 }), 1000);
  }

  /** Like a crash: every connection is cut at once. */
  async crash(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    for (const s of this.sockets) s.destroy();
    this.streams.clear();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  get connectedStreams(): number {
    return this.streams.size;
  }

  emit(e: SatelliteEvent): void {
    for (const res of this.streams) res.write(JSON.stringify(e) + '\n');
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '';
    if (req.method === 'GET' && url === '/satellite/v1/info') {
      this.infoRequests++;
      return json(res, 200, {
        node_name: this.opts.nodeName,
        storhub_version: '0.0.0-fake',
        protocol_version: this.opts.protocolVersion ?? PROTOCOL_VERSION,
        capabilities: this.opts.capabilities ?? ALL_CAPS,
      });
    }
    if (req.method === 'GET' && url === '/satellite/v1/events') {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.write(JSON.stringify({ type: 'heartbeat', update_id: this.lastApplied ?? 0 }) + '\n');
      this.streams.add(res);
      res.on('close', () => this.streams.delete(res));
      return;
    }
    if (req.method === 'PUT' && url === '/satellite/v1/state') {
      let body = '';
      for await (const chunk of req) body += chunk;
      const update = JSON.parse(body) as StateUpdate;
      this.updates.push(update);
      if (this.gate) await this.gate;
      if (!update.full && (this.forceNeedFull || update.base_update_id !== this.lastApplied)) {
        this.forceNeedFull = false;
        return json(res, 409, { need_full_sync: true });
      }
      return json(res, 200, this.apply(update));
    }
    json(res, 404, { error: 'not found' });
  }

  private apply(update: StateUpdate): StateReport {
    const removed: string[] = [];
    const failed: StateReport['resources'] = [];
    const toRemove = update.full
      ? [...this.held.values()].filter((n) => !update.resources.some((r) => r.name.toUpperCase() === n.toUpperCase()))
      : update.removed_resources;
    for (const name of toRemove) {
      if (this.failRemoval.has(name)) {
        failed.push({ name, volumes: [], reports: [{ severity: 'error', message: `Removing ${name} failed: device busy` }] });
        continue;
      }
      if (this.held.delete(name.toUpperCase())) removed.push(name);
    }
    for (const r of update.resources) this.held.set(r.name.toUpperCase(), r.name);
    this.lastApplied = update.update_id;
    return {
      update_id: update.update_id,
      pools: update.pools.map((p) => {
        const [free, total] = this.opts.capacity?.[p.name] ?? [1000, 2000];
        return { name: p.name, free_capacity: free, total_capacity: total, reports: [] };
      }),
      resources: [
        ...update.resources.map((r) => {
          const observed: ObservedResource = {
            name: r.name,
            in_use: false,
            volumes: r.volumes.map((v) => ({
              volume_number: v.volume_number,
              device_path: `/dev/fake/${r.name}_${String(v.volume_number).padStart(5, '0')}`,
              allocated_size_kib: v.size_kib,
              usable_size_kib: v.size_kib,
              disk_state: 'UpToDate',
              layers: [],
            })),
            reports: [],
          };
          this.observe?.(r, observed);
          return observed;
        }),
        ...failed,
      ],
      removed_resources: removed,
      reports: [],
    };
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** Polls until `check` returns a truthy value (or throws after `ms`). */
export async function waitFor<T>(what: string, check: () => T | Promise<T>, ms = 5000): Promise<NonNullable<T>> {
  const until = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export interface Cluster {
  api: TestApi;
  manager: SatelliteManager;
  fakes: Map<string, FakeSatellite>;
  close(): Promise<void>;
}

export const quietLogger: Logger = pino({ level: 'silent' });

/**
 * A controller with a running SatelliteManager (fast backoff) and one fake satellite per node;
 * nodes are registered through the API with the fake's port. Pools: DfltStorPool (FILE_THIN).
 */
export async function makeCluster(nodes: Array<string | FakeOptions>, opts: { register?: boolean; concurrency?: number } = {}): Promise<Cluster> {
  const controller = new Controller({ store: new SqliteStore({ path: ':memory:' }), logger: quietLogger });
  const api = await makeApi(controller);
  const manager = new SatelliteManager(controller, {
    logger: quietLogger,
    backoff: { initialMs: 20, maxMs: 200 },
    timeouts: { connectMs: 1000, requestMs: 2000, stateMs: 5000, eventIdleMs: 3000 },
    concurrency: opts.concurrency,
  });
  manager.start();
  const fakes = new Map<string, FakeSatellite>();
  for (const n of nodes) {
    const o = typeof n === 'string' ? { nodeName: n } : n;
    const fake = new FakeSatellite(o);
    await fake.start();
    fakes.set(o.nodeName, fake);
    if (opts.register !== false) await registerNode(api, o.nodeName, fake.port);
  }
  return {
    api,
    manager,
    fakes,
    async close() {
      await manager.stop();
      for (const f of fakes.values()) await f.crash();
      await api.close();
    },
  };
}

export async function registerNode(api: TestApi, name: string, port: number, pools: Array<[string, string]> = [['DfltStorPool', 'FILE_THIN']]): Promise<void> {
  const res = await api.call('POST', '/v1/nodes', {
    name, type: 'satellite',
    net_interfaces: [{ name: 'default', address: '127.0.0.1', satellite_port: port, satellite_encryption_type: 'plain', is_active: true }],
  });
  if (res.status !== 201) throw new Error(`node create ${name}: ${res.raw}`);
  for (const [pool, kind] of pools) {
    const p = await api.call('POST', `/v1/nodes/${name}/storage-pools`, {
      storage_pool_name: pool, provider_kind: kind,
      props: { 'StorDriver/StorPoolName': kind.startsWith('LVM') ? 'vg0' : `/var/lib/storhub-test/${name}/${pool}` },
    });
    if (p.status !== 201) throw new Error(`pool create ${name}/${pool}: ${p.raw}`);
  }
}
