/**
 * The one interface every Storhub integration implements (`@storhub/core/plugin`).
 *
 * A plugin package's default export is an Adapter. The host (host.ts, inside storhubd) validates the
 * plugin's config section with `configSchema` before anything starts, calls `start` with a context,
 * and `stop` on shutdown or when a reload changed the plugin's config. A plugin that throws is
 * logged and isolated; the others keep running.
 */
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { StorhubClient } from '../client/index.js';
import type { CommandRunner } from '../exec/runner.js';
import type { VolumeOps } from './volume-ops.js';

export interface PluginContext {
  /** A pino child logger: {component: 'plugin', plugin: <name>}. */
  log: Logger;
  /** REST client of the controller(s), with failover. */
  client: StorhubClient;
  /** The shared LINSTOR call sequences (create, attach, grow, snapshot, delete, ...). */
  volumes: VolumeOps;
  /** Runs external programs (argv only, timeouts). */
  runner: CommandRunner;
  /** Aborted when the plugin is being stopped, just before stop() is called (ends waits, pending calls). */
  signal: AbortSignal;
  /** The node this storhubd runs on. */
  nodeName: string;
  /** <[satellite] state_dir>/plugins/<id>, created (mode 0700); survives restarts and reloads. */
  stateDir: string;
}

/** What a running plugin reports for /health and `storhub plugin list`. */
export interface PluginStatus {
  state: 'running' | 'failed' | 'stopped';
  /** e.g. the socket path it listens on. */
  endpoint?: string;
  message?: string;
}

export interface Adapter<Schema extends z.ZodType = z.ZodType> {
  /** Unique plugin name, e.g. "docker-volume". */
  readonly name: string;
  /** Validates and defaults the plugin's config section. */
  readonly configSchema: Schema;
  /**
   * Starts serving; resolves once the plugin is ready (socket listening etc.). Throwing (or taking
   * longer than [plugins] start_timeout_s) marks the plugin failed; the host then calls stop().
   */
  start(ctx: PluginContext, config: z.infer<Schema>): Promise<void>;
  /** Stops serving and releases everything start took; must be safe to call twice and after a failed start. */
  stop(): Promise<void>;
  /** Optional live status beyond running/failed. */
  status?(): Partial<PluginStatus>;
}
