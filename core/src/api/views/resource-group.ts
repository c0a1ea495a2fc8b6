/** Resource group, select filter and volume group records -> LINSTOR's wire shapes. */
import type { AutoSelectFilter, ResourceGroup, VolumeGroup } from '../../model/resource-group.js';
import type { AutoSelectFilterRecord, ResourceGroupRecord, VolumeGroupRecord } from '../../store/records.js';
import { nonEmpty } from '../out.js';

/** `storage_pool` (legacy) is only shown when the list holds exactly one pool, as LINSTOR does. */
export function selectFilterView(f: AutoSelectFilterRecord): AutoSelectFilter {
  return nonEmpty({
    place_count: f.place_count,
    additional_place_count: f.additional_place_count,
    node_name_list: f.node_name_list,
    storage_pool: f.storage_pool_list?.length === 1 ? f.storage_pool_list[0] : undefined,
    storage_pool_list: f.storage_pool_list,
    storage_pool_diskless_list: f.storage_pool_diskless_list,
    not_place_with_rsc: f.not_place_with_rsc,
    not_place_with_rsc_regex: f.not_place_with_rsc_regex,
    replicas_on_same: f.replicas_on_same,
    replicas_on_different: f.replicas_on_different,
    x_replicas_on_different_map: f.x_replicas_on_different_map,
    layer_stack: f.layer_stack,
    provider_list: f.provider_list,
    diskless_on_remaining: f.diskless_on_remaining,
    diskless_type: f.diskless_type,
    overprovision: f.overprovision,
  }) as AutoSelectFilter;
}

export function resourceGroupView(rg: ResourceGroupRecord): ResourceGroup {
  return nonEmpty({
    name: rg.name,
    description: rg.description,
    props: rg.props,
    select_filter: selectFilterView(rg.select_filter),
    uuid: rg.uuid,
    peer_slots: rg.peer_slots,
  }) as ResourceGroup;
}

export function volumeGroupView(vg: VolumeGroupRecord): VolumeGroup {
  return nonEmpty({
    volume_number: vg.volume_number,
    props: vg.props,
    uuid: vg.uuid,
    flags: vg.flags,
  }) as VolumeGroup;
}
