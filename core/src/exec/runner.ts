/**
 * The CommandRunner: the only way Storhub runs an external program. Always an argv array, never a
 * shell string; always a timeout. A failure raises CommandError, which keeps argv, exit code and
 * stderr so the error that reaches the user says exactly what ran and what it answered.
 */

export interface RunOptions {
  /** Kill the command after this long (default 60 s). */
  timeoutMs?: number;
  /** Written to the command's stdin. */
  input?: string;
  /** Added to the environment. */
  env?: Record<string, string>;
  /** Exit codes that count as success (default [0]). */
  okExitCodes?: readonly number[];
}

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface CommandRunner {
  run(file: string, args: readonly string[], opts?: RunOptions): Promise<RunResult>;
}

export const DEFAULT_TIMEOUT_MS = 60_000;

export class CommandError extends Error {
  constructor(
    readonly argv: readonly string[],
    readonly exitCode: number | undefined,
    readonly stdout: string,
    readonly stderr: string,
    reason: string,
  ) {
    super(`${argv.join(' ')}: ${reason}${stderr.trim() ? `: ${lastLines(stderr)}` : ''}`);
    this.name = 'CommandError';
  }

  /** True when the program itself was not found (ENOENT). */
  get notFound(): boolean {
    return this.exitCode === undefined && /ENOENT|not found/i.test(this.message);
  }
}

function lastLines(text: string, n = 3): string {
  return text.trim().split('\n').slice(-n).join(' | ');
}

export function checkExit(argv: readonly string[], result: RunResult, opts: RunOptions = {}): RunResult {
  const ok = opts.okExitCodes ?? [0];
  if (!ok.includes(result.exitCode)) {
    throw new CommandError(argv, result.exitCode, result.stdout, result.stderr, `exit code ${result.exitCode}`);
  }
  return result;
}
