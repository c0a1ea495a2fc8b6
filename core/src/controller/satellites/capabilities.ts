/**
 * Refuses to place a layer or storage provider on a node whose satellite reported it cannot run it.
 * A node that never connected has unknown capabilities and is not refused: the satellite reports a
 * problem on the resource once it connects, and refusing would block setting up a cluster before its
 * satellites run.
 */
import type { Controller } from '../controller.js';
import type { LayerKind, ProviderKind } from '../../model/enums.js';
import { StorhubError } from '../../model/errors.js';

/** What makes a layer available on a node, for the error's correction. */
const LAYER_FIX: Partial<Record<LayerKind, string>> = {
  DRBD: 'install the DRBD 9 kernel module and drbd-utils and load the module (modprobe drbd)',
  LUKS: 'install cryptsetup and load dm-crypt (modprobe dm_crypt)',
  NVME: 'install nvme-cli and load the NVMe-oF modules (modprobe nvmet nvme-tcp; configfs mounted)',
  WRITECACHE: 'install dmsetup (lvm2) and load dm-writecache (modprobe dm_writecache)',
  CACHE: 'install dmsetup (lvm2) and load dm-cache (modprobe dm_cache)',
  BCACHE: 'install bcache-tools and load the bcache module (modprobe bcache)',
};

const PROVIDER_FIX: Partial<Record<ProviderKind, string>> = {
  LVM: 'install lvm2',
  LVM_THIN: 'install lvm2 and thin-provisioning-tools and load dm-thin-pool',
  ZFS: 'install zfsutils-linux and load the zfs module',
  ZFS_THIN: 'install zfsutils-linux and load the zfs module',
  FILE: 'install util-linux (losetup) and make loop devices available (modprobe loop)',
  FILE_THIN: 'install util-linux (losetup) and make loop devices available (modprobe loop)',
};

/** Throws FAIL_STLT_DOES_NOT_SUPPORT_LAYER for the first layer of `layers` the node lacks. */
export function checkLayersSupported(c: Controller, nodeName: string, rdName: string, layers: readonly LayerKind[]): void {
  const rt = c.runtime.node(nodeName);
  if (!rt.resource_layers) return;
  for (const layer of layers) {
    if (rt.resource_layers.includes(layer)) continue;
    const reasons = rt.unsupported_layers?.[layer] ?? [];
    const others = layers.filter((l) => l !== layer).map((l) => l.toLowerCase());
    const without = others.length ? others.join(',') : 'storage';
    throw new StorhubError('FAIL_STLT_DOES_NOT_SUPPORT_LAYER',
      `Node '${nodeName}' does not support the ${layer} layer that resource '${rdName}' needs.`, {
        cause: reasons.length
          ? `The satellite on '${nodeName}' reported: ${reasons.join('; ')}.`
          : `The satellite on '${nodeName}' supports only the layers ${rt.resource_layers.join(', ')}.`,
        correction: `Create the resource without ${layer} (--layer-list ${without}), or ${LAYER_FIX[layer] ?? `make ${layer} available`} ` +
          `on '${nodeName}' and reconnect the node (node reconnect ${nodeName}).`,
        objRefs: { RscDfn: rdName, Node: nodeName },
      });
  }
}

/** Throws FAIL_STLT_DOES_NOT_SUPPORT_PROVIDER when the pool's provider is not available on the node. */
export function checkProviderSupported(c: Controller, nodeName: string, rdName: string, pool: string, kind: ProviderKind): void {
  const rt = c.runtime.node(nodeName);
  if (!rt.storage_providers || rt.storage_providers.includes(kind)) return;
  const reasons = rt.unsupported_providers?.[kind] ?? [];
  throw new StorhubError('FAIL_STLT_DOES_NOT_SUPPORT_PROVIDER',
    `Node '${nodeName}' does not support the storage provider ${kind} of storage pool '${pool}', where resource '${rdName}' would be placed.`, {
      cause: reasons.length
        ? `The satellite on '${nodeName}' reported: ${reasons.join('; ')}.`
        : `The satellite on '${nodeName}' supports only the providers ${rt.storage_providers.join(', ')}.`,
      correction: `Use a storage pool of another provider (property StorPoolName, or --storage-pool), or ${PROVIDER_FIX[kind] ?? `make ${kind} available`} ` +
        `on '${nodeName}' and reconnect the node (node reconnect ${nodeName}).`,
      objRefs: { RscDfn: rdName, Node: nodeName, StorPoolName: pool },
    });
}
