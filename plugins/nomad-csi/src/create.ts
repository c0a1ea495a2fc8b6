/**
 * CreateVolume. Idempotent the way linstor-csi is (integrations contract §5.2): a volume that carries
 * the "provisioning completed" property and matches the request (size within the range, the same file
 * system, resource group and content source) is answered as it is; a mismatch is ALREADY_EXISTS. A
 * volume without that property is an earlier attempt that stopped half-way, and the create continues
 * it (VolumeOps.create adopts an existing definition of the requested size).
 *
 * Placement, by placementPolicy:
 * - Manual (or nodeList/clientList given): a disk on every node of nodeList, a diskless attach on every
 *   node of clientList;
 * - AutoPlace (and Balanced): the resource group's autoplacer with the parameters' overrides;
 * - FollowTopology: the first replicas on the preferred (else requisite) topology nodes, in order, the
 *   rest wherever the autoplacer puts them;
 * - AutoPlaceTopology (default): one replica on the first preferred node, the rest among the requisite
 *   nodes (or anywhere without a requirement).
 */
import type { ResourceDefinition } from '@storhub/core/client';
import { isVolumeOpsError, type VolumeInfo, type VolumeSpec } from '@storhub/core/plugin';
import { fitsRange, fsTypeOf, checkCapabilities, sizeKibFor } from './capabilities.js';
import { alreadyExists, invalidArgument, notFound, outOfRange, required } from './errors.js';
import { parseSnapshotId, snapshotId, volumeIdFor } from './naming.js';
import { groupPlacement, parseParameters, type VolumeParameters } from './params.js';
import type { CreateVolumeRequest, Volume, VolumeContentSource } from './proto.js';
import {
  COMPLETED_VALUE, type Csi, csiVolume, definition, FS_TYPE_PROP, fsTypeOfVolume, MKFS_PARAMS_PROP, PROP_COMPLETED, PROP_SOURCE,
  VOLUME_CONTEXT_MARKER, VOLUME_CONTEXT_MOUNT_OPTIONS,
} from './shared.js';
import { requirementNodes } from './topology.js';

type Placement = NonNullable<VolumeSpec['placement']>;

interface Source {
  /** What PROP_SOURCE records. */
  key: string;
  volume: string;
  snapshot?: string;
  size_kib: number;
}

const same = (a: string | undefined, b: string | undefined): boolean => (a ?? '').toUpperCase() === (b ?? '').toUpperCase();

