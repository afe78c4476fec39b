// A Keras model as read by keras-format.ts, as a simdnet network: its layers in order as a spec
// list (model/layers/spec.ts), its weights in simdnet's flat layout. What the layer registry cannot
// run in that order (a Dense over unflattened rows, a Dropout before the first Dense, an output
// that is not logits) is MODEL_UNSUPPORTED naming the Keras layer.
import { encodeCheckpoint } from '../checkpoint.js';
import type { LayerSpec, NetworkSpec } from '../model/layers/spec.js';
import { buildModel } from '../model/model.js';
import { checkNetworkSpec } from '../model/network-spec.js';
import { Network } from '../network.js';
import type { Runtime } from '../runtime.js';
import type { KerasLayer, KerasModel } from './keras-format.js';
import { modelUnsupported } from './keras-weights.js';

function specOf(layer: Exclude<KerasLayer, { kind: 'input' }>): LayerSpec {
  switch (layer.kind) {
    case 'dense':
      return { type: 'dense', units: layer.units, activation: layer.activation };
    case 'activation':
      return { type: 'activation', activation: layer.activation };
    case 'dropout':
      return { type: 'dropout', rate: layer.rate };
    case 'flatten':
      return { type: 'flatten' };
  }
}

/** The spec and flat parameters of `model`; a Dense without bias gets zeros (and trains one). */
export function kerasNetworkSpec(model: KerasModel): { spec: NetworkSpec; params: Float32Array } {
  const layers = model.layers.filter((l): l is Exclude<KerasLayer, { kind: 'input' }> => l.kind !== 'input');
  const names = ['input', ...layers.map((l) => l.name)];
  let spec: NetworkSpec;
  try {
    spec = checkNetworkSpec([{ type: 'input', shape: model.inputShape }, ...layers.map(specOf)]);
  } catch (err) {
    // layers[i] (kind) → the Keras layer's name.
    const message = (err as Error).message.replace(
      /layers\[(\d+)\]( \(\w+\))?/g,
      (_, i: string) => `layer ${JSON.stringify(names[Number(i)])}`,
    );
    throw modelUnsupported(model.source, message);
  }
  const params = new Float32Array(buildModel(spec).parameterCount);
  let at = 0;
  for (const layer of layers) {
    if (layer.kind !== 'dense') continue;
    params.set(model.weights.get(`${layer.name}/kernel`)!, at);
    at += layer.inputs * layer.units;
    const bias = model.weights.get(`${layer.name}/bias`);
    if (bias !== undefined) params.set(bias, at);
    at += layer.units;
  }
  return { spec, params };
}

/** A network with the layers and weights of `model`. */
export function networkFromKeras(runtime: Runtime, model: KerasModel): Network {
  const { spec, params } = kerasNetworkSpec(model);
  return Network.fromBytes(runtime, encodeCheckpoint(spec, params), model.source);
}
