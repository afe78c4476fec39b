// What the commands that read a trained model share: the MODEL argument — a checkpoint written by
// `simdnet train --save` or saveNetwork, or a tfjs/Keras model.json (its weight files beside it) —
// loaded on the requested build, and a usage error for a missing one.
import { loadNetwork } from '../io.node.js';
import { loadSimdnet } from '../loader.node.js';
import { VARIANTS } from '../abi.js';
import type { Network } from '../network.js';
import type { Runtime } from '../runtime.js';
import { choiceFlag, UsageError } from './usage.js';

export const VARIANT_CHOICES = ['auto', ...VARIANTS] as const;

/** MODEL read as a tfjs LayersModel when it names a .json file, else as a checkpoint. */
export async function readModel(runtime: Runtime, path: string): Promise<Network> {
  if (!path.toLowerCase().endsWith('.json')) return loadNetwork(runtime, path);
  // The tfjs half is loaded only for model.json files.
  const { importLayersModel } = await import('../tfjs/interop.js');
  return importLayersModel(runtime, path);
}

export async function openModel(path: string | undefined, variant: string | undefined): Promise<Network> {
  if (path === undefined)
    throw new UsageError(
      'give the MODEL to read: a checkpoint (as written by simdnet train --save) or a tfjs model.json',
    );
  const runtime = await loadSimdnet({ variant: choiceFlag('variant', variant, VARIANT_CHOICES) ?? 'auto' });
  return readModel(runtime, path);
}
