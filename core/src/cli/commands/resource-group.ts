/** `storhub resource-group (rg)` and `storhub volume-group (vg)`. */
import { type Command, InvalidArgumentError } from 'commander';
import type { AutoSelectFilter, ResourceGroup } from '../../client/types.js';
import { type CliContext, intArg, splitList, volumeNumber } from '../context.js';
import { addListProperties, addSetProperty } from '../props.js';
import { parseSizeKib } from '../size.js';
import { Table } from '../table.js';

interface FilterOptions {
  placeCount?: number;
  storagePool?: string[];
  layerList?: string;
  providers?: string[];
  replicasOnSame?: string[];
  replicasOnDifferent?: string[];
  disklessOnRemaining?: boolean;
  description?: string;
  peerSlots?: number;
}

const upper = (v: string | string[] | undefined) => splitList(v)?.map((s) => s.toUpperCase());
/** The linstor client treats these as node Aux properties. */
const aux = (v: string[] | undefined) => splitList(v)?.map((s) => (s.startsWith('Aux/') ? s : `Aux/${s}`));

function parseBool(value: string): boolean {
  const v = value.toLowerCase();
  if (['true', 'yes', '1'].includes(v)) return true;
  if (['false', 'no', '0'].includes(v)) return false;
  throw new InvalidArgumentError('expected true or false.');
}

function addFilterOptions(cmd: Command): Command {
  return cmd
    .option('--place-count <n>', 'number of diskful replicas', intArg('place count'))
    .option('--storage-pool <pools...>', 'storage pools to place on')
    .option('--layer-list <layers>', 'layer stack, comma-separated, e.g. drbd,storage')
    .option('--providers <kinds...>', 'allowed provider kinds, e.g. LVM_THIN FILE_THIN')
    .option('--replicas-on-same <props...>', 'node Aux properties replicas must share')
    .option('--replicas-on-different <props...>', 'node Aux properties replicas must differ in')
    .option('--diskless-on-remaining [bool]', 'add diskless resources on the remaining nodes', parseBool)
    .option('--description <text>', 'free text')
    .option('--peer-slots <n>', 'DRBD peer slots for new resources', intArg('peer slots'));
}

function filterOf(o: FilterOptions): AutoSelectFilter {
  const f: AutoSelectFilter = {};
  if (o.placeCount !== undefined) f.place_count = o.placeCount;
  if (o.storagePool) f.storage_pool_list = splitList(o.storagePool);
  if (o.layerList) f.layer_stack = upper(o.layerList);
  if (o.providers) f.provider_list = upper(o.providers);
  if (o.replicasOnSame) f.replicas_on_same = aux(o.replicasOnSame);
  if (o.replicasOnDifferent) f.replicas_on_different = aux(o.replicasOnDifferent);
  if (o.disklessOnRemaining !== undefined) f.diskless_on_remaining = o.disklessOnRemaining === true;
  return f;
}

export function describeFilter(f: AutoSelectFilter | undefined): string {
  if (!f) return '';
  const parts: string[] = [];
  if (f.place_count !== undefined) parts.push(`PlaceCount: ${f.place_count}`);
  const pools = f.storage_pool_list ?? (f.storage_pool ? [f.storage_pool] : undefined);
  if (pools?.length) parts.push(`StoragePool(s): ${pools.join(', ')}`);
  if (f.layer_stack?.length) parts.push(`LayerStack: ${f.layer_stack.join(', ')}`);
  if (f.provider_list?.length) parts.push(`Providers: ${f.provider_list.join(', ')}`);
  if (f.replicas_on_same?.length) parts.push(`ReplicasOnSame: ${f.replicas_on_same.join(', ')}`);
  if (f.replicas_on_different?.length) parts.push(`ReplicasOnDifferent: ${f.replicas_on_different.join(', ')}`);
  if (f.diskless_on_remaining) parts.push('DisklessOnRemaining: True');
  return parts.join('; ');
}

