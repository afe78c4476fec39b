// Float feature rows as fit, evaluate and predict take them beside u8 image datasets: a
// Float32Array of count × inputs values (already scaled), and one class index per row as a
// Uint8Array, Int32Array or number[] (any class count ≥ 2, the network's output width). The rows
// stay in the caller's memory; each batch is copied into the arena's f32 input rows x and its
// labels into `labels` before its program runs (a copy of rows × inputs floats: small beside the
// batch's GEMMs), so the network reads them as it reads computeGradients' inputs.
import type { NetworkState } from './state.js';
import type { FeatureSet, TrainingData } from './types.js';
import { checkFinite, describeLayers, describeValue, isArrayLike } from './validate.js';

export type { FeatureSet, TrainingData } from './types.js';

export function isFeatureSet(data: TrainingData): data is FeatureSet {
  return data !== null && typeof data === 'object' && 'features' in data;
}

/** Checks `data` against the network's widths; returns its row count. */
export function checkFeatureSet(data: FeatureSet, what: string, widths: readonly number[]): number {
  const inputs = widths[0]!,
    classes = widths[widths.length - 1]!;
  if (!(data.features instanceof Float32Array))
    throw new TypeError(
      `${what}.features must be a Float32Array of rows × ${inputs}, got ${describeValue(data.features)}`,
    );
  const count = data.features.length / inputs;
  if (!Number.isInteger(count) || count < 1)
    throw new RangeError(
      `${what}.features holds ${data.features.length} values, not a whole number ≥ 1 of rows of ${inputs} (network ${describeLayers(widths)})`,
    );
  checkFinite(what, 'features', data.features, inputs);
  const labels = data.labels;
  if (!(labels instanceof Uint8Array || labels instanceof Int32Array || Array.isArray(labels)) || !isArrayLike(labels))
    throw new TypeError(`${what}.labels must be a Uint8Array, Int32Array or number[], got ${describeValue(labels)}`);
  if (labels.length !== count) throw new RangeError(`${what}.labels holds ${labels.length} labels for ${count} rows`);
  if (classes < 2)
    throw new RangeError(`${what}: the network ${describeLayers(widths)} has ${classes} class; labels need ≥ 2`);
  for (let i = 0; i < count; i++) {
    const y = labels[i]!;
    if (!Number.isInteger(y) || y < 0 || y >= classes)
      throw new RangeError(
        `${what}.labels[${i}] = ${y} is not a class in [0, ${classes}) of the network ${describeLayers(widths)}`,
      );
  }
  return count;
}

/** Copies rows `indices` of `data` (or `rows` rows from `start` when indices is null) into x and their labels into labels. */
export function stageFeatureRows(
  state: NetworkState,
  data: FeatureSet,
  indices: Int32Array | null,
  start: number,
  rows: number,
): void {
  const width = state.inputSize;
  const x = new Float32Array(state.arena.buffer, state.ptr('x'), rows * width);
  const labels = new Int32Array(state.arena.buffer, state.ptr('labels'), rows);
  for (let r = 0; r < rows; r++) {
    const row = indices === null ? start + r : indices[r]!;
    x.set(data.features.subarray(row * width, (row + 1) * width), r * width);
    labels[r] = data.labels[row]!;
  }
}
