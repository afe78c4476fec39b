// The TensorFlow.js LayersModel format (model.json + binary weight shards), written and read
// without tfjs and without Node APIs: this module is browser-safe. artifacts.ts maps it to tfjs's
// in-memory ModelArtifacts and IOHandlers; interop.ts adds the files (Node).
//
// model.json, as tfjs-layers 4.22.0 writes it (LayersModel.save → a file/http handler):
//   { format: 'layers-model', generatedBy, convertedBy,
//     modelTopology: { class_name: 'Sequential', config: { name, layers: [ {class_name: 'Dense',
//        config: { units, activation, use_bias, name, batch_input_shape (first layer), … }}, … ] },
//        keras_version, backend },
//     weightsManifest: [ { paths: ['weights.bin'], weights: [ {name, shape, dtype}, … ] } ] }
// The weights of a group are the concatenation of its path files; each spec takes
// prod(shape) × 4 bytes (float32, little-endian) in order. A Dense layer named N stores N/kernel
// (in×units, row-major — simdnet's layout) and N/bias (units).
// This module writes; reading is keras-format.ts (every writer's dialect), and keras-network.ts
// turns what it reads into a network.
import type { LayerJson } from '../model/layers/layer.js';
import type { NetworkSpec } from '../model/layers/spec.js';
import { modelOf } from '../model/network-spec.js';
import { groupByteLength, modelInvalid, parseWeightsManifest } from './keras-weights.js';

export type { DenseLayerJson } from '../model/layers/dense.js';
export type { LayerJson } from '../model/layers/layer.js';

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';

export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: unknown;
}

export interface WeightsManifestGroup {
  paths: string[];
  weights: WeightSpec[];
}

export interface LayersModelJson {
  format: 'layers-model';
  generatedBy: string;
  convertedBy: null;
  modelTopology: {
    class_name: 'Sequential';
    config: { name: string; layers: LayerJson[] };
    keras_version: string;
    backend: string;
  };
  weightsManifest: WeightsManifestGroup[];
}

export interface LayersModelArtifacts {
  modelJson: LayersModelJson;
  /** The single weight file, named in modelJson.weightsManifest[0].paths[0]. */
  weightData: Uint8Array;
}

/**
 * Builds model.json and the weight bytes for a network given as widths (a Dense stack) or a layer
 * spec list, with parameters in simdnet's layout: each layer gives its own config and weight specs,
 * so the exported layer list is the network's, Flatten, Activation and Dropout included.
 */
export function toLayersModel(
  layers: readonly number[] | NetworkSpec,
  params: Float32Array,
  options: { name?: string; weightsPath?: string } = {},
): LayersModelArtifacts {
  const model = modelOf(layers);
  const expected = model.parameterCount;
  if (!(params instanceof Float32Array) || params.length !== expected) {
    throw new RangeError(
      `toLayersModel: got ${params?.length} parameters but layers [${model.widths.join(',')}] hold ${expected}`,
    );
  }
  const weightsPath = options.weightsPath ?? WEIGHTS_BIN;
  const configs = model.layers.map((layer, l) => layer.layersConfig(`${layer.kind.toLowerCase()}_${l + 1}`, l === 0));
  const specs: WeightSpec[] = configs.flatMap((c) => c.weights);
  // The flat parameter layout is the layers' weights in order: one copy, little-endian.
  const weightData = new Uint8Array(params.length * 4);
  const view = new DataView(weightData.buffer);
  for (let i = 0; i < params.length; i++) view.setFloat32(4 * i, params[i]!, true);
  return {
    modelJson: {
      format: 'layers-model',
      generatedBy: 'simdnet',
      convertedBy: null,
      modelTopology: {
        class_name: 'Sequential',
        config: { name: options.name ?? 'simdnet', layers: configs.map((c) => c.json) },
        keras_version: 'tfjs-layers 4.22.0',
        backend: 'tensor_flow.js',
      },
      weightsManifest: [{ paths: [weightsPath], weights: specs }],
    },
    weightData,
  };
}

/**
 * Throws MODEL_INVALID naming both byte counts unless a manifest group's files (`total` bytes in
 * all) hold exactly the tensors it lists (the reader's own count, keras-weights.ts), so a missing
 * or short shard is named by its file before anything is decoded.
 */
export function checkWeightBytes(source: string, group: WeightsManifestGroup, total: number): void {
  const need = groupByteLength(parseWeightsManifest(source, [group])[0]!);
  if (total !== need) {
    throw modelInvalid(
      source,
      `the weight files ${group.paths.join(', ')} hold ${total} bytes but their manifest describes ${need} (${group.weights.length} tensors)`,
    );
  }
}
