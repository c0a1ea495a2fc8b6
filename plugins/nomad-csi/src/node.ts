/**
 * The Node service: mounts on this machine. No staging (like linstor-csi): NodePublishVolume mounts the
 * device the controller side made available straight at the target path.
 *
 * - file system: the satellite formatted the volume once (FileSystem/Type); publish mounts it with the
 *   volume's mount options, the capability's mount flags, `ro` for read-only access and `nouuid` for
 *   xfs (a restored snapshot carries its source's UUID), then grows it to the device (a volume grown
 *   while it was not mounted);
 * - block: the device node is bind-mounted onto a file at the target path.
 * Every call is idempotent: a target that is already mounted from the same device with the same
 * read-only-ness is success, anything else there is ALREADY_EXISTS.
 */
import { constants } from 'node:fs';
import { lstat, mkdir, open, realpath, rmdir, stat, statfs, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { accessTypeOf, checkCapabilities, isReadOnlyMode } from './capabilities.js';
import { alreadyExists, failedPrecondition, notFound, required } from './errors.js';
import { bindDevice, deviceBytes, findMount, fsTypeOnDevice, growFs, mountFs, unmount } from './mounter.js';
import type { Handlers, NodePublishVolumeRequest, VolumeCapability } from './proto.js';
import { type Csi, PUBLISH_DEVICE, PUBLISH_FS_TYPE, VOLUME_CONTEXT_MOUNT_OPTIONS } from './shared.js';
import { nodeTopology } from './topology.js';

/** How long publish waits for the satellite's mkfs to show on a fresh device. */
const FS_WAIT_MS = 30_000;
const FS_POLL_MS = 500;

const exists = (path: string): Promise<boolean> => lstat(path).then(() => true, (err: NodeJS.ErrnoException) => {
  if (err.code === 'ENOENT') return false;
  throw err;
});

async function sameDevice(a: string, b: string): Promise<boolean> {
  const [x, y] = await Promise.all([stat(a), stat(b)]);
  return x.rdev !== 0 && x.rdev === y.rdev;
}

export function nodeHandlers(csi: Csi): Handlers {
  const { runner } = csi;

  /** The device of the volume on this node: from the publish context, else asked from the controller. */
  async function devicePath(req: NodePublishVolumeRequest): Promise<string> {
    const fromContext = req.publish_context?.[PUBLISH_DEVICE];
    if (fromContext) return fromContext;
    const info = await csi.volumes.get(req.volume_id);
    if (!info) throw notFound(`NodePublishVolume: volume '${req.volume_id}' not found.`);
    const here = info.replicas.find((r) => r.node.toUpperCase() === csi.nodeName.toUpperCase());
    if (!here?.device_path) {
      throw notFound(`NodePublishVolume: volume '${info.name}' has no device on node '${csi.nodeName}'; ControllerPublishVolume it to this node first.`);
    }
    return here.device_path;
  }

  async function waitForFs(device: string): Promise<string | undefined> {
    const until = Date.now() + FS_WAIT_MS;
    for (;;) {
      const type = await fsTypeOnDevice(runner, device);
      if (type || Date.now() >= until) return type;
      await new Promise((r) => setTimeout(r, FS_POLL_MS));
    }
  }

  async function publishBlock(device: string, target: string, ro: boolean): Promise<void> {
    const mounted = await findMount(runner, target);
    if (mounted) {
      if (!(await sameDevice(target, device))) throw alreadyExists(`NodePublishVolume: ${target} has another device mounted (${mounted.source}).`);
      if (mounted.options.includes('ro') !== ro) throw alreadyExists(`NodePublishVolume: ${target} is published ${ro ? 'read-write' : 'read-only'} already.`);
      return;
    }
    await mkdir(dirname(target), { recursive: true });
    // The bind target of a device node is a file.
    await (await open(target, constants.O_CREAT | constants.O_WRONLY, 0o600)).close();
    await bindDevice(runner, device, target, ro);
  }

  async function publishMount(req: NodePublishVolumeRequest, cap: VolumeCapability, device: string, ro: boolean): Promise<void> {
    const target = req.target_path;
    const mounted = await findMount(runner, target);
    if (mounted) {
      const [have, want] = await Promise.all([realpath(mounted.source).catch(() => mounted.source), realpath(device)]);
      if (have !== want) throw alreadyExists(`NodePublishVolume: ${target} has another device mounted (${mounted.source}).`);
      if (mounted.options.includes('ro') !== ro) throw alreadyExists(`NodePublishVolume: ${target} is mounted ${ro ? 'read-write' : 'read-only'} already.`);
      return;
    }
    const found = await waitForFs(device);
    if (!found) {
      throw failedPrecondition(`NodePublishVolume: ${device} of volume '${req.volume_id}' has no file system. Volumes get one when they are ` +
        'created with a mount capability (FileSystem/Type); a volume created for block access can only be published as a block volume.');
    }
    const wanted = cap.mount?.fs_type || req.publish_context?.[PUBLISH_FS_TYPE] || found;
    if (wanted !== found) {
      throw failedPrecondition(`NodePublishVolume: volume '${req.volume_id}' holds a ${found} file system, not ${wanted}.`);
    }
    const fromContext = (req.volume_context?.[VOLUME_CONTEXT_MOUNT_OPTIONS] ?? '').split(',').filter((o) => o !== '');
    const options = [...new Set([...fromContext, ...(cap.mount?.mount_flags ?? []), ...(ro ? ['ro'] : []), ...(found === 'xfs' ? ['nouuid'] : [])])];
    await mkdir(target, { recursive: true });
    await mountFs(runner, device, target, found, options);
    csi.log.info({ volume: req.volume_id, device, target, fs: found, options }, 'volume mounted');
    if (!ro) {
      // A volume grown while it was not mounted: its file system catches up now.
      await growFs(runner, found, device, target).catch((err: unknown) =>
        csi.log.warn({ err, volume: req.volume_id, target }, 'could not grow the file system after mounting; NodeExpandVolume will retry'));
    }
  }

  return {
    async NodePublishVolume(req: NodePublishVolumeRequest) {
      required('NodePublishVolume', 'volume_id', req.volume_id);
      required('NodePublishVolume', 'target_path', req.target_path);
      required('NodePublishVolume', 'volume_capability', req.volume_capability);
      const cap = req.volume_capability!;
      checkCapabilities('NodePublishVolume', [cap]);
      return csi.locks.run(`node ${req.volume_id}`, `volume '${req.volume_id}' on this node`, async () => {
        const device = await devicePath(req);
        if (!(await exists(device))) throw notFound(`NodePublishVolume: device ${device} of volume '${req.volume_id}' does not exist on this node.`);
        const ro = !!req.readonly || isReadOnlyMode(cap.access_mode?.mode);
        if (accessTypeOf(cap) === 'block') await publishBlock(device, req.target_path, ro);
        else await publishMount(req, cap, device, ro);
        return {};
      });
    },

    async NodeUnpublishVolume(req: { volume_id: string; target_path: string }) {
      required('NodeUnpublishVolume', 'volume_id', req.volume_id);
      required('NodeUnpublishVolume', 'target_path', req.target_path);
      return csi.locks.run(`node ${req.volume_id}`, `volume '${req.volume_id}' on this node`, async () => {
        if (!(await exists(req.target_path))) return {};
        // Stacked mounts (a publish retried by hand) all go.
        for (let i = 0; i < 8 && (await findMount(runner, req.target_path)); i++) await unmount(runner, req.target_path);
        const st = await lstat(req.target_path);
        if (st.isDirectory()) await rmdir(req.target_path);
        else await unlink(req.target_path);
        return {};
      });
    },

    async NodeGetVolumeStats(req: { volume_id: string; volume_path: string }) {
      required('NodeGetVolumeStats', 'volume_id', req.volume_id);
      required('NodeGetVolumeStats', 'volume_path', req.volume_path);
      if (!(await exists(req.volume_path))) throw notFound(`NodeGetVolumeStats: ${req.volume_path} does not exist.`);
      if (!(await findMount(runner, req.volume_path))) throw notFound(`NodeGetVolumeStats: nothing is mounted at ${req.volume_path}.`);
      const st = await stat(req.volume_path);
      if (st.isBlockDevice()) {
        return { usage: [{ unit: 'BYTES', total: String(await deviceBytes(runner, req.volume_path)), available: '0', used: '0' }] };
      }
      const fs = await statfs(req.volume_path);
      return {
        usage: [
          { unit: 'BYTES', total: String(fs.blocks * fs.bsize), available: String(fs.bavail * fs.bsize), used: String((fs.blocks - fs.bfree) * fs.bsize) },
          { unit: 'INODES', total: String(fs.files), available: String(fs.ffree), used: String(fs.files - fs.ffree) },
        ],
      };
    },

    async NodeExpandVolume(req: { volume_id: string; volume_path: string; volume_capability?: VolumeCapability | null }) {
      required('NodeExpandVolume', 'volume_id', req.volume_id);
      required('NodeExpandVolume', 'volume_path', req.volume_path);
      return csi.locks.run(`node ${req.volume_id}`, `volume '${req.volume_id}' on this node`, async () => {
        if (!(await exists(req.volume_path))) throw notFound(`NodeExpandVolume: ${req.volume_path} does not exist.`);
        const mounted = await findMount(runner, req.volume_path);
        if (!mounted) throw notFound(`NodeExpandVolume: nothing is mounted at ${req.volume_path}.`);
        if ((await stat(req.volume_path)).isBlockDevice()) {
          // A raw device is as large as the volume once the controller grew it.
          return { capacity_bytes: String(await deviceBytes(runner, req.volume_path)) };
        }
        await growFs(runner, mounted.fstype, mounted.source, req.volume_path);
        csi.log.info({ volume: req.volume_id, device: mounted.source, path: req.volume_path }, 'file system grown');
        return { capacity_bytes: String(await deviceBytes(runner, mounted.source)) };
      });
    },

    async NodeGetCapabilities() {
      return { capabilities: ['GET_VOLUME_STATS', 'EXPAND_VOLUME'].map((type) => ({ rpc: { type } })) };
    },

    async NodeGetInfo() {
      return {
        node_id: csi.nodeName,
        // DRBD's limit of volumes per node, which linstor-csi reports too.
        max_volumes_per_node: '1048576',
        accessible_topology: await nodeTopology(csi.client, csi.nodeName, csi.config.topology_prefix),
      };
    },
  };
}
