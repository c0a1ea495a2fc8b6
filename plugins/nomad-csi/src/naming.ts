/**
 * Volume and snapshot ids as linstor-csi makes them (integrations contract §5.1), so volumes created by
 * either driver are found by the other:
 * - volume id = the CSI name when it is a valid resource name, else `vol-<uuid>`;
 * - snapshot name = the CSI name when valid, else `snapshot-<uuid>`;
 * - the uuid is the name-based (SHA-1, version 5) UUID with the driver name's bytes as the namespace
 *   (linstor-csi passes the bytes of "linstor.csi.linbit.com" where a namespace UUID would go);
 * - snapshot id = `incluster:///<volume>/<snapshot>`; parsing also takes `in-cluster://`, any case, and
 *   the legacy form without a scheme (just the snapshot name).
 */
import { createHash } from 'node:crypto';
import { nameProblem } from '@storhub/core/model';

/** The constant linstor-csi hashes with, whatever the plugin is called. */
export const UUID_NAMESPACE = 'linstor.csi.linbit.com';

/** linstor-csi's rule (`^[A-Za-z_][A-Za-z0-9_-]{1,47}$`, a letter somewhere, not "all") and Storhub's. */
export function validName(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_-]{1,47}$/.test(name) && nameProblem('resource', name) === undefined;
}

/** SHA-1 of namespace bytes + name, stamped as a version-5 RFC 4122 UUID. */
export function uuidV5(namespace: string, name: string): string {
  const h = createHash('sha1').update(Buffer.from(namespace, 'utf8')).update(Buffer.from(name, 'utf8')).digest();
  const b = Buffer.from(h.subarray(0, 16));
  b[6] = (b[6] & 0x0f) | 0x50;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = b.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export const volumeIdFor = (name: string): string => (validName(name) ? name : `vol-${uuidV5(UUID_NAMESPACE, name)}`);
export const snapshotNameFor = (name: string): string => (validName(name) ? name : `snapshot-${uuidV5(UUID_NAMESPACE, name)}`);

export const snapshotId = (volume: string, snapshot: string): string => `incluster:///${volume}/${snapshot}`;

/** volume undefined: a legacy id (the snapshot name alone); the caller looks it up among all snapshots. */
export interface ParsedSnapshotId {
  volume?: string;
  snapshot: string;
}

/** undefined when the id is not one of ours (another scheme, wrong shape): callers treat it as unknown. */
export function parseSnapshotId(id: string): ParsedSnapshotId | undefined {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/]*)\/(.*)$/.exec(id);
  if (!m) return validName(id) ? { snapshot: id } : undefined;
  const scheme = m[1].toLowerCase();
  if ((scheme !== 'incluster' && scheme !== 'in-cluster') || m[2] !== '') return undefined;
  const parts = m[3].split('/');
  if (parts.length !== 2 || !validName(parts[0]) || !validName(parts[1])) return undefined;
  return { volume: parts[0], snapshot: parts[1] };
}
