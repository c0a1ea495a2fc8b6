/**
 * `storhub database export|import` implementation: works on the store file directly, without a
 * controller. Loaded only when a database command runs (SQLite and the config parser are heavy).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseJson, stringifyJson } from '../../model/json.js';
import { SqliteStore } from '../../store/sqlite.js';
import type { ExportDocument } from '../../store/store.js';
import { loadConfig } from '../../daemon/config.js';
import type { CliContext } from '../context.js';

export interface DbOptions { db?: string; config?: string }

export class OfflineError extends Error {
  override readonly name = 'OfflineError';
}

function databasePath(ctx: CliContext, o: DbOptions): string {
  const cfg = loadConfig({
    configPath: o.config,
    env: ctx.io.env,
    flags: o.db !== undefined ? { db: o.db } : undefined,
    // The node name is irrelevant here; do not let an odd host name fail the command.
    hostname: 'localhost',
  });
  return cfg.db.location.path;
}

function isExport(doc: unknown): doc is ExportDocument {
  const d = doc as Partial<ExportDocument> | null;
  return typeof d === 'object' && d !== null && d.format === 'storhub-database' && Array.isArray(d.objects);
}

export function exportDatabase(ctx: CliContext, file: string, o: DbOptions): void {
  const path = databasePath(ctx, o);
  if (path !== ':memory:' && !existsSync(path)) throw new OfflineError(`There is no database at ${path}; give its location with --db.`);
  const store = new SqliteStore({ path });
  let text: string;
  try {
    text = stringifyJson(store.export(), 2) + '\n';
  } finally {
    store.close();
  }
  if (file === '-') return ctx.io.stdout(text);
  writeFileSync(file, text);
  ctx.err(`Exported ${path} to ${file}.`);
}

export function importDatabase(ctx: CliContext, file: string, o: DbOptions): void {
  let doc: unknown;
  try {
    doc = parseJson(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new OfflineError(`Cannot read ${file} as JSON: ${(err as Error).message}`);
  }
  if (!isExport(doc)) {
    throw new OfflineError(`${file} is not a Storhub database export (written by 'storhub database export'); nothing was imported.`);
  }
  const path = databasePath(ctx, o);
  ctx.err('WARNING: the controller using this database must be stopped during an import; ' +
    'a running controller keeps its old state in memory and would overwrite the imported one.');
  const store = new SqliteStore({ path });
  try {
    if (doc.schema_version > store.schemaVersion) {
      throw new OfflineError(`${file} has schema version ${doc.schema_version}, newer than this Storhub's ${store.schemaVersion}; use a newer Storhub.`);
    }
    store.import(doc);
  } finally {
    store.close();
  }
  ctx.err(`Imported ${doc.objects.length} objects from ${file} into ${path}.`);
}
