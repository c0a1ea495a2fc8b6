/**
 * The plugin's configuration: its TOML section (checked by `configSchema` before storhubd starts any
 * plugin) and the `[global]` section of linstor-docker-volume's /etc/linstor/docker-volume.conf, which
 * existing installations already have.
 *
 *   [plugins.docker-volume.config]
 *   driver = "linstor"                      # docker volume create -d linstor
 *   socket_dir = "/run/docker/plugins"      # Docker discovers <driver>.sock there
 *   mount_root = "/var/lib/storhub/docker/mounts"
 *   conf_file = "/etc/linstor/docker-volume.conf"   # "" = none
 *   [plugins.docker-volume.config.defaults]  # volume option defaults (see options.ts)
 *   size = "1G"
 *   replicas = 2
 *   [plugins.docker-volume.config.resource_group]  # optional: the group volumes spawn from,
 *   name = "docker"                                 # created with this placement when missing
 *   place_count = 2
 */
import { readFile, stat } from 'node:fs/promises';
import { LAYER_KINDS, nameProblem } from '@storhub/core/model';
import { z } from 'zod';
import { OPTION_NAMES, OptionError, type OptionLayer, resolveOptions } from './options.js';

const absolute = (what: string) => z.string().refine((s) => s.startsWith('/') && !s.split('/').includes('..'), {
  error: `must be an absolute ${what} path without ".."`,
});

/** TOML values of the defaults table: strings, numbers, booleans, or lists (nodes = ["a", "b"]). */
const optionValue = z.union([z.string(), z.number(), z.boolean(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v.join(' ') : String(v)));

const nameOf = (kind: 'resource group' | 'storage pool') => z.string().superRefine((s, ctx) => {
  const problem = nameProblem(kind, s);
  if (problem) ctx.addIssue({ code: 'custom', message: `a ${kind} name ${problem}` });
});

/** A resource group the plugin creates when missing (VolumeOps.ensureResourceGroup); an existing one is left as it is. */
const resourceGroup = z.object({
  name: nameOf('resource group'),
  place_count: z.number().int().min(1).max(32).optional(),
  layer_stack: z.array(z.string().transform((s) => s.toUpperCase()).pipe(z.enum(LAYER_KINDS)))
    .min(1).optional(),
  storage_pool: nameOf('storage pool').optional(),
  storage_pool_diskless_list: z.array(nameOf('storage pool')).optional(),
  node_name_list: z.array(z.string().min(1)).optional(),
  replicas_on_same: z.array(z.string().min(1)).optional(),
  replicas_on_different: z.array(z.string().min(1)).optional(),
  not_place_with_rsc_regex: z.string().optional(),
  diskless_on_remaining: z.boolean().optional(),
}).strict();

export const configSchema = z.object({
  /** The driver name users give to `docker volume create -d`; the socket is <socket_dir>/<driver>.sock. */
  driver: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'must be a plain name (letters, digits, "_", "-", "."), e.g. linstor')
    .default('linstor'),
  /** Where Docker looks for plugin sockets. */
  socket_dir: absolute('directory').default('/run/docker/plugins'),
  /** Volumes are mounted at <mount_root>/<volume>; containers get <mount_root>/<volume>/data. */
  mount_root: absolute('directory').default('/var/lib/storhub/docker/mounts'),
  /** linstor-docker-volume's configuration file ([global] holds option defaults); "" reads none. */
  conf_file: z.union([absolute('file'), z.literal('')]).default('/etc/linstor/docker-volume.conf'),
  /** Volume option defaults; they override the conf file's [global]. */
  defaults: z.record(z.string(), optionValue).default({}),
  /** The group volumes spawn from when neither the request nor the defaults name one; created when missing. */
  resource_group: resourceGroup.optional(),
  /** How long Mount waits for the volume's device on this node, seconds. */
  attach_timeout_s: z.number().positive().max(3600).default(120),
  /** How long Mount waits for the satellite's file system to show on a new volume's device, seconds. */
  format_wait_s: z.number().min(0).max(3600).default(15),
}).strict().superRefine((c, ctx) => {
  // An unknown option or a bad value in the defaults is a configuration error, found before start.
  try {
    resolveOptions([{ source: '[defaults]', values: c.defaults }]);
  } catch (err) {
    if (!(err instanceof OptionError)) throw err;
    ctx.addIssue({ code: 'custom', path: ['defaults'], message: err.message });
  }
});

