/**
 * /v1/view/resources and /v1/view/snapshots: cluster-wide lists, answered from memory.
 *
 * /v1/view/resources is the hottest path of the API (every `r list`, every Proxmox status poll), so:
 * filters run on the records before any view is built, pagination happens before building too, and
 * one ResourceViews per request caches what resources of the same definition share. It never waits
 * on a satellite and never touches the database.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ResourceWithVolumes, Snapshot } from '../../model/resource.js';
import type { ResourceRecord, SnapshotRecord } from '../../store/records.js';
import type { ApiDeps } from '../context.js';
import { list, nameFilter, paginate, propsFilter } from '../query.js';
import { JsonText, route } from '../route.js';
import { ResourceViews } from '../views/resource.js';
import { snapshotView } from '../views/snapshot.js';

const tags = ['views'];

/**
 * Orders records by (parent name, own name). The graph tables are keyed "PARENT/CHILD", which sorts
 * differently when one parent name is a prefix of another followed by '-' ('-' < '/'), so the order
 * is computed once per table version (the tables hand out the same array until they change).
 */
function pairOrder<T>(get: (t: T) => [string, string]) {
  const cache = new WeakMap<readonly T[], T[]>();
  return (values: readonly T[]): T[] => {
    let sorted = cache.get(values);
    if (!sorted) {
      const keyed = values.map((v) => {
        const [a, b] = get(v);
        return { v, a: a.toUpperCase(), b: b.toUpperCase() };
      });
      keyed.sort((x, y) => (x.a < y.a ? -1 : x.a > y.a ? 1 : x.b < y.b ? -1 : x.b > y.b ? 1 : 0));
      sorted = keyed.map((k) => k.v);
      cache.set(values, sorted);
    }
    return sorted;
  };
}

const resourceOrder = pairOrder<ResourceRecord>((r) => [r.name, r.node_name]);
const snapshotOrder = pairOrder<SnapshotRecord>((s) => [s.resource_name, s.name]);

export function viewRoutes(app: FastifyInstance, { controller: c }: ApiDeps): void {
  route(app, 'GET', '/v1/view/resources', {
    summary: 'List resources with their volumes (filters: nodes, resources, storage_pools, props)', tags,
    reply: z.array(ResourceWithVolumes), operationId: 'viewResources',
  }, ({ query }) => {
    const g = c.graph;
    const wantedRds = list(query, 'resources');
    // A resource filter names few definitions: read just those instead of scanning every resource.
    const candidates = wantedRds.length
      ? [...new Set(wantedRds.map((n) => n.toUpperCase()))].sort().flatMap((rd) => g.resourcesOf(rd))
      : resourceOrder(g.resources.values());
    const byNode = nameFilter(query, 'nodes');
    const byProps = propsFilter(query);
    const pools = new Set(list(query, 'storage_pools').map((p) => p.toUpperCase()));
    const matches = candidates.filter((r) =>
      byNode(r.node_name) &&
      byProps(r.props) &&
      (pools.size === 0 || r.volumes.some((v) => pools.has(v.storage_pool_name.toUpperCase()))));
    const views = new ResourceViews(c);
    // Views carry no bigint, so plain JSON text per resource is exact; joining it skips re-serializing.
    return new JsonText(`[${paginate(matches, query).map((r) => views.withVolumesJson(r)).join(',')}]`);
  });

  route(app, 'GET', '/v1/view/snapshots', {
    summary: 'List snapshots (filters: nodes, resources)', tags, reply: z.array(Snapshot), operationId: 'viewSnapshots',
  }, ({ query }) => {
    const byRd = nameFilter(query, 'resources');
    const nodes = new Set(list(query, 'nodes').map((n) => n.toUpperCase()));
    const matches = snapshotOrder(c.graph.snapshots.values()).filter((s) =>
      byRd(s.resource_name) && (nodes.size === 0 || s.nodes.some((n) => nodes.has(n.toUpperCase()))));
    return paginate(matches, query).map(snapshotView);
  });
}
