/**
 * The satellite's HTTP endpoint (protocol.ts has the contract):
 *   GET /satellite/v1/info    who this node is and what it supports
 *   PUT /satellite/v1/state   apply a StateUpdate; 200 StateReport, 409 {need_full_sync} for a delta
 *                             that does not fit, 400 for an update that is malformed or for another node
 *   GET /satellite/v1/events  NDJSON SatelliteEvents, kept open; a heartbeat at once and every 5 s
 *
 * The controller is the only client. Plain HTTP for now (TLS on 3367 comes with the security work),
 * which is why the embedded default listens on 127.0.0.1 only.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { StateUpdate, type SatelliteEvent } from './protocol.js';
import { WrongNodeError, type Satellite } from './satellite.js';

export const HEARTBEAT_MS = 5_000;
/** A reader this far behind is not reading any more; its stream is dropped (it reconnects and resyncs). */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

export interface SatelliteServerOptions {
  satellite: Satellite;
  heartbeatMs?: number;
}

export async function buildSatelliteServer(opts: SatelliteServerOptions): Promise<FastifyInstance> {
  const { satellite } = opts;
  const log = satellite.log.child({ part: 'http' });
  const heartbeatMs = opts.heartbeatMs ?? HEARTBEAT_MS;
  const app = Fastify({ logger: false, bodyLimit: 256 * 1024 * 1024 });

  // JSON whatever the Content-Type says (the controller is ours, but curl users forget the header).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => {
    const text = (body as string).trim();
    if (text === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch (err) {
      done(Object.assign(new Error(`The body is not JSON: ${(err as Error).message}`), { statusCode: 400 }), undefined);
    }
  });
  app.setErrorHandler((err: Error & { statusCode?: number }, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (status >= 500) log.error({ err, url: req.url }, 'request failed');
    void reply.code(status).send({ error: err.message });
  });

  app.get('/satellite/v1/info', async () => satellite.info());

  app.put('/satellite/v1/state', async (req, reply) => {
    const parsed = StateUpdate.safeParse(req.body);
    if (!parsed.success) {
      return reply.code(400).send({ error: `The body is not a valid StateUpdate: ${z.prettifyError(parsed.error)}` });
    }
    try {
      const result = await satellite.applyUpdate(parsed.data);
      if (result.status === 'need_full_sync') return reply.code(409).send({ need_full_sync: true, last_update_id: result.last_update_id ?? null });
      return reply.code(200).send(result.report);
    } catch (err) {
      if (err instanceof WrongNodeError) return reply.code(400).send({ error: err.message, wrong_node: true });
      throw err;
    }
  });

  const streams = new Set<ServerResponse>();
  app.get('/satellite/v1/events', (req, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store', 'x-accel-buffering': 'no' });
    res.flushHeaders();
    streams.add(res);
    const send = (e: SatelliteEvent) => {
      if (res.writableLength > MAX_BUFFERED_BYTES) {
        log.warn({ remote: req.ip }, 'event reader is not reading: dropping its stream');
        res.destroy();
        return;
      }
      res.write(JSON.stringify(e) + '\n');
    };
    const heartbeat = () => send({ type: 'heartbeat', update_id: satellite.appliedUpdateId ?? 0 });
    const unsubscribe = satellite.subscribe(send);
    const timer = setInterval(heartbeat, heartbeatMs);
    heartbeat();
    log.info({ remote: req.ip }, 'event stream opened');
    res.on('close', () => {
      clearInterval(timer);
      unsubscribe();
      streams.delete(res);
      log.info({ remote: req.ip }, 'event stream closed');
    });
  });
  // An open stream would keep close() waiting forever: end them first.
  app.addHook('preClose', async () => {
    for (const res of streams) res.end();
  });
  return app;
}

export interface RunningSatelliteServer {
  app: FastifyInstance;
  /** http://host:port */
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startSatelliteServer(opts: SatelliteServerOptions & { host: string; port: number }): Promise<RunningSatelliteServer> {
  const app = await buildSatelliteServer(opts);
  try {
    await app.listen({ host: opts.host, port: opts.port });
  } catch (err) {
    await app.close();
    throw listenError(err, opts.host, opts.port);
  }
  const addr = app.server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  opts.satellite.log.info({ address: addr.address, port: addr.port }, 'satellite listening');
  return { app, url: `http://${host}:${addr.port}`, port: addr.port, close: () => app.close() };
}

function listenError(err: unknown, host: string, port: number): Error {
  const code = (err as NodeJS.ErrnoException).code;
  const where = `${host}:${port}`;
  if (code === 'EADDRINUSE') {
    return new Error(`The satellite cannot listen on ${where}: the port is in use. Stop the other satellite, or choose another port ` +
      '([satellite] port in the configuration, STORHUB_SATELLITE_PORT, or --satellite-port).');
  }
  if (code === 'EADDRNOTAVAIL') return new Error(`The satellite cannot listen on ${where}: no interface has that address. Fix [satellite] listen_addr.`);
  if (code === 'EACCES') return new Error(`The satellite cannot listen on ${where}: permission denied (ports below 1024 need root).`);
  return err instanceof Error ? err : new Error(String(err));
}
