/**
 * Loads a plugin's Adapter by package name (or by path) with a dynamic import.
 *
 * Resolution, in order:
 * 1. a path ("/abs/x.js", "./x.js", "../x.js", "file:..."): imported as is, relative paths from `baseDir`
 *    (the directory of storhub.toml);
 * 2. a package name: Node's own resolution from @storhub/core (node_modules, where `npm install` links
 *    the workspace packages plugins/*);
 * 3. when that package is not installed: the workspace package of that name under <repo>/plugins/*
 *    (its package.json "exports" / "main", else dist/src/index.js), so a checkout that was built but
 *    not `npm install`ed after adding a plugin still finds it.
 * The module's default export must be an Adapter; anything else is refused with what was found.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Adapter } from './adapter.js';

export type LoadAdapter = (pkg: string) => Promise<Adapter>;

export class PluginLoadError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PluginLoadError';
  }
}

const isPath = (spec: string): boolean => spec.startsWith('/') || spec.startsWith('./') || spec.startsWith('../') || spec.startsWith('file:');

/** A loader resolving relative paths from `baseDir` (default: the working directory). */
export function moduleLoader(opts: { baseDir?: string; workspaceRoot?: string } = {}): LoadAdapter {
  return async (pkg) => adapterOf(pkg, await importPlugin(pkg, opts));
}

async function importPlugin(pkg: string, opts: { baseDir?: string; workspaceRoot?: string }): Promise<unknown> {
  if (isPath(pkg)) {
    const url = pkg.startsWith('file:') ? pkg : pathToFileURL(isAbsolute(pkg) ? pkg : resolve(opts.baseDir ?? process.cwd(), pkg)).href;
    try {
      return await import(url);
    } catch (err) {
      throw new PluginLoadError(`Cannot load the plugin module ${fileURLToPath(url)}: ${(err as Error).message}`, { cause: err });
    }
  }
  try {
    return await import(pkg);
  } catch (err) {
    if (!notInstalled(err, pkg)) {
      throw new PluginLoadError(`Cannot load the plugin package '${pkg}': ${(err as Error).message}`, { cause: err });
    }
    const found = workspaceEntry(pkg, opts.workspaceRoot ?? workspaceRoot());
    if (!found) {
      throw new PluginLoadError(`The plugin package '${pkg}' is not installed (npm install ${pkg}), and no workspace package ` +
        `plugins/*/package.json has that name.`, { cause: err });
    }
    const { dir, entry } = found;
    if (!existsSync(entry)) {
      throw new PluginLoadError(`The plugin package '${pkg}' is the workspace package in ${dir}, but it is not built ` +
        `(${entry} is missing): run npm run build.`);
    }
    try {
      return await import(pathToFileURL(entry).href);
    } catch (wsErr) {
      throw new PluginLoadError(`Cannot load the plugin package '${pkg}' from ${entry}: ${(wsErr as Error).message}`, { cause: wsErr });
    }
  }
}

/** The package itself could not be found (as opposed to a module it imports). */
function notInstalled(err: unknown, pkg: string): boolean {
  const e = err as { code?: string; message?: string };
  return e?.code === 'ERR_MODULE_NOT_FOUND' && typeof e.message === 'string' && e.message.includes(`'${pkg}'`);
}

/** The repository root: the nearest directory above this file whose package.json has workspaces. */
function workspaceRoot(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj) && readJson(pj)?.workspaces !== undefined) return dir;
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

/** The workspace package named `pkg` under <root>/plugins/* and its entry file, or undefined. */
export function workspaceEntry(pkg: string, root: string | undefined): { dir: string; entry: string } | undefined {
  if (!root) return undefined;
  const plugins = join(root, 'plugins');
  if (!existsSync(plugins)) return undefined;
  for (const name of readdirSync(plugins).sort()) {
    const dir = join(plugins, name);
    const pj = join(dir, 'package.json');
    if (!statSync(dir).isDirectory() || !existsSync(pj)) continue;
    const meta = readJson(pj);
    if (meta?.name !== pkg) continue;
    return { dir, entry: join(dir, entryOf(meta)) };
  }
  return undefined;
}

function entryOf(meta: Record<string, unknown>): string {
  const exp = meta.exports;
  const dot = typeof exp === 'string' ? exp : (exp as Record<string, unknown> | undefined)?.['.'];
  if (typeof dot === 'string') return dot;
  if (dot && typeof dot === 'object') {
    const cond = (dot as Record<string, unknown>).import ?? (dot as Record<string, unknown>).default;
    if (typeof cond === 'string') return cond;
  }
  return typeof meta.main === 'string' ? meta.main : 'dist/src/index.js';
}

function readJson(path: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new PluginLoadError(`Cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
}

/** The default export, checked to be an Adapter. */
export function adapterOf(pkg: string, mod: unknown): Adapter {
  const a = (mod as { default?: unknown })?.default as Partial<Adapter> | undefined;
  const problems: string[] = [];
  if (!a || typeof a !== 'object') problems.push(`the default export is ${a === undefined ? 'missing' : typeof a}`);
  else {
    if (typeof a.name !== 'string' || a.name === '') problems.push('it has no name');
    if (typeof (a.configSchema as { safeParse?: unknown } | undefined)?.safeParse !== 'function') problems.push('its configSchema is not a zod schema');
    if (typeof a.start !== 'function') problems.push('it has no start()');
    if (typeof a.stop !== 'function') problems.push('it has no stop()');
  }
  if (problems.length) {
    throw new PluginLoadError(`'${pkg}' is not a Storhub plugin: ${problems.join(', ')} (a plugin's default export is an Adapter ` +
      '{name, configSchema, start, stop}; see plugins/README.md).');
  }
  return a as Adapter;
}
