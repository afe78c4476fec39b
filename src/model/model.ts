// A model: its layers, input to output, and where each layer's parameters sit in the one flat
// parameter region (layer by layer, each layer's parameters in its order: for Dense, the weights
// in×out row-major, then the bias), which gradients and optimizer state share.
import type { Rng } from '../rng.js';
import { Dense } from './layers/dense.js';
import type { Layer } from './layers/layer.js';
import type { Initializer } from './types.js';

export interface Model {
  /** Widths from input to output. */
  readonly widths: readonly number[];
  readonly layers: readonly Layer[];
  /** Element offset of each layer's parameters, one per entry of its `parameters`. */
  readonly offsets: ReadonlyArray<readonly number[]>;
  readonly parameterCount: number;
}

function elements(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function modelOf(layers: readonly Layer[]): Model {
  const offsets: number[][] = [];
  let at = 0;
  for (const layer of layers) {
    offsets.push(layer.parameters.map((p) => { const start = at; at += elements(p.shape); return start; }));
  }
  return { widths: [layers[0]!.inputs, ...layers.map((l) => l.outputs)], layers, offsets, parameterCount: at };
}

/** Dense layers of these widths: ReLU on every hidden layer, softmax (with the cross-entropy loss) on the last. */
export function denseModel(widths: readonly number[]): Model {
  const layers: Layer[] = [];
  for (let l = 1; l < widths.length; l++) layers.push(new Dense(widths[l - 1]!, widths[l]!, l === widths.length - 1 ? 'softmax' : 'relu'));
  return modelOf(layers);
}

/** Fresh parameters in the flat layout, each layer drawing from `rng` in turn. */
export function initialParameters(model: Model, init: Initializer, rng: Rng): Float32Array {
  const params = new Float32Array(model.parameterCount);
  let at = 0;
  for (const layer of model.layers) {
    const size = layer.parameters.reduce((n, p) => n + elements(p.shape), 0);
    layer.initialize(params.subarray(at, at + size), init, rng);
    at += size;
  }
  return params;
}
