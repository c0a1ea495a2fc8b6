/**
 * Error reports: what `controller.recordError` kept about unexpected failures. Listing, showing
 * (by id prefix, as python-linstor's `error-reports show` does) and deleting, one or by criteria.
 */
import { type ApiCallRc, Code, isoOffsetNow, retCode } from '../../model/apicallrc.js';
import { StorhubError } from '../../model/errors.js';
import type { ErrorReportDelete } from '../../model/controller.js';
import type { ErrorReportRecord } from '../../store/records.js';
import { Change } from '../change.js';
import type { Controller } from '../controller.js';

export interface ErrorReportFilter {
  node?: string;
  since?: number;
  to?: number;
}

/** There is no object mask for error reports, so entries carry only the operation bits. */
function deletedEntry(message: string, ids: string[]): ApiCallRc {
  return {
    ret_code: retCode('success', Code.DELETED, 'DELETE'),
    message,
    ...(ids.length ? { obj_refs: { ErrorReports: ids.slice(0, 50).join(',') } } : {}),
    created_at: isoOffsetNow(),
  };
}

export class ErrorReportService {
  constructor(private readonly c: Controller) {}

  /** Oldest first (report ids start with the time, so the graph's id order is time order). */
  list(f: ErrorReportFilter = {}): ErrorReportRecord[] {
    const node = f.node?.toUpperCase();
    return this.c.graph.errorReports.values().filter(
      (r) => (node === undefined || r.node_name.toUpperCase() === node)
        && (f.since === undefined || r.error_time >= f.since)
        && (f.to === undefined || r.error_time <= f.to),
    );
  }

  /** Reports whose id starts with `prefix` (case-insensitive); an exact id gives one report. */
  byIdPrefix(prefix: string, f: ErrorReportFilter = {}): ErrorReportRecord[] {
    const p = stripFileName(prefix).toUpperCase();
    return this.list(f).filter((r) => r.id.toUpperCase().startsWith(p));
  }

  deleteOne(id: string): ApiCallRc[] {
    const want = stripFileName(id).toUpperCase();
    const report = this.c.graph.errorReports.values().find((r) => r.id.toUpperCase() === want);
    if (!report) {
      return [{
        ret_code: retCode('warn', Code.WARN_NOT_FOUND, 'DELETE'),
        message: `Error report '${id}' not found.`,
        details: `Error report '${id}' could not be deleted because it does not exist.`,
        created_at: isoOffsetNow(),
      }];
    }
    this.c.commit(new Change().delete('error_report', report.id));
    return [deletedEntry(`Error report '${report.id}' deleted.`, [report.id])];
  }

  /** PATCH /v1/error-reports: deletes every report matching all given criteria. */
  deleteMany(body: ErrorReportDelete): ApiCallRc[] {
    const ids = (body.ids ?? []).map((i) => stripFileName(i).toUpperCase());
    const nodes = (body.nodes ?? []).map((n) => n.toUpperCase());
    if (body.since === undefined && body.to === undefined && ids.length === 0 && nodes.length === 0
      && body.exception === undefined && body.version === undefined) {
      throw new StorhubError('FAIL_INVLD_REQUEST', 'No error reports selected for deletion.', {
        correction: "Give at least one of 'since', 'to', 'nodes', 'exception', 'version' or 'ids'.",
      });
    }
    const doomed = this.c.graph.errorReports.values().filter(
      (r) => (body.since === undefined || r.error_time >= body.since)
        && (body.to === undefined || r.error_time <= body.to)
        && (nodes.length === 0 || nodes.includes(r.node_name.toUpperCase()))
        && (body.exception === undefined || r.exception === body.exception)
        && (body.version === undefined || r.version === body.version)
        && (ids.length === 0 || ids.some((i) => r.id.toUpperCase().startsWith(i))),
    );
    const change = new Change();
    for (const r of doomed) change.delete('error_report', r.id);
    this.c.commit(change);
    return [deletedEntry(`Deleted ${doomed.length} error report(s).`, doomed.map((r) => r.id))];
  }
}

/** Clients may pass the file name ("ErrorReport-<id>.log") instead of the bare id. */
function stripFileName(s: string): string {
  return s.replace(/^ErrorReport-/i, '').replace(/\.log$/i, '');
}

export const reportFileName = (r: ErrorReportRecord) => `ErrorReport-${r.id}.log`;
