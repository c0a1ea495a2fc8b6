/**
 * The host-side file system work of Mount and Unmount, every program through the plugin's
 * CommandRunner (argv only, each with a timeout):
 *   blkid -p -o export DEV        which file system the satellite put on the device
 *   blockdev --getsize64 DEV      the device size
 *   dumpe2fs -h DEV / xfs_info MP the file system size (to see whether the volume grew)
 *   e2fsck -f -p DEV + resize2fs DEV (unmounted ext4), resize2fs DEV (mounted ext4), xfs_growfs MP: grow it
 *   mount -t FS [-o OPTS] DEV MP / umount MP / mountpoint -q MP
 *
 * The plugin never runs mkfs: the satellite formats a new volume once (FileSystem/Type).
 */
import type { CommandRunner } from '@storhub/core/plugin';

const QUICK_MS = 30_000;
const MOUNT_MS = 120_000;
// Growing a large file system takes a while; the container start waits for it.
const GROW_MS = 10 * 60_000;

export class FileSystems {
  constructor(private readonly runner: CommandRunner) {}

  /** The file system type on the device, or undefined when blkid finds no signature (exit 2). */
  async typeOf(device: string): Promise<string | undefined> {
    const res = await this.runner.run('blkid', ['-p', '-o', 'export', device], { timeoutMs: QUICK_MS, okExitCodes: [0, 2] });
    if (res.exitCode === 2) return undefined;
    return /^TYPE=(.*)$/m.exec(res.stdout)?.[1]?.trim() || undefined;
  }

  async deviceBytes(device: string): Promise<number> {
    const res = await this.runner.run('blockdev', ['--getsize64', device], { timeoutMs: QUICK_MS });
    const n = Number(res.stdout.trim());
    if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`blockdev --getsize64 ${device} printed "${res.stdout.trim()}", not a size`);
    return n;
  }

  /** ext4: block count x block size from the superblock (works mounted or not), and the block size. */
  async ext4Size(device: string): Promise<{ bytes: number; blockSize: number }> {
    const res = await this.runner.run('dumpe2fs', ['-h', device], { timeoutMs: QUICK_MS });
    const count = /^Block count:\s+(\d+)/m.exec(res.stdout)?.[1];
    const size = /^Block size:\s+(\d+)/m.exec(res.stdout)?.[1];
    if (!count || !size) throw new Error(`dumpe2fs -h ${device} printed no block count / block size`);
    return { bytes: Number(count) * Number(size), blockSize: Number(size) };
  }

  /** xfs (mounted): the data section, "data = bsize=4096 blocks=N". */
  async xfsSize(mountpoint: string): Promise<{ bytes: number; blockSize: number }> {
    const res = await this.runner.run('xfs_info', [mountpoint], { timeoutMs: QUICK_MS });
    const m = /^data\s*=\s*bsize=(\d+)\s+blocks=(\d+)/m.exec(res.stdout);
    if (!m) throw new Error(`xfs_info ${mountpoint} printed no data section size`);
    return { bytes: Number(m[1]) * Number(m[2]), blockSize: Number(m[1]) };
  }

  async mount(device: string, mountpoint: string, fs: string, options: readonly string[]): Promise<void> {
    const args = ['-t', fs, ...(options.length ? ['-o', options.join(',')] : []), device, mountpoint];
    await this.runner.run('mount', args, { timeoutMs: MOUNT_MS });
  }

  async umount(mountpoint: string): Promise<void> {
    await this.runner.run('umount', [mountpoint], { timeoutMs: MOUNT_MS });
  }

  /** True when `path` is a mount point (mountpoint exits 0; 32 = not one; 1 = missing or unreadable). */
  async isMounted(path: string): Promise<boolean> {
    const res = await this.runner.run('mountpoint', ['-q', path], { timeoutMs: QUICK_MS, okExitCodes: [0, 1, 32] });
    return res.exitCode === 0;
  }

  /**
   * Grows the file system to the device when the device is at least one block larger (a volume that
   * was resized); `mountpoint` is where it is mounted, undefined when it is not.
   * - ext4, not mounted: `e2fsck -f -p` first (resize2fs refuses a file system that was mounted since
   *   its last check), then `resize2fs`. Offline growth needs no kernel online-resize support
   *   (CAP_SYS_RESOURCE), and checks the file system before its geometry changes.
   * - ext4, mounted: `resize2fs` online.
   * - xfs: only mounted, `xfs_growfs` on the mount point.
   * Returns the sizes when it grew, undefined when nothing was to do.
   */
  async growIfSmaller(device: string, fs: string, mountpoint: string | undefined): Promise<{ from: number; to: number } | undefined> {
    if (fs !== 'ext4' && fs !== 'xfs') return undefined;
    if (fs === 'xfs' && !mountpoint) return undefined;
    const dev = await this.deviceBytes(device);
    const cur = fs === 'ext4' ? await this.ext4Size(device) : await this.xfsSize(mountpoint!);
    if (dev - cur.bytes < cur.blockSize) return undefined;
    if (fs === 'ext4') {
      // e2fsck: 0 = clean, 1 = errors fixed; anything else stops the growth (CommandError).
      if (!mountpoint) await this.runner.run('e2fsck', ['-f', '-p', device], { timeoutMs: GROW_MS, okExitCodes: [0, 1] });
      await this.runner.run('resize2fs', [device], { timeoutMs: GROW_MS });
    } else {
      await this.runner.run('xfs_growfs', [mountpoint!], { timeoutMs: GROW_MS });
    }
    return { from: cur.bytes, to: dev };
  }
}
