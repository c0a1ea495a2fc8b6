/**
 * DRBD number allocation: minor numbers (global), node ids (per resource definition), TCP ports (per
 * node), peer slots and the per-definition shared secret. Everything is computed from the graph, so
 * numbers become free again the moment the object holding them is deleted; `reserved` carries the
 * numbers already handed out within the same, not yet committed, change.
 */
import { randomInt } from 'node:crypto';
import { StorhubError } from '../model/errors.js';
import { DEFAULT_PEER_SLOTS } from '../model/enums.js';
import type { Props, ResourceDefinitionRecord, ResourceGroupRecord } from '../store/records.js';
import type { Graph } from './graph.js';

export type NumberRange = readonly [min: number, max: number];

export const DEFAULT_MINOR_RANGE: NumberRange = [1000, 49999];
export const MAX_MINOR = 1048575;
export const DEFAULT_TCP_PORT_RANGE: NumberRange = [7000, 7999];
export const MAX_NODE_ID = 31;
export const MIN_PEER_SLOTS = 1;
export const MAX_PEER_SLOTS = 31;

/** Parses "min-max" (a property value); an unset value gives the default. */
export function parseRange(text: string | undefined, key: string, dflt: NumberRange, limit: NumberRange): NumberRange {
  if (text === undefined || text.trim() === '') return dflt;
  const m = /^\s*(\d+)\s*-\s*(\d+)\s*$/.exec(text);
  const range = m ? ([Number(m[1]), Number(m[2])] as const) : undefined;
  if (!range || range[0] > range[1] || range[0] < limit[0] || range[1] > limit[1]) {
    throw new StorhubError('FAIL_INVLD_PROP', `Property ${key} has the invalid value '${text}'.`, {
      correction: `Set ${key} to a range 'min-max' within ${limit[0]}-${limit[1]}, e.g. '${dflt[0]}-${dflt[1]}'.`,
    });
  }
  return range;
}