export async function createVolume(csi: Csi, req: CreateVolumeRequest): Promise<{ volume: Volume }> {
  required('CreateVolume', 'name', req.name);
  required('CreateVolume', 'volume_capabilities', req.volume_capabilities);
  const caps = req.volume_capabilities ?? [];
  checkCapabilities('CreateVolume', caps);
  const fsType = fsTypeOf(caps);
  let params: VolumeParameters;
  try {
    params = parseParameters(req.parameters ?? {}, csi.config.default_parameters, csi.config.topology_prefix);
  } catch (err) {
    throw invalidArgument(`CreateVolume '${req.name}': ${(err as Error).message}.`);
  }
  if (params.ignored.length) csi.log.info({ volume: req.name, ignored: params.ignored }, 'parameters accepted for compatibility, without effect here');
  const id = volumeIdFor(req.name);

  return csi.locks.run(id, `volume '${id}'`, async () => {
    const source = await resolveSource(csi, req.volume_content_source);
    const kib = sizeKibFor(req.capacity_range, source?.size_kib ?? csi.config.default_size_mib * 1024);
    if (source && kib < source.size_kib) {
      throw outOfRange(`CreateVolume '${req.name}': ${kib} KiB is smaller than its source '${source.key}' (${source.size_kib} KiB).`);
    }
    const volumeContext = contextOf(params);
    const existing = await definition(csi, id);
    if (existing?.props?.[PROP_COMPLETED]) {
      const info = await csi.volumes.get(id);
      if (info) {
        checkSame(req, existing, info, params, fsType, source);
        return { volume: csiVolume(info, existing, { volume_context: volumeContext, content_source: req.volume_content_source ?? null }) };
      }
    }

    await ensureGroup(csi, params);
    const plan = await placementPlan(csi, params, req);
    const props: Record<string, string> = {};
    if (fsType) props[FS_TYPE_PROP] = fsType;
    if (fsType && params.fsOpts) props[MKFS_PARAMS_PROP] = params.fsOpts;
    if (source) props[PROP_SOURCE] = source.key;
    const spec: VolumeSpec = { name: id, size_kib: kib, resource_group: params.resourceGroup, placement: plan.spawn, props };
    if (source) spec.source = { volume: source.volume, ...(source.snapshot ? { snapshot: source.snapshot } : {}) };
    csi.log.info({ volume: id, name: req.name, size_kib: kib, resource_group: params.resourceGroup, policy: params.placementPolicy, placement: plan.spawn, source: source?.key }, 'creating volume');
    try {
      await csi.volumes.create(spec);
    } catch (err) {
      // The only "unsupported" of a create: a size the source does not fit into.
      if (isVolumeOpsError(err, 'unsupported')) throw outOfRange(err.message);
      throw err;
    }
    if (plan.topUp) await topUp(csi, id, plan.topUp);
    for (const node of params.clientList) await csi.volumes.attach(id, node);
    await csi.client.resourceDefinitions.modify(id, { override_props: { [PROP_COMPLETED]: COMPLETED_VALUE } });

    const info = await csi.volumes.get(id);
    if (!info) throw notFound(`Volume '${id}' disappeared right after it was created.`);
    return { volume: csiVolume(info, await definition(csi, id), { volume_context: volumeContext, content_source: req.volume_content_source ?? null }) };
  });
}

/** What NodePublishVolume needs later, as linstor-csi passes it on. */
function contextOf(params: VolumeParameters): Record<string, string> {
  return { [VOLUME_CONTEXT_MARKER]: 'true', [VOLUME_CONTEXT_MOUNT_OPTIONS]: params.mountOpts ?? '' };
}

/** ALREADY_EXISTS unless the existing volume is what the request asks for. */
function checkSame(req: CreateVolumeRequest, rd: ResourceDefinition, info: VolumeInfo, params: VolumeParameters, fsType: string | undefined, source: Source | undefined): void {
  const what = `Volume '${info.name}' (for name '${req.name}') already exists`;
  if (!fitsRange(info.size_kib, req.capacity_range)) {
    throw alreadyExists(`${what} with ${info.size_kib * 1024} bytes, outside the requested capacity range.`);
  }
  const hasFs = fsTypeOfVolume(rd);
  if (hasFs && fsType && hasFs !== fsType) throw alreadyExists(`${what} with file system ${hasFs}, not ${fsType}.`);
  if (!same(rd.resource_group_name, params.resourceGroup)) {
    throw alreadyExists(`${what} in resource group '${rd.resource_group_name ?? ''}', not '${params.resourceGroup}'.`);
  }
  const had = rd.props?.[PROP_SOURCE];
  if ((source?.key ?? '') !== (had ?? '')) {
    throw alreadyExists(`${what} with content ${had ? `from ${had}` : 'of its own'}, not ${source ? `from ${source.key}` : 'empty'}.`);
  }
}

async function resolveSource(csi: Csi, src: VolumeContentSource | null | undefined): Promise<Source | undefined> {
  const type = src?.type ?? (src?.snapshot ? 'snapshot' : src?.volume ? 'volume' : undefined);
  if (type === 'snapshot') {
    const id = src?.snapshot?.snapshot_id ?? '';
    if (id === '') throw invalidArgument('CreateVolume: volume_content_source.snapshot has no snapshot_id.');
    const parsed = parseSnapshotId(id);
    if (!parsed) throw notFound(`CreateVolume: snapshot '${id}' not found (not a snapshot id of this plugin).`);
    const found = (await csi.volumes.listSnapshots(parsed.volume))
      .find((s) => same(s.name, parsed.snapshot) && (parsed.volume === undefined || same(s.volume, parsed.volume)));
    if (!found) throw notFound(`CreateVolume: snapshot '${id}' not found.`);
    const size = found.size_kib ?? (await csi.volumes.get(found.volume))?.size_kib ?? 0;
    return { key: `snapshot:${snapshotId(found.volume, found.name)}`, volume: found.volume, snapshot: found.name, size_kib: size };
  }
  if (type === 'volume') {
    const id = src?.volume?.volume_id ?? '';
    if (id === '') throw invalidArgument('CreateVolume: volume_content_source.volume has no volume_id.');
    const info = await csi.volumes.get(id);
    if (!info) throw notFound(`CreateVolume: source volume '${id}' not found.`);
    return { key: `volume:${info.name}`, volume: info.name, size_kib: info.size_kib };
  }
  return undefined;
}

