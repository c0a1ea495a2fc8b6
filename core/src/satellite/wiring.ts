/**
 * The real satellite of this release: every provider and layer implementation and every capability
 * detector, put together. satellite.ts stays free of these imports so it can be tested with fakes;
 * the daemon (roles satellite and combined) and the local cluster build their satellite here.
 */
import { join } from 'node:path';
import type { Logger } from 'pino';
import { LocalRunner } from '../exec/local.js';
import { isStreamingRunner, type CommandRunner } from '../exec/runner.js';
import { PROVIDER_KINDS, type LayerKind } from '../model/enums.js';
import type { Detector } from './capabilities.js';
import { createCacheLayer, createWritecacheLayer } from './layers/cache/layer.js';
import { extraLayersDetector } from './layers/detect-extra.js';
import { drbdDetector } from './layers/drbd/detect.js';
import { drbdEventsWatcher } from './layers/drbd/events-watcher.js';
import { createDrbdLayer } from './layers/drbd/layer.js';
import { drbdFiles } from './layers/drbd/res-store.js';
import type { Layer } from './layers/layer.js';
import { createLuksLayer } from './layers/luks/layer.js';
import { createNvmeLayer } from './layers/nvme/layer.js';
import { createProviders, detectProviders, type ProviderOptions } from './providers/registry.js';
import { Satellite } from './satellite.js';

export interface NodeAgentOptions {
  nodeName: string;
  stateDir: string;
  allowExtFiles?: readonly string[];
  logger: Logger;
  runner?: CommandRunner;
  providers?: ProviderOptions;
  pollMs?: number;
}

export function createSatellite(o: NodeAgentOptions): Satellite {
  const runner = o.runner ?? new LocalRunner();
  const layers = new Map<LayerKind, Layer>([
    // Only used when the detector found the DRBD 9 module loaded, hence moduleLoaded: true. Each
    // satellite keeps its .res files in its own state directory (several may share a machine).
    ['DRBD', createDrbdLayer({ moduleLoaded: true, files: drbdFiles(join(o.stateDir, 'drbd.d')) })],
    ['LUKS', createLuksLayer()],
    ['NVME', createNvmeLayer()],
    ['CACHE', createCacheLayer()],
    ['WRITECACHE', createWritecacheLayer()],
  ]);
  const detectors: Detector[] = [providerDetector(runner, o.providers), drbdDetector(runner), extraLayersDetector(runner)];
  return new Satellite({
    nodeName: o.nodeName, runner, logger: o.logger, stateDir: o.stateDir, allowExtFiles: o.allowExtFiles,
    providers: createProviders(o.providers), layers, detectors, pollMs: o.pollMs,
    // Started by the satellite only where the DRBD layer is supported (module loaded).
    watchers: isStreamingRunner(runner) ? [drbdEventsWatcher({ runner })] : [],
  });
}

/** The providers' own detection (tools and kernel features), as a capability Detector. */
export function providerDetector(runner: CommandRunner, opts: ProviderOptions = {}): Detector {
  return {
    name: 'storage provider detection',
    providers: PROVIDER_KINDS.filter((k) => k !== 'DISKLESS'),
    async detect() {
      const d = await detectProviders(runner, { lvmConfig: opts.lvmConfig });
      return {
        providers: d.supported,
        unsupported_providers: Object.fromEntries(Object.entries(d.unsupported).filter((e): e is [string, string[]] => e[1] !== undefined)),
        versions: d.versions,
      };
    },
  };
}
