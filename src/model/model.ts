// A model: its layers, input to output, and where each layer's parameters sit in the one flat
// parameter region (layer by layer, each layer's parameters in its order: for Dense, the weights
// in×out row-major, then the bias), which gradients and optimizer state share.
import type { Rng } from '../rng.js';
import type { Layer } from './layers/layer.js';
import { makeLayer } from './layers/registry.js';
import type { LayerSpec, NetworkSpec } from './layers/spec.js';
import type { Initializer } from './types.js';

/** What the output layer gives the loss: probabilities' logits under a softmax (Dense or Activation), or plain logits. */
export type Head = 'softmax' | 'logits';

export interface Model {
  /** The description it was built from (checked by network-spec.ts). */
  readonly spec: NetworkSpec;
  /** The input width, then each Dense layer's units (the last: the classes). */
  readonly widths: readonly number[];
  readonly head: Head;
  readonly layers: readonly Layer[];
  /** Element offset of each layer's parameters, one per entry of its `parameters`. */
  readonly offsets: ReadonlyArray<readonly number[]>;
  readonly parameterCount: number;
}

function elements(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** The model of a checked spec (network-spec.ts). */
export function buildModel(spec: NetworkSpec): Model {
  const [input, ...specs] = spec;
  const layers: Layer[] = [];
  let below = { shape: input.shape as readonly number[], relu: false };
  for (const s of specs) {
    const layer = makeLayer(below, s);
    layers.push(layer);
    below = { shape: [layer.outputs], relu: layer.relu };
  }
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
  const dense = specs.filter((s) => s.type === 'dense');
  const softmax = specs.some((s) => (s.type === 'dense' || s.type === 'activation') && s.activation === 'softmax');
  return {
    spec,
    widths: [elements(input.shape), ...dense.map((s) => s.units)],
    head: softmax ? 'softmax' : 'logits',
    layers,
    offsets,
    parameterCount: at,
  };
}

/** Dense layers of these widths: ReLU on every hidden layer, softmax (with the cross-entropy loss) on the last. */
export function denseSpec(widths: readonly number[]): NetworkSpec {
  const last = widths.length - 1;
  const layers = widths
    .slice(1)
    .map((units, l): LayerSpec => ({ type: 'dense', units, activation: l + 1 === last ? 'softmax' : 'relu' }));
  return [{ type: 'input', shape: [widths[0]!] }, ...layers];
}

/** The model denseSpec(widths) describes. */
export function denseModel(widths: readonly number[]): Model {
  return buildModel(denseSpec(widths));
}

/** The widths of `spec` when it is exactly denseSpec(widths) (the shape checkpoint version 1 holds), else null. */
export function denseWidths(spec: NetworkSpec): number[] | null {
  const [input, ...layers] = spec;
  if (input.shape.length !== 1) return null;
  const widths = [input.shape[0]!];
  for (const [l, layer] of layers.entries()) {
    const want = l + 1 === layers.length ? 'softmax' : 'relu';
    if (layer.type !== 'dense' || layer.activation !== want) return null;
    widths.push(layer.units);
  }
  return widths;
}

/** Index of the last element of `items` that `test` holds for, or −1. */
export function lastIndex<T>(items: readonly T[], test: (item: T) => boolean): number {
  for (let i = items.length - 1; i >= 0; i--) if (test(items[i]!)) return i;
  return -1;
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
