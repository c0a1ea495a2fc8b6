/**
 * LINSTOR's ApiCallRc: the entry every mutation answers with.
 *
 * `ret_code` is a signed 64-bit bit field (type bits 63-62, operation bits 25-24, object bits 22-18,
 * code bits 14-0). A JS number cannot hold it, so it is a bigint everywhere and is written to the wire
 * as signed decimal text by `stringifyJson` (see json.ts).
 */

const U64 = 1n << 64n;

/** Type masks (bits 63-62), as the unsigned values LINSTOR documents. */
export const MASK_ERROR = 0xc000000000000000n;
export const MASK_WARN = 0x8000000000000000n;
export const MASK_INFO = 0x4000000000000000n;
export const MASK_SUCCESS = 0n;
export const MASK_BITS_TYPE = 0xc000000000000000n;

/** Operation masks (bits 25-24). */
export const Op = {
  CREATE: 0x01000000n,
  MODIFY: 0x02000000n,
  DELETE: 0x03000000n,
} as const;
export const MASK_BITS_OP = 0x03000000n;

/** Object masks (bits 22-18). */
export const Obj = {
  NODE: 0x3c0000n,
  RSC_DFN: 0x380000n,
  RSC: 0x340000n,
  VLM_DFN: 0x300000n,
  VLM: 0x2c0000n,
  NODE_CONN: 0x280000n,
  RSC_CONN: 0x240000n,
  VLM_CONN: 0x200000n,
  NET_IF: 0x1c0000n,
  STOR_POOL_DFN: 0x180000n,
  STOR_POOL: 0x140000n,
  CTRL_CONF: 0x100000n,
  SNAPSHOT: 0x0c0000n,
  BACKUP: 0x080000n,
  REMOTE: 0x040000n,
  KVS: 0x400000n,
  RSC_GRP: 0x440000n,
  VLM_GRP: 0x480000n,
  PHYSICAL_DEVICE: 0x4c0000n,
  EXT_FILES: 0x500000n,
  SCHEDULE: 0x540000n,
} as const;
export const MASK_BITS_OBJ = 0x7c0000n;
export const MASK_BITS_CODE = 0x7fffn;

export type OpName = keyof typeof Op;
export type ObjName = keyof typeof Obj;

/** The code numbers (bits 14-0) Storhub uses, with LINSTOR's names and values. */
export const Code = {
  CREATED: 1,
  DELETED: 2,
  MODIFIED: 3,
  PASSPHRASE_ACCEPTED: 4,
  FAIL_SQL: 100,
  FAIL_INVLD_NODE_NAME: 200,
  FAIL_INVLD_NODE_TYPE: 201,
  FAIL_INVLD_RSC_NAME: 202,
  FAIL_INVLD_RSC_PORT: 203,
  FAIL_INVLD_NODE_ID: 204,
  FAIL_INVLD_VLM_NR: 205,
  FAIL_INVLD_VLM_SIZE: 206,
  FAIL_INVLD_MINOR_NR: 207,
  FAIL_INVLD_STOR_POOL_NAME: 208,
  FAIL_INVLD_NET_NAME: 209,
  FAIL_INVLD_NET_ADDR: 210,
  FAIL_INVLD_NET_PORT: 211,
  FAIL_INVLD_NET_TYPE: 212,
  FAIL_INVLD_PROP: 213,
  FAIL_INVLD_TRANSPORT_TYPE: 214,
  FAIL_INVLD_TCP_PORT: 215,
  FAIL_INVLD_SNAPSHOT_NAME: 218,
  FAIL_INVLD_PLACE_COUNT: 219,
  FAIL_INVLD_FREE_SPACE_MGR_NAME: 220,
  FAIL_INVLD_STOR_DRIVER: 221,
  FAIL_INVLD_KVS_NAME: 223,
  FAIL_INVLD_LAYER_KIND: 224,
  FAIL_INVLD_LAYER_STACK: 225,
  FAIL_INVLD_EXT_NAME: 226,
  FAIL_INVLD_PROVIDER: 227,
  FAIL_INVLD_VLM_SIZES: 228,
  FAIL_INVLD_REQUEST: 234,
  FAIL_INVLD_EXT_FILE_NAME: 235,
  FAIL_INVLD_EXT_FILE: 236,
  FAIL_INVLD_RSC_GRP_NAME: 237,
  FAIL_NOT_FOUND_NODE: 300,
  FAIL_NOT_FOUND_RSC_DFN: 301,
  FAIL_NOT_FOUND_RSC: 302,
  FAIL_NOT_FOUND_VLM_DFN: 303,
  FAIL_NOT_FOUND_VLM: 304,
  FAIL_NOT_FOUND_NET_IF: 305,
  FAIL_NOT_FOUND_NODE_CONN: 306,
  FAIL_NOT_FOUND_RSC_CONN: 307,
  FAIL_NOT_FOUND_STOR_POOL_DFN: 309,
  FAIL_NOT_FOUND_STOR_POOL: 310,
  FAIL_NOT_FOUND_DFLT_STOR_POOL: 311,
  FAIL_NOT_FOUND_CRYPT_KEY: 312,
  FAIL_NOT_FOUND_SNAPSHOT_DFN: 313,
  FAIL_NOT_FOUND_SNAPSHOT_VLM_DFN: 314,
  FAIL_NOT_FOUND_SNAPSHOT: 315,
  FAIL_NOT_FOUND_KVS: 316,
  FAIL_NOT_FOUND_RSC_GRP: 317,
  FAIL_NOT_FOUND_VLM_GRP: 318,
  FAIL_NOT_FOUND_EXT_FILE: 320,
  FAIL_ACC_DENIED_EXT_FILE: 422,
  FAIL_EXISTS_NODE: 500,
  FAIL_EXISTS_RSC_DFN: 501,
  FAIL_EXISTS_RSC: 502,
  FAIL_EXISTS_VLM_DFN: 503,
  FAIL_EXISTS_NET_IF: 505,
  FAIL_EXISTS_NODE_CONN: 506,
  FAIL_EXISTS_RSC_CONN: 507,
  FAIL_EXISTS_STOR_POOL_DFN: 509,
  FAIL_EXISTS_STOR_POOL: 510,
  FAIL_EXISTS_CRYPT_PASSPHRASE: 512,
  FAIL_EXISTS_SNAPSHOT_DFN: 514,
  FAIL_EXISTS_SNAPSHOT: 516,
  FAIL_EXISTS_EXT_NAME: 517,
  FAIL_EXISTS_RSC_GRP: 522,
  FAIL_EXISTS_VLM_GRP: 523,
  FAIL_MISSING_PROPS: 600,
  FAIL_MISSING_NETCOM: 603,
  FAIL_MISSING_STLT_CONN: 605,
  FAIL_MISSING_EXT_NAME: 606,
  FAIL_POOL_EXHAUSTED_VLM_NR: 800,
  FAIL_POOL_EXHAUSTED_MINOR_NR: 801,
  FAIL_POOL_EXHAUSTED_TCP_PORT: 802,
  FAIL_POOL_EXHAUSTED_NODE_ID: 803,
  FAIL_STLT_DOES_NOT_SUPPORT_LAYER: 988,
  FAIL_STLT_DOES_NOT_SUPPORT_PROVIDER: 989,
  FAIL_STOR_POOL_CONFIGURATION_ERROR: 990,
  FAIL_INSUFFICIENT_PEER_SLOTS: 993,
  FAIL_SNAPSHOTS_NOT_SUPPORTED: 994,
  FAIL_NOT_CONNECTED: 995,
  FAIL_NOT_ENOUGH_NODES: 996,
  FAIL_IN_USE: 997,
  FAIL_UNKNOWN_ERROR: 998,
  FAIL_IMPL_ERROR: 999,
  WARN_NOT_CONNECTED: 1002,
  WARN_DEL_UNSET_PROP: 1005,
  WARN_RSC_ALREADY_DEPLOYED: 1006,
  WARN_NOT_FOUND_CRYPT_KEY: 1011,
  WARN_STORAGE_KIND_ADDED: 1012,
  WARN_NOT_ENOUGH_NODES_FOR_TIE_BREAKER: 1013,
  WARN_NODE_EVICTED: 1017,
  WARN_NOT_EVACUATING: 1020,
  WARN_NOT_FOUND: 3000,
  WARN_DEPRECATED: 4000,
  INFO_NO_RSC_SPAWNED: 10000,
  INFO_PROP_SET: 10002,
  INFO_TIE_BREAKER_CREATED: 10003,
  INFO_TIE_BREAKER_DELETING: 10004,
  INFO_PROP_REMOVED: 10005,
  INFO_TIE_BREAKER_TAKEOVER: 10006,
} as const;
export type CodeName = keyof typeof Code;

