// Keras models as TensorFlow.js LayersModel files (model.json + weight shards), read into a
// normalised description that does not depend on simdnet: the layers in order, the input shape,
// and float32 weights by name. Browser-safe: no Node imports.
//
// What writes these files, and how they differ:
//   tfjs `model.save`: modelTopology = { class_name: 'Sequential', config: { name, layers }, keras_version, backend };
//     the first layer carries `batch_input_shape`; weights are named `<layer>/kernel`.
//   tensorflowjs_converter from Keras 2 (tf.keras .h5): modelTopology = { keras_version, backend,
//     model_config: { class_name, config } }, an InputLayer with `batch_input_shape`; names `dense/kernel`.
//   the converter from Keras 3: layers also carry `module` and `registered_name`, the InputLayer has
//     `batch_shape`, `dtype` may be a DTypePolicy object, and weight names may carry the model's
//     prefix (`sequential/dense/kernel`) or a `:0` suffix.
// A Functional model is read when it is a plain chain (each layer fed by the one before).
// Anything else is MODEL_UNSUPPORTED naming the layer; malformed or inconsistent input is
// MODEL_INVALID (errors.ts).
import {
  decodeWeightGroups,
  isObject,
  modelInvalid,
  modelUnsupported,
  parseWeightsManifest,
  type KerasWeight,
  type KerasWeightGroup,
} from './keras-weights.js';

export type KerasActivation = 'linear' | 'relu' | 'sigmoid' | 'tanh' | 'softmax';
export const KERAS_ACTIVATIONS: readonly KerasActivation[] = ['linear', 'relu', 'sigmoid', 'tanh', 'softmax'];

/** One layer. Shapes are per example (no batch dimension). */
export type KerasLayer =
  | { kind: 'input'; name: string; inputShape: number[] }
  /** Row-major flatten of inputShape (a no-op on rank 1). */
  | { kind: 'flatten'; name: string; inputShape: number[] }
  /** y = activation(x·kernel + bias); kernel is inputs×units, row-major. */
  | { kind: 'dense'; name: string; inputs: number; units: number; activation: KerasActivation; useBias: boolean }
  | { kind: 'activation'; name: string; activation: KerasActivation }
  /** Inverted dropout in training (keep with probability 1 − rate, scale by 1/(1 − rate)); identity in inference. */
  | { kind: 'dropout'; name: string; rate: number };

export interface KerasModelPlan {
  /** The model's name ('' when model.json has none). */
  name: string;
  /** Per-example input shape, e.g. [28, 28]. */
  inputShape: number[];
  /** Product of inputShape: the width after flattening. */
  inputWidth: number;
  /** Width of the last layer's output. */
  outputWidth: number;
  layers: KerasLayer[];
  /** Weight files as the manifest names them, group by group, in order. */
  paths: string[];
  manifest: KerasWeightGroup[];
  /** For messages: the file the model came from. */
  source: string;
}

export interface KerasModel extends Omit<KerasModelPlan, 'paths' | 'manifest'> {
  /**
   * Float32 weights by normalised name: `<dense layer>/kernel` (inputs×units, row-major) and
   * `<dense layer>/bias` (units) for every dense layer (bias only when useBias).
   */
  weights: Map<string, Float32Array>;
}

const SUPPORTED_CLASSES = ['InputLayer', 'Flatten', 'Dense', 'Activation', 'Dropout'];
const SUPPORTED = `simdnet reads InputLayer, Flatten, Dense (activation ${KERAS_ACTIVATIONS.join(', ')}), Activation and Dropout layers`;
const MAX_DIMENSION = 1 << 24;

function layerLabel(layer: Record<string, unknown>, config: Record<string, unknown>, i: number): string {
  const name = typeof config.name === 'string' ? config.name : typeof layer.name === 'string' ? layer.name : '';
  return `layer ${i} (${name === '' ? 'unnamed' : JSON.stringify(name)}, ${JSON.stringify(layer.class_name)})`;
}

/** The float policy of a layer: a string or a Keras 3 DTypePolicy object; absent means float32. */
function dtypeName(dtype: unknown): unknown {
  if (dtype === undefined || dtype === null) return 'float32';
  if (isObject(dtype) && isObject(dtype.config)) return dtype.config.name;
  return dtype;
}

