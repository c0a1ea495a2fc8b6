/**
 * Test doubles for the protocol tests: an in-memory VolumeOps (a tiny cluster of named nodes), a
 * runner that plays a host (devices with file systems, a mount table) and answers in the format of
 * the real tools (see fixtures/commands), and a Docker-like client for the plugin socket.
 */
import { request } from 'node:http';
import { pino } from 'pino';
import { StorhubClient } from '@storhub/core/client';
import {
  CommandError, type CommandRunner, type PluginContext, type RunOptions, type RunResult, type VolumeInfo, type VolumeOps, VolumeOpsError, type VolumeSpec,
} from '@storhub/core/plugin';

export interface FakeVolume {
  spec: VolumeSpec;
  info: VolumeInfo;
  snapshots: string[];
  /** Whether attach on a node without a replica works (DRBD) or is refused (STORAGE only). */
  disklessAttach: boolean;
}

/** VolumeOps over a map; every call is recorded as [method, ...args]. */
export class FakeVolumeOps implements VolumeOps {
  readonly calls: unknown[][] = [];
  readonly volumes = new Map<string, FakeVolume>();
  /** The node new volumes get their diskful replica on. */
  constructor(private readonly home = 'node-a') {}

  private find(name: string): FakeVolume | undefined {
    return [...this.volumes.values()].find((v) => v.info.name.toUpperCase() === name.toUpperCase());
  }

  /** A volume made outside the plugin (tests of "not ours", "in use elsewhere", diskless attach). */
  add(info: VolumeInfo, disklessAttach = true): void {
    this.volumes.set(info.name, { spec: { name: info.name, size_kib: info.size_kib }, info, snapshots: [], disklessAttach });
  }

  async ensureResourceGroup(name: string, placement?: VolumeSpec['placement']): Promise<void> {
    this.calls.push(['ensureResourceGroup', name, placement]);
  }

  async create(spec: VolumeSpec): Promise<VolumeInfo> {
    this.calls.push(['create', spec]);
    const existing = this.find(spec.name);
    if (existing) {
      if (existing.info.size_kib !== spec.size_kib) throw new VolumeOpsError('exists', `Volume '${spec.name}' already exists with ${existing.info.size_kib} KiB.`);
      return existing.info;
    }
    if (spec.size_kib > 1024 * 1024 * 1024) throw new VolumeOpsError('no_space', `Placing volume '${spec.name}': Not enough available nodes.`);
    const info: VolumeInfo = { name: spec.name, size_kib: spec.size_kib, props: { ...spec.props }, replicas: [{ node: this.home, diskless: false, device_path: `/dev/fake/${spec.name}`, state: 'UpToDate' }] };
    this.volumes.set(spec.name, { spec, info, snapshots: [], disklessAttach: true });
    return info;
  }

  async get(name: string): Promise<VolumeInfo | undefined> {
    this.calls.push(['get', name]);
    const v = this.find(name);
    return v && structuredClone(v.info);
  }

  async list(filter?: { props?: Record<string, string> }): Promise<VolumeInfo[]> {
    this.calls.push(['list', filter]);
    return [...this.volumes.values()].map((v) => v.info)
      .filter((i) => Object.entries(filter?.props ?? {}).every(([k, val]) => i.props[k] === val))
      .sort((a, b) => a.name.localeCompare(b.name)).map((i) => structuredClone(i));
  }

  async attach(name: string, node: string): Promise<string> {
    this.calls.push(['attach', name, node]);
    const v = this.find(name);
    if (!v) throw new VolumeOpsError('not_found', `Volume '${name}' not found.`);
    const mine = v.info.replicas.find((r) => r.node === node);
    if (mine) return mine.device_path ?? `/dev/fake/${name}`;
    if (!v.disklessAttach) {
      throw new VolumeOpsError('unsupported', `Volume '${name}' has no replica on node '${node}', and its layers (STORAGE) cannot attach it diskless.`);
    }
    v.info.replicas.push({ node, diskless: true, device_path: `/dev/fake/${name}`, state: 'Diskless' });
    return `/dev/fake/${name}`;
  }

  async release(name: string, node: string): Promise<void> {
    this.calls.push(['release', name, node]);
    const v = this.find(name);
    if (v) v.info.replicas = v.info.replicas.filter((r) => !(r.node === node && r.diskless));
  }

  async resize(name: string, size_kib: number): Promise<void> {
    this.calls.push(['resize', name, size_kib]);
  }

  async delete(name: string): Promise<void> {
    this.calls.push(['delete', name]);
    const v = this.find(name);
    if (v) this.volumes.delete(v.info.name);
  }

  async snapshot(name: string, snap: string): Promise<void> {
    this.calls.push(['snapshot', name, snap]);
  }

  async deleteSnapshot(name: string, snap: string): Promise<void> {
    this.calls.push(['deleteSnapshot', name, snap]);
  }

  async listSnapshots(): Promise<never[]> {
    return [];
  }

  async space(): Promise<{ max_volume_kib: number; available_kib: number; capacity_kib: number }> {
    return { max_volume_kib: 0, available_kib: 0, capacity_kib: 0 };
  }

  /** The calls of one kind, without the method name. */
  of(method: string): unknown[][] {
    return this.calls.filter((c) => c[0] === method).map((c) => c.slice(1));
  }
}

interface FakeDevice {
  bytes: number;
  fs?: 'ext4' | 'xfs';
  fsBytes: number;
  blockSize: number;
}

/** A host: devices and a mount table, driven by the argv the plugin runs. */
export class FakeHost implements CommandRunner {
  readonly calls: string[][] = [];
  readonly devices = new Map<string, FakeDevice>();
  /** mount point -> device */
  readonly mounts = new Map<string, string>();
  /** Makes the next command of this program fail with this stderr. */
  readonly failNext = new Map<string, string>();

