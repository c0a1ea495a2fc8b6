/**
 * Helpers for the client and CLI tests: a real listening API (buildApi on 127.0.0.1, port 0, in-memory
 * store), a loopback port nothing listens on, and a runner for the compiled `storhub` bin.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { makeApi, type TestApi } from './helpers.js';
import { runCli } from '../src/cli/program.js';

export interface LiveApi {
  api: TestApi;
  port: number;
  /** "127.0.0.1:PORT" */
  address: string;
  close(): Promise<void>;
}

export async function startApi(): Promise<LiveApi> {
  const api = await makeApi();
  await api.app.listen({ host: '127.0.0.1', port: 0 });
  const port = (api.app.server.address() as AddressInfo).port;
  return { api, port, address: `127.0.0.1:${port}`, close: () => api.close() };
}

/** A loopback port that was free a moment ago (bound, then released). */
export async function unusedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as AddressInfo).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

export const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node main.js ...args` with a clean environment (no LS_CONTROLLERS unless given). */
export function storhub(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const baseEnv = { ...process.env };
    delete baseEnv.LS_CONTROLLERS;
    delete baseEnv.STORHUB_CONFIG;
    delete baseEnv.STORHUB_DB;
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...baseEnv, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Runs the same CLI in this process (runCli with captured output): the exact code path of the bin
 * minus process start-up, for the many object-family checks. The environment is only what is given.
 */
export async function storhubIn(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: (s) => void (stdout += s),
    stderr: (s) => void (stderr += s),
    env,
    isTTY: false,
  });
  return { code, stdout, stderr };
}

/**
 * In-process CLI calls against the controller at `address()` (read at each call, so it may be set in
 * `before`): `run` answers whatever the exit code, `ok` also asserts it is 0; `ctl()` is the
 * `--controllers` option they append.
 */
export function cliAgainst(address: () => string) {
  const ctl = () => ['--controllers', address()];
  const run = (...args: string[]) => storhubIn([...args, ...ctl()]);
  const ok = async (...args: string[]) => {
    const r = await run(...args);
    assert.equal(r.code, 0, `storhub ${args.join(' ')} -> ${r.code}\n${r.stdout}${r.stderr}`);
    return r;
  };
  return { ctl, run, ok };
}
