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

// --- long-running commands (e.g. `drbdsetup events2`): output consumed line by line ---

export interface StreamOptions {
  /** Called for every line of stdout (without the newline), in order, as it arrives. */
  onLine(line: string): void;
  /**
   * Aborting stops the command (SIGTERM, then SIGKILL after a grace period). This is the "timeout" of a
   * stream: it has no natural end, so whoever starts it must hold a signal and abort it when done.
   */
  signal?: AbortSignal;
  /** Added to the environment. */
  env?: Record<string, string>;
}

export interface StreamExit {
  /** undefined when it was ended by a signal. */
  exitCode: number | undefined;
  signal: string | undefined;
  /** True when it ended because `signal` was aborted. */
  canceled: boolean;
  /** The last few KiB of stderr (for the log line that says why it ended). */
  stderr: string;
}

/**
 * A CommandRunner that can also run a command whose stdout is a stream of events. The promise resolves
 * when the command has ended (whatever its exit code: the caller decides what an end means) and every
 * line has been delivered; it rejects with CommandError only when the command could not be started.
 */
export interface StreamingRunner extends CommandRunner {
  spawnStream(file: string, args: readonly string[], opts: StreamOptions): Promise<StreamExit>;
}

export function isStreamingRunner(runner: CommandRunner): runner is StreamingRunner {
  return typeof (runner as Partial<StreamingRunner>).spawnStream === 'function';
}
