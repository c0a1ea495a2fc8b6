/**
 * The VolumeDriver operations behind the protocol: what Create, Remove, Mount, Unmount, Path, Get and
 * List do with the cluster (through the shared VolumeOps) and with this host (FileSystems, MountState).
 *
 * Docker may call several operations at once; everything about one volume runs one at a time (a
 * per-volume queue), so two containers starting together mount it once and count two users.
 */
import { mkdir, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger, VolumeInfo, VolumeOps } from '@storhub/core/plugin';
import { type ConfFileReader, type DockerVolumeConfig, defaultLayers } from './config.js';
import type { FileSystems } from './filesystem.js';
import { CREATED_PROP, MARK_PROP, MOUNTOPTS_PROP, FS_TYPE_PROP, REQUEST, resolveOptions, splitList, toSpec, volumeNameProblem } from './options.js';
import type { MountRecord, MountState } from './state.js';

export interface DockerVolume {
  Name: string;
  Mountpoint?: string;
  CreatedAt?: string;
}

/** A refusal whose message is meant for the Docker user as it is. */
export class DriverError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DriverError';
  }
}

export interface DriverDeps {
  config: DockerVolumeConfig;
  conf: ConfFileReader;
  volumes: VolumeOps;
  fs: FileSystems;
  state: MountState;
  log: Logger;
  nodeName: string;
}

/** The directory containers get: a subdirectory, so lost+found stays out of sight (as linstor-docker-volume did). */
const DATA_DIR = 'data';

const same = (a: string, b: string): boolean => a.toUpperCase() === b.toUpperCase();

export class VolumeDriver {
  private readonly queues = new Map<string, Promise<unknown>>();
  private groupReady: Promise<void> | undefined;

  constructor(private readonly d: DriverDeps) {}

  /** The directory of a volume's mount (containers get its data/ subdirectory). */
  mountDir(name: string): string {
    return join(this.d.config.mount_root, name);
  }

  async create(name: string, opts: Record<string, string>): Promise<void> {
    const problem = volumeNameProblem(name);
    if (problem) throw new DriverError(problem);
    const options = resolveOptions([...(await defaultLayers(this.d.config, this.d.conf)), { source: REQUEST, values: opts }]);
    const group = this.d.config.resource_group;
    if (!options.resourcegroup && group) options.resourcegroup = group.name;
    if (group && options.resourcegroup?.toUpperCase() === group.name.toUpperCase()) await this.ensureGroup();
    const spec = toSpec(name, options);
    spec.props = { ...spec.props, [CREATED_PROP]: new Date().toISOString() };
    await this.serial(name, async () => {
      const existing = await this.d.volumes.get(name);
      if (existing && existing.props[MARK_PROP] !== 'true') throw notOurs(name);
      await this.d.volumes.create(spec);
      this.d.log.info({ volume: name, size_kib: spec.size_kib, fs: options.fs, placement: spec.placement, resource_group: spec.resource_group }, 'volume created');
    });
  }

  async remove(name: string): Promise<void> {
    await this.serial(name, async () => {
      const rec = this.d.state.get(name);
      if (rec && rec.callers.length > 0) {
        throw new DriverError(`volume "${name}" is mounted on this node (${rec.dir}) by ${rec.callers.length} container(s); ` +
          'stop them before removing it');
      }
      const info = await this.d.volumes.get(name);
      if (!info) {
        await this.d.state.delete(name);
        return;
      }
      if (info.props[MARK_PROP] !== 'true') throw notOurs(name);
      refuseInUseElsewhere(info, this.d.nodeName, 'removed');
      await this.d.volumes.delete(name);
      await this.d.state.delete(name);
      this.d.log.info({ volume: name }, 'volume removed with its snapshots');
    });
  }

  /** Creates the configured resource group once per process (idempotent in VolumeOps; a failure is retried next time). */
  private ensureGroup(): Promise<void> {
    const group = this.d.config.resource_group!;
    this.groupReady ??= (async () => {
      const { name, ...placement } = group;
      await this.d.volumes.ensureResourceGroup(name, placement);
    })().catch((err: unknown) => {
      this.groupReady = undefined;
      throw err;
    });
    return this.groupReady;
  }

