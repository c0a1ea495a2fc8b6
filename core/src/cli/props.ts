/**
 * The property verbs every object family has: `set-property (sp) OBJ... KEY [VALUE]` (no value
 * deletes the key; `--aux` prefixes `Aux/`) and `list-properties (lp) OBJ...` (own props as a
 * Key/Value table, or the raw object with -m).
 */
import type { Command } from 'commander';
import type { ApiCallRc } from '../model/apicallrc.js';
import type { Props, PropsModify } from '../client/types.js';
import type { CliContext } from './context.js';
import { Table } from './table.js';

/** `KEY VALUE` -> override; `KEY` alone (or an empty value) -> delete, like the linstor client. */
export function propsModifyOf(key: string, value: string | undefined, aux = false): PropsModify {
  const k = aux && !key.startsWith('Aux/') ? `Aux/${key}` : key;
  return value === undefined || value === '' ? { delete_props: [k] } : { override_props: { [k]: value } };
}

export function addSetProperty(
  parent: Command, ctx: CliContext, objArgs: string[],
  send: (names: string[], body: PropsModify) => Promise<ApiCallRc[]>,
): Command {
  const cmd = parent.command('set-property').alias('sp').description('Set a property (no VALUE deletes it).');
  for (const a of objArgs) cmd.argument(`<${a}>`);
  cmd.argument('<key>').argument('[value]').option('--aux', 'prefix the key with Aux/');
  return cmd.action(async (...args: unknown[]) => {
    const names = args.slice(0, objArgs.length) as string[];
    const key = args[objArgs.length] as string;
    const value = args[objArgs.length + 1] as string | undefined;
    const opts = args[objArgs.length + 2] as { aux?: boolean };
    ctx.replies(await send(names, propsModifyOf(key, value, opts.aux)));
  });
}

export function addListProperties(
  parent: Command, ctx: CliContext, objArgs: string[],
  fetch: (names: string[]) => Promise<{ raw: unknown; props: Props | undefined }>,
): Command {
  const cmd = parent.command('list-properties').alias('lp').description('List the properties of an object.');
  for (const a of objArgs) cmd.argument(`<${a}>`);
  return cmd.action(async (...args: unknown[]) => {
    const { raw, props } = await fetch(args.slice(0, objArgs.length) as string[]);
    if (ctx.machine) return ctx.json(raw);
    printProps(ctx, props);
  });
}

export function printProps(ctx: CliContext, props: Props | undefined): void {
  const t = new Table(['Key', 'Value']);
  for (const k of Object.keys(props ?? {}).sort()) t.add([k, props![k]]);
  ctx.table(t);
}
