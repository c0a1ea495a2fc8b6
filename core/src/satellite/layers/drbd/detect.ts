/**
 * Can this node run the DRBD layer? It needs drbd-utils 9 (drbdadm, drbdsetup, drbdmeta) AND a loaded
 * DRBD 9 kernel module. The module is judged by /proc/drbd (first line `version: 9.2.8 (api:2/...)`)
 * or /sys/module/drbd/version, never by `drbdadm --version`: drbdadm also reports a module that is
 * merely installed, and its DRBD_KERNEL_VERSION can be overridden by the environment.
 */
import { join } from 'node:path';
import { CommandError, type CommandRunner } from '../../../exec/runner.js';
import type { Detection, Detector } from '../../capabilities.js';
import { DEFAULT_TOOLS, version, type DrbdTools } from './drbdadm.js';
import { readIfExists } from '../../read-if-exists.js';

export interface DrbdDetectOptions {
  tools?: DrbdTools;
  /** Root under which proc/drbd and sys/module/drbd/version are read (tests use a temp dir). */
  root?: string;
  env?: Record<string, string>;
}

export interface DrbdDetectResult {
  supported: boolean;
  reasons: string[];
  /** `drbd-utils` and `drbd-kernel` when found. */
  versions: Record<string, string>;
}

/** KEY=value lines of `drbdadm --version`. */
export function parseDrbdadmVersion(stdout: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of stdout.split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m) out[m[1]] = m[2];
  }
  return out;
}

/** The module version from /proc/drbd (`version: 9.0.32-1 (api:2/proto:86-121)`). */
export function parseProcDrbd(text: string): string | undefined {
  return /^version:\s*(\S+)/m.exec(text)?.[1];
}

export function majorOf(v: string): number {
  const m = /^(\d+)\./.exec(v.trim());
  return m ? Number(m[1]) : NaN;
}

export async function detectDrbd(runner: CommandRunner, opts: DrbdDetectOptions = {}): Promise<DrbdDetectResult> {
  const tools = opts.tools ?? DEFAULT_TOOLS;
  const root = opts.root ?? '/';
  const reasons: string[] = [];
  const versions: Record<string, string> = {};

  const [file, args] = version(tools);
  try {
    const res = await runner.run(file, args, { env: opts.env, timeoutMs: 15_000 });
    const utils = parseDrbdadmVersion(res.stdout).DRBDADM_VERSION;
    if (!utils) reasons.push(`${file} --version did not say which drbd-utils version it is`);
    else {
      versions['drbd-utils'] = utils;
      if (!(majorOf(utils) >= 9)) reasons.push(`drbd-utils ${utils} is too old: the DRBD layer needs drbd-utils 9 (install drbd-utils >= 9.0)`);
    }
  } catch (err) {
    if (err instanceof CommandError && err.notFound) reasons.push(`${file} not found (install drbd-utils 9)`);
    else if (err instanceof CommandError) reasons.push(`${file} --version failed: ${err.message}`);
    else throw err;
  }

  const kernel = await readKernelVersion(root);
  if (kernel === undefined) {
    reasons.push('kernel module drbd is not loaded (no /proc/drbd): load the DRBD 9 module (modprobe drbd) and restart the satellite');
  } else {
    versions['drbd-kernel'] = kernel;
    if (!(majorOf(kernel) >= 9)) reasons.push(`kernel module drbd ${kernel} is loaded, but the DRBD layer needs DRBD 9 (unload it and load the DRBD 9 module)`);
  }

  return { supported: reasons.length === 0, reasons, versions };
}

async function readKernelVersion(root: string): Promise<string | undefined> {
  const proc = await readIfExists(join(root, 'proc/drbd'));
  const fromProc = proc === undefined ? undefined : parseProcDrbd(proc);
  if (fromProc) return fromProc;
  const sys = (await readIfExists(join(root, 'sys/module/drbd/version')))?.trim();
  return sys || undefined;
}


/** The capability detector of the DRBD layer (see satellite/capabilities.ts). */
export function drbdDetector(runner: CommandRunner, opts: DrbdDetectOptions = {}): Detector {
  return {
    name: 'DRBD detection',
    layers: ['DRBD'],
    async detect(): Promise<Detection> {
      const r = await detectDrbd(runner, opts);
      return r.supported
        ? { layers: ['DRBD'], versions: r.versions }
        : { unsupported_layers: { DRBD: r.reasons }, versions: r.versions };
    },
  };
}
