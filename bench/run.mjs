// Runs every compiled benchmark in dist-bench/ one after another (they are not timed tests).
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist-bench');
const only = process.argv[2];
let failed = 0;
for (const f of readdirSync(dir).filter((f) => f.endsWith('.js')).sort()) {
  if (only && !f.startsWith(only)) continue;
  const r = spawnSync(process.execPath, [join(dir, f)], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
