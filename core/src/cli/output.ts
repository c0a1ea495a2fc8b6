/**
 * How answers are shown: ApiCallRc entries the way the linstor client prints them
 * (SUCCESS/WARNING/ERROR/INFO with Description, Cause, Correction, Details), and the exit codes of
 * its ExitCode enum.
 */
import { type ApiCallRc, severityOf } from '../model/apicallrc.js';

export const ExitCode = {
  OK: 0,
  UNKNOWN_ERROR: 1,
  ARGPARSE_ERROR: 2,
  OBJECT_NOT_FOUND: 3,
  API_ERROR: 10,
  CONNECTION_ERROR: 20,
  CONNECTION_TIMEOUT: 21,
  UNEXPECTED_REPLY: 22,
} as const;

const COLORS = { red: '\x1b[1;31m', green: '\x1b[1;32m', yellow: '\x1b[1;33m', darkgreen: '\x1b[0;32m', none: '\x1b[0m' };
export type ColorName = Exclude<keyof typeof COLORS, 'none'>;

export function paint(text: string, color: ColorName, enabled: boolean): string {
  return enabled ? `${COLORS[color]}${text}${COLORS.none}` : text;
}

function indented(text: string): string {
  return text.split('\n').map((l) => `    ${l}`).join('\n') + '\n';
}

/** Formats one entry and tells the exit code it implies. */
export function formatReply(rc: ApiCallRc, opts: { color: boolean; warnAsError?: boolean }): { text: string; exit: number } {
  const severity = severityOf(BigInt(rc.ret_code));
  let exit: number = ExitCode.OK;
  let out: string;
  if (severity === 'error') {
    exit = ExitCode.API_ERROR;
    out = paint('ERROR:', 'red', opts.color) + '\n';
  } else if (severity === 'warn') {
    if (opts.warnAsError) exit = ExitCode.API_ERROR;
    out = paint('WARNING:', 'yellow', opts.color) + '\n';
  } else if (severity === 'info') {
    out = 'INFO: ';
  } else {
    out = paint('SUCCESS:', 'green', opts.color) + '\n';
  }
  const has = (s: string | undefined): s is string => typeof s === 'string' && s.length > 0;
  if (has(rc.message) && (has(rc.cause) || has(rc.correction) || has(rc.details))) out += 'Description:\n';
  if (has(rc.message)) out += indented(rc.message);
  if (has(rc.cause)) out += 'Cause:\n' + indented(rc.cause);
  if (has(rc.correction)) out += 'Correction:\n' + indented(rc.correction);
  if (has(rc.details)) out += 'Details:\n' + indented(rc.details);
  if (rc.error_report_ids?.length) out += `Show reports:\n    storhub error-reports show ${rc.error_report_ids.join(' ')}\n`;
  return { text: out, exit };
}