/** Parses a list such as "7001,7010-7020" into single numbers. */
function parseNumberList(text: string | undefined): Set<number> {
  const out = new Set<number>();
  for (const part of (text ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^(\d+)(?:\s*-\s*(\d+))?$/.exec(part);
    if (!m) continue;
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    for (let n = lo; n <= hi && n - lo < 65536; n++) out.add(n);
  }
  return out;
}

function lowestFree(range: NumberRange, used: (n: number) => boolean): number | undefined {
  for (let n = range[0]; n <= range[1]; n++) if (!used(n)) return n;
  return undefined;
}

// --- minor numbers (global) ---

export function minorRange(graph: Graph): NumberRange {
  return parseRange(graph.controller.props.MinorNrAutoRange, 'MinorNrAutoRange', DEFAULT_MINOR_RANGE, [0, MAX_MINOR]);
}

export function usedMinors(graph: Graph): Set<number> {
  const used = new Set<number>();
  for (const rd of graph.resourceDefinitions.values()) {
    for (const vd of rd.volume_definitions) if (vd.minor_number !== undefined) used.add(vd.minor_number);
  }
  return used;
}

/** The lowest free minor in MinorNrAutoRange; adds it to `reserved`. */
export function allocateMinor(graph: Graph, reserved: Set<number> = new Set()): number {
  const used = usedMinors(graph);
  const [lo, hi] = minorRange(graph);
  const minor = lowestFree([lo, hi], (n) => used.has(n) || reserved.has(n));
  if (minor === undefined) {
    throw new StorhubError('FAIL_POOL_EXHAUSTED_MINOR_NR', `No free DRBD minor number left in the range ${lo}-${hi}.`, {
      correction: 'Widen the controller property MinorNrAutoRange, or delete unused volume definitions.',
    });
  }
  reserved.add(minor);
  return minor;
}

/** Checks a requested minor (drbd_minor_number): in 0-1048575 and not taken; adds it to `reserved`. */
export function claimMinor(graph: Graph, minor: number, reserved: Set<number> = new Set()): number {
  if (!Number.isInteger(minor) || minor < 0 || minor > MAX_MINOR) {
    throw new StorhubError('FAIL_INVLD_MINOR_NR', `Invalid DRBD minor number ${minor}.`, {
      correction: `Give a minor number between 0 and ${MAX_MINOR}, or leave it out to have one allocated.`,
    });
  }
  if (usedMinors(graph).has(minor) || reserved.has(minor)) {
    throw new StorhubError('FAIL_INVLD_MINOR_NR', `DRBD minor number ${minor} is already in use.`, {
      correction: 'Choose another minor number, or leave it out to have a free one allocated.',
    });
  }
  reserved.add(minor);
  return minor;
}

// --- node ids (per resource definition) ---

/** The lowest DRBD node id 0-31 not used by another resource of the definition. */
export function allocateNodeId(graph: Graph, rd: string | ResourceDefinitionRecord, reserved: Set<number> = new Set()): number {
  const rdName = typeof rd === 'string' ? rd : rd.name;
  const used = new Set(graph.resourcesOf(rdName).flatMap((r) => (r.drbd ? [r.drbd.node_id] : [])));
  const id = lowestFree([0, MAX_NODE_ID], (n) => used.has(n) || reserved.has(n));
  if (id === undefined) {
    throw new StorhubError('FAIL_POOL_EXHAUSTED_NODE_ID', `All ${MAX_NODE_ID + 1} DRBD node ids of resource '${rdName}' are in use.`, {
      correction: 'A DRBD resource can have at most 32 replicas; delete a resource of this definition first.',
    });
  }
  reserved.add(id);
  return id;
}

// --- TCP ports (per node) ---

export function tcpPortRange(graph: Graph, node: string): NumberRange {
  const nodeValue = graph.node(node)?.props.TcpPortAutoRange;
  const value = nodeValue ?? graph.controller.props.TcpPortAutoRange;
  return parseRange(value, 'TcpPortAutoRange', DEFAULT_TCP_PORT_RANGE, [1, 65535]);
}

/** The lowest free port of the node's TcpPortAutoRange, skipping its TcpPortsBlocked and ports in use there. */
export function allocateTcpPort(graph: Graph, node: string, reserved: Set<number> = new Set()): number {
  const used = new Set(graph.resourcesOn(node).flatMap((r) => r.drbd?.tcp_ports ?? []));
  const blocked = parseNumberList(graph.node(node)?.props.TcpPortsBlocked);
  const [lo, hi] = tcpPortRange(graph, node);
  const port = lowestFree([lo, hi], (n) => used.has(n) || blocked.has(n) || reserved.has(n));
  if (port === undefined) {
    throw new StorhubError('FAIL_POOL_EXHAUSTED_TCP_PORT', `No free DRBD TCP port left on node '${node}' in the range ${lo}-${hi}.`, {
      correction: `Widen TcpPortAutoRange (on node '${node}' or the controller), or delete unused resources on the node.`,
    });
  }
  reserved.add(port);
  return port;
}

// --- peer slots and secret ---

export function checkPeerSlots(value: number, what = 'peer slots'): number {
  if (!Number.isInteger(value) || value < MIN_PEER_SLOTS || value > MAX_PEER_SLOTS) {
    throw new StorhubError('FAIL_INVLD_REQUEST', `Invalid ${what} value ${value}.`, {
      correction: `Peer slots must be between ${MIN_PEER_SLOTS} and ${MAX_PEER_SLOTS}.`,
    });
  }
  return value;
}

function propSlots(props: Props | undefined): number | undefined {
  const v = props?.PeerSlotsNewResource;
  return v !== undefined && /^\d+$/.test(v.trim()) ? Number(v) : undefined;
}

/**
 * Peer slots for new DRBD resources: the request, then the resource definition, then the resource
 * group (field, then PeerSlotsNewResource prop), then the controller's PeerSlotsNewResource, else 7.
 */
export function resolvePeerSlots(
  graph: Graph,
  from: { request?: number; rd?: ResourceDefinitionRecord; rg?: ResourceGroupRecord },
): number {
  const value = from.request
    ?? from.rd?.drbd?.peer_slots
    ?? propSlots(from.rd?.props)
    ?? from.rg?.peer_slots
    ?? propSlots(from.rg?.props)
    ?? propSlots(graph.controller.props)
    ?? DEFAULT_PEER_SLOTS;
  return checkPeerSlots(value);
}

const SECRET_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A random 20-character shared secret, as LINSTOR generates per resource definition. */
export function generateSecret(length = 20): string {
  let s = '';
  for (let i = 0; i < length; i++) s += SECRET_CHARS[randomInt(SECRET_CHARS.length)];
  return s;
}
