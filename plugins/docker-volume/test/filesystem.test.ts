/**
 * FileSystems against recorded real output (fixtures/commands, see its README): the parsers, the
 * exact argv, and when a file system is grown.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CommandError, type CommandRunner, type RunOptions, type RunResult } from '@storhub/core/plugin';
import { FileSystems } from '../src/filesystem.js';

const fixture = (path: string): string => readFileSync(new URL(`../../test/fixtures/commands/${path}`, import.meta.url), 'utf8');

/** Answers argv (joined by spaces) from a table; records every call with its options. */
class TableRunner implements CommandRunner {
  readonly calls: Array<{ argv: string; opts: RunOptions }> = [];
  constructor(private readonly table: Record<string, Partial<RunResult>>) {}
  async run(file: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    const argv = [file, ...args].join(' ');
    this.calls.push({ argv, opts });
    const r = this.table[argv];
    if (!r) throw new CommandError([file, ...args], undefined, '', '', 'not in the table');
    const res = { exitCode: r.exitCode ?? 0, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
    if (!(opts.okExitCodes ?? [0]).includes(res.exitCode)) throw new CommandError([file, ...args], res.exitCode, res.stdout, res.stderr, `exit code ${res.exitCode}`);
    return res;
  }
}

test('typeOf: blkid -p TYPE; no signature (exit 2) is undefined', async () => {
  const r = new TableRunner({
    'blkid -p -o export /dev/loop0': { stdout: fixture('blkid/ext4-64M.txt') },
    'blkid -p -o export /dev/loop1': { stdout: fixture('blkid/xfs-300M.txt') },
    'blkid -p -o export /dev/loop2': { stdout: fixture('blkid/empty.txt'), exitCode: 2 },
  });
  const fs = new FileSystems(r);
  assert.equal(await fs.typeOf('/dev/loop0'), 'ext4');
  assert.equal(await fs.typeOf('/dev/loop1'), 'xfs');
  assert.equal(await fs.typeOf('/dev/loop2'), undefined);
  assert.ok(r.calls.every((c) => typeof c.opts.timeoutMs === 'number'));
});

test('sizes: blockdev, dumpe2fs -h and xfs_info parsed from real output', async () => {
  const fs = new FileSystems(new TableRunner({
    'blockdev --getsize64 /dev/loop0': { stdout: fixture('blockdev/getsize64-64M.txt') },
    'dumpe2fs -h /dev/loop0': { stdout: fixture('dumpe2fs/ext4-64M.txt') },
    'xfs_info /mnt/x': { stdout: fixture('xfs_info/xfs-300M.txt') },
  }));
  assert.equal(await fs.deviceBytes('/dev/loop0'), 67108864);
  assert.deepEqual(await fs.ext4Size('/dev/loop0'), { bytes: 65536 * 1024, blockSize: 1024 });
  assert.deepEqual(await fs.xfsSize('/mnt/x'), { bytes: 76800 * 4096, blockSize: 4096 });
});

test('growIfSmaller: ext4 grows (e2fsck -f -p + resize2fs unmounted, resize2fs mounted) only when at least one block is missing', async () => {
  const same = new TableRunner({
    'blockdev --getsize64 /dev/loop0': { stdout: '67108864\n' },
    'dumpe2fs -h /dev/loop0': { stdout: fixture('dumpe2fs/ext4-64M.txt') },
  });
  assert.equal(await new FileSystems(same).growIfSmaller('/dev/loop0', 'ext4', undefined), undefined);
  assert.deepEqual(same.calls.map((c) => c.argv), ['blockdev --getsize64 /dev/loop0', 'dumpe2fs -h /dev/loop0']);

  const grown = new TableRunner({
    'blockdev --getsize64 /dev/loop0': { stdout: '134217728\n' },
    'dumpe2fs -h /dev/loop0': { stdout: fixture('dumpe2fs/ext4-64M.txt') },
    'e2fsck -f -p /dev/loop0': { stdout: '/dev/loop0: 12/16384 files (0.0% non-contiguous), 9517/65536 blocks\n' },
    'resize2fs /dev/loop0': { stdout: 'The filesystem on /dev/loop0 is now 131072 (1k) blocks long.\n' },
  });
  assert.deepEqual(await new FileSystems(grown).growIfSmaller('/dev/loop0', 'ext4', '/mnt/x'), { from: 67108864, to: 134217728 });
  assert.deepEqual(grown.calls.slice(2).map((c) => c.argv), ['resize2fs /dev/loop0']);
  assert.ok((grown.calls.at(-1)?.opts.timeoutMs ?? 0) >= 60_000);
  grown.calls.length = 0;
  assert.deepEqual(await new FileSystems(grown).growIfSmaller('/dev/loop0', 'ext4', undefined), { from: 67108864, to: 134217728 });
  assert.deepEqual(grown.calls.slice(2).map((c) => c.argv), ['e2fsck -f -p /dev/loop0', 'resize2fs /dev/loop0']);
  assert.deepEqual(grown.calls[2].opts.okExitCodes, [0, 1]);

  // e2fsck found errors it could not fix (exit 4): no resize.
  const broken = new TableRunner({
    'blockdev --getsize64 /dev/loop0': { stdout: '134217728\n' },
    'dumpe2fs -h /dev/loop0': { stdout: fixture('dumpe2fs/ext4-64M.txt') },
    'e2fsck -f -p /dev/loop0': { exitCode: 4, stderr: '/dev/loop0: UNEXPECTED INCONSISTENCY; RUN fsck MANUALLY.' },
  });
  await assert.rejects(new FileSystems(broken).growIfSmaller('/dev/loop0', 'ext4', undefined), { name: 'CommandError', message: /exit code 4/ });
  assert.equal(broken.calls.some((c) => c.argv.startsWith('resize2fs')), false);
});

test('growIfSmaller: xfs grows with xfs_growfs on the mount point, and only when mounted', async () => {
  const r = new TableRunner({
    'blockdev --getsize64 /dev/loop1': { stdout: '419430400\n' },
    'xfs_info /mnt/x': { stdout: fixture('xfs_info/xfs-300M.txt') },
    'xfs_growfs /mnt/x': { stdout: 'data blocks changed from 76800 to 102400\n' },
  });
  const fs = new FileSystems(r);
  assert.equal(await fs.growIfSmaller('/dev/loop1', 'xfs', undefined), undefined);
  assert.equal(r.calls.length, 0);
  assert.deepEqual(await fs.growIfSmaller('/dev/loop1', 'xfs', '/mnt/x'), { from: 314572800, to: 419430400 });
  assert.deepEqual(r.calls.map((c) => c.argv), ['blockdev --getsize64 /dev/loop1', 'xfs_info /mnt/x', 'xfs_growfs /mnt/x']);
});

test('mount / umount / mountpoint argv', async () => {
  const r = new TableRunner({
    'mount -t ext4 /dev/loop0 /m/v1': {},
    'mount -t xfs -o noatime,discard /dev/loop1 /m/v2': {},
    'umount /m/v1': {},
    'mountpoint -q /m/v1': { exitCode: 0 },
    'mountpoint -q /m/v2': { exitCode: 32 },
    'mountpoint -q /m/gone': { exitCode: 1 },
  });
  const fs = new FileSystems(r);
  await fs.mount('/dev/loop0', '/m/v1', 'ext4', []);
  await fs.mount('/dev/loop1', '/m/v2', 'xfs', ['noatime', 'discard']);
  await fs.umount('/m/v1');
  assert.equal(await fs.isMounted('/m/v1'), true);
  assert.equal(await fs.isMounted('/m/v2'), false);
  assert.equal(await fs.isMounted('/m/gone'), false);
});
