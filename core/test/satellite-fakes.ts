/**
 * Test doubles for the satellite: an in-memory storage provider (records what it really changed), a
 * pass-through layer, and builders for StateUpdates. The provider's listVolumes returns EVERY name in
 * the pool, Storhub-named or not, so the tests prove the engine itself never deletes a foreign volume.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecordedRunner } from '../src/exec/recorded.js';
import type { LayerKind, ProviderKind } from '../src/model/enums.js';
import type { Detector } from '../src/satellite/capabilities.js';
import type { Layer } from '../src/satellite/layers/layer.js';
import type { DesiredPool, DesiredResource, DesiredVolume, StateUpdate } from '../src/satellite/protocol.js';
import type { ProviderVolume, StorageProvider } from '../src/satellite/providers/provider.js';
import { Satellite, type SatelliteOptions } from '../src/satellite/satellite.js';
import { silent } from './helpers.js';

export class FakeProvider implements StorageProvider {
  /** pool directory (StorDriver/StorPoolName) -> volume name -> size KiB */
  readonly pools = new Map<string, Map<string, number>>();
  /** What really changed: "create r1_00000 1024", "resize ...", "delete ...". */
  readonly mutations: string[] = [];
  /** Pool directories whose operations fail. */
  readonly failing = new Set<string>();
  /** Called inside createVolume, e.g. to hold a create open in concurrency tests. */
  onCreate?: (name: string) => Promise<void>;

  constructor(readonly kind: ProviderKind = 'FILE_THIN', readonly totalKib = 1_048_576) {}

  private vols(pool: DesiredPool): Map<string, number> {
    const dir = pool.props['StorDriver/StorPoolName'] ?? pool.name;
    let m = this.pools.get(dir);
    if (!m) this.pools.set(dir, (m = new Map()));
    return m;
  }

  private check(pool: DesiredPool): void {
    const dir = pool.props['StorDriver/StorPoolName'] ?? pool.name;
    if (this.failing.has(dir)) throw new Error(`directory ${dir} does not exist`);
  }

  private view(name: string, size: number): ProviderVolume {
    return { name, device_path: `/dev/fake/${name}`, allocated_kib: 0, usable_kib: size };
  }

  async checkConfig(_ctx: unknown, pool: DesiredPool) {
    const dir = pool.props['StorDriver/StorPoolName'] ?? pool.name;
    return this.failing.has(dir) ? [{ severity: 'error' as const, message: `Storage pool '${pool.name}': directory ${dir} does not exist.` }] : [];
  }

  async capacity(_ctx: unknown, pool: DesiredPool) {
    this.check(pool);
    const used = [...this.vols(pool).values()].reduce((a, b) => a + b, 0);
    return { free_kib: this.totalKib - used, total_kib: this.totalKib };
  }

  async listVolumes(_ctx: unknown, pool: DesiredPool) {
    this.check(pool);
    return [...this.vols(pool)].map(([n, s]) => this.view(n, s));
  }

  async createVolume(_ctx: unknown, pool: DesiredPool, req: { name: string; size_kib: number }) {
    this.check(pool);
    await this.onCreate?.(req.name);
    const vols = this.vols(pool);
    const have = vols.get(req.name);
    if (have !== undefined) return this.view(req.name, have);
    vols.set(req.name, req.size_kib);
    this.mutations.push(`create ${req.name} ${req.size_kib}`);
    return this.view(req.name, req.size_kib);
  }

  async resizeVolume(_ctx: unknown, pool: DesiredPool, req: { name: string; size_kib: number }) {
    this.check(pool);
    const vols = this.vols(pool);
    const have = vols.get(req.name) ?? 0;
    if (req.size_kib > have) {
      vols.set(req.name, req.size_kib);
      this.mutations.push(`resize ${req.name} ${req.size_kib}`);
    }
    return this.view(req.name, Math.max(have, req.size_kib));
  }

  async deleteVolume(_ctx: unknown, pool: DesiredPool, name: string) {
    this.check(pool);
    if (this.vols(pool).delete(name)) this.mutations.push(`delete ${name}`);
  }

  names(dir: string): string[] {
    return [...(this.pools.get(dir)?.keys() ?? [])].sort();
  }
}

