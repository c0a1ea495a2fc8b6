/**
 * Whitelisted property keys per object kind: the non-DRBD table (rules-general.ts) plus the DRBD
 * option sets generated from drbdsetup (rules-drbd.ts) plus DRBD Proxy settings (below).
 * Resource groups use the RSC_DFN list and volume groups the VLM_DFN list, as LINSTOR does.
 */
import { PROP_OBJECTS, type PropObject, type PropRule } from './types.js';
import { generalRulesFor } from './rules-general.js';
import { drbdRulesFor } from './rules-drbd.js';

const range = (key: string, min: number, max: number, dflt: string, unit?: string): PropRule =>
  ({ key, type: 'range', min, max, dflt, ...(unit && { unit }) });
const symbol = (key: string, values: string[], dflt: string): PropRule => ({ key, type: 'symbol', values, dflt });

/** `DrbdOptions/Proxy/*` (stored on the resource definition, listed as DRBD_PROXY). */
const PROXY: PropRule[] = [
  // the real upper bound is 2^63-1; a JS number cannot hold it exactly, and no memory limit gets near it
  range('DrbdOptions/Proxy/memlimit', 16777216, Number.MAX_SAFE_INTEGER, '16777216', 'bytes'),
  range('DrbdOptions/Proxy/read-loops', 0, 2147483647, '0'),
  range('DrbdOptions/Proxy/sndbuf-size', 0, 10485760, '0', 'bytes'),
  range('DrbdOptions/Proxy/rcvbuf-size', 0, 10485760, '0', 'bytes'),
  range('DrbdOptions/Proxy/ping-timeout', 1, 300, '200', '1/10 seconds'),
];

/** `DrbdOptions/ProxyCompression/*`: which keys apply depends on the chosen compression plugin. */
export const PROXY_COMPRESSION_RULES: Record<string, readonly PropRule[]> = {
  DRBD_PROXY_ZSTD: [range('DrbdOptions/ProxyCompression/level', 1, 22, '3')],
  DRBD_PROXY_ZLIB: [range('DrbdOptions/ProxyCompression/level', 1, 9, '2')],
  DRBD_PROXY_LZ4: [],
  DRBD_PROXY_LZMA: [
    range('DrbdOptions/ProxyCompression/dict-size', 4096, 1610612736, '32768'),
    range('DrbdOptions/ProxyCompression/lc', 0, 4, '3'),
    range('DrbdOptions/ProxyCompression/lp', 0, 4, '0'),
    range('DrbdOptions/ProxyCompression/pb', 0, 4, '2'),
    range('DrbdOptions/ProxyCompression/nice-len', 0, 273, '273'),
    symbol('DrbdOptions/ProxyCompression/mf', ['hc4', 'hc3', 'bt2', 'bt3', 'bt4'], 'hc3'),
    symbol('DrbdOptions/ProxyCompression/mode', ['fast', 'normal'], 'fast'),
    range('DrbdOptions/ProxyCompression/depth', 0, 1000, '0'),
    range('DrbdOptions/ProxyCompression/level', 1, 9, '4'),
    range('DrbdOptions/ProxyCompression/contexts', 1, 253, 'thread count'),
    symbol('DrbdOptions/ProxyCompression/fallback-to-zlib', ['off', 'on'], 'off'),
    range('DrbdOptions/ProxyCompression/numa-threshold', 0, 253, '0'),
  ],
};

function build(object: PropObject): PropRule[] {
  if (object === 'DRBD_PROXY') return PROXY;
  return [...generalRulesFor(object), ...drbdRulesFor(object)];
}

export const RULES = {} as Record<PropObject, readonly PropRule[]>;
for (const o of PROP_OBJECTS) RULES[o] = build(o);
