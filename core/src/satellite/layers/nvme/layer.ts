/**
 * The NVME layer (NVMe-oF, TCP by default): a resource is either the TARGET (it has the data; the
 * device of the layer below is exported through nvmet configfs) or, with the NVME_INITIATOR flag,
 * an INITIATOR (no local data; `nvme connect` to the target makes /dev/nvmeXnY appear).
 *
 * Transport and port come from NVMe/TRType (default tcp — LINSTOR defaults to rdma; Storhub's
 * supported setup is NVMe/TCP) and NVMe/Port (default 4420); the target's address from
 * Internal/NVMe/TargetAddress, which the controller sets from the target node's interface.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunOptions } from '../../../exec/runner.js';
import type { DesiredResource, ObservedLayerVolume } from '../../protocol.js';
import { SatelliteError } from '../../reports.js';
import type { Layer, LayerContext, LayerVolumes } from '../layer.js';
import {
  NVME, NVME_DEFAULT_PORT, PROP_PORT, PROP_TARGET_ADDRESS, PROP_TRTYPE, connectArgs, disconnectArgs, listArgs, namespaceId, subsystemNqn,
} from './commands.js';
import { Nvmet, type NvmetOptions } from './configfs.js';
import { namespaceDevice, parseNvmeList } from './parse.js';
import { readIfExists } from '../../read-if-exists.js';

export const NVME_INITIATOR_FLAG = 'NVME_INITIATOR';
export const FABRICS_CTL_ROOT = '/sys/class/nvme-fabrics/ctl';

export interface NvmeLayerOptions {
  nvme?: string;
  /** nvmet configfs (default /sys/kernel/config/nvmet) and how to delete its directories. */
  nvmet?: NvmetOptions;
  /** Where nvme-fabrics controllers appear (default /sys/class/nvme-fabrics/ctl). */
  fabricsCtlRoot?: string;
  /** Host NQN the initiator presents (default: nvme-cli's own). */
  hostNqn?: string;
  /** How long to wait for namespaces to appear after `nvme connect` (default 10 s). */
  waitMs?: number;
  pollMs?: number;
  timeoutMs?: number;
}

export function isInitiator(resource: DesiredResource): boolean {
  return resource.flags.some((f) => f.toUpperCase() === NVME_INITIATOR_FLAG);
}

interface Transport {
  transport: string;
  address: string;
  port: number;
}

function transportOf(ctx: LayerContext, resource: DesiredResource): Transport {
  const props = { ...ctx.node_props, ...resource.props };
  const address = props[PROP_TARGET_ADDRESS];
  if (!address) {
    throw new SatelliteError(`Resource '${resource.name}' has an NVME layer but no target address`, {
      cause: `The controller did not set ${PROP_TARGET_ADDRESS} for this resource.`,
      correction: 'Place the NVMe target (a diskful resource with the NVME layer) on a node with a reachable net interface; the controller then sends its address.',
    });
  }
  const port = props[PROP_PORT] ? Number(props[PROP_PORT]) : NVME_DEFAULT_PORT;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new SatelliteError(`${PROP_PORT} of resource '${resource.name}' is '${props[PROP_PORT]}', not a TCP port`, {
      correction: `Set ${PROP_PORT} to a number from 1 to 65535, or delete it for the default ${NVME_DEFAULT_PORT}.`,
    });
  }
  return { transport: (props[PROP_TRTYPE] ?? 'tcp').toLowerCase(), address, port };
}

/** nvme-fabrics controllers connected to `nqn`: name (nvme3) -> namespace entries. */
async function controllersOf(ctlRoot: string, nqn: string): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  let ctls: string[];
  try {
    ctls = await readdir(ctlRoot);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return out;
    throw err;
  }
  for (const ctl of ctls.sort()) {
    const subsys = (await readIfExists(join(ctlRoot, ctl, 'subsysnqn')))?.trim();
    if (subsys === nqn) out.set(ctl, await readdir(join(ctlRoot, ctl)));
  }
  return out;
}

/** NSID of a namespace directory (its `nsid` attribute). */
async function nsidOf(ctlRoot: string, ctl: string, entry: string): Promise<number | undefined> {
  const text = await readIfExists(join(ctlRoot, ctl, entry, 'nsid'));
  return text === undefined ? undefined : Number(text.trim());
}


