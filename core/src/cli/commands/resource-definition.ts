/** `storhub resource-definition (rd)` and `storhub volume-definition (vd)`. */
import type { Command } from 'commander';
import type { VolumeDefinition } from '../../client/types.js';
import { type CliContext, UsageError, intArg, splitList, volumeNumber } from '../context.js';
import { paint } from '../output.js';
import { addListProperties, addSetProperty } from '../props.js';
import { formatKib, parseSizeKib } from '../size.js';
import { Table } from '../table.js';

const layers = (list: string | undefined) => splitList(list)?.map((s) => s.toUpperCase());

function minorOf(vd: VolumeDefinition): number | undefined {
  const drbd = vd.layer_data?.find((l) => l.type === 'DRBD');
  const minor = drbd?.data?.minor_number;
  return typeof minor === 'number' ? minor : undefined;
}

export function registerResourceDefinition(program: Command, ctx: CliContext): void {
  const rd = program.command('resource-definition').alias('rd').description('Resource definition subcommands');

  rd.command('create').alias('c').description('Create a resource definition.')
    .argument('[name]')
    .option('--resource-group <name>', 'resource group (default DfltRscGrp)')
    .option('--layer-list <layers>', 'layer stack, comma-separated, e.g. drbd,storage')
    .option('--external-name <name>', 'any UTF-8 name; the controller derives a valid name when none is given')
    .option('--port <port>', 'preferred DRBD TCP port', intArg('port'))
    .option('--peer-slots <n>', 'DRBD peer slots', intArg('peer slots'))
    .action(async (name: string | undefined, o: { resourceGroup?: string; layerList?: string; externalName?: string; port?: number; peerSlots?: number }) => {
      if (!name && !o.externalName) throw new UsageError('Give a resource definition name or --external-name.');
      const stack = layers(o.layerList);
      ctx.replies(await ctx.client.resourceDefinitions.create({
        resource_definition: {
          ...(name ? { name } : {}),
          ...(o.externalName ? { external_name: o.externalName } : {}),
          ...(o.resourceGroup ? { resource_group_name: o.resourceGroup } : {}),
          ...(stack ? { layer_data: stack.map((type) => ({ type })) } : {}),
        },
        ...(o.port !== undefined ? { drbd_port: o.port } : {}),
        ...(o.peerSlots !== undefined ? { drbd_peer_slots: o.peerSlots } : {}),
      }));
    });

  rd.command('modify').alias('m').description('Change a resource definition.')
    .argument('<name>')
    .option('--resource-group <name>', 'move to this resource group')
    .option('--layer-list <layers>', 'new layer stack (only without resources)')
    .option('--port <port>', 'preferred DRBD TCP port', intArg('port'))
    .option('--peer-slots <n>', 'DRBD peer slots', intArg('peer slots'))
    .action(async (name: string, o: { resourceGroup?: string; layerList?: string; port?: number; peerSlots?: number }) => {
      ctx.replies(await ctx.client.resourceDefinitions.modify(name, {
        ...(o.resourceGroup ? { resource_group: o.resourceGroup } : {}),
        ...(o.layerList ? { layer_stack: layers(o.layerList) } : {}),
        ...(o.port !== undefined ? { drbd_port: o.port } : {}),
        ...(o.peerSlots !== undefined ? { drbd_peer_slots: o.peerSlots } : {}),
      }));
    });

  rd.command('list').aliases(['l', 'ls']).description('List resource definitions.')
    .option('-r, --resource-definitions <names...>', 'only these')
    .option('-p, --props <props...>', 'only those with these properties (key or key=value)')
    .action(async (o: { resourceDefinitions?: string[]; props?: string[] }) => {
      const list = await ctx.client.resourceDefinitions.list({ resource_definitions: o.resourceDefinitions, props: o.props });
      if (ctx.machine) return ctx.json(list);
      const t = new Table(['ResourceName', 'ResourceGroup', 'Layers', 'State']);
      for (const d of list) {
        const state = d.flags?.includes('DELETE') ? paint('DELETING', 'red', ctx.color) : paint('ok', 'darkgreen', ctx.color);
        t.add([d.name, d.resource_group_name, (d.layer_data ?? []).map((l) => l.type).join(','), state]);
      }
      ctx.table(t);
    });

  rd.command('delete').alias('d').description('Delete resource definitions and all their resources.')
    .argument('<names...>')
    .action(async (names: string[]) => {
      for (const n of names) ctx.replies(await ctx.client.resourceDefinitions.delete(n));
    });

  addSetProperty(rd, ctx, ['name'], ([n], body) => ctx.client.resourceDefinitions.modify(n, body));
  addListProperties(rd, ctx, ['name'], async ([n]) => {
    const raw = await ctx.client.resourceDefinitions.get(n);
    return { raw, props: raw.props };
  });

  registerVolumeDefinition(program, ctx);
}

