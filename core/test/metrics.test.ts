import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeApi, satelliteNode } from './helpers.js';

function sample(text: string, metric: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(metric + ' ') || l === metric);
  return line === undefined ? undefined : Number(line.slice(metric.length + 1));
}

test('GET /metrics: Prometheus text with counts, process data and request counters', async () => {
  const api = await makeApi();
  await api.call('POST', '/v1/nodes', satelliteNode('alpha'));
  await api.call('POST', '/v1/nodes', satelliteNode('beta'));
  await api.call('GET', '/v1/nodes/ghost');
  api.controller.recordError(new Error('x'), 'test');

  const res = await api.call('GET', '/metrics');
  assert.equal(res.status, 200);
  assert.equal(res.contentType, 'text/plain; version=0.0.4; charset=utf-8');
  const text = res.raw;
  assert.equal(sample(text, 'storhub_nodes'), 2);
  assert.equal(sample(text, 'storhub_storage_pools'), 2, 'one DfltDisklessStorPool per node');
  assert.equal(sample(text, 'storhub_storage_pool_definitions'), 2);
  assert.equal(sample(text, 'storhub_resource_groups'), 1);
  assert.equal(sample(text, 'storhub_resource_definitions'), 0);
  assert.equal(sample(text, 'storhub_resources'), 0);
  assert.equal(sample(text, 'storhub_volumes'), 0);
  assert.equal(sample(text, 'storhub_error_reports'), 1);
  assert.ok(sample(text, 'process_resident_memory_bytes')! > 0);
  assert.ok(sample(text, 'storhub_uptime_seconds')! >= 0);
  assert.match(text, /# TYPE storhub_http_requests_total counter/);
  assert.equal(sample(text, 'storhub_http_requests_total{method="POST",status="201"}'), 2);
  assert.equal(sample(text, 'storhub_http_requests_total{method="GET",status="404"}'), 1);
  assert.match(text, /storhub_info\{version="[^"]+"\} 1/);
  // every line is a comment or "name{labels} value"
  for (const line of text.trimEnd().split('\n')) assert.match(line, /^(# (HELP|TYPE) \S+ .+|[a-z_]+(\{[^}]*\})? -?\d+(\.\d+)?(e[+-]?\d+)?)$/, line);

  const again = await api.call('GET', '/metrics');
  assert.equal(sample(again.raw, 'storhub_http_requests_total{method="GET",status="200"}'), 1, 'the first /metrics call was counted');
  await api.close();
});
