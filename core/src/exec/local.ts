/** Runs commands on this machine through execa (no shell), with a timeout and the argv kept for errors. */
import { execa } from 'execa';
import { CommandError, type CommandRunner, DEFAULT_TIMEOUT_MS, type RunOptions, type RunResult, checkExit } from './runner.js';

export class LocalRunner implements CommandRunner {
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
}
