/**
 * Deriving a resource name from an external name (an arbitrary UTF-8 string such as "My Disk"),
 * following LINSTOR's rules: a UUID becomes "LS_<UUID>", a name that is already valid is used as is,
 * otherwise invalid characters are translated (punctuation to '_', other bytes to letters); when the
 * result is still invalid or already taken, "LS_<random UUID>" is used.
 */
import { randomUUID } from 'node:crypto';
import { StorhubError } from './errors.js';
import { nameProblem } from './names.js';

export const MAX_EXTERNAL_NAME_BYTES = 256;
const MAX_NAME_BYTES = 48;
const PUNCTUATION = new Set(Buffer.from(' !@#$%^&*()+=[]{}:;"\'<>?,./~', 'latin1'));
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const isLetter = (b: number) => (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a);
const isDigit = (b: number) => b >= 0x30 && b <= 0x39;

function validByte(b: number, inner: boolean): boolean {
  if (isLetter(b) || b === 0x5f /* _ */) return true;
  return inner && (isDigit(b) || b === 0x2d /* - */);
}

/** Replaces, byte by byte, what a resource name cannot contain. */
function translate(bytes: Buffer): string {
  const out = Buffer.alloc(bytes.length);
  bytes.forEach((b, i) => {
    if (validByte(b, i > 0)) out[i] = b;
    else if (PUNCTUATION.has(b)) out[i] = 0x5f;
    else {
      // Spread other bytes over the letters (as signed bytes, like the reference) to keep names apart.
      const c = Math.abs((b > 127 ? b - 256 : b) % 52);
      out[i] = c < 26 ? 0x41 + c : 0x61 + (c - 26);
    }
  });
  return out.toString('latin1');
}

const valid = (name: string) => nameProblem('resource', name) === undefined;

export function resourceNameFromExternal(external: string, taken: (name: string) => boolean): string {
  const bytes = Buffer.from(external, 'utf8');
  if (bytes.length > MAX_EXTERNAL_NAME_BYTES) {
    throw new StorhubError('FAIL_INVLD_EXT_NAME', `The external name is ${bytes.length} bytes long; at most ${MAX_EXTERNAL_NAME_BYTES} are allowed.`, {
      correction: 'Use a shorter external name.',
    });
  }
  const head = bytes.subarray(0, MAX_NAME_BYTES);
  const text = head.toString('utf8');
  let name: string | undefined;
  if (UUID_RE.test(text)) name = `LS_${text.toUpperCase()}`;
  else if (valid(text)) name = text;
  else {
    const translated = translate(head);
    if (valid(translated)) name = translated;
  }
  if (name === undefined || taken(name)) name = `LS_${randomUUID()}`;
  return name;
}
