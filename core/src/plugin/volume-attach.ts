/**
 * attach / release: make a volume usable on one node and undo it, the way Proxmox, CSI and OpenNebula
 * do with make-available {diskful: false} and DELETE ...?keep_tiebreaker=true.
 *
 * A node without a replica gets a diskless one, which only DRBD (or NVMe) can provide: a STORAGE-only
 * volume there would be a second, empty device, so attach refuses with the nodes that do hold it.
 * Waiting ends when the satellite reports the device in a state a filesystem can be used on.
 */
import type { ResourceWithVolumes } from '../model/index.js';
import {
  type Check, type OpsContext, ignoreMissing, isDeleting, isDiskless, mapError, replicasIn, rscPath, same, volume0, waitUntil,
} from './volume-common.js';
import { VolumeOpsError } from './volume-ops.js';

/** Disk states a device can be used in whatever its peers do. */
const USABLE_ALONE = new Set(['UpToDate', 'SyncSource']);
/** Disk states that are usable while another replica is UpToDate (DRBD reads and writes through it). */
const USABLE_WITH_PEER = new Set(['Diskless', 'Inconsistent', 'SyncTarget']);

export async function attach(ctx: OpsContext, name: string, node: string, timeoutMs?: number): Promise<string> {
  const { client, log } = ctx;
  const rd = (await client.resourceDefinitions.list({ resource_definitions: [name] })).find((d) => same(d.name, name));
  if (!rd || isDeleting(rd.flags)) throw new VolumeOpsError('not_found', `Volume '${name}' not found.`);
  const all = replicasIn(await client.resources.view({ resources: [rd.name] }), rd.name);
  const mine = all.find((r) => same(r.node_name, node));

  if (!mine) {
    const layers = (rd.layer_data ?? []).map((l) => l.type);
    if (!layers.includes('DRBD') && !layers.includes('NVME')) {
      const holders = all.filter((r) => !isDiskless(r)).map((r) => r.node_name);
      throw new VolumeOpsError('unsupported',
        `Volume '${rd.name}' has no replica on node '${node}', and its layers (${layers.join(', ') || 'STORAGE'}) cannot attach it ` +
        `diskless (that needs DRBD or NVME). Use it on ${holders.length ? holders.join(', ') : 'a node that holds a replica'}, ` +
        'or create it with the DRBD layer.');
    }
  }
  if (!mine || (mine.flags ?? []).includes('TIE_BREAKER')) {
    try {
      // Also for a tie-breaker: make-available turns it into a wanted diskless replica.
      await client.resources.makeAvailable(rd.name, node, { diskful: false });
    } catch (err) {
      throw mapError(err, `Making volume '${rd.name}' available on node '${node}'`);
    }
    log?.debug({ volume: rd.name, node, had_replica: !!mine }, 'made available');
  }

  return waitUntil(ctx, `volume '${rd.name}' to be usable on node '${node}'`, async (): Promise<Check<string>> => {
    const now = replicasIn(await client.resources.view({ resources: [rd.name] }), rd.name);
    const here = now.find((r) => same(r.node_name, node));
    if (!here) return { done: false, why: `node '${node}' has no replica` };
    const v = volume0(here);
    const state = v?.state?.disk_state;
    if (!v?.device_path || state === undefined) return { done: false, why: `the satellite on '${node}' has not reported the device yet` };
    if (!usable(state, now.filter((r) => r !== here))) return { done: false, why: `the device ${v.device_path} is ${state}` };
    return { done: true, value: v.device_path };
  }, timeoutMs);
}

function usable(state: string, peers: readonly ResourceWithVolumes[]): boolean {
  if (USABLE_ALONE.has(state)) return true;
  return USABLE_WITH_PEER.has(state) && peers.some((p) => volume0(p)?.state?.disk_state === 'UpToDate');
}

/**
 * Removes the node's replica only when it is a plain diskless one (what attach adds). Diskful
 * replicas and tie-breakers stay; keep_tiebreaker lets the controller keep quorum where it needs one.
 * Resolves when the replica is gone, so an attach right after does not meet it half-deleted.
 */
export async function release(ctx: OpsContext, name: string, node: string): Promise<void> {
  const { client, log } = ctx;
  const mine = (await client.resources.view({ resources: [name], nodes: [node] }))
    .find((r) => same(r.name, name) && same(r.node_name, node));
  if (!mine || isDeleting(mine.flags)) return waitGone(ctx, name, node);
  if (!isDiskless(mine) || (mine.flags ?? []).includes('TIE_BREAKER')) return;
  try {
    await ignoreMissing(() => client.request('DELETE', rscPath(mine.name, mine.node_name), { query: { keep_tiebreaker: true } }));
  } catch (err) {
    throw mapError(err, `Releasing volume '${name}' on node '${node}'`);
  }
  log?.debug({ volume: name, node }, 'released the diskless replica');
  await waitGone(ctx, name, node);
}

/** Until the node's replica is gone or has become a tie-breaker. */
async function waitGone(ctx: OpsContext, name: string, node: string): Promise<void> {
  await waitUntil(ctx, `the replica of '${name}' on '${node}' to be removed`, async (): Promise<Check<void>> => {
    const r = (await ctx.client.resources.view({ resources: [name], nodes: [node] }))
      .find((x) => same(x.name, name) && same(x.node_name, node));
    if (!r || (r.flags ?? []).includes('TIE_BREAKER')) return { done: true, value: undefined };
    return { done: false, why: isDeleting(r.flags) ? 'the satellite has not confirmed the removal yet' : 'it is still there' };
  });
}
