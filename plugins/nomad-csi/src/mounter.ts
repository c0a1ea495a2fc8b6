/**
 * The node side's system calls, all through the plugin context's CommandRunner (argv only, each with a
 * time limit): findmnt to read the mount table, blkid to see a device's file system, mount/umount,
 * blockdev for sizes, resize2fs / xfs_growfs to grow a file system.
 */
import type { CommandRunner } from '@storhub/core/plugin';

const QUICK_MS = 30_000;
const MOUNT_MS = 120_000;
/** Growing a large file system (or one on a slow device) takes a while. */
const GROW_MS = 10 * 60_000;

export interface MountEntry {
  target: string;
  source: string;
  fstype: string;
  options: string[];
}

/** The mount at exactly `path`, or undefined when `path` is not a mount point. */
export async function findMount(runner: CommandRunner, path: string): Promise<MountEntry | undefined> {
  // exit 1: nothing mounted there.
  const r = await runner.run('findmnt', ['--json', '--mountpoint', path, '--output', 'TARGET,SOURCE,FSTYPE,OPTIONS'], {
    timeoutMs: QUICK_MS, okExitCodes: [0, 1],
  });
  if (r.exitCode !== 0 || r.stdout.trim() === '') return undefined;
  const list = (JSON.parse(r.stdout) as { filesystems?: Array<{ target: string; source: string; fstype: string; options: string }> }).filesystems ?? [];
  // Several mounts stacked on one path: the last one is the visible one.
  const top = list[list.length - 1];
  if (!top) return undefined;
  return { target: top.target, source: top.source, fstype: top.fstype, options: top.options.split(',') };
}

/** The file system type on a device (`blkid -p`, the probe that ignores caches), or undefined when none. */
export async function fsTypeOnDevice(runner: CommandRunner, device: string): Promise<string | undefined> {
  // exit 2: no signature found.
  const r = await runner.run('blkid', ['-p', '-o', 'value', '-s', 'TYPE', device], { timeoutMs: QUICK_MS, okExitCodes: [0, 2] });
  const type = r.stdout.trim();
  return r.exitCode === 0 && type !== '' ? type : undefined;
}

export async function mountFs(runner: CommandRunner, device: string, target: string, fsType: string, options: readonly string[]): Promise<void> {
  const args = ['-t', fsType];
  if (options.length) args.push('-o', options.join(','));
  await runner.run('mount', [...args, device, target], { timeoutMs: MOUNT_MS });
}

/** Bind-mounts a device node onto a file (block access); `ro` makes the bind read-only. */
export async function bindDevice(runner: CommandRunner, device: string, target: string, ro: boolean): Promise<void> {
  await runner.run('mount', ['--bind', ...(ro ? ['-o', 'ro'] : []), device, target], { timeoutMs: MOUNT_MS });
}

export async function unmount(runner: CommandRunner, target: string): Promise<void> {
  await runner.run('umount', [target], { timeoutMs: MOUNT_MS });
}

export async function deviceBytes(runner: CommandRunner, device: string): Promise<number> {
  const r = await runner.run('blockdev', ['--getsize64', device], { timeoutMs: QUICK_MS });
  const n = Number(r.stdout.trim());
  if (!Number.isSafeInteger(n)) throw new Error(`blockdev --getsize64 ${device} printed '${r.stdout.trim()}', not a size`);
  return n;
}

export const GROWABLE = ['ext2', 'ext3', 'ext4', 'xfs'];

/** Grows a mounted file system to its device's size (nothing happens when it is that size already). */
export async function growFs(runner: CommandRunner, fsType: string, device: string, mountpoint: string): Promise<void> {
  if (fsType === 'xfs') await runner.run('xfs_growfs', ['-d', mountpoint], { timeoutMs: GROW_MS });
  else if (fsType.startsWith('ext')) await runner.run('resize2fs', [device], { timeoutMs: GROW_MS });
  else throw new Error(`cannot grow a ${fsType} file system (only ${GROWABLE.join(', ')})`);
}
