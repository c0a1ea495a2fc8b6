/**
 * `storhub snapshot (s)`, as the linstor client spells it:
 *   s create [node ...] RD SNAP          s list [-r RD ...] [-n NODE ...]      s delete RD SNAP [-n NODE ...]
 *   s rollback RD SNAP
 *   s resource restore --from-resource RD --from-snapshot SNAP --to-resource NEW [node ...]
 *   s volume-definition restore --from-resource RD --from-snapshot SNAP --to-resource NEW
 * and `storhub rd clone SRC NEW` (POST .../clone; `--wait` polls the clone status until it ends).
 */
import type { Command } from 'commander';
import type { Snapshot } from '../../model/resource.js';
import { seg } from '../../client/transport.js';
import { type CliContext, UsageError } from '../context.js';
import { paint } from '../output.js';
import { formatKib } from '../size.js';
import { Table } from '../table.js';

interface CloneStarted {
  location: string;
  source_name: string;
  clone_name: string;
  messages?: Parameters<CliContext['replies']>[0];
}

export function registerSnapshot(program: Command, ctx: CliContext): void {
  const s = program.command('snapshot').alias('s').description('Snapshot subcommands');
  const t = () => ctx.client.transport;
  const snaps = (rd: string) => `/v1/resource-definitions/${seg(rd)}`;

  s.command('create').alias('c').description('Create a snapshot of a resource on all its diskful nodes (or on the nodes given).')
    .argument('<args...>', '[node_name ...] resource_definition_name snapshot_name')
    .action(async (args: string[]) => {
      if (args.length < 2) throw new UsageError('Give the resource definition and the snapshot name (nodes first, if any).');
      const [rd, name] = args.slice(-2);
      const nodes = args.slice(0, -2);
      ctx.replies(await t().send('POST', `${snaps(rd)}/snapshots`, { name, ...(nodes.length ? { nodes } : {}) }));
    });

  s.command('list').aliases(['l', 'ls']).description('List snapshots.')
    .option('-r, --resources <names...>', 'only of these resource definitions')
    .option('-n, --nodes <names...>', 'only on these nodes')
    .option('-p, --pastable', 'pastable output')
    .action(async (o: { resources?: string[]; nodes?: string[] }) => {
      const list = await t().get<Snapshot[]>('/v1/view/snapshots', { resources: o.resources, nodes: o.nodes });
      if (ctx.machine) return ctx.json(list);
      const table = new Table(['ResourceName', 'SnapshotName', 'NodeNames', 'Volumes', 'CreatedOn', 'State']);
      for (const snap of list) {
        const volumes = (snap.volume_definitions ?? []).map((v) => `${v.volume_number}: ${formatKib(v.size_kib)}`).join(', ');
        const created = snap.snapshots?.[0]?.create_timestamp;
        table.add([snap.resource_name, snap.name, (snap.nodes ?? []).join(', '), volumes,
          created === undefined ? '' : new Date(created).toISOString().replace('T', ' ').slice(0, 19), state(ctx, snap.flags ?? [])]);
      }
      ctx.table(table);
    });

  s.command('delete').alias('d').description('Delete a snapshot (everywhere, or only on the nodes given).')
    .argument('<resource_definition>').argument('<snapshot>')
    .option('-n, --nodes <names...>', 'only on these nodes')
    .action(async (rd: string, name: string, o: { nodes?: string[] }) => {
      ctx.replies(await t().send('DELETE', `${snaps(rd)}/snapshots/${seg(name)}`, undefined, o.nodes?.length ? { nodes: o.nodes } : undefined));
    });

  s.command('rollback').description('Roll a resource back to its latest snapshot (the resource must not be in use).')
    .argument('<resource_definition>').argument('<snapshot>')
    .action(async (rd: string, name: string) => {
      ctx.replies(await t().send('POST', `${snaps(rd)}/snapshot-rollback/${seg(name)}`));
    });

  const restoreOptions = (c: Command) => c
    .requiredOption('--from-resource <name>', 'the resource definition the snapshot belongs to')
    .requiredOption('--from-snapshot <name>', 'the snapshot')
    .requiredOption('--to-resource <name>', 'the (existing) resource definition to restore into');

  const rsc = s.command('resource').alias('r').description('Snapshot resource subcommands');
  restoreOptions(rsc.command('restore').description("Create the target's resources from the snapshot (on its nodes, or the nodes given)."))
    .argument('[nodes...]')
    .option('--stor-pool-rename <pairs...>', 'OLD=NEW: restore volumes of pool OLD into pool NEW')
    .action(async (nodes: string[], o: { fromResource: string; fromSnapshot: string; toResource: string; storPoolRename?: string[] }) => {
      ctx.replies(await t().send('POST', `${snaps(o.fromResource)}/snapshot-restore-resource/${seg(o.fromSnapshot)}`, {
        to_resource: o.toResource,
        ...(nodes.length ? { nodes } : {}),
        ...(o.storPoolRename?.length ? { stor_pool_rename: renames(o.storPoolRename) } : {}),
      }));
    });

  const vd = s.command('volume-definition').alias('vd').description('Snapshot volume definition subcommands');
  restoreOptions(vd.command('restore').description("Create the target's volume definitions with the snapshot's sizes."))
    .action(async (o: { fromResource: string; fromSnapshot: string; toResource: string }) => {
      ctx.replies(await t().send('POST', `${snaps(o.fromResource)}/snapshot-restore-volume-definition/${seg(o.fromSnapshot)}`, {
        to_resource: o.toResource,
      }));
    });

  // Cloning belongs to the resource definition (linstor: `rd clone`).
  const rd = program.commands.find((c) => c.name() === 'resource-definition');
  rd?.command('clone').description('Clone a resource definition with its resources and data.')
    .argument('<source>').argument('<target>')
    .option('--external-name <name>', 'external name of the clone')
    .option('--resource-group <name>', 'resource group of the clone (default: the source\'s)')
    .option('--layer-list <layers>', 'layer stack of the clone, comma-separated')
    .option('--wait', 'wait until the clone is complete (or failed)')
    .action(async (source: string, target: string, o: { externalName?: string; resourceGroup?: string; layerList?: string; wait?: boolean }) => {
      const reply = (await ctx.client.request<CloneStarted>('POST', `${snaps(source)}/clone`, {
        body: {
          name: target,
          ...(o.externalName ? { external_name: o.externalName } : {}),
          ...(o.resourceGroup ? { resource_group: o.resourceGroup } : {}),
          ...(o.layerList ? { layer_list: o.layerList.split(',').map((l) => l.trim().toUpperCase()).filter(Boolean) } : {}),
        },
      })).body;
      if (ctx.machine && !o.wait) return ctx.json(reply);
      ctx.replies(toReplies(reply.messages));
      if (!o.wait) return;
      const status = await waitForClone(ctx, source, reply.clone_name);
      if (ctx.machine) return ctx.json({ ...reply, status });
      if (status === 'FAILED') {
        ctx.err(`Error: cloning '${source}' to '${reply.clone_name}' failed.`);
        ctx.setExit(10);
      } else {
        ctx.out(`Clone '${reply.clone_name}' of '${source}' is complete.`);
      }
    });
}

