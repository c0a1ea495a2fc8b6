/**
 * What the snapshot engine (snapshots.ts) needs around the providers: whose snapshot a storage name
 * is, which names are wanted anywhere on the node, whether a resource is in use, and taking down the
 * layers above STORAGE for a rollback.
 *
 * Ownership: FILE and LVM_THIN store a snapshot as `<resource>_<nnnnn>_<snapshot>`. Resource and
 * snapshot names may both contain `_` and digits, so `a_00000_b_00001_c` is resource `a`'s snapshot
 * `b_00001_c` or resource `a_00000_b`'s snapshot `c`. It is decided against the resources the node
 * holds: the longest resource name that fits wins, and a name that is some resource's data volume or
 * wanted snapshot is never deleted, whoever it seems to belong to.
 */
import { readdir, realpath } from 'node:fs/promises';
import { basename } from 'node:path';
import type { LayerKind } from '../model/enums.js';
import { deviceNumber, mountedDeviceNumbers } from './in-use.js';
import type { Layer, LayerContext } from './layers/layer.js';
import { parseVolumeName, snapshotVolumeName, volumeName, type DesiredPool, type DesiredResource, type DesiredVolume, type Report } from './protocol.js';
import type { ProviderSnapshot, StorageProvider } from './providers/provider.js';
import { deviceClaimed, isSnapshotPart, snapshotsUnsupported } from './providers/snapshot-common.js';
import { errorReport } from './reports.js';

export interface SnapshotOwner {
  resource: string;
  volumeNumber: number;
  /** `<resource>_<nnnnn>` exactly as stored. */
  volume: string;
  /** The snapshot part exactly as stored. */
  snapshot: string;
}

/** Whose snapshot `snap` is among `resources` (names as given), or undefined when none fits. */
export function snapshotOwner(snap: ProviderSnapshot, resources: Iterable<string>): SnapshotOwner | undefined {
  const names = [...resources];
  if (snap.volume !== undefined && snap.snapshot !== undefined) {
    // The provider stores the two parts apart (ZFS): only the resource needs matching.
    const parsed = parseVolumeName(snap.volume);
    if (!parsed || parsed.kind !== 'data') return undefined;
    const owner = names.find((n) => n.toUpperCase() === parsed.resource.toUpperCase());
    return owner ? { resource: owner, volumeNumber: parsed.volumeNumber, volume: snap.volume, snapshot: snap.snapshot } : undefined;
  }
  let best: SnapshotOwner | undefined;
  const upper = snap.name.toUpperCase();
  for (const r of names) {
    if (!upper.startsWith(`${r.toUpperCase()}_`)) continue;
    const m = /^(\d{5})_(.+)$/.exec(snap.name.slice(r.length + 1));
    if (!m || !isSnapshotPart(m[2])) continue;
    if (best && best.resource.length >= r.length) continue;
    best = { resource: r, volumeNumber: Number(m[1]), volume: snap.name.slice(0, r.length + 6), snapshot: m[2] };
  }
  return best;
}

/**
 * Upper-cased storage names of every snapshot the resources want (`<resource>_<nnnnn>_<snapshot>`,
 * for each volume), so no sweep ever mistakes one for an unwanted volume.
 */
export function wantedSnapshotNames(resources: Iterable<DesiredResource>): Set<string> {
  const out = new Set<string>();
  for (const r of resources) {
    for (const s of r.snapshots ?? []) {
      for (const v of r.volumes) out.add(snapshotVolumeName(r.name, v.volume_number, s.name).toUpperCase());
    }
  }
  return out;
}

/** Snapshot parts a user snapshot can have; the satellite's temporary clone snapshots contain a dot. */
export const isUserSnapshot = (snapshot: string): boolean => !snapshot.includes('.');

/**
 * Why the devices of a resource are in use, or undefined. From each storage device up through the
 * devices stacked on it (sysfs holders: LUKS, dm-cache, ...) to the topmost ones: a topmost device
 * that is mounted or claimed by an exclusive opener is in use. DRBD devices are left out: their
 * role says it (the DRBD layer's observe), and opening one can promote it.
 */
export async function devicesInUse(storageDevices: readonly string[]): Promise<string | undefined> {
  const mounted = await mountedDeviceNumbers();
  for (const dev of storageDevices) {
    if (!dev) continue;
    for (const top of await topDevices(dev)) {
      if (/^drbd\d+$/.test(top)) continue;
      const path = `/dev/${top}`;
      const num = await deviceNumber(path);
      if (num && mounted.has(num)) return `${path} is mounted`;
      if (await deviceClaimed(path)) return `${path} is held open`;
    }
  }
  return undefined;
}

