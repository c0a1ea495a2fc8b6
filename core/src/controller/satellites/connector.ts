/**
 * The controller's connection to one satellite.
 *
 *   OFFLINE --GET /info ok--> CONNECTED --full PUT /state ok--> ONLINE --deltas--> ...
 *      ^                                                                          |
 *      +---- any failure: drop the connection, wait (backoff with jitter), retry <-+
 *
 * The handshake checks the satellite is the node it should be (HOSTNAME_MISMATCH) and speaks our
 * protocol (VERSION_MISMATCH). Every (re)connect starts with a full update; afterwards only deltas,
 * each on top of the last acknowledged update id; a satellite that lost track answers 409 and gets a
 * full update. The event stream stays open for device/pool events and heartbeats; when it ends or
 * goes silent, the connection is considered lost.
 *
 * Pushes of one connector never overlap; a change during a push is sent right after it (coalesced).
 */
import type { Logger } from 'pino';
import type { ConnectionStatus } from '../../model/enums.js';
import { PROTOCOL_VERSION, type Report, type SatelliteEvent } from '../../satellite/protocol.js';
import { ProtocolError, SatelliteClient, SatelliteHttpError, type SatelliteTimeouts } from './client.js';
import type { NodeDesiredState } from './desired-state.js';
import type { LiveRuntime } from './live-runtime.js';
import { SyncState } from './sync-state.js';

export interface Backoff {
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { initialMs: 250, maxMs: 10_000 };

export interface ConnectorDeps {
  nodeName: string;
  url: string;
  runtime: LiveRuntime;
  log: Logger;
  timeouts: SatelliteTimeouts;
  backoff: Backoff;
  /** The node's desired state now (undefined once the node is gone). */
  desired(): NodeDesiredState | undefined;
  /** Runs a push within the manager's concurrency bound. */
  limit<T>(fn: () => Promise<T>): Promise<T>;
  nextUpdateId(): number;
  /** The satellite removed these DELETE-marked resources: drop their records. */
  confirmRemoved(names: string[]): void;
}

/** One connection attempt and what belongs to it; ended once, never reused. */
interface Session {
  client: SatelliteClient;
  ended: boolean;
  events?: Promise<void>;
  /** The running push loop of this session, if any. */
  work?: Promise<void>;
  closing?: Promise<void>;
}

/** A problem that decides the connection status shown while it lasts. */
class StatusError extends Error {
  constructor(readonly status: ConnectionStatus, message: string) {
    super(message);
  }
}

export class SatelliteConnector {
  private stopped = false;
  private session: Session | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Asks again for removals the satellite could not do yet. */
  private retryTimer: NodeJS.Timeout | undefined;
  private connecting: Promise<void> | undefined;
  private attempt = 0;
  /** The last connection problem logged (repeats go to debug). */
  private lastProblem: string | undefined;
  private dirty = false;
  private needFull = false;
  private readonly sync = new SyncState();
  private readonly log: Logger;

  constructor(private readonly d: ConnectorDeps) {
    this.log = d.log;
  }

  get url(): string {
    return this.d.url;
  }

  start(): void {
    this.d.runtime.setStatus(this.d.nodeName, 'OFFLINE');
    this.schedule(0);
  }

  /** The node's desired state may have changed: push a delta (after the running push, if any). */
  requestPush(): void {
    this.dirty = true;
    this.kick();
  }

  /**
   * Sends the whole desired state again (e.g. LUKS keys became available): the satellite converges
   * every resource, also the ones whose desired state looks unchanged. Offline: the next connect does.
   */
  requestFullSync(): void {
    this.needFull = true;
    this.requestPush();
  }

  /** Drops the connection and connects again right away (PUT /v1/nodes/{node}/reconnect). */
  reconnect(): void {
    if (this.stopped) return;
    this.log.info('reconnect requested');
    this.attempt = 0;
    this.endSession(this.session, undefined, 'OFFLINE', 0);
    this.schedule(0);
  }