export type DockerVolumeConfig = z.infer<typeof configSchema>;

/** Keys of docker-volume.conf [global] that configure linstor-docker-volume's own REST client, not volumes. */
export const CLIENT_KEYS = ['controllers', 'username', 'password', 'certfile', 'keyfile', 'cafile'] as const;

export interface ConfFile {
  /** Volume option defaults from [global] (lower-case keys). */
  defaults: Record<string, string>;
  /** [global] keys this plugin does not use (its REST client is storhubd's), for a log line. */
  ignored: string[];
}

/**
 * INI as linstor-docker-volume read it (go-ini, case-insensitive): `[section]`, `key = value`,
 * `;` and `#` comments, values optionally in quotes. Only [global] matters.
 */
export function parseConfFile(text: string, path: string): ConfFile {
  const defaults: Record<string, string> = {};
  const ignored: string[] = [];
  let section = '';
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith(';') || line.startsWith('#')) continue;
    const sec = /^\[([^\]]+)\]$/.exec(line);
    if (sec) {
      section = sec[1].trim().toLowerCase();
      continue;
    }
    const eq = line.indexOf('=');
    if (eq <= 0) throw new OptionError(`${path} line ${i + 1}: expected "key = value" or "[section]", found "${line}"`);
    if (section !== 'global') continue;
    const key = line.slice(0, eq).trim().toLowerCase();
    let value = line.slice(eq + 1).trim();
    const q = /^"(.*)"$|^'(.*)'$|^`(.*)`$/.exec(value);
    if (q) value = q[1] ?? q[2] ?? q[3];
    if ((CLIENT_KEYS as readonly string[]).includes(key)) ignored.push(key);
    else if ((OPTION_NAMES as readonly string[]).includes(key)) defaults[key] = value;
    else throw new OptionError(`${path} line ${i + 1}: unknown key "${key}" in [global]; known: ${[...OPTION_NAMES, ...CLIENT_KEYS].join(', ')}`);
  }
  return { defaults, ignored };
}

/**
 * The conf file, re-read when it changed (linstor-docker-volume read it on every request, so an edit
 * applies to the next `docker volume create` without a restart). A missing file is no defaults.
 */
export class ConfFileReader {
  private cached: { mtimeMs: number; size: number; conf: ConfFile } | undefined;

  constructor(readonly path: string) {}

  async read(): Promise<ConfFile> {
    if (this.path === '') return { defaults: {}, ignored: [] };
    let st;
    try {
      st = await stat(this.path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { defaults: {}, ignored: [] };
      throw err;
    }
    if (this.cached && this.cached.mtimeMs === st.mtimeMs && this.cached.size === st.size) return this.cached.conf;
    const conf = parseConfFile(await readFile(this.path, 'utf8'), this.path);
    // Values are checked now, so a bad default is reported as the file's mistake, not the user's.
    resolveOptions([{ source: `${this.path} [global]`, values: conf.defaults }]);
    this.cached = { mtimeMs: st.mtimeMs, size: st.size, conf };
    return conf;
  }
}

/** The option layers below a create request: conf file, then the TOML defaults. */
export async function defaultLayers(config: DockerVolumeConfig, conf: ConfFileReader): Promise<OptionLayer[]> {
  return [
    { source: `${conf.path} [global]`, values: (await conf.read()).defaults },
    { source: 'the plugin configuration [defaults]', values: config.defaults },
  ];
}
