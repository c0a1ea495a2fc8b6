/**
 * Convergence retries: a resource whose converge failed (a Report with severity error) is tried again
 * by the satellite itself, after 2 s, 4 s, 8 s ... at most 60 s apart, until it converges.
 *
 * Why here and not in the controller's connector: the satellite already holds the resource's desired
 * state (the controller sent it), so retrying needs nothing new — no extra protocol, no resend of
 * unchanged resources, and no state that outlives the process: the schedule is memory only. After a
 * satellite restart it is gone, and the controller's full sync starts everything over, so satellites
 * stay stateless. The result of a retry travels like any other change: a `resource` event.
 *
 * A new desired state for the resource (an update that names it) starts the backoff over; success,
 * removal or a DELETE flag ends it. Removals that failed are not retried here: the controller asks
 * for them again (connector.ts), and confirms them from the report of that update.
 */

export interface RetryBackoff {
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_RETRY: RetryBackoff = { initialMs: 2_000, maxMs: 60_000 };

/** Identifies one scheduled attempt: a timer that fires after the entry changed must not run. */
export type RetryToken = object;

interface Entry<T> {
  /** Attempts already scheduled since the last fresh start. */
  attempt: number;
  timer: NodeJS.Timeout;
  token: RetryToken;
  payload: T;
}

export class RetrySchedule<T> {
  private readonly entries = new Map<string, Entry<T>>();
  private closed = false;

  /** `fire(key, token)` runs when an attempt is due; it should check `isCurrent(key, token)` once it holds its locks. */
  constructor(private readonly backoff: RetryBackoff, private readonly fire: (key: string, token: RetryToken) => void) {}

  /**
   * Records a failure and schedules the next attempt; answers its delay. `fresh`: the attempt that
   * failed was for a new desired state, so the backoff starts over. The payload of an entry is kept
   * until the key succeeds (the caller stores what it needs to resume, e.g. the last state that worked).
   */
  failed(key: string, fresh: boolean, payload: T): number {
    if (this.closed) return 0;
    const old = this.entries.get(key);
    if (old) clearTimeout(old.timer);
    const attempt = fresh || !old ? 0 : old.attempt;
    const delay = this.delay(attempt);
    const token: RetryToken = {};
    const timer = setTimeout(() => this.fire(key, token), delay);
    timer.unref();
    this.entries.set(key, { attempt: attempt + 1, timer, token, payload: old ? old.payload : payload });
    return delay;
  }

  /** The delay before attempt number `attempt` (0-based): initial, doubling, capped. */
  delay(attempt: number): number {
    return Math.min(this.backoff.maxMs, this.backoff.initialMs * 2 ** Math.min(attempt, 30));
  }

  /** The key converged, went away, or is no longer this schedule's business. */
  cancel(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    clearTimeout(e.timer);
    this.entries.delete(key);
  }

  /** True while `token` is the attempt last scheduled for `key` (no newer failure, no cancel since). */
  isCurrent(key: string, token: RetryToken): boolean {
    return this.entries.get(key)?.token === token;
  }

  payload(key: string): T | undefined {
    return this.entries.get(key)?.payload;
  }

  /** Keys with an attempt scheduled (diagnostics, tests). */
  pending(): string[] {
    return [...this.entries.keys()].sort();
  }

  close(): void {
    this.closed = true;
    for (const e of this.entries.values()) clearTimeout(e.timer);
    this.entries.clear();
  }
}
