// simdnet networks as TensorFlow.js models in memory, browser-safe: no tfjs at run time (only its
// types), no Node APIs. tfjs moves models through IOHandlers, objects whose load() returns and
// whose save() receives ModelArtifacts (the topology, the weight specs, the weight bytes), so
//   simdnet → tfjs:  const model = await tf.loadLayersModel(layersModelHandler(net));
//   tfjs → simdnet:  const net = await networkFromTfjsModel(runtime, model);
// layers-format.ts holds the format itself; interop.ts adds files (Node).
import type { io } from '@tensorflow/tfjs';
import { SimdnetError } from '../errors.js';
import { Network } from '../network.js';
import type { Runtime } from '../runtime.js';
import { readKerasModel } from './keras-format.js';
import { networkFromKeras } from './keras-network.js';
import { MODEL_JSON, toLayersModel, type LayersModelArtifacts } from './layers-format.js';

/** model.json and weights.bin for `net`, in memory: the same layer list, Flatten, Activation and Dropout included. */
export function networkToLayersModel(net: Network, options: { name?: string } = {}): LayersModelArtifacts {
  return toLayersModel(net.spec, net.getParameters(), options);
}

/** A network with the layers and weights of a parsed model.json and its weight files (one per manifest path, in order). */
export function networkFromLayersModel(
  runtime: Runtime,
  modelJson: unknown,
  files: readonly Uint8Array[],
  source = MODEL_JSON,
): Network {
  return networkFromKeras(runtime, readKerasModel(modelJson, files, source));
}

/** tfjs's WeightData (one buffer, or shards) as one byte array; a single buffer is not copied. */
export function joinWeightData(data: io.WeightData): Uint8Array {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  const bytes = new Uint8Array(data.reduce((n, shard) => n + shard.byteLength, 0));
  let at = 0;
  for (const shard of data) {
    bytes.set(new Uint8Array(shard), at);
    at += shard.byteLength;
  }
  return bytes;
}

/** What a save handler reports to tfjs about `artifacts` (tfjs-core's getModelArtifactsInfoForJSON). */
export function modelArtifactsInfo(artifacts: io.ModelArtifacts): io.ModelArtifactsInfo {
  const utf8Bytes = (value: unknown): number => new TextEncoder().encode(JSON.stringify(value)).length;
  const topology = artifacts.modelTopology;
  return {
    dateSaved: new Date(),
    modelTopologyType: topology instanceof ArrayBuffer ? 'GraphDef' : 'JSON',
    modelTopologyBytes:
      topology === undefined ? 0 : topology instanceof ArrayBuffer ? topology.byteLength : utf8Bytes(topology),
    weightSpecsBytes: artifacts.weightSpecs === undefined ? 0 : utf8Bytes(artifacts.weightSpecs),
    weightDataBytes: artifacts.weightData === undefined ? 0 : joinWeightData(artifacts.weightData).byteLength,
  };
}

/**
 * An IOHandler that gives tfjs `net` as a Sequential of its layers with its current weights:
 * `tf.loadLayersModel(layersModelHandler(net))`. The weights are read when tfjs calls load().
 */
export function layersModelHandler(net: Network, options: { name?: string } = {}): io.IOHandler {
  if (!(net instanceof Network))
    throw new TypeError(`layersModelHandler: net must be a Network, got ${net === null ? 'null' : typeof net}`);
  return {
    load: async () => {
      const { modelJson, weightData } = networkToLayersModel(net, options);
      const { format, generatedBy, convertedBy, modelTopology, weightsManifest } = modelJson;
      const weightSpecs = weightsManifest[0]!.weights.map(({ name, shape }) => ({
        name,
        shape,
        dtype: 'float32' as const,
      }));
      return {
        format,
        generatedBy,
        convertedBy,
        modelTopology,
        weightSpecs,
        weightData: weightData.buffer as ArrayBuffer,
      };
    },
  };
}

/**
 * A network from what a tfjs LayersModel saves (a save handler's argument, or fileHandler(…).load()):
 * any model keras-format.ts reads whose layers simdnet runs. `source` names it in errors.
 */
export function networkFromModelArtifacts(
  runtime: Runtime,
  artifacts: io.ModelArtifacts,
  source = 'the tfjs model artifacts',
): Network {
  if (artifacts === null || typeof artifacts !== 'object')
    throw new TypeError(
      `networkFromModelArtifacts: artifacts must be tfjs ModelArtifacts, got ${artifacts === null ? 'null' : typeof artifacts}`,
    );
  const { modelTopology, weightSpecs, weightData, format } = artifacts;
  if (modelTopology instanceof ArrayBuffer) {
    throw new SimdnetError(
      'MODEL_UNSUPPORTED',
      `${source}: the topology is binary (a GraphDef); simdnet reads layers models`,
    );
  }
  if (weightSpecs === undefined || weightData === undefined) {
    throw new SimdnetError(
      'MODEL_INVALID',
      `${source} is not a valid tfjs layers model: it has no weights (weightSpecs and weightData)`,
    );
  }
  // One "file", named in messages as the field it comes from.
  return networkFromLayersModel(
    runtime,
    { format, modelTopology, weightsManifest: [{ paths: ['weightData'], weights: weightSpecs }] },
    [joinWeightData(weightData)],
    source,
  );
}

/** A network with the layers and weights of a tfjs LayersModel (saved through an in-memory handler). */
export async function networkFromTfjsModel(
  runtime: Runtime,
  model: { name?: string; save(handler: io.IOHandler): Promise<io.SaveResult> },
): Promise<Network> {
  if (model === null || typeof model !== 'object' || typeof model.save !== 'function') {
    throw new TypeError('networkFromTfjsModel: model must be a tfjs LayersModel (an object with save())');
  }
  let saved: io.ModelArtifacts | undefined;
  await model.save({
    save: async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: modelArtifactsInfo(artifacts) };
    },
  });
  if (saved === undefined)
    throw new TypeError('networkFromTfjsModel: model.save() did not call the handler it was given');
  return networkFromModelArtifacts(runtime, saved, `tfjs model ${model.name ?? '(unnamed)'}`);
}
