/**
 * Test adapters for the plugin host: each records what the host does to it (validate, start, stop,
 * signal aborted) in a shared event list, can be told to fail, and can serve a real unix socket so a
 * reload test can check that an unchanged plugin's socket stays the same one.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { rmSync } from 'node:fs';
import { z } from 'zod';
import type { Adapter, PluginContext } from '../src/plugin/adapter.js';
import type { LoadAdapter } from '../src/plugin/loader.js';
import { NO_PLUGINS, type PluginEntry, type PluginsSettings } from '../src/plugin/settings.js';

export interface Behaviour {
  /** start() throws this message. */
  startThrows?: string;
  /** start() never resolves. */
  startHangs?: boolean;
  /** stop() throws this message. */
  stopThrows?: string;
  /** Runs inside stop(), e.g. a last REST call. */
  onStop?: (ctx: PluginContext) => Promise<void>;
}

const schema = z.object({
  /** A unix socket to serve (each connection gets "<name>:<generation>\n" per line it sends). */
  socket: z.string().optional(),
  value: z.string().default('v'),
}).strict();

export interface TestAdapter extends Adapter<z.ZodType> {
  /** The server of the running instance (undefined when stopped). */
  server: Server | undefined;
  /** How many times start() ran. */
  starts: number;
  ctx: PluginContext | undefined;
}

export function testAdapter(name: string, events: string[], behaviour: Behaviour = {}): TestAdapter {
  const sockets = new Set<Socket>();
  let socketPath: string | undefined;
  const a: TestAdapter = {
    name,
    server: undefined,
    starts: 0,
    ctx: undefined,
    // Recorded before the object schema runs, so an invalid config is seen as validated too.
    configSchema: z.preprocess((v) => (events.push(`validate:${name}`), v), schema),
    async start(ctx: PluginContext, config: z.infer<typeof schema>) {
      a.starts++;
      a.ctx = ctx;
      events.push(`start:${name}`);
      ctx.signal.addEventListener('abort', () => events.push(`abort:${name}`));
      if (behaviour.startThrows) throw new Error(behaviour.startThrows);
      if (behaviour.startHangs) await new Promise(() => {});
      if (config.socket) {
        rmSync(config.socket, { force: true });
        const generation = a.starts;
        const server = createServer((s) => {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('data', () => s.write(`${name}:${generation}:${config.value}\n`));
        });
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(config.socket, () => resolve());
        });
        a.server = server;
        socketPath = config.socket;
      }
    },
    async stop() {
      events.push(`stop:${name}`);
      if (a.ctx && behaviour.onStop) await behaviour.onStop(a.ctx);
      const server = a.server;
      a.server = undefined;
      if (server) {
        for (const s of sockets) s.destroy();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        if (socketPath) rmSync(socketPath, { force: true });
      }
      if (behaviour.stopThrows) throw new Error(behaviour.stopThrows);
    },
    status: () => (a.server && socketPath ? { endpoint: socketPath } : {}),
  };
  return a;
}

/** A loader over a fixed set of "packages". */
export function mapLoader(adapters: Record<string, Adapter>): LoadAdapter {
  return async (pkg) => {
    const a = adapters[pkg];
    if (!a) throw new Error(`The plugin package '${pkg}' is not installed.`);
    return a;
  };
}

/** Settings with entries [id, config] (package "pkg-<id>") or full entries. */
export function settingsOf(entries: Array<[string, Record<string, unknown>] | PluginEntry>, over: Partial<PluginsSettings> = {}): PluginsSettings {
  return {
    ...NO_PLUGINS,
    ...over,
    entries: entries.map((e) => (Array.isArray(e) ? { id: e[0], package: `pkg-${e[0]}`, enabled: true, config: e[1] } : e)),
  };
}
