/**
 * The plugin host of one storhubd, set up from its configuration: plugin state below
 * <[satellite] state_dir>/plugins/<id>, relative plugin paths from the directory of storhub.toml, and
 * the REST client aimed at `defaultControllers` (the daemon's own API) unless [plugins] controllers
 * names others (role satellite has no API of its own: there it must).
 */
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import { PluginHost } from '../plugin/host.js';
import { type LoadAdapter, moduleLoader } from '../plugin/loader.js';
import type { Config } from './config.js';

export function pluginHostFor(config: Config, logger: Logger, defaultControllers: () => string[] | undefined, load?: LoadAdapter): PluginHost {
  return new PluginHost({
    logger,
    nodeName: config.node.name,
    stateDir: join(config.satellite.state_dir, 'plugins'),
    defaultControllers,
    load: load ?? moduleLoader({ baseDir: config.file ? dirname(config.file) : process.cwd() }),
  });
}
