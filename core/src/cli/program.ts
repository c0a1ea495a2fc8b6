/**
 * The `storhub` command line: linstor-client verbs and abbreviations over the REST client.
 * `runCli` parses, runs one command and returns the exit code (linstor's ExitCode values), so tests
 * can drive it in-process as well as through the bin.
 */
import { Command, CommanderError, Option } from 'commander';
import { STORHUB_VERSION } from '../version.js';
import { ApiError, ConnectionError } from '../client/errors.js';
import { StorhubError } from '../model/errors.js';
import { CliContext, type CliIo, type GlobalOptions, UsageError } from './context.js';
import { ExitCode } from './output.js';
import { SizeError } from './size.js';
import { registerNode } from './commands/node.js';
import { registerStoragePool } from './commands/storage-pool.js';
import { registerResourceGroup } from './commands/resource-group.js';
import { registerResourceDefinition } from './commands/resource-definition.js';
import { registerResource } from './commands/resource.js';
import { registerController, registerErrorReports, registerKeyValueStore } from './commands/controller.js';
import { registerDatabase } from './commands/database.js';
import { registerEncryption } from './commands/encryption.js';
import { registerFile } from './commands/file.js';
import { registerSnapshot } from './commands/snapshot.js';
import { registerPlugin } from './commands/plugin.js';

export function buildProgram(io: CliIo): { program: Command; ctx: CliContext } {
  const program = new Command('storhub');
  const ctx = new CliContext(io, () => program.opts<GlobalOptions>());
  program
    .description('Storhub command line (LINSTOR client compatible)')
    .version(STORHUB_VERSION, '-v, --version', 'show the client version')
    // Set before adding commands: subcommands inherit both.
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) })
    .showSuggestionAfterError(true)
    .option('--controllers <list>', 'controllers to try in order: host, host:port, http://host:port (LS_CONTROLLERS is appended)')
    .option('-m, --machine-readable', 'print the raw REST reply as JSON')
    .addOption(new Option('--output-version <version>', 'machine-readable format').choices(['v1']))
    .option('--no-color', 'no colours')
    .option('--no-utf8', 'plain ASCII tables')
    .option('--warn-as-error', 'warnings make the exit code non-zero')
    .option('--timeout <seconds>', 'time budget of one request (default 300)', (v) => {
      const n = Number(v);
      if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--timeout must be a positive number of seconds, not '${v}'.`);
      return n;
    });

  registerNode(program, ctx);
  registerStoragePool(program, ctx);
  registerResourceGroup(program, ctx);
  registerResourceDefinition(program, ctx);
  registerResource(program, ctx);
  registerController(program, ctx);
  registerKeyValueStore(program, ctx);
  registerErrorReports(program, ctx);
  registerDatabase(program, ctx);
  registerEncryption(program, ctx);
  // After registerResourceDefinition: it adds `rd attach-file|detach-file`.
  registerFile(program, ctx);
  // After registerResourceDefinition too: it adds `rd clone`.
  registerSnapshot(program, ctx);
  registerPlugin(program, ctx);
  return { program, ctx };
}

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const { program, ctx } = buildProgram(io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return ctx.exitCode;
  } catch (err) {
    return Math.max(ctx.exitCode, report(ctx, err));
  } finally {
    await ctx.close();
  }
}

/** Prints an error the way the linstor client would and returns its exit code. */
function report(ctx: CliContext, err: unknown): number {
  if (err instanceof CommanderError) {
    // commander already printed help or the usage message
    return err.exitCode === 0 ? ExitCode.OK : ExitCode.ARGPARSE_ERROR;
  }
  if (err instanceof UsageError || err instanceof SizeError) {
    ctx.err(`Error: ${err.message}`);
    return ExitCode.ARGPARSE_ERROR;
  }
  if (err instanceof ApiError) {
    if (err.replies.length > 0) ctx.replies(err.replies);
    else if (ctx.machine) ctx.json([{ message: err.message, http_status: err.status }]);
    else ctx.err(`Error: ${err.message}`);
    // A read of something that is not there is "object not found"; any failed change is an API error.
    return err.method === 'GET' && err.isNotFound() ? ExitCode.OBJECT_NOT_FOUND : ExitCode.API_ERROR;
  }
  if (err instanceof ConnectionError) {
    ctx.err(`Error: ${err.message}`);
    return err.timeout ? ExitCode.CONNECTION_TIMEOUT : ExitCode.CONNECTION_ERROR;
  }
  // Offline (database) failures; matched by name because their modules are loaded lazily.
  if (err instanceof StorhubError || (err instanceof Error && ['OfflineError', 'ConfigError'].includes(err.name))) {
    ctx.err(`Error: ${(err as Error).message}`);
    return ExitCode.UNKNOWN_ERROR;
  }
  ctx.err(`Error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  return ExitCode.UNKNOWN_ERROR;
}