/**
 * Creates the resource group if missing (a derived `sc-` group with the parameters' placement) and
 * adds the parameters' properties to it. Like linstor-csi, a property the group already has with
 * another value is not changed: the request is refused instead.
 */
async function ensureGroup(csi: Csi, params: VolumeParameters): Promise<void> {
  await csi.volumes.ensureResourceGroup(params.resourceGroup, params.generatedGroup ? groupPlacement(params) : undefined, params.properties);
  const wanted = Object.entries(params.properties);
  if (wanted.length === 0) return;
  const rg = await csi.client.resourceGroups.get(params.resourceGroup);
  const missing: Record<string, string> = {};
  for (const [k, v] of wanted) {
    const has = rg.props?.[k];
    if (has === undefined) missing[k] = v;
    else if (has !== v) {
      throw invalidArgument(`Resource group '${params.resourceGroup}' has ${k}=${has}, the parameters ask for ${v}; ` +
        'existing properties are not changed: use another resourceGroup, or change the group itself.');
    }
  }
  if (Object.keys(missing).length) await csi.client.resourceGroups.modify(params.resourceGroup, { override_props: missing });
}

interface Plan {
  spawn: Placement;
  /** A second autoplace to this many replicas, with this filter. */
  topUp?: Placement & { place_count: number };
}

async function placementPlan(csi: Csi, params: VolumeParameters, req: CreateVolumeRequest): Promise<Plan> {
  const base = groupPlacement(params);
  if (params.placementPolicy === 'Manual') return { spawn: { ...base, node_name_list: params.nodeList, place_count: params.nodeList.length } };
  if (params.placementPolicy === 'AutoPlace' || params.placementPolicy === 'Balanced') return { spawn: base };
  const { preferred, requisite } = await requirementNodes(csi.client, req.accessibility_requirements, csi.config.topology_prefix);
  if (preferred.length === 0 && requisite.length === 0) return { spawn: base };
  const count = base.place_count ?? (await csi.client.resourceGroups.get(params.resourceGroup)).select_filter?.place_count;
  if (count === undefined) return { spawn: requisite.length ? { ...base, node_name_list: requisite } : base };
  if (params.placementPolicy === 'FollowTopology') {
    const first = (preferred.length ? preferred : requisite).slice(0, count);
    const spawn = { ...base, node_name_list: first, place_count: first.length };
    return first.length < count ? { spawn, topUp: { ...base, place_count: count } } : { spawn };
  }
  // AutoPlaceTopology
  if (preferred.length) {
    const spawn = { ...base, node_name_list: [preferred[0]], place_count: 1 };
    const within = requisite.length ? { node_name_list: requisite } : {};
    return count > 1 ? { spawn, topUp: { ...base, ...within, place_count: count } } : { spawn };
  }
  return { spawn: { ...base, node_name_list: requisite, place_count: Math.min(count, requisite.length) } };
}

/** Places the remaining replicas (skipped when a retry finds them placed already). */
async function topUp(csi: Csi, id: string, filter: Placement & { place_count: number }): Promise<void> {
  const info = await csi.volumes.get(id);
  const diskful = info?.replicas.filter((r) => !r.diskless).length ?? 0;
  if (diskful >= filter.place_count) return;
  const selectFilter = Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0)));
  await csi.client.resources.autoplace(id, { select_filter: selectFilter });
}
