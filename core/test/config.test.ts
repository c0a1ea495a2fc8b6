import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, parseDbUrl, type LoadOptions } from '../src/daemon/config.js';

/** A temp dir as cwd, with no default config file unless one is written. */
function sandbox(t: { after(fn: () => void): void }) {
  const dir = mkdtempSync(join(tmpdir(), 'storhub-config-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  const load = (o: LoadOptions = {}) =>
    loadConfig({ cwd: dir, env: {}, hostname: 'host-1', defaultPath: join(dir, 'absent.toml'), ...o });
  return { dir, file, load };
}

function rejects(fn: () => unknown, ...patterns: RegExp[]): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    for (const p of patterns) assert.match(err.message, p);
    return true;
  });
}

test('without a file the embedded defaults apply, paths resolved against the working directory', (t) => {
  const { dir, load } = sandbox(t);
  const c = load();
  assert.equal(c.file, undefined);
  assert.deepEqual(c.http, { enabled: true, listen_addr: '127.0.0.1', port: 3370 });
  assert.equal(c.https.enabled, false);
  assert.equal(c.https.port, 3371);
  assert.equal(c.db.connection_url, 'sqlite:./var/storhub.db');
  assert.deepEqual(c.db.location, { kind: 'sqlite', path: join(dir, 'var/storhub.db') });
  assert.equal(c.logging.level, 'info');
  assert.deepEqual(c.node, { name: 'host-1', address: '127.0.0.1' });
  assert.equal(c.storage.directory, join(dir, 'var/storage'));
  assert.deepEqual(c.warnings, []);
});

test('values from the TOML file, LINSTOR spelling accepted, unknown keys reported as warnings', (t) => {
  const { file, load } = sandbox(t);
  const path = file('storhub.toml', `
[http]
  enabled = true
  listen_addr = "0.0.0.0"
  port = 3380
[https]
  enabled = true
  port = 3381
  keystore = "/etc/storhub/keystore.jks"
[db]
  connection_url = "sqlite:/var/lib/storhub/storhub.db"
[logging]
  level = "WARNING"
  prot = 1
[node]
  name = "node-a.example.com"
  address = "127.0.0.5"
[storage]
  directory = "/srv/storhub"
[encrypt]
  passphrase = "secret"
`);
  const c = load({ configPath: path });
  assert.equal(c.file, path);
  assert.deepEqual(c.http, { enabled: true, listen_addr: '0.0.0.0', port: 3380 });
  assert.equal(c.https.enabled, true);
  assert.equal(c.https.keystore, '/etc/storhub/keystore.jks');
  assert.deepEqual(c.db.location, { kind: 'sqlite', path: '/var/lib/storhub/storhub.db' });
  assert.equal(c.logging.level, 'warn');
  assert.deepEqual(c.node, { name: 'node-a.example.com', address: '127.0.0.5' });
  assert.equal(c.storage.directory, '/srv/storhub');
  assert.equal(c.warnings.length, 3);
  assert.match(c.warnings.join('\n'), /\[logging\]\.prot is not a known key/);
  assert.match(c.warnings.join('\n'), /section \[encrypt\] is not used/);
  assert.match(c.warnings.join('\n'), /HTTPS is not served yet/);
});

test('the default path is read when present; STORHUB_CONFIG and --config choose another file', (t) => {
  const { file, load } = sandbox(t);
  const dflt = file('default.toml', '[http]\nport = 4000\n');
  const byEnv = file('env.toml', '[http]\nport = 4001\n');
  const byFlag = file('flag.toml', '[http]\nport = 4002\n');
  assert.equal(load({ defaultPath: dflt }).http.port, 4000);
  assert.equal(load({ defaultPath: dflt, env: { STORHUB_CONFIG: byEnv } }).http.port, 4001);
  assert.equal(load({ defaultPath: dflt, env: { STORHUB_CONFIG: byEnv }, configPath: byFlag }).http.port, 4002);
});