  /** Mounts the volume for caller `id` and returns the directory the container gets. */
  async mount(name: string, id: string): Promise<string> {
    return this.serial(name, async () => {
      const rec = this.d.state.get(name);
      if (rec && await this.d.fs.isMounted(rec.dir)) {
        if (!rec.callers.includes(id)) await this.d.state.set(name, { ...rec, callers: [...rec.callers, id] });
        await this.grow(name, rec.device, rec.fs, rec.dir);
        return join(rec.dir, DATA_DIR);
      }
      if (rec && rec.callers.length) {
        // Recorded but not mounted (the host rebooted, or someone unmounted it): those callers are gone.
        this.d.log.warn({ volume: name, dir: rec.dir, stale_callers: rec.callers }, 'recorded mount is gone; mounting again');
      }
      return this.mountFresh(name, id, rec);
    });
  }

  private async mountFresh(name: string, id: string, previous: MountRecord | undefined): Promise<string> {
    const { volumes, fs, nodeName, log } = this.d;
    const info = await volumes.get(name);
    if (!info) throw new DriverError(`no such volume: ${name}`);
    if (info.props[MARK_PROP] !== 'true') throw notOurs(name);
    refuseInUseElsewhere(info, nodeName, 'mounted here');
    const hadReplica = info.replicas.some((r) => same(r.node, nodeName));
    const attached = (previous?.attached ?? false) || !hadReplica;

    const dir = this.mountDir(name);
    let mounted = false;
    let device: string;
    try {
      device = await volumes.attach(name, nodeName, { timeoutMs: this.d.config.attach_timeout_s * 1000 });
      const type = await this.waitForFileSystem(name, device, info.props[FS_TYPE_PROP]);
      // ext4 grows before it is mounted (see FileSystems.growIfSmaller); xfs can only grow mounted.
      if (type === 'ext4') await this.grow(name, device, type, undefined);
      await mkdir(dir, { recursive: true, mode: 0o755 });
      const mountopts = splitList(info.props[MOUNTOPTS_PROP] ?? '');
      await fs.mount(device, dir, type, mountopts);
      mounted = true;
      await mkdir(join(dir, DATA_DIR), { recursive: true, mode: 0o755 });
      if (type === 'xfs') await this.grow(name, device, type, dir);
      await this.d.state.set(name, { device, fs: type, dir, callers: [id], attached, mounted_at: Date.now() });
    } catch (err) {
      // Also after a failed attach: a diskless replica it added (then timed out on) is removed again.
      await this.undoMount(name, dir, mounted, attached);
      throw err;
    }
    log.info({ volume: name, device, dir, attached }, 'volume mounted');
    return join(dir, DATA_DIR);
  }

  /** Unmounts when the last caller is gone, and releases the diskless replica Mount added. */
  async unmount(name: string, id: string): Promise<void> {
    await this.serial(name, async () => {
      const rec = this.d.state.get(name);
      if (!rec) {
        this.d.log.debug({ volume: name, id }, 'unmount of a volume that is not mounted here');
        return;
      }
      const callers = rec.callers.filter((c) => c !== id);
      if (callers.length > 0) {
        if (callers.length !== rec.callers.length) await this.d.state.set(name, { ...rec, callers });
        return;
      }
      if (await this.d.fs.isMounted(rec.dir)) await this.d.fs.umount(rec.dir);
      await removeDir(rec.dir);
      // Forget the mount first: if the release fails, the mount is still gone and a later Mount starts clean.
      await this.d.state.delete(name);
      this.d.log.info({ volume: name, dir: rec.dir }, 'volume unmounted');
      if (rec.attached) {
        try {
          await this.d.volumes.release(name, this.d.nodeName);
        } catch (err) {
          throw new DriverError(`volume "${name}" was unmounted, but removing its diskless replica on node ` +
            `"${this.d.nodeName}" failed: ${(err as Error).message}`);
        }
      }
    });
  }

  /** The container directory while mounted, else "". */
  path(name: string): string {
    const rec = this.d.state.get(name);
    return rec && rec.callers.length ? join(rec.dir, DATA_DIR) : '';
  }

  async get(name: string): Promise<DockerVolume & { Status: Record<string, unknown> }> {
    const info = await this.d.volumes.get(name);
    if (!info || info.props[MARK_PROP] !== 'true') throw new DriverError(info ? notOurs(name).message : `no such volume: ${name}`);
    return { ...this.volume(name, info), Status: status(info) };
  }

  async list(): Promise<DockerVolume[]> {
    const all = await this.d.volumes.list({ props: { [MARK_PROP]: 'true' } });
    return all.map((v) => this.volume(v.name, v));
  }

