/**
 * `resource-group adjust` / `adjustall`: runs the autoplacer for every resource definition of a group
 * (or of every group) with the group's current select filter, so definitions spawned before a group
 * change (e.g. a higher place_count) catch up. Each definition is placed on its own: one that cannot be
 * placed answers its error entry and the others still go ahead.
 */
import type { ApiCallRc } from '../../model/apicallrc.js';
import { StorhubError } from '../../model/errors.js';
import type { AutoSelectFilterInput } from '../../model/resource-group.js';
import type { Controller } from '../controller.js';
import { PlacementService } from './placement.js';

export class GroupAdjustService {
  private readonly placement: PlacementService;

  constructor(private readonly c: Controller) {
    this.placement = new PlacementService(c);
  }

  adjust(rgName: string, selectFilter?: AutoSelectFilterInput): ApiCallRc[] {
    const rg = this.c.graph.resourceGroup(rgName);
    if (!rg) {
      throw new StorhubError('FAIL_NOT_FOUND_RSC_GRP', `Resource group '${rgName}' not found.`, { objRefs: { RscGrp: rgName } });
    }
    const answers: ApiCallRc[] = [];
    const members = this.c.graph.resourceDefinitions.values()
      .filter((rd) => rd.resource_group_name.toUpperCase() === rg.name.toUpperCase() && !rd.flags.includes('DELETE'));
    for (const rd of members) {
      try {
        answers.push(...this.placement.autoplace(rd.name, { select_filter: selectFilter }));
      } catch (err) {
        if (!(err instanceof StorhubError)) throw err;
        answers.push(err.toApiCallRc('CREATE', 'RSC'));
      }
    }
    return answers;
  }

  adjustAll(selectFilter?: AutoSelectFilterInput): ApiCallRc[] {
    return this.c.graph.resourceGroups.values().flatMap((rg) => this.adjust(rg.name, selectFilter));
  }
}