export function registerResourceGroup(program: Command, ctx: CliContext): void {
  const rg = program.command('resource-group').alias('rg').description('Resource group subcommands');

  addFilterOptions(rg.command('create').alias('c').description('Create a resource group.').argument('<name>'))
    .action(async (name: string, o: FilterOptions) => {
      const filter = filterOf(o);
      ctx.replies(await ctx.client.resourceGroups.create({
        name,
        ...(o.description !== undefined ? { description: o.description } : {}),
        ...(Object.keys(filter).length ? { select_filter: filter } : {}),
        ...(o.peerSlots !== undefined ? { peer_slots: o.peerSlots } : {}),
      }));
    });

  addFilterOptions(rg.command('modify').alias('m').description('Change a resource group.').argument('<name>'))
    .action(async (name: string, o: FilterOptions) => {
      const filter = filterOf(o);
      ctx.replies(await ctx.client.resourceGroups.modify(name, {
        ...(o.description !== undefined ? { description: o.description } : {}),
        ...(Object.keys(filter).length ? { select_filter: filter } : {}),
        ...(o.peerSlots !== undefined ? { peer_slots: o.peerSlots } : {}),
      }));
    });

  rg.command('list').aliases(['l', 'ls']).description('List resource groups.')
    .option('-r, --resource-groups <names...>', 'only these groups')
    .option('-p, --props <props...>', 'only groups with these properties (key or key=value)')
    .action(async (o: { resourceGroups?: string[]; props?: string[] }) => {
      const list: ResourceGroup[] = await ctx.client.resourceGroups.list({ resource_groups: o.resourceGroups, props: o.props });
      if (ctx.machine) return ctx.json(list);
      const t = new Table(['ResourceGroup', 'SelectFilter', 'VlmNrs', 'Description']);
      for (const g of list) {
        // Like the linstor client: one volume-groups call per group for the VlmNrs column.
        const vgs = await ctx.client.resourceGroups.listVolumeGroups(g.name);
        t.add([g.name, describeFilter(g.select_filter), vgs.map((v) => v.volume_number).join(','), g.description]);
      }
      ctx.table(t);
    });

  rg.command('delete').alias('d').description('Delete resource groups.')
    .argument('<names...>')
    .action(async (names: string[]) => {
      for (const n of names) ctx.replies(await ctx.client.resourceGroups.delete(n));
    });

  rg.command('spawn-resources').alias('spawn').description('Create a resource definition from the group and place it.')
    .argument('<resource_group>').argument('<resource_definition>').argument('[sizes...]', 'volume sizes (bare number = GiB)')
    .option('--definition-only', 'create the definitions only, place nothing')
    .option('--partial', 'allow fewer sizes than the group has volume groups')
    .option('--external-name <name>', 'external name of the resource definition')
    .action(async (group: string, rd: string, sizes: string[], o: { definitionOnly?: boolean; partial?: boolean; externalName?: string }) => {
      ctx.replies(await ctx.client.resourceGroups.spawn(group, {
        resource_definition_name: rd,
        ...(o.externalName ? { resource_definition_external_name: o.externalName } : {}),
        volume_sizes: sizes.map(parseSizeKib),
        partial: o.partial === true,
        definitions_only: o.definitionOnly === true,
        select_filter: {},
      }));
    });

  addSetProperty(rg, ctx, ['name'], ([n], body) => ctx.client.resourceGroups.modify(n, body));
  addListProperties(rg, ctx, ['name'], async ([n]) => {
    const raw = await ctx.client.resourceGroups.get(n);
    return { raw, props: raw.props };
  });

  registerVolumeGroup(program, ctx);
}

function registerVolumeGroup(program: Command, ctx: CliContext): void {
  const vg = program.command('volume-group').alias('vg').description('Volume group subcommands');

  vg.command('create').alias('c').description('Add a volume group to a resource group.')
    .argument('<resource_group>')
    .option('--vlmnr <n>', 'volume number (default: next free)', intArg('volume number'))
    .option('--gross', 'sizes include the metadata (GROSS_SIZE)')
    .action(async (group: string, o: { vlmnr?: number; gross?: boolean }) => {
      ctx.replies(await ctx.client.resourceGroups.createVolumeGroup(group, {
        ...(o.vlmnr !== undefined ? { volume_number: o.vlmnr } : {}),
        ...(o.gross ? { flags: ['GROSS_SIZE'] } : {}),
      }));
    });

  vg.command('list').aliases(['l', 'ls']).description('List the volume groups of a resource group.')
    .argument('<resource_group>')
    .action(async (group: string) => {
      const list = await ctx.client.resourceGroups.listVolumeGroups(group);
      if (ctx.machine) return ctx.json(list);
      const t = new Table(['VolumeNr', 'Flags']);
      for (const v of list) t.add([v.volume_number, (v.flags ?? []).join(', ')]);
      ctx.table(t);
    });

  vg.command('delete').alias('d').description('Delete a volume group.')
    .argument('<resource_group>').argument('<volume_nr>', 'volume number', intArg('volume number'))
    .action(async (group: string, nr: number) => ctx.replies(await ctx.client.resourceGroups.deleteVolumeGroup(group, nr)));

  addSetProperty(vg, ctx, ['resource_group', 'volume_nr'],
    ([g, nr], body) => ctx.client.resourceGroups.modifyVolumeGroup(g, volumeNumber(nr), body));
  addListProperties(vg, ctx, ['resource_group', 'volume_nr'], async ([g, nr]) => {
    const raw = await ctx.client.resourceGroups.getVolumeGroup(g, volumeNumber(nr));
    return { raw, props: raw.props };
  });
}
