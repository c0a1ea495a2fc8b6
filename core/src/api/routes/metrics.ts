/**
 * GET /metrics in the Prometheus text format: object counts, process memory and uptime, HTTP
 * requests by method and status, stored error reports. Cheap by design: table sizes, plus one pass
 * over resources to count volumes.
 */
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../context.js';
import { STORHUB_VERSION } from '../../version.js';

const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

interface Metric {
  name: string;
  help: string;
  type: 'gauge' | 'counter';
  samples: Array<[labels: Record<string, string>, value: number]>;
}

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

export function renderMetrics(metrics: Metric[]): string {
  const lines: string[] = [];
  for (const m of metrics) {
    lines.push(`# HELP ${m.name} ${m.help}`, `# TYPE ${m.name} ${m.type}`);
    for (const [labels, value] of m.samples) {
      const l = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',');
      lines.push(`${m.name}${l ? `{${l}}` : ''} ${Number.isFinite(value) ? value : 0}`);
    }
  }
  return lines.join('\n') + '\n';
}

export function metricsRoutes(app: FastifyInstance, { controller: c }: ApiDeps): void {
  const requests = new Map<string, number>();
  app.addHook('onResponse', async (request, reply) => {
    const k = `${request.method} ${reply.statusCode}`;
    requests.set(k, (requests.get(k) ?? 0) + 1);
  });

  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
    const g = c.graph;
    let volumes = 0;
    for (const r of g.resources.values()) volumes += r.volumes.length;
    let volumeDefinitions = 0;
    for (const rd of g.resourceDefinitions.values()) volumeDefinitions += rd.volume_definitions.length;
    const mem = process.memoryUsage();
    const count = (name: string, help: string, value: number): Metric => ({ name, help, type: 'gauge', samples: [[{}, value]] });
    const body = renderMetrics([
      { name: 'storhub_info', help: 'Storhub version.', type: 'gauge', samples: [[{ version: STORHUB_VERSION }, 1]] },
      count('storhub_nodes', 'Registered nodes.', g.nodes.size),
      count('storhub_storage_pools', 'Storage pools on all nodes.', g.storagePools.size),
      count('storhub_storage_pool_definitions', 'Storage pool definitions.', g.storagePoolDefinitions.size),
      count('storhub_resource_groups', 'Resource groups.', g.resourceGroups.size),
      count('storhub_resource_definitions', 'Resource definitions.', g.resourceDefinitions.size),
      count('storhub_volume_definitions', 'Volume definitions.', volumeDefinitions),
      count('storhub_resources', 'Resources on all nodes.', g.resources.size),
      count('storhub_volumes', 'Volumes on all nodes.', volumes),
      count('storhub_snapshots', 'Snapshot definitions.', g.snapshots.size),
      count('storhub_error_reports', 'Error reports currently stored.', g.errorReports.size),
      count('process_resident_memory_bytes', 'Resident memory size in bytes.', mem.rss),
      count('nodejs_heap_used_bytes', 'V8 heap in use, in bytes.', mem.heapUsed),
      count('process_start_time_seconds', 'Start time of the process since the Unix epoch, in seconds.', Math.floor(Date.now() / 1000 - process.uptime())),
      count('storhub_uptime_seconds', 'Seconds since the controller started.', Math.round((Date.now() - c.startedAt) / 1000)),
      {
        name: 'storhub_http_requests_total',
        help: 'HTTP requests answered, by method and status.',
        type: 'counter',
        samples: [...requests.entries()].sort().map(([k, v]) => {
          const [method, status] = k.split(' ');
          return [{ method, status }, v];
        }),
      },
    ]);
    return reply.code(200).header('content-type', CONTENT_TYPE).send(body);
  });
}
