/**
 * What this node supports, found once when the satellite starts: each detector (providers, DRBD, the
 * other layers) looks at the tools and kernel features it needs and answers with a partial Capabilities;
 * this file merges them into the one the satellite reports in /satellite/v1/info.
 *
 * A detector that throws does not stop the satellite: its error becomes the reason for every kind it
 * was responsible for, so the controller can still name the missing piece.
 */
import type { Logger } from 'pino';
import { LAYER_KINDS, PROVIDER_KINDS, type LayerKind, type ProviderKind } from '../model/enums.js';
import type { Capabilities } from './protocol.js';

/** The reason for a kind no detector decided about. */
export const NOT_IMPLEMENTED = 'this satellite has no implementation of it';

/** What one detector found; every field optional, merged by combineCapabilities. */
export type Detection = Partial<Capabilities>;

export interface Detector {
  /** For logs and for the reason when it fails, e.g. "DRBD detection". */
  name: string;
  /** The kinds this detector decides about; they are reported unsupported when it throws. */
  providers?: readonly ProviderKind[];
  layers?: readonly LayerKind[];
  detect(): Promise<Detection>;
}

/**
 * STORAGE is the satellite's own layer and DISKLESS needs nothing: both are always there. Everything
 * else must be reported supported by some detector; a kind nobody reports is unsupported with a reason
 * that says so (rather than silently missing).
 */
export function combineCapabilities(parts: readonly Detection[]): Capabilities {
  const providers = new Set<ProviderKind>(['DISKLESS']);
  const layers = new Set<LayerKind>(['STORAGE']);
  const unsupportedProviders: Record<string, string[]> = {};
  const unsupportedLayers: Record<string, string[]> = {};
  const versions: Record<string, string> = {};
  const addReasons = (into: Record<string, string[]>, from: Record<string, string[]> | undefined) => {
    for (const [kind, reasons] of Object.entries(from ?? {})) {
      const list = (into[kind] ??= []);
      for (const r of reasons) if (!list.includes(r)) list.push(r);
    }
  };
  for (const part of parts) {
    for (const p of part.providers ?? []) providers.add(p);
    for (const l of part.layers ?? []) layers.add(l);
    addReasons(unsupportedProviders, part.unsupported_providers);
    addReasons(unsupportedLayers, part.unsupported_layers);
    Object.assign(versions, part.versions ?? {});
  }
  // Supported wins: a reason from one detector must not hide what another found working.
  for (const p of providers) delete unsupportedProviders[p];
  for (const l of layers) delete unsupportedLayers[l];
  for (const p of PROVIDER_KINDS) {
    if (!providers.has(p) && !unsupportedProviders[p]) unsupportedProviders[p] = [NOT_IMPLEMENTED];
  }
  for (const l of LAYER_KINDS) {
    if (!layers.has(l) && !unsupportedLayers[l]) unsupportedLayers[l] = [NOT_IMPLEMENTED];
  }
  return {
    providers: PROVIDER_KINDS.filter((p) => providers.has(p)),
    layers: LAYER_KINDS.filter((l) => layers.has(l)),
    unsupported_providers: sortedKeys(unsupportedProviders),
    unsupported_layers: sortedKeys(unsupportedLayers),
    versions: sortedKeys(versions),
  };
}

/** Runs every detector (concurrently; they only read) and merges what they found. */
export async function detectCapabilities(detectors: readonly Detector[], log: Logger): Promise<Capabilities> {
  const parts = await Promise.all(detectors.map(async (d): Promise<Detection> => {
    try {
      return await d.detect();
    } catch (err) {
      const reason = `${d.name} failed: ${(err as Error).message}`;
      log.error({ err, detector: d.name }, 'capability detection failed');
      return {
        unsupported_providers: Object.fromEntries((d.providers ?? []).map((p) => [p, [reason]])),
        unsupported_layers: Object.fromEntries((d.layers ?? []).map((l) => [l, [reason]])),
      };
    }
  }));
  const caps = combineCapabilities(parts);
  log.info({ providers: caps.providers, layers: caps.layers, unsupported_layers: caps.unsupported_layers }, 'capabilities detected');
  return caps;
}

function sortedKeys<T>(rec: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(rec).sort(([a], [b]) => a.localeCompare(b)));
}
