/** The [satellite] (and LINSTOR's [files]) configuration of roles satellite and combined. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, type LoadOptions } from '../src/daemon/config.js';
import { allowedExtFileDirs } from '../src/daemon/satellite-node.js';

function sandbox(t: { after(fn: () => void): void }) {
  const dir = mkdtempSync(join(tmpdir(), 'storhub-satcfg-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const load = (toml?: string, o: LoadOptions = {}) => {
    const configPath = toml === undefined ? undefined : join(dir, 'c.toml');
    if (configPath) writeFileSync(configPath, toml!);
    return loadConfig({ cwd: dir, env: {}, hostname: 'host-1', defaultPath: join(dir, 'absent.toml'), configPath, ...o });
  };
  return { dir, load };
}

test('defaults: loopback, port 3366, state under ./var/satellite, no external files', (t) => {
  const { dir, load } = sandbox(t);
  const c = load();
  assert.deepEqual(c.satellite, { listen_addr: '127.0.0.1', port: 3366, state_dir: join(dir, 'var/satellite'), allow_ext_files: [] });
  assert.deepEqual(allowedExtFileDirs(c), []);
});

test('file, environment and flag; both spellings of allowExtFiles are merged', (t) => {
  const { load } = sandbox(t);
  const c = load([
    '[satellite]', 'listen_addr = "0.0.0.0"', 'port = 3377', 'state_dir = "/var/lib/storhub"', 'allow_ext_files = ["/etc/drbd-reactor.d"]',
    '[files]', 'allowExtFiles = ["/etc/systemd/system", "/etc/drbd-reactor.d"]',
  ].join('\n'));
  assert.deepEqual(c.satellite, { listen_addr: '0.0.0.0', port: 3377, state_dir: '/var/lib/storhub', allow_ext_files: ['/etc/drbd-reactor.d'] });
  assert.deepEqual(allowedExtFileDirs(c), ['/etc/drbd-reactor.d', '/etc/systemd/system']);
  assert.deepEqual(c.warnings, []);
  assert.equal(load(undefined, { env: { STORHUB_SATELLITE_PORT: '4000', STORHUB_SATELLITE_LISTEN: '127.0.0.2' } }).satellite.port, 4000);
  assert.equal(load(undefined, { env: { STORHUB_SATELLITE_PORT: '4000' }, flags: { satellitePort: '0' } }).satellite.port, 0);
});

test('bad values name the key and where they came from', (t) => {
  const { dir, load } = sandbox(t);
  const bad = (toml: string, o: LoadOptions, ...patterns: RegExp[]) =>
    assert.throws(() => load(toml, o), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      for (const p of patterns) assert.match(err.message, p);
      return true;
    });
  bad('[files]\nallowExtFiles = ["etc/x", "/etc/../root"]\n', {},
    new RegExp(`${join(dir, 'c.toml').replace(/\//g, '\\/')}: \\[files\\]\\.allowExtFiles must be an absolute directory path without ".."`));
  bad('', { env: { STORHUB_SATELLITE_PORT: '70000' } }, /environment variable STORHUB_SATELLITE_PORT: \[satellite\]\.port must be 0 \(any free port\) to 65535 \(got 70000\)/);
});
