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
//
// Reading accepts what simdnet can run: a Sequential (also under modelTopology.model_config, as
// Keras conversions nest it) of Dense layers, ReLU on every hidden layer and softmax on the last,
// optionally preceded by an InputLayer and a Flatten of the input; float32 weights. Anything else
// is a SimdnetError naming the layer: MODEL_UNSUPPORTED for what simdnet cannot run, MODEL_INVALID
// for what is malformed or inconsistent.
import { parameterCount } from '../checkpoint.js';
import { SimdnetError } from '../errors.js';
import type { LayerJson } from '../model/layers/layer.js';
import { denseModel } from '../model/model.js';

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

/** A parsed model.json: the widths simdnet needs and how to decode the weight files. */
export interface LayersModelPlan {
  /** Widths from input to output. */
  layers: number[];
  /** Weight file paths as the manifest names them, group by group, in order. */
  paths: string[];
  /** For each Dense layer: its name, and whether it has a bias. */
  dense: Array<{ name: string; useBias: boolean }>;
  manifest: WeightsManifestGroup[];
  /** For messages. */
  source: string;
}

/** Builds model.json and the weight bytes for a stack of dense layers (simdnet layout parameters): each layer gives its own config and weight specs. */
export function toLayersModel(
  layers: readonly number[],
  params: Float32Array,
  options: { name?: string; weightsPath?: string } = {},
): LayersModelArtifacts {
  const expected = parameterCount(layers);
  if (!(params instanceof Float32Array) || params.length !== expected) {
    throw new RangeError(
      `toLayersModel: got ${params?.length} parameters but layers [${layers.join(',')}] hold ${expected}`,
    );
  }
  const weightsPath = options.weightsPath ?? WEIGHTS_BIN;
  const configs = denseModel(layers).layers.map((layer, l) =>
    layer.layersConfig(`${layer.kind.toLowerCase()}_${l + 1}`, l === 0),
  );
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

// ---- reading ---------------------------------------------------------------------------------

function invalid(source: string, what: string): SimdnetError {
  return new SimdnetError('MODEL_INVALID', `${source} is not a valid tfjs layers model: ${what}`);
}

function unsupported(source: string, what: string): SimdnetError {
  return new SimdnetError('MODEL_UNSUPPORTED', `${source}: ${what}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isWidth(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 1 << 24;
}

/** [null, a, b, …] → a·b·…, or null when it is not a batch shape of known positive sizes. */
function batchShapeWidth(shape: unknown): { width: number; rank: number } | null {
  if (!Array.isArray(shape) || shape.length < 2 || shape[0] !== null) return null;
  let width = 1;
  for (const d of shape.slice(1)) {
    if (!isWidth(d)) return null;
    width *= d;
  }
  return { width, rank: shape.length - 1 };
}

function inputShapeOf(config: Record<string, unknown>): unknown {
  return (
    config.batch_input_shape ?? config.batch_shape ?? (isWidth(config.input_dim) ? [null, config.input_dim] : undefined)
  );
}

function formatShape(shape: readonly unknown[]): string {
  return `[${shape.map((d) => (d === null ? 'null' : String(d))).join(',')}]`;
}

/** Checks a parsed model.json and returns the plan to decode its weights. */
export function parseLayersModelJson(json: unknown, source = MODEL_JSON): LayersModelPlan {
  if (!isObject(json)) throw invalid(source, 'the top level is not a JSON object');
  if (json.format !== undefined && json.format !== 'layers-model') {
    throw unsupported(
      source,
      `format is ${JSON.stringify(json.format)}; simdnet reads 'layers-model' files (a 'graph-model' comes from converting a SavedModel and has no layer structure)`,
    );
  }
  if (!isObject(json.modelTopology)) throw invalid(source, 'modelTopology is missing or not an object');
  const topology = isObject(json.modelTopology.model_config) ? json.modelTopology.model_config : json.modelTopology;
  if (topology.class_name !== 'Sequential') {
    throw unsupported(
      source,
      `the model is a ${JSON.stringify(topology.class_name)}; simdnet reads Sequential models of Dense layers`,
    );
  }
  const config = topology.config;
  const layerList = Array.isArray(config) ? config : isObject(config) ? config.layers : undefined;
  if (!Array.isArray(layerList) || layerList.length === 0)
    throw invalid(source, 'modelTopology.config.layers is missing or empty');

  let width: number | null = null;
  let rank = 1;
  const widths: number[] = [];
  const dense: LayersModelPlan['dense'] = [];
  layerList.forEach((layer: unknown, i: number) => {
    if (!isObject(layer) || !isObject(layer.config))
      throw invalid(source, `layer ${i} has no class_name/config object`);
    const kind = layer.class_name,
      cfg = layer.config;
    const label = `layer ${i} (${typeof cfg.name === 'string' ? cfg.name : 'unnamed'})`;
    const declared = inputShapeOf(cfg);
    if (declared !== undefined) {
      const parsed = batchShapeWidth(declared);
      if (!parsed)
        throw unsupported(
          source,
          `${label} has input shape ${JSON.stringify(declared)}; simdnet needs [null, n] (or [null, a, b…] followed by Flatten) with known sizes`,
        );
      if (dense.length > 0) throw invalid(source, `${label} declares an input shape but is not the first layer`);
      if (width !== null && parsed.width !== width) {
        throw invalid(
          source,
          `${label} declares input shape ${JSON.stringify(declared)} (${parsed.width} values) but an earlier layer declares ${width}`,
        );
      }
      if (width === null || parsed.rank === 1) {
        width = parsed.width;
        rank = parsed.rank;
      }
    }
    if (kind === 'InputLayer') {
      if (i !== 0) throw unsupported(source, `${label} is an InputLayer after other layers`);
      if (declared === undefined) throw invalid(source, `${label} is an InputLayer without batch_input_shape`);
      return;
    }
    if (kind === 'Flatten') {
      if (dense.length > 0)
        throw unsupported(
          source,
          `${label} is a Flatten between Dense layers; simdnet runs only a Flatten of the input`,
        );
      rank = 1;
      return;
    }
    if (kind !== 'Dense')
      throw unsupported(
        source,
        `${label} is a ${JSON.stringify(kind)} layer; simdnet runs only Dense layers (with an optional InputLayer and Flatten of the input)`,
      );
    if (width === null)
      throw invalid(
        source,
        `${label} is the first Dense layer but no layer declares the input shape (batch_input_shape)`,
      );
    if (rank !== 1) throw unsupported(source, `${label} gets a rank-${rank} input; add a Flatten before it`);
    if (!isWidth(cfg.units))
      throw invalid(source, `${label} has units ${JSON.stringify(cfg.units)}, not an integer ≥ 1`);
    const useBias = cfg.use_bias ?? true;
    if (typeof useBias !== 'boolean') throw invalid(source, `${label} has use_bias ${JSON.stringify(cfg.use_bias)}`);
    if (typeof cfg.name !== 'string' || cfg.name === '')
      throw invalid(source, `${label} has no name; its weights are found by name`);
    dense.push({ name: cfg.name, useBias });
    if (widths.length === 0) widths.push(width);
    widths.push(cfg.units);
    width = cfg.units;
  });
  if (dense.length === 0) throw unsupported(source, 'the model has no Dense layer');
  layerList
    .filter((l: unknown) => isObject(l) && l.class_name === 'Dense')
    .forEach((layer: Record<string, unknown>, d: number) => {
      const activation = (layer.config as Record<string, unknown>).activation ?? 'linear';
      const want = d === dense.length - 1 ? 'softmax' : 'relu';
      if (activation !== want) {
        throw unsupported(
          source,
          `Dense layer ${dense[d]!.name} has activation ${JSON.stringify(activation)}; simdnet needs 'relu' on hidden layers and 'softmax' on the last`,
        );
      }
    });

  const manifest = json.weightsManifest;
  if (!Array.isArray(manifest) || manifest.length === 0) throw invalid(source, 'weightsManifest is missing or empty');
  const paths: string[] = [];
  manifest.forEach((group: unknown, g: number) => {
    if (!isObject(group) || !Array.isArray(group.paths) || !Array.isArray(group.weights)) {
      throw invalid(source, `weightsManifest[${g}] needs paths and weights arrays`);
    }
    for (const p of group.paths) {
      if (typeof p !== 'string' || p === '')
        throw invalid(source, `weightsManifest[${g}].paths holds ${JSON.stringify(p)}, not a file name`);
      paths.push(p);
    }
    group.weights.forEach((spec: unknown, k: number) => {
      if (
        !isObject(spec) ||
        typeof spec.name !== 'string' ||
        !Array.isArray(spec.shape) ||
        !spec.shape.every((d) => Number.isInteger(d) && (d as number) >= 0)
      ) {
        throw invalid(source, `weightsManifest[${g}].weights[${k}] needs a name and a shape of integers`);
      }
      if (spec.quantization !== undefined)
        throw unsupported(source, `weight ${spec.name} is quantized; export float32 weights`);
      if (spec.dtype !== 'float32')
        throw unsupported(
          source,
          `weight ${spec.name} has dtype ${JSON.stringify(spec.dtype)}; simdnet reads float32 weights`,
        );
    });
  });
  return { layers: widths, paths, dense, manifest: manifest as WeightsManifestGroup[], source };
}

/** Bytes per element a weight file stores: by dtype (tfjs-core's DTYPE_VALUE_SIZE_MAP), or by quantization dtype. */
const DTYPE_BYTES: Readonly<Record<string, number>> = { float32: 4, int32: 4, complex64: 8, bool: 1 };
const QUANTIZED_BYTES: Readonly<Record<string, number>> = { uint8: 1, uint16: 2, float16: 2 };

/**
 * Throws MODEL_INVALID naming both byte counts unless a manifest group's files (`total` bytes in
 * all) hold exactly the tensors it lists. Groups with a string tensor (variable length) or a dtype
 * tfjs does not know pass, for the reader to name.
 */
export function checkWeightBytes(source: string, group: WeightsManifestGroup, total: number): void {
  let need = 0;
  for (const spec of group.weights) {
    const quantized = (spec.quantization as { dtype?: string } | undefined)?.dtype;
    const bytes = quantized === undefined ? DTYPE_BYTES[spec.dtype] : QUANTIZED_BYTES[quantized];
    if (bytes === undefined) return;
    need += bytes * spec.shape.reduce((a, b) => a * b, 1);
  }
  if (total !== need) {
    throw invalid(
      source,
      `the weight files ${group.paths.join(', ')} hold ${total} bytes but their manifest describes ${need} (${group.weights.length} tensors)`,
    );
  }
}

/**
 * Decodes the weight files (one Uint8Array per plan.paths entry, same order) into simdnet's flat
 * parameter layout, checking byte counts and every Dense layer's kernel and bias shapes.
 */
export function decodeLayersModelWeights(plan: LayersModelPlan, files: readonly Uint8Array[]): Float32Array {
  if (files.length !== plan.paths.length)
    throw new RangeError(`decodeLayersModelWeights: ${files.length} files for ${plan.paths.length} manifest paths`);
  const values = new Map<string, { shape: number[]; data: Float32Array }>();
  let file = 0;
  for (const group of plan.manifest) {
    const parts = files.slice(file, file + group.paths.length);
    file += group.paths.length;
    const total = parts.reduce((n, p) => n + p.length, 0);
    const bytes = new Uint8Array(total);
    let at = 0;
    for (const p of parts) {
      bytes.set(p, at);
      at += p.length;
    }
    checkWeightBytes(plan.source, group, total);
    const view = new DataView(bytes.buffer);
    at = 0;
    for (const spec of group.weights) {
      const count = spec.shape.reduce((a, b) => a * b, 1);
      const data = new Float32Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getFloat32(at + 4 * i, true);
      at += 4 * count;
      values.set(spec.name, { shape: spec.shape, data });
    }
  }
  const lookup = (name: string): { shape: number[]; data: Float32Array } | undefined => {
    const exact = values.get(name);
    if (exact) return exact;
    // Keras conversions may scope names (model/dense/kernel) or add a :0 suffix.
    for (const [key, value] of values) {
      const bare = key.replace(/:0$/, '');
      if (bare === name || bare.endsWith(`/${name}`)) return value;
    }
    return undefined;
  };
  const params = new Float32Array(parameterCount(plan.layers));
  let at = 0;
  plan.dense.forEach(({ name, useBias }, l) => {
    const inputs = plan.layers[l]!,
      units = plan.layers[l + 1]!;
    const kernel = lookup(`${name}/kernel`);
    if (!kernel)
      throw invalid(
        plan.source,
        `no weight ${name}/kernel for Dense layer ${name} (the manifest has ${[...values.keys()].join(', ') || 'no weights'})`,
      );
    if (kernel.shape.length !== 2 || kernel.shape[0] !== inputs || kernel.shape[1] !== units) {
      throw invalid(
        plan.source,
        `weight ${name}/kernel has shape ${formatShape(kernel.shape)} but Dense layer ${name} maps ${inputs} inputs to ${units} units: expected [${inputs},${units}]`,
      );
    }
    params.set(kernel.data, at);
    at += inputs * units;
    if (useBias) {
      const bias = lookup(`${name}/bias`);
      if (!bias) throw invalid(plan.source, `no weight ${name}/bias for Dense layer ${name} (use_bias is true)`);
      if (bias.shape.length !== 1 || bias.shape[0] !== units) {
        throw invalid(
          plan.source,
          `weight ${name}/bias has shape ${formatShape(bias.shape)} but Dense layer ${name} has ${units} units: expected [${units}]`,
        );
      }
      params.set(bias.data, at);
    }
    at += units; // a layer without bias keeps zeros
  });
  return params;
}
