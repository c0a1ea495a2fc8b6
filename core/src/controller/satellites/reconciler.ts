/**
 * Turns commits into pushes: every commit names the records it wrote (kind + store key); this maps
 * them to the nodes whose desired state may have changed and asks their connectors to push.
 *
 *   resource rd/node      -> that node and every node with a resource of rd (their DRBD peers changed)
 *   resource definition   -> every node with a resource of it
 *   resource connection   -> its two nodes          node connection -> its two nodes
 *   node                  -> the node and the nodes sharing a resource with it (its address is theirs too)
 *   storage pool          -> its node and the nodes sharing a resource with it (PrefNic may sit on a pool)
 *   pool definition, resource group, controller -> every node
 *   snapshot              -> every node with a resource of its definition
 *   external file         -> every node with a resource of a definition it is attached to
 *                            (attaching/detaching is a resource-definition write)
 *
 * The listener runs inside the committing request, so it only collects node keys; the pushes start
 * on the next turn of the event loop (setImmediate), coalesced across all commits until then.
 */
import type { Write } from '../change.js';
import type { Graph } from '../graph.js';
import { key } from '../graph.js';
import { attachmentKey } from '../../model/external-file.js';

export interface ReconcilerTarget {
  /** Upper-cased keys of every node with a connector. */
  nodeKeys(): Iterable<string>;
  /** A node record was written or deleted: create, restart or stop its connector. */
  nodeChanged(nodeKey: string): void;
  /** Push the desired state of these nodes. */
  push(nodeKeys: ReadonlySet<string>): void;
}

export class Reconciler {
  private pending = new Set<string>();
  private all = false;
  private immediate: NodeJS.Immediate | undefined;

  constructor(private readonly graph: Graph, private readonly target: ReconcilerTarget) {}

  /** The commit listener. */
  readonly onCommit = (writes: readonly Readonly<Write>[]): void => {
    for (const w of writes) this.collect(w.kind, w.key);
    if ((this.all || this.pending.size > 0) && !this.immediate) {
      this.immediate = setImmediate(() => this.flush());
    }
  };

  /** Pushes now whatever is pending (also used by tests). */
  flush(): void {
    if (this.immediate) clearImmediate(this.immediate);
    this.immediate = undefined;
    const nodes = this.all ? new Set(this.target.nodeKeys()) : this.pending;
    this.pending = new Set();
    this.all = false;
    if (nodes.size > 0) this.target.push(nodes);
  }

  /** Drops pending pushes and the scheduled flush (on stop). */
  cancel(): void {
    if (this.immediate) clearImmediate(this.immediate);
    this.immediate = undefined;
    this.pending = new Set();
    this.all = false;
  }

  private collect(kind: Write['kind'], k: string): void {
    switch (kind) {
      case 'rsc': {
        const [rd, node] = k.split('/');
        this.pending.add(node);
        this.addNodesOf(rd);
        return;
      }
      case 'rd':
        this.addNodesOf(k);
        return;
      case 'rsc_conn': {
        const [, a, b] = k.split('/');
        this.pending.add(a).add(b);
        return;
      }
      case 'node_conn': {
        const [a, b] = k.split('/');
        this.pending.add(a).add(b);
        return;
      }
      case 'node':
        this.target.nodeChanged(k);
        this.addNodeAndPeers(k);
        return;
      case 'sp':
        this.addNodeAndPeers(k.split('/')[0]);
        return;
      case 'spd':
      case 'rg':
      case 'ctrl':
        this.all = true;
        return;
      case 'ext_file': {
        // The key is the path. A deleted file was detached in the same commit (rd writes above).
        const attached = attachmentKey(k);
        for (const rd of this.graph.resourceDefinitions.values()) {
          if (attached in rd.props) this.addNodesOf(key.rd(rd.name));
        }
        return;
      }
      case 'snapshot':
        // "RD/SNAP": the snapshots each resource of the definition keeps are part of its desired state.
        this.addNodesOf(k.split('/')[0]);
        return;
      default:
        // Key-value stores, error reports: nothing a satellite holds.
        return;
    }
  }

  private addNodesOf(rdKey: string): void {
    for (const r of this.graph.resourcesOf(rdKey)) this.pending.add(key.node(r.node_name));
  }

  private addNodeAndPeers(nodeKey: string): void {
    this.pending.add(nodeKey);
    for (const r of this.graph.resourcesOn(nodeKey)) this.addNodesOf(key.rd(r.name));
  }
}
