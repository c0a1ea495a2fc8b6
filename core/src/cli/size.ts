/**
 * Sizes as the linstor client reads and shows them. Input: a number with an optional unit; a bare
 * number is GiB; K/M/G/T/P and KiB/MiB/GiB/TiB/PiB are binary, kB/MB/GB/TB/PB decimal (any case);
 * the result is KiB, rounded up so the volume is at least as large as asked.
 */

const BINARY: Record<string, bigint> = { k: 1n, m: 1024n, g: 1024n ** 2n, t: 1024n ** 3n, p: 1024n ** 4n };
const DECIMAL_BYTES: Record<string, bigint> = { kb: 10n ** 3n, mb: 10n ** 6n, gb: 10n ** 9n, tb: 10n ** 12n, pb: 10n ** 15n };

export class SizeError extends Error {}

/** Parses "10G", "512MiB", "100MB", "3" (GiB) into KiB. */
export function parseSizeKib(text: string): number {
  const m = /^\s*(\d+)\s*([A-Za-z]*)\s*$/.exec(text);
  if (!m) throw new SizeError(`'${text}' is not a valid size (e.g. 10G, 512MiB, 100MB; a bare number is GiB).`);
  const n = BigInt(m[1]);
  const unit = (m[2] === '' ? 'gib' : m[2]).toLowerCase();
  let kib: bigint;
  if (unit in BINARY) kib = n * BINARY[unit];
  else if (unit.length === 3 && unit.endsWith('ib') && unit[0] in BINARY) kib = n * BINARY[unit[0]];
  else if (unit in DECIMAL_BYTES) kib = (n * DECIMAL_BYTES[unit] + 1023n) / 1024n;
  else {
    throw new SizeError(`'${m[2]}' is not a valid size unit. Valid units: K, M, G, T, P, KiB, MiB, GiB, TiB, PiB, kB, MB, GB, TB, PB.`);
  }
  if (kib > BigInt(Number.MAX_SAFE_INTEGER)) throw new SizeError(`Size '${text}' is too large.`);
  return Number(kib);
}

const UNITS = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];

/** KiB -> "1 GiB", "1.50 GiB", "512 KiB" (largest unit with a value of at least 1). */
export function formatKib(kib: number | bigint | undefined): string {
  if (kib === undefined) return '';
  let v = Number(kib);
  let i = 0;
  while (v >= 1024 && i < UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  return `${Number.isInteger(v) ? v.toString() : v.toFixed(2)} ${UNITS[i]}`;
}
