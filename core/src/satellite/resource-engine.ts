/**
 * One resource (or one pool) at a time: what the converge engine (satellite.ts) does to each. Every
 * failure comes back as a Report for the object it concerns; nothing here throws for a device problem.
 */
import type { Logger } from 'pino';
import type { CommandRunner } from '../exec/runner.js';
import type { LayerKind } from '../model/enums.js';
import { FS_TYPE_PROP, fileSystemType, type NewVolumeFormatter } from './filesystem.js';
import { deviceNumber, mountedDeviceNumbers } from './in-use.js';
import { auxiliaryVolumeNames } from './layers/cache/aux-volumes.js';
import type { Layer, LayerContext, LayerVolumes } from './layers/layer.js';
import { applyStack, removeStack } from './layers/stack.js';
import { isDisklessResource } from './layers/storage.js';
import {
  parseVolumeName, volumeName, type Capabilities, type DesiredPool, type DesiredResource, type ObservedPool,
  type ObservedResource, type ObservedVolume, type Report,
} from './protocol.js';
import type { ProviderContext, ProviderVolume, StorageProvider } from './providers/provider.js';
import { errorReport } from './reports.js';
import { wantedSnapshotNames } from './snapshot-support.js';
import { SnapshotEngine, type SnapshotContext } from './snapshots.js';
import { RollbackLedger } from './state-cache.js';

export interface EngineOptions {
  runner: CommandRunner;
  log: Logger;
  nodeName: string;
  stateDir: string;
  /** The supported providers, by kind. */
  providers: ReadonlyMap<string, StorageProvider>;
  /** The supported layers, STORAGE included. */
  layers: ReadonlyMap<LayerKind, Layer>;
  capabilities: Capabilities;
  formatter: NewVolumeFormatter;
  /** Rollbacks applied (default: the ledger in stateDir). */
  rollbacks?: RollbackLedger;
}

/** A layer that can say more about a resource than its devices (the DRBD layer). */
interface ObservingLayer {
  observe(ctx: LayerContext, resource: DesiredResource): Promise<{
    in_use: boolean;
    connections: NonNullable<ObservedResource['connections']>;
    volumes: ReadonlyMap<number, { disk_state?: string; replication_states: NonNullable<ObservedVolume['replication_states']> }>;
  } | undefined>;
}

/** What an update hands every resource operation. */
export interface UpdateContext {
  pools: ReadonlyMap<string, DesiredPool>;
  nodeProps: Record<string, string>;
  /**
   * Every resource the node holds or is converging (later entries win), so snapshot names
   * (`<resource>_<nnnnn>_<snapshot>`) can be told apart; absent: only the resource itself is known.
   */
  knownResources?: () => Iterable<DesiredResource>;
}

/** The volumes of each pool as they were when the update began (read once, lazily); undefined when unreadable. */
export interface PoolListings {
  get(pool: DesiredPool): Promise<ProviderVolume[] | undefined>;
}

export class ResourceEngine {
  private readonly pctx: ProviderContext;
  private readonly snapshots: SnapshotEngine;

  constructor(private readonly o: EngineOptions) {
    this.pctx = { runner: o.runner, log: o.log, stateDir: o.stateDir };
    this.snapshots = new SnapshotEngine({
      log: o.log, nodeName: o.nodeName, pctx: this.pctx, providers: o.providers, layers: o.layers,
      ledger: o.rollbacks ?? new RollbackLedger(o.stateDir),
    });
  }

  private snapshotContext(ctx: UpdateContext, r: DesiredResource): SnapshotContext {
    return { pools: ctx.pools, known: [...(ctx.knownResources?.() ?? []), r] };
  }

  private provider(pool: DesiredPool): StorageProvider | undefined {
    return this.o.providers.get(pool.provider_kind);
  }

  /** Configuration problems of a pool (missing VG, directory, unsupported provider), as reports. */
  async checkPool(pool: DesiredPool): Promise<Report[]> {
    const provider = this.provider(pool);
    if (!provider) {
      const why = this.o.capabilities.unsupported_providers[pool.provider_kind] ?? ['no implementation in this satellite'];
      return [{
        severity: 'error',
        message: `Storage pool '${pool.name}' uses provider ${pool.provider_kind}, which node '${this.o.nodeName}' does not support.`,
        cause: why.join('; '),
        correction: `Install what ${pool.provider_kind} needs on node '${this.o.nodeName}' and restart its satellite, or delete the pool.`,
      }];
    }
    try {
      return await provider.checkConfig(this.pctx, pool);
    } catch (err) {
      return [errorReport(`Checking storage pool '${pool.name}'`, err)];
    }
  }

