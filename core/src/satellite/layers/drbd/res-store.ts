/**
 * Where the .res files live and how one is replaced: the new text goes to `<res>.res_tmp`, drbdadm
 * checks it together with every other resource of this satellite (`sh-nop -t new -E old`), and only
 * then is it renamed over the old file. A rejected file never replaces a working one: the old file
 * stays, the temp file goes, and the error carries drbdadm's own message.
 *
 * Storhub keeps its own directory (default /var/lib/storhub/drbd.d) and a wrapper drbd.conf that
 * includes it; every drbdadm call gets `-c <wrapper>`, so /etc/drbd.conf is never read or written.
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CommandError, type CommandRunner } from '../../../exec/runner.js';
import { SatelliteError } from '../../reports.js';
import { DEFAULT_TOOLS, shNop, type DrbdTools } from './drbdadm.js';
import { quote } from './options.js';
import { readIfExists } from '../../read-if-exists.js';

export const DEFAULT_RES_DIR = '/var/lib/storhub/drbd.d';

export interface DrbdFiles {
  /** Directory of the `<resource>.res` files. */
  resDir: string;
  /** The wrapper config passed to drbdadm with -c (includes resDir/*.res). */
  wrapperConf: string;
}

export interface DrbdExec {
  runner: CommandRunner;
  tools?: DrbdTools;
  /** Extra environment for drbd-utils (tests: DRBD_DRIVER_VERSION_OVERRIDE, __DRBD_NODE__). */
  env?: Record<string, string>;
  timeoutMs?: number;
}

export function drbdFiles(resDir: string = DEFAULT_RES_DIR, wrapperConf: string = join(dirname(resDir), 'drbd.conf')): DrbdFiles {
  return { resDir, wrapperConf };
}

export function resFilePath(files: DrbdFiles, resource: string): string {
  // Resource names are checked by the controller (letters, digits, _ and -); refuse anything path-like.
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/.test(resource) || resource.includes('..')) {
    throw new SatelliteError(`'${resource}' cannot be used as a DRBD resource file name`);
  }
  return join(files.resDir, `${resource}.res`);
}

export function wrapperText(files: DrbdFiles): string {
  return [
    '# Written by Storhub: the DRBD resources of this satellite. Do not edit.',
    'global',
    '{',
    '    usage-count no;',
    '}',
    `include ${quote(join(files.resDir, '*.res'))};`,
    '',
  ].join('\n');
}

/** Creates the directory and (re)writes the wrapper config when it is missing or different. */
export async function ensureConfigDir(files: DrbdFiles): Promise<void> {
  await mkdir(files.resDir, { recursive: true });
  await mkdir(dirname(files.wrapperConf), { recursive: true });
  const want = wrapperText(files);
  if ((await readIfExists(files.wrapperConf)) !== want) await writeFile(files.wrapperConf, want, { mode: 0o644 });
}

export interface WriteResult {
  /** False when the file already had exactly this text (nothing was run). */
  changed: boolean;
  path: string;
}

/**
 * Validates `text` with drbdadm and installs it as the resource's .res file.
 * Throws SatelliteError (cause = drbdadm's message) when drbdadm rejects it; the old file is kept.
 */
export async function writeResFile(exec: DrbdExec, files: DrbdFiles, resource: string, text: string): Promise<WriteResult> {
  const path = resFilePath(files, resource);
  await ensureConfigDir(files);
  const old = await readIfExists(path);
  if (old === text) return { changed: false, path };
  const tmp = `${path}_tmp`;
  await writeFile(tmp, text, { mode: 0o600 }); // it holds the shared secret
  const [file, args] = shNop(exec.tools ?? DEFAULT_TOOLS, files.wrapperConf, tmp, old === undefined ? undefined : path);
  try {
    await exec.runner.run(file, args, { env: exec.env, timeoutMs: exec.timeoutMs });
  } catch (err) {
    await rm(tmp, { force: true });
    if (!(err instanceof CommandError)) throw err;
    const said = cleanDrbdOutput(err.stderr) || cleanDrbdOutput(err.stdout) || err.message;
    throw new SatelliteError(
      `drbdadm rejected the new configuration of resource '${resource}'${old === undefined ? '' : '; the previous configuration is kept'}`,
      {
        cause: said,
        details: `command: ${[file, ...args].join(' ')}`,
        correction: 'Check the DrbdOptions/* properties of the resource, its resource definition, group, node and controller (and the net interface addresses); fix or remove the value drbdadm names.',
      },
    );
  }
  await rename(tmp, path);
  return { changed: true, path };
}

/** Removes the resource's .res file (and a temp file left behind); a missing file is fine. */
export async function removeResFile(files: DrbdFiles, resource: string): Promise<void> {
  const path = resFilePath(files, resource);
  await rm(`${path}_tmp`, { force: true });
  await rm(path, { force: true });
}

/** drbd-utils output without the noise of a machine where modinfo is missing. */
export function cleanDrbdOutput(text: string): string {
  return text
    .split('\n')
    .filter((l) => !/^sh: \d+: modinfo: not found$/.test(l.trim()))
    .join('\n')
    .trim();
}

