/**
 * A StreamingRunner for unit tests: `spawnStream` plays scripted stdout lines (recorded real output)
 * instead of running anything, then either exits with the scripted code or stays "running" until the
 * caller aborts, as a real `drbdsetup events2` does. `run` answers from recordings (RecordedRunner).
 * Every argv is remembered so tests can assert the exact command lines.
 */
import { RecordedRunner, type Recording } from './recorded.js';
import { CommandError, type StreamExit, type StreamOptions, type StreamingRunner } from './runner.js';

export interface StreamScript {
  /** The argv to answer (file first); a RegExp matches the argv joined by spaces. */
  argv: readonly string[] | RegExp;
  /** stdout, one entry per line, delivered one at a time (each in its own macrotask). */
  lines: readonly string[];
  /** Exit with this code after the lines; undefined: keep running until aborted. */
  exitCode?: number;
  stderr?: string;
  /** Answer this many times (default: any number). */
  times?: number;
  /** The lines start once this settles (a test holds them back until it is ready). */
  gate?: Promise<unknown>;
}

export class ScriptedStreamRunner extends RecordedRunner implements StreamingRunner {
  /** Every argv spawnStream was asked to run, in order. */
  readonly streamCalls: string[][] = [];
  private readonly scripts: StreamScript[];

  constructor(scripts: StreamScript[] = [], recordings: Recording[] = []) {
    super(recordings);
    this.scripts = scripts.map((s) => ({ ...s }));
  }

  addStream(s: StreamScript): this {
    this.scripts.push({ ...s });
    return this;
  }

  async spawnStream(file: string, args: readonly string[], opts: StreamOptions): Promise<StreamExit> {
    const argv = [file, ...args];
    this.streamCalls.push(argv);
    const joined = argv.join(' ');
    const script = this.scripts.find((s) =>
      (s.times === undefined || s.times > 0) &&
      (s.argv instanceof RegExp ? s.argv.test(joined) : s.argv.length === argv.length && s.argv.every((a, i) => a === argv[i])),
    );
    if (!script) throw new CommandError(argv, undefined, '', '', 'no script for this command (ScriptedStreamRunner): spawn ENOENT');
    if (script.times !== undefined) script.times--;
    const canceled = (): StreamExit => ({ exitCode: undefined, signal: 'SIGTERM', canceled: true, stderr: script.stderr ?? '' });
    if (script.gate) await script.gate;
    for (const line of script.lines) {
      await new Promise((r) => setImmediate(r));
      if (opts.signal?.aborted) return canceled();
      opts.onLine(line);
    }
    await new Promise((r) => setImmediate(r));
    if (script.exitCode !== undefined && !opts.signal?.aborted) {
      return { exitCode: script.exitCode, signal: undefined, canceled: false, stderr: script.stderr ?? '' };
    }
    if (!opts.signal) throw new Error('ScriptedStreamRunner: a script without exitCode runs until aborted, but no signal was given');
    const signal = opts.signal;
    if (!signal.aborted) await new Promise<void>((r) => signal.addEventListener('abort', () => r(), { once: true }));
    return canceled();
  }
}
