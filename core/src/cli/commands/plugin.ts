/**
 * `storhub plugin (pl) list`: the plugins of the storhubd the client talks to (GET /v1/storhub/plugins).
 * Exit code 10 (API error) when one of them failed, so scripts and health probes can use it.
 */
import type { Command } from 'commander';
import type { PluginInfo } from '../../plugin/host.js';
import type { CliContext } from '../context.js';
import { ExitCode } from '../output.js';
import { Table } from '../table.js';

const STATE_COLOURS: Record<string, string> = { running: '\x1b[32m', failed: '\x1b[31m', stopped: '\x1b[33m' };

export function registerPlugin(program: Command, ctx: CliContext): void {
  const pl = program.command('plugin').alias('pl').description('Plugins of the storhubd (Storhub-specific)');

  pl.command('list').aliases(['l', 'ls']).description('List the plugins and their state.')
    .action(async () => {
      const list = (await ctx.client.request<PluginInfo[]>('GET', '/v1/storhub/plugins')).body ?? [];
      if (list.some((p) => p.state === 'failed')) ctx.setExit(ExitCode.API_ERROR);
      if (ctx.machine) return ctx.json(list);
      if (list.length === 0) return ctx.out('No plugins are configured ([plugins.<id>] sections of storhub.toml).');
      const t = new Table(['Plugin', 'Package', 'State', 'Endpoint', 'Since', 'Message']);
      for (const p of list) {
        const state = ctx.color ? `${STATE_COLOURS[p.state] ?? ''}${p.state}\x1b[0m` : p.state;
        t.add([p.name, p.package, state, p.endpoint, new Date(p.since).toISOString().replace(/\.\d+Z$/, 'Z'), p.message]);
      }
      ctx.table(t);
    });
}
