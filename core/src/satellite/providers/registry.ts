/**
 * The storage providers of a satellite, by kind, and the detection of which of them this node can
 * run: the tools must be installed and the kernel must have what they need. Detection never throws;
 * every missing piece becomes a reason the controller shows (`unsupported_providers`).
 */
import { access } from 'node:fs/promises';
import { CommandError, type CommandRunner } from '../../exec/runner.js';
import { PROVIDER_KINDS, type ProviderKind } from '../../model/enums.js';
import { StorhubError } from '../../model/errors.js';
import { DisklessProvider } from './diskless/provider.js';
import { FileProvider } from './file/provider.js';
import { LvmProvider } from './lvm/provider.js';
import type { StorageProvider } from './provider.js';
import { ZfsProvider } from './zfs/provider.js';

export interface ProviderOptions {
  /** `--config` for lvm2 (default: env STORHUB_LVM_CONFIG); `global{activation=0}` = metadata only. */
  lvmConfig?: string;
  /** FILE pools: attach loop devices with direct I/O (default true). */
  fileDirectIo?: boolean;
}

export type ProviderRegistry = ReadonlyMap<ProviderKind, StorageProvider>;

export function createProviders(opts: ProviderOptions = {}): ProviderRegistry {
  const lvm = { config: lvmConfigOf(opts) };
  const file = { directIo: opts.fileDirectIo };
  const all: StorageProvider[] = [
    new DisklessProvider(),
    new LvmProvider(false, lvm),
    new LvmProvider(true, lvm),
    new ZfsProvider(false),
    new ZfsProvider(true),
    new FileProvider(false, file),
    new FileProvider(true, file),
  ];
  return new Map(all.map((p) => [p.kind, p]));
}

export function providerFor(registry: ProviderRegistry, kind: ProviderKind): StorageProvider {
  const p = registry.get(kind);
  if (!p) {
    throw new StorhubError('FAIL_STLT_DOES_NOT_SUPPORT_PROVIDER', `This satellite has no ${kind} storage provider.`, {
      correction: 'Use a provider kind the node lists in supported_providers.',
    });
  }
  return p;
}

export interface ProviderDetection {
  /** In PROVIDER_KINDS order. */
  supported: ProviderKind[];
  /** Why each missing kind is missing, e.g. {"ZFS": ["zfs is not installed (install zfsutils-linux)"]}. */
  unsupported: Partial<Record<ProviderKind, string[]>>;
  /** Versions of the tools found, e.g. {"lvm2": "2.03.16(2)", "util-linux": "2.38.1"}. */
  versions: Record<string, string>;
}

export interface DetectOptions {
  lvmConfig?: string;
  /** Whether a device node exists (tests replace it). */
  exists?: (path: string) => Promise<boolean>;
}

interface Probe {
  ok: boolean;
  stdout: string;
  /** Why not, when !ok. */
  reason: string;
}

export async function detectProviders(runner: CommandRunner, opts: DetectOptions = {}): Promise<ProviderDetection> {
  const exists = opts.exists ?? pathExists;
  const probe = async (file: string, args: string[], pkg: string): Promise<Probe> => {
    try {
      const r = await runner.run(file, args, { timeoutMs: 10_000, env: { LVM_SUPPRESS_FD_WARNINGS: '1' } });
      return { ok: true, stdout: r.stdout, reason: '' };
    } catch (err) {
      if (!(err instanceof CommandError)) throw err;
      if (err.notFound) return { ok: false, stdout: '', reason: `${file} is not installed (install ${pkg})` };
      return { ok: false, stdout: err.stdout, reason: `${[file, ...args].join(' ')} failed: ${firstLine(err.stderr) || err.message}` };
    }
  };
  const [losetup, truncate, fallocate, lvm, dm, thinCheck, zfs, loopCtl, zfsDev] = await Promise.all([
    probe('losetup', ['--version'], 'util-linux'),
    probe('truncate', ['--version'], 'coreutils'),
    probe('fallocate', ['--version'], 'util-linux'),
    probe('lvm', ['version'], 'lvm2'),
    probe('dmsetup', ['version'], 'dmsetup'),
    probe('thin_check', ['-V'], 'thin-provisioning-tools'),
    probe('zfs', ['version'], 'zfsutils-linux'),
    exists('/dev/loop-control'),
    exists('/dev/zfs'),
  ]);

  const dmReason = dm.ok ? undefined
    : /not installed/.test(dm.reason) ? dm.reason
    : `device-mapper is not available in the kernel (${dm.reason})`;
  const loopReason = loopCtl ? undefined : 'the kernel has no loop device support (/dev/loop-control is missing; load the loop module)';
  const metadataOnly = /activation\s*=\s*0/.test(lvmConfigOf(opts) ?? '');
  const needs: Record<ProviderKind, Array<string | undefined>> = {
    DISKLESS: [],
    FILE: [reasonOf(losetup), reasonOf(fallocate), loopReason],
    FILE_THIN: [reasonOf(losetup), reasonOf(truncate), loopReason],
    // Without device-mapper an LV cannot be activated: no /dev/VG/LV. Metadata-only mode is for tests.
    LVM: [reasonOf(lvm), metadataOnly ? undefined : dmReason],
    LVM_THIN: [reasonOf(lvm), dmReason, reasonOf(thinCheck)],
    ZFS: [reasonOf(zfs), zfsDev ? undefined : 'the zfs kernel module is not loaded (/dev/zfs is missing)'],
    ZFS_THIN: [],
  };
  needs.ZFS_THIN = needs.ZFS;

  const out: ProviderDetection = { supported: [], unsupported: {}, versions: {} };
  for (const kind of PROVIDER_KINDS) {
    const reasons = needs[kind].filter((r): r is string => r !== undefined);
    if (reasons.length) out.unsupported[kind] = reasons;
    else out.supported.push(kind);
  }
  const version = (key: string, p: Probe, re: RegExp) => {
    const m = p.ok ? re.exec(p.stdout) : null;
    if (m) out.versions[key] = m[1];
  };
  version('util-linux', losetup, /util-linux\s+(\S+)/);
  version('lvm2', lvm, /LVM version:\s*(\S+)/);
  version('thin-provisioning-tools', thinCheck, /^\s*(\S+)/);
  version('zfs', zfs, /^(zfs-\S+)/m);
  return out;
}

const reasonOf = (p: Probe): string | undefined => (p.ok ? undefined : p.reason);

function lvmConfigOf(opts: { lvmConfig?: string }): string | undefined {
  return opts.lvmConfig ?? (process.env.STORHUB_LVM_CONFIG || undefined);
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0]?.trim() ?? '';
}

async function pathExists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}
