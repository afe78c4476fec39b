// Every layer kind a model can be built of, by its tfjs class name: how to make one from its
// spec and the width of its input. A new kind is its file beside dense.ts and one entry here.
import { Dense, type DenseActivation } from './dense.js';
import type { Layer } from './layer.js';

export interface LayerSpecs {
  Dense: { units: number; activation: DenseActivation };
}
export type LayerSpec = { [K in keyof LayerSpecs]: { kind: K } & LayerSpecs[K] }[keyof LayerSpecs];

const KINDS: { [K in keyof LayerSpecs]: (inputs: number, spec: LayerSpecs[K]) => Layer } = {
  Dense: (inputs, spec) => new Dense(inputs, spec.units, spec.activation),
};

/** The layer `spec` describes, reading `inputs` values per row. */
export function makeLayer(inputs: number, spec: LayerSpec): Layer {
  const make = KINDS[spec.kind] as (inputs: number, spec: LayerSpec) => Layer;
  return make(inputs, spec);
}
