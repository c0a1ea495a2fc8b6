/**
 * A Change collects the writes of one request. `commit` makes them durable in one store transaction
 * and only then applies them to the graph, so a failed commit leaves both untouched and nothing is
 * acknowledged before it is on disk.
 */
import type { Kind, RecordKinds } from '../store/records.js';
import type { Store } from '../store/store.js';
import type { Graph } from './graph.js';

/** One write of a change; `value` null is a delete. Commit listeners get these. */
export interface Write {
  kind: Kind;
  key: string;
  value: unknown | null;
}

export class Change {
  private readonly writes: Write[] = [];

  put<K extends Kind>(kind: K, key: string, value: RecordKinds[K]): this {
    this.writes.push({ kind, key, value });
    return this;
  }

  delete(kind: Kind, key: string): this {
    this.writes.push({ kind, key, value: null });
    return this;
  }

  get isEmpty(): boolean {
    return this.writes.length === 0;
  }

  /** The writes in order (read-only; for commit listeners). */
  get written(): readonly Readonly<Write>[] {
    return this.writes;
  }

  commit(store: Store, graph: Graph): void {
    if (this.writes.length === 0) return;
    store.transaction((tx) => {
      for (const w of this.writes) {
        if (w.value === null) tx.delete(w.kind, w.key);
        else tx.put(w.kind, w.key, w.value as RecordKinds[Kind]);
      }
    });
    for (const w of this.writes) graph.apply(w.kind, w.key, w.value as RecordKinds[Kind] | null);
  }
}