  async observePool(pool: DesiredPool, reports: Report[]): Promise<ObservedPool> {
    const provider = this.provider(pool);
    // DISKLESS pools have no capacity of their own (the controller shows "infinite").
    if (!provider || pool.provider_kind === 'DISKLESS' || reports.some((r) => r.severity === 'error')) return { name: pool.name, reports };
    try {
      const cap = await provider.capacity(this.pctx, pool);
      return { name: pool.name, free_capacity: cap.free_kib, total_capacity: cap.total_kib, reports };
    } catch (err) {
      return { name: pool.name, reports: [...reports, errorReport(`Reading the capacity of storage pool '${pool.name}'`, err)] };
    }
  }

  poolListings(pools: ReadonlyMap<string, DesiredPool>): PoolListings {
    const memo = new Map<string, Promise<ProviderVolume[] | undefined>>();
    return {
      get: (pool) => {
        const key = pool.name.toUpperCase();
        let p = memo.get(key);
        if (!p) {
          const provider = pools.has(key) ? this.provider(pool) : undefined;
          p = provider ? this.list(provider, pool) : Promise.resolve(undefined);
          memo.set(key, p);
        }
        return p;
      },
    };
  }

  private async list(provider: StorageProvider, pool: DesiredPool): Promise<ProviderVolume[] | undefined> {
    try {
      return await provider.listVolumes(this.pctx, pool);
    } catch (err) {
      this.o.log.warn({ err, pool: pool.name }, 'could not list the volumes of the pool');
      return undefined;
    }
  }

  private layerContext(ctx: UpdateContext, resource: string, reports: Report[]): LayerContext {
    return {
      runner: this.o.runner, log: this.o.log.child({ resource }), node_name: this.o.nodeName, stateDir: this.o.stateDir,
      pools: ctx.pools, providers: this.o.providers, node_props: ctx.nodeProps, reports,
    };
  }

  /** The layers of the stack this node lacks, as error reports naming the reason. */
  private unsupportedLayers(r: DesiredResource): Report[] {
    return r.layer_stack.filter((k) => !this.o.layers.has(k)).map((k) => ({
      severity: 'error' as const,
      message: `Resource '${r.name}' needs layer ${k}, which node '${this.o.nodeName}' does not support.`,
      cause: (this.o.capabilities.unsupported_layers[k] ?? ['no implementation in this satellite']).join('; '),
      correction: `Install what ${k} needs on node '${this.o.nodeName}' and restart its satellite, or use a layer list without ${k}.`,
    }));
  }

  /** Converges one resource; `previous` is what was asked for before (to drop volumes no longer wanted). */
  async apply(ctx: UpdateContext, r: DesiredResource, previous: DesiredResource | undefined, listings: PoolListings): Promise<ObservedResource> {
    const reports: Report[] = this.unsupportedLayers(r);
    if (reports.length) return { name: r.name, volumes: [], reports };
    const lctx = this.layerContext(ctx, r.name, reports);
    const sctx = this.snapshotContext(ctx, r);
    // Rollback and restore/clone come first; a failed restore stops here (snapshots.ts).
    try {
      if (!(await this.snapshots.beforeStack(sctx, r, lctx))) return { name: r.name, volumes: [], reports };
    } catch (err) {
      reports.push(errorReport(`Preparing resource '${r.name}' (rollback, restore)`, err));
      return { name: r.name, volumes: [], reports };
    }
    // A restored or cloned volume carries the source's data: never marked for a new file system.
    if (!isDisklessResource(r) && !r.source) await this.markNewVolumes(ctx, r, listings, reports);

    let layerVolumes: LayerVolumes;
    try {
      layerVolumes = await applyStack(this.o.layers, lctx, r);
    } catch (err) {
      this.o.log.error({ err, resource: r.name }, 'resource did not converge');
      reports.push(errorReport(`Creating resource '${r.name}' on node '${this.o.nodeName}'`, err));
      return { name: r.name, volumes: [], reports };
    }

    const volumes: ObservedVolume[] = r.volumes.map((v) => observedVolume(v.volume_number, layerVolumes.get(v.volume_number) ?? []));
    for (const v of r.volumes) {
      const top = volumes.find((o) => o.volume_number === v.volume_number);
      if (!top?.device_path || top.disk_state === 'Diskless') continue;
      const rep = await this.o.formatter.formatIfNew(volumeName(r.name, v.volume_number), top.device_path, v.props);
      if (rep) reports.push(rep);
    }
    reports.push(...(await this.dropVolumes(ctx, r, previous)));
    const out: ObservedResource = { name: r.name, volumes, reports };
    if (r.layer_stack[0] === 'DRBD') await this.observeTop(lctx, r, out);
    else out.in_use = await this.mounted(volumes, reports);
    try {
      await this.snapshots.afterStack(sctx, r, lctx, out);
    } catch (err) {
      reports.push(errorReport(`Converging the snapshots of resource '${r.name}'`, err));
    }
    return out;
  }

