/**
 * What the VolumeOps implementation shares between its files: the options and per-instance context,
 * the wait loop every "until the satellites did it" step uses, the mapping of LINSTOR answers onto
 * VolumeOpsError kinds, and the resource view -> VolumeInfo conversion.
 */
import type { Logger } from 'pino';
import { ApiError, type StorhubClient } from '../client/index.js';
import type { ApiCallRc } from '../model/apicallrc.js';
import { isError } from '../model/apicallrc.js';
import type { ResourceDefinition, ResourceWithVolumes, Volume } from '../model/index.js';
import { type VolumeInfo, VolumeOpsError, type VolumeSpec } from './volume-ops.js';

export interface VolumeOpsOptions {
  /** Debug lines for every LINSTOR call sequence step (the plugin's logger). */
  log?: Logger;
  /** Aborts every wait (the plugin's stop signal). */
  signal?: AbortSignal;
  /** Time budget of each wait (placement, attach, resize, snapshot, clone, delete); default 120 s. */
  timeoutMs?: number;
  /** Poll interval of those waits; default 250 ms. */
  pollMs?: number;
  /** The group volumes spawn from when their spec names none; default DfltRscGrp. */
  defaultResourceGroup?: string;
}

export interface OpsContext {
  client: StorhubClient;
  log: Logger | undefined;
  signal: AbortSignal | undefined;
  timeoutMs: number;
  pollMs: number;
}

export const DEFAULT_RESOURCE_GROUP = 'DfltRscGrp';

const enc = encodeURIComponent;
export const rdPath = (rd: string): string => `/v1/resource-definitions/${enc(rd)}`;
export const rscPath = (rd: string, node: string): string => `${rdPath(rd)}/resources/${enc(node)}`;
export const snapPath = (rd: string, snap?: string): string => `${rdPath(rd)}/snapshots${snap === undefined ? '' : `/${enc(snap)}`}`;

/** LINSTOR names compare case-insensitively. */
export const same = (a: string, b: string): boolean => a.toUpperCase() === b.toUpperCase();

/** One step of a wait: done with a value, or not yet and why (the why ends up in the timeout message). */
export type Check<T> = { done: true; value: T } | { done: false; why: string };

/** Polls `check` until it is done; a timeout names what was awaited and the last reason. */
export async function waitUntil<T>(ctx: OpsContext, what: string, check: () => Promise<Check<T>>, timeoutMs = ctx.timeoutMs): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    ctx.signal?.throwIfAborted();
    const r = await check();
    if (r.done) return r.value;
    if (Date.now() >= until) {
      throw new VolumeOpsError('timeout', `Timed out after ${duration(timeoutMs)} waiting for ${what}: ${r.why}.`);
    }
    await sleep(ctx.pollMs, ctx.signal);
  }
}

const duration = (ms: number): string => (ms < 10_000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`);

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(done, ms);
    function done() {
      signal?.removeEventListener('abort', aborted);
      resolve();
    }
    function aborted() {
      clearTimeout(timer);
      reject(signal!.reason);
    }
    signal?.addEventListener('abort', aborted, { once: true });
  });
}

/** The controller's own words: message, cause and correction of the first error entry. */
export function describeReplies(replies: readonly ApiCallRc[], fallback: string): string {
  const first = replies.find((r) => isError(BigInt(r.ret_code))) ?? replies[0];
  if (!first) return fallback;
  return [first.message, first.cause, first.correction].filter((s): s is string => !!s && s.trim() !== '').join(' ');
}

/**
 * LINSTOR answers that a platform maps to its own error become VolumeOpsError; everything else
 * (other API errors, connection errors) is returned unchanged for the caller to rethrow.
 */
export function mapError(err: unknown, what: string): unknown {
  if (!(err instanceof ApiError)) return err;
  const text = `${what}: ${describeReplies(err.replies, err.message)}`;
  if (err.hasCode('FAIL_NOT_ENOUGH_NODES')) return new VolumeOpsError('no_space', text, { cause: err });
  if (err.hasCode('FAIL_IN_USE')) return new VolumeOpsError('in_use', text, { cause: err });
  if (err.isNotFound()) return new VolumeOpsError('not_found', text, { cause: err });
  return err;
}

/** Runs a mutation; a 404 / WARN_NOT_FOUND (the object is already gone) counts as done. */
export async function ignoreMissing(call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch (err) {
    if (err instanceof ApiError && err.isNotFound()) return;
    throw err;
  }
}

/** The select filter of a spawn / autoplace request: the spec's placement fields that are set. */
export function filterOf(placement: VolumeSpec['placement']): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(placement ?? {})) {
    if (v === undefined || (Array.isArray(v) && v.length === 0)) continue;
    out[k] = v;
  }
  return out;
}

export const isDeleting = (flags: readonly string[] | undefined): boolean => (flags ?? []).includes('DELETE');
export const isDiskless = (r: ResourceWithVolumes): boolean => (r.flags ?? []).includes('DISKLESS');

export function volume0(r: ResourceWithVolumes): Volume | undefined {
  return r.volumes?.find((v) => v.volume_number === 0) ?? r.volumes?.[0];
}

/** The replicas of `name` that are not being deleted, from a resource view. */
export function replicasIn(view: readonly ResourceWithVolumes[], name: string): ResourceWithVolumes[] {
  return view.filter((r) => same(r.name, name) && !isDeleting(r.flags));
}

export function toInfo(rd: ResourceDefinition, view: readonly ResourceWithVolumes[]): VolumeInfo {
  const vd = rd.volume_definitions?.find((v) => v.volume_number === 0) ?? rd.volume_definitions?.[0];
  return {
    name: rd.name,
    size_kib: vd?.size_kib ?? 0,
    props: rd.props ?? {},
    replicas: replicasIn(view, rd.name)
      .map((r) => {
        const v = volume0(r);
        const replica: VolumeInfo['replicas'][number] = { node: r.node_name, diskless: isDiskless(r) };
        // A DRBD path is known before the device exists; it is only reported once the satellite has it.
        if (v?.device_path && v.state?.disk_state !== undefined) replica.device_path = v.device_path;
        if (r.state?.in_use !== undefined) replica.in_use = r.state.in_use;
        if (v?.state?.disk_state !== undefined) replica.state = v.state.disk_state;
        return replica;
      })
      .sort((a, b) => a.node.localeCompare(b.node)),
  };
}

/** The size a replica's top layer reports as usable (what a filesystem on it gets), KiB. */
export function usableKib(v: Volume | undefined): number | undefined {
  const top = v?.layer_data_list?.[0]?.data as { usable_size_kib?: number } | undefined;
  return top?.usable_size_kib ?? v?.usable_size_kib;
}
