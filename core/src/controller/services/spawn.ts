/**
 * Spawn: a resource definition (plus one volume definition per volume group of the group) created
 * from a resource group, and placed by the autoplacer when the merged select filter has a place_count
 * and definitions_only is not set, all in one change: if placement is impossible nothing is created.
 * Without placement the answer ends with INFO_NO_RSC_SPAWNED, saying why nothing was deployed.
 */
import { type ApiCallRc, isoOffsetNow, retCode } from '../../model/apicallrc.js';
import { StorhubError } from '../../model/errors.js';
import type { ResourceGroupSpawn } from '../../model/resource-group.js';
import { Change } from '../change.js';
import type { Controller } from '../controller.js';
import { key } from '../graph.js';
import { rc } from '../responses.js';
import { ResourceDefinitionService, rdRefs, rdWhat } from './resource-definitions.js';
import { PlacementService } from './placement.js';
import { drbdAutomatisms } from './tiebreaker.js';
import { ResourceGroupService } from './resource-groups.js';
import { applyFilterChanges, mergeFilters } from './select-filter.js';
import { VolumeDefinitionService, vdRefs, vdWhat, type VdReservations } from './volume-definitions.js';

export function spawn(c: Controller, rgName: string, body: ResourceGroupSpawn): ApiCallRc[] {
  const rg = new ResourceGroupService(c).get(rgName);
  const rds = new ResourceDefinitionService(c);
  const vds = new VolumeDefinitionService(c);
  const filter = mergeFilters(applyFilterChanges({}, body.select_filter), rg.select_filter);
  const sizes = body.volume_sizes;
  const groups = rg.volume_groups;
  const answers: ApiCallRc[] = [];

  if (groups.length === 0 && !body.partial) {
    answers.push({
      ret_code: retCode('info', 0, 'CREATE', 'RSC_GRP'),
      message: `Resource group '${rg.name}' has no volume groups; assuming partial mode (one volume definition per given size).`,
      obj_refs: { RscGrp: rg.name },
      created_at: isoOffsetNow(),
    });
  }
  const partial = body.partial === true || groups.length === 0;
  if (sizes.length !== groups.length && !partial) {
    throw new StorhubError('FAIL_INVLD_VLM_SIZES', `Invalid count of volume sizes to spawn from resource group '${rg.name}'.`, {
      details: `Resource group '${rg.name}' has ${groups.length} volume group(s), but ${sizes.length} size(s) were given.`,
      correction: "Give one size per volume group, or set 'partial' to use fewer or more.",
      objRefs: { RscGrp: rg.name },
    });
  }

  const passphrases = body.volume_passphrases ?? [];
  if (passphrases.length > 0 && passphrases.length !== sizes.length) {
    throw new StorhubError('FAIL_INVLD_REQUEST', "The count of volume passphrases doesn't match the count of volume sizes.", {
      correction: 'Give one passphrase per volume size, or none.',
    });
  }

  const plan = rds.build({
    name: body.resource_definition_name,
    externalName: body.resource_definition_external_name,
    props: body.resource_definition_props,
    layers: filter.layer_stack,
    groupName: rg.name,
    peerSlots: body.peer_slots,
  });
  const rd = plan.rd;
  const reserved: VdReservations = { numbers: new Set(), minors: new Set() };
  // Volume groups are kept sorted by number: the n-th size goes to the n-th group.
  rd.volume_definitions = sizes.map((size, i) =>
    vds.build(rd, { volume_number: groups[i]?.volume_number, size_kib: size, flags: groups[i]?.flags }, reserved),
  ).sort((a, b) => a.volume_number - b.volume_number);
  const change = new Change().put('rd', key.rd(rd.name), rd);
  const place = filter.place_count !== undefined && !body.definitions_only;
  const placed = place ? new PlacementService(c).place(rd, filter, change) : [];
  if (place) placed.push(...drbdAutomatisms(c, rd.name, change, { op: 'CREATE' }));
  c.commit(change);

  answers.push(...plan.answers);
  for (const vd of rd.volume_definitions) {
    answers.push(rc.created('VLM_DFN', vdWhat(rd.name, vd.volume_number), vdRefs(rd.name, vd.volume_number), vd.uuid));
  }
  answers.push(rc.created('RSC_DFN', rdWhat(rd.name), rdRefs(rd.name), rd.uuid));
  if (place) return [...answers, ...placed];

  const shown = rd.external_name ? `'${rd.name}' (${rd.external_name})` : `'${rd.name}'`;
  const reasons: string[] = [];
  if (filter.place_count === undefined) reasons.push('the resource group has no place count (at least place_count is required for automatic placement)');
  if (body.definitions_only) reasons.push('definitions_only was set');
  answers.push(rc.info('INFO_NO_RSC_SPAWNED', 'CREATE', 'RSC_GRP',
    `Resource definition ${shown} and ${rd.volume_definitions.length} volume definition(s) created, but no resources deployed.`, {
      details: `No resources were deployed because ${reasons.join(' and ')}.`,
      correction: `Create the resources on named nodes (resource create <node> ${rd.name}) or let the autoplacer place them (resource create ${rd.name} --auto-place N).`,
      obj_refs: { RscGrp: rg.name, RscDfn: rd.name },
    }));
  return answers;
}
