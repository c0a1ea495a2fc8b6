/**
 * Turns what went wrong on the node into protocol Reports, the form the controller shows the user:
 * a message that names the object, the cause (what the tool said) and, where known, the correction.
 */
import { CommandError } from '../exec/runner.js';
import type { Report } from './protocol.js';

/** An error that already knows how the user fixes it (providers and layers may throw these). */
export class SatelliteError extends Error {
  constructor(message: string, readonly info: { cause?: string; correction?: string; details?: string } = {}) {
    super(message);
    this.name = 'SatelliteError';
  }
}

/** `what` says what was being done, e.g. "Creating volume r1_00000 in pool DfltStorPool". */
export function errorReport(what: string, err: unknown, severity: Report['severity'] = 'error'): Report {
  const info = (err as { info?: { cause?: string; correction?: string; details?: string } } | undefined)?.info;
  const report: Report = { severity, message: `${what} failed: ${err instanceof Error ? err.message : String(err)}` };
  if (err instanceof CommandError) {
    report.cause = err.stderr.trim() || `exit code ${err.exitCode ?? 'none'}`;
    report.details = `command: ${err.argv.join(' ')}`;
    if (err.notFound) report.correction = `Install ${err.argv[0]} on this node (and restart the satellite).`;
  }
  if (info?.cause) report.cause = info.cause;
  if (info?.correction) report.correction = info.correction;
  if (info?.details) report.details = info.details;
  return report;
}