  /** Closes the connection and cancels every timer; resolves when nothing of it runs any more. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.timer = this.retryTimer = undefined;
    const s = this.session;
    this.endSession(s, undefined, 'OFFLINE');
    await Promise.allSettled([this.connecting, s?.work, s?.events, s?.closing]);
  }

  // --- connecting ---

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.stopped || this.session) return;
      this.connecting = this.connect().finally(() => { this.connecting = undefined; });
    }, delayMs);
  }

  private backoffDelay(): number {
    const { initialMs, maxMs } = this.d.backoff;
    const base = Math.min(maxMs, initialMs * 2 ** Math.min(this.attempt, 20));
    this.attempt++;
    // +-20 % jitter, so satellites that went down together are not all retried in the same instant.
    return Math.round(base * (0.8 + Math.random() * 0.4));
  }

  private async connect(): Promise<void> {
    const session: Session = { client: new SatelliteClient(this.d.url, this.d.timeouts), ended: false };
    this.session = session;
    try {
      const info = await session.client.info();
      if (session.ended) return;
      if (info.node_name.toUpperCase() !== this.d.nodeName.toUpperCase()) {
        throw new StatusError('HOSTNAME_MISMATCH', `the satellite at ${this.d.url} is node '${info.node_name}', not '${this.d.nodeName}'`);
      }
      if (info.protocol_version !== PROTOCOL_VERSION) {
        throw new StatusError('VERSION_MISMATCH', `the satellite at ${this.d.url} speaks protocol ${info.protocol_version} ` +
          `(Storhub ${info.storhub_version}); this controller speaks ${PROTOCOL_VERSION}`);
      }
      this.d.runtime.setCapabilities(this.d.nodeName, info.capabilities);
      this.d.runtime.setStatus(this.d.nodeName, 'CONNECTED');
      this.log.debug({ version: info.storhub_version }, 'satellite connected, sending the full state');
      session.events = this.readEvents(session);
      this.sync.reset();
      this.needFull = true;
      this.dirty = true;
      await this.pushLoop(session);
    } catch (err) {
      this.endSession(session, err, statusOf(err, 'OFFLINE'));
    }
  }

  /**
   * Ends a session once: closes its sockets, forgets what the satellite acknowledged (the next session
   * starts with a full update), shows the status, and schedules the next attempt.
   */
  private endSession(session: Session | undefined, err: unknown, status: ConnectionStatus, delayMs?: number): void {
    if (!session || session.ended) return;
    session.ended = true;
    if (this.session === session) this.session = undefined;
    session.closing = session.client.close().catch((closeErr: unknown) => this.log.debug({ err: closeErr }, 'closing the satellite connection'));
    const wasOnline = this.d.runtime.status(this.d.nodeName) === 'ONLINE';
    this.sync.reset();
    this.d.runtime.disconnected(this.d.nodeName, status);
    if (err !== undefined) {
      const msg = err instanceof Error ? err.message : String(err);
      // Once per problem: a satellite that stays down must not fill the log every few seconds.
      if (wasOnline) this.log.warn({ status, reason: msg }, 'lost the connection to the satellite');
      else if (msg !== this.lastProblem) this.log.warn({ status, reason: msg }, 'cannot connect to the satellite');
      else this.log.debug({ status, reason: msg, attempt: this.attempt }, 'satellite still unreachable');
      this.lastProblem = msg;
    }
    if (this.stopped) return;
    this.schedule(delayMs ?? this.backoffDelay());
  }

  // --- events ---

  private async readEvents(session: Session): Promise<void> {
    try {
      await session.client.events(
        (e) => this.onEvent(session, e),
        (line, why) => this.log.warn({ line: line.slice(0, 200), why }, 'ignored an invalid event from the satellite'),
      );
      if (!session.ended) this.endSession(session, new Error('the satellite closed the event stream'), 'OFFLINE');
    } catch (err) {
      if (!session.ended) this.endSession(session, err, statusOf(err, 'OFFLINE'));
    }
  }