export function createNvmeLayer(opts: NvmeLayerOptions = {}): Layer {
  const bin = opts.nvme ?? NVME;
  const nvmet = new Nvmet(opts.nvmet);
  const ctlRoot = opts.fabricsCtlRoot ?? FABRICS_CTL_ROOT;
  const waitMs = opts.waitMs ?? 10_000;
  const pollMs = opts.pollMs ?? 200;
  const run = (ctx: LayerContext, args: string[], more: RunOptions = {}) => ctx.runner.run(bin, args, { timeoutMs: opts.timeoutMs ?? 60_000, ...more });

  async function applyTarget(ctx: LayerContext, resource: DesiredResource, lower: LayerVolumes): Promise<LayerVolumes> {
    const t = transportOf(ctx, resource);
    const out: LayerVolumes = new Map();
    const namespaces = [];
    for (const vol of resource.volumes) {
      const chain = lower.get(vol.volume_number) ?? [];
      const below = chain[0];
      if (!below?.device_path) {
        throw new SatelliteError(`Volume ${vol.volume_number} of NVMe target '${resource.name}' has no local device to export`, {
          correction: 'An NVMe target needs a diskful storage pool; use the NVME_INITIATOR flag for nodes without the data.',
        });
      }
      namespaces.push({ nsid: namespaceId(vol.volume_number), device: below.device_path });
      // The target keeps using its local device; the layer's own view is that device, exported.
      const view: ObservedLayerVolume = {
        layer: 'NVME', device_path: below.device_path, backing_device: below.device_path,
        allocated_size_kib: below.allocated_size_kib, usable_size_kib: below.usable_size_kib, disk_state: below.disk_state,
      };
      out.set(vol.volume_number, [view, ...chain]);
    }
    const nqn = subsystemNqn(resource.name);
    const { portId } = await nvmet.export(nqn, namespaces, t);
    ctx.log.info({ nqn, port: portId, address: t.address, transport: t.transport }, 'NVMe-oF target exported');
    return out;
  }

  async function applyInitiator(ctx: LayerContext, resource: DesiredResource, lower: LayerVolumes): Promise<LayerVolumes> {
    const nqn = subsystemNqn(resource.name);
    let ctls = await controllersOf(ctlRoot, nqn);
    if (ctls.size === 0) {
      const t = transportOf(ctx, resource);
      await run(ctx, connectArgs({ ...t, nqn, hostNqn: opts.hostNqn }));
      ctx.log.info({ nqn, address: t.address }, 'nvme connect');
    }
    const want = resource.volumes.map((v) => namespaceId(v.volume_number));
    const devices = new Map<number, string>();
    for (let waited = 0; ; waited += pollMs) {
      ctls = await controllersOf(ctlRoot, nqn);
      devices.clear();
      for (const [ctl, entries] of ctls) {
        for (const entry of entries) {
          const dev = namespaceDevice(ctl, entry);
          const nsid = dev ? await nsidOf(ctlRoot, ctl, entry) : undefined;
          if (dev && nsid !== undefined && !devices.has(nsid)) devices.set(nsid, dev);
        }
      }
      if (want.every((n) => devices.has(n)) || waited >= waitMs) break;
      await new Promise((r) => setTimeout(r, pollMs));
    }
    const missing = want.filter((n) => !devices.has(n));
    if (missing.length) {
      throw new SatelliteError(`NVMe namespaces ${missing.join(', ')} of '${nqn}' did not appear within ${waitMs} ms`, {
        correction: 'Check that the target node exports the resource (its NVMe target is deployed) and that the address and port are reachable.',
      });
    }
    const sizes = new Map(parseNvmeList((await run(ctx, listArgs())).stdout).map((d) => [d.devicePath, d.physicalSize]));
    const out: LayerVolumes = new Map();
    for (const vol of resource.volumes) {
      const dev = devices.get(namespaceId(vol.volume_number))!;
      const bytes = sizes.get(dev);
      const view: ObservedLayerVolume = {
        layer: 'NVME', device_path: dev, usable_size_kib: bytes === undefined ? undefined : Math.floor(bytes / 1024), disk_state: 'Diskless',
      };
      out.set(vol.volume_number, [view, ...(lower.get(vol.volume_number) ?? [])]);
    }
    return out;
  }

  return {
    kind: 'NVME',

    async apply(ctx, resource, next) {
      const lower = await next();
      return isInitiator(resource) ? applyInitiator(ctx, resource, lower) : applyTarget(ctx, resource, lower);
    },

    async remove(ctx, resource, next) {
      const nqn = subsystemNqn(resource.name);
      if (isInitiator(resource)) {
        if ((await controllersOf(ctlRoot, nqn)).size > 0) {
          await run(ctx, disconnectArgs(nqn));
          ctx.log.info({ nqn }, 'nvme disconnect');
        }
      } else {
        // Unexport before the device below goes away, or nvmet would hold it open.
        await nvmet.unexport(nqn);
      }
      await next();
    },
  };
}
