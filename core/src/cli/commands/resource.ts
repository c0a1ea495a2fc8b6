/** `storhub resource (r)` and `storhub volume (v)`. */
import type { Command } from 'commander';
import type { ResourceCreate, ResourceLayer, ResourceWithVolumes, Volume } from '../../client/types.js';
import { type CliContext, UsageError, intArg, splitList } from '../context.js';
import { paint } from '../output.js';
import { addListProperties, addSetProperty } from '../props.js';
import { formatKib } from '../size.js';
import { Table } from '../table.js';

/** `NODE... RD`: the last name is the resource definition (as in the linstor client). */
function splitNodesAndRd(names: string[]): { nodes: string[]; rd: string } {
  if (names.length < 2) throw new UsageError('Give at least one node and the resource name: NODE... RESOURCE.');
  return { nodes: names.slice(0, -1), rd: names[names.length - 1] };
}

/** The layer types top-down, following the first child (the schema types the tree only a few levels deep). */
function layerNames(layer: ResourceLayer | undefined): string[] {
  type LayerNode = { type: string; children?: unknown[] };
  const out: string[] = [];
  for (let l: LayerNode | undefined = layer; l; l = l.children?.[0] as LayerNode | undefined) out.push(l.type);
  return out;
}

const timestamp = (ms: number | undefined) =>
  ms === undefined ? '' : new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, '');

function connections(r: ResourceWithVolumes): string {
  const conns = r.layer_object?.drbd?.connections;
  if (!conns) return 'Ok';
  const broken = Object.entries(conns).filter(([, c]) => !c.connected).map(([peer, c]) => `${peer}${c.message ? `(${c.message})` : ''}`);
  return broken.length === 0 ? 'Ok' : broken.join(',');
}

function resourceState(ctx: CliContext, r: ResourceWithVolumes): string {
  if (r.flags?.includes('DELETE')) return paint('DELETING', 'red', ctx.color);
  const states = [...new Set((r.volumes ?? []).map((v) => v.state?.disk_state).filter((s): s is string => !!s))];
  if (states.length === 0) return r.flags?.includes('DISKLESS') ? 'Diskless' : 'Unknown';
  const text = states.join(',');
  return states.every((s) => s === 'UpToDate' || s === 'Diskless') ? paint(text, 'green', ctx.color) : paint(text, 'yellow', ctx.color);
}

function minorOf(v: Volume): number | undefined {
  return v.layer_data_list?.find((l) => l.type === 'DRBD')?.data?.drbd_volume_definition?.minor_number;
}

const usage = (r: ResourceWithVolumes) => (r.state?.in_use === undefined ? 'Unknown' : r.state.in_use ? 'InUse' : 'Unused');

interface ViewOptions { nodes?: string[]; resources?: string[]; storagePools?: string[]; props?: string[] }
const viewFilter = (o: ViewOptions) => ({ nodes: o.nodes, resources: o.resources, storage_pools: o.storagePools, props: o.props });

function addViewOptions(cmd: Command): Command {
  return cmd
    .option('-n, --nodes <nodes...>', 'only on these nodes')
    .option('-r, --resources <names...>', 'only these resources')
    .option('-s, --storage-pools <pools...>', 'only in these storage pools')
    .option('--props <props...>', 'only resources with these properties (key or key=value)');
}

