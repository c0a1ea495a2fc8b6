/**
 * The CACHE (dm-cache) and WRITECACHE (dm-writecache) layers. Both put a device-mapper target over
 * the device of the layer below (the origin) with a fast cache device from another pool:
 *   CACHE:      Cache/CachePool (+ Cache/MetaPool, default the same), Cache/Cachesize (5%),
 *               Cache/Metasize (12288 KiB), Cache/OpMode (writethrough), Cache/Policy (smq),
 *               Cache/Blocksize (4096, the table's block size field)
 *   WRITECACHE: Writecache/PoolName and Writecache/Size (both required, as in LINSTOR),
 *               Writecache/Options/* (start_sector, watermarks, ..., fua/nofua, Additional)
 * The mapping is /dev/mapper/<rsc>_<nnnnn>-cache or -writecache.
 *
 * Removal never loses data: a dm-cache with dirty blocks is switched to the cleaner policy and
 * waited for until clean; a writecache is flushed (flush_on_suspend + suspend) and checked for errors
 * before `dmsetup remove`. Only then are the cache volumes deleted.
 */
import type { RunOptions } from '../../../exec/runner.js';
import { volumeName, type DesiredResource, type DesiredVolume, type ObservedLayerVolume } from '../../protocol.js';
import { SatelliteError } from '../../reports.js';
import type { Layer, LayerContext, LayerVolumes } from '../layer.js';
import {
  SUFFIX_CACHE_CACHE, SUFFIX_CACHE_META, SUFFIX_WRITECACHE_CACHE, auxPool, auxVolumeName, deleteAuxVolume, ensureAuxVolume, zeroHead,
} from './aux-volumes.js';
import {
  DMSETUP, createArgs, lsTargetArgs, messageArgs, reloadArgs, removeArgs, resumeArgs, statusArgs, suspendArgs, tableArgs,
} from './commands.js';
import { parseCacheStatus, parseDmLs, parseDmStatusLine, parseWritecacheStatus } from './parse.js';
import {
  CACHE_DEFAULTS, WRITECACHE_BLOCK_SIZE, cacheTable, resolveSizeKib, writecacheOptions, writecacheTable,
} from './tables.js';

export interface DmCacheLayerOptions {
  dmsetup?: string;
  timeoutMs?: number;
  /** How often and how long to wait for a dm-cache to become clean before removal (default 500 ms x 1200). */
  cleanPollMs?: number;
  cleanMaxPolls?: number;
  /** Zeroes a fresh cache/metadata device's superblock area (tests replace it). */
  zeroHead?: (device: string) => Promise<void>;
}

type Kind = 'CACHE' | 'WRITECACHE';
const TARGET: Record<Kind, string> = { CACHE: 'cache', WRITECACHE: 'writecache' };

export function dmDeviceName(kind: Kind, resource: string, volumeNumber: number): string {
  return `${volumeName(resource, volumeNumber)}-${TARGET[kind]}`;
}

interface Ops {
  /** Creates the aux volumes and the mapping; returns nothing, the caller reads the result. */
  create(ctx: LayerContext, resource: DesiredResource, vol: DesiredVolume, origin: string, originSectors: number, name: string): Promise<void>;
  /** Makes the mapping safe to remove (no data only on the cache device). */
  drain(ctx: LayerContext, name: string): Promise<void>;
  /** The aux volumes of a volume: [property naming the pool, pool name, volume name]. */
  aux(resource: DesiredResource, vol: DesiredVolume): Array<[string, string | undefined, string]>;
  health(params: string[]): string | undefined;
}

