/**
 * Snapshots on the satellite: what the resource engine does, per resource, with
 * DesiredResource.snapshots / .source / .rollback (protocol.ts).
 *
 * Before the stack is applied:
 *  - rollback: when `rollback.request_id` is higher than the last one applied (RollbackLedger), every
 *    volume goes back to the snapshot — refused while the resource is in use; the layers above
 *    STORAGE are taken down first and come back with the stack. The request_id is recorded before it
 *    is reported, so a resend never rolls back twice.
 *  - source: volumes of a NEW resource that do not exist yet are made from the snapshot
 *    (restore) or from the other resource (clone: a temporary snapshot `clone.<target>`, restored, then
 *    deleted). When that fails the stack is not applied: an empty volume must not take the place of
 *    the data the user asked for.
 * After the stack is applied:
 *  - desired snapshots that do not exist are taken, all volumes together, with DRBD I/O suspended
 *    when asked; a snapshot made of only some volumes is dropped again (it would not be one moment);
 *  - Storhub-named snapshots of the resource that are not desired are deleted — only when the
 *    controller sent a `snapshots` list (absent: no opinion), never a name any resource here wants;
 *  - ObservedResource.snapshots and .rollback_applied are filled in.
 * Removing a resource deletes its snapshots (they live with the resource on the node).
 */
import type { LayerContext } from './layers/layer.js';
import { isDisklessResource } from './layers/storage.js';
import {
  snapshotVolumeName, volumeName, type DesiredPool, type DesiredResource, type DesiredSnapshot,
  type ObservedResource, type ObservedSnapshot, type Report,
} from './protocol.js';
import type { ProviderContext, ProviderSnapshot, StorageProvider, VolumeRequest } from './providers/provider.js';
import { cloneSnapshotName } from './providers/snapshot-common.js';
import { errorReport } from './reports.js';
import type { EngineOptions } from './resource-engine.js';
import {
  devicesInUse, isUserSnapshot, knownMap, removeUpperLayers, snapshotOwner, suspendingLayer, volumeSites, wantedNames,
  type InUseLayer, type VolumeSite,
} from './snapshot-support.js';
import type { RollbackLedger } from './state-cache.js';

export interface SnapshotEngineOptions extends Pick<EngineOptions, 'log' | 'nodeName' | 'providers' | 'layers'> {
  pctx: ProviderContext;
  ledger: RollbackLedger;
}

export interface SnapshotContext {
  pools: ReadonlyMap<string, DesiredPool>;
  /** The resources the node holds and is converging; later entries win over earlier ones of the same name. */
  known: Iterable<DesiredResource>;
}

export class SnapshotEngine {
  constructor(private readonly o: SnapshotEngineOptions) {}

  /** Rollback, then restore/clone. False: the stack must not be applied (see the file comment). */
  async beforeStack(ctx: SnapshotContext, r: DesiredResource, lctx: LayerContext): Promise<boolean> {
    if (r.rollback) await this.rollback(ctx, r, lctx);
    return r.source ? this.restore(ctx, r, lctx.reports) : true;
  }

  async afterStack(ctx: SnapshotContext, r: DesiredResource, lctx: LayerContext, out: ObservedResource): Promise<void> {
    try {
      const applied = await this.o.ledger.get(r.name);
      if (applied !== undefined) out.rollback_applied = applied;
    } catch (err) {
      out.reports.push(errorReport(`Reading the rollback ledger of resource '${r.name}'`, err, 'warn'));
    }
    if (!r.snapshots) return;
    if (isDisklessResource(r)) {
      out.snapshots = r.snapshots.map((s) => ({
        name: s.name, created: false, volumes: [],
        reports: [{ severity: 'warn', message: `Resource '${r.name}' is diskless on node '${this.o.nodeName}'; snapshots are taken where its data is.` }],
      }));
      return;
    }
    const sites = volumeSites(ctx.pools, this.o.providers, this.o.nodeName, r);
    const listed = await this.listPools(sites, out.reports);
    const existing = (site: VolumeSite, snapshot: string): ProviderSnapshot | undefined =>
      site.pool && listed.get(site.pool.name.toUpperCase())?.get(snapshotVolumeName(r.name, site.v.volume_number, snapshot).toUpperCase());

    out.snapshots = [];
    for (const s of r.snapshots) {
      const obs: ObservedSnapshot = { name: s.name, created: false, volumes: [], reports: [] };
      const have = new Map<number, ProviderSnapshot>();
      const missing: VolumeSite[] = [];
      for (const site of sites) {
        if (site.problem) obs.reports.push(site.problem);
        else if (site.pool && !listed.has(site.pool.name.toUpperCase())) obs.reports.push({ severity: 'error', message: `The snapshots of storage pool '${site.pool.name}' could not be listed.` });
        else {
          const found = existing(site, s.name);
          if (found) have.set(site.v.volume_number, found);
          else missing.push(site);
        }
      }
      if (!obs.reports.length && missing.length) {
        if (have.size) {
          obs.reports.push({
            severity: 'error',
            message: `Snapshot '${s.name}' of resource '${r.name}' exists for only some volumes (missing: ${missing.map((m) => m.name).join(', ')}); the parts were not taken at one moment.`,
            correction: `Delete the snapshot '${s.name}' and take it again.`,
          });
        } else {
          for (const [nr, snap] of await this.take(lctx, r, s, missing, obs)) have.set(nr, snap);
        }
      }
      obs.volumes = [...have].sort(([a], [b]) => a - b).map(([nr, snap]) => (
        snap.allocated_kib === undefined ? { volume_number: nr } : { volume_number: nr, allocated_size_kib: snap.allocated_kib }));
      obs.created = sites.length > 0 && have.size === sites.length;
      out.snapshots.push(obs);
    }
    // A snapshot that should be gone but is still here is reported as existing, with why.
    out.snapshots.push(...(await this.deleteUnwanted(ctx, r, sites, listed, out.reports)));
  }

