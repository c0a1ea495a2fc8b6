/**
 * Runs a resource's layer list top-down: layer i gets `next` = "apply layers i+1..n", so DRBD
 * sits on LUKS sits on STORAGE without any layer knowing what is below it.
 */
import type { LayerKind } from '../../model/enums.js';
import type { DesiredResource } from '../protocol.js';
import type { Layer, LayerContext, LayerVolumes } from './layer.js';

export type LayerRegistry = ReadonlyMap<LayerKind, Layer>;

function layersOf(registry: LayerRegistry, resource: DesiredResource): Layer[] {
  return resource.layer_stack.map((kind) => {
    const layer = registry.get(kind);
    if (!layer) throw new Error(`layer ${kind} is not available on this satellite`);
    return layer;
  });
}

export function applyStack(registry: LayerRegistry, ctx: LayerContext, resource: DesiredResource): Promise<LayerVolumes> {
  const layers = layersOf(registry, resource);
  const run = (i: number): Promise<LayerVolumes> =>
    i >= layers.length ? Promise.resolve(new Map()) : layers[i].apply(ctx, resource, () => run(i + 1));
  return run(0);
}

export function removeStack(registry: LayerRegistry, ctx: LayerContext, resource: DesiredResource): Promise<void> {
  const layers = layersOf(registry, resource);
  const run = (i: number): Promise<void> =>
    i >= layers.length ? Promise.resolve() : layers[i].remove(ctx, resource, () => run(i + 1));
  return run(0);
}
