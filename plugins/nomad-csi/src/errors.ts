/**
 * gRPC status codes as the CSI spec assigns them, and the mapping of everything a handler can throw
 * onto one: CsiError carries its code; VolumeOpsError kinds map as the integrations contract (§5) and
 * the spec's error tables say; controller answers and connection failures keep their own words.
 */
import { status } from '@grpc/grpc-js';
import { ApiError, ConnectionError } from '@storhub/core/client';
import { CommandError, isVolumeOpsError } from '@storhub/core/plugin';

export { status };

export class CsiError extends Error {
  constructor(readonly code: status, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CsiError';
  }
}

export const invalidArgument = (msg: string): CsiError => new CsiError(status.INVALID_ARGUMENT, msg);
export const notFound = (msg: string): CsiError => new CsiError(status.NOT_FOUND, msg);
export const alreadyExists = (msg: string): CsiError => new CsiError(status.ALREADY_EXISTS, msg);
export const failedPrecondition = (msg: string): CsiError => new CsiError(status.FAILED_PRECONDITION, msg);
export const outOfRange = (msg: string): CsiError => new CsiError(status.OUT_OF_RANGE, msg);
export const aborted = (msg: string): CsiError => new CsiError(status.ABORTED, msg);

/** Throws INVALID_ARGUMENT naming the RPC and the missing field (the spec's "missing required field"). */
export function required(rpc: string, field: string, value: unknown): void {
  const missing = value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0);
  if (missing) throw invalidArgument(`${rpc}: the request has no ${field}; it is required.`);
}

/**
 * The status of a thrown error. `context` says what the RPC was doing ("creating volume 'x'"), so a
 * message from deep inside reads as an answer to the caller's request.
 */
export function toStatus(err: unknown, context: string): { code: status; details: string } {
  if (err instanceof CsiError) return { code: err.code, details: err.message };
  if (isVolumeOpsError(err)) {
    const code = {
      not_found: status.NOT_FOUND,
      exists: status.ALREADY_EXISTS,
      no_space: status.RESOURCE_EXHAUSTED,
      unsupported: status.FAILED_PRECONDITION,
      in_use: status.FAILED_PRECONDITION,
      timeout: status.DEADLINE_EXCEEDED,
      failed: status.INTERNAL,
    }[err.kind];
    return { code, details: err.message };
  }
  if (err instanceof ApiError) {
    if (err.hasCode('FAIL_NOT_ENOUGH_NODES')) return { code: status.RESOURCE_EXHAUSTED, details: `${context}: ${apiText(err)}` };
    if (err.isNotFound()) return { code: status.NOT_FOUND, details: `${context}: ${apiText(err)}` };
    return { code: status.INTERNAL, details: `${context}: the controller answered HTTP ${err.status}: ${apiText(err)}` };
  }
  if (err instanceof ConnectionError) {
    return { code: status.UNAVAILABLE, details: `${context}: no Storhub controller is reachable (${err.message}); retry once it is up.` };
  }
  if (err instanceof CommandError) return { code: status.INTERNAL, details: `${context}: ${err.message}` };
  if (err instanceof TypeError) return { code: status.INVALID_ARGUMENT, details: `${context}: ${err.message}` };
  if ((err as Error)?.name === 'AbortError') return { code: status.UNAVAILABLE, details: `${context}: the plugin is stopping; retry.` };
  return { code: status.INTERNAL, details: `${context}: ${(err as Error)?.message ?? String(err)}` };
}

/** The controller's message, cause and correction of the first reply that has one. */
function apiText(err: ApiError): string {
  const r = err.replies.find((x) => x.message) ?? err.replies[0];
  if (!r) return err.message;
  return [r.message, r.cause, r.correction].filter((s): s is string => !!s && s.trim() !== '').join(' ');
}