/** [null, d1, d2, …] (batch first) → [d1, d2, …], checked. */
function batchShape(source: string, shape: unknown, label: string): number[] {
  if (!Array.isArray(shape) || shape.length < 2)
    throw modelInvalid(source, `${label} has input shape ${JSON.stringify(shape)}, not [batch, …dims]`);
  const dims = shape.slice(1);
  if (dims.some((d) => d === null))
    throw modelUnsupported(
      source,
      `${label} has input shape ${JSON.stringify(shape)} with an unknown dimension; simdnet needs fixed sizes`,
    );
  if (!dims.every((d) => Number.isInteger(d) && d >= 1 && d <= MAX_DIMENSION)) {
    throw modelInvalid(
      source,
      `${label} has input shape ${JSON.stringify(shape)}: dimensions must be integers in [1, 2^24]`,
    );
  }
  if (dims.reduce((a: number, b: number) => a * b, 1) > MAX_DIMENSION)
    throw modelUnsupported(
      source,
      `${label} has input shape ${JSON.stringify(shape)}: more than 2^24 values per example`,
    );
  return dims as number[];
}

function activationOf(source: string, value: unknown, label: string): KerasActivation {
  // Keras 3 may serialise a built-in activation function as { module: 'keras.activations',
  // class_name: 'function', config: 'relu' }; any other object is a custom activation.
  let name: unknown = value ?? 'linear';
  if (isObject(value)) {
    if (value.class_name !== 'function' || typeof value.config !== 'string') {
      throw modelUnsupported(
        source,
        `${label} has the activation object ${JSON.stringify(value.class_name)}; ${SUPPORTED}`,
      );
    }
    name = value.config;
  }
  if (typeof name !== 'string') throw modelInvalid(source, `${label} has activation ${JSON.stringify(value)}`);
  if (!(KERAS_ACTIVATIONS as readonly string[]).includes(name))
    throw modelUnsupported(source, `${label} has activation ${JSON.stringify(name)}; ${SUPPORTED}`);
  return name as KerasActivation;
}

/** The names of the layers feeding a Functional layer, from Keras 2 or Keras 3 inbound_nodes. */
function inboundNames(nodes: unknown): string[] {
  const names: string[] = [];
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) {
      // Keras 2: [name, nodeIndex, tensorIndex, kwargs?]; Keras 3: keras_history [name, nodeIndex, tensorIndex].
      if (typeof v[0] === 'string' && typeof v[1] === 'number' && typeof v[2] === 'number') names.push(v[0]);
      else v.forEach(visit);
    } else if (isObject(v)) {
      if (isObject(v.config) && Array.isArray(v.config.keras_history)) visit(v.config.keras_history);
      else Object.values(v).forEach(visit);
    }
  };
  visit(nodes);
  return names;
}

/** The layer list of a Sequential, or of a Functional model that is a single chain. */
function layerList(source: string, topology: Record<string, unknown>): { name: string; layers: unknown[] } {
  const kind = topology.class_name,
    config = topology.config;
  // Keras 2.0 wrote a Sequential's config as the bare layer list.
  const layers = Array.isArray(config) ? config : isObject(config) ? config.layers : undefined;
  const name = isObject(config) && typeof config.name === 'string' ? config.name : '';
  if (kind !== 'Sequential' && kind !== 'Functional' && kind !== 'Model') {
    throw modelUnsupported(
      source,
      `the model is a ${JSON.stringify(kind)}; simdnet reads Sequential models and Functional models that are a single chain`,
    );
  }
  if (!Array.isArray(layers) || layers.length === 0) throw modelInvalid(source, 'modelTopology has no layers list');
  if (kind !== 'Sequential') {
    layers.forEach((layer: unknown, i: number) => {
      if (!isObject(layer)) return;
      const from = inboundNames(layer.inbound_nodes);
      const previous = i === 0 ? undefined : (layers[i - 1] as Record<string, unknown>);
      const previousName = isObject(previous)
        ? isObject(previous.config) && typeof previous.config.name === 'string'
          ? previous.config.name
          : previous.name
        : undefined;
      const chained = i === 0 ? from.length === 0 : from.length === 1 && from[0] === previousName;
      if (!chained) {
        throw modelUnsupported(
          source,
          `the Functional model is not a single chain: ${layerLabel(layer, isObject(layer.config) ? layer.config : {}, i)} takes inputs from [${from.join(', ')}]; simdnet reads chains of layers`,
        );
      }
    });
  }
  return { name, layers };
}

