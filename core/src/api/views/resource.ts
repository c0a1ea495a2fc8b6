/**
 * Resource records -> LINSTOR's Resource / ResourceWithVolumes / Volume wire shapes (contract §2.7).
 *
 * The layer tree and per-volume layer data are derived from the records: DRBD data from the resource
 * definition (secret, peer slots, ...), the resource (node id, ports) and the volume definitions
 * (minor -> /dev/drbd<minor>). Everything only a satellite can know (in_use, disk states, backing
 * devices, sizes) comes from controller.runtime and is absent until reported.
 *
 * `/v1/view/resources` answers thousands of these per request: views are built directly (no
 * filtering pass afterwards), what resources of one definition share is computed once per definition
 * record, and a finished view is reused while the records it was built from are unchanged.
 */
import type { Controller } from '../../controller/controller.js';
import type { LayerVolumeRuntime, ResourceRuntime, VolumeRuntime } from '../../controller/runtime.js';
import type { LayerKind } from '../../model/enums.js';
import type {
  Resource, ResourceLayer, ResourceWithVolumes, Volume, VolumeLayerData,
} from '../../model/resource.js';
import type {
  ResourceDefinitionRecord, ResourceRecord, StoragePoolRecord, VolumeDefinitionRecord, VolumeRecord,
} from '../../store/records.js';
import { key } from '../../controller/graph.js';
import { drbdDefinitionView } from './resource-definition.js';

const NOTHING: ResourceRuntime = Object.freeze({});
const NO_VOLUME: VolumeRuntime = Object.freeze({});

/** What all resources of one definition share. */
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

/**
 * Records are never changed in place (every change puts a new object), so a view stays valid while
 * the resource, its definition, its pools and its reported state are the same objects. The list of
 * 10,000 resources then costs lookups, not rebuilding; any change misses the cache by identity.
 */
interface CachedView {
  rd: ResourceDefinitionRecord | undefined;
  pools: Array<StoragePoolRecord | undefined>;
  rt: ResourceRuntime;
  view: Dict;
  /** The view as JSON text, made on first use. */
  json?: string;
}
const viewCache = new WeakMap<ResourceRecord, CachedView>();
const definitionCache = new WeakMap<ResourceDefinitionRecord, DefinitionInfo>();
const NO_DEFINITION: DefinitionInfo = { vds: new Map() };

export class ResourceViews {
  constructor(private readonly c: Controller) {}

  /** The Resource shape (no volumes), for GET .../resources[/{node}]. */
  resource(r: ResourceRecord): Resource {
    const { volumes: _v, shared_name: _s, ...rest } = this.withVolumes(r);
    return rest;
  }

  /** The ResourceWithVolumes shape, for /v1/view/resources. Shared objects: never modify the result. */
  withVolumes(r: ResourceRecord): ResourceWithVolumes {
    return this.cached(r).view as ResourceWithVolumes;
  }

  /** withVolumes as JSON text: the 10,000-resource list joins these instead of serializing again. */
  withVolumesJson(r: ResourceRecord): string {
    const entry = this.cached(r);
    return (entry.json ??= JSON.stringify(entry.view));
  }

  private cached(r: ResourceRecord): CachedView {
    const g = this.c.graph;
    const rd = g.resourceDefinitions.get(key.rd(r.name));
    const rt = this.c.runtime.resource?.(r.name, r.node_name) ?? NOTHING;
    const pools = r.volumes.map((v) => g.storagePool(r.node_name, v.storage_pool_name));
    const hit = viewCache.get(r);
    if (hit && hit.rd === rd && hit.rt === rt && hit.pools.every((p, i) => p === pools[i])) return hit;
    const entry: CachedView = { rd, pools, rt, view: this.build(r, rd, rt, pools) };
    viewCache.set(r, entry);
    return entry;
  }

  /** The volumes of a resource, for GET .../resources/{node}/volumes. */
  volumes(r: ResourceRecord): Volume[] {
    return this.withVolumes(r).volumes ?? [];
  }

  private build(r: ResourceRecord, rd: ResourceDefinitionRecord | undefined, rt: ResourceRuntime, pools: Array<StoragePoolRecord | undefined>): Dict {
    const info = rd ? definitionInfo(rd) : NO_DEFINITION;
    const stack = r.layer_stack;
    // Per volume and layer, built once and shared by layer_object and volumes[].layer_data_list.
    const layerData = stack.map((layer) => r.volumes.map((v) => volumeLayerData(layer, v, info, rt.volumes?.[v.volume_number])));

    const out: Dict = { name: r.name, node_name: r.node_name };
    if (hasKeys(r.props)) out.props = r.props;
    if (r.flags.length) out.flags = r.flags;
    if (stack.length) out.layer_object = layerObject(r, info, rt, layerData, 0);
    if (rt.in_use !== undefined) out.state = { in_use: rt.in_use };
    out.uuid = r.uuid;
    out.create_timestamp = r.create_timestamp;
    const volumes = r.volumes.map((v, i) => volumeView(r, v, pools[i], rt.volumes?.[v.volume_number] ?? NO_VOLUME, layerData, i));
    if (volumes.length) out.volumes = volumes;
    const shared = pools[0]?.free_space_mgr_name;
    if (shared) out.shared_name = shared;
    return out;
  }
}

function layerObject(r: ResourceRecord, info: DefinitionInfo, rt: ResourceRuntime, layerData: VolumeLayerData[][], i: number): ResourceLayer {
  const type = r.layer_stack[i];
  const [dataKey, volumesKey] = LAYER_KEYS[type];
  const out: Dict = { type, resource_name_suffix: '' };
  if (type === 'DRBD') {
    out.drbd = drbdResource(r, info, rt, layerData[i]);
  } else if (layerData[i].length) {
    out[dataKey] = { [volumesKey]: layerData[i] };
  }
  if (i + 1 < r.layer_stack.length) out.children = [layerObject(r, info, rt, layerData, i + 1)];
  return out as ResourceLayer;
}

function volumeView(r: ResourceRecord, v: VolumeRecord, pool: StoragePoolRecord | undefined, vrt: VolumeRuntime,
  layerData: VolumeLayerData[][], i: number): Volume {
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

function definitionInfo(rd: ResourceDefinitionRecord): DefinitionInfo {
  let info = definitionCache.get(rd);
  if (!info) {
    info = { vds: new Map(rd.volume_definitions.map((vd) => [vd.volume_number, vd])) };
    if (rd.drbd) info.drbd = drbdDefinitionView(rd.drbd);
    definitionCache.set(rd, info);
  }
  return info;
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
