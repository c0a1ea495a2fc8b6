/**
 * Parser of `drbdsetup events2` output into a per-resource state, and the mapping of that state to
 * what the satellite reports (disk state per volume, replication state and sync progress per peer,
 * connection state per peer, "in use").
 *
 * A line is `[<timestamp>] <action> <object> key:value ...`:
 *   action  exists | create | change | destroy | call | response   (`exists -` ends the initial dump)
 *   object  resource | connection | device | peer-device | path | helper
 * Keys are split at the first ':' only (path lines carry `local:ipv4:10.0.0.1:7000`). `change` lines
 * carry only what changed, so state is merged, never replaced. Unknown actions, objects and keys are
 * ignored: newer drbd-utils add fields, and one odd line must not lose the rest.
 */
import type { ObservedResource } from '../../protocol.js';

export interface DrbdDeviceState {
  volume: number;
  minor?: number;
  /** UpToDate, Inconsistent, Diskless, Outdated, ... */
  disk?: string;
  /** Diskless client (`client:yes`). */
  client?: boolean;
  /** Opened by someone (DRBD 9.1+ `open:yes`); undefined when DRBD does not say. */
  open?: boolean;
  quorum?: boolean;
  /** KiB (`--statistics`). */
  size?: number;
}

export interface DrbdPeerDeviceState {
  volume: number;
  /** Established, SyncSource, SyncTarget, Off, ... */
  replication?: string;
  peerDisk?: string;
  peerClient?: boolean;
  /** Resync progress in percent, present while syncing. */
  done?: number;
  /** KiB still to sync (`--statistics`). */
  outOfSync?: number;
}

export interface DrbdConnectionState {
  /** The peer's node name (`conn-name`), or `#<peer-node-id>` when drbdsetup does not give one. */
  name: string;
  peerNodeId?: number;
  /** Connected, Connecting, StandAlone, ... */
  connection?: string;
  /** The peer's role. */
  role?: string;
  congested?: boolean;
  peerDevices: Map<number, DrbdPeerDeviceState>;
}

export interface DrbdResourceState {
  name: string;
  /** Primary, Secondary, Unknown */
  role?: string;
  suspended?: string;
  mayPromote?: boolean;
  devices: Map<number, DrbdDeviceState>;
  connections: Map<string, DrbdConnectionState>;
}

export interface Events2Line {
  action: string;
  object: string;
  fields: Record<string, string>;
}

const TRACKED = new Set(['resource', 'device', 'connection', 'peer-device']);
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/;

/** One line, or undefined for a blank one. */
export function parseEvents2Line(line: string): Events2Line | undefined {
  const tokens = line.trim().split(/\s+/).filter(Boolean);
  if (tokens.length && TIMESTAMP.test(tokens[0])) tokens.shift(); // --timestamps
  if (tokens.length < 2) return undefined;
  const [action, object, ...rest] = tokens;
  const fields: Record<string, string> = {};
  for (const t of rest) {
    const i = t.indexOf(':');
    if (i > 0) fields[t.slice(0, i)] = t.slice(i + 1);
  }
  return { action, object, fields };
}

/** Applies one parsed line to `states`; returns the resource it touched (undefined: none). */
export function applyEvents2(states: Map<string, DrbdResourceState>, ev: Events2Line): string | undefined {
  if (!['exists', 'create', 'change', 'destroy'].includes(ev.action)) return undefined;
  if (!TRACKED.has(ev.object)) return undefined; // path, helper, ...
  const f = ev.fields;
  const name = f.name;
  if (!name) return undefined; // `exists -`
  const destroy = ev.action === 'destroy';
  let res = states.get(name);
  if (!res) {
    if (destroy) return name;
    res = { name, devices: new Map(), connections: new Map() };
    states.set(name, res);
  }
  switch (ev.object) {
    case 'resource':
      if (destroy) states.delete(name);
      else {
        set(res, 'role', f.role);
        set(res, 'suspended', f.suspended);
        setBool(res, 'mayPromote', f.may_promote);
      }
      break;
    case 'device': {
      const volume = int(f.volume);
      if (volume === undefined) break;
      if (destroy) {
        res.devices.delete(volume);
        break;
      }
      const dev = res.devices.get(volume) ?? { volume };
      res.devices.set(volume, dev);
      setInt(dev, 'minor', f.minor);
      set(dev, 'disk', f.disk);
      setBool(dev, 'client', f.client);
      setBool(dev, 'open', f.open);
      setBool(dev, 'quorum', f.quorum);
      setInt(dev, 'size', f.size);
      break;
    }
    case 'connection': {
      const key = connKey(f);
      if (!key) break;
      if (destroy) {
        res.connections.delete(key);
        break;
      }
      const conn = connection(res, key, f);
      set(conn, 'connection', f.connection);
      set(conn, 'role', f.role);
      setBool(conn, 'congested', f.congested);
      break;
    }
    case 'peer-device': {
      const key = connKey(f);
      const volume = int(f.volume);
      if (!key || volume === undefined) break;
      if (destroy) {
        res.connections.get(key)?.peerDevices.delete(volume);
        break;
      }
      const conn = connection(res, key, f);
      const pd = conn.peerDevices.get(volume) ?? { volume };
      conn.peerDevices.set(volume, pd);
      set(pd, 'replication', f.replication);
      set(pd, 'peerDisk', f['peer-disk']);
      setBool(pd, 'peerClient', f['peer-client']);
      setInt(pd, 'outOfSync', f['out-of-sync']);
      // `done` only appears while a resync runs; once replication is no longer a sync state it is stale.
      const done = f.done === undefined ? undefined : Number(f.done);
      if (done !== undefined && Number.isFinite(done)) pd.done = done;
      else if (f.replication !== undefined && !isSyncState(f.replication)) delete pd.done;
      break;
    }
  }
  return name;
}

