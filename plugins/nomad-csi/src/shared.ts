/**
 * What the controller and node services share: the context they run in, the property and context keys
 * (linstor-csi's where one exists, so volumes stay readable by either driver), and small conversions
 * from Storhub's view of a volume to CSI messages.
 */
import { readFileSync } from 'node:fs';
import type { ResourceDefinition, StorhubClient } from '@storhub/core/client';
import type { CommandRunner, Logger, VolumeInfo, VolumeOps } from '@storhub/core/plugin';
import { aborted } from './errors.js';
import type { Config } from './config.js';
import { PARAM_NAMESPACE } from './params.js';
import type { Volume, VolumeCondition } from './proto.js';
import type { Locks } from './server.js';
import { volumeTopology } from './topology.js';

export interface Csi {
  log: Logger;
  client: StorhubClient;
  volumes: VolumeOps;
  runner: CommandRunner;
  nodeName: string;
  config: Config;
  locks: Locks;
}

export const VERSION: string = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** Set once CreateVolume finished; linstor-csi treats a volume with it as fully provisioned. */
export const PROP_COMPLETED = 'Aux/csi-provisioning-completed-by';
export const COMPLETED_VALUE = `linstor-csi/storhub-nomad-csi-${VERSION}`;
/** Where a volume's content came from ("snapshot:<id>" / "volume:<id>"): a repeated create must match. */
export const PROP_SOURCE = 'Aux/csi-content-source';
/** One per node the volume is ControllerPublished on, value "rw" or "ro". */
export const PROP_PUBLISHED_PREFIX = 'Aux/csi-published/';
export const FS_TYPE_PROP = 'FileSystem/Type';
export const MKFS_PARAMS_PROP = 'FileSystem/MkfsParams';

/** linstor-csi's publish and volume context keys. */
export const PUBLISH_MARKER = `${PARAM_NAMESPACE}/uses-publish-context`;
export const PUBLISH_DEVICE = `${PARAM_NAMESPACE}/device-path`;
export const PUBLISH_FS_TYPE = `${PARAM_NAMESPACE}/fs-type`;
export const VOLUME_CONTEXT_MARKER = `${PARAM_NAMESPACE}/uses-volume-context`;
export const VOLUME_CONTEXT_MOUNT_OPTIONS = `${PARAM_NAMESPACE}/mount-options`;

const same = (a: string, b: string): boolean => a.toUpperCase() === b.toUpperCase();

/** The resource definition with its volume definitions; undefined when missing or being deleted. */
export async function definition(csi: Csi, name: string): Promise<ResourceDefinition | undefined> {
  const list = await csi.client.resourceDefinitions.list({ resource_definitions: [name], with_volume_definitions: true });
  const rd = list.find((d) => same(d.name, name));
  return rd && !(rd.flags ?? []).includes('DELETE') ? rd : undefined;
}

/** The volume's file system as recorded (RD or volume definition 0), if any. */
export function fsTypeOfVolume(rd: ResourceDefinition | undefined): string | undefined {
  const vd = rd?.volume_definitions?.find((v) => v.volume_number === 0);
  return vd?.props?.[FS_TYPE_PROP] ?? rd?.props?.[FS_TYPE_PROP];
}

/** Node (as published) -> "rw" | "ro", from the volume's properties. */
export function publishedOn(props: Record<string, string> | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(props ?? {})) if (k.startsWith(PROP_PUBLISHED_PREFIX)) out.set(k.slice(PROP_PUBLISHED_PREFIX.length), v);
  return out;
}

export const publishedKey = (node: string): string => `${PROP_PUBLISHED_PREFIX}${node}`;

/** The node's entry in a published map, compared case-insensitively. */
export function publishedEntry(map: Map<string, string>, node: string): [string, string] | undefined {
  return [...map.entries()].find(([n]) => same(n, node));
}

const HEALTHY = new Set(['UpToDate', 'Diskless', 'SyncSource', 'SyncTarget']);

/** Abnormal when no replica has a disk, or a replica reports no state or an unhealthy one. */
export function conditionOf(info: VolumeInfo): VolumeCondition {
  const problems: string[] = [];
  if (!info.replicas.some((r) => !r.diskless)) problems.push('no replica with a disk is placed');
  for (const r of info.replicas) {
    if (r.state === undefined) problems.push(`node ${r.node} reports no state for it`);
    else if (!HEALTHY.has(r.state)) problems.push(`it is ${r.state} on node ${r.node}`);
  }
  return problems.length ? { abnormal: true, message: `Volume '${info.name}': ${problems.join('; ')}.` } : { abnormal: false, message: '' };
}

export function csiVolume(info: VolumeInfo, rd: ResourceDefinition | undefined, extra: Partial<Volume> = {}): Volume {
  return {
    volume_id: info.name,
    capacity_bytes: String(info.size_kib * 1024),
    volume_context: {},
    accessible_topology: volumeTopology(info, rd),
    ...extra,
  };
}

/** Page tokens: opaque, so a token from elsewhere is refused (ABORTED) instead of read as a position. */
export function encodeToken(key: string): string {
  return `v1.${Buffer.from(key, 'utf8').toString('base64url')}`;
}

export function decodeToken(token: string | undefined): string | undefined {
  if (!token) return undefined;
  const m = /^v1\.([A-Za-z0-9_-]+)$/.exec(token);
  if (!m) throw aborted(`The starting_token '${token}' was not issued by this plugin; start the listing again without one.`);
  return Buffer.from(m[1], 'base64url').toString('utf8');
}

/** One page of `items` (sorted by `keyOf`), after the token's key. */
export function page<T>(items: readonly T[], keyOf: (t: T) => string, maxEntries: number | undefined, token: string | undefined): { entries: T[]; next_token: string } {
  if (maxEntries !== undefined && maxEntries < 0) throw new TypeError(`max_entries must not be negative (got ${maxEntries}).`);
  const after = decodeToken(token);
  const sorted = [...items].sort((a, b) => cmp(keyOf(a), keyOf(b)));
  const rest = after === undefined ? sorted : sorted.filter((t) => cmp(keyOf(t), after) > 0);
  if (!maxEntries || rest.length <= maxEntries) return { entries: rest, next_token: '' };
  const entries = rest.slice(0, maxEntries);
  return { entries, next_token: encodeToken(keyOf(entries[entries.length - 1])) };
}

const cmp = (a: string, b: string): number => {
  const x = a.toUpperCase();
  const y = b.toUpperCase();
  return x < y ? -1 : x > y ? 1 : 0;
};