/** The special whole-word codes that carry no op/obj bits (signed, as on the wire). */
export const API_CALL_PARSE_ERROR = toSigned64(0x0ffffffffffffffdn | MASK_ERROR);
export const UNKNOWN_API_CALL = toSigned64(0x0fffffffffffffffn | MASK_ERROR);

export type Severity = 'error' | 'warn' | 'info' | 'success';
const SEVERITY_MASK: Record<Severity, bigint> = {
  error: MASK_ERROR,
  warn: MASK_WARN,
  info: MASK_INFO,
  success: MASK_SUCCESS,
};

/** Reinterprets an unsigned 64-bit pattern as the signed value Java (and the wire) uses. */
export function toSigned64(u: bigint): bigint {
  const v = BigInt.asUintN(64, u);
  return v >= 1n << 63n ? v - U64 : v;
}

/** Builds a signed ret_code from its parts. */
export function retCode(severity: Severity, code: number | bigint, op?: OpName, obj?: ObjName): bigint {
  let u = SEVERITY_MASK[severity] | BigInt(code);
  if (op) u |= Op[op];
  if (obj) u |= Obj[obj];
  return toSigned64(u);
}

/**
 * Adds operation and object bits unless the entry already has them, as LINSTOR's response converter
 * does for every entry of a request's answer.
 */
export function withContext(rc: bigint, op?: OpName, obj?: ObjName): bigint {
  let u = BigInt.asUintN(64, rc);
  if (op && (u & MASK_BITS_OP) === 0n) u |= Op[op];
  if (obj && (u & MASK_BITS_OBJ) === 0n) u |= Obj[obj];
  return toSigned64(u);
}

export function severityOf(rc: bigint): Severity {
  const t = BigInt.asUintN(64, rc) & MASK_BITS_TYPE;
  if (t === MASK_ERROR) return 'error';
  if (t === MASK_WARN) return 'warn';
  if (t === MASK_INFO) return 'info';
  return 'success';
}

export function codeOf(rc: bigint): number {
  return Number(BigInt.asUintN(64, rc) & MASK_BITS_CODE);
}

export function isError(rc: bigint): boolean {
  return severityOf(rc) === 'error';
}

export interface ApiCallRc {
  ret_code: bigint;
  message: string;
  cause?: string;
  details?: string;
  correction?: string;
  error_report_ids?: string[];
  obj_refs?: Record<string, string>;
  created_at?: string;
}

/** ISO-8601 with offset, like Java's ISO_OFFSET_DATE_TIME ("2026-06-02T10:11:12.345+00:00"). */
export function isoOffsetNow(date = new Date()): string {
  return date.toISOString().replace('Z', '+00:00');
}
