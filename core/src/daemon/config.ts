/**
 * storhubd configuration: one TOML file (sections like LINSTOR's linstor.toml), then environment
 * variables, then command-line flags, merged and validated ONCE by zod into a typed Config.
 *
 * Every value remembers where it came from, so a bad value is reported as
 * "/etc/storhub/storhub.toml: [http].port ..." or "STORHUB_HTTP_PORT ([http].port) ..." instead of a
 * bare zod message. Unknown keys are not fatal (a linstor.toml has keys we do not use yet) but are
 * returned as warnings so a typo does not go unnoticed.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { z } from 'zod';
import { nameProblem } from '../model/names.js';
import { pluginsSection } from '../plugin/settings.js';

export const DEFAULT_CONFIG_PATH = '/etc/storhub/storhub.toml';
export const DEFAULT_DB_URL = 'sqlite:./var/storhub.db';
export const DEFAULT_STORAGE_DIR = './var/storage';
export const DEFAULT_SATELLITE_STATE_DIR = './var/satellite';
export const DEFAULT_SATELLITE_PORT = 3366;

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const port = z.number({ error: 'must be an integer port number' }).int('must be an integer port number')
  .min(0, 'must be 0 (any free port) to 65535').max(65535, 'must be 0 (any free port) to 65535');
const address = z.string().refine((s) => isIP(s) !== 0 || /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(s), {
  error: 'must be an IP address (e.g. 127.0.0.1, 0.0.0.0, ::) or a host name',
});
// External files are written below these; relative or `..` paths would make the allowance unclear.
const absoluteDir = z.string().refine((s) => s.startsWith('/') && !s.split('/').includes('..'), {
  error: 'must be an absolute directory path without ".." (e.g. /etc/drbd-reactor.d)',
});
const ipAddress = z.string().refine((s) => isIP(s) !== 0, { error: 'must be an IPv4 or IPv6 address' });
// LINSTOR writes INFO / WARNING; pino wants info / warn.
const level = z.string().transform((s) => (s.toLowerCase() === 'warning' ? 'warn' : s.toLowerCase()))
  .pipe(z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }));

export type DbLocation = { kind: 'sqlite'; path: string };

/** Understands `sqlite:PATH`, `sqlite://PATH` and a plain file path; names the other schemes' future. */
export function parseDbUrl(url: string, cwd: string): DbLocation {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):(.*)$/.exec(url);
  if (!m) return { kind: 'sqlite', path: resolve(cwd, url) };
  const scheme = m[1].toLowerCase();
  if (scheme === 'sqlite' || scheme === 'file') {
    const rest = m[2].replace(/^\/\//, '');
    if (rest === ':memory:') return { kind: 'sqlite', path: ':memory:' };
    if (rest === '') throw new Error("names no file: write e.g. 'sqlite:/var/lib/storhub/storhub.db'");
    return { kind: 'sqlite', path: resolve(cwd, rest) };
  }
  if (['postgresql', 'postgres', 'etcd', 'jdbc'].includes(scheme)) {
    throw new Error(`uses '${scheme}:', which Storhub does not support yet (PostgreSQL and etcd stores come in a later release); ` +
      "use SQLite, e.g. 'sqlite:/var/lib/storhub/storhub.db'");
  }
  throw new Error(`has the unknown scheme '${scheme}:'; use 'sqlite:PATH'`);
}

