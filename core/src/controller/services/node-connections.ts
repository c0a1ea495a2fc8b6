/**
 * Node connections: properties for the link between two nodes (DRBD net options, `Paths/` for
 * dedicated networks). A connection exists once someone sets a property on it; modifying a missing
 * one creates it, as LINSTOR does.
 */
import type { ApiCallRc } from '../../model/apicallrc.js';
import { StorhubError } from '../../model/errors.js';
import { nameKey } from '../../model/names.js';
import type { NodeConnectionModify } from '../../model/controller.js';
import type { NodeConnectionRecord, NodeRecord } from '../../store/records.js';
import { applyPropsModify } from '../../props/modify.js';
import { Change } from '../change.js';
import type { Controller } from '../controller.js';
import { key } from '../graph.js';
import { rc } from '../responses.js';
import { propsAnswers } from './props-answer.js';

const what = (a: string, b: string) => `node connection between nodes '${a}' and '${b}'`;
const refs = (a: string, b: string) => ({ SourceNode: a, TargetNode: b });

export class NodeConnectionService {
  constructor(private readonly c: Controller) {}

  /** Connections touching `nodeA` (if given) and `nodeB` (if given), sorted by node pair. */
  list(nodeA?: string, nodeB?: string): NodeConnectionRecord[] {
    const touches = (nc: NodeConnectionRecord, n: string | undefined) =>
      n === undefined || nameKey(nc.node_a) === nameKey(n) || nameKey(nc.node_b) === nameKey(n);
    return this.c.graph.nodeConnections.values().filter((nc) => touches(nc, nodeA) && touches(nc, nodeB));
  }

  get(nodeA: string, nodeB: string): NodeConnectionRecord {
    const [a, b] = this.nodes(nodeA, nodeB);
    const nc = this.c.graph.nodeConnections.get(key.nodeConn(a.name, b.name));
    if (!nc) {
      throw new StorhubError('FAIL_NOT_FOUND_NODE_CONN', `Node connection between nodes '${a.name}' and '${b.name}' not found.`, {
        correction: `Set a property on it to create it (node-connection set-property ${a.name} ${b.name} <key> <value>).`,
        objRefs: refs(a.name, b.name),
      });
    }
    return nc;
  }

  modify(nodeA: string, nodeB: string, body: NodeConnectionModify): ApiCallRc[] {
    const [a, b] = this.nodes(nodeA, nodeB);
    const k = key.nodeConn(a.name, b.name);
    const old = this.c.graph.nodeConnections.get(k);
    const result = applyPropsModify('NODE_CONN', old?.props ?? {}, body);
    const nc: NodeConnectionRecord = old
      ? { ...old, props: result.props }
      : { node_a: a.name, node_b: b.name, props: result.props, uuid: this.c.newUuid() };
    if (!old || result.changed) this.c.commit(new Change().put('node_conn', k, nc));
    return [...propsAnswers('NODE_CONN', body, refs(nc.node_a, nc.node_b)), rc.modified('NODE_CONN', what(nc.node_a, nc.node_b), refs(nc.node_a, nc.node_b), nc.uuid)];
  }

  private nodes(nodeA: string, nodeB: string): [NodeRecord, NodeRecord] {
    const found = [nodeA, nodeB].map((n) => {
      const node = this.c.graph.node(n);
      if (!node) {
        throw new StorhubError('FAIL_NOT_FOUND_NODE', `Node '${n}' not found.`, {
          correction: 'A node connection needs two registered nodes.',
          objRefs: { Node: n },
        });
      }
      return node;
    }) as [NodeRecord, NodeRecord];
    if (nameKey(found[0].name) === nameKey(found[1].name)) {
      throw new StorhubError('FAIL_INVLD_REQUEST', `A node connection needs two different nodes, not '${found[0].name}' twice.`, {
        correction: 'Name two different nodes.',
      });
    }
    return found;
  }
}
