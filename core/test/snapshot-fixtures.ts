/**
 * Snapshot test fixtures: a controller whose satellites all look ONLINE (with resources that can be
 * marked in use), nodes n1 and n2 with FILE_THIN pools and n3 with a thick LVM pool too, and `res`
 * (one 1 MiB volume, STORAGE only) on n1 and n2 plus a diskless replica on n3.
 */
import type { ResourceRuntime } from '../src/controller/runtime.js';
import type { ObservedResource } from '../src/satellite/protocol.js';
import { foldChange } from '../src/controller/satellites/snapshot-sync.js';
import { makeApi, makeController, type TestApi } from './helpers.js';
import { FakeRuntime } from './placement-fixtures.js';
import { addNode, addRd, ok } from './resource-fixtures.js';

export const R = '/v1/resource-definitions';

/** FakeRuntime whose resources can be reported in use. */
export class SnapRuntime extends FakeRuntime {
  readonly inUse = new Set<string>();
  override resource(rd?: string, node?: string): ResourceRuntime {
    return this.inUse.has(`${rd}/${node}`.toUpperCase()) ? { in_use: true } : {};
  }
}

export interface SnapApi extends TestApi {
  runtime: SnapRuntime;
}

export async function snapshotCluster(): Promise<SnapApi> {
  const runtime = new SnapRuntime();
  const api = await makeApi(makeController(':memory:', runtime));
  await addNode(api, 'n1');
  await addNode(api, 'n2');
  await addNode(api, 'n3', [['DfltStorPool', 'FILE_THIN'], ['thick', 'LVM']]);
  await addRd(api, 'res', { layers: ['STORAGE'], sizes: [1024] });
  await ok(api, 'POST', `${R}/res/resources`, [
    { resource: { node_name: 'n1' } },
    { resource: { node_name: 'n2' } },
    { resource: { node_name: 'n3', flags: ['DISKLESS'] } },
  ]);
  return Object.assign(api, { runtime });
}

/** What a satellite would report about `rd` on `node`: its volumes present, plus `extra`. */
export function observed(api: TestApi, rd: string, node: string, extra: Partial<ObservedResource> = {}): ObservedResource {
  const r = api.controller.graph.resource(rd, node)!;
  return {
    name: r.name,
    volumes: r.volumes.map((v) => ({ volume_number: v.volume_number, device_path: `/dev/x/${r.name}_${v.volume_number}`, layers: [] })),
    reports: [],
    ...extra,
  };
}

/** Folds a report into the records, as the satellite manager does. */
export function fold(api: TestApi, node: string, o: ObservedResource): void {
  const change = foldChange(api.controller.graph, node, o);
  if (!change.isEmpty) api.controller.commit(change);
}

/** Both nodes of `res` report the snapshot created: it becomes SUCCESSFUL. */
export function reportCreated(api: TestApi, rd: string, snaps: string[], nodes = ['n1', 'n2']): void {
  for (const n of nodes) {
    fold(api, n, observed(api, rd, n, { snapshots: snaps.map((name) => ({ name, created: true, volumes: [], reports: [] })) }));
  }
}
