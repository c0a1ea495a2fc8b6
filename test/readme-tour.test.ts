/**
 * Keeps the README's ten-minute tour true: every `storhub ...` line of the tour is run, in order,
 * against a real combined storhubd, and must exit 0. The tour's host name and temp directory are
 * replaced with the test's own.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO, startStorhubd, tempDir } from './daemon-process.js';

const CLI = join(REPO, 'core/dist/src/cli/main.js');
const NODE = 'tour-node';

/** The `storhub` command lines of the tour section, comments stripped. */
function tourCommands(): string[] {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const tour = readme.split('## A ten-minute tour')[1]?.split('\n## ')[0];
  assert.ok(tour, 'README has a tour section');
  const blocks = [...tour.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]);
  return blocks
    .flatMap((b) => b.split('\n'))
    .map((l) => l.replace(/\s+#.*$/, '').trim())
    .filter((l) => l.startsWith('storhub '));
}

/** Splits a command line into argv, honouring double quotes (all the tour uses). */
function argv(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]);
}

test('every storhub command of the README tour succeeds against a combined node', { timeout: 180_000 }, async (t) => {
  const tmp = await tempDir('storhub-tour-');
  const daemon = await startStorhubd(['--role', 'combined'], tmp.dir, { env: { STORHUB_NODE_NAME: NODE } });
  t.after(async () => {
    daemon.proc.kill('SIGTERM');
    await daemon.exited;
    await tmp.remove();
  });
  const commands = tourCommands();
  assert.ok(commands.length >= 10, `the tour has its commands (found ${commands.length})`);
  const controller = new URL(daemon.url).host;
  for (const line of commands) {
    const args = argv(line.replace('"$(hostname)"', NODE).replace('/tmp/storhub-pool2', join(tmp.dir, 'pool2')))
      .slice(1);
    const r = spawnSync(process.execPath, [CLI, '--controllers', controller, ...args], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, `"${line}" exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  }
  // The tour's end state: the spawned definition has a resource on pool2.
  const vl = spawnSync(process.execPath, [CLI, '--controllers', controller, '-m', 'v', 'l'], { encoding: 'utf8' });
  assert.match(vl.stdout, /"storage_pool_name":\s*"pool2"/);
});