/** Checks a parsed model.json and returns the normalised layers and how to decode the weights. */
export function parseKerasModelJson(json: unknown, source = 'model.json'): KerasModelPlan {
  if (!isObject(json)) throw modelInvalid(source, 'the top level is not a JSON object');
  if (json.format !== undefined && json.format !== 'layers-model') {
    throw modelUnsupported(
      source,
      `format is ${JSON.stringify(json.format)}; simdnet reads 'layers-model' files (a 'graph-model' comes from converting a SavedModel and has no layer structure)`,
    );
  }
  if (!isObject(json.modelTopology)) throw modelInvalid(source, 'modelTopology is missing or not an object');
  const topology = isObject(json.modelTopology.model_config) ? json.modelTopology.model_config : json.modelTopology;
  const { name, layers: list } = layerList(source, topology);

  const layers: KerasLayer[] = [];
  let shape: number[] | null = null;
  list.forEach((layer: unknown, i: number) => {
    if (!isObject(layer) || !isObject(layer.config))
      throw modelInvalid(source, `layer ${i} has no class_name/config object`);
    const config = layer.config,
      kind = layer.class_name,
      label = layerLabel(layer, config, i);
    const layerName = typeof config.name === 'string' ? config.name : typeof layer.name === 'string' ? layer.name : '';
    if (layerName === '') throw modelInvalid(source, `${label} has no name; weights are matched by layer name`);
    if (layers.some((l) => l.name === layerName))
      throw modelInvalid(source, `${label}: two layers are named ${JSON.stringify(layerName)}`);
    if (!SUPPORTED_CLASSES.includes(kind as string))
      throw modelUnsupported(source, `${label} is not supported; ${SUPPORTED}`);
    const dtype = dtypeName(config.dtype);
    if (dtype !== 'float32')
      throw modelUnsupported(source, `${label} computes in ${JSON.stringify(dtype)}; simdnet computes in float32`);
    const declared = config.batch_input_shape ?? config.batch_shape;
    if (declared !== undefined && declared !== null) {
      const dims = batchShape(source, declared, label);
      // Keras 2 repeats the InputLayer's shape on the layer built with input_shape: it must agree.
      if (
        shape !== null &&
        (kind === 'InputLayer' || dims.length !== shape.length || dims.some((d, k) => d !== shape![k]))
      ) {
        throw modelInvalid(
          source,
          `${label} declares input shape ${JSON.stringify(declared)} but ${kind === 'InputLayer' ? 'is not the first layer' : `receives [null,${shape.join(',')}]`}`,
        );
      }
      if (shape === null && kind !== 'InputLayer')
        layers.push({ kind: 'input', name: `${layerName}_input`, inputShape: dims });
      shape = dims;
    }
    if (kind === 'InputLayer') {
      if (declared === undefined || declared === null)
        throw modelInvalid(source, `${label} is an InputLayer without batch_input_shape or batch_shape`);
      if (config.sparse === true || config.ragged === true)
        throw modelUnsupported(source, `${label} takes sparse or ragged input; simdnet takes dense tensors`);
      layers.push({ kind: 'input', name: layerName, inputShape: shape! });
      return;
    }
    if (shape === null)
      throw modelInvalid(
        source,
        `${label} comes first but no layer declares the input shape (batch_input_shape / batch_shape)`,
      );
    const rank: number = (shape as number[]).length;
    switch (kind) {
      case 'Flatten':
        if (config.data_format === 'channels_first' && rank >= 3) {
          throw modelUnsupported(
            source,
            `${label} flattens a rank-${rank} input channels_first (it moves the channel axis last first); simdnet flattens row-major`,
          );
        }
        layers.push({ kind: 'flatten', name: layerName, inputShape: shape });
        shape = [(shape as number[]).reduce((a, b) => a * b, 1)];
        return;
      case 'Dense': {
        if (rank !== 1)
          throw modelUnsupported(
            source,
            `${label} gets a rank-${rank} input ${JSON.stringify(shape)}; simdnet's Dense takes vectors: add a Flatten before it`,
          );
        const units = config.units;
        if (!Number.isInteger(units) || (units as number) < 1 || (units as number) > MAX_DIMENSION)
          throw modelInvalid(source, `${label} has units ${JSON.stringify(units)}, not an integer in [1, 2^24]`);
        const useBias = config.use_bias ?? true;
        if (typeof useBias !== 'boolean')
          throw modelInvalid(source, `${label} has use_bias ${JSON.stringify(config.use_bias)}`);
        layers.push({
          kind: 'dense',
          name: layerName,
          inputs: (shape as number[])[0]!,
          units: units as number,
          activation: activationOf(source, config.activation, label),
          useBias,
        });
        shape = [units as number];
        return;
      }
      case 'Activation':
        layers.push({
          kind: 'activation',
          name: layerName,
          activation: activationOf(source, config.activation, label),
        });
        return;
      case 'Dropout': {
        const rate = config.rate;
        if (typeof rate !== 'number' || !(rate >= 0 && rate < 1))
          throw modelInvalid(source, `${label} has rate ${JSON.stringify(rate)}, not a number in [0, 1)`);
        if (config.noise_shape !== undefined && config.noise_shape !== null)
          throw modelUnsupported(
            source,
            `${label} has a noise_shape (${JSON.stringify(config.noise_shape)}); simdnet drops elements independently`,
          );
        layers.push({ kind: 'dropout', name: layerName, rate });
        return;
      }
    }
  });
  const input = layers.find((l) => l.kind === 'input');
  if (!input || input.kind !== 'input') throw modelInvalid(source, 'no layer declares the input shape');
  if (!layers.some((l) => l.kind === 'dense'))
    throw modelUnsupported(source, `the model has no Dense layer; ${SUPPORTED}`);
  const inputWidth = input.inputShape.reduce((a, b) => a * b, 1);
  const outputShape = shape as unknown as number[];
  if (outputShape.length !== 1)
    throw modelUnsupported(
      source,
      `the model's output has shape ${JSON.stringify(outputShape)}; simdnet's outputs are vectors: end with a Flatten or Dense`,
    );

  const manifest = parseWeightsManifest(source, json.weightsManifest);
  return {
    name,
    inputShape: input.inputShape,
    inputWidth,
    outputWidth: outputShape[0]!,
    layers,
    paths: manifest.flatMap((g) => g.paths),
    manifest,
    source,
  };
}

