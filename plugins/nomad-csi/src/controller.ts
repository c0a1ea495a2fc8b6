/**
 * The Controller service (besides CreateVolume, create.ts, and the snapshot RPCs, snapshots.ts).
 *
 * Publish = make the volume usable on the node (VolumeOps.attach: a diskless replica where the layers
 * allow it) and remember the node in a property of the volume (Aux/csi-published/<node> = rw|ro); that
 * record answers "published where, how" for the access-mode checks, ControllerGetVolume and
 * ListVolumes. Unpublish releases what publish added and forgets the node.
 */
import { isVolumeOpsError } from '@storhub/core/plugin';
import { capabilityProblem, checkCapabilities, fitsRange, isReadOnlyMode, isSingleNodeMode, sizeKibFor } from './capabilities.js';
import { alreadyExists, failedPrecondition, invalidArgument, notFound, outOfRange, required } from './errors.js';
import { parseParameters, type VolumeParameters } from './params.js';
import type { CapacityRange, ControllerPublishVolumeRequest, Handlers, ListRequest, VolumeCapability } from './proto.js';
import {
  type Csi, conditionOf, csiVolume, definition, fsTypeOfVolume, page, PROP_COMPLETED, publishedEntry, publishedKey, publishedOn,
  PUBLISH_DEVICE, PUBLISH_FS_TYPE, PUBLISH_MARKER,
} from './shared.js';
import { createVolume } from './create.js';
import { snapshotHandlers } from './snapshots.js';
import { topologyNodes } from './topology.js';

const CONTROLLER_CAPABILITIES = [
  'CREATE_DELETE_VOLUME', 'PUBLISH_UNPUBLISH_VOLUME', 'LIST_VOLUMES', 'GET_CAPACITY', 'CREATE_DELETE_SNAPSHOT', 'LIST_SNAPSHOTS',
  'CLONE_VOLUME', 'EXPAND_VOLUME', 'LIST_VOLUMES_PUBLISHED_NODES', 'VOLUME_CONDITION', 'GET_VOLUME', 'SINGLE_NODE_MULTI_WRITER',
];

async function getOrNotFound(csi: Csi, rpc: string, id: string) {
  const info = await csi.volumes.get(id);
  if (!info) throw notFound(`${rpc}: volume '${id}' not found.`);
  return info;
}