/** Kernel names (loop3, dm-2) of the devices at the top of the stack that starts at `device`. */
async function topDevices(device: string): Promise<string[]> {
  let name: string;
  try {
    name = basename(await realpath(device));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const seen = new Set<string>();
  const tops: string[] = [];
  const walk = async (n: string): Promise<void> => {
    if (seen.has(n)) return;
    seen.add(n);
    const holders = await holdersOf(n);
    if (!holders.length) tops.push(n);
    for (const h of holders) await walk(h);
  };
  await walk(name);
  return tops;
}

async function holdersOf(name: string): Promise<string[]> {
  try {
    return await readdir(`/sys/class/block/${name}/holders`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** A layer that can tell whether its devices are open (the DRBD layer: Primary / opened). */
export interface InUseLayer {
  observe(ctx: LayerContext, resource: DesiredResource): Promise<{ in_use: boolean } | undefined>;
}

/** A layer that can hold I/O while the storage below is snapshotted (DRBD: suspend-io/resume-io). */
export interface SuspendingLayer {
  suspendIo(ctx: LayerContext, resource: DesiredResource): Promise<void>;
  resumeIo(ctx: LayerContext, resource: DesiredResource): Promise<void>;
}

export function suspendingLayer(layer: Layer | undefined): SuspendingLayer | undefined {
  const l = layer as Partial<SuspendingLayer> | undefined;
  return l?.suspendIo && l.resumeIo ? (l as SuspendingLayer) : undefined;
}

/**
 * Takes down every layer above STORAGE, top first (each layer's remove with a `next` that stops at
 * STORAGE), so the storage volumes are free for a rollback. The next apply brings them back: DRBD
 * finds its metadata (rolled back with the data), LUKS reopens with its key, a cache starts cold —
 * which it must, because what it cached no longer matches the data below.
 */
export async function removeUpperLayers(layers: ReadonlyMap<LayerKind, Layer>, ctx: LayerContext, r: DesiredResource): Promise<void> {
  const upper: Layer[] = [];
  for (const kind of r.layer_stack) {
    if (kind === 'STORAGE') break;
    const layer = layers.get(kind);
    if (!layer) throw new Error(`layer ${kind} is not available on this satellite`);
    upper.push(layer);
  }
  const run = (i: number): Promise<void> => (i >= upper.length ? Promise.resolve() : upper[i].remove(ctx, r, () => run(i + 1)));
  await run(0);
}

/** One diskful volume of a resource with its pool and provider, or why it has none. */
export interface VolumeSite {
  v: DesiredVolume;
  name: string;
  pool?: DesiredPool;
  provider?: StorageProvider;
  problem?: Report;
}

/** The volumes of a resource with their pools; a pool whose provider cannot snapshot is a problem. */
export function volumeSites(pools: ReadonlyMap<string, DesiredPool>, providers: ReadonlyMap<string, StorageProvider>, nodeName: string, r: DesiredResource): VolumeSite[] {
  return r.volumes.map((v) => {
    const name = volumeName(r.name, v.volume_number);
    const pool = pools.get(v.storage_pool.toUpperCase());
    if (!pool) {
      return { v, name, problem: { severity: 'error' as const, message: `Volume ${name} uses storage pool '${v.storage_pool}', which node '${nodeName}' was not given.` } };
    }
    const provider = providers.get(pool.provider_kind);
    if (!provider) {
      return { v, name, pool, problem: { severity: 'error' as const, message: `Storage pool '${pool.name}' uses provider ${pool.provider_kind}, which node '${nodeName}' does not support.` } };
    }
    const capable = provider.supportsSnapshots && provider.createSnapshot && provider.deleteSnapshot && provider.listSnapshots && provider.restoreVolume && provider.rollback;
    if (!capable) return { v, name, pool, provider, problem: errorReport(`Snapshots of volume ${name}`, snapshotsUnsupported(pool.provider_kind, pool)) };
    return { v, name, pool, provider };
  });
}

/** Resources by upper-cased name; a later entry replaces an earlier one (the update's over the cache's). */
export function knownMap(known: Iterable<DesiredResource>): Map<string, DesiredResource> {
  const m = new Map<string, DesiredResource>();
  for (const r of known) m.set(r.name.toUpperCase(), r);
  return m;
}

/** Upper-cased storage names no snapshot deletion may touch: data volumes and wanted snapshots. */
export function wantedNames(resources: Iterable<DesiredResource>): Set<string> {
  const list = [...resources];
  const out = wantedSnapshotNames(list);
  for (const r of list) for (const v of r.volumes) out.add(volumeName(r.name, v.volume_number).toUpperCase());
  return out;
}
