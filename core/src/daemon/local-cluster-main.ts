#!/usr/bin/env node
/**
 * `npm run local-cluster -- --nodes 3 [--dir ./var/local-cluster] [--port 3370] [--plugins docker-volume,...]`:
 * starts a controller and N-1 satellites on this machine, waits until all are ONLINE, prints how to
 * reach them (and the plugins on node1: local-cluster-plugins.ts), and stops everything on Ctrl-C.
 */
import { Command } from 'commander';
import { type LocalNode, startLocalCluster } from './local-cluster.js';
import { LOCAL_PLUGIN_PRESETS, pluginIds, pluginSections } from './local-cluster-plugins.js';

const program = new Command('local-cluster')
  .description('Run a Storhub cluster of several nodes on this machine')
  .option('--nodes <n>', 'number of nodes', '3')
  .option('--dir <dir>', 'root directory of the nodes', './var/local-cluster')
  .option('--port <port>', 'REST port of the controller', '3370')
  .option('--plugins <list>', 'plugins to run on node1 (comma separated)')
  .option('--verbose', 'print the daemons\' log lines')
  .parse();

const o = program.opts<{ nodes: string; dir: string; port: string; plugins?: string; verbose?: boolean }>();
let plugins: string[] = [];
try {
  plugins = o.plugins ? pluginIds(o.plugins) : [];
} catch (err) {
  console.error(`local-cluster: ${(err as Error).message}`);
  process.exit(2);
}

try {
  const cluster = await startLocalCluster({
    nodes: Number(o.nodes),
    dir: o.dir,
    restPort: Number(o.port),
    logLevel: o.verbose ? 'info' : 'warn',
    onOutput: o.verbose ? (line) => console.log(line) : (line) => /"level":(50|60)/.test(line) && console.error(line),
    ...(plugins.length ? { node1Config: (n: LocalNode) => pluginSections(plugins, n) } : {}),
  });
  const host = new URL(cluster.controllerUrl).host;
  console.log(`local cluster ready: ${cluster.nodes.length} nodes, all ONLINE`);
  for (const n of cluster.nodes) console.log(`  ${n.name.padEnd(8)} ${n.address.padEnd(12)} ${n.role.padEnd(10)} ${n.dir}`);
  console.log(`\n  REST:      ${cluster.controllerUrl}`);
  console.log(`  CLI:       export LS_CONTROLLERS=${host}; node core/dist/src/cli/main.js node list`);
  console.log(`  linstor:   linstor --controllers ${host} resource list`);
  if (plugins.length) await printPlugins(cluster.controllerUrl);
  console.log('\nCtrl-C stops every node.');
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.log('\nstopping the local cluster ...');
    await cluster.stop();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} catch (err) {
  console.error(`local-cluster: ${(err as Error).message}`);
  process.exit(1);
}

/** Each plugin on node1 as its status reports it, and how to use it. */
async function printPlugins(controllerUrl: string): Promise<void> {
  const res = await fetch(`${controllerUrl}/v1/storhub/plugins`);
  const list = (await res.json()) as Array<{ name: string; state: string; endpoint?: string; message?: string }>;
  console.log('\n  plugins on node1:');
  for (const p of list) {
    console.log(`    ${p.name}: ${p.state}${p.endpoint ? ` (${p.endpoint})` : ''}${p.message ? ` - ${p.message}` : ''}`);
    if (p.state === 'running') for (const line of LOCAL_PLUGIN_PRESETS[p.name]?.hints(p.endpoint) ?? []) console.log(`      ${line}`);
  }
}
