/**
 * Whitelisted property keys per object kind. (Seed table; the full LINSTOR key set is assembled in
 * rules-*.ts files.)
 */
import type { PropObject, PropRule } from './types.js';

const POOL_NAME = '[a-zA-Z0-9_][a-zA-Z0-9_-]{2,47}';

export const RULES: Record<PropObject, readonly PropRule[]> = {
  CTRL: [],
  NODE: [{ key: 'StorPoolName', type: 'regex', pattern: POOL_NAME }],
  STOR_POOL: [{ key: 'StorDriver/StorPoolName', type: 'string' }],
  STOR_POOL_DFN: [],
  RSC_DFN: [{ key: 'StorPoolName', type: 'regex', pattern: POOL_NAME }],
  VLM_DFN: [],
  RSC: [{ key: 'StorPoolName', type: 'regex', pattern: POOL_NAME }],
  VLM: [],
  RSC_CONN: [],
  NODE_CONN: [],
  SNAPSHOT: [],
  DRBD_PROXY: [],
};