/** Parses a whole output (e.g. of `events2 --now`) into the state of every resource in it. */
export function parseEvents2(text: string): Map<string, DrbdResourceState> {
  const states = new Map<string, DrbdResourceState>();
  for (const line of text.split('\n')) {
    const ev = parseEvents2Line(line);
    if (ev) applyEvents2(states, ev);
  }
  return states;
}

export function isSyncState(replication: string): boolean {
  return /^(Sync|PausedSync|Verify|StartingSync|WFBitMap|WFSyncUUID)/.test(replication);
}

/** In use: this node is Primary, or any of its DRBD devices is open. */
export function inUse(res: DrbdResourceState): boolean {
  if (res.role === 'Primary') return true;
  return [...res.devices.values()].some((d) => d.open === true);
}

/** The parts of an ObservedResource that DRBD knows about. */
export interface DrbdObservation {
  in_use: boolean;
  connections: NonNullable<ObservedResource['connections']>;
  /** Per volume number. */
  volumes: Map<number, { disk_state?: string; replication_states: Record<string, { replication_state: string; done_percentage?: number }> }>;
}

export function observe(res: DrbdResourceState): DrbdObservation {
  const connections: DrbdObservation['connections'] = {};
  const volumes: DrbdObservation['volumes'] = new Map();
  for (const d of [...res.devices.values()].sort((a, b) => a.volume - b.volume)) {
    volumes.set(d.volume, { disk_state: d.disk, replication_states: {} });
  }
  for (const conn of [...res.connections.values()].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const state = conn.connection ?? 'Unknown';
    connections[conn.name] = { connected: state === 'Connected', message: state };
    for (const pd of [...conn.peerDevices.values()].sort((a, b) => a.volume - b.volume)) {
      const vol = volumes.get(pd.volume) ?? { replication_states: {} };
      volumes.set(pd.volume, vol);
      const entry: { replication_state: string; done_percentage?: number } = { replication_state: pd.replication ?? 'Unknown' };
      if (pd.done !== undefined) entry.done_percentage = pd.done;
      vol.replication_states[conn.name] = entry;
    }
  }
  return { in_use: inUse(res), connections, volumes };
}

function connKey(f: Record<string, string>): string | undefined {
  if (f['conn-name']) return f['conn-name'];
  return f['peer-node-id'] !== undefined ? `#${f['peer-node-id']}` : undefined;
}

function connection(res: DrbdResourceState, key: string, f: Record<string, string>): DrbdConnectionState {
  let conn = res.connections.get(key);
  if (!conn) {
    conn = { name: key, peerDevices: new Map() };
    res.connections.set(key, conn);
  }
  setInt(conn, 'peerNodeId', f['peer-node-id']);
  return conn;
}

function int(v: string | undefined): number | undefined {
  if (v === undefined || !/^\d+$/.test(v)) return undefined;
  return Number(v);
}

function set<T extends object, K extends keyof T>(obj: T, key: K, v: string | undefined): void {
  if (v !== undefined) (obj as Record<K, unknown>)[key] = v;
}

function setInt<T extends object, K extends keyof T>(obj: T, key: K, v: string | undefined): void {
  const n = int(v);
  if (n !== undefined) (obj as Record<K, unknown>)[key] = n;
}

/** yes/no; anything else (e.g. `open:unknown`) means DRBD does not know, so the value is cleared. */
function setBool<T extends object, K extends keyof T>(obj: T, key: K, v: string | undefined): void {
  if (v === undefined) return;
  if (v === 'yes') (obj as Record<K, unknown>)[key] = true;
  else if (v === 'no') (obj as Record<K, unknown>)[key] = false;
  else delete (obj as Record<K, unknown>)[key];
}
