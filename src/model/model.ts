// A model: its layers, input to output, and where each layer's parameters sit in the one flat
// parameter region (layer by layer, each layer's parameters in its order: for Dense, the weights
// in×out row-major, then the bias), which gradients and optimizer state share.
import type { Rng } from '../rng.js';
import type { Layer } from './layers/layer.js';
import { makeLayer, type LayerSpec } from './layers/registry.js';
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

/** The model of `specs` in order, the first reading `inputs` values per row. */
export function buildModel(inputs: number, specs: readonly LayerSpec[]): Model {
  const layers: Layer[] = [];
  for (const spec of specs) layers.push(makeLayer(layers.length ? layers[layers.length - 1]!.outputs : inputs, spec));
  const offsets: number[][] = [];
  let at = 0;
  for (const layer of layers) {
    offsets.push(
      layer.parameters.map((p) => {
        const start = at;
        at += elements(p.shape);
        return start;
      }),
    );
  }
  return { widths: [layers[0]!.inputs, ...layers.map((l) => l.outputs)], layers, offsets, parameterCount: at };
}

/** Dense layers of these widths: ReLU on every hidden layer, softmax (with the cross-entropy loss) on the last. */
export function denseModel(widths: readonly number[]): Model {
  const last = widths.length - 1;
  return buildModel(
    widths[0]!,
    widths.slice(1).map((units, l) => ({ kind: 'Dense', units, activation: l + 1 === last ? 'softmax' : 'relu' })),
  );
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
