/**
 * The extra answers LINSTOR gives when properties are set or deleted ("Successfully set property
 * key(s): A,B" as CREATED, "Successfully deleted property key(s): C" as DELETED), carrying the object
 * bits of the whitelist used (resource groups use the resource-definition whitelist, hence RSC_DFN).
 */
import type { ApiCallRc, ObjName } from '../../model/apicallrc.js';
import { normaliseKey } from '../../props/whitelist.js';
import { rc } from '../responses.js';

export function propsAnswers(
  obj: ObjName,
  body: { override_props?: Record<string, string>; delete_props?: string[] },
  objRefs: Record<string, string>,
): ApiCallRc[] {
  const out: ApiCallRc[] = [];
  const set = Object.keys(body.override_props ?? {}).map(normaliseKey);
  if (set.length > 0) {
    out.push(rc.success('CREATED', 'CREATE', obj, `Successfully set property key(s): ${set.join(',')}`, { obj_refs: objRefs }));
  }
  const deleted = (body.delete_props ?? []).map(normaliseKey);
  if (deleted.length > 0) {
    out.push(rc.success('DELETED', 'DELETE', obj, `Successfully deleted property key(s): ${deleted.join(',')}`, { obj_refs: objRefs }));
  }
  return out;
}
