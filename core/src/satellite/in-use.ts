/**
 * "In use" for devices without a DRBD role: a device is in use when it is mounted. The mount table
 * names devices by major:minor (/proc/self/mountinfo, field 3), which also catches mounts through
 * another path to the same device (a /dev/disk/by-* link, a bind mount of it).
 */
import { readFile, stat } from 'node:fs/promises';

/** major:minor of every mounted block device in this mount namespace. */
export async function mountedDeviceNumbers(): Promise<Set<string>> {
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  return new Set(text.split('\n').map((line) => line.split(' ')[2]).filter((f): f is string => !!f && /^\d+:\d+$/.test(f)));
}

/** major:minor of a block device (Linux dev_t encoding), undefined when it does not exist. */
export async function deviceNumber(path: string): Promise<string | undefined> {
  try {
    const st = await stat(path, { bigint: true });
    if (!st.isBlockDevice()) return undefined;
    const dev = st.rdev;
    const major = ((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn);
    const minor = (dev & 0xffn) | ((dev >> 12n) & ~0xffn);
    return `${major}:${minor}`;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