  /** A top layer that knows more than devices (DRBD: role, connections, replication) fills that in. */
  private async observeTop(lctx: LayerContext, r: DesiredResource, out: ObservedResource): Promise<void> {
    const layer = this.o.layers.get(r.layer_stack[0]) as Partial<ObservingLayer> | undefined;
    if (!layer?.observe) return;
    try {
      const seen = await layer.observe(lctx, r);
      if (!seen) return;
      out.in_use = seen.in_use;
      out.connections = seen.connections;
      for (const v of out.volumes) {
        const s = seen.volumes.get(v.volume_number);
        if (!s) continue;
        if (s.disk_state) v.disk_state = s.disk_state;
        if (Object.keys(s.replication_states).length) v.replication_states = s.replication_states;
      }
    } catch (err) {
      out.reports.push(errorReport(`Reading the ${r.layer_stack[0]} state of resource '${r.name}'`, err, 'warn'));
    }
  }

  /** Leaves a format marker for volumes with FileSystem/Type that do not exist yet (filesystem.ts). */
  private async markNewVolumes(ctx: UpdateContext, r: DesiredResource, listings: PoolListings, reports: Report[]): Promise<void> {
    for (const v of r.volumes) {
      let type;
      try {
        type = fileSystemType(v.props);
      } catch (err) {
        reports.push({ severity: 'error', message: `Volume ${v.volume_number} of resource '${r.name}': ${(err as Error).message}`, correction: `Set ${FS_TYPE_PROP} to ext4 or xfs.` });
        continue;
      }
      const pool = ctx.pools.get(v.storage_pool.toUpperCase());
      if (!type || !pool || pool.provider_kind === 'DISKLESS') continue;
      const name = volumeName(r.name, v.volume_number);
      const existing = await listings.get(pool);
      // An unreadable pool: better no file system than formatting something that exists.
      if (!existing || existing.some((e) => e.name === name) || (await this.o.formatter.isMarked(name))) continue;
      if (r.layer_stack.includes('DRBD')) {
        reports.push({ severity: 'warn', message: `${FS_TYPE_PROP} is not applied to DRBD resources by this release; volume ${name} is left unformatted.` });
        continue;
      }
      await this.o.formatter.markNew(name, type);
    }
  }

  /** Deletes storage volumes the resource no longer has (a deleted volume definition, toggled to diskless). */
  private async dropVolumes(ctx: UpdateContext, r: DesiredResource, previous: DesiredResource | undefined): Promise<Report[]> {
    if (!previous || isDisklessResource(previous)) return [];
    const kept = isDisklessResource(r) ? new Set<number>() : new Set(r.volumes.map((v) => v.volume_number));
    const reports: Report[] = [];
    for (const v of previous.volumes) {
      if (kept.has(v.volume_number)) continue;
      const pool = ctx.pools.get(v.storage_pool.toUpperCase());
      const provider = pool && this.provider(pool);
      if (!pool || !provider || pool.provider_kind === 'DISKLESS') continue;
      const name = volumeName(r.name, v.volume_number);
      try {
        await provider.deleteVolume(this.pctx, pool, name);
        await this.o.formatter.forget(name);
        this.o.log.info({ volume: name, pool: pool.name }, 'deleted volume no longer wanted');
      } catch (err) {
        reports.push(errorReport(`Deleting volume ${name} from storage pool '${pool.name}'`, err));
      }
    }
    return reports;
  }

