/**
 * Resource records -> LINSTOR's Resource / ResourceWithVolumes / Volume wire shapes (contract §2.7).
 *
 * The layer tree and per-volume layer data are derived from the records: DRBD data from the resource
 * definition (secret, peer slots, ...), the resource (node id, ports) and the volume definitions
 * (minor -> /dev/drbd<minor>). Everything only a satellite can know (in_use, disk states, backing
 * devices, sizes) comes from controller.runtime and is absent until reported.
 *
 * `/v1/view/resources` builds thousands of these per request, so one ResourceViews instance per
 * request caches what resources of the same definition share, and objects are built directly
 * instead of being filtered afterwards.
 */
import type { Controller } from '../../controller/controller.js';
import type { LayerVolumeRuntime, ResourceRuntime, VolumeRuntime } from '../../controller/runtime.js';
import type { LayerKind } from '../../model/enums.js';
import type {
  Resource, ResourceLayer, ResourceWithVolumes, Volume, VolumeLayerData,
} from '../../model/resource.js';
import type { ResourceDefinitionRecord, ResourceRecord, VolumeDefinitionRecord, VolumeRecord } from '../../store/records.js';
import { key } from '../../controller/graph.js';

const NOTHING: ResourceRuntime = Object.freeze({});
const NO_VOLUME: VolumeRuntime = Object.freeze({});

/** What all resources of one definition share within one request. */
interface DefinitionInfo {
  vds: Map<number, VolumeDefinitionRecord>;
  drbd?: Record<string, unknown>;
}

type Dict = Record<string, unknown>;

/** Lower-case layer name -> the wire key of its resource data and of its volume list. */
const LAYER_KEYS: Record<LayerKind, [string, string]> = {
  DRBD: ['drbd', 'drbd_volumes'],
  LUKS: ['luks', 'luks_volumes'],
  STORAGE: ['storage', 'storage_volumes'],
  NVME: ['nvme', 'nvme_volumes'],
  WRITECACHE: ['writecache', 'writecache_volumes'],
  CACHE: ['cache', 'cache_volumes'],
  BCACHE: ['bcache', 'bcache_volumes'],
};

export class ResourceViews {
  private readonly definitions = new Map<string, DefinitionInfo>();

  constructor(private readonly c: Controller) {}

  /** The Resource shape (no volumes), for GET .../resources[/{node}]. */
  resource(r: ResourceRecord): Resource {
    return this.build(r, false) as Resource;
  }

  /** The ResourceWithVolumes shape, for /v1/view/resources. */
  withVolumes(r: ResourceRecord): ResourceWithVolumes {
    return this.build(r, true) as ResourceWithVolumes;
  }

  /** The volumes of a resource, for GET .../resources/{node}/volumes. */
  volumes(r: ResourceRecord): Volume[] {
    return (this.build(r, true).volumes as Volume[] | undefined) ?? [];
  }

  private build(r: ResourceRecord, withVolumes: boolean): Dict {
    const info = this.definition(r.name);
    const rt = this.c.runtime.resource?.(r.name, r.node_name) ?? NOTHING;
    const stack = r.layer_stack;
    // Per volume and layer, built once and shared by layer_object and volumes[].layer_data_list.
    const layerData = stack.map((layer) => r.volumes.map((v) => volumeLayerData(layer, v, info, rt.volumes?.[v.volume_number])));

    const out: Dict = { name: r.name, node_name: r.node_name };
    if (hasKeys(r.props)) out.props = r.props;
    if (r.flags.length) out.flags = r.flags;
    if (stack.length) out.layer_object = this.layerObject(r, info, rt, layerData, 0);
    if (rt.in_use !== undefined) out.state = { in_use: rt.in_use };
    out.uuid = r.uuid;
    out.create_timestamp = r.create_timestamp;
    if (!withVolumes) return out;

    const volumes = r.volumes.map((v, i) => this.volume(r, v, rt.volumes?.[v.volume_number] ?? NO_VOLUME, layerData, i));
    if (volumes.length) out.volumes = volumes;
    const first = r.volumes[0];
    const shared = first && this.c.graph.storagePool(r.node_name, first.storage_pool_name)?.free_space_mgr_name;
    if (shared) out.shared_name = shared;
    return out;
  }

  private layerObject(r: ResourceRecord, info: DefinitionInfo, rt: ResourceRuntime, layerData: VolumeLayerData[][], i: number): ResourceLayer {
    const type = r.layer_stack[i];
    const [dataKey, volumesKey] = LAYER_KEYS[type];
    const out: Dict = { type, resource_name_suffix: '' };
    if (type === 'DRBD') {
      out.drbd = drbdResource(r, info, rt, layerData[i]);
    } else {
      if (layerData[i].length) out[dataKey] = { [volumesKey]: layerData[i] };
    }
    if (i + 1 < r.layer_stack.length) out.children = [this.layerObject(r, info, rt, layerData, i + 1)];
    return out as ResourceLayer;
  }

