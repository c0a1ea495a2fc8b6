/**
 * FileSystem/Type (+ FileSystem/MkfsParams): a NEW volume gets a file system, once.
 *
 * "New" is decided before the stack runs: when a volume with FileSystem/Type does not exist yet in its
 * pool, the satellite leaves a marker in its state directory; after the stack created the device, the
 * marked device is formatted and the marker removed. A satellite killed in between still formats on
 * its next run (the marker is still there), and a volume that already existed is never marked, so a
 * FileSystem/Type added later never formats data someone put there.
 *
 * Second safety net: a device that carries any signature (file system, partition table, RAID, LUKS...)
 * by `blkid -p` is never formatted, marker or not.
 *
 * Not done yet: growing the file system after a volume grows (resize2fs / xfs_growfs).
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { CommandError, type CommandRunner } from '../exec/runner.js';
import type { Report } from './protocol.js';
import { errorReport } from './reports.js';

export const FS_TYPE_PROP = 'FileSystem/Type';
export const FS_MKFS_PARAMS_PROP = 'FileSystem/MkfsParams';
export const FILESYSTEM_TYPES = ['ext4', 'xfs'] as const;
export type FileSystemType = (typeof FILESYSTEM_TYPES)[number];

const BLKID_TIMEOUT_MS = 30_000;
const MKFS_TIMEOUT_MS = 10 * 60_000; // mkfs on a large, slow device takes a while

/** The FileSystem/Type of a volume, undefined when unset; an unknown type is an error the user must fix. */
export function fileSystemType(props: Record<string, string>): FileSystemType | undefined {
  const raw = props[FS_TYPE_PROP]?.trim();
  if (!raw) return undefined;
  const t = raw.toLowerCase();
  if (!(FILESYSTEM_TYPES as readonly string[]).includes(t)) {
    throw new Error(`${FS_TYPE_PROP} '${raw}' is not supported; use ${FILESYSTEM_TYPES.join(' or ')}`);
  }
  return t as FileSystemType;
}

/** Splits FileSystem/MkfsParams into arguments: whitespace separates, '…' and "…" group. Never a shell. */
export function splitParams(params: string | undefined): string[] {
  if (!params?.trim()) return [];
  const out: string[] = [];
  for (const m of params.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) out.push(m[1] ?? m[2] ?? m[3]);
  return out;
}

export function mkfsCommand(type: FileSystemType, device: string, params: string[]): [string, string[]] {
  // -F / -f: mkfs would otherwise ask on a whole-disk device or an old signature; the signature check
  // is ours (hasSignature) and comes first.
  return type === 'ext4' ? ['mkfs.ext4', ['-q', '-F', ...params, device]] : ['mkfs.xfs', ['-q', '-f', ...params, device]];
}

/**
 * True when blkid finds any signature on the device. blkid -p exits 0 with what it found, 2 when it
 * found nothing, 8 when probing is ambivalent (several signatures: certainly not empty).
 */
export async function hasSignature(runner: CommandRunner, device: string): Promise<boolean> {
  const res = await runner.run('blkid', ['-p', '-o', 'export', device], { timeoutMs: BLKID_TIMEOUT_MS, okExitCodes: [0, 2, 8] });
  return res.exitCode !== 2;
}

/** UUID and TYPE as blkid reports them (for logs and tests). */
export async function probe(runner: CommandRunner, device: string): Promise<Record<string, string>> {
  const res = await runner.run('blkid', ['-p', '-o', 'export', device], { timeoutMs: BLKID_TIMEOUT_MS, okExitCodes: [0, 2, 8] });
  return Object.fromEntries(res.stdout.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

export class NewVolumeFormatter {
  private readonly dir: string;

  constructor(private readonly runner: CommandRunner, stateDir: string, private readonly log: Logger) {
    this.dir = join(stateDir, 'fs-pending');
  }

  /** Records that `volume` is about to be created and should get a file system. */
  async markNew(volume: string, type: FileSystemType): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await writeFile(join(this.dir, volume), `${type}\n`, { mode: 0o600 });
  }

  async isMarked(volume: string): Promise<boolean> {
    try {
      await readFile(join(this.dir, volume));
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  }

  async forget(volume: string): Promise<void> {
    await rm(join(this.dir, volume), { force: true });
  }

  /**
   * Formats `device` when `volume` was marked new and the device is empty. Answers a Report to attach
   * to the resource when something needs the user's attention, undefined otherwise.
   */
  async formatIfNew(volume: string, device: string, props: Record<string, string>): Promise<Report | undefined> {
    if (!(await this.isMarked(volume))) return undefined;
    let type: FileSystemType | undefined;
    try {
      type = fileSystemType(props);
    } catch (err) {
      await this.forget(volume);
      return { severity: 'error', message: `Volume ${volume} was not formatted: ${(err as Error).message}`, correction: `Set ${FS_TYPE_PROP} to ext4 or xfs.` };
    }
    if (!type) {
      await this.forget(volume);
      return undefined;
    }
    try {
      if (await hasSignature(this.runner, device)) {
        await this.forget(volume);
        this.log.warn({ volume, device }, 'new volume already carries a signature: not formatted');
        return { severity: 'warn', message: `Volume ${volume} (${device}) already carries a signature; it was not formatted with ${type}.` };
      }
      const [file, args] = mkfsCommand(type, device, splitParams(props[FS_MKFS_PARAMS_PROP]));
      await this.runner.run(file, args, { timeoutMs: MKFS_TIMEOUT_MS });
      await this.forget(volume);
      this.log.info({ volume, device, type }, 'formatted new volume');
      return undefined;
    } catch (err) {
      // The marker stays: the next converge tries again (still only if the device is empty).
      const report = errorReport(`Formatting volume ${volume} (${device}) with ${type}`, err);
      if (err instanceof CommandError && err.notFound) report.correction = `Install ${err.argv[0] === 'blkid' ? 'util-linux' : type === 'xfs' ? 'xfsprogs' : 'e2fsprogs'} on this node.`;
      return report;
    }
  }
}
