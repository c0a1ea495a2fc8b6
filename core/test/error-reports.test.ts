import { test } from 'node:test';
import assert from 'node:assert/strict';
import { codes, makeApi, type TestApi } from './helpers.js';
import { Change } from '../src/controller/change.js';
import type { ErrorReportRecord } from '../src/store/records.js';

function putReport(api: TestApi, id: string, time: number, node = 'ctrl', exception = 'TypeError'): void {
  const r: ErrorReportRecord = {
    id, node_name: node, error_time: time, module: 'CONTROLLER', version: '0.1.0', exception,
    exception_message: `boom ${id}`, text: `ERROR REPORT ${id}\n`,
  };
  api.controller.commit(new Change().put('error_report', id, r));
}

test('recordError shows up in the list with the spec fields, text only withContent', async () => {
  const api = await makeApi();
  const id = api.controller.recordError(new RangeError('out of range'), 'GET /v1/test');
  const list = await api.call('GET', '/v1/error-reports');
  assert.equal(list.status, 200);
  assert.equal(list.body.length, 1);
  const r = list.body[0];
  assert.equal(r.filename, `ErrorReport-${id}.log`);
  assert.equal(r.node_name, 'controller');
  assert.equal(typeof r.error_time, 'number');
  assert.equal(r.module, 'CONTROLLER');
  assert.equal(r.exception, 'RangeError');
  assert.equal(r.exception_message, 'out of range');
  assert.ok(!('text' in r));
  const withText = await api.call('GET', '/v1/error-reports?withContent=True');
  assert.match(withText.body[0].text, /Context: GET \/v1\/test/);

  const one = await api.call('GET', `/v1/error-reports/${id}`);
  assert.equal(one.status, 200);
  assert.equal(one.body.length, 1);
  assert.match(one.body[0].text, /out of range/, 'a single report includes its text by default');
  const noText = await api.call('GET', `/v1/error-reports/${id}?withContent=false`);
  assert.ok(!('text' in noText.body[0]));
  await api.close();
});

test('filters: node, since, to, limit (newest kept), offset; show by id prefix', async () => {
  const api = await makeApi();
  putReport(api, 'A0001-1-000001', 1000, 'ctrl');
  putReport(api, 'A0002-1-000002', 2000, 'n1');
  putReport(api, 'A0003-1-000003', 3000, 'ctrl');
  putReport(api, 'B0004-1-000004', 4000, 'N1');
  const names = (b: any[]) => b.map((r) => r.filename.replace(/^ErrorReport-|\.log$/g, ''));
  assert.deepEqual(names((await api.call('GET', '/v1/error-reports?node=n1')).body), ['A0002-1-000002', 'B0004-1-000004']);
  assert.deepEqual(names((await api.call('GET', '/v1/error-reports?since=2000&to=3000')).body), ['A0002-1-000002', 'A0003-1-000003']);
  assert.deepEqual(names((await api.call('GET', '/v1/error-reports?limit=2')).body), ['A0003-1-000003', 'B0004-1-000004']);
  assert.deepEqual(names((await api.call('GET', '/v1/error-reports?limit=2&offset=1')).body), ['A0002-1-000002', 'A0003-1-000003']);
  assert.equal((await api.call('GET', '/v1/error-reports?limit=0&offset=0')).body.length, 4);
  assert.deepEqual(names((await api.call('GET', '/v1/error-reports/a000')).body), ['A0001-1-000001', 'A0002-1-000002', 'A0003-1-000003']);
  assert.deepEqual((await api.call('GET', '/v1/error-reports/ZZZ')).body, []);
  await api.close();
});

test('DELETE one report; a missing one warns', async () => {
  const api = await makeApi();
  putReport(api, 'C0001-1-000001', 1000);
  const del = await api.call('DELETE', '/v1/error-reports/c0001-1-000001');
  assert.equal(del.status, 200);
  assert.equal(BigInt(del.body[0].ret_code), 0x3000002n); // DELETED | DEL
  assert.equal((await api.call('GET', '/v1/error-reports')).body.length, 0);
  const again = await api.call('DELETE', '/v1/error-reports/C0001-1-000001');
  assert.equal(again.status, 200);
  assert.deepEqual(codes(again.body), [{ severity: 'warn', code: 3000 }]);
  await api.close();
});

test('PATCH deletes by criteria (all must match) and refuses an empty selection', async () => {
  const api = await makeApi();
  putReport(api, 'D0001-1-000001', 1000, 'ctrl', 'TypeError');
  putReport(api, 'D0002-1-000002', 2000, 'n1', 'TypeError');
  putReport(api, 'D0003-1-000003', 3000, 'n1', 'RangeError');
  putReport(api, 'D0004-1-000004', 4000, 'n2', 'TypeError');
  const empty = await api.call('PATCH', '/v1/error-reports', {});
  assert.equal(empty.status, 500);
  assert.deepEqual(codes(empty.body), [{ severity: 'error', code: 234 }]);
  const res = await api.call('PATCH', '/v1/error-reports', { nodes: ['N1', 'n2'], exception: 'TypeError', to: '3500' });
  assert.equal(res.status, 200);
  assert.equal(res.body[0].message, 'Deleted 1 error report(s).');
  const left = (await api.call('GET', '/v1/error-reports')).body.map((r: any) => r.filename);
  assert.deepEqual(left, ['ErrorReport-D0001-1-000001.log', 'ErrorReport-D0003-1-000003.log', 'ErrorReport-D0004-1-000004.log']);
  const byIds = await api.call('PATCH', '/v1/error-reports', { ids: ['D0001', 'ErrorReport-D0004-1-000004.log'] });
  assert.equal(byIds.body[0].message, 'Deleted 2 error report(s).');
  assert.equal((await api.call('GET', '/v1/error-reports')).body.length, 1);
  await api.close();
});

test('an unexpected failure becomes a report whose id the 500 answer names', async () => {
  const api = await makeApi();
  // Make a list route fail unexpectedly (the store still works, so the report is kept).
  const pools = api.controller.graph.storagePools;
  const original = pools.values.bind(pools);
  pools.values = () => {
    throw new Error('kaboom');
  };
  const res = await api.call('GET', '/v1/view/storage-pools');
  pools.values = original;
  assert.equal(res.status, 500);
  const id = res.body[0].error_report_ids[0];
  const shown = await api.call('GET', `/v1/error-reports/${id}`);
  assert.equal(shown.body.length, 1);
  assert.equal(shown.body[0].exception_message, 'kaboom');
  await api.close();
});