  /** Docker's Volume object: Mountpoint only while mounted here, CreatedAt when known. */
  private volume(name: string, info: VolumeInfo): DockerVolume {
    const mp = this.path(name);
    const created = info.props[CREATED_PROP];
    return { Name: name, ...(mp ? { Mountpoint: mp } : {}), ...(created ? { CreatedAt: created } : {}) };
  }

  /** Grows the file system when the device grew; a failure is logged (the volume stays usable at its old size). */
  private async grow(name: string, device: string, type: string, dir: string | undefined): Promise<void> {
    try {
      const grown = await this.d.fs.growIfSmaller(device, type, dir);
      if (grown) this.d.log.info({ volume: name, device, from_bytes: grown.from, to_bytes: grown.to }, 'file system grown to the volume size');
    } catch (err) {
      this.d.log.warn({ err, volume: name, device }, 'could not grow the file system; it keeps its size');
    }
  }

  /** The satellite formats a new volume right after creating it; a diskless attach may see it a moment later. */
  private async waitForFileSystem(name: string, device: string, wanted: string | undefined): Promise<string> {
    const until = Date.now() + this.d.config.format_wait_s * 1000;
    for (;;) {
      const type = await this.d.fs.typeOf(device);
      if (type) {
        if (wanted && type !== wanted) this.d.log.warn({ volume: name, device, found: type, wanted }, 'the device has another file system than FileSystem/Type');
        return type;
      }
      if (Date.now() >= until) {
        throw new DriverError(`volume "${name}" has no file system on ${device}: the satellite formats a new volume once, ` +
          `when ${FS_TYPE_PROP} is set (${wanted ? `it is ${wanted}; check the satellite's log` : 'it is not set on this volume'})`);
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  private async undoMount(name: string, dir: string, mounted: boolean, attached: boolean): Promise<void> {
    const steps: Array<[string, () => Promise<unknown>]> = [];
    if (mounted) steps.push(['umount', () => this.d.fs.umount(dir)]);
    steps.push(['remove the mount directory', () => removeDir(dir)]);
    if (attached) steps.push(['release the diskless replica', () => this.d.volumes.release(name, this.d.nodeName)]);
    for (const [what, step] of steps) {
      // The original error is what the user must see; a failed undo step is logged beside it.
      await step().catch((err: unknown) => this.d.log.error({ err, volume: name }, `after a failed mount: could not ${what}`));
    }
  }

  private serial<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const key = name.toUpperCase();
    const before = this.queues.get(key) ?? Promise.resolve();
    const run = before.then(fn, fn);
    const tail = run.then(() => undefined, () => undefined);
    this.queues.set(key, tail);
    void tail.then(() => {
      if (this.queues.get(key) === tail) this.queues.delete(key);
    });
    return run;
  }
}

function notOurs(name: string): DriverError {
  return new DriverError(`volume "${name}" exists in Storhub but was not created by the Docker volume plugin (it lacks ${MARK_PROP}=true)`);
}

function refuseInUseElsewhere(info: VolumeInfo, node: string, action: string): void {
  const where = info.replicas.filter((r) => r.in_use === true && !same(r.node, node)).map((r) => r.node);
  if (where.length === 0) return;
  throw new DriverError(`volume "${info.name}" is in use on node ${where.map((n) => `"${n}"`).join(', ')} and cannot be ${action}; ` +
    `stop the containers using it there first`);
}

/** What `docker volume inspect` shows under Status. */
function status(info: VolumeInfo): Record<string, unknown> {
  const diskful = info.replicas.filter((r) => !r.diskless).map((r) => r.node);
  const diskless = info.replicas.filter((r) => r.diskless).map((r) => r.node);
  const inUse = info.replicas.filter((r) => r.in_use).map((r) => r.node);
  const out: Record<string, unknown> = {
    size: formatKib(info.size_kib),
    size_kib: info.size_kib,
    fs: info.props[FS_TYPE_PROP] ?? '',
    replicas: diskful.length,
    nodes: diskful.join(','),
  };
  if (diskless.length) out.diskless_nodes = diskless.join(',');
  if (inUse.length) out.in_use_on = inUse.join(',');
  return out;
}

export function formatKib(kib: number): string {
  const units = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = kib;
  let i = 0;
  while (v >= 1024 && i < units.length - 1 && v % 1024 === 0) {
    v /= 1024;
    i++;
  }
  return `${v} ${units[i]}`;
}

async function removeDir(dir: string): Promise<void> {
  try {
    await rmdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // Gone already; or not empty / still busy: left for the next mount, which reuses it.
    if (code === 'ENOENT' || code === 'ENOTEMPTY' || code === 'EBUSY') return;
    throw err;
  }
}
