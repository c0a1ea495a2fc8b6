/** `storhub storage-pool (sp)` and `storhub storage-pool-definition (spd)`. */
import type { Command } from 'commander';
import { isError, severityOf } from '../../model/apicallrc.js';
import type { StoragePool } from '../../client/types.js';
import type { CliContext } from '../context.js';
import { paint } from '../output.js';
import { addListProperties, addSetProperty } from '../props.js';
import { formatKib } from '../size.js';
import { Table } from '../table.js';

/** CLI kind -> provider_kind, with what the driver pool argument names. */
const KINDS: Record<string, { provider: string; driver?: string }> = {
  lvm: { provider: 'LVM', driver: 'volume group' },
  lvmthin: { provider: 'LVM_THIN', driver: 'volume group/thin pool' },
  zfs: { provider: 'ZFS', driver: 'zpool' },
  zfsthin: { provider: 'ZFS_THIN', driver: 'zpool' },
  file: { provider: 'FILE', driver: 'directory' },
  filethin: { provider: 'FILE_THIN', driver: 'directory' },
  diskless: { provider: 'DISKLESS' },
};

/** DISKLESS pools report Long.MAX_VALUE: no meaningful capacity to show. */
const INFINITE = 9223372036854775807n;
const capacity = (v: number | bigint | undefined) => (v === undefined || BigInt(v) === INFINITE ? '' : formatKib(v));

function poolState(ctx: CliContext, sp: StoragePool): string {
  const reports = sp.reports ?? [];
  if (reports.some((r) => isError(BigInt(r.ret_code)))) return paint('Error', 'red', ctx.color);
  if (reports.some((r) => severityOf(BigInt(r.ret_code)) === 'warn')) return paint('Warning', 'yellow', ctx.color);
  return paint('Ok', 'green', ctx.color);
}

export function registerStoragePool(program: Command, ctx: CliContext): void {
  const sp = program.command('storage-pool').alias('sp').description('Storage pool subcommands');

  const create = sp.command('create').alias('c').description('Create a storage pool on a node.');
  for (const [kind, { provider, driver }] of Object.entries(KINDS)) {
    const c = create.command(kind).description(`Create a ${provider} storage pool.`)
      .argument('<node>').argument('<name>');
    if (driver) c.argument('<driver_pool>', `the backing ${driver}`);
    c.option('--shared-space <name>', 'name of the storage shared between nodes (default: not shared)')
      .option('--external-locking', 'the shared storage does its own locking')
      .action(async (...args: unknown[]) => {
        const [node, name] = args as string[];
        const driverPool = driver ? (args[2] as string) : undefined;
        const o = args[driver ? 3 : 2] as { sharedSpace?: string; externalLocking?: boolean };
        ctx.replies(await ctx.client.storagePools.create(node, {
          storage_pool_name: name,
          provider_kind: provider,
          ...(driverPool ? { props: { 'StorDriver/StorPoolName': driverPool } } : {}),
          ...(o.sharedSpace ? { free_space_mgr_name: o.sharedSpace } : {}),
          ...(o.externalLocking ? { external_locking: true } : {}),
        }));
      });
  }

  sp.command('list').aliases(['l', 'ls']).description('List storage pools.')
    .option('-n, --nodes <nodes...>', 'only on these nodes')
    .option('-s, --storage-pools <pools...>', 'only these pools')
    .option('-p, --props <props...>', 'only pools with these properties (key or key=value)')
    .action(async (o: { nodes?: string[]; storagePools?: string[]; props?: string[] }) => {
      const list = await ctx.client.storagePools.list({ nodes: o.nodes, storage_pools: o.storagePools, props: o.props });
      if (ctx.machine) return ctx.json(list);
      const t = new Table(['StoragePool', 'Node', 'Driver', 'PoolName', { header: 'FreeCapacity', right: true },
        { header: 'TotalCapacity', right: true }, 'CanSnapshots', 'State', 'SharedName']);
      for (const p of list) {
        t.add([p.storage_pool_name, p.node_name, p.provider_kind, p.props?.['StorDriver/StorPoolName'] ?? '',
          capacity(p.free_capacity), capacity(p.total_capacity), p.supports_snapshots ? 'True' : 'False',
          poolState(ctx, p), p.free_space_mgr_name]);
      }
      ctx.table(t);
    });

  sp.command('delete').alias('d').description('Delete a storage pool.')
    .argument('<node>').argument('<name>')
    .action(async (node: string, name: string) => ctx.replies(await ctx.client.storagePools.delete(node, name)));

  addSetProperty(sp, ctx, ['node', 'name'], ([n, p], body) => ctx.client.storagePools.modify(n, p, body));
  addListProperties(sp, ctx, ['node', 'name'], async ([n, p]) => {
    const raw = await ctx.client.storagePools.get(n, p);
    return { raw, props: raw.props };
  });

  const spd = program.command('storage-pool-definition').alias('spd').description('Storage pool definition subcommands');

  spd.command('create').alias('c').description('Create a storage pool definition.')
    .argument('<name>')
    .action(async (name: string) => ctx.replies(await ctx.client.storagePoolDefinitions.create(name)));

  spd.command('list').aliases(['l', 'ls']).description('List storage pool definitions.')
    .action(async () => {
      const list = await ctx.client.storagePoolDefinitions.list();
      if (ctx.machine) return ctx.json(list);
      const t = new Table(['StoragePool']);
      for (const d of list) t.add([d.storage_pool_name]);
      ctx.table(t);
    });

  spd.command('delete').alias('d').description('Delete a storage pool definition.')
    .argument('<name>')
    .action(async (name: string) => ctx.replies(await ctx.client.storagePoolDefinitions.delete(name)));

  addSetProperty(spd, ctx, ['name'], ([n], body) => ctx.client.storagePoolDefinitions.modify(n, body));
  addListProperties(spd, ctx, ['name'], async ([n]) => {
    const raw = await ctx.client.storagePoolDefinitions.get(n);
    return { raw, props: raw.props };
  });
}
