/**
 * The [plugins] section of storhub.toml: entries in file order with their package (default
 * @storhub/plugin-<id>), enabled flag and raw config table; malformed entries become per-plugin
 * problems (the daemon still starts); the host's own keys are checked like every other config key.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../src/daemon/config.js';

function load(t: { after(fn: () => void): void }, toml: string) {
  const dir = mkdtempSync(join(tmpdir(), 'storhub-plugin-config-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'storhub.toml');
  writeFileSync(file, toml);
  return { file, load: () => loadConfig({ configPath: file, cwd: dir, env: {}, hostname: 'host-1' }) };
}

test('[plugins]: entries in file order, package defaults, raw config tables, no unknown-key warnings', (t) => {
  const { load: read } = load(t, `
[plugins]
controllers = "10.0.0.1, 10.0.0.2:3380"
start_timeout_s = 5

[plugins.docker-volume]
[plugins.docker-volume.config]
socket = "linstor"
size = "100MB"

[plugins.echo]
package = "./plugins/echo.js"
enabled = false

[plugins.csi]
package = "@storhub/plugin-nomad-csi"
config = { plugin_name = "linstor.csi.linbit.com", replicas = 3, nested = { a = [1, 2] } }
`);
  const c = read();
  assert.deepEqual(c.warnings, []);
  assert.deepEqual(c.plugins.controllers, ['10.0.0.1', '10.0.0.2:3380']);
  assert.equal(c.plugins.startTimeoutMs, 5000);
  assert.equal(c.plugins.stopTimeoutMs, 10_000);
  assert.deepEqual(c.plugins.entries, [
    { id: 'docker-volume', package: '@storhub/plugin-docker-volume', enabled: true, config: { socket: 'linstor', size: '100MB' } },
    { id: 'echo', package: './plugins/echo.js', enabled: false, config: {} },
    { id: 'csi', package: '@storhub/plugin-nomad-csi', enabled: true, config: { plugin_name: 'linstor.csi.linbit.com', replicas: 3, nested: { a: [1, 2] } } },
  ]);
});

test('[plugins]: no section means no plugins; a malformed entry is that plugin\'s problem, not a config error', (t) => {
  assert.deepEqual(load(t, '[http]\nport = 3370\n').load().plugins, { controllers: undefined, startTimeoutMs: 30_000, stopTimeoutMs: 10_000, entries: [] });
  const c = load(t, `
[plugins]
single = "x"

[plugins.typo]
package = "@storhub/plugin-x"
socket = "linstor"

[plugins.badpkg]
package = 3

[plugins.badflag]
enabled = "yes"

[plugins.badconfig]
config = 5

[plugins.ok]
`).load();
  const problems = Object.fromEntries(c.plugins.entries.map((e) => [e.id, e.problem]));
  assert.deepEqual(problems, {
    single: '[plugins].single must be a section ([plugins.single] with package = "..."), not a single value',
    typo: "[plugins.typo]: unknown key(s) socket; the plugin's own options go in [plugins.typo.config]",
    badpkg: "[plugins.badpkg].package must be a package name or a path to the plugin's module",
    badflag: '[plugins.badflag].enabled must be true or false',
    badconfig: '[plugins.badconfig].config must be a section ([plugins.badconfig.config])',
    ok: undefined,
  });
});

test('[plugins]: bad host keys are configuration errors naming the key', (t) => {
  const { file, load: read } = load(t, '[plugins]\ncontrollers = 5\nstop_timeout_s = -1\n');
  assert.throws(read, (err: unknown) => {
    assert.ok(err instanceof ConfigError);
    assert.equal(err.message, 'Invalid configuration:\n' +
      `  ${file}: [plugins].controllers must be a controller list: "host[:port],..." or ["host:port", ...] (got 5)\n` +
      `  ${file}: [plugins].stop_timeout_s must be a positive number of seconds (got -1)`);
    return true;
  });
});
