/** Snapshot records -> LINSTOR's Snapshot wire shape (contract §2.8). */
import type { Snapshot } from '../../model/resource.js';
import type { SnapshotRecord } from '../../store/records.js';

export function snapshotView(s: SnapshotRecord): Snapshot {
  const out: Record<string, unknown> = { name: s.name, resource_name: s.resource_name };
  if (s.nodes.length) out.nodes = s.nodes;
  // `props` is the older name of the snapshot definition's props; LINSTOR fills both.
  if (Object.keys(s.props).length) {
    out.props = s.props;
    out.snapshot_definition_props = s.props;
  }
  if (s.flags.length) out.flags = s.flags;
  if (s.volume_definitions.length) {
    out.volume_definitions = s.volume_definitions.map((vd) => ({ volume_number: vd.volume_number, size_kib: vd.size_kib }));
  }
  out.uuid = s.uuid;
  if (s.nodes.length) {
    out.snapshots = s.nodes.map((node) => {
      const perNode: Record<string, unknown> = { snapshot_name: s.name, node_name: node, create_timestamp: s.create_timestamp };
      if (s.volume_definitions.length) perNode.snapshot_volumes = s.volume_definitions.map((vd) => ({ vlm_nr: vd.volume_number }));
      return perNode;
    });
  }
  return out as Snapshot;
}
