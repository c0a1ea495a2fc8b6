/** Runs commands on this machine through execa (no shell), with a timeout and the argv kept for errors. */
import { createInterface } from 'node:readline';
import { execa } from 'execa';
import {
  CommandError, type CommandRunner, DEFAULT_TIMEOUT_MS, type RunOptions, type RunResult, type StreamExit, type StreamOptions,
  type StreamingRunner, checkExit,
} from './runner.js';

/** How much of a stream's stderr is kept for the message that says why it ended. */
const STREAM_STDERR_KEEP = 4096;
/** After an abort: SIGTERM first, SIGKILL if the command is still there after this long. */
const STREAM_KILL_GRACE_MS = 5_000;

export class LocalRunner implements CommandRunner, StreamingRunner {
  async run(file: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    const argv = [file, ...args];
    const res = await execa(file, args, {
      reject: false,
      shell: false,
      timeout: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      input: opts.input,
      env: opts.env,
      stripFinalNewline: false,
    });
    if (res.failed && res.exitCode === undefined) {
      const reason = res.timedOut ? `timed out after ${opts.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms` : (res.originalMessage ?? res.shortMessage ?? 'failed to start');
      throw new CommandError(argv, undefined, String(res.stdout ?? ''), String(res.stderr ?? ''), reason);
    }
    return checkExit(argv, { exitCode: res.exitCode ?? -1, stdout: String(res.stdout), stderr: String(res.stderr) }, opts);
  }

  async spawnStream(file: string, args: readonly string[], opts: StreamOptions): Promise<StreamExit> {
    const argv = [file, ...args];
    // Nothing is buffered: a stream runs for days. stdout goes line by line to onLine, stderr keeps its tail.
    const sub = execa(file, args, {
      reject: false,
      shell: false,
      stdin: 'ignore',
      buffer: false,
      env: opts.env,
      cancelSignal: opts.signal,
      forceKillAfterDelay: STREAM_KILL_GRACE_MS,
    });
    let stderr = '';
    sub.stderr?.setEncoding('utf8');
    sub.stderr?.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-STREAM_STDERR_KEEP);
    });
    let listenerError: unknown;
    const lines = new Promise<void>((resolve) => {
      if (!sub.stdout) return resolve();
      const rl = createInterface({ input: sub.stdout, crlfDelay: Infinity });
      rl.on('line', (line) => {
        if (listenerError !== undefined) return;
        try {
          opts.onLine(line);
        } catch (err) {
          // The consumer is broken: stop the command and report the consumer's error, not an exit code.
          listenerError = err;
          sub.kill();
        }
      });
      rl.once('close', () => resolve());
    });
    const [res] = await Promise.all([sub, lines]);
    if (listenerError !== undefined) throw listenerError;
    if (res.failed && res.exitCode === undefined && res.signal === undefined && !res.isCanceled) {
      throw new CommandError(argv, undefined, '', stderr, res.originalMessage ?? res.shortMessage ?? 'failed to start');
    }
    return { exitCode: res.exitCode, signal: res.signal, canceled: res.isCanceled, stderr };
  }
}
