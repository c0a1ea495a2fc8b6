/**
 * `npm run local-cluster -- --plugins ...`: the ids are checked, and node1's [plugins] sections are
 * TOML that storhubd's plugin settings accept as they are.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'smol-toml';
import { pluginIds, pluginSections } from '../src/daemon/local-cluster-plugins.js';
import { pluginsSection } from '../src/plugin/settings.js';

const node1 = { name: 'node1', address: '127.0.0.1', dir: '/tmp/lc/node1', role: 'combined' as const };

test('local-cluster --plugins: ids are checked against the presets', () => {
  assert.deepEqual(pluginIds('docker-volume'), ['docker-volume']);
  assert.deepEqual(pluginIds(' docker-volume , '), ['docker-volume']);
  assert.throws(() => pluginIds('docker-volume,nope'), { message: /^--plugins: unknown plugin nope; the local cluster knows .*docker-volume/ });
});

test('local-cluster --plugins docker-volume: node1 runs it with driver linstor, mounts in its directory, volumes on node1', () => {
  const toml = parse(pluginSections(['docker-volume'], node1)) as { plugins: Record<string, unknown> };
  const settings = pluginsSection.parse(toml.plugins);
  assert.deepEqual(settings.entries, [{
    id: 'docker-volume',
    package: '@storhub/plugin-docker-volume',
    enabled: true,
    config: {
      driver: 'linstor',
      mount_root: '/tmp/lc/node1/docker-mounts',
      conf_file: '',
      resource_group: { name: 'DockerLocal', place_count: 1, layer_stack: ['STORAGE'], node_name_list: ['node1'] },
    },
  }]);
});