export function controllerHandlers(csi: Csi): Handlers {
  return {
    CreateVolume: (req) => createVolume(csi, req),

    async DeleteVolume(req: { volume_id: string }) {
      required('DeleteVolume', 'volume_id', req.volume_id);
      return csi.locks.run(req.volume_id, `volume '${req.volume_id}'`, async () => {
        const info = await csi.volumes.get(req.volume_id);
        if (!info) return {}; // deleted already: success, as the spec wants
        const snaps = await csi.volumes.listSnapshots(info.name);
        if (snaps.length) {
          throw failedPrecondition(`Volume '${info.name}' has snapshots (${snaps.map((s) => s.name).join(', ')}); ` +
            'snapshots are not independent of their volume here: delete them first (DeleteSnapshot).');
        }
        const published = [...publishedOn(info.props).keys()];
        if (published.length) {
          throw failedPrecondition(`Volume '${info.name}' is still published on ${published.join(', ')}; unpublish it first (ControllerUnpublishVolume).`);
        }
        const inUse = await stillInUse(csi, info.name);
        if (inUse.length) {
          throw failedPrecondition(`Volume '${info.name}' is in use on ${inUse.join(', ')} (opened or mounted there); ` +
            'unmount it there (NodeUnpublishVolume) and delete it again.');
        }
        csi.log.info({ volume: info.name }, 'deleting volume');
        await csi.volumes.delete(info.name);
        return {};
      });
    },

    async ControllerPublishVolume(req: ControllerPublishVolumeRequest) {
      required('ControllerPublishVolume', 'volume_id', req.volume_id);
      required('ControllerPublishVolume', 'node_id', req.node_id);
      required('ControllerPublishVolume', 'volume_capability', req.volume_capability);
      checkCapabilities('ControllerPublishVolume', [req.volume_capability!]);
      return csi.locks.run(req.volume_id, `volume '${req.volume_id}'`, async () => {
        const rd = await definition(csi, req.volume_id);
        if (!rd) throw notFound(`ControllerPublishVolume: volume '${req.volume_id}' not found.`);
        const node = (await csi.client.nodes.list({ nodes: [req.node_id] })).find((n) => n.name.toUpperCase() === req.node_id.toUpperCase());
        if (!node) throw notFound(`ControllerPublishVolume: node '${req.node_id}' is not known to the Storhub controller.`);
        const mode = req.volume_capability!.access_mode?.mode;
        const access = req.readonly || isReadOnlyMode(mode) ? 'ro' : 'rw';
        const published = publishedOn(rd.props);
        const mine = publishedEntry(published, node.name);
        if (mine && mine[1] !== access) {
          throw alreadyExists(`Volume '${rd.name}' is published on node '${node.name}' ${mine[1] === 'ro' ? 'read-only' : 'read-write'} already; unpublish it there first.`);
        }
        const others = [...published.entries()].filter(([n]) => n.toUpperCase() !== node.name.toUpperCase());
        if (others.length && (isSingleNodeMode(mode) || access === 'rw' || others.some(([, a]) => a === 'rw'))) {
          throw failedPrecondition(`Volume '${rd.name}' is published on ${others.map(([n, a]) => `${n} (${a})`).join(', ')}; ` +
            `${access === 'rw' ? 'a writer needs it on one node only' : 'it is written there'}: unpublish it there first.`);
        }
        const device = await csi.volumes.attach(rd.name, node.name);
        if (!mine) await csi.client.resourceDefinitions.modify(rd.name, { override_props: { [publishedKey(node.name)]: access } });
        const context: Record<string, string> = { [PUBLISH_MARKER]: 'true', [PUBLISH_DEVICE]: device };
        const fs = fsTypeOfVolume(rd);
        if (fs) context[PUBLISH_FS_TYPE] = fs;
        return { publish_context: context };
      });
    },

    async ControllerUnpublishVolume(req: { volume_id: string; node_id?: string }) {
      required('ControllerUnpublishVolume', 'volume_id', req.volume_id);
      return csi.locks.run(req.volume_id, `volume '${req.volume_id}'`, async () => {
        const rd = await definition(csi, req.volume_id);
        if (!rd) return {}; // nothing left to unpublish
        const published = publishedOn(rd.props);
        // No node_id: from every node (spec).
        const nodes = req.node_id ? [publishedEntry(published, req.node_id)?.[0] ?? req.node_id] : [...published.keys()];
        for (const node of nodes) {
          await csi.volumes.release(rd.name, node);
          if (publishedEntry(published, node)) await csi.client.resourceDefinitions.modify(rd.name, { delete_props: [publishedKey(node)] });
        }
        return {};
      });
    },

    async ValidateVolumeCapabilities(req: { volume_id: string; volume_capabilities?: VolumeCapability[]; volume_context?: object; parameters?: object; mutable_parameters?: object }) {
      required('ValidateVolumeCapabilities', 'volume_id', req.volume_id);
      required('ValidateVolumeCapabilities', 'volume_capabilities', req.volume_capabilities);
      const rd = await definition(csi, req.volume_id);
      if (!rd) throw notFound(`ValidateVolumeCapabilities: volume '${req.volume_id}' not found.`);
      const fs = fsTypeOfVolume(rd);
      for (const cap of req.volume_capabilities!) {
        let problem = capabilityProblem(cap);
        const wantFs = cap.mount?.fs_type;
        if (!problem && fs && wantFs && wantFs !== fs) problem = `the volume has file system ${fs}, not ${wantFs}`;
        if (problem) return { confirmed: null, message: `Volume '${rd.name}': ${problem}.` };
      }
      return {
        confirmed: {
          volume_context: req.volume_context ?? {}, volume_capabilities: req.volume_capabilities,
          parameters: req.parameters ?? {}, mutable_parameters: req.mutable_parameters ?? {},
        },
        message: '',
      };
    },

    async ListVolumes(req: ListRequest) {
      // Only volumes this driver (or linstor-csi) provisioned: the cluster's other volumes are not Nomad's.
      const all = (await csi.volumes.list()).filter((v) => v.props[PROP_COMPLETED]?.startsWith('linstor-csi'));
      const { entries, next_token } = page(all, (v) => v.name, req.max_entries, req.starting_token);
      return {
        entries: entries.map((v) => ({
          volume: csiVolume(v, undefined, { accessible_topology: [] }),
          status: { published_node_ids: [...publishedOn(v.props).keys()], volume_condition: conditionOf(v) },
        })),
        next_token,
      };
    },

    async ControllerGetVolume(req: { volume_id: string }) {
      required('ControllerGetVolume', 'volume_id', req.volume_id);
      const info = await getOrNotFound(csi, 'ControllerGetVolume', req.volume_id);
      const rd = await definition(csi, req.volume_id);
      return {
        volume: csiVolume(info, rd),
        status: { published_node_ids: [...publishedOn(info.props).keys()], volume_condition: conditionOf(info) },
      };
    },

    async ControllerExpandVolume(req: { volume_id: string; capacity_range?: CapacityRange | null; volume_capability?: VolumeCapability | null }) {
      required('ControllerExpandVolume', 'volume_id', req.volume_id);
      required('ControllerExpandVolume', 'capacity_range', req.capacity_range);
      return csi.locks.run(req.volume_id, `volume '${req.volume_id}'`, async () => {
        const info = await getOrNotFound(csi, 'ControllerExpandVolume', req.volume_id);
        const kib = sizeKibFor(req.capacity_range, info.size_kib);
        if (kib < info.size_kib && !fitsRange(info.size_kib, req.capacity_range)) {
          throw outOfRange(`ControllerExpandVolume: volume '${info.name}' has ${info.size_kib * 1024} bytes already; volumes do not shrink.`);
        }
        if (kib > info.size_kib) {
          csi.log.info({ volume: info.name, from_kib: info.size_kib, to_kib: kib }, 'growing volume');
          try {
            await csi.volumes.resize(info.name, kib);
          } catch (err) {
            if (isVolumeOpsError(err, 'not_found')) throw notFound(err.message);
            throw err;
          }
        }
        const block = req.volume_capability?.access_type === 'block' || (!!req.volume_capability?.block && !req.volume_capability?.mount);
        return { capacity_bytes: String(Math.max(kib, info.size_kib) * 1024), node_expansion_required: !block };
      });
    },

    async GetCapacity(req: { parameters?: Record<string, string>; accessible_topology?: { segments: Record<string, string> } | null }) {
      let params: VolumeParameters;
      try {
        params = parseParameters(req.parameters ?? {}, csi.config.default_parameters, csi.config.topology_prefix);
      } catch (err) {
        throw invalidArgument(`GetCapacity: ${(err as Error).message}.`);
      }
      const nodes = await topologyNodes(csi.client, req.accessible_topology, csi.config.topology_prefix);
      if (nodes === undefined) {
        try {
          const space = await csi.volumes.space(params.resourceGroup);
          return { available_capacity: String(space.max_volume_kib * 1024), maximum_volume_size: { value: String(space.max_volume_kib * 1024) } };
        } catch (err) {
          // A derived group that no volume has created yet: count the pools instead.
          if (!isVolumeOpsError(err, 'not_found')) throw err;
        }
      }
      return { available_capacity: String((await freeKib(csi, nodes, params.storagePools)) * 1024) };
    },

    async ControllerGetCapabilities() {
      return { capabilities: CONTROLLER_CAPABILITIES.map((type) => ({ rpc: { type } })) };
    },

    ...snapshotHandlers(csi),
  };
}

