/**
 * `storhub file (f)`: external files, as the linstor client spells them (list, show, modify, delete,
 * deploy, undeploy), plus `check`; and `storhub rd attach-file|detach-file` for the same attachment
 * seen from the resource definition.
 *
 * `modify` takes the content from --content-file, else from standard input (like `linstor file modify`
 * when stdin is not a terminal; the linstor client's editor mode is left out).
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { ApiCallRc } from '../../model/apicallrc.js';
import type { ExtFileCheckResult, ExternalFile } from '../../model/external-file.js';
import { seg } from '../../client/transport.js';
import { type CliContext, UsageError } from '../context.js';
import { Table } from '../table.js';

export function registerFile(program: Command, ctx: CliContext): void {
  const f = program.command('file').alias('f').description('External file subcommands');
  const t = () => ctx.client.transport;

  f.command('list').aliases(['l', 'ls']).description('List the external files of the cluster.')
    .option('-p, --pastable', 'pastable output')
    .action(async () => {
      const list = await t().get<ExternalFile[]>('/v1/files');
      if (ctx.machine) return ctx.json(list);
      const table = new Table(['Path']);
      for (const file of list) table.add([file.path]);
      ctx.table(table);
    });

  f.command('show').alias('s').description('Print the content of one external file.')
    .argument('<path>')
    .action(async (path: string) => {
      const file = await t().get<ExternalFile>(`/v1/files/${seg(path)}`);
      if (ctx.machine) return ctx.json(file);
      ctx.io.stdout(Buffer.from(file.content ?? '', 'base64').toString('utf8'));
    });

  f.command('modify').alias('m').description('Register an external file or replace its content.')
    .argument('<path>')
    .option('--content-file <file>', 'read the content from this local file (default: standard input)')
    .action(async (path: string, o: { contentFile?: string }) => {
      const content = o.contentFile !== undefined ? await readLocal(o.contentFile) : await readStdin();
      ctx.replies(await t().send('PUT', `/v1/files/${seg(path)}`, { path, content: content.toString('base64') }));
    });

  f.command('delete').alias('d').description('Delete external files (they are removed from every node).')
    .argument('<paths...>')
    .action(async (paths: string[]) => {
      for (const p of paths) ctx.replies(await t().send('DELETE', `/v1/files/${seg(p)}`));
    });

  f.command('deploy').description('Attach an external file to a resource definition.')
    .argument('<path>').argument('<resource>')
    .action(async (path: string, rd: string) => ctx.replies(await attach(ctx, rd, path, true)));

  f.command('undeploy').description('Detach an external file from a resource definition.')
    .argument('<path>').argument('<resource>')
    .action(async (path: string, rd: string) => ctx.replies(await attach(ctx, rd, path, false)));

  f.command('check').description("Whether a node's satellite writes this path (its allowExtFiles).")
    .argument('<path>').argument('<node>')
    .action(async (path: string, node: string) => {
      const r = await t().get<ExtFileCheckResult>(`/v1/files/${seg(path)}/check/${seg(node)}`);
      if (ctx.machine) return ctx.json(r);
      ctx.out(r.allowed ? `Node '${node}' writes ${path}.` : `Node '${node}' does not write ${path}: no directory above it is in its allowExtFiles.`);
    });

  // The same attachment from the resource definition's side.
  const rd = program.commands.find((c) => c.name() === 'resource-definition');
  if (rd) {
    rd.command('attach-file').description('Attach an external file: it is written on every node with a resource of RESOURCE.')
      .argument('<resource>').argument('<path>')
      .action(async (name: string, path: string) => ctx.replies(await attach(ctx, name, path, true)));
    rd.command('detach-file').description('Detach an external file from a resource definition.')
      .argument('<resource>').argument('<path>')
      .action(async (name: string, path: string) => ctx.replies(await attach(ctx, name, path, false)));
  }
}

function attach(ctx: CliContext, rd: string, path: string, on: boolean): Promise<ApiCallRc[]> {
  return ctx.client.transport.send(on ? 'POST' : 'DELETE', `/v1/resource-definitions/${seg(rd)}/files/${seg(path)}`);
}

async function readLocal(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    throw new UsageError(`Cannot read --content-file '${file}': ${(err as Error).message}`);
  }
}

async function readStdin(): Promise<Buffer> {
  if (process.stdin.isTTY) throw new UsageError('Give --content-file <file>, or pipe the content into standard input.');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
