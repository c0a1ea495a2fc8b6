/**
 * The node agent inside storhubd (roles satellite and combined): the satellite with this release's
 * providers and layers, served on [satellite] listen_addr:port. Started before the controller in
 * role combined, so the controller's first connection to its own node finds it listening.
 */
import { mkdir } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { Satellite } from '../satellite/satellite.js';
import { startSatelliteServer, type RunningSatelliteServer } from '../satellite/server.js';
import { createSatellite } from '../satellite/wiring.js';
import type { Config } from './config.js';

export interface RunningSatellite {
  satellite: Satellite;
  server: RunningSatelliteServer;
  /** http://host:port */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** allowExtFiles from both spellings ([satellite] allow_ext_files, LINSTOR's [files] allowExtFiles). */
export function allowedExtFileDirs(config: Config): string[] {
  return [...new Set([...config.satellite.allow_ext_files, ...config.files.allowExtFiles])];
}

export async function startSatelliteNode(config: Config, logger: Logger): Promise<RunningSatellite> {
  await mkdir(config.satellite.state_dir, { recursive: true, mode: 0o700 });
  const satellite = createSatellite({
    nodeName: config.node.name, stateDir: config.satellite.state_dir, allowExtFiles: allowedExtFileDirs(config), logger,
  });
  await satellite.start();
  let server: RunningSatelliteServer;
  try {
    server = await startSatelliteServer({ satellite, host: config.satellite.listen_addr, port: config.satellite.port });
  } catch (err) {
    await satellite.close();
    throw err;
  }
  let closing: Promise<void> | undefined;
  return {
    satellite,
    server,
    url: server.url,
    port: server.port,
    close() {
      // The server first (no new update starts), then the engine waits for the one in flight.
      closing ??= server.close().finally(() => satellite.close());
      return closing;
    },
  };
}
