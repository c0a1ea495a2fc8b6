/**
 * Size of DRBD 9 internal metadata (`meta-disk internal`), which sits at the end of the backing
 * device. Layout, from the end of the device backwards (DRBD user's guide, "meta data size"; drbdmeta):
 *   - superblock: 4 KiB
 *   - activity log: al-stripes x al-stripe-size (default 1 x 32 KiB)
 *   - bitmap: one bit per 4 KiB of the device, for each of the `max-peers` slots; each slot is a whole
 *     number of 64-bit words, and the whole bitmap area is rounded up to 4 KiB.
 * The area is 4 KiB aligned and the data before it is the usable size (drbdmeta's `bm_offset`).
 * Checked against real `drbdmeta create-md` + `dump-md` output in core/test/drbd-metadata.test.ts.
 */

export const SUPERBLOCK_KIB = 4;
export const DEFAULT_AL_STRIPES = 1;
export const DEFAULT_AL_STRIPE_SIZE_KIB = 32;
export const MAX_PEERS = 31;
/** One bitmap bit covers 4 KiB, so one bitmap byte covers 32 KiB. */
const KIB_PER_BITMAP_BYTE = 32;

export interface MetadataGeometry {
  peerSlots: number;
  alStripes?: number;
  alStripeSizeKib?: number;
}

function alignUp(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

function check(g: MetadataGeometry): { peers: number; alKib: number } {
  const peers = g.peerSlots;
  if (!Number.isInteger(peers) || peers < 1 || peers > MAX_PEERS) throw new RangeError(`DRBD peer slots must be 1..${MAX_PEERS}, not ${peers}`);
  const stripes = g.alStripes ?? DEFAULT_AL_STRIPES;
  const stripeKib = g.alStripeSizeKib ?? DEFAULT_AL_STRIPE_SIZE_KIB;
  if (stripes < 1 || stripeKib < 4) throw new RangeError(`invalid activity log geometry: ${stripes} stripe(s) of ${stripeKib} KiB`);
  return { peers, alKib: alignUp(stripes * stripeKib, 4) };
}

/** KiB of internal metadata on a backing device of `grossKib`. */
export function internalMetadataKib(grossKib: number, g: MetadataGeometry): number {
  const { peers, alKib } = check(g);
  const perPeerBytes = alignUp(Math.ceil(grossKib / KIB_PER_BITMAP_BYTE), 8);
  const bitmapKib = alignUp(Math.ceil((perPeerBytes * peers) / 1024), 4);
  return alignUp(SUPERBLOCK_KIB + alKib + bitmapKib, 4);
}

/** What DRBD offers on top of a backing device of `grossKib` (0 when the metadata does not fit). */
export function netSizeKib(grossKib: number, g: MetadataGeometry): number {
  const usable = Math.floor(grossKib / 4) * 4 - internalMetadataKib(grossKib, g);
  return Math.max(0, usable);
}

/** The smallest backing device (a multiple of 4 KiB) on which DRBD offers at least `netKib`. */
export function grossSizeKib(netKib: number, g: MetadataGeometry): number {
  let gross = alignUp(netKib, 4) + internalMetadataKib(alignUp(netKib, 4), g);
  // The bitmap also covers the metadata area, so a bigger device can need a bigger bitmap: step up.
  while (netSizeKib(gross, g) < netKib) gross += alignUp(netKib - netSizeKib(gross, g), 4);
  // ...and the first guess may overshoot by a bitmap page: step down while it still fits.
  while (gross > 4 && netSizeKib(gross - 4, g) >= netKib) gross -= 4;
  return gross;
}
