/**
 * /v1/error-reports. The list leaves the report text out unless `withContent=true`; a single report
 * (by id or id prefix) includes it by default. Both answer arrays, as LINSTOR does.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ErrorReport, ErrorReportDelete } from '../../model/controller.js';
import { ErrorReportService, reportFileName, type ErrorReportFilter } from '../../controller/services/error-reports.js';
import type { ErrorReportRecord } from '../../store/records.js';
import type { ApiDeps } from '../context.js';
import { nonEmpty } from '../out.js';
import { bool, first, int, type Query } from '../query.js';
import { ApiCallRcList, route } from '../route.js';

const tags = ['error-reports'];
const DEFAULT_LIMIT = 1000;

function view(r: ErrorReportRecord, withContent: boolean): ErrorReport {
  return nonEmpty({
    node_name: r.node_name,
    error_time: r.error_time,
    filename: reportFileName(r),
    text: withContent ? r.text : undefined,
    module: r.module,
    version: r.version,
    exception: r.exception,
    exception_message: r.exception_message,
    origin_file: r.origin_file,
    origin_method: r.origin_method,
    origin_line: r.origin_line,
  }) as ErrorReport;
}

function filterOf(q: Query): ErrorReportFilter {
  const since = first(q, 'since');
  const to = first(q, 'to');
  return {
    node: first(q, 'node') || undefined,
    since: since ? int(q, 'since') : undefined,
    to: to ? int(q, 'to') : undefined,
  };
}

export function errorReportRoutes(app: FastifyInstance, { controller: c }: ApiDeps): void {
  const reports = new ErrorReportService(c);

  route(app, 'GET', '/v1/error-reports', {
    summary: 'List error reports (node, since, to, withContent, limit, offset)', tags, reply: z.array(ErrorReport), operationId: 'errorReportList',
  }, ({ query }) => {
    const all = reports.list(filterOf(query));
    // limit/offset count from the newest report, so the default limit never hides recent failures;
    // the answer stays in time order.
    const limit = int(query, 'limit', DEFAULT_LIMIT) > 0 ? int(query, 'limit', DEFAULT_LIMIT) : DEFAULT_LIMIT;
    const offset = Math.max(0, int(query, 'offset', 0));
    const end = Math.max(0, all.length - offset);
    const page = all.slice(Math.max(0, end - limit), end);
    const withContent = bool(query, 'withContent', false);
    return page.map((r) => view(r, withContent));
  });

  route(app, 'GET', '/v1/error-reports/:reportid', {
    summary: 'Show error reports by id (or id prefix)', tags, reply: z.array(ErrorReport), operationId: 'errorReportShow',
  }, ({ params, query }) => {
    const withContent = bool(query, 'withContent', true);
    return reports.byIdPrefix(params.reportid, filterOf(query)).map((r) => view(r, withContent));
  });

  route(app, 'DELETE', '/v1/error-reports/:reportid', {
    summary: 'Delete one error report', tags, rc: { op: 'DELETE' }, reply: ApiCallRcList, operationId: 'errorReportDeleteSingle',
  }, ({ params }) => reports.deleteOne(params.reportid));

  route(app, 'PATCH', '/v1/error-reports', {
    summary: 'Delete the error reports matching all given criteria', tags, rc: { op: 'DELETE' }, body: ErrorReportDelete,
    reply: ApiCallRcList, operationId: 'errorReportDelete',
  }, ({ body }) => reports.deleteMany(body));
}
