/**
 * HTTP calls to one satellite (see satellite/protocol.ts), over undici. Every call has a timeout:
 * the handshake a short one, a state push a long one (the satellite converges before it answers),
 * the event stream an idle timeout longer than the satellite's heartbeat interval, so a satellite
 * that vanished without closing the connection is noticed.
 *
 * One client per connection attempt: closing it destroys its sockets, which also ends a pending push
 * or event stream at once.
 */
import { Agent, request } from 'undici';
import {
  SatelliteEvent, SatelliteInfo, StateReport, type StateUpdate,
} from '../../satellite/protocol.js';

export interface SatelliteTimeouts {
  /** Connecting a socket. */
  connectMs: number;
  /** GET /info and the headers of the event stream. */
  requestMs: number;
  /** PUT /state: until the satellite answered (it converges first). */
  stateMs: number;
  /** The event stream: longest silence (heartbeats come every 5 s). */
  eventIdleMs: number;
}

export const DEFAULT_TIMEOUTS: SatelliteTimeouts = { connectMs: 5_000, requestMs: 10_000, stateMs: 300_000, eventIdleMs: 20_000 };

/** The satellite answered, but not with success. */
export class SatelliteHttpError extends Error {
  constructor(readonly status: number, readonly body: string, what: string) {
    super(`${what} answered HTTP ${status}: ${body.slice(0, 500)}`);
    this.name = 'SatelliteHttpError';
  }
}

/** The satellite answered something that does not follow the protocol. */
export class ProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtocolError';
  }
}

export type PushResult = { kind: 'report'; report: StateReport } | { kind: 'need_full_sync' };

export class SatelliteClient {
  private readonly agent: Agent;

  constructor(readonly baseUrl: string, private readonly timeouts: SatelliteTimeouts) {
    this.agent = new Agent({ connect: { timeout: timeouts.connectMs }, keepAliveTimeout: 10_000 });
  }

  async info(): Promise<SatelliteInfo> {
    const text = await this.call('GET', '/satellite/v1/info', undefined, this.timeouts.requestMs);
    return parse(SatelliteInfo, text, 'GET /satellite/v1/info');
  }

  async pushState(update: StateUpdate): Promise<PushResult> {
    const res = await request(this.baseUrl + '/satellite/v1/state', {
      dispatcher: this.agent,
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(update),
      headersTimeout: this.timeouts.stateMs,
      bodyTimeout: this.timeouts.stateMs,
    });
    const text = await res.body.text();
    if (res.statusCode === 409) return { kind: 'need_full_sync' };
    if (res.statusCode !== 200) throw new SatelliteHttpError(res.statusCode, text, 'PUT /satellite/v1/state');
    return { kind: 'report', report: parse(StateReport, text, 'PUT /satellite/v1/state') };
  }

  /**
   * Reads the event stream until it ends (resolves) or fails (rejects). Lines that are not valid
   * events go to `onInvalid` and are skipped: one bad line must not cost the connection.
   */
  async events(onEvent: (e: SatelliteEvent) => void, onInvalid: (line: string, why: string) => void): Promise<void> {
    const res = await request(this.baseUrl + '/satellite/v1/events', {
      dispatcher: this.agent,
      method: 'GET',
      headersTimeout: this.timeouts.requestMs,
      bodyTimeout: this.timeouts.eventIdleMs,
    });
    if (res.statusCode !== 200) {
      throw new SatelliteHttpError(res.statusCode, await res.body.text(), 'GET /satellite/v1/events');
    }
    res.body.setEncoding('utf8');
    let buffered = '';
    for await (const chunk of res.body as AsyncIterable<string>) {
      buffered += chunk;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl).trim();
        buffered = buffered.slice(nl + 1);
        if (line === '') continue;
        let value: unknown;
        try {
          value = JSON.parse(line);
        } catch (err) {
          onInvalid(line, (err as Error).message);
          continue;
        }
        const event = SatelliteEvent.safeParse(value);
        if (event.success) onEvent(event.data);
        else onInvalid(line, event.error.message);
      }
    }
  }

  /** Ends every request of this client at once. */
  async close(): Promise<void> {
    await this.agent.destroy();
  }

  private async call(method: 'GET', path: string, body: string | undefined, timeoutMs: number): Promise<string> {
    const res = await request(this.baseUrl + path, {
      dispatcher: this.agent, method, body, headersTimeout: timeoutMs, bodyTimeout: timeoutMs,
    });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new SatelliteHttpError(res.statusCode, text, `${method} ${path}`);
    return text;
  }
}

function parse<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: Error } }, text: string, what: string): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ProtocolError(`${what} answered invalid JSON: ${(err as Error).message}`);
  }
  const result = schema.safeParse(value);
  if (!result.success) throw new ProtocolError(`${what} answered an unexpected shape: ${result.error.message}`);
  return result.data;
}

/** http://address:port, with IPv6 addresses in brackets. */
export function satelliteUrl(address: string, port: number): string {
  return `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
}
