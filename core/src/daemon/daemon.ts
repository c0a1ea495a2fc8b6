/**
 * One running storhubd: the store, the controller, the REST API and (role combined) the local node
 * with its satellite. main.ts owns the process (arguments, signals, exit codes); this file owns the
 * pieces and their order: (combined) start the satellite, open the store, load the graph, build the
 * API, set up the local node, then start listening — so a client never reaches a half-started
 * controller — then start the plugins ([plugins]); on close the reverse. Role satellite alone is
 * satellite-node.ts.
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { AddressInfo } from 'node:net';
import { SqliteStore } from '../store/sqlite.js';
import { Controller } from '../controller/controller.js';
import { buildApi } from '../api/server.js';
import type { Config } from './config.js';
import { ensureLocalNode } from './local-node.js';
import { SatelliteManager } from '../controller/satellites/manager.js';
import { startSatelliteNode, type RunningSatellite } from './satellite-node.js';
import { AutoSnapshotTask } from '../controller/tasks/auto-snapshot.js';
import { startControllerTasks, type ControllerTasks } from '../controller/tasks/controller-tasks.js';
import type { PluginHost } from '../plugin/host.js';
import type { LoadAdapter } from '../plugin/loader.js';
import { pluginHostFor } from './plugins.js';

export type Role = 'controller' | 'combined';

export interface Daemon {
  app: FastifyInstance;
  controller: Controller;
  /** http://host:port the REST API listens on, or undefined when [http] is disabled. */
  url: string | undefined;
  /** Role combined: the in-process satellite. */
  satellite: RunningSatellite | undefined;
  /** The plugins of [plugins], started last (after listen) and stopped first. */
  plugins: PluginHost;
  close(): Promise<void>;
}

export interface DaemonOptions {
  /** Tests: how plugin packages are loaded (default: dynamic import). */
  loadPlugin?: LoadAdapter;
}

export async function startDaemon(config: Config, role: Role, logger: Logger, opts: DaemonOptions = {}): Promise<Daemon> {
  const log = logger.child({ component: 'daemon' });
  for (const w of config.warnings) log.warn(w);

  // The satellite first: the controller connects to its own node as soon as it knows it.
  let local: RunningSatellite | undefined;
  if (role === 'combined') {
    if (isLoopback(config.satellite.listen_addr) && !isLoopback(config.node.address)) {
      log.warn({ satellite: config.satellite.listen_addr, node_address: config.node.address },
        'the satellite listens on loopback only, but the node is registered with another address: set [satellite] listen_addr to reach it');
    }
    local = await startSatelliteNode(config, logger);
  }
  const dbPath = config.db.location.path;
  log.info({ db: dbPath, role, node: config.node.name }, 'opening the database');
  let store: SqliteStore;
  try {
    store = new SqliteStore({ path: dbPath });
  } catch (err) {
    await local?.close();
    throw err;
  }
  let app: FastifyInstance | undefined;
  let satellites: SatelliteManager | undefined;
  let autoSnapshots: AutoSnapshotTask | undefined;
  let nodeTasks: ControllerTasks | undefined;
  try {
    const controller = new Controller({ store, logger, nodeName: config.node.name });
    // Connections to every satellite (nodes of type CONTROLLER have none); the API shows their state.
    satellites = new SatelliteManager(controller, { logger });
    satellites.start();
    // Scheduled snapshots (AutoSnapshot/RunEvery) run while the satellites are connected to.
    autoSnapshots = new AutoSnapshotTask(controller);
    autoSnapshots.start();
    // Auto-evict, BalanceResources, and deleting moved replicas once their replacements synced.
    nodeTasks = startControllerTasks(controller, { logger });
    // Plugins talk to this API (unless [plugins] controllers says otherwise); a failed one shows in /health.
    const plugins = pluginHostFor(config, logger, () => (url ? [url] : undefined), opts.loadPlugin);
    app = await buildApi({
      controller, logger: logger.child({ component: 'api' }), plugins, healthNotes: [() => plugins.healthProblem()],
    });
    await app.ready();
    if (role === 'combined') {
      await ensureLocalNode(app, controller, {
        name: config.node.name, address: config.node.address, storageDir: config.storage.directory, satellitePort: local?.port,
      }, log);
    }

    let url: string | undefined;
    if (config.http.enabled) {
      try {
        await app.listen({ host: config.http.listen_addr, port: config.http.port });
      } catch (err) {
        throw listenError(err, config);
      }
      const addr = app.server.address() as AddressInfo;
      const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
      url = `http://${host}:${addr.port}`;
    } else {
      log.warn('[http] is disabled: the REST API is not served');
    }
    // Every plugin is isolated: a failed one is logged and shown, it never stops the daemon.
    await plugins.apply(config.plugins).catch((err: unknown) => log.error({ err }, 'starting the plugins'));

    const served = app;
    const connections = satellites;
    const scheduled = autoSnapshots;
    const background = nodeTasks;
    let closing: Promise<void> | undefined;
    return {
      app: served,
      controller,
      url,
      satellite: local,
      plugins,
      close() {
        // Stop accepting and finish in-flight requests first: their commits need the store open.
        // Then the satellite connections (a confirmation from a satellite commits too), then the
        // local satellite (it leaves every device as it is), then the store.
        // Plugins first, while the API still answers their last calls.
        closing ??= plugins.stop().finally(() => served.close()).finally(() => scheduled.stop()).finally(() => background.stop()).finally(() => connections.stop()).finally(() => local?.close()).finally(() => store.close());
        return closing;
      },
    };
  } catch (err) {
    await app?.close().catch((closeErr: unknown) => log.error({ err: closeErr }, 'closing the API after a failed start'));
    autoSnapshots?.stop();
    nodeTasks?.stop();
    await satellites?.stop();
    await local?.close().catch((closeErr: unknown) => log.error({ err: closeErr }, 'closing the satellite after a failed start'));
    store.close();
    throw err;
  }
}

function listenError(err: unknown, config: Config): Error {
  const code = (err as NodeJS.ErrnoException).code;
  const where = `${config.http.listen_addr}:${config.http.port}`;
  if (code === 'EADDRINUSE') {
    return new Error(`Cannot listen on ${where}: the port is in use. Stop the other process, or choose another port ` +
      '([http] port in the configuration, STORHUB_HTTP_PORT, or --port).');
  }
  if (code === 'EADDRNOTAVAIL') {
    return new Error(`Cannot listen on ${where}: no interface has that address. Fix [http] listen_addr or STORHUB_HTTP_LISTEN.`);
  }
  if (code === 'EACCES') {
    return new Error(`Cannot listen on ${where}: permission denied (ports below 1024 need root).`);
  }
  return err instanceof Error ? err : new Error(String(err));
}

function isLoopback(address: string): boolean {
  return address === 'localhost' || address === '::1' || address.startsWith('127.');
}