  /** Tears a resource down: its whole stack, then any volume still carrying its name in any pool. */
  async remove(ctx: UpdateContext, r: DesiredResource, listings: PoolListings): Promise<Report[]> {
    const reports: Report[] = [];
    const missing = this.unsupportedLayers(r);
    // A layer this node lost cannot be torn down by us; the storage below it still can.
    const stack: DesiredResource = missing.length ? { ...r, layer_stack: ['STORAGE'] } : r;
    if (missing.length) reports.push(...missing.map((m) => ({ ...m, severity: 'warn' as const })));
    // Snapshots live with the resource on the node; ZFS cannot destroy a zvol that still has them.
    reports.push(...(await this.snapshots.removeAll(this.snapshotContext(ctx, r), r)));
    try {
      await removeStack(this.o.layers, this.layerContext(ctx, r.name, reports), stack);
    } catch (err) {
      reports.push(errorReport(`Deleting resource '${r.name}' on node '${this.o.nodeName}'`, err));
      return reports;
    }
    // A snapshot of another resource can look like one of this resource's volumes (`a_00000_b_00001`).
    const others = [...(ctx.knownResources?.() ?? [])].filter((x) => x.name.toUpperCase() !== r.name.toUpperCase());
    const keep = wantedVolumeNames(others);
    const ours = (name: string) => parseVolumeName(name)?.resource.toUpperCase() === r.name.toUpperCase() && !keep.has(name.toUpperCase());
    for (const pool of ctx.pools.values()) reports.push(...(await this.sweep(pool, listings, ours)));
    for (const v of r.volumes) await this.o.formatter.forget(volumeName(r.name, v.volume_number));
    return reports;
  }

  /** Deletes the Storhub-named volumes of a pool for which `unwanted(name)` holds. */
  async sweep(pool: DesiredPool, _listings: PoolListings, unwanted: (name: string) => boolean): Promise<Report[]> {
    const provider = this.provider(pool);
    if (!provider || pool.provider_kind === 'DISKLESS') return [];
    // Listed fresh: the update's own creations and removals happened since the memoised listing.
    const volumes = await this.list(provider, pool);
    if (!volumes) return [{ severity: 'warn', message: `The volumes of storage pool '${pool.name}' could not be listed; volumes no longer wanted may remain.` }];
    const reports: Report[] = [];
    for (const v of volumes) {
      // The naming rule is the proof the volume is ours, whatever the provider's listing says.
      if (!parseVolumeName(v.name) || !unwanted(v.name)) continue;
      try {
        await provider.deleteVolume(this.pctx, pool, v.name);
        await this.o.formatter.forget(v.name);
        this.o.log.info({ volume: v.name, pool: pool.name }, 'deleted volume of a resource this node no longer has');
      } catch (err) {
        reports.push(errorReport(`Deleting volume ${v.name} from storage pool '${pool.name}'`, err));
      }
    }
    return reports;
  }

  private async mounted(volumes: ObservedVolume[], reports: Report[]): Promise<boolean | undefined> {
    const devices = volumes.map((v) => v.device_path).filter((d): d is string => !!d);
    if (!devices.length) return false;
    try {
      const mounted = await mountedDeviceNumbers();
      for (const d of devices) {
        const num = await deviceNumber(d);
        if (num && mounted.has(num)) return true;
      }
      return false;
    } catch (err) {
      reports.push(errorReport('Checking whether the resource is in use', err, 'warn'));
      return undefined;
    }
  }
}

/**
 * Upper-cased names of every volume these resources want on the node: each data volume, the storage
 * names of its wanted snapshots, and the auxiliary volumes of its layers (the CACHE/WRITECACHE cache
 * and metadata devices), so that a full-sync sweep never deletes a live cache device or snapshot. The aux names are counted whether or not this
 * node supports the layer now: a cache made before must not go just because a module went missing.
 */
export function wantedVolumeNames(resources: Iterable<DesiredResource>): Set<string> {
  const out = new Set<string>();
  for (const r of resources) {
    for (const v of r.volumes) out.add(volumeName(r.name, v.volume_number).toUpperCase());
    for (const name of auxiliaryVolumeNames(r)) out.add(name.toUpperCase());
    // A wanted snapshot whose name ends like a volume's (`<rsc>_00000_x_00001`) must survive the sweep too.
    for (const name of wantedSnapshotNames([r])) out.add(name.toUpperCase());
  }
  return out;
}

/** The protocol view of one volume: device and state of the top layer, allocation of the bottom one. */
export function observedVolume(volumeNumber: number, layers: LayerVolumes extends Map<number, infer L> ? L : never): ObservedVolume {
  const top = layers[0];
  const storage = layers.find((l) => l.layer === 'STORAGE') ?? layers[layers.length - 1];
  const v: ObservedVolume = { volume_number: volumeNumber, layers };
  if (top?.device_path) v.device_path = top.device_path;
  if (storage?.allocated_size_kib !== undefined) v.allocated_size_kib = storage.allocated_size_kib;
  if (top?.usable_size_kib !== undefined) v.usable_size_kib = top.usable_size_kib;
  if (top?.disk_state) v.disk_state = top.disk_state;
  return v;
}