/** A layer that puts `/dev/<kind>/<name>` on top of what is below and records apply/remove. */
export class PassLayer implements Layer {
  readonly calls: string[] = [];
  constructor(readonly kind: LayerKind, readonly overheadKib = 0) {}

  lowerSizeKib(_r: DesiredResource, _v: DesiredVolume, size: number): number {
    return size + this.overheadKib;
  }

  async apply(_ctx: unknown, r: DesiredResource, next: () => Promise<Map<number, any[]>>) {
    this.calls.push(`apply ${r.name}`);
    const below = await next();
    const out = new Map<number, any[]>();
    for (const [nr, layers] of below) {
      out.set(nr, [{ layer: this.kind, device_path: `/dev/${this.kind.toLowerCase()}/${r.name}_${nr}`, usable_size_kib: (layers[0].usable_size_kib ?? 0) - this.overheadKib, disk_state: 'UpToDate' }, ...layers]);
    }
    return out;
  }

  async remove(_ctx: unknown, r: DesiredResource, next: () => Promise<void>) {
    this.calls.push(`remove ${r.name}`);
    await next();
  }
}

export const pool = (name: string, dir: string, kind: ProviderKind = 'FILE_THIN'): DesiredPool =>
  ({ name, provider_kind: kind, props: { 'StorDriver/StorPoolName': dir } });

export const vol = (nr: number, sizeKib: number, storagePool = 'DfltStorPool', props: Record<string, string> = {}): DesiredVolume =>
  ({ volume_number: nr, size_kib: sizeKib, gross_size: false, storage_pool: storagePool, props });

export const rsc = (name: string, volumes: DesiredVolume[], more: Partial<DesiredResource> = {}): DesiredResource =>
  ({ name, layer_stack: ['STORAGE'], flags: [], props: {}, volumes, ...more });

export function full(id: number, pools: DesiredPool[], resources: DesiredResource[], more: Partial<StateUpdate> = {}): StateUpdate {
  return { update_id: id, full: true, node_name: 'alpha', node_props: {}, pools, resources, removed_resources: [], external_files: [], ...more };
}

export function delta(id: number, base: number, pools: DesiredPool[], resources: DesiredResource[], removed: string[] = [], more: Partial<StateUpdate> = {}): StateUpdate {
  return { update_id: id, full: false, base_update_id: base, node_name: 'alpha', node_props: {}, pools, resources, removed_resources: removed, external_files: [], ...more };
}

export const detectAll = (providers: ProviderKind[], layers: LayerKind[] = []): Detector => ({
  name: 'test detection', providers, layers,
  detect: async () => ({ providers, layers, unsupported_layers: { DRBD: ['kernel module drbd is not loaded'] } }),
});

export interface TestSatellite {
  sat: Satellite;
  provider: FakeProvider;
  stateDir: string;
  cleanup(): Promise<void>;
}

/** A started satellite with a FakeProvider for FILE_THIN and DISKLESS, and the given extra layers. */
export async function makeSatellite(opts: Partial<SatelliteOptions> & { provider?: FakeProvider; stateDir?: string } = {}): Promise<TestSatellite> {
  const stateDir = opts.stateDir ?? (await mkdtemp(join(tmpdir(), 'storhub-sat-')));
  const provider = opts.provider ?? new FakeProvider();
  const sat = new Satellite({
    nodeName: 'alpha',
    runner: new RecordedRunner(),
    logger: silent,
    stateDir,
    providers: new Map<ProviderKind, StorageProvider>([['FILE_THIN', provider], ['DISKLESS', new FakeProvider('DISKLESS')]]),
    layers: new Map(),
    detectors: [detectAll(['FILE_THIN'])],
    pollMs: 0,
    ...opts,
  });
  await sat.start();
  return { sat, provider, stateDir, cleanup: async () => { await sat.close(); await rm(stateDir, { recursive: true, force: true }); } };
}
