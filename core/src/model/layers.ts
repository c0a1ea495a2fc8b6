/**
 * Layer stack rules, from the child-layer table of the LINSTOR user's guide: which layer may sit
 * directly on top of which, each layer at most once, and STORAGE always at the bottom. BCACHE is
 * treated like CACHE (the guide's table predates it).
 */
import { StorhubError } from './errors.js';
import { LAYER_KINDS, type LayerKind } from './enums.js';

const CACHES: LayerKind[] = ['CACHE', 'WRITECACHE', 'BCACHE'];

/** The layers allowed directly below each layer. */
export const CHILD_LAYERS: Readonly<Record<LayerKind, readonly LayerKind[]>> = {
  DRBD: [...CACHES, 'NVME', 'LUKS', 'STORAGE'],
  CACHE: ['WRITECACHE', 'BCACHE', 'NVME', 'LUKS', 'STORAGE'],
  BCACHE: ['CACHE', 'WRITECACHE', 'NVME', 'LUKS', 'STORAGE'],
  WRITECACHE: ['CACHE', 'BCACHE', 'NVME', 'LUKS', 'STORAGE'],
  NVME: [...CACHES, 'LUKS', 'STORAGE'],
  LUKS: ['STORAGE'],
  STORAGE: [],
};

/** Returns why the (upper-cased, known) stack is invalid, or undefined when it is fine. */
export function layerStackProblem(stack: readonly LayerKind[]): string | undefined {
  if (stack.length === 0) return 'the layer stack is empty';
  const seen = new Set<LayerKind>();
  for (const layer of stack) {
    if (seen.has(layer)) return `layer ${layer} appears more than once`;
    seen.add(layer);
  }
  for (let i = 0; i + 1 < stack.length; i++) {
    const [upper, lower] = [stack[i], stack[i + 1]];
    if (!CHILD_LAYERS[upper].includes(lower)) {
      const allowed = CHILD_LAYERS[upper];
      return `${upper} cannot be placed on top of ${lower}` +
        (allowed.length ? ` (allowed below ${upper}: ${allowed.join(', ')})` : ` (${upper} must be the last layer)`);
    }
  }
  if (stack[stack.length - 1] !== 'STORAGE') return 'the last layer must be STORAGE';
  return undefined;
}

/** Upper-cases and checks every entry is a known layer kind (FAIL_INVLD_LAYER_KIND otherwise). */
export function parseLayerKinds(values: readonly string[]): LayerKind[] {
  return values.map((v) => {
    const kind = v.trim().toUpperCase();
    if (!(LAYER_KINDS as readonly string[]).includes(kind)) {
      throw new StorhubError('FAIL_INVLD_LAYER_KIND', `Invalid layer kind '${v}'.`, {
        correction: `Use one of: ${LAYER_KINDS.join(', ')}.`,
      });
    }
    return kind as LayerKind;
  });
}

/**
 * Parses and validates a requested stack. Like LINSTOR, a stack that does not mention STORAGE gets
 * it appended (`storageAdded` tells the caller to warn); any other rule violation is
 * FAIL_INVLD_LAYER_STACK.
 */
export function checkLayerStack(values: readonly string[]): { stack: LayerKind[]; storageAdded: boolean } {
  const stack = parseLayerKinds(values);
  const storageAdded = stack.length > 0 && !stack.includes('STORAGE');
  if (storageAdded) stack.push('STORAGE');
  const problem = layerStackProblem(stack);
  if (problem) {
    throw new StorhubError('FAIL_INVLD_LAYER_STACK', `Invalid layer stack ${stack.join(',')}: ${problem}.`, {
      correction: 'Order the layers top-down, each at most once, ending with STORAGE (for example DRBD,LUKS,STORAGE).',
    });
  }
  return { stack, storageAdded };
}
