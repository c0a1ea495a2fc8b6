/**
 * DRBD option keys (`DrbdOptions/{Resource,Disk,Net,PeerDevice,Handlers}/*`), generated from the real
 * `drbdsetup xml-help` output by scripts/generate-drbd-options.mjs, and which object kinds take which
 * option set (as LINSTOR assigns them: rd and rg share RSC_DFN, vd and vg share VLM_DFN).
 */
import drbdOptions from './drbd-options.json' with { type: 'json' };
import type { PropObject, PropRule, PropType } from './types.js';

interface GeneratedOption {
  key: string;
  type: string;
  info?: string;
  min?: number;
  max?: number;
  values?: string[];
  dflt?: string;
  unit?: string;
}

export type DrbdSection = 'Resource' | 'Disk' | 'Net' | 'PeerDevice' | 'Handlers';

/** Which option sets each object kind accepts. Connections carry per-peer (net + peer-device) options. */
const SECTIONS_OF: Partial<Record<PropObject, readonly DrbdSection[]>> = {
  CTRL: ['Resource', 'Disk', 'Net', 'PeerDevice', 'Handlers'],
  RSC_DFN: ['Resource', 'Disk', 'Net', 'PeerDevice', 'Handlers'],
  VLM_DFN: ['Disk'],
  VLM: ['Disk'],
  RSC_CONN: ['Net', 'PeerDevice'],
  NODE_CONN: ['Net', 'PeerDevice'],
};

export const DRBD_SOURCE: string = drbdOptions.source;

/** Every generated DRBD rule, in drbdsetup order. */
export const DRBD_RULES: readonly PropRule[] = (drbdOptions.options as GeneratedOption[]).map((o) => {
  const rule: PropRule = { key: o.key, type: o.type as PropType };
  if (o.info) rule.info = o.info;
  if (o.values) rule.values = o.values;
  if (o.min !== undefined) rule.min = o.min;
  if (o.max !== undefined) rule.max = o.max;
  if (o.dflt !== undefined) rule.dflt = o.dflt;
  if (o.unit) rule.unit = o.unit;
  return rule;
});

export function sectionOf(key: string): DrbdSection {
  return key.split('/')[1] as DrbdSection;
}

export function drbdRulesFor(object: PropObject): PropRule[] {
  const sections = SECTIONS_OF[object] ?? [];
  return DRBD_RULES.filter((r) => sections.includes(sectionOf(r.key)));
}