function registerVolumeDefinition(program: Command, ctx: CliContext): void {
  const vd = program.command('volume-definition').alias('vd').description('Volume definition subcommands');

  vd.command('create').alias('c').description('Add a volume to a resource definition.')
    .argument('<resource_definition>').argument('<size>', 'size (bare number = GiB; K, M, G, T, KiB, MB, ...)')
    .option('-n, --vlmnr <n>', 'volume number (default: next free)', intArg('volume number'))
    .option('--minor <n>', 'DRBD minor number (default: allocated)', intArg('minor number'))
    .option('--gross', 'the size includes the metadata (GROSS_SIZE)')
    .action(async (rdName: string, size: string, o: { vlmnr?: number; minor?: number; gross?: boolean }) => {
      ctx.replies(await ctx.client.resourceDefinitions.createVolumeDefinition(rdName, {
        volume_definition: {
          size_kib: parseSizeKib(size),
          ...(o.vlmnr !== undefined ? { volume_number: o.vlmnr } : {}),
          ...(o.gross ? { flags: ['GROSS_SIZE'] } : {}),
        },
        ...(o.minor !== undefined ? { drbd_minor_number: o.minor } : {}),
      }));
    });

  vd.command('list').aliases(['l', 'ls']).description('List volume definitions.')
    .option('-r, --resource-definitions <names...>', 'only of these resource definitions')
    .action(async (o: { resourceDefinitions?: string[] }) => {
      const list = await ctx.client.resourceDefinitions.list({ resource_definitions: o.resourceDefinitions, with_volume_definitions: true });
      if (ctx.machine) return ctx.json(list);
      const t = new Table(['ResourceName', 'VolumeNr', 'VolumeMinor', { header: 'Size', right: true }, 'Gross', 'State']);
      for (const d of list) {
        for (const v of d.volume_definitions ?? []) {
          const deleting = d.flags?.includes('DELETE') || v.flags?.includes('DELETE');
          t.add([d.name, v.volume_number, minorOf(v), formatKib(v.size_kib), v.flags?.includes('GROSS_SIZE') ? 'yes' : '',
            deleting ? paint('DELETING', 'red', ctx.color) : paint('ok', 'darkgreen', ctx.color)]);
        }
      }
      ctx.table(t);
    });

  vd.command('set-size').description('Resize a volume definition.')
    .argument('<resource_definition>').argument('<volume_nr>', 'volume number', intArg('volume number'))
    .argument('<size>', 'new size (bare number = GiB)')
    .action(async (rdName: string, nr: number, size: string) => {
      ctx.replies(await ctx.client.resourceDefinitions.resizeVolumeDefinition(rdName, nr, parseSizeKib(size)));
    });

  vd.command('delete').alias('d').description('Delete a volume definition.')
    .argument('<resource_definition>').argument('<volume_nr>', 'volume number', intArg('volume number'))
    .action(async (rdName: string, nr: number) => ctx.replies(await ctx.client.resourceDefinitions.deleteVolumeDefinition(rdName, nr)));

  addSetProperty(vd, ctx, ['resource_definition', 'volume_nr'],
    ([r, nr], body) => ctx.client.resourceDefinitions.modifyVolumeDefinition(r, volumeNumber(nr), body));
  addListProperties(vd, ctx, ['resource_definition', 'volume_nr'], async ([r, nr]) => {
    const raw = await ctx.client.resourceDefinitions.getVolumeDefinition(r, volumeNumber(nr));
    return { raw, props: raw.props };
  });
}
