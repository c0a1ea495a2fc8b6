/**
 * The extra volumes the CACHE and WRITECACHE layers need (cache device, dm-cache metadata device),
 * made through the storage provider of the pool their properties name. Names follow LINSTOR's
 * resource-name suffixes (RscLayerSuffixes): `<rsc>.dmcache_cache_<nnnnn>`,
 * `<rsc>.dmcache_meta_<nnnnn>` and, for the writecache, `<rsc>.cache_<nnnnn>`.
 *
 * protocol.parseVolumeName accepts these names (so providers create, list and delete them), and the
 * satellite's full-sync sweep counts `auxiliaryVolumeNames()` of every wanted resource as wanted
 * (resource-engine.wantedVolumeNames), so a live cache device is never swept; an orphaned one is.
 */
import { open } from 'node:fs/promises';
import { AUX_VOLUME_SUFFIXES, type DesiredPool, type DesiredResource, type DesiredVolume } from '../../protocol.js';
import type { ProviderVolume, StorageProvider } from '../../providers/provider.js';
import { SatelliteError } from '../../reports.js';
import type { LayerContext } from '../layer.js';

export const SUFFIX_CACHE_CACHE = AUX_VOLUME_SUFFIXES.dmcache_cache;
export const SUFFIX_CACHE_META = AUX_VOLUME_SUFFIXES.dmcache_meta;
export const SUFFIX_WRITECACHE_CACHE = AUX_VOLUME_SUFFIXES.cache;

export function auxVolumeName(resource: string, suffix: string, volumeNumber: number): string {
  return `${resource}${suffix}_${String(volumeNumber).padStart(5, '0')}`;
}

/** Every auxiliary volume a resource's stack wants on this node (for the satellite's sweep). */
export function auxiliaryVolumeNames(resource: DesiredResource): string[] {
  const out: string[] = [];
  for (const v of resource.volumes) {
    if (resource.layer_stack.includes('CACHE')) {
      out.push(auxVolumeName(resource.name, SUFFIX_CACHE_CACHE, v.volume_number), auxVolumeName(resource.name, SUFFIX_CACHE_META, v.volume_number));
    }
    if (resource.layer_stack.includes('WRITECACHE')) out.push(auxVolumeName(resource.name, SUFFIX_WRITECACHE_CACHE, v.volume_number));
  }
  return out;
}

/** The pool a property names, and its provider; errors say which property to fix. */
export function auxPool(ctx: LayerContext, resource: DesiredResource, vol: DesiredVolume, key: string, poolName: string | undefined):
  { pool: DesiredPool; provider: StorageProvider } {
  if (!poolName?.trim()) {
    throw new SatelliteError(`Volume ${vol.volume_number} of resource '${resource.name}' needs ${key}`, {
      correction: `Set ${key} to a storage pool on node '${ctx.node_name}' (on the volume definition, resource definition, resource group or controller).`,
    });
  }
  const pool = ctx.pools.get(poolName.trim().toUpperCase());
  if (!pool) {
    throw new SatelliteError(`${key} of resource '${resource.name}' names storage pool '${poolName}', which node '${ctx.node_name}' does not have`, {
      correction: `Create the storage pool '${poolName}' on node '${ctx.node_name}', or set ${key} to one it has.`,
    });
  }
  if (pool.provider_kind === 'DISKLESS') {
    throw new SatelliteError(`${key} of resource '${resource.name}' names the diskless pool '${pool.name}'`, { correction: `Set ${key} to a pool with storage.` });
  }
  const provider = ctx.providers.get(pool.provider_kind);
  if (!provider) {
    throw new SatelliteError(`Storage pool '${pool.name}' (${key}) has provider ${pool.provider_kind}, which node '${ctx.node_name}' does not support`);
  }
  return { pool, provider };
}

/** Creates the auxiliary volume when missing; `fresh` tells whether it was just made (so its head may be zeroed). */
export async function ensureAuxVolume(ctx: LayerContext, pool: DesiredPool, provider: StorageProvider, name: string, sizeKib: number,
  props: Record<string, string>): Promise<{ volume: ProviderVolume; fresh: boolean }> {
  const pctx = { runner: ctx.runner, log: ctx.log, stateDir: ctx.stateDir };
  const existed = (await provider.listVolumes(pctx, pool)).some((v) => v.name === name);
  const volume = await provider.createVolume(pctx, pool, { name, size_kib: sizeKib, props });
  return { volume, fresh: !existed };
}

export async function deleteAuxVolume(ctx: LayerContext, pool: DesiredPool, provider: StorageProvider, name: string): Promise<void> {
  await provider.deleteVolume({ runner: ctx.runner, log: ctx.log, stateDir: ctx.stateDir }, pool, name);
}

/**
 * Zeroes the first 4 KiB of a device. dm-cache and dm-writecache read a superblock there: a new
 * metadata/cache device must not start with stale bytes, but an existing one must NEVER be zeroed
 * (it may hold dirty blocks not yet written back), so callers only do this for fresh volumes.
 */
export async function zeroHead(device: string): Promise<void> {
  const fh = await open(device, 'r+');
  try {
    await fh.write(Buffer.alloc(4096), 0, 4096, 0);
    await fh.sync();
  } finally {
    await fh.close();
  }
}
