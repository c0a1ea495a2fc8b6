/**
 * A layer of the resource stack (DRBD, LUKS, NVME, CACHE, WRITECACHE, STORAGE). The stack runner
 * (stack.ts) chains them from the resource's layer list: each layer calls `next()` to have the layers
 * below it applied first and gets their per-volume devices back; no layer calls its child by hand.
 */
import type { Logger } from 'pino';
import type { CommandRunner } from '../../exec/runner.js';
import type { LayerKind } from '../../model/enums.js';
import type { DesiredPool, DesiredResource, DesiredVolume, ObservedLayerVolume, Report } from '../protocol.js';
import type { StorageProvider } from '../providers/provider.js';

export interface LayerContext {
  runner: CommandRunner;
  log: Logger;
  node_name: string;
  stateDir: string;
  /** The node's pools by name (upper-case key). */
  pools: ReadonlyMap<string, DesiredPool>;
  /** The providers this node supports, by provider kind (DesiredPool.provider_kind). */
  providers: ReadonlyMap<string, StorageProvider>;
  /** Effective node props. */
  node_props: Record<string, string>;
  /** Reports this run adds to the resource (warnings and errors the user should see). */
  reports: Report[];
}

/** Per volume number: this layer's view of the volume, and the layers below it (top first). */
export type LayerVolumes = Map<number, ObservedLayerVolume[]>;

export interface Layer {
  readonly kind: LayerKind;
  /** Makes the layer exist for the resource (idempotent). */
  apply(ctx: LayerContext, resource: DesiredResource, next: () => Promise<LayerVolumes>): Promise<LayerVolumes>;
  /** Tears the layer down, then lets the layers below it go (`next`). A missing device is not an error. */
  remove(ctx: LayerContext, resource: DesiredResource, next: () => Promise<void>): Promise<void>;
  /**
   * The size (KiB) the layer below must offer so this layer can offer `sizeKib` to the one above
   * (DRBD adds its internal metadata, LUKS its header). Absent: the same size. The STORAGE layer
   * folds these from the top of the stack down to size the volume it creates.
   */
  lowerSizeKib?(resource: DesiredResource, volume: DesiredVolume, sizeKib: number): number;
}