  /** Deletes every snapshot of the resource in every pool (the resource leaves the node). */
  async removeAll(ctx: SnapshotContext, r: DesiredResource): Promise<Report[]> {
    const reports: Report[] = [];
    const key = r.name.toUpperCase();
    const others = [...knownMap(ctx.known).values()].filter((x) => x.name.toUpperCase() !== key);
    const keep = wantedNames(others);
    const names = [r.name, ...others.map((x) => x.name)];
    for (const pool of ctx.pools.values()) {
      const provider = this.o.providers.get(pool.provider_kind);
      if (!provider?.supportsSnapshots || !provider.listSnapshots || !provider.deleteSnapshot) continue;
      let snaps: ProviderSnapshot[];
      try {
        snaps = await provider.listSnapshots(this.o.pctx, pool);
      } catch (err) {
        reports.push(errorReport(`Listing the snapshots of storage pool '${pool.name}'`, err, 'warn'));
        continue;
      }
      for (const snap of snaps) {
        const owner = snapshotOwner(snap, names);
        if (snap.foreign || owner?.resource.toUpperCase() !== key || keep.has(snap.name.toUpperCase())) continue;
        try {
          await provider.deleteSnapshot(this.o.pctx, pool, owner.volume, owner.snapshot);
        } catch (err) {
          reports.push(errorReport(`Deleting snapshot '${owner.snapshot}' of volume ${owner.volume} from storage pool '${pool.name}'`, err));
        }
      }
    }
    try {
      await this.o.ledger.forget(r.name);
    } catch (err) {
      reports.push(errorReport(`Forgetting the rollbacks of resource '${r.name}'`, err, 'warn'));
    }
    return reports;
  }

  private async rollback(ctx: SnapshotContext, r: DesiredResource, lctx: LayerContext): Promise<void> {
    const req = r.rollback!;
    const reports = lctx.reports;
    const what = `Rolling back resource '${r.name}' to snapshot '${req.snapshot}'`;
    let last: number | undefined;
    try {
      last = await this.o.ledger.get(r.name);
    } catch (err) {
      // Without the ledger a resend cannot be told from a new request: refusing is the safe answer.
      reports.push(errorReport(`${what}: reading the rollback ledger`, err));
      return;
    }
    if (last !== undefined && req.request_id <= last) return;
    if (!isDisklessResource(r)) {
      const sites = volumeSites(ctx.pools, this.o.providers, this.o.nodeName, r);
      const blocked = sites.find((s) => s.problem);
      if (blocked) return void reports.push(blocked.problem!);
      const listed = await this.listPools(sites, reports);
      const absent = sites.filter((s) => !listed.get(s.pool!.name.toUpperCase())?.has(snapshotVolumeName(r.name, s.v.volume_number, req.snapshot).toUpperCase()));
      if (absent.length) {
        reports.push({
          severity: 'error',
          message: `${what} failed: the snapshot does not exist for volume${absent.length > 1 ? 's' : ''} ${absent.map((s) => s.name).join(', ')} on node '${this.o.nodeName}'.`,
          correction: 'Roll back to a snapshot that exists on every node of the resource.',
        });
        return;
      }
      let busy: string | undefined;
      try {
        busy = await this.inUse(lctx, r, sites);
      } catch (err) {
        return void reports.push(errorReport(`${what}: checking whether the resource is in use`, err));
      }
      if (busy) {
        reports.push({
          severity: 'error',
          message: `${what} was refused: the resource is in use on node '${this.o.nodeName}' (${busy}).`,
          correction: 'Unmount it and stop what uses it (make DRBD Secondary everywhere); the rollback is applied when the resource is no longer in use.',
        });
        return;
      }
      try {
        await removeUpperLayers(this.o.layers, lctx, r);
        for (const s of sites) await s.provider!.rollback!(this.o.pctx, s.pool!, s.name, req.snapshot);
      } catch (err) {
        return void reports.push(errorReport(what, err));
      }
    }
    try {
      await this.o.ledger.set(r.name, req.request_id);
    } catch (err) {
      reports.push(errorReport(`${what}: the rollback was applied but could not be recorded (a resend would apply it again)`, err));
      return;
    }
    this.o.log.info({ resource: r.name, snapshot: req.snapshot, request_id: req.request_id }, 'resource rolled back to snapshot');
  }

