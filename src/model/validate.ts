// Argument checks shared by Network's methods: each throws a TypeError or RangeError naming the
// argument and the value or shapes at fault.
import type { Dataset } from '../data/dataset.js';
import { positiveInteger } from '../schedule.js';

export function describeLayers(layers: readonly number[]): string {
  return `[${layers.join(',')}]`;
}

export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return value.constructor?.name ?? 'object';
  return `${typeof value} ${String(value)}`;
}

export function checkLayers(layers: unknown): number[] {
  if (!Array.isArray(layers))
    throw new TypeError(`layers must be an array of widths such as [784, 128, 10], got ${typeof layers}`);
  if (layers.length < 2)
    throw new RangeError(`layers needs at least an input and an output width, got ${JSON.stringify(layers)}`);
  layers.forEach((w, i) => {
    if (typeof w !== 'number')
      throw new TypeError(`layers[${i}] must be a number, got ${typeof w} ${JSON.stringify(w)}`);
    if (!Number.isInteger(w) || w < 1 || w > 1 << 24) {
      throw new RangeError(`layers[${i}] must be an integer width in [1, 2²⁴], got ${JSON.stringify(w)}`);
    }
  });
  return [...layers] as number[];
}

export function positiveFinite(name: string, value: unknown): number {
  if (typeof value !== 'number')
    throw new TypeError(`${name} must be a number, got ${typeof value} ${JSON.stringify(value)}`);
  if (!Number.isFinite(value) || value <= 0) {
    throw new RangeError(`${name} must be a finite number > 0, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Throws a RangeError naming the first element of `values` that is NaN or ±Infinity. */
export function checkFinite(fn: string, what: string, values: ArrayLike<number>, rowLength?: number): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isFinite(v)) continue;
    if (typeof v !== 'number')
      throw new TypeError(`${fn}: ${what}[${i}] must be a number, got ${typeof v} ${JSON.stringify(v)}`);
    const where = rowLength === undefined ? '' : ` (row ${Math.floor(i / rowLength)}, column ${i % rowLength})`;
    throw new RangeError(`${fn}: ${what}[${i}]${where} is ${v}; every value must be finite`);
  }
}

export function isArrayLike(value: unknown): value is ArrayLike<number> {
  return ArrayBuffer.isView(value) || Array.isArray(value);
}

/** Throws naming `what` unless `data` is a dataset of images of `layers[0]` pixels and labels below the output width. */
export function checkDataset(data: Dataset, what: string, layers: readonly number[]): void {
  const inputSize = layers[0]!,
    classes = layers[layers.length - 1]!;
  if (
    data === null ||
    typeof data !== 'object' ||
    !(data.pixels instanceof Uint8Array) ||
    !(data.labels instanceof Uint8Array)
  ) {
    throw new TypeError(
      `${what} must be a dataset { count, rows, cols, pixels: Uint8Array, labels: Uint8Array } or float feature rows { features: Float32Array, labels }`,
    );
  }
  positiveInteger(`${what}.count`, data.count);
  positiveInteger(`${what}.rows`, data.rows);
  positiveInteger(`${what}.cols`, data.cols);
  if (data.rows * data.cols !== inputSize) {
    throw new RangeError(
      `${what} has ${data.rows}×${data.cols} = ${data.rows * data.cols} pixels per image but the network ${describeLayers(layers)} takes ${inputSize} inputs`,
    );
  }
  if (data.pixels.length !== data.count * inputSize) {
    throw new RangeError(
      `${what}.pixels holds ${data.pixels.length} bytes but ${data.count} images of ${inputSize} need ${data.count * inputSize}`,
    );
  }
  if (data.labels.length !== data.count) {
    throw new RangeError(`${what}.labels holds ${data.labels.length} labels for ${data.count} images`);
  }
  for (let i = 0; i < data.count; i++) {
    if (data.labels[i]! >= classes) {
      throw new RangeError(`${what}.labels[${i}] = ${data.labels[i]} but the network has ${classes} classes`);
    }
  }
}
