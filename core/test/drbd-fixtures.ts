/**
 * Shared inputs for the DRBD layer tests: desired resources as the controller would send them, and
 * helpers to run the real drbd-utils on this machine (no kernel module needed for what they run).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import { DRBD_RULES } from '../src/props/rules-drbd.js';
import type { DesiredResource, DrbdPeer } from '../src/satellite/protocol.js';

export const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/commands/drbd/', import.meta.url));

/** Silences drbd-utils' "modinfo: not found" noise on a machine without kmod; changes nothing else. */
export const DRBD_ENV = { DRBD_DRIVER_VERSION_OVERRIDE: '9.2.8' };

export const UPDATE_GOLDEN = process.env.STORHUB_UPDATE_GOLDEN === '1';

export async function tempDir(t: TestContext, prefix = 'storhub-drbd-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

interface NodeSpec {
  node: string;
  id: number;
  address: string;
  port?: number;
  diskless?: boolean;
  connection_props?: Record<string, string>;
}

interface VolumeSpec {
  nr: number;
  minor: number;
  size_kib?: number;
  props?: Record<string, string>;
}

export function drbdResource(spec: {
  name: string;
  local: NodeSpec;
  peers: NodeSpec[];
  volumes: VolumeSpec[];
  props?: Record<string, string>;
  secret?: string;
  peer_slots?: number;
  transport?: string;
}): DesiredResource {
  const peers: DrbdPeer[] = spec.peers.map((p) => ({
    node_name: p.node,
    node_id: p.id,
    address: p.address,
    port: p.port ?? 7000,
    diskless: p.diskless ?? false,
    connection_props: p.connection_props ?? {},
  }));
  return {
    name: spec.name,
    layer_stack: ['DRBD', 'STORAGE'],
    flags: spec.local.diskless ? ['DRBD_DISKLESS', 'DISKLESS'] : [],
    props: spec.props ?? {},
    volumes: spec.volumes.map((v) => ({
      volume_number: v.nr,
      size_kib: v.size_kib ?? 102400,
      gross_size: false,
      storage_pool: spec.local.diskless ? 'DfltDisklessStorPool' : 'DfltStorPool',
      props: { ...(spec.props ?? {}), ...(v.props ?? {}) },
      minor_number: v.minor,
    })),
    drbd: {
      node_id: spec.local.id,
      address: spec.local.address,
      port: spec.local.port ?? 7000,
      secret: spec.secret ?? 'Zm9vYmFyc2VjcmV0MTIz',
      peer_slots: spec.peer_slots ?? 7,
      al_stripes: 1,
      al_stripe_size_kib: 32,
      transport_type: spec.transport ?? 'IP',
      diskless: spec.local.diskless ?? false,
      peers,
    },
  };
}

const ALPHA = { node: 'alpha', id: 0, address: '10.99.0.1' };
const BRAVO = { node: 'bravo', id: 1, address: '10.99.0.2' };
const CHARLIE = { node: 'charlie', id: 2, address: '10.99.0.3' };

/** A value drbdadm accepts for every generated option, so "all options" can be checked at once. */
function sampleValue(key: string, type: string, values?: readonly string[], min?: number, dflt?: string): string | undefined {
  const strings: Record<string, string> = {
    'DrbdOptions/Net/verify-alg': 'crc32c',
    'DrbdOptions/Net/csums-alg': 'crc32c',
    'DrbdOptions/Net/data-integrity-alg': 'crc32c',
    'DrbdOptions/Net/cram-hmac-alg': 'sha256',
    'DrbdOptions/Net/transport': 'tcp',
    'DrbdOptions/Resource/cpu-mask': '1',
  };
  if (key in strings) return strings[key];
  if (key.startsWith('DrbdOptions/Handlers/')) return '/usr/lib/drbd/notify.sh root';
  switch (type) {
    case 'boolean': return dflt ?? 'no';
    case 'symbol': return values?.[0];
    case 'numeric_or_symbol': return values?.[0];
    case 'range': return dflt ?? String(min);
    default: return undefined; // resync-after and other strings that name other objects
  }
}

export function allOptionsProps(): Record<string, string> {
  const props: Record<string, string> = {};
  for (const r of DRBD_RULES) {
    const v = sampleValue(r.key, r.type, r.values, r.min, r.dflt);
    if (v !== undefined) props[r.key] = v;
  }
  return props;
}

/** The cases the golden tests cover, by name (each has <name>.res and <name>.adjust.txt fixtures). */
export function goldenCases(): { name: string; resource: DesiredResource; local: string; backing: Map<number, string> }[] {
  const dev = (res: string, nr: number) => `/dev/storhub-test/${res}_${String(nr).padStart(5, '0')}`;
  const cases: { name: string; resource: DesiredResource; local: string; backing: Map<number, string> }[] = [];
  const add = (name: string, local: string, resource: DesiredResource) => {
    const backing = new Map<number, string>();
    if (!resource.drbd?.diskless) for (const v of resource.volumes) backing.set(v.volume_number, dev(resource.name, v.volume_number));
    cases.push({ name, resource, local, backing });
  };

  add('two-replicas', 'alpha', drbdResource({ name: 'pvc-two', local: ALPHA, peers: [BRAVO], volumes: [{ nr: 0, minor: 1000 }] }));

  add('three-replicas', 'bravo', drbdResource({
    name: 'pvc-three',
    local: { ...BRAVO, port: 7001 },
    peers: [{ ...ALPHA, port: 7001 }, { ...CHARLIE, port: 7001 }],
    volumes: [{ nr: 0, minor: 1001 }],
    props: {
      'DrbdOptions/Resource/quorum': 'majority',
      'DrbdOptions/Resource/on-no-quorum': 'io-error',
      'DrbdOptions/Resource/auto-promote': 'true',
      'DrbdOptions/Net/protocol': 'C',
      'DrbdOptions/Net/verify-alg': 'crc32c',
      'DrbdOptions/auto-quorum': 'io-error',
    },
  }));

  add('diskless-client', 'charlie', drbdResource({
    name: 'pvc-client',
    local: { ...CHARLIE, diskless: true, port: 7002 },
    peers: [{ ...ALPHA, port: 7002 }, { ...BRAVO, port: 7002 }],
    volumes: [{ nr: 0, minor: 1002 }],
    props: { 'DrbdOptions/Resource/quorum': 'majority' },
  }));

  add('diskless-peer', 'alpha', drbdResource({
    name: 'pvc-tiebreaker',
    local: { ...ALPHA, port: 7003 },
    peers: [{ ...BRAVO, port: 7003 }, { ...CHARLIE, diskless: true, port: 7003 }],
    volumes: [{ nr: 0, minor: 1003 }],
  }));

  add('multi-volume', 'alpha', drbdResource({
    name: 'pvc-multi',
    local: { ...ALPHA, port: 7004 },
    peers: [{ ...BRAVO, port: 7004 }],
    volumes: [
      { nr: 0, minor: 1004 },
      { nr: 1, minor: 1005, props: { 'DrbdOptions/Disk/al-extents': '6007' } },
      { nr: 2, minor: 1006, props: { 'DrbdOptions/Disk/discard-zeroes-if-aligned': 'no' } },
    ],
    props: { 'DrbdOptions/Disk/al-extents': '1237', 'DrbdOptions/Disk/on-io-error': 'detach' },
  }));

  add('connection-options', 'alpha', drbdResource({
    name: 'pvc-conn',
    local: { ...ALPHA, address: 'fd00::1', port: 7005 },
    peers: [
      {
        ...BRAVO, address: 'fd00::2', port: 7005,
        connection_props: { 'DrbdOptions/Net/protocol': 'A', 'DrbdOptions/Net/max-buffers': '8192', 'DrbdOptions/PeerDevice/resync-rate': '50M' },
      },
      {
        ...CHARLIE, address: 'fd00::3', port: 7005,
        connection_props: {
          'Paths/path1/alpha': '192.168.43.221', 'Paths/path1/charlie': '192.168.43.223',
          'Paths/path2/alpha': '192.168.44.221', 'Paths/path2/charlie': '192.168.44.223',
          'DrbdOptions/Net/ping-timeout': '299',
        },
      },
    ],
    volumes: [{ nr: 0, minor: 1007 }],
    props: {
      'DrbdOptions/Net/protocol': 'C',
      'DrbdOptions/PeerDevice/resync-rate': '100M',
      'DrbdOptions/PeerDevice/c-plan-ahead': '20',
      'DrbdOptions/Handlers/split-brain': '/usr/lib/drbd/notify-split-brain.sh root',
    },
  }));

  add('all-options', 'alpha', drbdResource({
    name: 'pvc-options',
    local: { ...ALPHA, port: 7006 },
    peers: [{ ...BRAVO, port: 7006 }, { ...CHARLIE, port: 7006 }],
    volumes: [{ nr: 0, minor: 1008 }],
    props: allOptionsProps(),
  }));
  return cases;
}
