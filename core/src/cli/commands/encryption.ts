/**
 * `storhub encryption (e)`: the cluster passphrase LUKS keys are derived from, as linstor-client's
 * `encryption create-passphrase (cp) | enter-passphrase (ep) | modify-passphrase (mp)`, plus `status`.
 *
 * Prompt-less: the passphrase comes from --passphrase or from standard input (its first line; with
 * modify-passphrase, the first line is the old one and the second the new one when neither option
 * gives them). A terminal is never read and a passphrase is never printed, not even in errors.
 */
import type { Command } from 'commander';
import { type CliContext, UsageError } from '../context.js';

const PATH = '/v1/encryption/passphrase';

/** Lines of standard input (without their line ends); a refusal when nothing was piped. */
async function stdinLines(ctx: CliContext, what: string, option: string): Promise<string[]> {
  const text = ctx.io.readStdin ? await ctx.io.readStdin() : undefined;
  if (text === undefined) {
    throw new UsageError(`No ${what} given: pass ${option}, or pipe it on standard input (this command never prompts).`);
  }
  const lines = text.split(/\r?\n/);
  // A final line end ("echo secret |") ends the last line; it does not start an empty one.
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function nonEmpty(value: string | undefined, what: string, option: string): string {
  if (value === undefined || value === '') {
    throw new UsageError(`The ${what} is empty: pass ${option}, or pipe it as a line on standard input.`);
  }
  return value;
}

async function onePassphrase(ctx: CliContext, given: string | undefined): Promise<string> {
  if (given !== undefined) return nonEmpty(given, 'passphrase', '--passphrase');
  const [first] = await stdinLines(ctx, 'passphrase', '--passphrase');
  return nonEmpty(first, 'passphrase', '--passphrase');
}

export function registerEncryption(program: Command, ctx: CliContext): void {
  const e = program.command('encryption').alias('e').description('Encryption (LUKS master passphrase) subcommands');

  e.command('create-passphrase').alias('cp').description('Create the master passphrase LUKS volume keys are derived from.')
    .option('--passphrase <passphrase>', 'the new passphrase (default: the first line of standard input)')
    .action(async (o: { passphrase?: string }) => {
      const passphrase = await onePassphrase(ctx, o.passphrase);
      ctx.replies(await ctx.client.transport.send('POST', PATH, { new_passphrase: passphrase }));
    });

  e.command('enter-passphrase').alias('ep').description('Enter the master passphrase (needed after every controller start).')
    .option('--passphrase <passphrase>', 'the passphrase (default: the first line of standard input)')
    .action(async (o: { passphrase?: string }) => {
      const passphrase = await onePassphrase(ctx, o.passphrase);
      // The body is the passphrase as a bare JSON string (python-linstor crypt_enter_passphrase).
      ctx.replies(await ctx.client.transport.send('PATCH', PATH, passphrase));
    });

  e.command('modify-passphrase').alias('mp').description('Change the master passphrase (volume keys stay the same).')
    .option('--old-passphrase <passphrase>', 'the current passphrase')
    .option('--new-passphrase <passphrase>', 'the new passphrase')
    .action(async (o: { oldPassphrase?: string; newPassphrase?: string }) => {
      let { oldPassphrase, newPassphrase } = o;
      if (oldPassphrase === undefined || newPassphrase === undefined) {
        const missing = [oldPassphrase === undefined ? '--old-passphrase' : '', newPassphrase === undefined ? '--new-passphrase' : '']
          .filter(Boolean).join(' and ');
        const lines = await stdinLines(ctx, 'passphrase', missing);
        // The lines fill what the options did not give, old first.
        if (oldPassphrase === undefined) oldPassphrase = lines.shift();
        if (newPassphrase === undefined) newPassphrase = lines.shift();
      }
      const body = {
        old_passphrase: nonEmpty(oldPassphrase, 'old passphrase', '--old-passphrase'),
        new_passphrase: nonEmpty(newPassphrase, 'new passphrase', '--new-passphrase'),
      };
      ctx.replies(await ctx.client.transport.send('PUT', PATH, body));
    });

  e.command('status').description('Show whether the master passphrase is unset, locked or unlocked.')
    .action(async () => {
      const status = await ctx.client.transport.get<{ status: string }>(PATH);
      if (ctx.machine) return ctx.json(status);
      ctx.out(`Passphrase: ${status.status}`);
    });
}
