/** Clean-up shared by the snapshot tests that use real loop devices and mounts. */
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';

/** Unmounts and detaches whatever a test (also a failed one) left below `dir`, then removes it. */
export function cleanupLoops(dir: string): void {
  for (const m of readFileSync('/proc/mounts', 'utf8').split('\n')) {
    const target = m.split(' ')[1];
    if (target?.startsWith(dir)) execFileSync('umount', [target]);
  }
  const out = execFileSync('losetup', ['--list', '--json', '--output', 'NAME,BACK-FILE'], { encoding: 'utf8' });
  const loops = out.trim() ? (JSON.parse(out).loopdevices as Array<{ name: string; 'back-file': string | null }>) : [];
  for (const d of loops) if (d['back-file']?.startsWith(dir)) execFileSync('losetup', ['--detach', d.name]);
  rmSync(dir, { recursive: true, force: true });
}
