/** `storhub node (n)`: create, list, delete, lost, reconnect, properties, interfaces. */
import { type Command, Option } from 'commander';
import type { Node } from '../../client/types.js';
import type { NodeType } from '../../model/enums.js';
import { type CliContext, intArg } from '../context.js';
import { paint } from '../output.js';
import { addListProperties, addSetProperty } from '../props.js';
import { Table } from '../table.js';

const COMM_TYPES = ['plain', 'ssl'];
const defaultPort = (comm: string | undefined) => (comm?.toLowerCase() === 'ssl' ? 3367 : 3366);

export function nodeState(ctx: CliContext, status: string | undefined, flags: string[] = []): string {
  if (flags.includes('EVICTED')) return paint('EVICTED', 'red', ctx.color);
  if (flags.includes('DELETE')) return paint('DELETING', 'red', ctx.color);
  if (status === 'ONLINE') return paint('Online', 'green', ctx.color);
  if (status === undefined) return 'Unknown';
  return paint(status, status === 'OFFLINE' ? 'red' : 'yellow', ctx.color);
}

function addresses(n: Node): string {
  return (n.net_interfaces ?? [])
    .map((i) => `${i.address}${i.satellite_port ? `:${i.satellite_port}` : ''}${i.satellite_encryption_type ? ` (${i.satellite_encryption_type})` : ''}`)
    .join(', ');
}

export function registerNode(program: Command, ctx: CliContext): void {
  const node = program.command('node').alias('n').description('Node subcommands');

  node.command('create').alias('c').description('Register a node with the controller.')
    .argument('<name>').argument('<ip>')
    .addOption(new Option('--node-type <type>', 'node type').choices(['satellite', 'combined', 'controller', 'auxiliary']).default('satellite'))
    .addOption(new Option('--communication-type <type>', 'satellite connection').choices(COMM_TYPES).default('plain'))
    .option('--port <port>', 'satellite port (default 3366 plain, 3367 ssl)', intArg('port'))
    .option('--interface-name <name>', 'name of the first net interface', 'default')
    .action(async (name: string, ip: string, o: { nodeType: string; communicationType: string; port?: number; interfaceName: string }) => {
      ctx.replies(await ctx.client.nodes.create({
        name,
        // The wire spelling is upper-case; choices() above admits only the four node types.
        type: o.nodeType.toUpperCase() as NodeType,
        net_interfaces: [{
          name: o.interfaceName,
          address: ip,
          satellite_port: o.port ?? defaultPort(o.communicationType),
          satellite_encryption_type: o.communicationType.toUpperCase(),
          is_active: true,
        }],
      }));
    });

  node.command('list').aliases(['l', 'ls']).description('List nodes.')
    .option('-n, --nodes <nodes...>', 'only these nodes')
    .option('-p, --props <props...>', 'only nodes with these properties (key or key=value)')
    .action(async (o: { nodes?: string[]; props?: string[] }) => {
      const list = await ctx.client.nodes.list({ nodes: o.nodes, props: o.props });
      if (ctx.machine) return ctx.json(list);
      const t = new Table(['Node', 'NodeType', 'Addresses', 'State']);
      for (const n of list) t.add([n.name, n.type, addresses(n), nodeState(ctx, n.connection_status, n.flags)]);
      ctx.table(t);
    });

  node.command('delete').alias('d').description('Delete nodes (they must have no resources).')
    .argument('<nodes...>')
    .action(async (names: string[]) => {
      for (const n of names) ctx.replies(await ctx.client.nodes.delete(n));
    });

  node.command('lost').description('Forget a node that is gone for good, with everything on it.')
    .argument('<node>')
    .action(async (n: string) => ctx.replies(await ctx.client.nodes.lost(n)));

  node.command('reconnect').description('Reconnect to satellites.')
    .argument('<nodes...>')
    .action(async (names: string[]) => {
      for (const n of names) ctx.replies(await ctx.client.nodes.reconnect(n));
    });

  addSetProperty(node, ctx, ['node'], ([n], body) => ctx.client.nodes.modify(n, body));
  addListProperties(node, ctx, ['node'], async ([n]) => {
    const raw = await ctx.client.nodes.get(n);
    return { raw, props: raw.props };
  });

  registerInterface(node, ctx);
}

function registerInterface(node: Command, ctx: CliContext): void {
  const nif = node.command('interface').alias('i').description('Net interface subcommands');

  nif.command('create').alias('c').description('Add a net interface to a node.')
    .argument('<node>').argument('<name>').argument('<ip>')
    .option('--port <port>', 'satellite port on this interface', intArg('port'))
    .addOption(new Option('--communication-type <type>').choices(COMM_TYPES))
    .option('--active', 'use it for the satellite connection')
    .action(async (n: string, name: string, ip: string, o: { port?: number; communicationType?: string; active?: boolean }) => {
      const port = o.port ?? (o.communicationType ? defaultPort(o.communicationType) : undefined);
      ctx.replies(await ctx.client.nodes.createNetInterface(n, {
        name, address: ip,
        ...(port !== undefined ? { satellite_port: port, satellite_encryption_type: o.communicationType ?? 'plain' } : {}),
        ...(o.active ? { is_active: true } : {}),
      }));
    });

  nif.command('list').aliases(['l', 'ls']).description('List the net interfaces of a node.')
    .argument('<node>')
    .action(async (n: string) => {
      const list = await ctx.client.nodes.listNetInterfaces(n);
      if (ctx.machine) return ctx.json(list);
      const t = new Table(['NetInterface', 'IP', 'Port', 'EncryptionType', 'Active']);
      for (const i of list) t.add([i.name, i.address, i.satellite_port, i.satellite_encryption_type, i.is_active ? 'yes' : '']);
      ctx.table(t);
    });

  nif.command('modify').alias('m').description('Change a net interface.')
    .argument('<node>').argument('<name>')
    .option('--ip <ip>', 'new address')
    .option('--port <port>', 'satellite port', intArg('port'))
    .addOption(new Option('--communication-type <type>').choices(COMM_TYPES))
    .option('--active', 'use it for the satellite connection')
    .action(async (n: string, name: string, o: { ip?: string; port?: number; communicationType?: string; active?: boolean }) => {
      ctx.replies(await ctx.client.nodes.modifyNetInterface(n, name, {
        ...(o.ip ? { address: o.ip } : {}),
        ...(o.port !== undefined ? { satellite_port: o.port } : {}),
        ...(o.communicationType ? { satellite_encryption_type: o.communicationType } : {}),
        ...(o.active ? { is_active: true } : {}),
      }));
    });

  nif.command('delete').alias('d').description('Delete net interfaces.')
    .argument('<node>').argument('<names...>')
    .action(async (n: string, names: string[]) => {
      for (const name of names) ctx.replies(await ctx.client.nodes.deleteNetInterface(n, name));
    });
}
