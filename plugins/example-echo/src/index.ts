/**
 * example-echo: the smallest complete Storhub plugin (plugins/README.md walks through it).
 *
 * It serves HTTP on a unix socket:
 *   GET  /health   -> 200 "ok"
 *   GET  /volumes  -> the volumes carrying this plugin's Aux/ property, as JSON (through ctx.volumes)
 *   POST /echo     -> the request body, prefixed with the configured greeting
 *
 *   [plugins.example-echo]
 *   package = "@storhub/plugin-example-echo"
 *   [plugins.example-echo.config]
 *   socket = "/run/storhub/echo.sock"   # default: echo.sock in the plugin's state directory
 *   greeting = "hello"
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { Adapter, PluginContext } from '@storhub/core/plugin';

const configSchema = z.object({
  /** Absolute path of the socket; default: <stateDir>/echo.sock. */
  socket: z.string().startsWith('/', 'must be an absolute path').optional(),
  greeting: z.string().min(1).default('hello'),
}).strict(); // a misspelt option is an error, not silently ignored

type Config = z.infer<typeof configSchema>;

/** The property that marks "our" volumes (every plugin uses its own Aux/ key). */
export const MARK = 'Aux/storhub/example-echo';

let server: Server | undefined;
let socketPath: string | undefined;

async function start(ctx: PluginContext, config: Config): Promise<void> {
  const path = config.socket ?? join(ctx.stateDir, 'echo.sock');
  // A socket file left by a crash would make listen() fail with EADDRINUSE.
  rmSync(path, { force: true });
  const srv = createServer((req, res) => {
    handle(ctx, config, req, res).catch((err: unknown) => {
      ctx.log.error({ err, url: req.url }, 'request failed');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: (err as Error).message }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(path, () => resolve());
  });
  server = srv;
  socketPath = path;
  ctx.log.info({ socket: path }, 'listening');
}

async function handle(ctx: PluginContext, config: Config, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method === 'GET' && req.url === '/health') {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    return;
  }
  if (req.method === 'GET' && req.url === '/volumes') {
    const volumes = await ctx.volumes.list({ props: { [MARK]: 'true' } });
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(volumes));
    return;
  }
  if (req.method === 'POST' && req.url === '/echo') {
    let body = '';
    for await (const chunk of req) body += chunk;
    res.writeHead(200, { 'content-type': 'text/plain' }).end(`${config.greeting} ${body}`);
    return;
  }
  res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
}

async function stop(): Promise<void> {
  const srv = server;
  server = undefined;
  if (!srv) return; // stop() must be safe to call twice, and after a failed start
  // Open keep-alive connections would hold close() forever.
  srv.closeAllConnections();
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  if (socketPath) rmSync(socketPath, { force: true });
}

const adapter: Adapter<typeof configSchema> = {
  name: 'example-echo',
  configSchema,
  start,
  stop,
  status: () => (socketPath && server ? { endpoint: socketPath } : {}),
};

export default adapter;