function createDmLayer(kind: Kind, opts: DmCacheLayerOptions, makeOps: (run: Runner) => Ops): Layer {
  const bin = opts.dmsetup ?? DMSETUP;
  const run: Runner = (ctx, args, more = {}) => ctx.runner.run(bin, args, { timeoutMs: opts.timeoutMs ?? 60_000, ...more });
  const ops = makeOps(run);

  const live = async (ctx: LayerContext) => new Set(parseDmLs((await run(ctx, lsTargetArgs(TARGET[kind]))).stdout));

  async function applyVolume(ctx: LayerContext, resource: DesiredResource, vol: DesiredVolume, below: ObservedLayerVolume, names: Set<string>):
    Promise<ObservedLayerVolume> {
    const origin = below.device_path!;
    const name = dmDeviceName(kind, resource.name, vol.volume_number);
    const sectors = originSectors(kind, below);
    if (!names.has(name)) {
      await ops.create(ctx, resource, vol, origin, sectors, name);
      ctx.log.info({ name, origin }, `dm-${TARGET[kind]} created`);
    } else {
      // The origin grew: the live table still has the old length.
      const line = parseDmStatusLine((await run(ctx, tableArgs(name))).stdout);
      if (line.length < sectors) {
        const table = [line.start, sectors, line.target, ...line.params].join(' ');
        await run(ctx, reloadArgs(name, table));
        await run(ctx, suspendArgs(name));
        await run(ctx, resumeArgs(name));
      }
    }
    const status = parseDmStatusLine((await run(ctx, statusArgs(name))).stdout);
    const problem = ops.health(status.params);
    if (problem) ctx.reports.push({ severity: 'warn', message: `dm-${TARGET[kind]} ${name}: ${problem}` });
    return {
      layer: kind,
      device_path: `/dev/mapper/${name}`,
      backing_device: origin,
      allocated_size_kib: below.allocated_size_kib,
      usable_size_kib: Math.floor(status.length / 2),
      disk_state: problem ? 'Failed' : below.disk_state,
    };
  }

  return {
    kind,

    async apply(ctx, resource, next) {
      const lower = await next();
      const out: LayerVolumes = new Map();
      let names: Set<string> | undefined;
      for (const vol of resource.volumes) {
        const chain = lower.get(vol.volume_number) ?? [];
        const below = chain[0];
        if (!below?.device_path || below.usable_size_kib === undefined) {
          out.set(vol.volume_number, [{ layer: kind, disk_state: below?.disk_state }, ...chain]);
          continue;
        }
        names ??= await live(ctx);
        out.set(vol.volume_number, [await applyVolume(ctx, resource, vol, below, names), ...chain]);
      }
      return out;
    },

    async remove(ctx, resource, next) {
      const names = await live(ctx);
      for (const vol of resource.volumes) {
        const name = dmDeviceName(kind, resource.name, vol.volume_number);
        if (names.has(name)) {
          await ops.drain(ctx, name);
          await run(ctx, removeArgs(name));
          ctx.log.info({ name }, `dm-${TARGET[kind]} removed`);
        }
        for (const [key, poolName, auxName] of ops.aux(resource, vol)) {
          // No pool named: nothing of ours can be there (it could never have been created).
          if (!poolName) continue;
          const { pool, provider } = auxPool(ctx, resource, vol, key, poolName);
          await deleteAuxVolume(ctx, pool, provider, auxName);
        }
      }
      await next();
    },
  };
}

type Runner = (ctx: LayerContext, args: string[], more?: RunOptions) => ReturnType<LayerContext['runner']['run']>;

function originSectors(kind: Kind, below: ObservedLayerVolume): number {
  const sectors = below.usable_size_kib! * 2;
  // dm-writecache maps whole cache blocks.
  return kind === 'WRITECACHE' ? sectors - (sectors % (WRITECACHE_BLOCK_SIZE / 512)) : sectors;
}

