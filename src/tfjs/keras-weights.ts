// The weights half of a TensorFlow.js LayersModel: the weightsManifest of model.json and the binary
// shards it describes, decoded to float32 as tfjs's io.decodeWeights (tfjs-core 4.22) decodes them.
// Browser-safe: no Node imports. keras-format.ts reads the topology and matches layers to weights.
//
//   weightsManifest: [ { paths: ['group1-shard1of2.bin', 'group1-shard2of2.bin'],
//                        weights: [ { name, shape, dtype, quantization? }, … ] }, … ]
// A group's bytes are its path files concatenated; each weight takes prod(shape) elements in
// order, little-endian, of its stored type: `dtype` (float32, int32 4 bytes; bool 1 byte) or, when
// quantized, quantization.dtype (uint8 1, uint16 2, float16 2 bytes) while `dtype` stays the
// original float32. tfjs dequantizes uint8/uint16 as f32(q·scale + min) (the product and sum in
// float64, then one rounding) and float16 as the IEEE half value, which f32 holds exactly.
import { SimdnetError } from '../errors.js';

export type QuantizedDType = 'uint8' | 'uint16' | 'float16';

export interface KerasWeightSpec {
  name: string;
  shape: number[];
  /** The tensor's dtype (float32 for every weight simdnet uses). */
  dtype: string;
  quantization?: { dtype: QuantizedDType; scale?: number; min?: number };
  /** 'optimizer' for optimizer state (tfjs `save` with includeOptimizer); absent or 'model' otherwise. */
  group?: string;
}

export interface KerasWeightGroup {
  paths: string[];
  weights: KerasWeightSpec[];
}

/** A decoded weight: its manifest name, shape, group and float32 values (null for non-float tensors). */
export interface KerasWeight {
  name: string;
  shape: number[];
  group?: string;
  values: Float32Array | null;
}

const STORED_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };

/** The largest element count accepted per weight: 2²⁸ floats is 1 GiB, past what WASM32 can train. */
const MAX_WEIGHT_ELEMENTS = 2 ** 28;

export function modelInvalid(source: string, what: string): SimdnetError {
  return new SimdnetError('MODEL_INVALID', `${source} is not a valid tfjs layers model: ${what}`);
}

export function modelUnsupported(source: string, what: string): SimdnetError {
  return new SimdnetError('MODEL_UNSUPPORTED', `${source}: ${what}`);
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function storedType(spec: KerasWeightSpec): string {
  return spec.quantization?.dtype ?? spec.dtype;
}

/** Checks one manifest entry; `where` names it for messages. */
function parseSpec(source: string, entry: unknown, where: string): KerasWeightSpec {
  if (!isObject(entry) || typeof entry.name !== 'string' || entry.name === '')
    throw modelInvalid(source, `${where} has no name`);
  const label = `${where} (${entry.name})`;
  const shape = entry.shape;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
    throw modelInvalid(source, `${label} has shape ${JSON.stringify(shape)}, not a list of integers ≥ 0`);
  }
  if (elementCount(shape as number[]) > MAX_WEIGHT_ELEMENTS)
    throw modelInvalid(source, `${label} has shape ${JSON.stringify(shape)}: more than 2^28 elements`);
  if (typeof entry.dtype !== 'string') throw modelInvalid(source, `${label} has no dtype`);
  const spec: KerasWeightSpec = { name: entry.name, shape: shape as number[], dtype: entry.dtype };
  if (typeof entry.group === 'string') spec.group = entry.group;
  if (entry.quantization !== undefined && entry.quantization !== null) {
    const q = entry.quantization;
    if (!isObject(q) || (q.dtype !== 'uint8' && q.dtype !== 'uint16' && q.dtype !== 'float16')) {
      throw modelUnsupported(
        source,
        `${label} is quantized as ${JSON.stringify(isObject(q) ? q.dtype : q)}; tfjs and simdnet read uint8, uint16 and float16 quantization`,
      );
    }
    if (entry.dtype !== 'float32')
      throw modelUnsupported(
        source,
        `${label} is a quantized ${entry.dtype} tensor; simdnet reads quantized float32 weights`,
      );
    if (q.dtype !== 'float16' && !(Number.isFinite(q.scale) && Number.isFinite(q.min))) {
      throw modelInvalid(
        source,
        `${label} is quantized as ${q.dtype} without a finite scale and min (got scale ${JSON.stringify(q.scale)}, min ${JSON.stringify(q.min)})`,
      );
    }
    spec.quantization =
      q.dtype === 'float16' ? { dtype: 'float16' } : { dtype: q.dtype, scale: q.scale as number, min: q.min as number };
  }
  if (!(storedType(spec) in STORED_BYTES)) {
    throw modelUnsupported(
      source,
      `${label} has dtype ${JSON.stringify(spec.dtype)}; simdnet reads float32, int32 and bool tensors (and uses float32 ones)`,
    );
  }
  return spec;
}

