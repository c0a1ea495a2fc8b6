/** Parsers for losetup output (pure). */

export interface LoopDevice {
  name: string;
  /** The backing file as the kernel reports it; ` (deleted)` is stripped and `deleted` set. */
  backFile: string;
  deleted: boolean;
}

/**
 * `losetup --list --json --output NAME,BACK-FILE [...]`. util-linux prints nothing at all when no
 * loop device exists, and `{"loopdevices": []}` when a filter matched none; both mean [].
 */
export function parseLoopList(stdout: string): LoopDevice[] {
  if (!stdout.trim()) return [];
  const doc = JSON.parse(stdout) as { loopdevices?: Array<Record<string, unknown>> };
  const out: LoopDevice[] = [];
  for (const d of doc.loopdevices ?? []) {
    const name = typeof d.name === 'string' ? d.name : undefined;
    const raw = typeof d['back-file'] === 'string' ? (d['back-file'] as string) : '';
    if (!name) continue;
    const deleted = raw.endsWith(' (deleted)');
    out.push({ name, backFile: deleted ? raw.slice(0, -' (deleted)'.length) : raw, deleted });
  }
  return out.sort((a, b) => loopNumber(a.name) - loopNumber(b.name));
}

/** `losetup --find --show` prints the device it attached. */
export function parseAttach(stdout: string): string {
  const dev = stdout.trim().split('\n').pop()?.trim() ?? '';
  if (!/^\/dev\/loop\d+$/.test(dev)) throw new Error(`losetup did not print a loop device: '${stdout.trim()}'`);
  return dev;
}

function loopNumber(dev: string): number {
  const m = /(\d+)$/.exec(dev);
  return m ? Number(m[1]) : Number.MAX_SAFE_INTEGER;
}