/**
 * The manifest weight for `<layer>/<variable>`: its name is that, or ends with `/<layer>/<variable>`
 * (a model-name prefix), either with an optional `:0` suffix; optimizer state never matches.
 * More than one match is MODEL_INVALID.
 */
function findWeight(
  plan: KerasModelPlan,
  weights: readonly KerasWeight[],
  layer: string,
  variable: string,
): KerasWeight {
  const wanted = `${layer}/${variable}`;
  const matches = weights.filter((w) => {
    if (w.group === 'optimizer') return false;
    const bare = w.name.endsWith(':0') ? w.name.slice(0, -2) : w.name;
    return bare === wanted || bare.endsWith(`/${wanted}`);
  });
  if (matches.length === 0) {
    throw modelInvalid(
      plan.source,
      `no weight ${wanted} for Dense layer ${JSON.stringify(layer)} (the manifest has ${weights.map((w) => w.name).join(', ') || 'no weights'})`,
    );
  }
  if (matches.length > 1)
    throw modelInvalid(plan.source, `the weights ${matches.map((w) => w.name).join(' and ')} both match ${wanted}`);
  return matches[0]!;
}

/** Decodes the weight files (one per plan.paths entry, same order) and matches them to the layers by name. */
export function decodeKerasWeights(plan: KerasModelPlan, files: readonly Uint8Array[]): KerasModel {
  const decoded = decodeWeightGroups(plan.source, plan.manifest, files);
  const weights = new Map<string, Float32Array>();
  const take = (layer: string, variable: string, expected: number[]): void => {
    const w = findWeight(plan, decoded, layer, variable);
    if (w.shape.length !== expected.length || w.shape.some((d, i) => d !== expected[i])) {
      throw modelInvalid(
        plan.source,
        `weight ${w.name} has shape [${w.shape.join(',')}] but Dense layer ${JSON.stringify(layer)} needs [${expected.join(',')}]`,
      );
    }
    if (w.values === null) throw modelInvalid(plan.source, `weight ${w.name} is not float32`);
    const bad = w.values.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw modelInvalid(plan.source, `weight ${w.name} holds ${w.values[bad]} at element ${bad}`);
    weights.set(`${layer}/${variable}`, w.values);
  };
  for (const layer of plan.layers) {
    if (layer.kind !== 'dense') continue;
    take(layer.name, 'kernel', [layer.inputs, layer.units]);
    if (layer.useBias) take(layer.name, 'bias', [layer.units]);
  }
  const { name, inputShape, inputWidth, outputWidth, layers, source } = plan;
  return { name, inputShape, inputWidth, outputWidth, layers, source, weights };
}

/** parseKerasModelJson then decodeKerasWeights: model.json (parsed) and its weight files to a KerasModel. */
export function readKerasModel(json: unknown, files: readonly Uint8Array[], source = 'model.json'): KerasModel {
  return decodeKerasWeights(parseKerasModelJson(json, source), files);
}
