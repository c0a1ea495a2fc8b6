/**
 * The gRPC server on a unix socket, with one wrapper around every RPC: it logs the call, turns what
 * the handler throws into a gRPC status (errors.ts), and leaves unimplemented RPCs to grpc-js, which
 * answers UNIMPLEMENTED (NodeStageVolume, ControllerModifyVolume, ...).
 *
 * Locks: the spec lets a plugin refuse a second operation on a volume while one is running (ABORTED,
 * "operation pending for volume"), and orchestrators retry. That keeps two creates of one name, or a
 * publish racing an unpublish, from interleaving their LINSTOR calls.
 */
import { chmod, mkdir, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import type { Logger } from '@storhub/core/plugin';
import { aborted, toStatus } from './errors.js';
import { csiServices, type Handlers } from './proto.js';

export class Locks {
  private readonly busy = new Set<string>();

  async run<T>(key: string, what: string, fn: () => Promise<T>): Promise<T> {
    const k = key.toUpperCase(); // volume names are case-insensitive in LINSTOR
    if (this.busy.has(k)) throw aborted(`An operation on ${what} is already in progress; retry when it is done.`);
    this.busy.add(k);
    try {
      return await fn();
    } finally {
      this.busy.delete(k);
    }
  }
}

export interface ServiceHandlers {
  Identity?: Handlers;
  Controller?: Handlers;
  Node?: Handlers;
}

/** Words for the log and for error messages: "CreateVolume 'pvc-1'". */
function subject(req: Record<string, unknown>): string {
  for (const k of ['volume_id', 'name', 'snapshot_id', 'source_volume_id']) {
    if (typeof req[k] === 'string' && req[k] !== '') return `${k} '${req[k] as string}'`;
  }
  return '';
}

function wrap(log: Logger, rpc: string, fn: (req: any) => Promise<object>): grpc.handleUnaryCall<any, any> {
  return (call, callback) => {
    const started = Date.now();
    const req = call.request as Record<string, unknown>;
    const about = subject(req);
    fn(req).then(
      (reply) => {
        log.debug({ rpc, about, ms: Date.now() - started }, 'CSI call done');
        callback(null, reply);
      },
      (err: unknown) => {
        const st = toStatus(err, `${rpc}${about ? ` of ${about}` : ''}`);
        const level = st.code === grpc.status.INTERNAL || st.code === grpc.status.UNKNOWN ? 'error' : 'info';
        log[level]({ rpc, about, code: grpc.status[st.code], details: st.details, ms: Date.now() - started, ...(level === 'error' ? { err } : {}) }, 'CSI call failed');
        callback({ code: st.code, details: st.details });
      },
    );
  };
}

export class CsiServer {
  private server: grpc.Server | undefined;
  private path: string | undefined;

  constructor(private readonly log: Logger) {}

  /** Serves `handlers` on the unix socket at `path` (a stale socket file there is replaced). */
  async listen(path: string, handlers: ServiceHandlers): Promise<void> {
    const services = csiServices();
    const server = new grpc.Server();
    for (const name of ['Identity', 'Controller', 'Node'] as const) {
      const impl = handlers[name];
      if (!impl) continue;
      const wrapped: grpc.UntypedServiceImplementation = {};
      for (const [rpc, fn] of Object.entries(impl)) wrapped[rpc] = wrap(this.log, rpc, fn);
      server.addService(services[name].service, wrapped);
    }
    await mkdir(dirname(path), { recursive: true });
    // A socket left by a crash would make the bind fail with EADDRINUSE.
    await rm(path, { force: true });
    await new Promise<void>((resolve, reject) => {
      server.bindAsync(`unix://${path}`, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve()));
    });
    // Only root (Nomad, storhubd) talks to it: CreateVolume and NodePublishVolume are privileged acts.
    await chmod(path, 0o600);
    this.server = server;
    this.path = path;
  }

  get endpoint(): string | undefined {
    return this.path ? `unix://${this.path}` : undefined;
  }

  /** Stops accepting calls, gives running ones a moment, then cuts them; removes the socket. Safe twice. */
  async close(graceMs = 5000): Promise<void> {
    const server = this.server;
    const path = this.path;
    this.server = undefined;
    this.path = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        server.forceShutdown();
        resolve();
      }, graceMs);
      server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    if (path) await rm(path, { force: true });
  }
}
