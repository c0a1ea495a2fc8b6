/**
 * Docker's volume plugin protocol (v1): JSON over HTTP on a unix socket. Docker POSTs to
 * /Plugin.Activate and /VolumeDriver.<Op> with a JSON body and no Content-Type; every answer is JSON
 * with Content-Type application/vnd.docker.plugins.v1.2+json, and a refusal is {"Err": "<message>"},
 * which Docker shows to the user as it is ("Error response from daemon: create v1: <message>").
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from '@storhub/core/plugin';
import type { VolumeDriver } from './driver.js';

export const CONTENT_TYPE = 'application/vnd.docker.plugins.v1.2+json';
/** Requests are a name and a few options; anything bigger is not Docker. */
const MAX_BODY = 1024 * 1024;

type Body = Record<string, unknown>;
type Handler = (body: Body) => Promise<Body> | Body;

/** A request that cannot be answered: a status and the Err text. */
class RequestError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

function str(body: Body, key: string): string {
  const v = body[key];
  if (typeof v !== 'string' || v === '') throw new RequestError(400, `the request has no "${key}"`);
  return v;
}

function opts(body: Body): Record<string, string> {
  const raw = body.Opts;
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new RequestError(400, '"Opts" must be an object of strings');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    if (typeof v !== 'string') throw new RequestError(400, `option "${k}" must be a string`);
    out[k] = v;
  }
  return out;
}

export function routes(driver: VolumeDriver): Record<string, Handler> {
  return {
    '/Plugin.Activate': () => ({ Implements: ['VolumeDriver'] }),
    '/VolumeDriver.Capabilities': () => ({ Capabilities: { Scope: 'global' } }),
    '/VolumeDriver.Create': async (b) => (await driver.create(str(b, 'Name'), opts(b)), {}),
    '/VolumeDriver.Remove': async (b) => (await driver.remove(str(b, 'Name')), {}),
    '/VolumeDriver.Mount': async (b) => ({ Mountpoint: await driver.mount(str(b, 'Name'), typeof b.ID === 'string' ? b.ID : '') }),
    '/VolumeDriver.Unmount': async (b) => (await driver.unmount(str(b, 'Name'), typeof b.ID === 'string' ? b.ID : ''), {}),
    '/VolumeDriver.Path': (b) => ({ Mountpoint: driver.path(str(b, 'Name')) }),
    '/VolumeDriver.Get': async (b) => ({ Volume: await driver.get(str(b, 'Name')) }),
    '/VolumeDriver.List': async () => ({ Volumes: await driver.list() }),
  };
}

export function createProtocolServer(driver: VolumeDriver, log: Logger): Server {
  const table = routes(driver);
  return createServer((req, res) => {
    handle(table, req, res, log).catch((err: unknown) => {
      // Only reached when the answer itself could not be written (the client went away).
      log.warn({ err, url: req.url }, 'could not answer a Docker request');
      res.destroy();
    });
  });
}

async function handle(table: Record<string, Handler>, req: IncomingMessage, res: ServerResponse, log: Logger): Promise<void> {
  const started = Date.now();
  const url = (req.url ?? '').split('?')[0];
  let status = 200;
  let reply: Body;
  try {
    const handler = table[url];
    if (!handler) throw new RequestError(404, `${url} is not part of the volume plugin protocol`);
    if (req.method !== 'POST') throw new RequestError(405, `${url} takes POST, not ${req.method}`);
    reply = await handler(await readBody(req));
  } catch (err) {
    status = err instanceof RequestError ? err.status : 500;
    reply = { Err: message(err) };
  }
  const text = JSON.stringify(reply);
  res.writeHead(status, { 'Content-Type': CONTENT_TYPE, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
  const line = { op: url, status, ms: Date.now() - started, ...(reply.Err ? { err: reply.Err } : {}) };
  if (status >= 500) log.warn(line, 'docker request refused');
  else log.debug(line, 'docker request');
}

async function readBody(req: IncomingMessage): Promise<Body> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new RequestError(413, 'the request body is too large');
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  // Docker sends "{}" or nothing for the calls without arguments, and never a Content-Type.
  if (text === '' || text === 'null') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new RequestError(400, `the request body is not JSON: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new RequestError(400, 'the request body must be a JSON object');
  return parsed as Body;
}

/** One line for the Docker user: the error's own message, without stack or class name. */
function message(err: unknown): string {
  if (err instanceof Error) return err.message.replace(/\s*\n\s*/g, ' ').trim() || err.name;
  return String(err);
}