export function registerResource(program: Command, ctx: CliContext): void {
  const r = program.command('resource').alias('r').description('Resource subcommands');

  r.command('create').alias('c').description('Deploy a resource on nodes: NODE... RESOURCE, or RESOURCE --auto-place N.')
    .argument('<names...>')
    .option('-s, --storage-pool <pool>', 'storage pool to use')
    .option('--drbd-diskless', 'diskless DRBD client')
    .option('--nvme-initiator', 'diskless NVMe initiator')
    .option('--layer-list <layers>', 'layer stack, comma-separated')
    .option('--auto-place <n>', 'let the controller choose N nodes', intArg('place count'))
    .action(async (names: string[], o: { storagePool?: string; drbdDiskless?: boolean; nvmeInitiator?: boolean; layerList?: string; autoPlace?: number }) => {
      const layerList = splitList(o.layerList)?.map((s) => s.toUpperCase());
      if ((o.drbdDiskless || o.nvmeInitiator) && o.storagePool) throw new UsageError('A diskless resource takes no --storage-pool.');
      if (o.autoPlace !== undefined) {
        if (names.length !== 1) throw new UsageError('With --auto-place give only the resource name.');
        ctx.replies(await ctx.client.resources.autoplace(names[0], {
          select_filter: { place_count: o.autoPlace, ...(o.storagePool ? { storage_pool_list: [o.storagePool] } : {}) },
          ...(layerList ? { layer_list: layerList } : {}),
        }));
        return;
      }
      const { nodes, rd } = splitNodesAndRd(names);
      const flags = [...(o.drbdDiskless ? ['DRBD_DISKLESS' as const] : []), ...(o.nvmeInitiator ? ['NVME_INITIATOR' as const] : [])];
      const entries: ResourceCreate[] = nodes.map((node) => ({
        resource: {
          node_name: node,
          ...(o.storagePool ? { props: { StorPoolName: o.storagePool } } : {}),
          ...(flags.length ? { flags } : {}),
        },
        ...(layerList ? { layer_list: layerList } : {}),
      }));
      ctx.replies(await ctx.client.resources.create(rd, entries));
    });

  addViewOptions(r.command('list').aliases(['l', 'ls']).description('List resources.'))
    .action(async (o: ViewOptions) => {
      const list = await ctx.client.resources.view(viewFilter(o));
      if (ctx.machine) return ctx.json(list);
      const t = new Table(['ResourceName', 'Node', 'Layers', 'Usage', 'Conns', 'State', 'CreatedOn']);
      for (const x of list) {
        t.add([x.name, x.node_name, layerNames(x.layer_object).join(','), usage(x), connections(x), resourceState(ctx, x), timestamp(x.create_timestamp)]);
      }
      ctx.table(t);
    });

  r.command('delete').alias('d').description('Delete resources: NODE... RESOURCE.')
    .argument('<names...>')
    .action(async (names: string[]) => {
      const { nodes, rd } = splitNodesAndRd(names);
      for (const node of nodes) ctx.replies(await ctx.client.resources.delete(rd, node));
    });

  addSetProperty(r, ctx, ['node', 'resource'], ([node, rd], body) => ctx.client.resources.modify(rd, node, body));
  addListProperties(r, ctx, ['node', 'resource'], async ([node, rd]) => {
    const raw = await ctx.client.resources.get(rd, node);
    return { raw, props: raw.props };
  });

  const v = program.command('volume').alias('v').description('Volume subcommands');
  addViewOptions(v.command('list').aliases(['l', 'ls']).description('List volumes.'))
    .action(async (o: ViewOptions) => {
      const list = await ctx.client.resources.view(viewFilter(o));
      if (ctx.machine) return ctx.json(list);
      const t = new Table(['Resource', 'Node', 'StoragePool', 'VolNr', 'MinorNr', 'DeviceName',
        { header: 'Size', right: true }, { header: 'Allocated', right: true }, 'InUse', 'State']);
      for (const x of list) {
        for (const vol of x.volumes ?? []) {
          t.add([x.name, x.node_name, vol.storage_pool_name, vol.volume_number, minorOf(vol), vol.device_path,
            formatKib(usableOf(vol)), formatKib(vol.allocated_size_kib), usage(x), vol.state?.disk_state ?? 'Unknown']);
        }
      }
      ctx.table(t);
    });
}

/**
 * The size the volume offers, from its top layer (LINSTOR never fills the volume's own
 * usable_size_kib). An extra column next to the linstor client's, since thin volumes allocate little.
 */
function usableOf(vol: Volume): number | undefined {
  const top = vol.layer_data_list?.[0]?.data as { usable_size_kib?: number } | undefined;
  return top?.usable_size_kib;
}
