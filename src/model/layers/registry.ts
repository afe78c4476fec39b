// Every layer kind a model can be built of, by its spec's type: how to make one from its spec and
// what it is built on. A new kind is its file beside dense.ts, its spec in spec.ts and one entry here.
import { ActivationLayer } from './activation.js';
import { Dense } from './dense.js';
import { Dropout } from './dropout.js';
import { Flatten } from './flatten.js';
import type { Below, Layer } from './layer.js';
import type { LayerSpec, LayerSpecs, LayerType } from './spec.js';

function width(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

const KINDS: { [K in LayerType]: (below: Below, spec: LayerSpecs[K]) => Layer } = {
  dense: (below, spec) => new Dense(width(below.shape), spec.units, spec.activation ?? 'linear'),
  activation: (below, spec) => new ActivationLayer(width(below.shape), spec.activation, below.relu),
  dropout: (below, spec) => new Dropout(width(below.shape), spec.rate, below.relu),
  flatten: (below) => new Flatten(below.shape, below.relu),
};

export const LAYER_TYPES = Object.keys(KINDS) as LayerType[];

/** The layer `spec` describes, built on `below` (checked by model.ts). */
export function makeLayer(below: Below, spec: LayerSpec): Layer {
  const make = KINDS[spec.type] as (below: Below, spec: LayerSpec) => Layer;
  return make(below, spec);
}
