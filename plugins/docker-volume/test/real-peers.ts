/**
 * The real peers of the Docker end-to-end test: Debian's dockerd (its own data root, exec root,
 * pidfile and socket in the test's temp directory; no iptables, no bridge, vfs), an image imported
 * from Debian's static busybox, and a combined storhubd that runs the plugin from its [plugins] section.
 *
 * Only processes started here are ever signalled (by their own PID), only mounts below the test's
 * own temp directory are unmounted, and the system's /var/lib/docker is never touched.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, openSync, readFileSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program (argv, no shell) with a timeout; resolves with its exit code and output, never rejects on exit codes. */
export function run(file: string, args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { env: opts.env, timeout: opts.timeoutMs ?? 120_000, maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = (err as { code?: unknown } | null)?.code;
      if (err && typeof code !== 'number') return reject(new Error(`${file} ${args.join(' ')}: ${err.message}\n${stderr}`));
      resolve({ code: typeof code === 'number' ? code : 0, stdout, stderr });
    });
  });
}

const has = (tool: string): boolean => spawnSync('which', [tool], { stdio: 'ignore', timeout: 10_000 }).status === 0;

/**
 * Installs Debian's docker.io when dockerd is missing, and busybox-static when there is no busybox
 * at all (a dynamic busybox that is already installed is used with its libraries instead: installing
 * busybox-static would remove it).
 */
export async function ensureTools(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('the Docker end-to-end test needs root (dockerd, mount, loop devices)');
  const missing: string[] = [];
  if (!has('dockerd')) missing.push('docker.io');
  if (!busybox()) missing.push('busybox-static');
  if (missing.length === 0) return;
  const r = await run('apt-get', ['-o', 'DPkg::Lock::Timeout=600', 'install', '-y', '--no-install-recommends', ...missing], {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, timeoutMs: 900_000,
  });
  if (r.code !== 0) throw new Error(`apt-get install ${missing.join(' ')} failed (exit ${r.code}):\n${r.stderr}`);
  if (!has('dockerd') || !busybox()) throw new Error(`${missing.join(' ')} installed, but dockerd / busybox is still missing`);
}

