/**
 * What every command gets: the global options, a lazily created REST client, and output helpers that
 * honour `-m` (JSON, the raw REST reply), colours and the box style. Commands record their exit code
 * here; errors thrown by them are mapped to exit codes in program.ts.
 */
import { InvalidArgumentError } from 'commander';
import type { ApiCallRc } from '../model/apicallrc.js';
import { stringifyJson } from '../model/json.js';
import { StorhubClient } from '../client/index.js';
import { formatReply } from './output.js';
import type { Table } from './table.js';

export interface GlobalOptions {
  controllers?: string;
  machineReadable?: boolean;
  outputVersion?: string;
  color?: boolean;
  utf8?: boolean;
  timeout?: number;
  warnAsError?: boolean;
}

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env: NodeJS.ProcessEnv;
  /** Whether stdout is a terminal (colours only then). */
  isTTY: boolean;
  /** All of standard input, or undefined when it is a terminal or not available (secrets are piped, never prompted for). */
  readStdin?: () => Promise<string | undefined>;
}

/** A usage problem found after parsing (exit 2, like argparse errors). */
export class UsageError extends Error {}

/** Where the linstor client looks when no --controllers is given. */
export const DEFAULT_CONTROLLER = 'localhost';

export class CliContext {
  exitCode = 0;
  private clientInstance: StorhubClient | undefined;

  constructor(readonly io: CliIo, private readonly globals: () => GlobalOptions) {}

  get opts(): GlobalOptions {
    return this.globals();
  }

  get machine(): boolean {
    return this.opts.machineReadable === true;
  }

  get color(): boolean {
    return this.opts.color !== false && this.io.isTTY && !this.io.env.NO_COLOR;
  }

  /** Like the linstor client: --controllers, then LS_CONTROLLERS appended, else localhost. */
  controllerList(): string[] {
    const list: string[] = [];
    if (this.opts.controllers) list.push(this.opts.controllers);
    if (this.io.env.LS_CONTROLLERS) list.push(this.io.env.LS_CONTROLLERS);
    if (list.length === 0) list.push(DEFAULT_CONTROLLER);
    return list;
  }

  get client(): StorhubClient {
    if (!this.clientInstance) {
      let controllers: string[];
      try {
        controllers = this.controllerList();
        this.clientInstance = new StorhubClient({
          controllers,
          timeoutMs: (this.opts.timeout ?? 300) * 1000,
          userAgent: 'storhub-cli',
        });
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
    }
    return this.clientInstance;
  }

  out(text: string): void {
    this.io.stdout(text.endsWith('\n') ? text : text + '\n');
  }

  err(text: string): void {
    this.io.stderr(text.endsWith('\n') ? text : text + '\n');
  }

  /** -m output: bigint-safe JSON. */
  json(data: unknown): void {
    this.out(stringifyJson(data ?? null, 2));
  }

  table(t: Table): void {
    this.out(t.render({ utf8: this.opts.utf8 !== false }));
  }

  setExit(code: number): void {
    if (code > this.exitCode) this.exitCode = code;
  }

  /** Prints ApiCallRc entries (or their JSON with -m) and records the exit code they imply. */
  replies(list: ApiCallRc[]): void {
    let exit = 0;
    const texts: string[] = [];
    for (const rc of list) {
      const f = formatReply(rc, { color: this.color, warnAsError: this.opts.warnAsError });
      texts.push(f.text);
      exit = Math.max(exit, f.exit);
    }
    if (this.machine) this.json(list);
    else if (texts.length > 0) this.io.stdout(texts.join(''));
    this.setExit(exit);
  }

  async close(): Promise<void> {
    await this.clientInstance?.close();
  }
}

/** commander argument/option parser for non-negative integers. */
export function intArg(name: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError(`${name} must be a non-negative integer.`);
    return Number(value);
  };
}

/** Splits "a,b c" style option values (layer lists etc.) into items. */
export function splitList(values: string | string[] | undefined): string[] | undefined {
  if (values === undefined) return undefined;
  const arr = Array.isArray(values) ? values : [values];
  return arr.flatMap((v) => v.split(/[,\s]+/)).filter((v) => v !== '');
}

/** A volume number given as a positional argument of a generic verb. */
export function volumeNumber(value: string): number {
  if (!/^\d+$/.test(value.trim())) throw new UsageError(`Volume number '${value}' must be a non-negative integer.`);
  return Number(value);
}