  private onEvent(session: Session, e: SatelliteEvent): void {
    if (session.ended) return;
    if (e.type === 'resource') {
      this.d.runtime.applyResource(this.d.nodeName, e.resource);
      this.logReports(e.resource.reports, { resource: e.resource.name });
    } else if (e.type === 'pool') {
      this.d.runtime.applyPool(this.d.nodeName, e.pool);
    }
  }

  // --- pushing ---

  private kick(): void {
    const s = this.session;
    if (!s || s.ended || s.work || !this.sync.synced) return;
    // Not inside the caller's stack: the caller is usually an API request that just committed.
    void this.pushLoop(s);
  }

  private pushLoop(session: Session): Promise<void> {
    session.work ??= this.runPushes(session).finally(() => {
      session.work = undefined;
      if (this.dirty) this.kick();
    });
    return session.work;
  }

  private async runPushes(session: Session): Promise<void> {
    while (this.dirty && !session.ended && !this.stopped) {
      this.dirty = false;
      const full = this.needFull;
      try {
        await this.d.limit(() => this.pushOnce(session, full));
      } catch (err) {
        this.endSession(session, err, statusOf(err, full ? 'FULL_SYNC_FAILED' : 'OFFLINE'));
        return;
      }
    }
  }

  private async pushOnce(session: Session, full: boolean): Promise<void> {
    if (session.ended) return;
    const desired = this.d.desired();
    if (!desired) return;
    const id = this.d.nextUpdateId();
    const pending = full ? this.sync.full(desired, id) : this.sync.delta(desired, id);
    if (!pending) return;
    const result = await session.client.pushState(pending.update);
    if (session.ended) return;
    if (result.kind === 'need_full_sync') {
      if (full) throw new ProtocolError('the satellite asked for a full sync in answer to a full sync');
      this.log.info({ base: pending.update.base_update_id }, 'the satellite asked for a full sync');
      this.needFull = true;
      return this.pushOnce(session, true);
    }
    const report = result.report;
    if (report.update_id !== pending.update.update_id) {
      throw new ProtocolError(`the satellite answered update ${pending.update.update_id} with the report of update ${report.update_id}`);
    }
    if (full) this.needFull = false;
    const confirmed = this.sync.acknowledge(pending, report);
    this.d.runtime.applyReport(this.d.nodeName, report, full);
    for (const r of report.resources) this.logReports(r.reports, { resource: r.name });
    for (const p of report.pools) this.logReports(p.reports, { pool: p.name });
    this.logReports(report.reports ?? [], {});
    if (full && this.d.runtime.status(this.d.nodeName) !== 'ONLINE') {
      this.d.runtime.setStatus(this.d.nodeName, 'ONLINE');
      this.attempt = 0;
      this.lastProblem = undefined;
      this.log.info({ resources: pending.update.resources.length, update: id }, 'satellite online');
    } else {
      this.log.debug({ full, update: id, resources: pending.update.resources.length, removed: pending.update.removed_resources.length }, 'state pushed');
    }
    if (confirmed.length) this.d.confirmRemoved(confirmed);
    if (confirmed.length < pending.removing.length && !this.retryTimer && !this.stopped) {
      // The satellite reported why it could not remove them; a later attempt may succeed.
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        this.requestPush();
      }, this.d.backoff.maxMs * 3);
    }
  }

  private logReports(reports: readonly Report[], where: Record<string, string>): void {
    for (const r of reports) {
      if (r.severity === 'info') continue;
      this.log.warn({ ...where, severity: r.severity, cause: r.cause, correction: r.correction }, r.message);
    }
  }
}

function statusOf(err: unknown, fallback: ConnectionStatus): ConnectionStatus {
  if (err instanceof StatusError) return err.status;
  // The satellite answered, so it is reachable: what failed is what we asked of it.
  if (err instanceof SatelliteHttpError || err instanceof ProtocolError) return fallback;
  return 'OFFLINE';
}
