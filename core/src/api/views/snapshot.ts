/**
 * Snapshot records -> LINSTOR's Snapshot wire shape (contract §2.8). The definition's flags carry
 * SUCCESSFUL once every node reported its copy created (CSI and the CLI wait for it); `snapshots`
 * lists the copy of every node with its own uuid, flags (DELETE while being removed) and volumes.
 */
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
  if (s.resource_definition_props && Object.keys(s.resource_definition_props).length) out.resource_definition_props = s.resource_definition_props;
  if (s.flags.length) out.flags = s.flags;
  if (s.volume_definitions.length) {
    out.volume_definitions = s.volume_definitions.map((vd) => ({ volume_number: vd.volume_number, size_kib: vd.size_kib }));
  }
  out.uuid = s.uuid;
  if (s.node_snapshots?.length) {
    out.snapshots = s.node_snapshots.map((e) => {
      const perNode: Record<string, unknown> = { snapshot_name: s.name, node_name: e.node_name, create_timestamp: e.create_timestamp };
      if (e.flags.length) perNode.flags = e.flags;
      perNode.uuid = e.uuid;
      if (s.volume_definitions.length) {
        perNode.snapshot_volumes = s.volume_definitions.map((vd) => {
          const v = e.volumes.find((x) => x.volume_number === vd.volume_number);
          return { ...(v ? { uuid: v.uuid } : {}), vlm_nr: vd.volume_number };
        });
      }
      return perNode;
    });
  } else if (s.nodes.length) {
    out.snapshots = s.nodes.map((node) => {
      const perNode: Record<string, unknown> = { snapshot_name: s.name, node_name: node, create_timestamp: s.create_timestamp };
      if (s.volume_definitions.length) perNode.snapshot_volumes = s.volume_definitions.map((vd) => ({ vlm_nr: vd.volume_number }));
      return perNode;
    });
  }
  return out as Snapshot;
}
