/** `storhub controller (c)`, `storhub key-value-store (kv)`, `storhub error-reports (err)`. */
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { ExitCode } from '../output.js';
import { printProps, propsModifyOf } from '../props.js';
import { Table } from '../table.js';

export function registerController(program: Command, ctx: CliContext): void {
  const c = program.command('controller').alias('c').description('Controller subcommands');

  c.command('version').alias('v').description('Show the controller version.')
    .action(async () => {
      const v = await ctx.client.controller.version();
      if (ctx.machine) return ctx.json(v);
      ctx.out(`storhub controller ${v.version}; GIT-hash: ${v.git_hash ?? 'unknown'}; REST API ${v.rest_api_version ?? 'unknown'}`);
    });

  c.command('list-properties').alias('lp').description('List controller properties.')
    .action(async () => {
      const props = await ctx.client.controller.properties();
      if (ctx.machine) return ctx.json(props);
      printProps(ctx, props);
    });

  // Like python-linstor: both setting and deleting go through POST /v1/controller/properties.
  c.command('set-property').alias('sp').description('Set a controller property (no VALUE deletes it).')
    .argument('<key>').argument('[value]').option('--aux', 'prefix the key with Aux/')
    .action(async (key: string, value: string | undefined, o: { aux?: boolean }) => {
      ctx.replies(await ctx.client.controller.modifyProperties(propsModifyOf(key, value, o.aux)));
    });
}

export function registerKeyValueStore(program: Command, ctx: CliContext): void {
  const kv = program.command('key-value-store').alias('kv').description('Key-value store subcommands');

  kv.command('list').aliases(['l', 'ls']).description('List key-value store instances.')
    .action(async () => {
      const list = await ctx.client.keyValueStore.list();
      if (ctx.machine) return ctx.json(list);
      const t = new Table(['Name', 'Keys']);
      for (const s of list) t.add([s.name, Object.keys(s.props ?? {}).length]);
      ctx.table(t);
    });

  kv.command('show').alias('s').description('Show the keys of one instance.')
    .argument('<instance>')
    .action(async (instance: string) => {
      const store = await ctx.client.keyValueStore.get(instance);
      if (ctx.machine) return ctx.json(store ? [store] : []);
      if (!store) {
        ctx.err(`Key-value store '${instance}' not found.`);
        return ctx.setExit(ExitCode.OBJECT_NOT_FOUND);
      }
      printProps(ctx, store.props);
    });

  kv.command('modify').alias('m').description('Set a key (no VALUE deletes it).')
    .argument('<instance>').argument('<key>').argument('[value]')
    .action(async (instance: string, key: string, value: string | undefined) => {
      ctx.replies(await ctx.client.keyValueStore.modify(instance, propsModifyOf(key, value)));
    });

  kv.command('delete').alias('d').description('Delete whole instances.')
    .argument('<instances...>')
    .action(async (names: string[]) => {
      for (const n of names) ctx.replies(await ctx.client.keyValueStore.delete(n));
    });
}

export function registerErrorReports(program: Command, ctx: CliContext): void {
  const err = program.command('error-reports').alias('err').description('Error report subcommands');

  err.command('list').aliases(['l', 'ls']).description('List error reports.')
    .option('--nodes <node>', 'only from this node')
    .action(async (o: { nodes?: string }) => {
      const list = await ctx.client.errorReports.list({ node: o.nodes, withContent: false });
      if (ctx.machine) return ctx.json(list);
      const t = new Table(['Id', 'Datetime', 'Node', 'Exception']);
      for (const r of list) {
        const id = (r.filename ?? '').replace(/^ErrorReport-/, '').replace(/\.log$/, '');
        t.add([id, new Date(r.error_time).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ''), r.node_name,
          [r.exception, r.exception_message].filter(Boolean).join(': ')]);
      }
      ctx.table(t);
    });

  err.command('show').alias('s').description('Show one error report.')
    .argument('<id>')
    .action(async (id: string) => {
      const report = await ctx.client.errorReports.get(id);
      if (ctx.machine) return ctx.json(report ? [report] : []);
      if (!report) {
        ctx.err(`Error report '${id}' not found.`);
        return ctx.setExit(ExitCode.OBJECT_NOT_FOUND);
      }
      ctx.out(report.text ?? `${report.exception ?? ''}: ${report.exception_message ?? ''}`);
    });
}
