// IDX parser (the MNIST file format), browser-safe: no Node imports. Gzip support is injected as a
// `gunzip` function; mnist.ts passes zlib's. Layout, all integers big-endian:
//   bytes 0-1  zero
//   byte  2    element type (0x08 = u8, the only one supported here)
//   byte  3    number of dimensions n
//   4·n bytes  dimensions as u32
//   body       product(dims) elements, row-major, nothing after it
// MNIST images are magic 0x00000803 (u8, dims count×rows×cols), labels 0x00000801 (u8, dims count).
// Returned arrays are views into the (decompressed) input, never copies: keep the input alive and
// unmodified while you use them.

import { SimdnetError } from '../errors.js';

// Decompresses a complete gzip stream, throwing on corrupt input. Node: zlib.gunzipSync.
export type Gunzip = (bytes: Uint8Array) => Uint8Array;

export interface ParseOptions {
  gunzip?: Gunzip; // required only when the input is gzip-compressed (starts with 1f 8b)
}

export interface LabelOptions extends ParseOptions {
  numClasses?: number; // labels must be < numClasses; integer in [1, 256], default 10
}

export interface IdxArray {
  dims: number[]; // as in the header, outermost first
  data: Uint8Array; // product(dims) elements, row-major, a view into the input
}

export interface IdxImages {
  count: number;
  rows: number;
  cols: number;
  pixels: Uint8Array; // count×rows×cols u8, image i starts at i·rows·cols
}

export interface IdxLabels {
  count: number;
  labels: Uint8Array; // count u8, each < numClasses
}

export const IDX_IMAGES_MAGIC = 0x00000803;
export const IDX_LABELS_MAGIC = 0x00000801;
const IDX_U8 = 0x08;

const DTYPE_NAMES: Readonly<Record<number, string>> = {
  0x08: 'u8',
  0x09: 'i8',
  0x0b: 'i16',
  0x0c: 'i32',
  0x0d: 'f32',
  0x0e: 'f64',
};

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

// Any u8 IDX array, with any number of dimensions (1..255).
export function parseIdx(bytes: Uint8Array, name?: string, options: ParseOptions = {}): IdxArray {
  return parseU8(bytes, name ?? 'IDX data', undefined, options.gunzip);
}

// An MNIST-style image file: magic 0x00000803, dims count×rows×cols.
export function parseImages(bytes: Uint8Array, name?: string, options: ParseOptions = {}): IdxImages {
  const { dims, data } = parseU8(bytes, name ?? 'IDX images', 3, options.gunzip);
  return { count: dims[0]!, rows: dims[1]!, cols: dims[2]!, pixels: data };
}

// An MNIST-style label file: magic 0x00000801, dims count, every label < numClasses.
export function parseLabels(bytes: Uint8Array, name?: string, options: LabelOptions = {}): IdxLabels {
  const numClasses = options.numClasses ?? 10;
  if (!Number.isInteger(numClasses) || numClasses < 1 || numClasses > 256) {
    throw new RangeError(`numClasses must be an integer in [1, 256] (labels are u8), got ${numClasses}`);
  }
  const label = name ?? 'IDX labels';
  const { dims, data } = parseU8(bytes, label, 1, options.gunzip);
  let bad = 0,
    first = -1;
  for (let i = 0; i < data.length; i++) {
    if (data[i]! >= numClasses) {
      if (bad++ === 0) first = i;
    }
  }
  if (bad > 0) {
    throw new SimdnetError(
      'IDX_LABEL_RANGE',
      `${label}: label ${data[first]} at index ${first} is out of range for ${numClasses} classes ` +
        `(expected 0..${numClasses - 1}); ${bad} of ${data.length} labels are out of range`,
    );
  }
  return { count: dims[0]!, labels: data };
}

