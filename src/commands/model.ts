// What the commands that read a trained model share: the MODEL argument (a checkpoint written by
// `simdnet train --save` or saveNetwork) loaded on the requested build, and a usage error for a
// missing one.
import { loadNetwork } from '../io.node.js';
import { loadSimdnet } from '../loader.node.js';
import { VARIANTS } from '../abi.js';
import type { Network } from '../network.js';
import { choiceFlag, UsageError } from './usage.js';

export const VARIANT_CHOICES = ['auto', ...VARIANTS] as const;

export async function openModel(path: string | undefined, variant: string | undefined): Promise<Network> {
  if (path === undefined)
    throw new UsageError('give the MODEL checkpoint to read (as written by simdnet train --save)');
  const runtime = await loadSimdnet({ variant: choiceFlag('variant', variant, VARIANT_CHOICES) ?? 'auto' });
  return loadNetwork(runtime, path);
}
