/**
 * Keeps the README true: every `storhub ...` line of the ten-minute tour (against a real combined
 * storhubd) and of the three-node section (against a real local cluster) is run, in order, and must
 * exit 0. Host names and temp directories are replaced with the test's own.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO, startStorhubd, tempDir } from './daemon-process.js';
import { startLocalCluster } from '../core/dist/src/daemon/local-cluster.js';

const CLI = join(REPO, 'core/dist/src/cli/main.js');
const NODE = 'tour-node';

/** The `storhub` command lines of a README section, comments stripped. */
function sectionCommands(title: string): string[] {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const tour = readme.split(`## ${title}`)[1]?.split('\n## ')[0];
  assert.ok(tour, `README has a section '${title}'`);
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
  const commands = sectionCommands('A ten-minute tour');
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

test('every storhub command of the three-node section succeeds against a local cluster', { timeout: 300_000 }, async (t) => {
  const tmp = await tempDir('storhub-readme-cluster-');
  const cluster = await startLocalCluster({ nodes: 3, dir: join(tmp.dir, 'cluster'), restPort: 0, logLevel: 'warn' });
  t.after(async () => {
    await cluster.stop();
    await tmp.remove();
  });
  const controller = new URL(cluster.controllerUrl).host;
  const commands = sectionCommands('Three nodes on one machine');
  assert.ok(commands.length >= 8, `the section has its commands (found ${commands.length})`);
  const cli = (args: string[]) => spawnSync(process.execPath, [CLI, '--controllers', controller, ...args], { encoding: 'utf8', timeout: 60_000 });
  for (const line of commands) {
    const args = argv(line).slice(1);
    // The volume list is what the section promises: wait until the satellites have reported.
    if (args[0] === 'v' && args[1] === 'l') {
      const deadline = Date.now() + 60_000;
      while (!/\/dev\/loop\d+/.test(cli(['v', 'l']).stdout) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
    }
    const r = cli(args);
    assert.equal(r.status, 0, `"${line}" exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
    if (args[0] === 'v' && args[1] === 'l') {
      assert.match(r.stdout, /\/dev\/loop\d+/, 'volume list shows the loop devices');
      assert.match(r.stdout, /100(\.00)? MiB/, 'and the 100 MiB size');
    }
  }
});
