/**
 * CreateSnapshot, DeleteSnapshot, ListSnapshots. A CSI snapshot name is unique across the plugin,
 * LINSTOR's only per volume: a name taken by a snapshot of another volume is ALREADY_EXISTS. The
 * snapshot id carries the volume (naming.ts), so delete and restore need no search; legacy ids (the
 * bare name) are looked up among all snapshots.
 */
import type { SnapshotInfo } from '@storhub/core/plugin';
import { alreadyExists, notFound, required } from './errors.js';
import { parseSnapshotId, snapshotId, snapshotNameFor } from './naming.js';
import type { Handlers, ListRequest, Snapshot } from './proto.js';
import { type Csi, page } from './shared.js';

const same = (a: string, b: string): boolean => a.toUpperCase() === b.toUpperCase();

function toCsi(s: SnapshotInfo, fallbackKib: number): Snapshot {
  return {
    snapshot_id: snapshotId(s.volume, s.name),
    source_volume_id: s.volume,
    size_bytes: String((s.size_kib ?? fallbackKib) * 1024),
    creation_time: { seconds: String(Math.floor(s.created / 1000)), nanos: (s.created % 1000) * 1_000_000 },
    ready_to_use: s.ready,
  };
}

/** The snapshot an id names, or undefined (unknown ids are not an error for delete and list). */
async function lookup(csi: Csi, id: string): Promise<SnapshotInfo | undefined> {
  const parsed = parseSnapshotId(id);
  if (!parsed) return undefined;
  const list = await csi.volumes.listSnapshots(parsed.volume);
  return list.find((s) => same(s.name, parsed.snapshot) && (parsed.volume === undefined || same(s.volume, parsed.volume)));
}

export function snapshotHandlers(csi: Csi): Handlers {
  return {
    async CreateSnapshot(req: { source_volume_id: string; name: string }) {
      required('CreateSnapshot', 'source_volume_id', req.source_volume_id);
      required('CreateSnapshot', 'name', req.name);
      const name = snapshotNameFor(req.name);
      return csi.locks.run(`snapshot ${name}`, `snapshot '${name}'`, async () => {
        const taken = (await csi.volumes.listSnapshots()).find((s) => same(s.name, name));
        if (taken && !same(taken.volume, req.source_volume_id)) {
          throw alreadyExists(`CreateSnapshot: the name '${req.name}' is used by snapshot '${taken.name}' of volume '${taken.volume}' already.`);
        }
        const source = await csi.volumes.get(req.source_volume_id);
        if (!source) throw notFound(`CreateSnapshot: source volume '${req.source_volume_id}' not found.`);
        if (!taken?.ready) {
          csi.log.info({ volume: source.name, snapshot: name }, 'taking snapshot');
          // Also for one that exists but is not ready yet: snapshot() then waits for it.
          await csi.volumes.snapshot(source.name, name);
        }
        const made = (await csi.volumes.listSnapshots(source.name)).find((s) => same(s.name, name));
        if (!made) throw notFound(`CreateSnapshot: snapshot '${name}' of volume '${source.name}' disappeared right after it was taken.`);
        return { snapshot: toCsi(made, source.size_kib) };
      });
    },

    async DeleteSnapshot(req: { snapshot_id: string }) {
      required('DeleteSnapshot', 'snapshot_id', req.snapshot_id);
      const found = await lookup(csi, req.snapshot_id);
      if (!found) return {}; // gone already: success
      return csi.locks.run(`snapshot ${found.name}`, `snapshot '${found.name}'`, async () => {
        csi.log.info({ volume: found.volume, snapshot: found.name }, 'deleting snapshot');
        await csi.volumes.deleteSnapshot(found.volume, found.name);
        return {};
      });
    },

    async ListSnapshots(req: ListRequest & { snapshot_id?: string; source_volume_id?: string }) {
      let list: SnapshotInfo[];
      if (req.snapshot_id) {
        const one = await lookup(csi, req.snapshot_id);
        list = one && (!req.source_volume_id || same(one.volume, req.source_volume_id)) ? [one] : [];
      } else if (req.source_volume_id) {
        list = (await csi.volumes.listSnapshots(req.source_volume_id)).filter((s) => same(s.volume, req.source_volume_id!));
      } else {
        list = await csi.volumes.listSnapshots();
      }
      const sizes = new Map<string, number>();
      for (const s of list) {
        if (s.size_kib === undefined && !sizes.has(s.volume)) sizes.set(s.volume, (await csi.volumes.get(s.volume))?.size_kib ?? 0);
      }
      const { entries, next_token } = page(list, (s) => `${s.volume}/${s.name}`, req.max_entries, req.starting_token);
      return { entries: entries.map((s) => ({ snapshot: toCsi(s, sizes.get(s.volume) ?? 0) })), next_token };
    },
  };
}