function schemaFor(cwd: string, host: string) {
  return z.object({
    http: z.object({
      enabled: z.boolean().default(true),
      listen_addr: address.default('127.0.0.1'),
      port: port.default(3370),
    }).prefault({}),
    // Parsed so a linstor.toml-style file is accepted; not served yet.
    https: z.object({
      enabled: z.boolean().default(false),
      listen_addr: address.default('127.0.0.1'),
      port: port.default(3371),
      keystore: z.string().optional(),
      keystore_password: z.string().optional(),
      truststore: z.string().optional(),
      truststore_password: z.string().optional(),
    }).prefault({}),
    db: z.object({
      connection_url: z.string().min(1, 'must not be empty').default(DEFAULT_DB_URL),
      user: z.string().optional(),
      password: z.string().optional(),
    }).prefault({}).transform((db, ctx) => {
      try {
        return { connection_url: db.connection_url, location: parseDbUrl(db.connection_url, cwd) };
      } catch (err) {
        ctx.addIssue({ code: 'custom', path: ['connection_url'], message: (err as Error).message });
        return z.NEVER;
      }
    }),
    logging: z.object({ level: level.default('info') }).prefault({}),
    node: z.object({
      name: z.string().superRefine((s, ctx) => {
        const problem = nameProblem('node', s);
        if (problem) ctx.addIssue({ code: 'custom', message: `'${s}' is not a valid node name: it ${problem}` });
      }).prefault(host), // prefault: the host name is validated too
      address: ipAddress.default('127.0.0.1'),
    }).prefault({}),
    storage: z.object({
      directory: z.string().min(1, 'must not be empty').prefault(DEFAULT_STORAGE_DIR).transform((d) => resolve(cwd, d)),
    }).prefault({}),
    // The node agent (roles satellite and combined). Plain HTTP until TLS comes, hence loopback by default.
    satellite: z.object({
      listen_addr: address.default('127.0.0.1'),
      port: port.default(DEFAULT_SATELLITE_PORT),
      state_dir: z.string().min(1, 'must not be empty').prefault(DEFAULT_SATELLITE_STATE_DIR).transform((d) => resolve(cwd, d)),
      allow_ext_files: z.array(absoluteDir).default([]),
    }).prefault({}),
    // LINSTOR's linstor_satellite.toml spelling of the same allowance.
    files: z.object({
      allowExtFiles: z.array(absoluteDir).default([]),
    }).prefault({}),
    // The plugins storhubd runs ([plugins.<id>] sections); see plugin/settings.ts.
    plugins: pluginsSection.prefault({}),
  });
}

type Parsed = z.output<ReturnType<typeof schemaFor>>;
export type Config = Parsed & {
  /** The file that was read, or undefined when none exists (embedded defaults). */
  file: string | undefined;
  /** Unknown keys and similar non-fatal findings, for the log. */
  warnings: string[];
};

export interface LoadOptions {
  /** `--config FILE`; wins over STORHUB_CONFIG and the default path. */
  configPath?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Command-line flags, strongest of all. */
  flags?: { port?: string | number; db?: string; satellitePort?: string | number };
  /** For tests; os.hostname() otherwise. */
  hostname?: string;
  /** For tests; DEFAULT_CONFIG_PATH otherwise. */
  defaultPath?: string;
}

/** Environment variables and the `section.key` each one sets. */
export const ENV_VARS: Record<string, string> = {
  STORHUB_HTTP_PORT: 'http.port',
  STORHUB_HTTP_LISTEN: 'http.listen_addr',
  STORHUB_DB: 'db.connection_url',
  STORHUB_LOG_LEVEL: 'logging.level',
  STORHUB_NODE_NAME: 'node.name',
  STORHUB_SATELLITE_PORT: 'satellite.port',
  STORHUB_SATELLITE_LISTEN: 'satellite.listen_addr',
};

const NUMERIC_KEYS = new Set(['http.port', 'satellite.port']);