export function createCacheLayer(opts: DmCacheLayerOptions = {}): Layer {
  const zero = opts.zeroHead ?? zeroHead;
  const pollMs = opts.cleanPollMs ?? 500;
  const maxPolls = opts.cleanMaxPolls ?? 1200;
  return createDmLayer('CACHE', opts, (run) => ({
    aux(resource, vol) {
      const cachePool = vol.props['Cache/CachePool'];
      return [
        ['Cache/CachePool', cachePool, auxVolumeName(resource.name, SUFFIX_CACHE_CACHE, vol.volume_number)],
        ['Cache/MetaPool', vol.props['Cache/MetaPool'] ?? cachePool, auxVolumeName(resource.name, SUFFIX_CACHE_META, vol.volume_number)],
      ];
    },

    async create(ctx, resource, vol, origin, sectors, name) {
      const p = vol.props;
      const mode = (p['Cache/OpMode'] ?? CACHE_DEFAULTS.mode).trim().toLowerCase();
      const policy = (p['Cache/Policy'] ?? CACHE_DEFAULTS.policy).trim().toLowerCase();
      const blockSize = Number(p['Cache/Blocksize'] ?? CACHE_DEFAULTS.blockSize);
      const cacheKib = resolveSizeKib(p['Cache/Cachesize'] ?? CACHE_DEFAULTS.cacheSize, vol.size_kib, 'Cache/Cachesize');
      const metaKib = resolveSizeKib(p['Cache/Metasize'] ?? CACHE_DEFAULTS.metaSize, vol.size_kib, 'Cache/Metasize');
      const table = (metaDevice: string, cacheDevice: string) =>
        cacheTable({ originSectors: sectors, metaDevice, cacheDevice, originDevice: origin, blockSizeSectors: blockSize, mode, policy });
      // Build the table once before anything exists: a bad property fails without leftovers.
      table('-', '-');
      const [[, cachePoolName, cacheName], [, metaPoolName, metaName]] = this.aux(resource, vol);
      const c = auxPool(ctx, resource, vol, 'Cache/CachePool', cachePoolName);
      const m = auxPool(ctx, resource, vol, 'Cache/MetaPool', metaPoolName);
      const cache = await ensureAuxVolume(ctx, c.pool, c.provider, cacheName, cacheKib, vol.props);
      const meta = await ensureAuxVolume(ctx, m.pool, m.provider, metaName, metaKib, vol.props);
      if (meta.fresh) await zero(meta.volume.device_path);
      await run(ctx, createArgs(name, table(meta.volume.device_path, cache.volume.device_path)));
    },

    async drain(ctx, name) {
      let st = parseCacheStatus(parseDmStatusLine((await run(ctx, statusArgs(name))).stdout).params);
      if (st.dirty === 0) return;
      // Dirty blocks exist only on the cache device: write them back with the cleaner policy first.
      const table = parseDmStatusLine((await run(ctx, tableArgs(name))).stdout);
      const p = table.params;
      const nFeatures = Number(p[4]);
      const cleaner = [table.start, table.length, 'cache', ...p.slice(0, 5 + nFeatures), 'cleaner', 0].join(' ');
      await run(ctx, reloadArgs(name, cleaner));
      await run(ctx, suspendArgs(name));
      await run(ctx, resumeArgs(name));
      for (let i = 0; st.dirty > 0 && i < maxPolls; i++) {
        await new Promise((r) => setTimeout(r, pollMs));
        st = parseCacheStatus(parseDmStatusLine((await run(ctx, statusArgs(name))).stdout).params);
      }
      if (st.dirty > 0) {
        throw new SatelliteError(`dm-cache ${name} still has ${st.dirty} dirty blocks after ${Math.round((maxPolls * pollMs) / 1000)} s of cleaning; it was not removed`, {
          correction: 'Wait for the writeback to finish (dmsetup status shows the dirty count), then delete again.',
        });
      }
    },

    health(params) {
      const st = parseCacheStatus(params);
      if (st.needsCheck) return 'metadata needs_check is set (deactivate and run cache_check/cache_repair)';
      if (st.metadataMode === 'ro') return 'metadata is read-only after an error';
      return undefined;
    },
  }));
}

export function createWritecacheLayer(opts: DmCacheLayerOptions = {}): Layer {
  const zero = opts.zeroHead ?? zeroHead;
  return createDmLayer('WRITECACHE', opts, (run) => ({
    aux(resource, vol) {
      return [['Writecache/PoolName', vol.props['Writecache/PoolName'], auxVolumeName(resource.name, SUFFIX_WRITECACHE_CACHE, vol.volume_number)]];
    },

    async create(ctx, resource, vol, origin, sectors, name) {
      const sizeSpec = vol.props['Writecache/Size'];
      if (!sizeSpec) {
        throw new SatelliteError(`Volume ${vol.volume_number} of resource '${resource.name}' needs Writecache/Size`, {
          correction: 'Set Writecache/Size (e.g. 5% of the volume, or a size in KiB) together with Writecache/PoolName.',
        });
      }
      const sizeKib = resolveSizeKib(sizeSpec, vol.size_kib, 'Writecache/Size');
      const options = writecacheOptions(vol.props);
      const [[key, poolName, auxName]] = this.aux(resource, vol);
      const { pool, provider } = auxPool(ctx, resource, vol, key, poolName);
      const cache = await ensureAuxVolume(ctx, pool, provider, auxName, sizeKib, vol.props);
      if (cache.fresh) await zero(cache.volume.device_path);
      const table = writecacheTable({ originSectors: sectors, type: 's', originDevice: origin, cacheDevice: cache.volume.device_path, options });
      await run(ctx, createArgs(name, table));
    },

    async drain(ctx, name) {
      // kernel writecache.rst: flush_on_suspend, suspend (writes everything back), check the status.
      await run(ctx, messageArgs(name, 'flush_on_suspend'));
      await run(ctx, suspendArgs(name));
      const st = parseWritecacheStatus(parseDmStatusLine((await run(ctx, statusArgs(name))).stdout).params);
      if (st.error !== 0) {
        await run(ctx, resumeArgs(name));
        throw new SatelliteError(`dm-writecache ${name} reports error ${st.error} after flushing; it was not removed`, {
          correction: 'Check the kernel log for I/O errors on the cache or origin device before deleting again.',
        });
      }
    },

    health(params) {
      const st = parseWritecacheStatus(params);
      return st.error !== 0 ? `error ${st.error} (see the kernel log)` : undefined;
    },
  }));
}