  private volume(r: ResourceRecord, v: VolumeRecord, vrt: VolumeRuntime, layerData: VolumeLayerData[][], i: number): Volume {
    const pool = this.c.graph.storagePool(r.node_name, v.storage_pool_name);
    const out: Dict = { volume_number: v.volume_number, storage_pool_name: v.storage_pool_name };
    if (pool) out.provider_kind = pool.provider_kind;
    // The device clients open is the top layer's.
    const top = layerData[0]?.[i];
    if (top?.device_path) out.device_path = top.device_path;
    if (vrt.allocated_size_kib !== undefined) out.allocated_size_kib = vrt.allocated_size_kib;
    if (hasKeys(v.props)) out.props = v.props;
    if (v.flags.length) out.flags = v.flags;
    if (vrt.disk_state !== undefined || vrt.replication_states !== undefined) {
      const state: Dict = {};
      if (vrt.disk_state !== undefined) state.disk_state = vrt.disk_state;
      if (vrt.replication_states && hasKeys(vrt.replication_states)) state.replication_states = vrt.replication_states;
      out.state = state;
    }
    if (r.layer_stack.length) out.layer_data_list = r.layer_stack.map((type, l) => ({ type, data: layerData[l][i] }));
    out.uuid = v.uuid;
    return out as Volume;
  }

  private definition(rdName: string): DefinitionInfo {
    const k = key.rd(rdName);
    let info = this.definitions.get(k);
    if (!info) {
      const rd = this.c.graph.resourceDefinitions.get(k);
      info = { vds: new Map((rd?.volume_definitions ?? []).map((vd) => [vd.volume_number, vd])) };
      if (rd?.drbd) info.drbd = drbdDefinition(rd);
      this.definitions.set(k, info);
    }
    return info;
  }
}

function drbdDefinition(rd: ResourceDefinitionRecord): Record<string, unknown> {
  const d = rd.drbd!;
  return {
    peer_slots: d.peer_slots,
    al_stripes: d.al_stripes,
    al_stripe_size_kib: d.al_stripe_size_kib,
    // -1 = no preferred port; old clients require the key (contract §2.5).
    port: d.port ?? -1,
    transport_type: d.transport_type,
    secret: d.secret,
    down: false,
  };
}

function drbdResource(r: ResourceRecord, info: DefinitionInfo, rt: ResourceRuntime, volumes: VolumeLayerData[]): Dict {
  const out: Dict = {};
  if (info.drbd) out.drbd_resource_definition = info.drbd;
  if (r.drbd) {
    out.node_id = r.drbd.node_id;
    if (r.drbd.tcp_ports.length) out.tcp_ports = r.drbd.tcp_ports;
    out.peer_slots = r.drbd.peer_slots;
  }
  if (info.drbd) {
    out.al_stripes = info.drbd.al_stripes;
    out.al_size = info.drbd.al_stripe_size_kib;
  }
  if (rt.promotion_score !== undefined) out.promotion_score = rt.promotion_score;
  if (rt.may_promote !== undefined) out.may_promote = rt.may_promote;
  if (volumes.length) out.drbd_volumes = volumes;
  if (rt.connections && hasKeys(rt.connections)) out.connections = rt.connections;
  return out;
}

function volumeLayerData(layer: LayerKind, v: VolumeRecord, info: DefinitionInfo, vrt: VolumeRuntime | undefined): VolumeLayerData {
  const reported: LayerVolumeRuntime = vrt?.layers?.[layer] ?? {};
  const out: Dict = {};
  if (layer === 'DRBD') {
    const minor = info.vds.get(v.volume_number)?.minor_number;
    const def: Dict = { resource_name_suffix: '', volume_number: v.volume_number };
    if (minor !== undefined) def.minor_number = minor;
    out.drbd_volume_definition = def;
    const path = minor !== undefined ? `/dev/drbd${minor}` : reported.device_path;
    if (path) out.device_path = path;
  } else {
    out.volume_number = v.volume_number;
    if (reported.device_path) out.device_path = reported.device_path;
  }
  if (reported.backing_device) out.backing_device = reported.backing_device;
  if (reported.allocated_size_kib !== undefined) out.allocated_size_kib = reported.allocated_size_kib;
  if (reported.usable_size_kib !== undefined) out.usable_size_kib = reported.usable_size_kib;
  if (reported.disk_state) out.disk_state = reported.disk_state;
  return out as VolumeLayerData;
}

function hasKeys(o: object): boolean {
  for (const _ in o) return true;
  return false;
}
