/**
 * Schema migrations, applied in order; the index + 1 is the schema version (SQLite user_version).
 * Append only: a released migration never changes.
 */
import type Database from 'better-sqlite3';

export const MIGRATIONS: ReadonlyArray<(db: Database.Database) => void> = [
  // 1: one table of JSON records keyed by kind and upper-cased name path
  (db) => {
    db.exec(`CREATE TABLE objects (
      kind TEXT NOT NULL,
      key  TEXT NOT NULL,
      data TEXT NOT NULL,
      PRIMARY KEY (kind, key)
    ) WITHOUT ROWID`);
  },
];
