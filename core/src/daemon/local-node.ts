/**
 * Role `combined`: the controller registers its own node and a FILE_THIN pool `DfltStorPool` under the
 * configured storage directory, so a fresh `npm start` is ready for `resource-group spawn`.
 *
 * The calls go through the REST API in-process (fastify inject) rather than the services: that is the
 * path every client takes, so the same validation applies and the code does not depend on service
 * internals. Both steps are skipped when the object already exists (restarts are no-ops).
 */
import { mkdirSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Controller } from '../controller/controller.js';
import { DEFAULT_STORAGE_POOL } from '../model/enums.js';
import { parseJson } from '../model/json.js';

export const SATELLITE_PORT = 3366;

export interface LocalNodeOptions {
  name: string;
  address: string;
  storageDir: string;
  /** The port the in-process satellite listens on (default 3366). */
  satellitePort?: number;
}

export async function ensureLocalNode(app: FastifyInstance, c: Controller, opts: LocalNodeOptions, log: Logger): Promise<void> {
  const existing = c.graph.node(opts.name);
  const satellitePort = opts.satellitePort ?? SATELLITE_PORT;
  if (!existing) {
    await call(app, 'POST', '/v1/nodes', {
      name: opts.name,
      type: 'COMBINED',
      net_interfaces: [{
        name: 'default', address: opts.address, satellite_port: satellitePort, satellite_encryption_type: 'PLAIN', is_active: true,
      }],
    });
    log.info({ node: opts.name, address: opts.address }, 'registered the local node');
  } else if (existing.type !== 'COMBINED') {
    log.warn({ node: existing.name, type: existing.type }, 'the local node is registered with another type; left as it is');
  } else {
    // The controller reaches its own satellite through this interface: follow a changed [satellite] port.
    const nif = existing.net_interfaces.find((n) => n.name === (existing.active_net_interface ?? 'default')) ?? existing.net_interfaces[0];
    if (nif && nif.satellite_port !== satellitePort) {
      await call(app, 'PUT', `/v1/nodes/${encodeURIComponent(existing.name)}/net-interfaces/${encodeURIComponent(nif.name)}`, { satellite_port: satellitePort });
      log.info({ node: existing.name, net_interface: nif.name, from: nif.satellite_port, to: satellitePort }, 'the local satellite port changed: net interface updated');
    }
  }

  if (!c.graph.storagePool(opts.name, DEFAULT_STORAGE_POOL)) {
    mkdirSync(opts.storageDir, { recursive: true });
    await call(app, 'POST', `/v1/nodes/${encodeURIComponent(opts.name)}/storage-pools`, {
      storage_pool_name: DEFAULT_STORAGE_POOL,
      provider_kind: 'FILE_THIN',
      props: { 'StorDriver/StorPoolName': opts.storageDir },
    });
    log.info({ node: opts.name, pool: DEFAULT_STORAGE_POOL, directory: opts.storageDir }, 'created the default FILE_THIN storage pool');
  } else {
    // The directory may have been removed while the daemon was down; the pool needs it.
    mkdirSync(c.graph.storagePool(opts.name, DEFAULT_STORAGE_POOL)!.props['StorDriver/StorPoolName'] ?? opts.storageDir, { recursive: true });
  }
}

async function call(app: FastifyInstance, method: 'POST' | 'PUT', url: string, body: unknown): Promise<void> {
  const res = await app.inject({ method, url, payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  if (res.statusCode >= 200 && res.statusCode < 300) return;
  let detail = res.body;
  try {
    const answers = parseJson(res.body) as Array<{ message?: string; correction?: string }>;
    if (Array.isArray(answers)) detail = answers.map((a) => [a.message, a.correction].filter(Boolean).join(' ')).join('; ');
  } catch (err) {
    detail = `${res.body} (${(err as Error).message})`;
  }
  throw new Error(`Could not set up the local node for role combined: ${method} ${url} answered ${res.statusCode}: ${detail}`);
}