/** Debian's busybox (static from busybox-static; dynamic from busybox) and the libraries it needs. */
function busybox(): { path: string; libs: string[] } | undefined {
  const path = ['/bin/busybox', '/usr/bin/busybox'].find((p) => existsSync(p));
  if (!path) return undefined;
  const ldd = spawnSync('ldd', [path], { encoding: 'utf8', timeout: 10_000 });
  if (`${ldd.stdout}${ldd.stderr}`.includes('not a dynamic executable')) return { path, libs: [] };
  // "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)" and "/lib64/ld-linux-x86-64.so.2 (0x...)"
  const libs = [...ldd.stdout.matchAll(/(\/\S+) \(0x/g)].map((m) => m[1]);
  return { path, libs };
}

export interface Dockerd {
  proc: ChildProcess;
  env: NodeJS.ProcessEnv;
  execRoot: string;
  docker(args: string[], timeoutMs?: number): Promise<Run>;
  log(): string;
  stop(): Promise<void>;
}

/** Starts dockerd with everything below `dir`; resolves once its API listens. */
export async function startDockerd(dir: string): Promise<Dockerd> {
  const dataRoot = join(dir, 'docker-data');
  const execRoot = join(dir, 'docker-exec');
  const sock = join(dir, 'docker.sock');
  const logFile = join(dir, 'dockerd.log');
  for (const d of [dataRoot, execRoot, join(dir, 'docker-cli')]) mkdirSync(d, { recursive: true });
  const out = openSync(logFile, 'a');
  const proc = spawn('dockerd', [
    '--iptables=false', '--ip-masq=false', '--ip-forward=false', '--bridge=none', '--storage-driver=vfs',
    '--data-root', dataRoot, '--exec-root', execRoot, '--pidfile', join(dir, 'dockerd.pid'), '-H', `unix://${sock}`,
  ], { stdio: ['ignore', out, out] });
  const log = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
  // The CLI keeps its config (and nothing else) in the temp dir, never in ~/.docker.
  const env = { ...process.env, DOCKER_HOST: `unix://${sock}`, DOCKER_CONFIG: join(dir, 'docker-cli') };
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const d: Dockerd = {
    proc, env, execRoot, log,
    docker: (args, timeoutMs = 180_000) => run('docker', args, { env, timeoutMs }),
    stop: async () => {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
      // dockerd stops the containerd it started; after a SIGKILL that one is left, found by its pidfile.
      const ctrPid = join(execRoot, 'containerd', 'containerd.pid');
      if (existsSync(ctrPid)) {
        const pid = Number(readFileSync(ctrPid, 'utf8').trim());
        if (pid > 1 && isAlive(pid) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(execRoot)) process.kill(pid, 'SIGKILL');
      }
    },
  };
  const deadline = Date.now() + 60_000;
  while (!log().includes('API listen on')) {
    if (proc.exitCode !== null) throw new Error(`dockerd exited (${proc.exitCode}):\n${log()}`);
    if (Date.now() > deadline) {
      await d.stop();
      throw new Error(`dockerd did not listen within 60 s:\n${log()}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return d;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}

/** A one-layer image with busybox as sh, cat, echo, df, ls, sleep. */
export async function importBusybox(d: Dockerd, dir: string, tag: string): Promise<void> {
  const root = join(dir, 'rootfs');
  for (const sub of ['bin', 'data', 'tmp', 'proc', 'sys', 'dev', 'etc']) mkdirSync(join(root, sub), { recursive: true });
  const bb = busybox()!;
  copyFileSync(bb.path, join(root, 'bin', 'busybox'));
  for (const lib of bb.libs) {
    mkdirSync(join(root, dirname(lib)), { recursive: true });
    copyFileSync(lib, join(root, lib));
  }
  for (const a of ['sh', 'ls', 'cat', 'echo', 'df', 'sleep', 'mount']) symlinkSync('busybox', join(root, 'bin', a));
  const tar = join(dir, 'rootfs.tar');
  const t = await run('tar', ['-C', root, '-cf', tar, '.']);
  if (t.code !== 0) throw new Error(`tar: ${t.stderr}`);
  const r = await d.docker(['import', tar, tag]);
  if (r.code !== 0) throw new Error(`docker import: ${r.stderr}`);
}

export interface Storhubd {
  proc: ChildProcess;
  url: string;
  output(): string;
  stop(): Promise<void>;
}

/** The combined storhubd of @storhub/core (controller + satellite, FILE_THIN pool below `cwd`). */
export async function startStorhubd(cwd: string, configFile: string): Promise<Storhubd> {
  const core = dirname(createRequire(import.meta.url).resolve('@storhub/core/package.json'));
  const main = join(core, 'dist/src/daemon/main.js');
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('STORHUB_')));
  const proc = spawn(process.execPath, [main, '--role', 'combined', '--config', configFile, '--port', '0'], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (c: Buffer) => (out = (out + c.toString()).slice(-256 * 1024));
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const stop = async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    const m = /^storhubd ready: REST on (http:\/\/[^\s,]+)/m.exec(out);
    if (m) return { proc, url: m[1], output: () => out, stop };
    if (proc.exitCode !== null) throw new Error(`storhubd exited (${proc.exitCode}) before it was ready:\n${out}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`storhubd did not get ready within 60 s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Unmounts everything mounted below `dir` (deepest first): what dockerd or the plugin may have left. */
export function unmountBelow(dir: string): string[] {
  const targets = readFileSync('/proc/self/mountinfo', 'utf8').split('\n')
    .map((l) => l.split(' ')[4]?.replace(/\\040/g, ' '))
    .filter((p): p is string => !!p && p.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const t of targets) {
    const r = spawnSync('umount', [t], { encoding: 'utf8', timeout: 30_000 });
    if (r.status !== 0) {
      const lazy = spawnSync('umount', ['-l', t], { encoding: 'utf8', timeout: 30_000 });
      if (lazy.status !== 0) throw new Error(`umount ${t} failed: ${r.stderr} / ${lazy.stderr}`);
    }
  }
  return targets;
}

/** Detaches every loop device whose backing file lies below `dir`; returns what was attached. */
export function loopsBelow(dir: string, detach: boolean): string[] {
  const list = spawnSync('losetup', ['--list', '--json', '-O', 'NAME,BACK-FILE'], { encoding: 'utf8', timeout: 30_000 });
  if (list.status !== 0) throw new Error(`losetup --list failed: ${list.stderr}`);
  if (list.stdout.trim() === '') return [];
  const ours = (JSON.parse(list.stdout) as { loopdevices: Array<{ name: string; 'back-file': string | null }> }).loopdevices
    .filter((d) => d['back-file']?.startsWith(`${dir}/`));
  if (detach) {
    for (const d of ours) {
      const r = spawnSync('losetup', ['-d', d.name], { encoding: 'utf8', timeout: 30_000 });
      if (r.status !== 0) throw new Error(`losetup -d ${d.name} failed: ${r.stderr}`);
    }
  }
  return ours.map((d) => `${d.name} ${d['back-file']}`);
}