/** Checks model.json's weightsManifest: groups of relative file paths and weight entries. */
export function parseWeightsManifest(source: string, manifest: unknown): KerasWeightGroup[] {
  if (!Array.isArray(manifest)) throw modelInvalid(source, 'weightsManifest is missing or not a list');
  return manifest.map((group: unknown, g: number) => {
    if (!isObject(group) || !Array.isArray(group.paths) || !Array.isArray(group.weights)) {
      throw modelInvalid(source, `weightsManifest[${g}] needs "paths" and "weights" lists`);
    }
    const paths = group.paths.map((p: unknown) => {
      if (typeof p !== 'string' || p === '')
        throw modelInvalid(source, `weightsManifest[${g}].paths holds ${JSON.stringify(p)}, not a file name`);
      return p;
    });
    const weights = group.weights.map((w: unknown, k: number) =>
      parseSpec(source, w, `weightsManifest[${g}].weights[${k}]`),
    );
    if (weights.length > 0 && paths.length === 0)
      throw modelInvalid(source, `weightsManifest[${g}] lists ${weights.length} weights but no file`);
    return { paths, weights };
  });
}

/** Bytes the group's files must hold together. */
export function groupByteLength(group: KerasWeightGroup): number {
  return group.weights.reduce((n, spec) => n + elementCount(spec.shape) * STORED_BYTES[storedType(spec)]!, 0);
}

/** IEEE 754 binary16 bits → the number they encode (exact in f32). */
export function float16ToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f,
    fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24; // zero and subnormals
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1024 + fraction) * 2 ** (exponent - 25);
}

function decodeFloat32(spec: KerasWeightSpec, view: DataView, at: number): Float32Array {
  const n = elementCount(spec.shape),
    out = new Float32Array(n),
    q = spec.quantization;
  if (q === undefined) {
    for (let i = 0; i < n; i++) out[i] = view.getFloat32(at + 4 * i, true);
  } else if (q.dtype === 'float16') {
    for (let i = 0; i < n; i++) out[i] = float16ToNumber(view.getUint16(at + 2 * i, true));
  } else {
    const scale = q.scale!,
      min = q.min!;
    if (q.dtype === 'uint8') for (let i = 0; i < n; i++) out[i] = view.getUint8(at + i) * scale + min;
    else for (let i = 0; i < n; i++) out[i] = view.getUint16(at + 2 * i, true) * scale + min;
  }
  return out;
}

/**
 * Decodes every weight of `groups` from `files` (one per path, groups in order, paths in order).
 * A group whose files hold another byte count than its entries need is MODEL_INVALID.
 */
export function decodeWeightGroups(
  source: string,
  groups: readonly KerasWeightGroup[],
  files: readonly Uint8Array[],
): KerasWeight[] {
  const pathCount = groups.reduce((n, g) => n + g.paths.length, 0);
  if (!Array.isArray(files) || files.length !== pathCount || !files.every((f) => f instanceof Uint8Array)) {
    throw new TypeError(
      `decodeWeightGroups: expected ${pathCount} Uint8Array files (one per manifest path), got ${Array.isArray(files) ? files.length : typeof files}`,
    );
  }
  const decoded: KerasWeight[] = [];
  let file = 0;
  for (const group of groups) {
    const parts = files.slice(file, file + group.paths.length);
    file += group.paths.length;
    const total = parts.reduce((n, p) => n + p.length, 0),
      need = groupByteLength(group);
    if (total !== need) {
      throw modelInvalid(
        source,
        `the weight files ${group.paths.join(', ')} hold ${total} bytes but their manifest entries (${group.weights.map((w) => w.name).join(', ')}) need ${need}`,
      );
    }
    const bytes = new Uint8Array(total);
    let at = 0;
    for (const p of parts) {
      bytes.set(p, at);
      at += p.length;
    }
    const view = new DataView(bytes.buffer);
    at = 0;
    for (const spec of group.weights) {
      decoded.push({
        name: spec.name,
        shape: spec.shape,
        group: spec.group,
        values: spec.dtype === 'float32' ? decodeFloat32(spec, view, at) : null,
      });
      at += elementCount(spec.shape) * STORED_BYTES[storedType(spec)]!;
    }
  }
  return decoded;
}
