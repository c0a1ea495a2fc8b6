/**
 * The plugin's section of storhub.toml:
 *
 *   [plugins.nomad-csi]
 *   package = "@storhub/plugin-nomad-csi"
 *   [plugins.nomad-csi.config]
 *   socket = "/run/storhub/csi.sock"      # default: csi.sock in the plugin's state directory
 *   driver_name = "linstor.csi.linbit.com"
 *   mode = "monolith"                     # or "controller" / "node"
 *   default_size_mib = 1024               # when a CreateVolume names no capacity
 *   topology_prefix = "Aux"               # node properties under Aux/ become topology segments
 *   [plugins.nomad-csi.config.default_parameters]
 *   layerList = "storage"                 # under every CreateVolume's own parameters
 */
import { z } from 'zod';

export const DEFAULT_DRIVER_NAME = 'linstor.csi.linbit.com';

export const configSchema = z.object({
  /** Absolute path of the socket, or a unix:// URL of it. */
  socket: z.string()
    .transform((s) => s.replace(/^unix:\/\//, ''))
    .refine((s) => s.startsWith('/'), 'must be an absolute path (or unix:///absolute/path)')
    .optional(),
  /** What GetPluginInfo answers; CSI wants a domain-like name of at most 63 characters. */
  driver_name: z.string()
    .regex(/^[A-Za-z0-9]([A-Za-z0-9.-]{0,61}[A-Za-z0-9])?$/, 'must be a domain-like name (letters, digits, dots, dashes; at most 63)')
    .default(DEFAULT_DRIVER_NAME),
  /** Which services to serve: Nomad's monolith plugins serve both. */
  mode: z.enum(['monolith', 'controller', 'node']).default('monolith'),
  default_size_mib: z.number().int().positive().max(1024 * 1024 * 1024).default(1024),
  default_parameters: z.record(z.string(), z.string()).default({}),
  topology_prefix: z.string().regex(/^[A-Za-z][A-Za-z0-9_-]*$/, 'must be a property namespace such as Aux').default('Aux'),
}).strict(); // a misspelt option is an error, not silently ignored

export type Config = z.infer<typeof configSchema>;
