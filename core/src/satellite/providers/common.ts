/**
 * What every storage provider shares: reading the pool's driver name, refusing names Storhub did not
 * make, splitting user option strings into argv, and turning a failed command into a pool Report.
 */
import { CommandError } from '../../exec/runner.js';
import { StorhubError } from '../../model/errors.js';
import { parseVolumeName, type DesiredPool, type Report } from '../protocol.js';

/** A command line: the program, then its arguments (never a shell string). */
export type Argv = [string, ...string[]];

export const POOL_NAME_KEY = 'StorDriver/StorPoolName';

/** `StorDriver/StorPoolName` of the pool (VG, VG/thinpool, zpool/dataset, directory). */
export function poolTarget(pool: DesiredPool): string {
  const value = pool.props[POOL_NAME_KEY]?.trim();
  if (!value) {
    throw new StorhubError('FAIL_MISSING_PROPS', `Storage pool '${pool.name}' has no '${POOL_NAME_KEY}'.`, {
      correction: `Set '${POOL_NAME_KEY}' of the pool to what the ${pool.provider_kind} driver uses (a volume group, a zpool, a directory).`,
      objRefs: { StorPoolName: pool.name },
    });
  }
  return value;
}

/** Providers only ever touch `<resource>_<nnnnn>`: anything else is not Storhub's to create or remove. */
export function requireVolumeName(name: string): string {
  if (!parseVolumeName(name)) {
    throw new StorhubError('FAIL_INVLD_RSC_NAME', `'${name}' is not a Storhub volume name (<resource>_<5 digits>).`, {
      correction: 'Storage providers only manage volumes named by protocol.volumeName().',
    });
  }
  return name;
}

/**
 * Splits a `StorDriver/*Options` value into argv words. Whitespace separates words; single or double
 * quotes group (LINSTOR splits on spaces only, so quoting is an addition, never a shell).
 */
export function splitOptions(value: string | undefined): string[] {
  if (!value) return [];
  const words: string[] = [];
  let cur = '';
  let quote: string | undefined;
  let inWord = false;
  for (const ch of value) {
    if (quote) {
      if (ch === quote) quote = undefined;
      else cur += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += ch;
      inWord = true;
    }
  }
  if (quote) throw new StorhubError('FAIL_INVLD_PROP', `Unbalanced ${quote} in option string: ${value}`, { correction: 'Close the quote.' });
  if (inWord) words.push(cur);
  return words;
}

/** The requested size, checked: providers only ever get positive whole KiB. */
export function requireSizeKib(req: { name: string; size_kib: number }): number {
  if (!Number.isSafeInteger(req.size_kib) || req.size_kib <= 0) {
    throw new StorhubError('FAIL_INVLD_VLM_SIZE', `Volume '${req.name}': size ${req.size_kib} KiB is not a positive whole number.`, {
      correction: 'Give the volume definition a size of at least 1 KiB.',
    });
  }
  return req.size_kib;
}

export const bytesToKib = (bytes: number): number => Math.floor(bytes / 1024);

export function roundUp(value: number, multiple: number): number {
  return Math.ceil(value / multiple) * multiple;
}

/** A pool problem the user can act on; command failures keep what ran and what it answered. */
export function errorReport(message: string, correction: string, cause?: unknown): Report {
  const r: Report = { severity: 'error', message, correction };
  if (cause instanceof CommandError) r.details = cause.message;
  else if (cause instanceof Error) r.cause = cause.message;
  return r;
}

/** A StorhubError (a bad pool property) as a pool Report; anything else is rethrown. */
export function storhubErrorReport(err: unknown): Report {
  if (err instanceof StorhubError) return errorReport(err.message, err.info.correction ?? '');
  throw err;
}

/** A tool that is not installed answers ENOENT; a report says which package brings it. */
export function missingToolReport(tool: string, pkg: string, err: CommandError): Report {
  return errorReport(`'${tool}' is not installed on this node.`, `Install ${pkg}.`, err);
}
