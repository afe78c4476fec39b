// What the commands that read a trained model share: the MODEL argument (a checkpoint written by
// `simdnet train --save` or saveNetwork) loaded on the requested build, and a usage error for a
// missing one.
import { parseArgs } from 'node:util';
import { loadNetwork } from '../io.node.js';
import { loadSimdnet } from '../loader.node.js';
import type { Network } from '../network.js';
import { choiceFlag, UsageError, type FlagValues, type Flags } from './usage.js';

export const VARIANT_CHOICES = ['auto', 'simd', 'scalar'] as const;

/** parseFlags with positional arguments allowed (MODEL, IMAGE…); errors become UsageError. */
export function parseFlagsAndArguments<T extends Flags>(argv: string[], options: T): { values: FlagValues<T>; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args: argv, options, strict: true, allowPositionals: true });
    return { values: values as FlagValues<T>, positionals };
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

export async function openModel(path: string | undefined, variant: string | undefined): Promise<Network> {
  if (path === undefined) throw new UsageError('give the MODEL checkpoint to read (as written by simdnet train --save)');
  const runtime = await loadSimdnet({ variant: choiceFlag('variant', variant, VARIANT_CHOICES) ?? 'auto' });
  return loadNetwork(runtime, path);
}
