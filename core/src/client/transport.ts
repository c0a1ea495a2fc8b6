/**
 * HTTP transport to one or more controllers (undici Agent).
 *
 * Failover: the controllers are tried in order starting with the last one that answered; the next one
 * is tried only when a controller cannot be reached. An HTTP error is the controller's answer and is
 * never retried elsewhere. A request that may already have reached a controller (reset, timeout
 * after connecting) is retried elsewhere only for GET, so a mutation is never sent twice.
 */
import { Agent, type Dispatcher, request } from 'undici';
import type { ApiCallRc } from '../model/apicallrc.js';
import { parseJson, stringifyJson } from '../model/json.js';
import { ApiError, type ConnectionAttempt, ConnectionError } from './errors.js';
import { type ControllerOrigin, parseControllerList } from './url.js';
import { STORHUB_VERSION } from '../version.js';

export interface ClientOptions {
  /** Controller addresses (see url.ts); default "localhost". */
  controllers?: string | readonly string[];
  /** Time budget of one request on one controller, in ms (default 60 s). */
  timeoutMs?: number;
  /** Time to establish a connection, in ms (default: the smaller of timeoutMs and 10 s). */
  connectTimeoutMs?: number;
  /** Extra headers on every request, e.g. `Authorization`. */
  headers?: Record<string, string>;
  userAgent?: string;
  /** Bring your own dispatcher (it is not closed by `close()`). */
  dispatcher?: Dispatcher;
}

export type QueryValue = string | number | boolean | readonly (string | number)[] | undefined | null;
export type QueryParams = Record<string, QueryValue>;

export interface RequestOptions {
  query?: QueryParams;
  body?: unknown;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface RawReply<T = unknown> {
  status: number;
  body: T;
  controller: ControllerOrigin;
}

/** Error codes that prove the request never reached a controller. */
const CONNECT_ERRORS = new Set([
  'ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT', 'ECONNABORTED', 'EPERM', 'EACCES',
]);

function errorCode(err: unknown): string | undefined {
  const e = err as { code?: unknown; cause?: { code?: unknown } };
  if (typeof e?.code === 'string') return e.code;
  if (typeof e?.cause?.code === 'string') return e.cause.code;
  return undefined;
}

export function buildQuery(query: QueryParams | undefined): string {
  if (!query) return '';
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null) continue;
    if (Array.isArray(v)) for (const item of v) sp.append(k, String(item));
    else sp.append(k, String(v));
  }
  const s = sp.toString();
  return s === '' ? '' : `?${s}`;
}

/** Path segment encoding: names with any character are sent safely. */
export const seg = (s: string | number): string => encodeURIComponent(String(s));

/** Normalises an ApiCallRc list: ret_code is always a bigint, whatever size it had on the wire. */
export function toRcList(body: unknown): ApiCallRc[] {
  if (!Array.isArray(body)) return [];
  return body
    .filter((e): e is Record<string, unknown> => typeof e === 'object' && e !== null && 'ret_code' in e)
    .map((e) => ({ ...(e as unknown as ApiCallRc), ret_code: BigInt(e.ret_code as bigint | number) }));
}

export class Transport {
  readonly controllers: readonly ControllerOrigin[];
  private current = 0;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  private readonly timeoutMs: number;
  private readonly headers: Record<string, string>;

  constructor(opts: ClientOptions = {}) {
    this.controllers = parseControllerList(opts.controllers ?? 'localhost');
    if (this.controllers.length === 0) throw new TypeError('No controller address was given.');
    this.timeoutMs = opts.timeoutMs ?? 60_000;
    const connectTimeout = opts.connectTimeoutMs ?? Math.min(this.timeoutMs, 10_000);
    this.ownsDispatcher = !opts.dispatcher;
    this.dispatcher = opts.dispatcher ?? new Agent({
      connect: { timeout: connectTimeout },
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
      keepAliveTimeout: 10_000,
    });
    this.headers = {
      'user-agent': opts.userAgent ?? `storhub-client/${STORHUB_VERSION}`,
      accept: 'application/json',
      ...(opts.headers ?? {}),
    };
  }

  /** The controller that answered last (or the first one before any request). */
  get activeController(): ControllerOrigin {
    return this.controllers[this.current];
  }

