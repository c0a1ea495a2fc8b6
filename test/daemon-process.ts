/**
 * Test helper: runs the real `storhubd` as a child process on a loopback port chosen by the kernel
 * (`--port 0`; the URL is read from the "storhubd ready:" line), isolated from any system config
 * (its own config file and working directory). Only processes started here are ever signalled.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
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
  /** The REST API's URL (role satellite: the satellite's). */
  url: string;
  /** The satellite's URL (roles combined and satellite). */
  satelliteUrl: string | undefined;
  /** Everything it printed so far (stdout and stderr, last 64 KiB), for assertion messages. */
  output(): string;
  /** Resolves with the exit code or signal once it has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * A unique temp directory, removed by the returned cleanup function — after detaching the loop devices
 * backed by files in it, which a daemon's satellite (roles combined and satellite) may have attached.
 */
export async function tempDir(prefix: string): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return {
    dir,
    remove: async () => {
      detachLoopsUnder(dir);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Detaches every loop device whose backing file lies below `dir` (only ours: the directory is unique). */
export function detachLoopsUnder(dir: string): void {
  const list = spawnSync('losetup', ['--list', '--json', '-O', 'NAME,BACK-FILE'], { encoding: 'utf8', timeout: 30_000 });
  if (list.error || list.status !== 0) return; // no losetup (or not root): nothing can have been attached
  if (list.stdout.trim() === '') return;
  const devices = (JSON.parse(list.stdout) as { loopdevices: Array<{ name: string; 'back-file': string | null }> }).loopdevices;
  for (const d of devices) {
    if (!d['back-file']?.startsWith(`${dir}/`)) continue;
    const r = spawnSync('losetup', ['-d', d.name], { encoding: 'utf8', timeout: 30_000 });
    if (r.status !== 0) throw new Error(`losetup -d ${d.name} failed: ${r.stderr}`);
  }
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
  // [satellite] port 0: several combined daemons (parallel tests) must not fight over 3366.
  await writeFile(config, '[logging]\nlevel = "warn"\n\n[satellite]\nport = 0\n');
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
      const m = /^storhubd ready: (?:REST|satellite) on (http:\/\/[^\s,]+)/m.exec(out);
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
  const satelliteUrl = /^storhubd ready: .*satellite on (http:\/\/[^\s,]+)/m.exec(out)?.[1];
  return { proc, pid: proc.pid!, url, satelliteUrl, output: () => out, exited };
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
