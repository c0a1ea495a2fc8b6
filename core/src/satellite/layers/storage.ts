/**
 * The STORAGE layer: the bottom of every stack. For each volume it asks the pool's provider for a
 * `<resource>_<nnnnn>` volume of the right size (create when missing, grow when smaller, never shrink)
 * and hands its block device to the layer above. Diskless resources get no volume at all.
 *
 * The size it creates is the size the layers above need: the volume definition's net size, grown by
 * each upper layer's own metadata (Layer.lowerSizeKib), unless the definition says GROSS_SIZE, in which
 * case the user's number already is the size of the bottom volume.
 */
import type { LayerKind } from '../../model/enums.js';
import { parseVolumeName, volumeName, type DesiredPool, type DesiredResource, type DesiredVolume, type ObservedLayerVolume } from '../protocol.js';
import type { StorageProvider } from '../providers/provider.js';
import { SatelliteError } from '../reports.js';
import type { Layer, LayerContext, LayerVolumes } from './layer.js';

/** Flags with which a resource has no local disk (LINSTOR writes the composite ones too). */
const DISKLESS_FLAGS = new Set(['DISKLESS', 'DRBD_DISKLESS', 'NVME_INITIATOR', 'EBS_INITIATOR', 'TIE_BREAKER']);

export function isDisklessResource(resource: DesiredResource): boolean {
  return resource.flags.some((f) => DISKLESS_FLAGS.has(f.toUpperCase()));
}

export interface StorageLayerOptions {
  /** The other layers, so their metadata overhead can be added (looked up lazily: they are built together). */
  layers?: () => ReadonlyMap<LayerKind, Layer>;
}

/**
 * The pool and provider of a volume, or a SatelliteError that says what is missing and how to fix it.
 * A DISKLESS pool needs no provider: it never holds a volume.
 */
export function poolOf(ctx: LayerContext, resource: DesiredResource, vol: DesiredVolume): { pool: DesiredPool; provider: StorageProvider | undefined } {
  const pool = ctx.pools.get(vol.storage_pool.toUpperCase());
  if (!pool) {
    throw new SatelliteError(`Volume ${vol.volume_number} of resource '${resource.name}' uses storage pool '${vol.storage_pool}', which this node was not given`, {
      correction: `Create the storage pool '${vol.storage_pool}' on node '${ctx.node_name}', or place the volume in another pool.`,
    });
  }
  if (pool.provider_kind === 'DISKLESS') return { pool, provider: undefined };
  const provider = ctx.providers.get(pool.provider_kind);
  if (!provider) {
    throw new SatelliteError(`Storage pool '${pool.name}' has provider ${pool.provider_kind}, which node '${ctx.node_name}' does not support`, {
      correction: `Install what ${pool.provider_kind} needs on this node and restart the satellite, or use a pool with a supported provider.`,
    });
  }
  return { pool, provider };
}

export function createStorageLayer(opts: StorageLayerOptions = {}): Layer {
  /** The size the bottom volume needs: fold every upper layer's overhead, top first. */
  const sizeBelow = (resource: DesiredResource, vol: DesiredVolume): number => {
    if (vol.gross_size) return vol.size_kib;
    const registry = opts.layers?.();
    let size = vol.size_kib;
    for (const kind of resource.layer_stack) {
      if (kind === 'STORAGE') break;
      const layer = registry?.get(kind);
      if (layer?.lowerSizeKib) size = layer.lowerSizeKib(resource, vol, size);
    }
    return size;
  };

  async function applyVolume(ctx: LayerContext, resource: DesiredResource, vol: DesiredVolume): Promise<ObservedLayerVolume> {
    const { pool, provider } = poolOf(ctx, resource, vol);
    if (!provider) return { layer: 'STORAGE', disk_state: 'Diskless' };
    const pctx = { runner: ctx.runner, log: ctx.log, stateDir: ctx.stateDir };
    const req = { name: volumeName(resource.name, vol.volume_number), size_kib: sizeBelow(resource, vol), props: vol.props };
    let got = await provider.createVolume(pctx, pool, req);
    if (got.usable_kib < req.size_kib) {
      ctx.log.info({ volume: req.name, from_kib: got.usable_kib, to_kib: req.size_kib }, 'growing volume');
      got = await provider.resizeVolume(pctx, pool, req);
    } else if (got.usable_kib > req.size_kib && got.usable_kib - req.size_kib > roundingSlackKib(req.size_kib)) {
      // Shrinking would destroy data at the end of the volume; the controller refuses it for
      // deployed resources, so this only happens when the volume was made bigger by hand.
      ctx.reports.push({
        severity: 'warn',
        message: `Volume ${req.name} is ${got.usable_kib} KiB, larger than the ${req.size_kib} KiB wanted; it is left as it is (volumes are never shrunk).`,
      });
    }
    return {
      layer: 'STORAGE',
      device_path: got.device_path,
      allocated_size_kib: got.allocated_kib,
      usable_size_kib: got.usable_kib,
      disk_state: 'UpToDate',
    };
  }

  return {
    kind: 'STORAGE',

    async apply(ctx, resource) {
      // STORAGE is the bottom: nothing below it to run, so `next` is not called.
      const out: LayerVolumes = new Map();
      const diskless = isDisklessResource(resource);
      const failures: string[] = [];
      let firstError: unknown;
      for (const vol of resource.volumes) {
        if (diskless) {
          out.set(vol.volume_number, [{ layer: 'STORAGE', disk_state: 'Diskless' }]);
          continue;
        }
        try {
          out.set(vol.volume_number, [await applyVolume(ctx, resource, vol)]);
        } catch (err) {
          // Try the other volumes too, so one bad pool does not hide the state of the rest.
          firstError ??= err;
          failures.push(`volume ${vol.volume_number}: ${(err as Error).message}`);
        }
      }
      if (failures.length === 1) throw firstError;
      if (failures.length > 1) throw new SatelliteError(`Storage of resource '${resource.name}' failed: ${failures.join('; ')}`);
      return out;
    },

    async remove(ctx, resource, next) {
      const failures: string[] = [];
      if (!isDisklessResource(resource)) {
        for (const vol of resource.volumes) {
          const name = volumeName(resource.name, vol.volume_number);
          // The naming rule is the proof the volume is ours; never hand anything else to a provider.
          if (!parseVolumeName(name)) continue;
          try {
            const { pool, provider } = poolOf(ctx, resource, vol);
            if (!provider) continue;
            await provider.deleteVolume({ runner: ctx.runner, log: ctx.log, stateDir: ctx.stateDir }, pool, name);
            ctx.log.info({ volume: name, pool: pool.name }, 'deleted volume');
          } catch (err) {
            failures.push(`${name}: ${(err as Error).message}`);
          }
        }
      }
      await next();
      if (failures.length) throw new SatelliteError(`Removing the storage of resource '${resource.name}' failed: ${failures.join('; ')}`);
    },
  };
}

/** Providers round up (LVM extents, 4 KiB pages); only a difference beyond that is worth a warning. */
function roundingSlackKib(sizeKib: number): number {
  return Math.max(4096, Math.ceil(sizeKib / 100));
}