  device(path: string, bytes: number, fs?: 'ext4' | 'xfs', fsBytes = bytes): void {
    this.devices.set(path, { bytes, fs, fsBytes, blockSize: 4096 });
  }

  async run(file: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    const argv = [file, ...args];
    this.calls.push(argv);
    if (opts.timeoutMs === undefined) throw new Error(`${argv.join(' ')} was run without a timeout`);
    const fail = this.failNext.get(file);
    if (fail !== undefined) {
      this.failNext.delete(file);
      return this.done(argv, { exitCode: 32, stdout: '', stderr: fail }, opts);
    }
    const last = args[args.length - 1];
    const dev = (p: string) => {
      const d = this.devices.get(p);
      if (!d) throw new CommandError(argv, 1, '', `${p}: No such file or directory`, 'exit code 1');
      return d;
    };
    switch (file) {
      case 'blkid': {
        const d = dev(last);
        return this.done(argv, d.fs ? { exitCode: 0, stdout: `DEVNAME=${last}\nUUID=0d6c2a8e-1b1e-4a8e-9a57-3c1c6f1d2b11\nBLOCK_SIZE=4096\nTYPE=${d.fs}\nUSAGE=filesystem\n`, stderr: '' } : { exitCode: 2, stdout: '', stderr: '' }, opts);
      }
      case 'blockdev': return this.done(argv, { exitCode: 0, stdout: `${dev(last).bytes}\n`, stderr: '' }, opts);
      case 'dumpe2fs': {
        const d = dev(last);
        return this.done(argv, { exitCode: 0, stdout: `Filesystem state:         clean\nBlock count:              ${d.fsBytes / d.blockSize}\nBlock size:               ${d.blockSize}\n`, stderr: '' }, opts);
      }
      case 'xfs_info': {
        const d = dev(this.mounts.get(last) ?? '?');
        return this.done(argv, { exitCode: 0, stdout: `meta-data=${this.mounts.get(last)}             isize=512    agcount=4, agsize=19200 blks\ndata     =                       bsize=${d.blockSize}   blocks=${d.fsBytes / d.blockSize}, imaxpct=25\n`, stderr: '' }, opts);
      }
      case 'e2fsck': {
        dev(last);
        if (this.mounts.has(last) || [...this.mounts.values()].includes(last)) throw new Error('e2fsck on a mounted device');
        return this.done(argv, { exitCode: 0, stdout: `${last}: 11/16384 files (0.0% non-contiguous), 9515/65536 blocks\n`, stderr: '' }, opts);
      }
      case 'resize2fs': {
        const d = dev(last);
        d.fsBytes = d.bytes;
        return this.done(argv, { exitCode: 0, stdout: '', stderr: '' }, opts);
      }
      case 'xfs_growfs': {
        const d = dev(this.mounts.get(last) ?? '?');
        d.fsBytes = d.bytes;
        return this.done(argv, { exitCode: 0, stdout: '', stderr: '' }, opts);
      }
      case 'mount': {
        const device = args[args.length - 2];
        dev(device);
        if (this.mounts.has(last)) return this.done(argv, { exitCode: 32, stdout: '', stderr: `mount: ${last}: ${device} already mounted.` }, opts);
        this.mounts.set(last, device);
        return this.done(argv, { exitCode: 0, stdout: '', stderr: '' }, opts);
      }
      case 'umount': {
        if (!this.mounts.delete(last)) return this.done(argv, { exitCode: 32, stdout: '', stderr: `umount: ${last}: not mounted.` }, opts);
        return this.done(argv, { exitCode: 0, stdout: '', stderr: '' }, opts);
      }
      case 'mountpoint': return this.done(argv, { exitCode: this.mounts.has(last) ? 0 : 32, stdout: '', stderr: '' }, opts);
      default: throw new CommandError(argv, undefined, '', '', `FakeHost does not know ${file}`);
    }
  }

  private done(argv: string[], r: RunResult, opts: RunOptions): RunResult {
    if (!(opts.okExitCodes ?? [0]).includes(r.exitCode)) throw new CommandError(argv, r.exitCode, r.stdout, r.stderr, `exit code ${r.exitCode}`);
    return r;
  }

  /** The commands run, as strings, without the read-only probes (blkid, blockdev, dumpe2fs, xfs_info, mountpoint). */
  changes(): string[] {
    return this.calls.filter((c) => !['blkid', 'blockdev', 'dumpe2fs', 'xfs_info', 'mountpoint'].includes(c[0])).map((c) => c.join(' '));
  }
}

export function context(stateDir: string, volumes: VolumeOps, runner: CommandRunner, nodeName = 'node-a'): PluginContext {
  return {
    log: pino({ level: process.env.DV_TEST_LOG ?? 'silent' }),
    client: new StorhubClient({ controllers: 'http://127.0.0.1:1' }),
    volumes,
    runner,
    signal: new AbortController().signal,
    nodeName,
    stateDir,
  };
}

export interface DockerReply {
  status: number;
  contentType: string | undefined;
  body: Record<string, any>;
}

/** POSTs like Docker does: a JSON body and no Content-Type header. */
export function dockerCall(socketPath: string, path: string, body?: unknown): Promise<DockerReply> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? '' : JSON.stringify(body);
    const req = request({ socketPath, method: 'POST', path, headers: { 'Content-Length': Buffer.byteLength(payload) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'], body: JSON.parse(text) });
        } catch (err) {
          reject(new Error(`${path}: not JSON: ${text}`, { cause: err }));
        }
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}
