/**
 * Resource groups: create (props in the body are ignored, as in LINSTOR), modify (description, props,
 * select filter field by field, peer slots), delete (refused for DfltRscGrp and while definitions
 * belong to the group).
 */
import type { ApiCallRc } from '../../model/apicallrc.js';
import { StorhubError } from '../../model/errors.js';
import { checkName } from '../../model/names.js';
import { DEFAULT_RESOURCE_GROUP } from '../../model/enums.js';
import type { ResourceGroupCreate, ResourceGroupModify } from '../../model/resource-group.js';
import type { ResourceDefinitionRecord, ResourceGroupRecord } from '../../store/records.js';
import { applyPropsModify } from '../../props/modify.js';
import { checkPeerSlots } from '../allocation.js';
import { Change } from '../change.js';
import type { Controller } from '../controller.js';
import { key } from '../graph.js';
import { rc } from '../responses.js';
import { propsAnswers } from './props-answer.js';
import { applyFilterChanges } from './select-filter.js';

export const rgWhat = (name: string) => `resource group '${name}'`;
export const rgRefs = (name: string) => ({ RscGrp: name });

export class ResourceGroupService {
  constructor(private readonly c: Controller) {}

  get(name: string): ResourceGroupRecord {
    const rg = this.c.graph.resourceGroup(name);
    if (!rg) throw new StorhubError('FAIL_NOT_FOUND_RSC_GRP', `Resource group '${name}' not found.`, { objRefs: rgRefs(name) });
    return rg;
  }

  /** The definitions that belong to a group, sorted by name. */
  definitionsOf(name: string): ResourceDefinitionRecord[] {
    const k = key.rg(name);
    return this.c.graph.resourceDefinitions.values().filter((rd) => key.rg(rd.resource_group_name) === k);
  }

  create(body: ResourceGroupCreate): ApiCallRc[] {
    const name = checkName('resource group', body.name);
    const existing = this.c.graph.resourceGroup(name);
    if (existing) {
      throw new StorhubError('FAIL_EXISTS_RSC_GRP', `Resource group '${existing.name}' already exists.`, {
        correction: 'Use a different name, or modify the existing resource group.',
        objRefs: rgRefs(name),
      });
    }
    const rg: ResourceGroupRecord = {
      name,
      props: {},
      select_filter: applyFilterChanges({}, body.select_filter),
      volume_groups: [],
      uuid: this.c.newUuid(),
    };
    if (body.description) rg.description = body.description;
    if (body.peer_slots !== undefined) rg.peer_slots = checkPeerSlots(body.peer_slots);
    this.c.commit(new Change().put('rg', key.rg(name), rg));
    return [rc.created('RSC_GRP', rgWhat(name), rgRefs(name), rg.uuid)];
  }

  modify(name: string, body: ResourceGroupModify): ApiCallRc[] {
    const old = this.get(name);
    const rg: ResourceGroupRecord = {
      ...old,
      props: applyPropsModify('RSC_DFN', old.props, body).props,
      select_filter: applyFilterChanges(old.select_filter, body.select_filter),
    };
    if (body.description !== undefined) {
      if (body.description === '') delete rg.description;
      else rg.description = body.description;
    }
    if (body.peer_slots !== undefined) rg.peer_slots = checkPeerSlots(body.peer_slots);
    this.c.commit(new Change().put('rg', key.rg(old.name), rg));
    // Resource groups use the resource-definition whitelist, and LINSTOR reports their props as such.
    return [...propsAnswers('RSC_DFN', body, rgRefs(old.name)), rc.modified('RSC_GRP', rgWhat(old.name), rgRefs(old.name), old.uuid)];
  }

  delete(name: string): ApiCallRc[] {
    const rg = this.c.graph.resourceGroup(name);
    if (!rg) return [rc.deleteMissing('RSC_GRP', rgWhat(name), rgRefs(name))];
    if (key.rg(rg.name) === key.rg(DEFAULT_RESOURCE_GROUP)) {
      throw new StorhubError('FAIL_IN_USE', `The default resource group '${rg.name}' cannot be deleted.`, {
        cause: 'Resource definitions created without a resource group belong to it.',
        correction: 'Keep DfltRscGrp; create and delete your own resource groups instead.',
        objRefs: rgRefs(rg.name),
      });
    }
    const rds = this.definitionsOf(rg.name).map((rd) => rd.name);
    if (rds.length > 0) {
      const shown = rds.slice(0, 10).join(', ') + (rds.length > 10 ? `, ... (${rds.length} in all)` : '');
      throw new StorhubError('FAIL_EXISTS_RSC_DFN', `Cannot delete resource group '${rg.name}' because it has existing resource definitions: ${shown}.`, {
        correction: `Move them to another group (resource-definition modify <name> --resource-group <group>) or delete them, then delete '${rg.name}'.`,
        objRefs: rgRefs(rg.name),
      });
    }
    this.c.commit(new Change().delete('rg', key.rg(rg.name)));
    return [rc.deleted('RSC_GRP', rgWhat(rg.name), rgRefs(rg.name), rg.uuid)];
  }
}
