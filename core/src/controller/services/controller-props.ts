/**
 * Controller properties (the CTRL container): list, props-modify (with a WARN_DEPRECATED entry for
 * deprecated keys), delete one key.
 */
import type { ApiCallRc, ObjName } from '../../model/apicallrc.js';
import type { PropsModify } from '../../model/lenient.js';
import { applyPropsModify } from '../../props/modify.js';
import { checkDeletable, normaliseKey } from '../../props/whitelist.js';
import type { Props } from '../../store/records.js';
import { Change } from '../change.js';
import type { Controller } from '../controller.js';
import { key } from '../graph.js';
import { rc } from '../responses.js';
import { propsAnswers } from './props-answer.js';

/** Keys LINSTOR still accepts but no longer acts on the way the name suggests. */
const DEPRECATED: Record<string, string> = {
  'DrbdOptions/auto-quorum':
    "Set 'DrbdOptions/Resource/quorum' and 'DrbdOptions/Resource/on-no-quorum' instead; quorum is managed per resource definition.",
};

/** WARN_DEPRECATED entries for deprecated keys being set. */
export function deprecationWarnings(obj: ObjName, body: PropsModify): ApiCallRc[] {
  return Object.keys(body.override_props ?? {})
    .map(normaliseKey)
    .filter((k) => k in DEPRECATED)
    .map((k) => rc.warn('WARN_DEPRECATED', 'CREATE', obj, `The property '${k}' is deprecated.`, { correction: DEPRECATED[k] }));
}

export class ControllerPropsService {
  constructor(private readonly c: Controller) {}

  list(): Props {
    return this.c.graph.controller.props;
  }

  modify(body: PropsModify): ApiCallRc[] {
    const result = applyPropsModify('CTRL', this.c.graph.controller.props, body);
    if (result.changed) this.c.commit(new Change().put('ctrl', key.ctrl(), { ...this.c.graph.controller, props: result.props }));
    // The controller has no object reference to name; LINSTOR leaves obj_refs out then.
    const answers = propsAnswers('CTRL_CONF', body, {}).map(({ obj_refs: _none, ...entry }) => entry);
    return [...answers, ...deprecationWarnings('CTRL_CONF', body)];
  }

  /** DELETE /v1/controller/properties/{key}: the key may contain slashes. */
  delete(rawKey: string): ApiCallRc[] {
    const k = normaliseKey(rawKey);
    checkDeletable('CTRL', k);
    const props = this.c.graph.controller.props;
    if (!(k in props)) {
      return [rc.warn('WARN_DEL_UNSET_PROP', 'DELETE', 'CTRL_CONF', `Controller property '${k}' is not set; nothing was deleted.`)];
    }
    const { [k]: _gone, ...rest } = props;
    this.c.commit(new Change().put('ctrl', key.ctrl(), { ...this.c.graph.controller, props: rest }));
    return [rc.success('DELETED', 'DELETE', 'CTRL_CONF', `Successfully deleted property key(s): ${k}`)];
  }
}
