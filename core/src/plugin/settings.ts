/**
 * The `[plugins]` section of storhub.toml: which plugins storhubd runs, and with what options.
 *
 *   [plugins]
 *   controllers = "10.0.0.1,10.0.0.2:3370"   # optional; default: this storhubd's own REST API
 *
 *   [plugins.docker-volume]                   # the plugin id (its status, log and state-dir name)
 *   package = "@storhub/plugin-docker-volume" # optional; default "@storhub/plugin-<id>"
 *   enabled = true                            # optional
 *   [plugins.docker-volume.config]            # the plugin's own options, checked by its configSchema
 *   socket = "linstor"
 *
 * Only the host's own keys are checked here (a bad one is a config error of storhubd). A malformed
 * plugin entry does not stop the daemon: it becomes an entry with a `problem`, which the host shows
 * as that plugin's failure while the others start. The plugin options are checked by the plugin.
 */
import { z } from 'zod';

/** Host keys directly under [plugins]; every other key is a plugin id. */
export const HOST_KEYS = ['controllers', 'start_timeout_s', 'stop_timeout_s'] as const;
const ENTRY_KEYS = new Set(['package', 'enabled', 'config']);
const ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export interface PluginEntry {
  id: string;
  package: string;
  enabled: boolean;
  /** The raw [plugins.<id>.config] table (validated by the plugin's configSchema). */
  config: Record<string, unknown>;
  /** Set when the entry itself is malformed; the host then marks the plugin failed with it. */
  problem?: string;
}

export interface PluginsSettings {
  /** Controllers the plugins' REST client talks to; undefined: the daemon's own API. */
  controllers?: string[];
  startTimeoutMs: number;
  stopTimeoutMs: number;
  /** In file order. */
  entries: PluginEntry[];
}

export const defaultPackageOf = (id: string): string => `@storhub/plugin-${id}`;

const isTable = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const seconds = (dflt: number) => z.number({ error: 'must be a number of seconds' }).positive('must be a positive number of seconds')
  .max(3600, 'must be at most 3600 seconds').default(dflt);

const hostSchema = z.object({
  controllers: z.union([
    z.string().min(1, 'must not be empty').transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean)),
    z.array(z.string().min(1)).min(1, 'must name at least one controller'),
  ], { error: 'must be a controller list: "host[:port],..." or ["host:port", ...]' }).optional(),
  start_timeout_s: seconds(30),
  stop_timeout_s: seconds(10),
});

/** The zod schema of the whole [plugins] section (used by daemon/config.ts). */
export const pluginsSection = z.record(z.string(), z.unknown()).transform((raw, ctx): PluginsSettings => {
  const host: Record<string, unknown> = {};
  const entries: PluginEntry[] = [];
  for (const [key, value] of Object.entries(raw)) {
    if ((HOST_KEYS as readonly string[]).includes(key)) host[key] = value;
    else entries.push(entryOf(key, value));
  }
  const parsed = hostSchema.safeParse(host);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
    return z.NEVER;
  }
  return {
    controllers: parsed.data.controllers,
    startTimeoutMs: parsed.data.start_timeout_s * 1000,
    stopTimeoutMs: parsed.data.stop_timeout_s * 1000,
    entries,
  };
});

function entryOf(id: string, value: unknown): PluginEntry {
  const base = { id, package: defaultPackageOf(id), enabled: true, config: {} };
  if (!ID.test(id)) {
    return { ...base, problem: `[plugins.${id}]: '${id}' is not a usable plugin id (letters, digits, '-', '_' and '.', starting with a letter or digit)` };
  }
  if (!isTable(value)) {
    return { ...base, problem: `[plugins].${id} must be a section ([plugins.${id}] with package = "..."), not a single value` };
  }
  const unknown = Object.keys(value).filter((k) => !ENTRY_KEYS.has(k));
  if (unknown.length) {
    return { ...base, problem: `[plugins.${id}]: unknown key(s) ${unknown.join(', ')}; the plugin's own options go in [plugins.${id}.config]` };
  }
  if (value.package !== undefined && (typeof value.package !== 'string' || value.package.trim() === '')) {
    return { ...base, problem: `[plugins.${id}].package must be a package name or a path to the plugin's module` };
  }
  if (value.enabled !== undefined && typeof value.enabled !== 'boolean') {
    return { ...base, problem: `[plugins.${id}].enabled must be true or false` };
  }
  if (value.config !== undefined && !isTable(value.config)) {
    return { ...base, problem: `[plugins.${id}].config must be a section ([plugins.${id}.config])` };
  }
  return {
    id,
    package: typeof value.package === 'string' ? value.package.trim() : base.package,
    enabled: value.enabled !== false,
    config: isTable(value.config) ? plain(value.config) : {},
  };
}

/** The TOML parser's tables have no prototype; plugins (and their tests) get ordinary objects. */
function plain<T>(v: T): T {
  if (Array.isArray(v)) return v.map(plain) as T;
  if (isTable(v) && !(v instanceof Date)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)])) as T;
  return v;
}

export const NO_PLUGINS: PluginsSettings = { startTimeoutMs: 30_000, stopTimeoutMs: 10_000, entries: [] };
