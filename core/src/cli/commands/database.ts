/**
 * `storhub database (db) export|import`: works on the store file directly, without a controller
 * (like LINSTOR's `linstor-database export-db`). The database path comes from the daemon's own
 * configuration (--config / STORHUB_CONFIG / /etc/storhub/storhub.toml, STORHUB_DB), or --db.
 */
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import type { DbOptions } from './database-run.js';

export function registerDatabase(program: Command, ctx: CliContext): void {
  const db = program.command('database').alias('db').description('Offline database export/import (controller stopped)');

  db.command('export').description('Write the whole database as one JSON document.')
    .argument('<file>', "output file, '-' for stdout")
    .option('--db <path>', 'database (sqlite:PATH or a file path; default from the configuration)')
    .option('--config <file>', 'storhubd configuration file')
    .action(async (file: string, o: DbOptions) => (await import('./database-run.js')).exportDatabase(ctx, file, o));

  db.command('import').description('Replace the whole database with an exported document. Stop the controller first.')
    .argument('<file>')
    .option('--db <path>', 'database (sqlite:PATH or a file path; default from the configuration)')
    .option('--config <file>', 'storhubd configuration file')
    .action(async (file: string, o: DbOptions) => (await import('./database-run.js')).importDatabase(ctx, file, o));
}