  private async restore(ctx: SnapshotContext, r: DesiredResource, reports: Report[]): Promise<boolean> {
    const src = r.source!;
    if (isDisklessResource(r)) return true;
    const source = knownMap(ctx.known).get(src.resource.toUpperCase());
    const volumesByPool = new Map<string, Set<string>>();
    let ok = true;
    for (const site of volumeSites(ctx.pools, this.o.providers, this.o.nodeName, r)) {
      if (site.problem) {
        reports.push(site.problem);
        ok = false;
        continue;
      }
      const pool = site.pool!;
      const provider = site.provider!;
      let present = volumesByPool.get(pool.name.toUpperCase());
      if (!present) {
        try {
          present = new Set((await provider.listVolumes(this.o.pctx, pool)).map((v) => v.name));
        } catch (err) {
          reports.push(errorReport(`Listing the volumes of storage pool '${pool.name}'`, err));
          ok = false;
          continue;
        }
        volumesByPool.set(pool.name.toUpperCase(), present);
      }
      // The source only says where a NEW volume comes from.
      if (present.has(site.name)) continue;
      const fromVolume = volumeName(src.resource, site.v.volume_number);
      const what = src.snapshot
        ? `Restoring volume ${site.name} from snapshot '${src.snapshot}' of resource '${src.resource}'`
        : `Cloning volume ${fromVolume} of resource '${src.resource}' into ${site.name}`;
      const srcVol = source?.volumes.find((v) => v.volume_number === site.v.volume_number);
      if (srcVol && srcVol.storage_pool.toUpperCase() !== site.v.storage_pool.toUpperCase()) {
        reports.push({
          severity: 'error',
          message: `${what} failed: the source is in storage pool '${srcVol.storage_pool}', the new volume in '${site.v.storage_pool}'.`,
          correction: 'Snapshots are restored and volumes cloned within their own storage pool; place the new resource in the same pool.',
        });
        ok = false;
        continue;
      }
      const req: VolumeRequest = { name: site.name, size_kib: site.v.size_kib, props: site.v.props };
      try {
        if (src.snapshot) await provider.restoreVolume!(this.o.pctx, pool, { volume: fromVolume, snapshot: src.snapshot }, req);
        else await this.clone(pool, provider, fromVolume, r.name, req, reports);
      } catch (err) {
        reports.push(errorReport(what, err));
        ok = false;
      }
    }
    return ok;
  }

  /** A new volume with the source volume's data: a temporary snapshot, restored, then deleted. */
  private async clone(pool: DesiredPool, provider: StorageProvider, fromVolume: string, target: string, req: VolumeRequest, reports: Report[]): Promise<void> {
    const temp = cloneSnapshotName(target);
    // One left by an interrupted clone holds old data.
    await provider.deleteSnapshot!(this.o.pctx, pool, fromVolume, temp);
    await provider.createSnapshot!(this.o.pctx, pool, fromVolume, temp);
    try {
      await provider.restoreVolume!(this.o.pctx, pool, { volume: fromVolume, snapshot: temp }, req);
    } finally {
      try {
        await provider.deleteSnapshot!(this.o.pctx, pool, fromVolume, temp);
      } catch (err) {
        reports.push(errorReport(`Deleting the temporary snapshot '${temp}' of volume ${fromVolume}`, err, 'warn'));
      }
    }
  }

