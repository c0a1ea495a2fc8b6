/**
 * Live watchers: long-running observers of a layer (DRBD's `drbdsetup events2`) that tell the
 * controller about state changes between updates. The satellite starts a watcher only when the
 * node supports its layer, and stops it on close. A watcher never changes anything on the node.
 */
import type { Logger } from 'pino';
import type { LayerKind } from '../model/enums.js';
import type { ObservedResource } from './protocol.js';

export interface LayerWatcher {
  start(): void;
  /** Ends the watcher and whatever it runs; resolves once nothing of it is left. */
  stop(): Promise<void>;
}

/** What the satellite offers a watcher. */
export interface WatcherHost {
  log: Logger;
  /**
   * What the satellite last observed of a resource it holds whose top layer is the watcher's layer
   * (undefined for any other name, e.g. DRBD resources Storhub does not manage).
   */
  observed(name: string): ObservedResource | undefined;
  /** Sends a `resource` event with this observation. */
  publishResource(resource: ObservedResource): void;
}

export interface LayerWatcherFactory {
  layer: LayerKind;
  create(host: WatcherHost): LayerWatcher;
}
