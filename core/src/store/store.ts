/**
 * The Store: durable home of the desired state. The controller loads everything once at start and
 * afterwards only writes, through `transaction`, which commits all puts and deletes atomically and
 * durably before returning. Nothing outside core/src/store touches a database.
 */
import type { Kind, RecordKinds } from './records.js';

export interface StoreTx {
  put<K extends Kind>(kind: K, key: string, value: RecordKinds[K]): void;
  delete(kind: Kind, key: string): void;
}

export interface StoredObject {
  kind: Kind;
  key: string;
  value: unknown;
}

/** The JSON document written by `storhub database export` and read by `import`. */
export interface ExportDocument {
  format: 'storhub-database';
  format_version: 1;
  schema_version: number;
  exported_at: string;
  objects: StoredObject[];
}

export interface Store {
  readonly schemaVersion: number;
  /** Every stored object, for the one load at controller start. */
  loadAll(): StoredObject[];
  /** Runs fn and commits what it wrote as one durable transaction; throws and writes nothing on error. */
  transaction(fn: (tx: StoreTx) => void): void;
  export(): ExportDocument;
  /** Replaces the whole content with the document's (refuses an unknown format version). */
  import(doc: ExportDocument): void;
  close(): void;
}
