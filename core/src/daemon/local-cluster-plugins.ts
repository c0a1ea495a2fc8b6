/**
 * The plugins `npm run local-cluster -- --plugins docker-volume,nomad-csi` runs on node1: for each
 * plugin id, its package, the config it gets on a local node, and what to print once it runs. The
 * plugins themselves are loaded by node1's storhubd from its [plugins] sections, like on a real node.
 */
import { stringify } from 'smol-toml';
import type { LocalNode } from './local-cluster.js';

export interface LocalPluginPreset {
  package: string;
  /** The plugin's [plugins.<id>.config] table on node1. */
  config(node: LocalNode): Record<string, unknown>;
  /** How to use it, printed once the cluster runs; `endpoint` is what the plugin's status reports. */
  hints(endpoint: string | undefined): string[];
}

export const LOCAL_PLUGIN_PRESETS: Record<string, LocalPluginPreset> = {
  'docker-volume': {
    package: '@storhub/plugin-docker-volume',
    config: (node) => ({
      // The socket stays where the machine's Docker looks (/run/docker/plugins/linstor.sock).
      driver: 'linstor',
      mount_root: `${node.dir}/docker-mounts`,
      // A local cluster does not pick up the machine's linstor-docker-volume defaults.
      conf_file: '',
      // The nodes share one machine and FILE_THIN pools; DRBD (diskless attach) may be missing here,
      // so Docker volumes live on node1, where Docker mounts them.
      resource_group: { name: 'DockerLocal', place_count: 1, layer_stack: ['STORAGE'], node_name_list: [node.name] },
    }),
    hints: (endpoint) => [
      `Docker volume driver "linstor"${endpoint ? ` on ${endpoint}` : ''} (volumes on node1, resource group DockerLocal):`,
      '    docker volume create -d linstor --opt size=64M v1',
      "    docker run --rm -v v1:/data busybox sh -c 'echo hello > /data/f'",
      '    docker run --rm -v v1:/data busybox cat /data/f',
      '    docker volume rm v1',
    ],
  },
  'nomad-csi': {
    package: '@storhub/plugin-nomad-csi',
    config: (node) => ({
      socket: `${node.dir}/csi/csi.sock`,
      // Like the Docker preset: no DRBD (so no diskless attach) on a local cluster, so CSI volumes are
      // plain STORAGE volumes on node1, the node this CSI plugin publishes on. A request's own
      // parameters (nodeList, layerList, ...) still win over these defaults.
      default_parameters: { layerList: 'storage', nodeList: node.name },
    }),
    hints: (endpoint) => [
      `CSI endpoint (monolith: controller + node of node1): ${endpoint ?? 'see the plugin status'}`,
      '    grpcurl -plaintext -unix -import-path plugins/nomad-csi/proto -proto csi.proto \\',
      `      ${endpoint ? endpoint.replace(/^unix:\/\//, '') : '<socket>'} csi.v1.Identity/GetPluginInfo`,
      '    Nomad: the plugin job and a volume spec are in plugins/nomad-csi/README.md',
    ],
  },
};

/** The ids given to --plugins, checked against the presets. */
export function pluginIds(list: string): string[] {
  const ids = list.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = ids.filter((id) => !LOCAL_PLUGIN_PRESETS[id]);
  if (unknown.length) {
    throw new Error(`--plugins: unknown plugin ${unknown.join(', ')}; the local cluster knows ${Object.keys(LOCAL_PLUGIN_PRESETS).sort().join(', ')}`);
  }
  return ids;
}

/** node1's [plugins.<id>] sections. */
export function pluginSections(ids: readonly string[], node: LocalNode): string {
  const plugins: Record<string, unknown> = {};
  for (const id of ids) {
    const preset = LOCAL_PLUGIN_PRESETS[id];
    plugins[id] = { package: preset.package, config: preset.config(node) };
  }
  return `${stringify({ plugins })}\n`;
}
