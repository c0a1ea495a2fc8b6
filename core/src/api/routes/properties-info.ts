/**
 * The `properties/info` discovery endpoints: which keys each object kind accepts, with type, allowed
 * values, default and unit. The answer is static (the whitelist), so parents in the path are not looked
 * up, as in LINSTOR.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ApiDeps } from '../context.js';
import { route } from '../route.js';
import { propsInfo, propsInfoOf } from '../../props/whitelist.js';
import { PROXY_COMPRESSION_RULES } from '../../props/rules.js';
import type { PropObject, PropsInfo } from '../../props/types.js';

const PropsInfoSchema = z.object({
  info: z.string().optional(),
  prop_type: z.string(),
  value: z.string().optional(),
  dflt: z.string().optional(),
  unit: z.string().optional(),
});
const PropsInfoMap = z.record(z.string(), PropsInfoSchema);
const tags = ['developers'];

/** Path -> whitelist of the object kind it describes. */
const SINGLE: Array<[string, PropObject, string]> = [
  ['/v1/controller/properties/info', 'CTRL', 'List all controller properties'],
  ['/v1/nodes/properties/info', 'NODE', 'List all node properties'],
  ['/v1/nodes/:node/storage-pools/properties/info', 'STOR_POOL', 'List all storage-pool properties'],
  ['/v1/storage-pool-definitions/properties/info', 'STOR_POOL_DFN', 'List all storage-pool-definition properties'],
  ['/v1/resource-definitions/properties/info', 'RSC_DFN', 'List all resource-definition properties'],
  ['/v1/resource-groups/properties/info', 'RSC_DFN', 'List all resource-group properties'],
  ['/v1/resource-groups/:resource_group/volume-groups/properties/info', 'VLM_DFN', 'List all volume-group properties'],
  ['/v1/resource-definitions/:resource/volume-definitions/properties/info', 'VLM_DFN',
    'List all volume-definition properties'],
  ['/v1/resource-definitions/:resource/resources/properties/info', 'RSC', 'List all resource properties'],
  ['/v1/resource-definitions/:resource/resources/:node/volumes/properties/info', 'VLM', 'List all volume properties'],
  ['/v1/resource-definitions/:resource/resource-connections/properties/info', 'RSC_CONN',
    'List all resource-connection properties'],
];

/** `/info/all`, keyed by LINSTOR's LinStorObject names (groups share their definition's whitelist). */
function allInfo(): Record<string, Record<string, PropsInfo>> {
  const out: Record<string, Record<string, PropsInfo>> = {};
  const objects: Array<[string, PropObject]> = [
    ['CTRL', 'CTRL'], ['NODE', 'NODE'], ['NODE_CONN', 'NODE_CONN'], ['RSC_GRP', 'RSC_DFN'], ['RSC_DFN', 'RSC_DFN'],
    ['RSC', 'RSC'], ['RSC_CONN', 'RSC_CONN'], ['VLM_GRP', 'VLM_DFN'], ['VLM_DFN', 'VLM_DFN'], ['VLM', 'VLM'],
    ['STOR_POOL', 'STOR_POOL'], ['STOR_POOL_DFN', 'STOR_POOL_DFN'],
  ];
  for (const [name, object] of objects) out[name] = propsInfo(object);
  Object.assign(out, proxyInfo());
  return out;
}

/** The DRBD Proxy sections: general proxy options plus one section per compression plugin. */
function proxyInfo(): Record<string, Record<string, PropsInfo>> {
  const out: Record<string, Record<string, PropsInfo>> = { DRBD_PROXY: propsInfo('DRBD_PROXY') };
  for (const [section, rules] of Object.entries(PROXY_COMPRESSION_RULES)) out[section] = propsInfoOf(rules);
  return out;
}

export function propertiesInfoRoutes(app: FastifyInstance, _deps: ApiDeps): void {
  for (const [url, object, summary] of SINGLE) {
    const answer = propsInfo(object);
    route(app, 'GET', url, { summary, tags, reply: PropsInfoMap }, () => answer);
  }
  const all = allInfo();
  route(app, 'GET', '/v1/controller/properties/info/all', {
    summary: 'List all properties of all entities', tags, reply: z.record(z.string(), PropsInfoMap),
  }, () => all);
  const proxy = proxyInfo();
  route(app, 'GET', '/v1/resource-definitions/:resource/drbd-proxy/properties/info', {
    summary: 'List all drbd-proxy properties', tags, reply: z.record(z.string(), PropsInfoMap),
  }, () => proxy);
}
