/**
 * What the client throws: an ApiError when a controller answered with an error status (its
 * ApiCallRc list attached), a ConnectionError when no controller could be reached or a request
 * timed out. Nothing else escapes the transport.
 */
import {
  type ApiCallRc, Code, type CodeName, MASK_BITS_CODE, MASK_ERROR, MASK_INFO, MASK_WARN, isError,
} from '../model/apicallrc.js';

/** The type bits a code's name implies (FAIL_* are errors, WARN_* warnings, INFO_* infos). */
function typeMaskOf(name: CodeName): bigint {
  if (name.startsWith('FAIL_')) return MASK_ERROR;
  if (name.startsWith('WARN_')) return MASK_WARN;
  if (name.startsWith('INFO_')) return MASK_INFO;
  return 0n;
}

/**
 * Compares an entry's ret_code with a named code the way golinstor's `ApiCallRc.Is` does: the type
 * bits plus the exact code number matter, the operation and object bits do not.
 */
export function rcIs(rc: ApiCallRc | bigint, name: CodeName): boolean {
  const value = typeof rc === 'bigint' ? rc : BigInt(rc.ret_code);
  const u = BigInt.asUintN(64, value);
  return (u & (MASK_ERROR | MASK_BITS_CODE)) === (typeMaskOf(name) | BigInt(Code[name]));
}

export class ApiError extends Error {
  /** HTTP status of the reply. */
  readonly status: number;
  readonly method: string;
  readonly path: string;
  /** The controller that answered (origin). */
  readonly controller: string;
  /** The ApiCallRc list of the reply (empty when the body was not one). */
  readonly replies: ApiCallRc[];

  constructor(init: { status: number; method: string; path: string; controller: string; replies: ApiCallRc[]; message?: string }) {
    const first = init.replies.find((r) => isError(r.ret_code)) ?? init.replies[0];
    super(init.message ?? first?.message ?? `${init.method} ${init.path} failed with HTTP ${init.status}.`);
    this.name = 'ApiError';
    this.status = init.status;
    this.method = init.method;
    this.path = init.path;
    this.controller = init.controller;
    this.replies = init.replies;
  }

  /** The object does not exist (HTTP 404, which LINSTOR uses for every FAIL_NOT_FOUND_* code). */
  isNotFound(): boolean {
    return this.status === 404;
  }

  /** Whether any entry carries the named code (type bits + code number, like golinstor). */
  hasCode(name: CodeName): boolean {
    return this.replies.some((r) => rcIs(r, name));
  }

  /** The error entries only. */
  get errors(): ApiCallRc[] {
    return this.replies.filter((r) => isError(r.ret_code));
  }
}

export interface ConnectionAttempt {
  controller: string;
  error: string;
}

export class ConnectionError extends Error {
  /** One entry per controller tried, in order. */
  readonly attempts: ConnectionAttempt[];
  /** The request ran out of time (as opposed to nobody answering at all). */
  readonly timeout: boolean;

  constructor(message: string, attempts: ConnectionAttempt[], timeout = false) {
    super(message);
    this.name = 'ConnectionError';
    this.attempts = attempts;
    this.timeout = timeout;
  }
}

export const isNotFound = (err: unknown): boolean => err instanceof ApiError && err.isNotFound();
export const isApiError = (err: unknown): err is ApiError => err instanceof ApiError;
export const isConnectionError = (err: unknown): err is ConnectionError => err instanceof ConnectionError;
