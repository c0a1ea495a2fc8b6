/**
 * nomad-csi: a CSI v1 plugin (Nomad `monolith`: controller and node in one) that serves Storhub
 * volumes, with linstor-csi's names, parameters, topology keys and error codes (README.md).
 *
 * The adapter starts a gRPC server on a unix socket (config.ts); Identity is always served, Controller
 * and Node as `mode` says. Everything it does to the cluster goes through ctx.volumes (VolumeOps) and
 * ctx.client; everything on this machine through ctx.runner.
 */
import type { Adapter, PluginContext, PluginStatus } from '@storhub/core/plugin';
import { join } from 'node:path';
import { type Config, configSchema } from './config.js';
import { controllerHandlers } from './controller.js';
import { nodeHandlers } from './node.js';
import type { Handlers } from './proto.js';
import { CsiServer, Locks, type ServiceHandlers } from './server.js';
import { type Csi, VERSION } from './shared.js';

export { configSchema, type Config } from './config.js';
export { LOADER_OPTIONS, PROTO_PATH, csiServices } from './proto.js';

/** How long Probe waits for the controller before it says "not ready". */
const PROBE_TIMEOUT_MS = 5000;

function identityHandlers(csi: Csi): Handlers {
  const controller = csi.config.mode !== 'node';
  return {
    async GetPluginInfo() {
      return { name: csi.config.driver_name, vendor_version: VERSION, manifest: {} };
    },
    async GetPluginCapabilities() {
      return {
        capabilities: [
          ...(controller ? [{ service: { type: 'CONTROLLER_SERVICE' } }] : []),
          { service: { type: 'VOLUME_ACCESSIBILITY_CONSTRAINTS' } },
          { volume_expansion: { type: 'ONLINE' } },
        ],
      };
    },
    // Ready when a controller answers: without one no RPC but the identity ones can succeed.
    async Probe() {
      try {
        await csi.client.request('GET', '/v1/controller/version', { timeoutMs: PROBE_TIMEOUT_MS });
        return { ready: { value: true } };
      } catch (err) {
        csi.log.warn({ err }, 'probe: no Storhub controller answers');
        return { ready: { value: false } };
      }
    },
  };
}

let server: CsiServer | undefined;
let endpoint: string | undefined;

const adapter: Adapter<typeof configSchema> = {
  name: 'nomad-csi',
  configSchema,

  async start(ctx: PluginContext, config: Config): Promise<void> {
    const csi: Csi = {
      log: ctx.log, client: ctx.client, volumes: ctx.volumes, runner: ctx.runner, nodeName: ctx.nodeName, config, locks: new Locks(),
    };
    const handlers: ServiceHandlers = { Identity: identityHandlers(csi) };
    if (config.mode !== 'node') handlers.Controller = controllerHandlers(csi);
    if (config.mode !== 'controller') handlers.Node = nodeHandlers(csi);
    const path = config.socket ?? join(ctx.stateDir, 'csi.sock');
    const srv = new CsiServer(ctx.log);
    await srv.listen(path, handlers);
    server = srv;
    endpoint = srv.endpoint;
    ctx.log.info({ endpoint, driver: config.driver_name, mode: config.mode, node: ctx.nodeName }, 'CSI plugin listening');
  },

  async stop(): Promise<void> {
    const srv = server;
    server = undefined;
    endpoint = undefined;
    await srv?.close(); // safe twice, and after a failed start
  },

  status(): Partial<PluginStatus> {
    return endpoint ? { endpoint } : {};
  },
};

export default adapter;