/** Reads and validates the configuration; throws ConfigError with the file/variable and key at fault. */
export function loadConfig(opts: LoadOptions = {}): Config {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const explicit = opts.configPath ?? (env.STORHUB_CONFIG || undefined);
  const path = resolve(cwd, explicit ?? opts.defaultPath ?? DEFAULT_CONFIG_PATH);

  const raw: Record<string, Record<string, unknown>> = {};
  const origin = new Map<string, string>(); // 'http.port' -> where the value came from
  const warnings: string[] = [];
  let file: string | undefined;

  let text: string | undefined;
  try {
    text = readFileSync(path, 'utf8');
    file = path;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // Only the default path may be absent: a file someone named must exist.
    if (explicit !== undefined || code !== 'ENOENT') {
      throw new ConfigError(`Cannot read the configuration file ${path}: ${(err as Error).message}`);
    }
  }
  if (text !== undefined) {
    let doc: Record<string, unknown>;
    try {
      doc = parseToml(text) as Record<string, unknown>;
    } catch (err) {
      throw new ConfigError(`${path} is not valid TOML: ${(err as Error).message}`);
    }
    for (const [section, value] of Object.entries(doc)) {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        throw new ConfigError(`${path}: '${section}' must be a section ([${section}]), not a single value.`);
      }
      raw[section] = { ...(value as Record<string, unknown>) };
      for (const k of Object.keys(value)) origin.set(`${section}.${k}`, path);
    }
  }

  const set = (dotted: string, value: unknown, from: string) => {
    const [section, k] = dotted.split('.');
    raw[section] = { ...(raw[section] ?? {}), [k]: value };
    origin.set(dotted, from);
  };
  for (const [name, dotted] of Object.entries(ENV_VARS)) {
    const v = env[name];
    if (v === undefined || v === '') continue;
    set(dotted, NUMERIC_KEYS.has(dotted) ? numeric(v) : v, `environment variable ${name}`);
  }
  if (opts.flags?.port !== undefined) set('http.port', numeric(String(opts.flags.port)), 'option --port');
  if (opts.flags?.db !== undefined) set('db.connection_url', opts.flags.db, 'option --db');
  if (opts.flags?.satellitePort !== undefined) set('satellite.port', numeric(String(opts.flags.satellitePort)), 'option --satellite-port');

  const schema = schemaFor(cwd, opts.hostname ?? hostname());
  const result = schema.safeParse(raw);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => {
      const [section, k] = issue.path.map(String);
      const name = k === undefined ? `[${section}]` : `[${section}].${k}`;
      const from = origin.get(`${section}.${k}`) ?? (file ?? 'defaults');
      const value = k === undefined ? undefined : raw[section]?.[k];
      const shown = value === undefined || /password/.test(k ?? '') ? '' : ` (got ${JSON.stringify(value)})`;
      return `  ${from}: ${name} ${issue.message}${shown}`;
    });
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }

  for (const [section, values] of Object.entries(raw)) {
    if (section === 'plugins') continue; // its keys are plugin ids, checked by plugin/settings.ts
    if (!Object.hasOwn(KNOWN, section)) {
      warnings.push(`${file}: section [${section}] is not used by Storhub yet (ignored)`);
      continue;
    }
    for (const k of Object.keys(values)) {
      if (!Object.hasOwn(KNOWN[section], k)) warnings.push(`${origin.get(`${section}.${k}`)}: [${section}].${k} is not a known key (ignored)`);
    }
  }
  if (result.data.https.enabled) {
    warnings.push('[https] is enabled in the configuration but HTTPS is not served yet (comes in a later release); only [http] is served');
  }
  return { ...result.data, file, warnings };
}

const KNOWN: Record<string, Record<string, true>> = {
  http: { enabled: true, listen_addr: true, port: true },
  https: { enabled: true, listen_addr: true, port: true, keystore: true, keystore_password: true, truststore: true, truststore_password: true },
  db: { connection_url: true, user: true, password: true },
  logging: { level: true },
  node: { name: true, address: true },
  storage: { directory: true },
  satellite: { listen_addr: true, port: true, state_dir: true, allow_ext_files: true },
  files: { allowExtFiles: true },
};

/** "3370" -> 3370; anything else stays a string so zod reports it with the key's name. */
function numeric(v: string): number | string {
  return /^\s*\d+\s*$/.test(v) ? Number(v) : v;
}
