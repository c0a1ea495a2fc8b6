/**
 * A CommandRunner for unit tests: answers from recorded real output instead of running anything,
 * and remembers every argv it was asked to run so tests can assert the exact command lines.
 */
import { CommandError, type CommandRunner, type RunOptions, type RunResult, checkExit } from './runner.js';

export interface Recording {
  /** The argv to answer (file first); a RegExp matches the argv joined by spaces. */
  argv: readonly string[] | RegExp;
  result: Partial<RunResult>;
  /** Answer this many times (default: any number). */
  times?: number;
}

export class RecordedRunner implements CommandRunner {
  readonly calls: string[][] = [];
  private readonly recordings: Recording[];

  constructor(recordings: Recording[] = []) {
    this.recordings = recordings.map((r) => ({ ...r }));
  }

  add(r: Recording): this {
    this.recordings.push({ ...r });
    return this;
  }

  async run(file: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    const argv = [file, ...args];
    this.calls.push(argv);
    const joined = argv.join(' ');
    const rec = this.recordings.find((r) =>
      (r.times === undefined || r.times > 0) &&
      (r.argv instanceof RegExp ? r.argv.test(joined) : r.argv.length === argv.length && r.argv.every((a, i) => a === argv[i])),
    );
    if (!rec) throw new CommandError(argv, undefined, '', '', 'no recording for this command (RecordedRunner)');
    if (rec.times !== undefined) rec.times--;
    return checkExit(argv, { exitCode: rec.result.exitCode ?? 0, stdout: rec.result.stdout ?? '', stderr: rec.result.stderr ?? '' }, opts);
  }
}
