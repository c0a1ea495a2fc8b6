/**
 * SQLite store (better-sqlite3): WAL journal, synchronous=FULL so a commit survives power loss, one
 * table of JSON records. Each API mutation is one SQLite transaction, so a crash between two calls
 * can never leave half an object behind.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { StorhubError } from '../model/errors.js';
import { KINDS, type Kind } from './records.js';
import type { ExportDocument, Store, StoredObject, StoreTx } from './store.js';
import { MIGRATIONS } from './migrations.js';

export interface SqliteStoreOptions {
  /** File path, or ':memory:' for tests. */
  path: string;
  /** 'full' (default) survives power loss; 'normal' only process crashes. */
  synchronous?: 'full' | 'normal';
}

export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private readonly putStmt: Database.Statement;
  private readonly delStmt: Database.Statement;

  constructor(opts: SqliteStoreOptions) {
    if (opts.path !== ':memory:') mkdirSync(dirname(opts.path), { recursive: true });
    this.db = new Database(opts.path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${opts.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
    this.db.pragma('foreign_keys = ON');
    this.migrate();
    this.putStmt = this.db.prepare('INSERT OR REPLACE INTO objects(kind, key, data) VALUES (?, ?, ?)');
    this.delStmt = this.db.prepare('DELETE FROM objects WHERE kind = ? AND key = ?');
  }

  get schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  private migrate(): void {
    const current = this.schemaVersion;
    if (current > MIGRATIONS.length) {
      throw new StorhubError(
        'FAIL_SQL',
        `The database has schema version ${current}, newer than this Storhub knows (${MIGRATIONS.length}).`,
        { correction: 'Run a Storhub version at least as new as the one that last wrote this database.' },
      );
    }
    for (let v = current; v < MIGRATIONS.length; v++) {
      this.db.transaction(() => {
        MIGRATIONS[v](this.db);
        this.db.pragma(`user_version = ${v + 1}`);
      })();
    }
  }

  loadAll(): StoredObject[] {
    const rows = this.db.prepare('SELECT kind, key, data FROM objects').all() as { kind: Kind; key: string; data: string }[];
    return rows.map((r) => ({ kind: r.kind, key: r.key, value: JSON.parse(r.data) }));
  }

  transaction(fn: (tx: StoreTx) => void): void {
    const tx: StoreTx = {
      put: (kind, key, value) => void this.putStmt.run(kind, key, JSON.stringify(value)),
      delete: (kind, key) => void this.delStmt.run(kind, key),
    };
    this.db.transaction(() => fn(tx))();
  }

  export(): ExportDocument {
    return {
      format: 'storhub-database',
      format_version: 1,
      schema_version: this.schemaVersion,
      exported_at: new Date().toISOString(),
      objects: this.loadAll(),
    };
  }

  import(doc: ExportDocument): void {
    if (doc?.format !== 'storhub-database' || doc.format_version !== 1 || !Array.isArray(doc.objects)) {
      throw new StorhubError('FAIL_INVLD_REQUEST', 'Not a Storhub database export (format_version 1 expected).');
    }
    for (const o of doc.objects) {
      if (!KINDS.includes(o.kind) || typeof o.key !== 'string') {
        throw new StorhubError('FAIL_INVLD_REQUEST', `The export holds an unknown object kind '${String(o.kind)}'.`);
      }
    }
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM objects').run();
      for (const o of doc.objects) this.putStmt.run(o.kind, o.key, JSON.stringify(o.value));
    })();
  }

  close(): void {
    this.db.close();
  }
}