  /** Sends a request with failover; returns the parsed body of a 2xx reply, throws ApiError otherwise. */
  async request<T = unknown>(method: string, path: string, opts: RequestOptions = {}): Promise<RawReply<T>> {
    const attempts: ConnectionAttempt[] = [];
    const n = this.controllers.length;
    let timedOut = false;
    for (let i = 0; i < n; i++) {
      const idx = (this.current + i) % n;
      const controller = this.controllers[idx];
      let status: number;
      let text: string;
      let contentType: string;
      try {
        ({ status, text, contentType } = await this.once(controller, method, path, opts));
      } catch (err) {
        const isTimeout = (err as { storhubTimeout?: boolean }).storhubTimeout === true;
        const reason = isTimeout ? `timed out after ${opts.timeoutMs ?? this.timeoutMs} ms` : describe(err);
        attempts.push({ controller, error: reason });
        timedOut ||= isTimeout;
        if (opts.signal?.aborted) throw opts.signal.reason ?? err;
        const neverSent = CONNECT_ERRORS.has(errorCode(err) ?? '');
        if (!neverSent && method !== 'GET') {
          throw new ConnectionError(`${method} ${path} on ${controller} failed: ${reason}.`, attempts, isTimeout);
        }
        continue;
      }
      this.current = idx;
      return { status, body: this.decode<T>(controller, method, path, status, text, contentType), controller };
    }
    const list = attempts.map((a) => `${a.controller} (${a.error})`).join(', ');
    throw new ConnectionError(`Could not reach any controller: ${list}.`, attempts, timedOut);
  }

  private async once(controller: ControllerOrigin, method: string, path: string, opts: RequestOptions) {
    const timeout = AbortSignal.timeout(opts.timeoutMs ?? this.timeoutMs);
    const signal = opts.signal ? AbortSignal.any([timeout, opts.signal]) : timeout;
    const headers: Record<string, string> = { ...this.headers };
    let body: string | undefined;
    if (opts.body !== undefined) {
      body = stringifyJson(opts.body);
      headers['content-type'] = 'application/json';
    }
    try {
      const res = await request(`${controller}${path}${buildQuery(opts.query)}`, {
        method: method as Dispatcher.HttpMethod,
        headers,
        body,
        signal,
        dispatcher: this.dispatcher,
      });
      const text = await res.body.text();
      return { status: res.statusCode, text, contentType: String(res.headers['content-type'] ?? '') };
    } catch (err) {
      if (timeout.aborted && !opts.signal?.aborted) {
        throw Object.assign(new Error('timeout', { cause: err }), { storhubTimeout: true, code: errorCode(err) });
      }
      throw err;
    }
  }

  private decode<T>(controller: string, method: string, path: string, status: number, text: string, contentType: string): T {
    let body: unknown = undefined;
    let parseProblem: string | undefined;
    if (text.trim() !== '') {
      try {
        body = parseJson(text);
      } catch (err) {
        parseProblem = (err as Error).message;
      }
    }
    if (status >= 400) {
      const replies = toRcList(body);
      const message = replies.length > 0 ? undefined
        : `${method} ${path} failed with HTTP ${status}${text.trim() ? `: ${text.trim().slice(0, 200)}` : ''}.`;
      throw new ApiError({ status, method, path, controller, replies, message });
    }
    if (parseProblem !== undefined) {
      throw new ApiError({
        status, method, path, controller, replies: [],
        message: `${controller} answered ${method} ${path} with something that is not JSON (${contentType || 'no content type'}): ${parseProblem}`,
      });
    }
    return body as T;
  }

  /** GET returning the parsed body. */
  async get<T>(path: string, query?: QueryParams, opts: Omit<RequestOptions, 'query' | 'body'> = {}): Promise<T> {
    return (await this.request<T>('GET', path, { ...opts, query })).body;
  }

  /** A mutation answering an ApiCallRc list. */
  async send(method: 'POST' | 'PUT' | 'DELETE' | 'PATCH', path: string, body?: unknown, query?: QueryParams): Promise<ApiCallRc[]> {
    return toRcList((await this.request(method, path, { body, query })).body);
  }

  async close(): Promise<void> {
    if (this.ownsDispatcher) await this.dispatcher.close();
  }
}

function describe(err: unknown): string {
  const code = errorCode(err);
  const msg = err instanceof Error ? err.message : String(err);
  return code && !msg.includes(code) ? `${code}: ${msg}` : msg;
}
