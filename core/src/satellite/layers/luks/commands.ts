/**
 * cryptsetup argv builders (pure). Keys never appear here: every command that needs one reads it
 * from stdin (`--key-file -`), and the caller passes the key as the runner's `input`, so it is
 * neither on a command line (visible in ps) nor in a file on disk.
 */

export const CRYPTSETUP = 'cryptsetup';

/** LUKS2's default data offset (metadata + keyslot areas) is 16 MiB; luksDump says the real one. */
export const LUKS2_HEADER_KIB = 16 * 1024;

export interface LuksFormatOptions {
  /**
   * PBKDF for the key slot. Default: cryptsetup's own (argon2id, benchmarked to ~2 s). The volume key
   * is already a random 256-bit value, so tests may use `pbkdf2` with few iterations to stay fast.
   */
  pbkdf?: 'pbkdf2' | 'argon2i' | 'argon2id';
  pbkdfForceIterations?: number;
}

export function isLuksArgs(device: string): string[] {
  return ['isLuks', device];
}

export function luksFormatArgs(device: string, opts: LuksFormatOptions = {}): string[] {
  const args = ['luksFormat', '--batch-mode', '--type', 'luks2'];
  if (opts.pbkdf) args.push('--pbkdf', opts.pbkdf);
  if (opts.pbkdfForceIterations !== undefined) args.push('--pbkdf-force-iterations', String(opts.pbkdfForceIterations));
  args.push('--key-file', '-', device);
  return args;
}

export function openArgs(device: string, name: string): string[] {
  return ['open', '--key-file', '-', device, name];
}

/** Checks the key against the header only; needs no device-mapper. */
export function testPassphraseArgs(device: string): string[] {
  return ['open', '--test-passphrase', '--key-file', '-', device];
}

export function closeArgs(name: string): string[] {
  return ['close', name];
}

export function statusArgs(name: string): string[] {
  return ['status', name];
}

export function luksDumpArgs(device: string): string[] {
  return ['luksDump', device];
}

/** Grows an open mapping to its (grown) backing device. LUKS2 needs the key for it. */
export function resizeArgs(name: string): string[] {
  return ['resize', '--key-file', '-', name];
}

/** Exit codes (cryptsetup(8) RETURN CODES). */
export const EXIT = {
  OK: 0,
  /** isLuks: not a LUKS device. */
  NOT_LUKS: 1,
  /** open / --test-passphrase: no key slot opens with this key. */
  WRONG_KEY: 2,
  /** status: the mapping is not active ("wrong device specified"). */
  INACTIVE: 4,
} as const;
