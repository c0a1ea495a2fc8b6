/**
 * Test helper: runs the real `storhubd` as a child process on a loopback port chosen by the kernel
 * (`--port 0`; the URL is read from the "storhubd ready:" line), isolated from any system config
 * (its own config file and working directory). Only processes started here are ever signalled.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The repository root (this file runs from dist-test/). */
export const REPO = fileURLToPath(new URL('..', import.meta.url));
export const DAEMON_MAIN = join(REPO, 'core/dist/src/daemon/main.js');

export interface DaemonProcess {
  proc: ChildProcess;
  pid: number;
  url: string;
  /** Everything it printed so far (stdout and stderr, last 64 KiB), for assertion messages. */
  output(): string;
  /** Resolves with the exit code or signal once it has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** A unique temp directory, removed by the returned cleanup function. */
export async function tempDir(prefix: string): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * Starts storhubd with `args` (e.g. ['--role', 'controller', '--db', path]) in `cwd` and waits for its
 * ready line. A config file in `cwd` keeps the logging quiet and any /etc/storhub/storhub.toml out.
 */
export async function startStorhubd(
  args: string[], cwd: string, opts: { env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<DaemonProcess> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const config = join(cwd, 'storhubd-test.toml');
  await writeFile(config, '[logging]\nlevel = "warn"\n');
  const env = { ...daemonEnv(), ...opts.env };
  const proc = spawn(process.execPath, [DAEMON_MAIN, '--config', config, '--port', '0', ...args], {
    cwd, env, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (chunk: Buffer) => {
    out = (out + chunk.toString()).slice(-65536);
  };
  proc.stderr!.on('data', keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => resolve({ code, signal })),
  );

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`storhubd did not get ready within ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    // stdout is always drained (the daemon would block on a full pipe); the ready line is looked for.
    proc.stdout!.on('data', (chunk: Buffer) => {
      keep(chunk);
      const m = /^storhubd ready: REST on (http:\/\/\S+)/m.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`storhubd exited before it was ready (code ${code}, signal ${signal}):\n${out}`));
    });
  });
  return { proc, pid: proc.pid!, url, output: () => out, exited };
}

/** The environment without STORHUB_* variables, so the caller's shell cannot change what is tested. */
export function daemonEnv(): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => !e[0].startsWith('STORHUB_') && e[1] !== undefined));
}

/** Kills the process if it still runs (by its own handle, i.e. its PID) and waits for it. */
export async function killIfRunning(d: DaemonProcess | undefined): Promise<void> {
  if (!d || d.proc.exitCode !== null || d.proc.signalCode !== null) return;
  d.proc.kill('SIGKILL');
  await d.exited;
}
