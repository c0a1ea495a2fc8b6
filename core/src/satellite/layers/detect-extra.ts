/**
 * Can this node run the LUKS, NVME, CACHE and WRITECACHE layers?
 *
 *  - LUKS needs cryptsetup and the kernel's device-mapper (dm-crypt mappings live in /dev/mapper).
 *  - CACHE and WRITECACHE need dmsetup and device-mapper (dm-cache / dm-writecache tables).
 *  - NVME needs either side of NVMe-oF: the target (nvmet configfs at /sys/kernel/config/nvmet) or
 *    the initiator (nvme-cli and /dev/nvme-fabrics from the nvme-fabrics/nvme-tcp modules).
 *
 * The kernel's device-mapper is judged by /proc/misc listing "device-mapper" (the misc device behind
 * /dev/mapper/control), not by the control node existing: a container or a kernel without dm_mod can
 * have the node while opening it fails with ENODEV — exactly this project's test machine.
 * Every reason names the missing piece and how to get it.
 */
import { constants } from 'node:fs';
import { access, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CommandError, type CommandRunner } from '../../exec/runner.js';
import type { LayerKind } from '../../model/enums.js';
import type { Detection, Detector } from '../capabilities.js';

export interface ExtraDetectOptions {
  /** Root under which proc/, dev/ and sys/ are read (tests use a temp dir). Default "/". */
  root?: string;
  cryptsetup?: string;
  dmsetup?: string;
  nvme?: string;
}

export const EXTRA_LAYERS: readonly LayerKind[] = ['LUKS', 'NVME', 'CACHE', 'WRITECACHE'];

interface Tool {
  found: boolean;
  version?: string;
  /** Why it is not usable, when not. */
  reason?: string;
}

/** Only "not there" means false; anything else (EACCES, EIO) is a real problem and propagates. */
function absent(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path, constants.F_OK);
    return true;
  } catch (err) {
    if (absent(err)) return false;
    throw err;
  }
}

async function isDir(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch (err) {
    if (absent(err)) return false;
    throw err;
  }
}

/** "device-mapper" in /proc/misc, or a reason. */
export async function deviceMapperReason(root = '/'): Promise<string | undefined> {
  let misc: string;
  try {
    misc = await readFile(join(root, 'proc/misc'), 'utf8');
  } catch (err) {
    return `cannot read /proc/misc to look for the kernel's device-mapper driver: ${(err as Error).message}`;
  }
  if (/^\s*\d+\s+device-mapper\s*$/m.test(misc)) return undefined;
  const node = (await exists(join(root, 'dev/mapper/control')))
    ? '/dev/mapper/control exists but the driver behind it is missing (opening it fails with "No such device")'
    : 'there is no /dev/mapper/control';
  return `the kernel has no device-mapper driver ("device-mapper" is not in /proc/misc; ${node}): load it with modprobe dm_mod, or use a kernel with CONFIG_BLK_DEV_DM`;
}

/** The first line of `--version` output, or why the tool is not there. */
async function probe(runner: CommandRunner, file: string, args: string[], pkg: string, okExitCodes: number[] = [0]): Promise<Tool> {
  try {
    const res = await runner.run(file, args, { timeoutMs: 15_000, okExitCodes });
    return { found: true, version: res.stdout.split('\n')[0].trim() || undefined };
  } catch (err) {
    if (err instanceof CommandError && err.notFound) return { found: false, reason: `${file} not found (install ${pkg})` };
    if (err instanceof CommandError) return { found: false, reason: `${file} ${args.join(' ')} failed: ${err.message}` };
    throw err;
  }
}

/** "cryptsetup 2.6.1 flags: ..." -> "2.6.1" */
function versionNumber(line: string | undefined): string | undefined {
  return line ? /(\d+\.\d+(?:\.\d+)?)/.exec(line)?.[1] : undefined;
}

export async function detectExtraLayers(runner: CommandRunner, opts: ExtraDetectOptions = {}): Promise<Detection> {
  const root = opts.root ?? '/';
  const cryptsetupBin = opts.cryptsetup ?? 'cryptsetup';
  const dmsetupBin = opts.dmsetup ?? 'dmsetup';
  const nvmeBin = opts.nvme ?? 'nvme';

  // dmsetup exits 1 from `version` when the kernel driver is missing but still prints its library
  // version; the kernel itself is judged by /proc/misc below.
  const [dm, cryptsetup, dmsetup, nvme] = await Promise.all([
    deviceMapperReason(root),
    probe(runner, cryptsetupBin, ['--version'], 'cryptsetup-bin'),
    probe(runner, dmsetupBin, ['version'], 'dmsetup', [0, 1]),
    probe(runner, nvmeBin, ['version'], 'nvme-cli'),
  ]);

  const layers: LayerKind[] = [];
  const unsupported: Record<string, string[]> = {};
  const versions: Record<string, string> = {};
  const decide = (kind: LayerKind, reasons: Array<string | undefined>) => {
    const r = reasons.filter((x): x is string => !!x);
    if (r.length === 0) layers.push(kind);
    else unsupported[kind] = r;
  };

  const cv = versionNumber(cryptsetup.version);
  if (cv) versions.cryptsetup = cv;
  decide('LUKS', [cryptsetup.reason, dm && `LUKS needs device-mapper (dm-crypt): ${dm}`]);

  const dv = versionNumber(dmsetup.version);
  if (dv) versions.dmsetup = dv;
  for (const kind of ['CACHE', 'WRITECACHE'] as const) {
    const target = kind === 'CACHE' ? 'dm-cache' : 'dm-writecache';
    decide(kind, [dmsetup.reason, dm && `${kind} needs device-mapper (${target}): ${dm}`]);
  }

  // NVMe-oF: one working side is enough for the layer; each missing side is named.
  const nvmetRoot = join(root, 'sys/kernel/config/nvmet');
  const target = (await isDir(nvmetRoot))
    ? undefined
    : 'NVMe-oF target: no nvmet configfs at /sys/kernel/config/nvmet (mount configfs and load nvmet and nvmet-tcp: modprobe nvmet-tcp)';
  const fabrics = await exists(join(root, 'dev/nvme-fabrics'));
  const initiator = !nvme.found
    ? `NVMe-oF initiator: ${nvme.reason}`
    : fabrics ? undefined : 'NVMe-oF initiator: no /dev/nvme-fabrics (load nvme-tcp: modprobe nvme-tcp)';
  const nv = versionNumber(nvme.version);
  if (nv) versions['nvme-cli'] = nv;
  decide('NVME', target && initiator ? [target, initiator] : []);

  return { layers, unsupported_layers: unsupported, versions };
}

/** The Detector the satellite registers (see capabilities.ts). */
export function extraLayersDetector(runner: CommandRunner, opts: ExtraDetectOptions = {}): Detector {
  return { name: 'LUKS/NVME/CACHE/WRITECACHE detection', layers: EXTRA_LAYERS, detect: () => detectExtraLayers(runner, opts) };
}

/** Which NVMe-oF sides work on this node (the NVME layer refuses the side that does not). */
export async function nvmeSides(runner: CommandRunner, opts: ExtraDetectOptions = {}): Promise<{ target: boolean; initiator: boolean }> {
  const root = opts.root ?? '/';
  const nvme = await probe(runner, opts.nvme ?? 'nvme', ['version'], 'nvme-cli');
  return {
    target: await isDir(join(root, 'sys/kernel/config/nvmet')),
    initiator: nvme.found && (await exists(join(root, 'dev/nvme-fabrics'))),
  };
}