/** How long DeleteVolume waits for a replica to stop being in use (linstor-csi polls too). */
const IN_USE_WAIT_MS = 15_000;
const IN_USE_POLL_MS = 500;

/**
 * The nodes where the volume is still in use, after waiting a little: a satellite reports "in use"
 * with its next state report, so right after an unmount the controller may still show the old state.
 */
async function stillInUse(csi: Csi, name: string): Promise<string[]> {
  const until = Date.now() + IN_USE_WAIT_MS;
  for (;;) {
    const info = await csi.volumes.get(name);
    const nodes = (info?.replicas ?? []).filter((r) => r.in_use).map((r) => r.node);
    if (nodes.length === 0 || Date.now() >= until) return nodes;
    await new Promise((r) => setTimeout(r, IN_USE_POLL_MS));
  }
}

/** Free space of the pools with a disk on `nodes` (all nodes when undefined), limited to `pools` if given. */
async function freeKib(csi: Csi, nodes: string[] | undefined, pools: string[]): Promise<number> {
  const wantedNodes = nodes?.map((n) => n.toUpperCase());
  const wantedPools = pools.map((p) => p.toUpperCase());
  const list = await csi.client.storagePools.list(nodes ? { nodes } : {});
  return list
    .filter((p) => p.provider_kind !== 'DISKLESS')
    .filter((p) => !wantedNodes || wantedNodes.includes((p.node_name ?? '').toUpperCase()))
    .filter((p) => wantedPools.length === 0 || wantedPools.includes(p.storage_pool_name.toUpperCase()))
    .reduce((sum, p) => sum + Number(p.free_capacity ?? 0), 0);
}
