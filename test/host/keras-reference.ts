// A float64 forward pass over a normalised Keras description (src/tfjs/keras-format.ts), in
// inference mode (dropout is the identity), written from the Keras semantics alone. The tests run
// it against tfjs's model.predict to show that the description means what tfjs means.
import type { KerasActivation, KerasModel } from '../../src/tfjs/keras-format.js';

function activate(v: Float64Array, activation: KerasActivation): Float64Array {
  switch (activation) {
    case 'linear':
      return v;
    case 'relu':
      return v.map((x) => Math.max(x, 0));
    case 'sigmoid':
      return v.map((x) => 1 / (1 + Math.exp(-x)));
    case 'tanh':
      return v.map(Math.tanh);
    case 'softmax': {
      const max = Math.max(...v);
      const e = v.map((x) => Math.exp(x - max));
      const sum = e.reduce((a, b) => a + b, 0);
      return e.map((x) => x / sum);
    }
  }
}

/** The model's outputs for `rows` examples of model.inputWidth values each (row-major). */
export function kerasForward64(model: KerasModel, x: Float32Array, rows: number): Float64Array {
  const out = new Float64Array(rows * model.outputWidth);
  for (let r = 0; r < rows; r++) {
    let v = Float64Array.from(x.subarray(r * model.inputWidth, (r + 1) * model.inputWidth));
    for (const layer of model.layers) {
      if (layer.kind === 'dense') {
        const kernel = model.weights.get(`${layer.name}/kernel`)!,
          bias = model.weights.get(`${layer.name}/bias`);
        const y = new Float64Array(layer.units);
        for (let j = 0; j < layer.units; j++) {
          let s = bias ? bias[j]! : 0;
          for (let i = 0; i < layer.inputs; i++) s += v[i]! * kernel[i * layer.units + j]!;
          y[j] = s;
        }
        v = activate(y, layer.activation);
      } else if (layer.kind === 'activation') {
        v = activate(v, layer.activation);
      }
    }
    out.set(v, r * model.outputWidth);
  }
  return out;
}