  /** Takes snapshot `s` of every volume, inside suspend-io/resume-io where the top layer is DRBD. */
  private async take(lctx: LayerContext, r: DesiredResource, s: DesiredSnapshot, sites: VolumeSite[], obs: ObservedSnapshot): Promise<Map<number, ProviderSnapshot>> {
    const made = new Map<number, ProviderSnapshot>();
    const suspender = s.suspend_io && r.layer_stack[0] === 'DRBD' ? suspendingLayer(this.o.layers.get('DRBD')) : undefined;
    let failed = false;
    try {
      if (suspender) await suspender.suspendIo(lctx, r);
      for (const site of sites) made.set(site.v.volume_number, await site.provider!.createSnapshot!(this.o.pctx, site.pool!, site.name, s.name));
    } catch (err) {
      failed = true;
      obs.reports.push(errorReport(`Taking snapshot '${s.name}' of resource '${r.name}'`, err));
    } finally {
      if (suspender) {
        try {
          await suspender.resumeIo(lctx, r);
        } catch (err) {
          obs.reports.push(errorReport(`Resuming I/O of resource '${r.name}' after snapshot '${s.name}'`, err));
        }
      }
    }
    if (!failed) {
      this.o.log.info({ resource: r.name, snapshot: s.name, volumes: made.size }, 'snapshot taken');
      return made;
    }
    // Part of a snapshot is not a snapshot: drop what was made, the next converge tries again.
    for (const site of sites) {
      if (!made.has(site.v.volume_number)) continue;
      try {
        await site.provider!.deleteSnapshot!(this.o.pctx, site.pool!, site.name, s.name);
      } catch (err) {
        obs.reports.push(errorReport(`Deleting the incomplete snapshot '${s.name}' of volume ${site.name}`, err, 'warn'));
      }
    }
    return new Map();
  }

  /** Deletes the resource's snapshots that are not desired; answers the ones that could not be deleted. */
  private async deleteUnwanted(
    ctx: SnapshotContext, r: DesiredResource, sites: VolumeSite[], listed: Map<string, Map<string, ProviderSnapshot>>, reports: Report[],
  ): Promise<ObservedSnapshot[]> {
    const left = new Map<string, ObservedSnapshot>();
    const known = knownMap(ctx.known);
    known.set(r.name.toUpperCase(), r);
    const keep = wantedNames(known.values());
    const names = [...known.values()].map((x) => x.name);
    const done = new Set<string>();
    for (const site of sites) {
      if (site.problem || !site.pool || !site.provider || done.has(site.pool.name.toUpperCase())) continue;
      done.add(site.pool.name.toUpperCase());
      for (const snap of listed.get(site.pool.name.toUpperCase())?.values() ?? []) {
        const owner = snapshotOwner(snap, names);
        if (snap.foreign || owner?.resource.toUpperCase() !== r.name.toUpperCase() || !isUserSnapshot(owner.snapshot) || keep.has(snap.name.toUpperCase())) continue;
        try {
          await site.provider.deleteSnapshot!(this.o.pctx, site.pool, owner.volume, owner.snapshot);
          this.o.log.info({ resource: r.name, snapshot: owner.snapshot, volume: owner.volume }, 'deleted snapshot no longer wanted');
        } catch (err) {
          const report = errorReport(`Deleting snapshot '${owner.snapshot}' of volume ${owner.volume} from storage pool '${site.pool.name}'`, err);
          reports.push(report);
          const key = owner.snapshot.toUpperCase();
          const entry = left.get(key) ?? { name: owner.snapshot, created: true, volumes: [], reports: [] };
          entry.volumes.push({ volume_number: owner.volumeNumber });
          entry.reports.push(report);
          left.set(key, entry);
        }
      }
    }
    return [...left.values()];
  }

  /** In use: DRBD says so (Primary, opened), or a device stacked on the storage volumes is mounted or claimed. */
  private async inUse(lctx: LayerContext, r: DesiredResource, sites: VolumeSite[]): Promise<string | undefined> {
    if (r.layer_stack[0] === 'DRBD') {
      const layer = this.o.layers.get('DRBD') as Partial<InUseLayer> | undefined;
      const seen = layer?.observe ? await layer.observe(lctx, r) : undefined;
      if (seen?.in_use) return 'DRBD reports the resource Primary or open';
    }
    const devices: string[] = [];
    for (const site of sites) {
      const vol = (await site.provider!.listVolumes(this.o.pctx, site.pool!)).find((v) => v.name === site.name);
      if (vol?.device_path) devices.push(vol.device_path);
    }
    return devicesInUse(devices);
  }

  /** Every snapshot of the given pools, by upper-cased storage name; pools that failed are left out (reported). */
  private async listPools(sites: VolumeSite[], reports: Report[]): Promise<Map<string, Map<string, ProviderSnapshot>>> {
    const out = new Map<string, Map<string, ProviderSnapshot>>();
    for (const site of sites) {
      if (site.problem || !site.pool || !site.provider || out.has(site.pool.name.toUpperCase())) continue;
      try {
        const snaps = await site.provider.listSnapshots!(this.o.pctx, site.pool);
        out.set(site.pool.name.toUpperCase(), new Map(snaps.map((x) => [x.name.toUpperCase(), x])));
      } catch (err) {
        reports.push(errorReport(`Listing the snapshots of storage pool '${site.pool.name}'`, err));
      }
    }
    return out;
  }
}
