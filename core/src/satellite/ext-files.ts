/**
 * External files (LINSTOR's `/v1/files`): the controller sends every file attached to a resource on
 * this node; the satellite writes them, but only below the directories the node's own configuration
 * allows (`allowExtFiles`, default: none), so a controller can never write an arbitrary file as root.
 *
 * Files that are no longer attached are removed — only files this satellite wrote itself, which it
 * remembers in a small index in its state directory. A file that was there before is never touched.
 */
import { lstat, mkdir, readFile, realpath, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, posix } from 'node:path';
import type { Logger } from 'pino';
import type { ExternalFile, Report } from './protocol.js';

const INDEX_FILE = 'ext-files.json';

export interface ExternalFilesOptions {
  stateDir: string;
  /** Directories files may be written below (absolute). */
  allowed: readonly string[];
  log: Logger;
}

export class ExternalFiles {
  private readonly allowed: string[];
  private readonly indexPath: string;

  constructor(private readonly opts: ExternalFilesOptions) {
    this.allowed = opts.allowed.map((a) => (a.length > 1 ? a.replace(/\/+$/, '') : a));
    this.indexPath = join(opts.stateDir, INDEX_FILE);
  }

  /** The allowed directory `path` lies below, or undefined. The path must be absolute and normalised. */
  allowedRoot(path: string): string | undefined {
    if (!isAbsolute(path) || posix.normalize(path) !== path || path.endsWith('/')) return undefined;
    return this.allowed.find((a) => a === '/' || path.startsWith(`${a}/`));
  }

  /** Writes `files`, removes the ones it wrote before that are no longer in the list. */
  async apply(files: readonly ExternalFile[]): Promise<Report[]> {
    const reports: Report[] = [];
    const previous = await this.readIndex();
    const desired = new Map<string, ExternalFile>();
    for (const f of files) desired.set(f.path, f);
    const written = new Set<string>();

    for (const f of desired.values()) {
      const root = this.allowedRoot(f.path);
      if (!root) {
        reports.push({
          severity: 'warn',
          message: `External file ${f.path} was not written: ${this.allowed.length ? 'it is not below a directory in allowExtFiles' : 'this node allows no external files'}.`,
          correction: `Add its directory to [files] allowExtFiles (or [satellite] allow_ext_files) in the configuration of this node's satellite, then restart it.`,
        });
        continue;
      }
      try {
        await this.writeOne(f, root);
        written.add(f.path);
      } catch (err) {
        reports.push({ severity: 'error', message: `Writing external file ${f.path} failed: ${(err as Error).message}` });
        // Keep it in the index if it was ours: a later attempt may succeed, and removal must stay possible.
        if (previous.has(f.path)) written.add(f.path);
      }
    }

    const kept = new Set(written);
    for (const path of previous) {
      if (written.has(path)) continue;
      try {
        await this.removeOne(path);
      } catch (err) {
        kept.add(path);
        reports.push({ severity: 'error', message: `Removing external file ${path} failed: ${(err as Error).message}` });
      }
    }
    await this.writeIndex(kept);
    return reports;
  }

  private async writeOne(f: ExternalFile, root: string): Promise<void> {
    const content = Buffer.from(f.content, 'base64');
    const dir = dirname(f.path);
    await mkdir(root, { recursive: true });
    const realRoot = await realpath(root);
    // A symlink below the allowed directory must not lead the write (or a mkdir) somewhere else:
    // checked on the deepest existing directory before creating the rest, and on the result.
    await this.checkInside(await existingAncestor(dir), realRoot, root);
    await mkdir(dir, { recursive: true });
    await this.checkInside(dir, realRoot, root);
    const existing = await readFile(f.path).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
    if (existing?.equals(content)) return;
    const tmp = `${f.path}.storhub-tmp`;
    await writeFile(tmp, content, { mode: 0o644 });
    await rename(tmp, f.path);
    this.opts.log.info({ path: f.path, bytes: content.length }, 'wrote external file');
  }

  private async checkInside(dir: string, realRoot: string, root: string): Promise<void> {
    const real = await realpath(dir);
    if (real !== realRoot && !real.startsWith(realRoot === '/' ? '/' : `${realRoot}/`)) {
      throw new Error(`its directory resolves to ${real}, outside ${root}`);
    }
  }

  private async removeOne(path: string): Promise<void> {
    const st = await lstat(path).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
    if (!st) return;
    if (!st.isFile()) throw new Error('it is no longer a regular file; left in place');
    await rm(path);
    this.opts.log.info({ path }, 'removed external file');
  }

  private async readIndex(): Promise<Set<string>> {
    let text: string;
    try {
      text = await readFile(this.indexPath, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Set();
      throw err;
    }
    const parsed = JSON.parse(text) as { files?: unknown };
    return new Set(Array.isArray(parsed.files) ? parsed.files.filter((p): p is string => typeof p === 'string') : []);
  }

  private async writeIndex(paths: Set<string>): Promise<void> {
    await mkdir(this.opts.stateDir, { recursive: true });
    const tmp = `${this.indexPath}.tmp`;
    await writeFile(tmp, JSON.stringify({ files: [...paths].sort() }, null, 1) + '\n', { mode: 0o600 });
    await rename(tmp, this.indexPath);
  }
}

/** `dir` or its nearest ancestor that exists. */
async function existingAncestor(dir: string): Promise<string> {
  for (let d = dir; ; d = dirname(d)) {
    try {
      await lstat(d);
      return d;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || d === dirname(d)) throw err;
    }
  }
}
