// The checkpoint format: one file, little-endian, checksummed.
//   bytes 0..3   magic "SNET"
//   u32          format version: 1 for Dense stacks (ReLU hidden, softmax output), 2 for any other model
//   version 1:   u32 L, the number of layer widths (input included), then L × u32 widths
//   version 2:   u32 J, then J bytes of UTF-8 JSON: the network's spec (model/layers/spec.ts)
//   u32          P, the parameter count, which must equal what the layers hold
//   P × f32      parameters: for each layer its weights (in×out, row-major) then its bias (out)
//   u32          CRC-32 (IEEE) of every byte before it
// A Dense stack is written as version 1, so such files stay readable by older versions.
// Optimizer state is not saved: a checkpoint is a trained model, not a paused run.
import { SimdnetError } from './errors.js';
import type { NetworkSpec } from './model/layers/spec.js';
import { buildModel, denseSpec, denseWidths } from './model/model.js';
import { checkNetworkSpec } from './model/network-spec.js';

export const CHECKPOINT_MAGIC = 'SNET';
/** The newest format version written; every version from 1 is read. */
export const CHECKPOINT_VERSION = 2;
/** Bytes of spec JSON a checkpoint may declare (a spec is a few hundred bytes). */
const MAX_SPEC_BYTES = 1 << 20;

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = CRC_TABLE[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** Parameters a stack of dense layers of these widths holds. */
export function parameterCount(layers: readonly number[]): number {
  let total = 0;
  for (let l = 1; l < layers.length; l++) total += layers[l - 1]! * layers[l]! + layers[l]!;
  return total;
}

export interface Checkpoint {
  /** The input width and each Dense layer's units. */
  layers: number[];
  spec: NetworkSpec;
  params: Float32Array;
}

/** Checkpoint bytes of a Dense stack of these widths (version 1), or of any checked spec. */
export function encodeCheckpoint(description: readonly number[] | NetworkSpec, params: Float32Array): Uint8Array {
  if (Array.isArray(description) && typeof description[0] === 'object') {
    const spec = description as NetworkSpec;
    const widths = denseWidths(spec);
    return widths === null ? encodeSpec(spec, params) : encodeCheckpoint(widths, params);
  }
  const layers = description as readonly number[];
  if (!Array.isArray(layers))
    throw new TypeError(`encodeCheckpoint: layers must be an array of widths, got ${typeof layers}`);
  if (!(params instanceof Float32Array)) throw new TypeError('encodeCheckpoint: params must be a Float32Array');
  if (layers.length < 2 || layers.some((w) => !Number.isInteger(w) || w < 1 || w > 0xffffffff)) {
    throw new RangeError(
      `encodeCheckpoint: layers must be at least two integer widths ≥ 1, got ${JSON.stringify(layers)}`,
    );
  }
  if (params.length !== parameterCount(layers)) {
    throw new RangeError(
      `encodeCheckpoint: layers [${layers.join(',')}] hold ${parameterCount(layers)} parameters, got ${params.length}`,
    );
  }
  const header = new Uint8Array(4 * (1 + layers.length));
  const headerView = new DataView(header.buffer);
  headerView.setUint32(0, layers.length, true);
  layers.forEach((width, l) => headerView.setUint32(4 + 4 * l, width, true));
  return encode(1, header, params);
}

function encodeSpec(spec: NetworkSpec, params: Float32Array): Uint8Array {
  const checked = checkNetworkSpec(spec);
  const count = buildModel(checked).parameterCount;
  if (params.length !== count)
    throw new RangeError(`encodeCheckpoint: the layers hold ${count} parameters, got ${params.length}`);
  const json = new TextEncoder().encode(JSON.stringify(checked));
  const header = new Uint8Array(4 + json.length);
  new DataView(header.buffer).setUint32(0, json.length, true);
  header.set(json, 4);
  return encode(2, header, params);
}

/** Magic, version, the version's `header`, then the parameters and the checksum. */
function encode(version: number, header: Uint8Array, params: Float32Array): Uint8Array {
  const bytes = new Uint8Array(4 + 4 + header.length + 4 + 4 * params.length + 4);
  const view = new DataView(bytes.buffer);
  let at = 0;
  for (const ch of CHECKPOINT_MAGIC) bytes[at++] = ch.charCodeAt(0);
  view.setUint32(at, version, true);
  at += 4;
  bytes.set(header, at);
  at += header.length;
  view.setUint32(at, params.length, true);
  at += 4;
  for (let i = 0; i < params.length; i++) {
    view.setFloat32(at, params[i]!, true);
    at += 4;
  }
  view.setUint32(at, crc32(bytes.subarray(0, at)), true);
  return bytes;
}

function corrupt(name: string, what: string): SimdnetError {
  return new SimdnetError('CHECKPOINT_CORRUPT', `${name} is not a valid simdnet checkpoint: ${what}`);
}

/** Parses and checks a checkpoint; every defect is a SimdnetError, never a crash or garbage. */
export function decodeCheckpoint(bytes: Uint8Array, name = 'checkpoint'): Checkpoint {
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`${name}: expected a Uint8Array, got ${typeof bytes}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const need = (at: number, count: number, what: string): void => {
    if (at + count > bytes.length)
      throw corrupt(name, `truncated in ${what} (needs ${at + count} bytes, has ${bytes.length})`);
  };
  need(0, 12, 'the header');
  const magic = String.fromCharCode(...bytes.subarray(0, 4));
  if (magic !== CHECKPOINT_MAGIC)
    throw corrupt(name, `magic is ${JSON.stringify(magic)}, expected "${CHECKPOINT_MAGIC}"`);
  const version = view.getUint32(4, true);
  if (version !== 1 && version !== 2) {
    throw new SimdnetError(
      'CHECKPOINT_VERSION',
      `${name} has format version ${version}; this simdnet reads versions 1 to ${CHECKPOINT_VERSION}`,
    );
  }
  const { spec, at: countAt } = version === 1 ? readWidths(view, name) : readSpec(bytes, view, name);
  const count = view.getUint32(countAt, true);
  const at = countAt + 4;
  const model = buildModel(spec);
  const expected = model.parameterCount;
  if (count !== expected)
    throw corrupt(name, `it holds ${count} parameters but layers [${model.widths.join(',')}] need ${expected}`);
  need(at, 4 * count + 4, 'the parameters');
  if (at + 4 * count + 4 !== bytes.length)
    throw corrupt(name, `${bytes.length - (at + 4 * count + 4)} bytes follow the checksum`);
  const stored = view.getUint32(at + 4 * count, true);
  const actual = crc32(bytes.subarray(0, at + 4 * count));
  if (stored !== actual) {
    throw new SimdnetError(
      'CHECKPOINT_CHECKSUM',
      `${name} fails its checksum (stored ${stored.toString(16)}, computed ${actual.toString(16)}): the file is damaged`,
    );
  }
  const params = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    params[i] = view.getFloat32(at + 4 * i, true);
    // Training never leaves a non-finite weight behind (see DIVERGED), so one here is damage.
    if (!Number.isFinite(params[i]!)) throw corrupt(name, `parameter ${i} is ${params[i]}`);
  }
  return { layers: [...model.widths], spec, params };
}

type Header = { spec: NetworkSpec; at: number };

function readWidths(view: DataView, name: string): Header {
  const need = (count: number): void => {
    if (count > view.byteLength)
      throw corrupt(name, `truncated in the layer widths (needs ${count} bytes, has ${view.byteLength})`);
  };
  const layerCount = view.getUint32(8, true);
  if (layerCount < 2 || layerCount > 1024)
    throw corrupt(name, `it declares ${layerCount} layer widths (2 to 1024 expected)`);
  need(12 + 4 * layerCount + 4);
  const layers: number[] = [];
  for (let l = 0; l < layerCount; l++) {
    const width = view.getUint32(12 + 4 * l, true);
    if (width < 1) throw corrupt(name, `layer ${l} has width 0`);
    layers.push(width);
  }
  return { spec: denseSpec(layers), at: 12 + 4 * layerCount };
}

function readSpec(bytes: Uint8Array, view: DataView, name: string): Header {
  const length = view.getUint32(8, true);
  if (length > MAX_SPEC_BYTES)
    throw corrupt(name, `it declares ${length} bytes of layer spec (at most ${MAX_SPEC_BYTES})`);
  if (12 + length + 4 > bytes.length)
    throw corrupt(name, `truncated in the layer spec (needs ${12 + length + 4} bytes, has ${bytes.length})`);
  let spec: NetworkSpec;
  try {
    const json: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(12, 12 + length)));
    if (!Array.isArray(json)) throw new TypeError('the layer spec is not a list');
    spec = checkNetworkSpec(json);
  } catch (err) {
    throw corrupt(name, `its layer spec does not read: ${(err as Error).message}`);
  }
  return { spec, at: 12 + length };
}
