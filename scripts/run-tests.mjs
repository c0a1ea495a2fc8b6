#!/usr/bin/env node
/**
 * Runs every compiled test file with Node's built-in runner and ends with one summary line:
 *   tests: N passed, M failed
 * Exit status is non-zero when any test failed, was cancelled, or the runner itself failed.
 *
 * `node --test` in Node 20 takes explicit file paths (no globs), so the files are collected here from
 * the build outputs: core/dist/test, dist-test (cross-package tests), plugins/<name>/dist/test.
 * Arguments, if any, keep only the files whose path contains one of them: `npm test -- config durability`.
 * Output: the spec reporter on stdout for people, TAP into a temp file for the counts.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function collect(dir) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...collect(p));
    else if (entry.isFile() && entry.name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const dirs = [join(root, 'core/dist/test'), join(root, 'dist-test')];
const pluginsDir = join(root, 'plugins');
if (existsSync(pluginsDir)) {
  for (const name of readdirSync(pluginsDir)) {
    if (statSync(join(pluginsDir, name)).isDirectory()) dirs.push(join(pluginsDir, name, 'dist/test'));
  }
}

const filters = process.argv.slice(2);
const files = dirs.flatMap(collect).sort()
  .filter((f) => filters.length === 0 || filters.some((s) => relative(root, f).includes(s)));
if (files.length === 0) {
  console.error(`tests: no test files found${filters.length ? ` matching ${filters.join(', ')}` : ''} (did the build run?)`);
  process.exit(1);
}

// Files run in parallel child processes (most wait on I/O or on the daemons they start).
const concurrency = Math.max(2, Math.min(8, availableParallelism()));
const work = mkdtempSync(join(tmpdir(), 'storhub-tests-'));
const tapFile = join(work, 'results.tap');

const args = [
  '--test',
  `--test-concurrency=${concurrency}`,
  '--test-timeout=300000',
  '--test-reporter=spec', '--test-reporter-destination=stdout',
  '--test-reporter=tap', `--test-reporter-destination=${tapFile}`,
  ...files,
];
console.log(`tests: running ${files.length} file(s), ${concurrency} at a time`);
const child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit' });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));

child.on('close', (code, signal) => {
  const tap = existsSync(tapFile) ? readFileSync(tapFile, 'utf8') : '';
  rmSync(work, { recursive: true, force: true });
  // The runner's own totals are the last "# pass N" / "# fail N" / "# cancelled N" lines of the TAP stream.
  const total = (name) => {
    const all = [...tap.matchAll(new RegExp(`^# ${name} (\\d+)$`, 'gm'))];
    return all.length ? Number(all[all.length - 1][1]) : undefined;
  };
  const passed = total('pass');
  const failed = (total('fail') ?? 0) + (total('cancelled') ?? 0);
  if (passed === undefined) {
    console.error(`tests: the runner ended (exit ${code ?? signal}) without a summary`);
    process.exit(1);
  }
  console.log(`tests: ${passed} passed, ${failed} failed`);
  process.exit(failed > 0 || code !== 0 ? 1 : 0);
});
