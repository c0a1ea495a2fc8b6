/**
 * The plugin as storhubd runs it: a combined storhubd with a [plugins.nomad-csi] section loads the
 * package, validates its config, starts it with the host's context (its REST client, VolumeOps and
 * runner), shows its endpoint in GET /v1/storhub/plugins, and stops it (socket removed) on SIGTERM.
 * A volume goes through create, publish, mount and back out through that path.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CsiClient, MiB, isMountpoint, mountCap, startDaemon, tempDir, waitOnline } from './helpers.js';

const NODE = 'csi-node-h';

test('storhubd runs nomad-csi from its [plugins] section; a volume is mounted through it', { timeout: 300_000 }, async (t) => {
  const tmp = await tempDir('storhub-csi-host-');
  const socket = join(tmp.dir, 'run', 'csi.sock');
  const daemon = await startDaemon(tmp.dir, NODE, [
    '[plugins.nomad-csi]',
    'package = "@storhub/plugin-nomad-csi"',
    '[plugins.nomad-csi.config]',
    `socket = "unix://${socket}"`,
    'driver_name = "csi.storhub.example"',
    '[plugins.nomad-csi.config.default_parameters]',
    'layerList = "storage"',
  ].join('\n'));
  let c: CsiClient | undefined;
  t.after(async () => {
    c?.close();
    await daemon.stop();
    await tmp.cleanup();
  });
  await waitOnline(daemon.url, NODE);

  const plugins = (await (await fetch(`${daemon.url}/v1/storhub/plugins`)).json()) as Array<Record<string, unknown>>;
  assert.equal(plugins.length, 1, JSON.stringify(plugins));
  assert.equal(plugins[0].name, 'nomad-csi');
  assert.equal(plugins[0].state, 'running', JSON.stringify(plugins[0]));
  assert.equal(plugins[0].endpoint, `unix://${socket}`);

  c = new CsiClient(socket);
  assert.equal((await c.call('Identity', 'GetPluginInfo')).name, 'csi.storhub.example');
  assert.equal((await c.call('Node', 'NodeGetInfo')).node_id, NODE);

  const { volume } = await c.call('Controller', 'CreateVolume', { name: 'host-vol', capacity_range: { required_bytes: 16 * MiB }, volume_capabilities: [mountCap()] });
  const { publish_context } = await c.call('Controller', 'ControllerPublishVolume', { volume_id: volume.volume_id, node_id: NODE, volume_capability: mountCap() });
  const target = join(tmp.dir, 'mnt', 'host-vol');
  await c.call('Node', 'NodePublishVolume', { volume_id: volume.volume_id, target_path: target, volume_capability: mountCap(), publish_context, volume_context: volume.volume_context });
  writeFileSync(join(target, 'f'), 'via storhubd\n');
  assert.equal(readFileSync(join(target, 'f'), 'utf8'), 'via storhubd\n');
  await c.call('Node', 'NodeUnpublishVolume', { volume_id: volume.volume_id, target_path: target });
  assert.equal(isMountpoint(target), false);
  await c.call('Controller', 'ControllerUnpublishVolume', { volume_id: volume.volume_id, node_id: NODE });
  await c.call('Controller', 'DeleteVolume', { volume_id: volume.volume_id });
  assert.deepEqual((await c.call('Controller', 'ListVolumes', {})).entries, []);

  c.close();
  c = undefined;
  await daemon.stop();
  assert.equal(existsSync(socket), false, 'stopping storhubd stops the plugin and removes its socket');
});
