/**
 * `DrbdOptions/<Section>/<option>` props -> drbd.conf option lines. Which keys exist and their types
 * come from the list generated from `drbdsetup xml-help` (props/rules-drbd.ts), so only options the
 * installed drbd-utils knows reach the file; anything else is skipped and named, never guessed at.
 *
 * Where each section goes (DRBD 9):
 *   Resource   -> `options { }` of the resource
 *   Net        -> `net { }` of the resource, or of a `connection { }` for per-pair values
 *   Disk       -> `disk { }` of the resource, or of a `volume { }` for per-volume values
 *   PeerDevice -> `disk { }` of every `connection { }`: drbdadm refuses a peer-device option that is
 *                 set both on the resource and on a connection ("ambiguous inheritance"), so the
 *                 resource-level value is folded into each connection, overridden per pair.
 *   Handlers   -> `handlers { }` of the resource
 */
import { DRBD_RULES, sectionOf, type DrbdSection } from '../../../props/rules-drbd.js';

const RULE_BY_KEY = new Map(DRBD_RULES.map((r) => [r.key, r]));

export type OptionLine = readonly [name: string, value: string];

/** Keys the .res writer sets itself; a prop of the same name must not produce a second line. */
const WRITER_OWNED = new Set(['DrbdOptions/Net/shared-secret']);

/**
 * The options of one section, sorted by name (the output must not depend on prop order).
 * `skipped` collects keys that look like DRBD options but are not known to drbd-utils.
 */
export function sectionOptions(props: Readonly<Record<string, string>>, section: DrbdSection, skipped?: string[]): Map<string, string> {
  const prefix = `DrbdOptions/${section}/`;
  const out = new Map<string, string>();
  for (const key of Object.keys(props).sort()) {
    if (!key.startsWith(prefix) || WRITER_OWNED.has(key)) continue;
    const rule = RULE_BY_KEY.get(key);
    if (!rule || sectionOf(key) !== section) {
      skipped?.push(key);
      continue;
    }
    const value = props[key];
    if (value === undefined || value === '') continue;
    out.set(key.slice(prefix.length), rule.type === 'boolean' ? yesNo(value) : value);
  }
  return out;
}

/** Options of `over` that differ from `base` (so a per-volume or per-pair block only says what is special). */
export function differing(over: ReadonlyMap<string, string>, base: ReadonlyMap<string, string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of over) if (base.get(k) !== v) out.set(k, v);
  return out;
}

/** `base` with `over` on top, sorted by name. */
export function merged(base: ReadonlyMap<string, string>, over: ReadonlyMap<string, string>): Map<string, string> {
  const all = new Map([...base, ...over]);
  return new Map([...all].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** drbd.conf booleans are yes/no; LINSTOR clients also send true/false. */
function yesNo(value: string): string {
  const v = value.trim().toLowerCase();
  if (v === 'true' || v === 'yes') return 'yes';
  if (v === 'false' || v === 'no') return 'no';
  return value;
}

/**
 * A drbd.conf value: bare when it is a plain token (numbers with unit suffixes, symbols, paths),
 * otherwise a double-quoted string with `"` and `\` escaped (handler command lines, secrets).
 */
export function confValue(value: string): string {
  if (/^[A-Za-z0-9_.:+\/-]+$/.test(value)) return value;
  return quote(value);
}

export function quote(value: string): string {
  if (/[\n\r\0]/.test(value)) throw new Error(`a drbd.conf value cannot contain line breaks: ${JSON.stringify(value)}`);
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}
