/**
 * GET /v1/storhub/plugins (Storhub-specific; LINSTOR has no such endpoint): the plugins this storhubd
 * runs, sorted by name, each `{name, package, state: running|failed|stopped, endpoint?, message?,
 * since}` (`since`: ms since the epoch when it entered that state). `storhub plugin list` shows it.
 * A storhubd without plugins answers `[]`. Only the plugins of the storhubd that answers are listed:
 * plugins of satellite-only nodes report in their own log.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ApiDeps } from '../context.js';
import { route } from '../route.js';

export const PluginInfoSchema = z.object({
  name: z.string(),
  package: z.string(),
  state: z.enum(['running', 'failed', 'stopped']),
  endpoint: z.string().optional(),
  message: z.string().optional(),
  since: z.number().int(),
});

export function storhubPluginRoutes(app: FastifyInstance, { plugins }: ApiDeps): void {
  route(app, 'GET', '/v1/storhub/plugins', {
    summary: 'List the plugins of this storhubd and their state (Storhub-specific)', tags: ['storhub'],
    reply: z.array(PluginInfoSchema), operationId: 'storhubPluginList',
  }, () => plugins?.list() ?? []);
}
