/**
 * `storhub encryption (e) create-passphrase|enter-passphrase|modify-passphrase|status` against a live
 * API: the passphrase from --passphrase or piped standard input, never prompted for, never printed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { CLI, startApi } from './cli-helpers.js';
import { runCli } from '../src/cli/program.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** runCli in-process; `stdin` undefined stands for a terminal (nothing piped). */
async function cli(address: string, args: string[], stdin?: string): Promise<Run> {
  let stdout = '';
  let stderr = '';
  let read = 0;
  const code = await runCli([...args, '--controllers', address], {
    stdout: (s) => void (stdout += s),
    stderr: (s) => void (stderr += s),
    env: {},
    isTTY: false,
    readStdin: async () => {
      read++;
      return stdin;
    },
  });
  if (stdin === undefined && read > 1) throw new Error('stdin read twice');
  return { code, stdout, stderr };
}

/** The real bin with `input` piped to its standard input. */
function bin(args: string[], input: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env };
    delete env.LS_CONTROLLERS;
    const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(input);
  });
}

const SECRETS = ['topSecret', 'wrongOne', 'newSecret', 'third'];

function noSecretIn(r: Run): void {
  for (const s of SECRETS) assert.ok(!r.stdout.includes(s) && !r.stderr.includes(s), `'${s}' printed:\n${r.stdout}${r.stderr}`);
}

test('encryption create/enter/modify/status: from --passphrase or stdin, never echoed', async (t) => {
  const live = await startApi();
  t.after(() => live.close());
  const run = (args: string[], stdin?: string) => cli(live.address, args, stdin);

  let r = await run(['encryption', 'status']);
  assert.deepEqual([r.code, r.stdout], [0, 'Passphrase: unset\n']);
  r = await run(['-m', 'e', 'status']);
  assert.deepEqual(JSON.parse(r.stdout), { status: 'unset' });

  // No option and nothing piped: a usage error, and no request was made.
  r = await run(['e', 'cp']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /No passphrase given: pass --passphrase, or pipe it on standard input \(this command never prompts\)/);
  r = await run(['e', 'cp'], '\n');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /The passphrase is empty/);
  assert.deepEqual((await live.api.call('GET', '/v1/encryption/passphrase')).body, { status: 'unset' });

  r = await run(['encryption', 'create-passphrase', '--passphrase', 'topSecret']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^SUCCESS:\n {4}Crypt passphrase created\.\n$/);
  noSecretIn(r);
  assert.equal((await run(['e', 'status'])).stdout, 'Passphrase: unlocked\n');

  r = await run(['e', 'cp', '--passphrase', 'topSecret']);
  assert.equal(r.code, 10, 'exists: an API error');
  assert.match(r.stdout, /already exists/);

  r = await run(['e', 'ep'], 'wrongOne\n');
  assert.equal(r.code, 10);
  assert.match(r.stdout, /^ERROR:/);
  noSecretIn(r);
  r = await run(['e', 'enter-passphrase'], 'topSecret\r\n');
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /Passphrase accepted/);

  // modify: old and new as the first two lines; or one option and the other piped.
  r = await run(['e', 'mp'], 'topSecret\nnewSecret\n');
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /Crypt passphrase updated/);
  noSecretIn(r);
  r = await run(['e', 'mp', '--old-passphrase', 'newSecret'], 'third\n');
  assert.equal(r.code, 0, r.stdout + r.stderr);
  r = await run(['e', 'mp', '--old-passphrase', 'third'], '');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /The new passphrase is empty/);
  r = await run(['e', 'mp', '--old-passphrase', 'x', '--new-passphrase', 'y']);
  assert.equal(r.code, 10, 'wrong old passphrase');

  // The bin reads a pipe (main.ts).
  const piped = await bin(['e', 'ep', '--controllers', live.address], 'third\n');
  assert.equal(piped.code, 0, piped.stderr);
  assert.match(piped.stdout, /Passphrase accepted/);
  noSecretIn(piped);
  const wrongPiped = await bin(['e', 'ep', '--controllers', live.address], 'topSecret\n');
  assert.equal(wrongPiped.code, 10);
  noSecretIn(wrongPiped);
});