test('environment variables override the file, command-line flags override both', (t) => {
  const { dir, file, load } = sandbox(t);
  const path = file('s.toml', '[http]\nport = 4000\nlisten_addr = "127.0.0.2"\n[db]\nconnection_url = "sqlite:/a.db"\n[logging]\nlevel = "info"\n');
  const env = {
    STORHUB_HTTP_PORT: '4100', STORHUB_HTTP_LISTEN: '::1', STORHUB_DB: 'b.db', STORHUB_LOG_LEVEL: 'DEBUG', STORHUB_NODE_NAME: 'n2',
  };
  const c = load({ configPath: path, env });
  assert.equal(c.http.port, 4100);
  assert.equal(c.http.listen_addr, '::1');
  assert.equal(c.db.location.path, join(dir, 'b.db'));
  assert.equal(c.logging.level, 'debug');
  assert.equal(c.node.name, 'n2');
  const f = load({ configPath: path, env, flags: { port: '0', db: 'sqlite:///tmp/c.db' } });
  assert.equal(f.http.port, 0);
  assert.equal(f.db.location.path, '/tmp/c.db');
  // Empty variables count as unset.
  assert.equal(load({ configPath: path, env: { STORHUB_HTTP_PORT: '' } }).http.port, 4000);
});

test('bad values are rejected with the source and the key named', (t) => {
  const { file, load } = sandbox(t);
  const path = file('bad.toml', '[http]\nport = 70000\n[logging]\nlevel = "loud"\n');
  rejects(() => load({ configPath: path }), new RegExp(`${path}: \\[http\\]\\.port must be 0 .* to 65535 \\(got 70000\\)`),
    /\[logging\]\.level must be one of trace, debug, info, warn, error, fatal, silent \(got "loud"\)/);
  rejects(() => load({ env: { STORHUB_HTTP_PORT: 'abc' } }), /environment variable STORHUB_HTTP_PORT: \[http\]\.port must be an integer port number \(got "abc"\)/);
  rejects(() => load({ flags: { port: '12.5' } }), /option --port: \[http\]\.port/);
  rejects(() => load({ env: { STORHUB_NODE_NAME: '-bad' } }), /STORHUB_NODE_NAME: \[node\]\.name '-bad' is not a valid node name/);
  rejects(() => load({ hostname: 'bad_host' }), /\[node\]\.name 'bad_host' is not a valid node name/);
  rejects(() => load({ env: { STORHUB_HTTP_LISTEN: 'not an address' } }), /\[http\]\.listen_addr must be an IP address/);
  rejects(() => load({ configPath: file('t.toml', '[http]\nenabled = "yes"\n') }), /\[http\]\.enabled/);
  rejects(() => load({ configPath: file('a.toml', '[node]\naddress = "localhost"\n') }), /\[node\]\.address must be an IPv4 or IPv6 address/);
});

test('only SQLite databases are supported; other schemes say they come later', (t) => {
  const { file, load } = sandbox(t);
  rejects(() => load({ flags: { db: 'postgresql://db/storhub' } }), /option --db: \[db\]\.connection_url uses 'postgresql:'.*later release/);
  rejects(() => load({ configPath: file('e.toml', '[db]\nconnection_url = "etcd://127.0.0.1:2379"\n') }), /e\.toml: \[db\]\.connection_url uses 'etcd:'/);
  rejects(() => load({ env: { STORHUB_DB: 'mysql://x' } }), /unknown scheme 'mysql:'/);
  assert.deepEqual(parseDbUrl('sqlite::memory:', '/w'), { kind: 'sqlite', path: ':memory:' });
  assert.deepEqual(parseDbUrl('sqlite:db/x.db', '/w'), { kind: 'sqlite', path: '/w/db/x.db' });
  assert.deepEqual(parseDbUrl('/abs/x.db', '/w'), { kind: 'sqlite', path: '/abs/x.db' });
});

test('a missing named file, broken TOML or a value in place of a section are clear errors', (t) => {
  const { dir, file, load } = sandbox(t);
  rejects(() => load({ configPath: join(dir, 'nope.toml') }), /Cannot read the configuration file .*nope\.toml/);
  rejects(() => load({ env: { STORHUB_CONFIG: join(dir, 'nope2.toml') } }), /nope2\.toml/);
  rejects(() => load({ configPath: file('broken.toml', '[http\nport = 1\n') }), /broken\.toml is not valid TOML/);
  rejects(() => load({ configPath: file('flat.toml', 'http = 3370\n') }), /'http' must be a section/);
});
