/** Resource and volume definition records -> LINSTOR's wire shapes, with their layer data. */
import type { ResourceDefinition, VolumeDefinition } from '../../model/resource-definition.js';
import type { DrbdResourceDefinitionRecord, ResourceDefinitionRecord, VolumeDefinitionRecord } from '../../store/records.js';
import { nonEmpty } from '../out.js';

type RdLayer = NonNullable<ResourceDefinition['layer_data']>[number];
type VdLayer = NonNullable<VolumeDefinition['layer_data']>[number];

/** The DRBD layer data of a resource definition (also embedded in each resource's DRBD layer). */
export function drbdDefinitionView(d: DrbdResourceDefinitionRecord): NonNullable<RdLayer['data']> {
  return {
    peer_slots: d.peer_slots,
    al_stripes: d.al_stripes,
    al_stripe_size_kib: d.al_stripe_size_kib,
    // -1 = no preferred port; old clients and python-linstor require the key (contract §2.5).
    port: d.port ?? -1,
    transport_type: d.transport_type,
    secret: d.secret,
    down: false,
  };
}

/** One entry per layer; only DRBD carries data. */
function rdLayerData(rd: ResourceDefinitionRecord): RdLayer[] {
  return rd.layer_stack.map((type): RdLayer => (type === 'DRBD' && rd.drbd ? { type, data: drbdDefinitionView(rd.drbd) } : { type }));
}

export function volumeDefinitionView(rd: ResourceDefinitionRecord, vd: VolumeDefinitionRecord): VolumeDefinition {
  const layerData = rd.layer_stack.map((type): VdLayer =>
    type === 'DRBD'
      ? { type, data: nonEmpty({ volume_number: vd.volume_number, minor_number: vd.minor_number }) as NonNullable<VdLayer['data']> }
      : { type },
  );
  return nonEmpty({
    volume_number: vd.volume_number,
    size_kib: vd.size_kib,
    props: vd.props,
    flags: vd.flags,
    layer_data: layerData,
    uuid: vd.uuid,
  }) as VolumeDefinition;
}

export function resourceDefinitionView(rd: ResourceDefinitionRecord, withVolumeDefinitions = false): ResourceDefinition {
  return nonEmpty({
    name: rd.name,
    external_name: rd.external_name,
    props: rd.props,
    flags: rd.flags,
    layer_data: rdLayerData(rd),
    uuid: rd.uuid,
    resource_group_name: rd.resource_group_name,
    volume_definitions: withVolumeDefinitions ? rd.volume_definitions.map((vd) => volumeDefinitionView(rd, vd)) : undefined,
  }) as ResourceDefinition;
}
