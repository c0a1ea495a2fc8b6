#!/usr/bin/env node
/**
 * `storhubd`: the Storhub daemon.
 *
 *   storhubd --role controller|combined|satellite [--config FILE] [--port N] [--db URL_OR_PATH]
 *            [--satellite-port N]
 *
 * Logs are JSON lines (pino) on stdout; when everything is up, one plain line starting with
 * "storhubd ready:" is printed, which scripts and tests wait for:
 *   storhubd ready: REST on http://127.0.0.1:3370, satellite on http://127.0.0.1:3366 (role combined, ...)
 *   storhubd ready: satellite on http://127.0.0.1:3366 (role satellite, node n1, state /var/lib/storhub) SIGTERM/SIGINT stop accepting
 * requests, finish the ones in flight, close the database and exit 0 (the plugins are stopped first,
 * while the API still answers them); SIGHUP re-reads the configuration's logging level and [plugins]:
 * plugins whose entry changed are restarted, new ones started, removed ones stopped, unchanged ones
 * keep running.
 */
import { Command, Option } from 'commander';
import { pino, type Logger } from 'pino';
import { ConfigError, loadConfig, type Config, type LoadOptions } from './config.js';
import { startDaemon, type Role } from './daemon.js';
import { startSatelliteNode } from './satellite-node.js';
import { pluginHostFor } from './plugins.js';
import type { PluginHost } from '../plugin/host.js';
import { StorhubError } from '../model/errors.js';
import { STORHUB_VERSION } from '../version.js';

const SHUTDOWN_TIMEOUT_MS = 15_000;

interface Flags {
  role: string;
  config?: string;
  port?: string;
  db?: string;
  satellitePort?: string;
}

/** What the signal handlers stop. */
interface Stoppable {
  close(): Promise<void>;
  plugins?: PluginHost;
}

function parseArgs(argv: string[]): Flags {
  const program = new Command('storhubd')
    .description('Storhub daemon: LINSTOR-compatible controller (REST API v1)')
    .version(STORHUB_VERSION)
    .addOption(new Option('--role <role>', 'what this process runs').choices(['controller', 'combined', 'satellite']).default('controller'))
    .option('--config <file>', 'TOML configuration file (default: $STORHUB_CONFIG, else /etc/storhub/storhub.toml if present)')
    .option('--port <port>', 'REST API port (overrides [http] port)')
    .option('--db <url>', "database: 'sqlite:PATH' or a file path (overrides [db] connection_url)")
    .option('--satellite-port <port>', 'satellite port, roles satellite and combined (overrides [satellite] port)')
    .showHelpAfterError();
  program.parse(argv);
  return program.opts<Flags>();
}

function fail(message: string, code = 1): never {
  process.stderr.write(`storhubd: ${message}\n`);
  process.exit(code);
}

function describe(err: unknown): string {
  if (err instanceof StorhubError) return [err.message, err.info.correction].filter(Boolean).join(' ');
  return err instanceof Error ? err.message : String(err);
}

async function main(): Promise<void> {
  const flags = parseArgs(process.argv);
  const role = flags.role as Role | 'satellite';
  const loadOptions: LoadOptions = { configPath: flags.config, flags: { port: flags.port, db: flags.db, satellitePort: flags.satellitePort } };

  let config: Config;
  try {
    config = loadConfig(loadOptions);
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message, 2);
    throw err;
  }

  // Synchronous writes: lines stay in order with the ready line and none is lost on exit or a crash
  // (the daemon logs events, not requests, so the cost does not matter).
  const logger = pino({ level: config.logging.level }, pino.destination({ dest: 1, sync: true }));
  const log = logger.child({ component: 'storhubd' });
  log.info({ version: STORHUB_VERSION, role, config: config.file ?? '(embedded defaults)' }, 'starting');

  let daemon: Stoppable;
  let ready: string;
  try {
    if (role === 'satellite') {
      for (const w of config.warnings) log.warn(w);
      const sat = await startSatelliteNode(config, logger);
      // No REST API here: the plugins talk to the controllers named in [plugins] controllers.
      const plugins = pluginHostFor(config, logger, () => undefined);
      await plugins.apply(config.plugins).catch((err: unknown) => log.error({ err }, 'starting the plugins'));
      daemon = { plugins, close: () => plugins.stop().finally(() => sat.close()) };
      ready = `satellite on ${sat.url} (role satellite, node ${config.node.name}, state ${config.satellite.state_dir})`;
    } else {
      const d = await startDaemon(config, role, logger);
      daemon = d;
      const parts = [d.url ? `REST on ${d.url}` : 'REST disabled', ...(d.satellite ? [`satellite on ${d.satellite.url}`] : [])];
      ready = `${parts.join(', ')} (role ${role}, node ${config.node.name}, db ${config.db.location.path})`;
    }
  } catch (err) {
    log.fatal({ err }, 'start failed');
    fail(describe(err));
  }

  installSignals(daemon, logger, log, loadOptions);
  process.stdout.write(`storhubd ready: ${ready}\n`);
}

function installSignals(daemon: Stoppable, root: Logger, log: Logger, loadOptions: LoadOptions): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ signal }, 'second signal while stopping: exiting now');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'stopping: no new requests, finishing the ones in flight');
    setTimeout(() => {
      log.error(`stopping took more than ${SHUTDOWN_TIMEOUT_MS / 1000} s: exiting anyway`);
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS).unref();
    daemon.close().then(
      () => {
        log.info('stopped');
        process.exit(0);
      },
      (err: unknown) => {
        log.error({ err }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('SIGHUP', () => {
    // The logging level and the plugins are reloadable; everything else needs a restart.
    try {
      const fresh = loadConfig(loadOptions);
      if (fresh.logging.level !== root.level) {
        log.info({ from: root.level, to: fresh.logging.level }, 'SIGHUP: logging level changed');
        root.level = fresh.logging.level;
      } else {
        log.info({ level: root.level }, 'SIGHUP: configuration re-read, logging level unchanged');
      }
      daemon.plugins?.apply(fresh.plugins).then(
        () => log.info({ plugins: daemon.plugins?.list().map((p) => `${p.name}:${p.state}`) }, 'SIGHUP: plugins reconciled'),
        (err: unknown) => log.error({ err }, 'SIGHUP: reloading the plugins failed'),
      );
    } catch (err) {
      log.error({ err: describe(err) }, 'SIGHUP: the configuration is invalid; keeping the running settings');
    }
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`storhubd: unexpected error: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
