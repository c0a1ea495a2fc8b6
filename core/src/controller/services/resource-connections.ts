/**
 * Resource connections: per-resource-definition properties of the link between two of its
 * resources (DRBD net options for that pair, e.g. allow-two-primaries for live migration).
 * A connection exists once properties were set on it; it goes away with either resource.
 */
import type { ApiCallRc } from '../../model/apicallrc.js';
import { StorhubError } from '../../model/errors.js';
import type { ResourceConnectionModify } from '../../model/resource.js';
import type { ResourceConnectionRecord, ResourceRecord } from '../../store/records.js';
import { applyPropsModify } from '../../props/modify.js';
import { Change } from '../change.js';
import type { Controller } from '../controller.js';
import { key } from '../graph.js';
import { rc } from '../responses.js';
import { ResourceService } from './resources.js';

const what = (rd: string, a: string, b: string) => `resource connection between nodes '${a}' and '${b}' for resource '${rd}'`;
const refs = (rd: string, a: string, b: string) => ({ RscDfn: rd, SourceNode: a, TargetNode: b });

export class ResourceConnectionService {
  private readonly resources: ResourceService;

  constructor(private readonly c: Controller) {
    this.resources = new ResourceService(c);
  }

  /** The connections of a resource definition, sorted by node pair. */
  list(rdName: string): ResourceConnectionRecord[] {
    const rd = this.resources.definition(rdName);
    const prefix = key.rd(rd.name) + '/';
    return this.c.graph.resourceConnections.values().filter((conn) => key.rd(conn.resource_name) + '/' === prefix);
  }

  get(rdName: string, nodeA: string, nodeB: string): ResourceConnectionRecord {
    const [a, b] = this.pair(rdName, nodeA, nodeB);
    const conn = this.c.graph.resourceConnections.get(key.rscConn(a.name, a.node_name, b.node_name));
    if (!conn) {
      throw new StorhubError('FAIL_NOT_FOUND_RSC_CONN', `Resource connection between '${a.node_name}' and '${b.node_name}' not found.`, {
        objRefs: refs(a.name, a.node_name, b.node_name),
      });
    }
    return conn;
  }

  /** Sets properties on the connection, creating it when it does not exist yet. */
  modify(rdName: string, nodeA: string, nodeB: string, body: ResourceConnectionModify): ApiCallRc[] {
    const [a, b] = this.pair(rdName, nodeA, nodeB);
    const k = key.rscConn(a.name, a.node_name, b.node_name);
    const old = this.c.graph.resourceConnections.get(k);
    const result = applyPropsModify('RSC_CONN', old?.props ?? {}, body);
    const conn: ResourceConnectionRecord = old
      ? { ...old, props: result.props }
      : { resource_name: a.name, node_a: a.node_name, node_b: b.node_name, props: result.props, flags: [], uuid: this.c.newUuid() };
    this.c.commit(new Change().put('rsc_conn', k, conn));
    return [rc.modified('RSC_CONN', what(conn.resource_name, conn.node_a, conn.node_b),
      refs(conn.resource_name, conn.node_a, conn.node_b), conn.uuid)];
  }

  /** Both resources, or a 404 naming the missing one. */
  private pair(rdName: string, nodeA: string, nodeB: string): [ResourceRecord, ResourceRecord] {
    if (key.node(nodeA) === key.node(nodeB)) {
      throw new StorhubError('FAIL_INVLD_REQUEST', `A resource connection needs two different nodes, got '${nodeA}' twice.`, {
        correction: 'Name the two nodes whose resources the connection links.',
      });
    }
    return [this.resources.get(rdName, nodeA), this.resources.get(rdName, nodeB)];
  }
}