function toReplies(messages: CloneStarted['messages']): Parameters<CliContext['replies']>[0] {
  return (messages ?? []).map((m) => ({ ...m, ret_code: BigInt(m.ret_code) }));
}

async function waitForClone(ctx: CliContext, source: string, clone: string): Promise<string> {
  const until = Date.now() + (ctx.opts.timeout ?? 300) * 1000;
  for (;;) {
    const { status } = await ctx.client.transport.get<{ status: string }>(`/v1/resource-definitions/${seg(source)}/clone/${seg(clone)}`);
    if (status !== 'CLONING') return status;
    if (Date.now() > until) throw new UsageError(`The clone '${clone}' is still CLONING after the --timeout; check it later.`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

function state(ctx: CliContext, flags: string[]): string {
  if (flags.includes('DELETE')) return paint('DELETING', 'red', ctx.color);
  if (flags.includes('FAILED_DEPLOYMENT')) return paint('Failed', 'red', ctx.color);
  if (flags.includes('FAILED_DISCONNECT')) return paint('Satellite disconnected', 'red', ctx.color);
  if (flags.includes('SUCCESSFUL')) return paint('Successful', 'darkgreen', ctx.color);
  return paint('Incomplete', 'yellow', ctx.color);
}

function renames(pairs: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of pairs) {
    const eq = p.indexOf('=');
    if (eq <= 0 || eq === p.length - 1) throw new UsageError(`--stor-pool-rename takes OLD=NEW, not '${p}'.`);
    out[p.slice(0, eq)] = p.slice(eq + 1);
  }
  return out;
}