// Shared parser. wantNdims set: the magic must be exactly 0x0000_08_<wantNdims>.
function parseU8(
  input: Uint8Array,
  label: string,
  wantNdims: number | undefined,
  gunzip: Gunzip | undefined,
): IdxArray {
  if (!(input instanceof Uint8Array)) {
    throw new TypeError(`${label}: expected a Uint8Array, got ${describe(input)}`);
  }
  const bytes = decompress(input, label, gunzip);
  if (bytes.length < 4) {
    throw new SimdnetError('IDX_TRUNCATED', `${label}: ${bytes.length} bytes, too short for the 4-byte IDX magic`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  const dtype = bytes[2]!,
    ndims = bytes[3]!;
  const expected = wantNdims === undefined ? '' : `; expected ${describeMagic((IDX_U8 << 8) | wantNdims)}`;
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new SimdnetError(
      'IDX_BAD_MAGIC',
      `${label}: magic ${hex32(magic)} is not IDX (its first two bytes must be zero)${expected}`,
    );
  }
  if (dtype !== IDX_U8) {
    throw new SimdnetError(
      'IDX_BAD_DTYPE',
      `${label}: magic ${hex32(magic)} has element type 0x${hex(dtype, 2)} ` +
        `(${DTYPE_NAMES[dtype] ?? 'not an IDX type'}); only u8 (0x08) is supported`,
    );
  }
  if (wantNdims !== undefined && ndims !== wantNdims) {
    throw new SimdnetError('IDX_BAD_MAGIC', `${label}: magic is ${describeMagic(magic)}${expected}`);
  }
  if (ndims === 0) {
    throw new SimdnetError('IDX_BAD_DIMS', `${label}: magic ${hex32(magic)} declares 0 dimensions`);
  }
  const headerLength = 4 + 4 * ndims;
  if (bytes.length < headerLength) {
    throw new SimdnetError(
      'IDX_TRUNCATED',
      `${label}: header with ${ndims} dims needs ${headerLength} bytes, got ${bytes.length}`,
    );
  }
  const dims: number[] = [];
  for (let i = 0; i < ndims; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const shape = dims.join('×');
  if (dims.includes(0)) {
    throw new SimdnetError('IDX_BAD_DIMS', `${label}: dims ${shape} contain a zero dimension`);
  }
  // Each dim < 2^32 and the running product <= 2^53, so the check below is exact enough: a true
  // product above MAX_SAFE_INTEGER never rounds down to or below it.
  let size = 1;
  for (const d of dims) {
    size *= d;
    if (size > Number.MAX_SAFE_INTEGER) {
      throw new SimdnetError(
        'IDX_TOO_LARGE',
        `${label}: dims ${shape} hold more than ${Number.MAX_SAFE_INTEGER} elements`,
      );
    }
  }
  const bodyLength = bytes.length - headerLength;
  if (bodyLength !== size) {
    const short = bodyLength < size;
    throw new SimdnetError(
      short ? 'IDX_TRUNCATED' : 'IDX_TRAILING_BYTES',
      `${label}: dims ${shape} need ${size} body bytes after the ${headerLength}-byte header, ` +
        `got ${bodyLength} (${short ? `${size - bodyLength} bytes short` : `${bodyLength - size} trailing bytes`})`,
    );
  }
  // A plain Uint8Array view even when the input is a Node Buffer (whose slice() does not copy).
  return { dims, data: new Uint8Array(bytes.buffer, bytes.byteOffset + headerLength, size) };
}

function decompress(bytes: Uint8Array, label: string, gunzip: Gunzip | undefined): Uint8Array {
  if (!isGzip(bytes)) {
    // Raw IDX under a .gz name is accepted (HTTP clients may have decoded it already); anything else
    // under a .gz name is reported as the broken gzip it was meant to be.
    if (label.endsWith('.gz') && !(bytes.length >= 2 && bytes[0] === 0 && bytes[1] === 0)) {
      throw new SimdnetError(
        'IDX_BAD_GZIP',
        `${label}: not gzip data: expected magic 1f 8b, got ${hexBytes(bytes, 2)} ` +
          `(and not raw IDX either, which starts with 00 00)`,
      );
    }
    return bytes;
  }
  if (gunzip === undefined) {
    throw new SimdnetError(
      'IDX_GZIP_UNSUPPORTED',
      `${label}: data is gzip-compressed (starts with 1f 8b) and no gunzip function was given; ` +
        `decompress it first or pass options.gunzip`,
    );
  }
  let out: unknown;
  try {
    out = gunzip(bytes);
  } catch (e) {
    throw new SimdnetError(
      'IDX_BAD_GZIP',
      `${label}: ${bytes.length} bytes of gzip data do not decompress: ${errorText(e)}`,
      { cause: e },
    );
  }
  if (!(out instanceof Uint8Array)) {
    throw new TypeError(`${label}: gunzip must return a Uint8Array, got ${describe(out)}`);
  }
  return out;
}

function describeMagic(magic: number): string {
  const dtype = (magic >>> 8) & 0xff,
    ndims = magic & 0xff;
  const kind = magic === IDX_IMAGES_MAGIC ? ', images' : magic === IDX_LABELS_MAGIC ? ', labels' : '';
  return (
    `${hex32(magic)} (${magic}: ${DTYPE_NAMES[dtype] ?? `type 0x${hex(dtype, 2)}`}, ` +
    `${ndims} dim${ndims === 1 ? '' : 's'}${kind})`
  );
}

function hex(value: number, digits: number): string {
  return value.toString(16).padStart(digits, '0');
}

function hex32(value: number): string {
  return `0x${hex(value >>> 0, 8)}`;
}

function hexBytes(bytes: Uint8Array, n: number): string {
  if (bytes.length === 0) return 'an empty file';
  return Array.from(bytes.subarray(0, n), (b) => hex(b, 2)).join(' ');
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return value.constructor?.name ?? 'object';
  return typeof value;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
