/**
 * The controller core: the graph, the store, and the commit path every service uses. Loading happens
 * once, at construction; afterwards the graph is the only thing read.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { Change, type Write } from './change.js';
import { Graph, key } from './graph.js';
import type { Store } from '../store/store.js';
import type { Kind, RecordKinds, ErrorReportRecord } from '../store/records.js';
import { ensureDefaults } from './defaults.js';
import { OfflineRuntime, type RuntimeState } from './runtime.js';

export interface ControllerOptions {
  store: Store;
  logger: Logger;
  /** The name reported for controller-side error reports and the local node. */
  nodeName?: string;
  /** Live node and pool state (satellite connections); offline until satellites exist. */
  runtime?: RuntimeState;
}

/** Told what a commit wrote, after it is durable and applied; must not throw or block. */
export type CommitListener = (writes: readonly Readonly<Write>[]) => void;

/** What the API can ask of the satellite connections (set by the daemon when it starts them). */
export interface SatelliteControl {
  /** Drops the connection to the node's satellite and connects again at once; false if there is none. */
  reconnect(nodeName: string): boolean;
}

export class Controller {
  readonly graph = new Graph();
  readonly store: Store;
  readonly log: Logger;
  readonly nodeName: string;
  readonly startedAt = Date.now();
  runtime: RuntimeState;
  /** The satellite connections, when running (the daemon sets it). */
  satellites?: SatelliteControl;
  private errorSeq = 0;
  private readonly commitListeners = new Set<CommitListener>();

  constructor(opts: ControllerOptions) {
    this.store = opts.store;
    this.log = opts.logger.child({ component: 'controller' });
    this.nodeName = opts.nodeName ?? 'controller';
    this.runtime = opts.runtime ?? new OfflineRuntime();
    const t0 = performance.now();
    for (const o of this.store.loadAll()) {
      this.graph.apply(o.kind, o.key, o.value as RecordKinds[Kind]);
    }
    const defaults = ensureDefaults(this.graph);
    this.commit(defaults);
    this.log.info({ ms: Math.round(performance.now() - t0), resources: this.graph.resources.size }, 'graph loaded');
  }

  /** Makes a change durable, then visible. */
  commit(change: Change): void {
    change.commit(this.store, this.graph);
    if (this.commitListeners.size === 0 || change.isEmpty) return;
    for (const listener of this.commitListeners) {
      // The change is already durable: a failing listener must not turn it into a failed request.
      try {
        listener(change.written);
      } catch (err) {
        this.log.error({ err }, 'commit listener failed');
      }
    }
  }

  /** Calls `listener` after every commit; returns the function that removes it. */
  onCommit(listener: CommitListener): () => void {
    this.commitListeners.add(listener);
    return () => this.commitListeners.delete(listener);
  }

  newUuid(): string {
    return randomUUID();
  }

  /** Records an unexpected failure as an error report (kept in the store) and returns its id. */
  recordError(err: unknown, context: string): string {
    const e = err instanceof Error ? err : new Error(String(err));
    const now = Date.now();
    const id = `${now.toString(16).toUpperCase()}-${process.pid}-${String(++this.errorSeq).padStart(6, '0')}`;
    const frame = /\((.*):(\d+):\d+\)/.exec(e.stack?.split('\n')[1] ?? '');
    const report: ErrorReportRecord = {
      id,
      node_name: this.nodeName,
      error_time: now,
      module: 'CONTROLLER',
      version: process.env.npm_package_version ?? '0.1.0',
      exception: e.name,
      exception_message: e.message,
      origin_file: frame?.[1],
      origin_line: frame ? Number(frame[2]) : undefined,
      text: `ERROR REPORT ${id}\n\nContext: ${context}\n\n${e.stack ?? e.message}\n`,
    };
    try {
      this.commit(new Change().put('error_report', report.id, report));
    } catch (storeErr) {
      // The report still goes to the log when the store itself is what failed.
      this.log.error({ err: storeErr }, 'could not store error report');
    }
    this.log.error({ err: e, errorReport: id }, context);
    return id;
  }
}

export { key };
