// evaluate, predict and computeGradients: the compiled programs run over staged rows, at most
// INFERENCE_ROWS (and the arena's rows) at a time. Pixels are staged as sparse rows when fit's
// rule would hold them so, and the first layer then reads only their non-zero bytes: evaluate packs
// its set once (NetworkState.evaluationRows), predict packs its pixels chunk by chunk.
import { checkFeatureSet, isFeatureSet, stageFeatureRows, type TrainingData } from './features.js';
import { INFERENCE_ROWS, layerBuffer } from './plan.js';
import { checkPixelFormat, type NetworkState, type SparseRows } from './state.js';
import { evaluateProgram, gradientProgram, outputLayer, predictProgram } from './step.js';
import type { Evaluation, InferenceOptions, Prediction } from './types.js';
import { checkDataset, checkFinite, describeLayers, describeValue, isArrayLike } from './validate.js';

/** Mean cross-entropy and accuracy over u8 images or float feature rows; `what` names the data in errors. */
export function evaluate(
  state: NetworkState,
  data: TrainingData,
  options: InferenceOptions = {},
  what = 'data',
): Evaluation {
  const floats = isFeatureSet(data);
  if (!floats) checkDataset(data, what, state.model.widths);
  const count = floats ? checkFeatureSet(data, what, state.model.widths) : data.count;
  checkOptions('evaluate', options);
  const format = checkPixelFormat('evaluate', options.pixelFormat);
  const sparse = floats ? null : state.evaluationRows(data, format);
  const density = sparse && !floats ? sparse.entries.length / data.pixels.length : null;
  const inputs = state.inputSize;
  // x holds at least INFERENCE_ROWS rows, the staging buffers min(capacity, INFERENCE_ROWS).
  const chunk = Math.min(state.capacity, INFERENCE_ROWS);
  let lossSum = 0,
    correct = 0;
  for (let start = 0; start < count; start += chunk) {
    const rows = Math.min(chunk, count - start);
    const key = floats ? 'f32' : sparse ? 'sparse' : 'u8';
    const program = state.program(`evaluate ${rows} ${key}`, () =>
      evaluateProgram(state, rows, floats ? 'f32' : { density }),
    );
    if (floats) stageFeatureRows(state, data, null, start, rows);
    else {
      if (sparse) stageSparseRows(state, sparse, start, rows);
      else state.tensor('stagingPixels').write(data.pixels.subarray(start * inputs, (start + rows) * inputs));
      state.tensor('stagingLabels').write(data.labels.subarray(start, start + rows));
    }
    const lossAt = program.indexOf('loss');
    program.run(0, lossAt);
    lossSum += (program.call(lossAt) as number) * rows;
    correct += new Int32Array(state.arena.buffer, state.ptr('correct'), 1)[0]!;
  }
  return { loss: lossSum / count, accuracy: correct / count, count };
}

/**
 * Class probabilities, predicted classes and the logits they come from. `inputs` is rows×inputSize: u8 pixels (scaled by
 * 1/255 inside the kernel, as in training) or f32 features already scaled.
 */
export function predict(
  state: NetworkState,
  inputs: Uint8Array | Float32Array,
  options: InferenceOptions = {},
): Prediction {
  if (!(inputs instanceof Uint8Array) && !(inputs instanceof Float32Array)) {
    throw new TypeError(
      `predict: inputs must be a Uint8Array of pixels or a Float32Array, got ${Object.prototype.toString.call(inputs)}`,
    );
  }
  const width = state.inputSize,
    classes = state.classes;
  const count = inputs.length / width;
  if (!Number.isInteger(count) || count < 1) {
    throw new RangeError(
      `predict: inputs hold ${inputs.length} values, not a whole number ≥ 1 of rows of ${width} (network ${describeLayers(state.model.widths)})`,
    );
  }
  if (inputs instanceof Float32Array) checkFinite('predict', 'inputs', inputs, width);
  const pixels = inputs instanceof Uint8Array;
  checkOptions('predict', options);
  const format = checkPixelFormat('predict', options.pixelFormat);
  const chunk = Math.min(state.capacity, INFERENCE_ROWS);
  const form = pixels ? state.pixelForm('predict', inputs, format) : null;
  const density = form?.sparse ? form.entries / inputs.length : null;
  const key = pixels ? (density === null ? 'u8' : 'sparse') : 'f32';
  const probabilities = new Float32Array(count * classes);
  const predicted = new Int32Array(count);
  const logits = new Float32Array(count * classes);
  const logitsAt = layerBuffer(outputLayer(state), 'out');
  for (let start = 0; start < count; start += chunk) {
    const rows = Math.min(chunk, count - start);
    const part = inputs.subarray(start * width, (start + rows) * width);
    if (pixels) stagePixels(state, part as Uint8Array, density !== null);
    else state.tensor('x').write(part);
    state.program(`predict ${rows} ${key}`, () => predictProgram(state, rows, pixels ? { density } : 'f32')).run();
    probabilities.set(
      new Float32Array(state.arena.buffer, state.ptr('probabilities'), rows * classes),
      start * classes,
    );
    logits.set(new Float32Array(state.arena.buffer, state.ptr(logitsAt), rows * classes), start * classes);
    predicted.set(new Int32Array(state.arena.buffer, state.ptr('classes'), rows), start);
  }
  return { probabilities, classes: predicted, logits };
}

function checkOptions(fn: string, options: InferenceOptions): void {
  if (options === null || typeof options !== 'object')
    throw new TypeError(`${fn}: options must be an object, got ${describeValue(options)}`);
}

/** Copies rows [start, start + rows) of packed sparse rows to the staging buffers. */
function stageSparseRows(state: NetworkState, sparse: SparseRows, start: number, rows: number): void {
  const first = sparse.starts[start]!;
  const starts = state.tensor('stagingStarts').view() as Int32Array;
  for (let r = 0; r <= rows; r++) starts[r] = sparse.starts[start + r]! - first;
  state.tensor('stagingEntries').write(sparse.entries.subarray(first, sparse.starts[start + rows]));
}

/** Writes whole rows of pixels to the staging buffers: as they are, or then also packed as sparse rows. */
function stagePixels(state: NetworkState, pixels: Uint8Array, sparse: boolean): void {
  state.tensor('stagingPixels').write(pixels);
  if (!sparse) return;
  const rows = pixels.length / state.inputSize;
  // stagingEntries holds every byte of the staging rows: room for any count of non-zero bytes.
  state.arena.exports.pack_sparse_u8(
    state.ptr('stagingStarts'),
    state.ptr('stagingEntries'),
    state.ptr('stagingPixels'),
    rows,
    state.inputSize,
    0,
  );
}

/**
 * Loss and gradients for one batch, without updating: the hook for gradient checks and for
 * comparisons with other implementations. `inputs` is rows×inputSize f32, `labels` class indices.
 */
export function computeGradients(
  state: NetworkState,
  inputs: Float32Array,
  labels: ArrayLike<number>,
): { loss: number; gradients: Float32Array } {
  if (!isArrayLike(labels))
    throw new TypeError(
      `computeGradients: labels must be an array or typed array of class indices, got ${describeValue(labels)}`,
    );
  const rows = stageFloatInputs(state, inputs, 'computeGradients');
  if (labels.length !== rows)
    throw new RangeError(`computeGradients: ${labels.length} labels for ${rows} rows of inputs`);
  for (let i = 0; i < rows; i++) {
    const y = labels[i]!;
    if (!Number.isInteger(y) || y < 0 || y >= state.classes)
      throw new RangeError(`computeGradients: labels[${i}] = ${y} is not a class in [0, ${state.classes})`);
  }
  state.tensor('labels').write(labels);
  const program = state.program(`gradients ${rows}`, () => gradientProgram(state, rows));
  const lossAt = program.indexOf('loss');
  program.run(0, lossAt);
  const loss = program.call(lossAt) as number;
  program.run(lossAt + 1);
  return { loss, gradients: state.tensor('grads').read() as Float32Array };
}

function stageFloatInputs(state: NetworkState, inputs: Float32Array, fn: string): number {
  const width = state.inputSize;
  if (!(inputs instanceof Float32Array)) throw new TypeError(`${fn}: inputs must be a Float32Array of rows×${width}`);
  const rows = inputs.length / width;
  if (!Number.isInteger(rows) || rows < 1) {
    throw new RangeError(`${fn}: inputs hold ${inputs.length} values, not a whole number ≥ 1 of rows of ${width}`);
  }
  checkFinite(fn, 'inputs', inputs, width);
  state.ensureCapacity(rows, null, rows);
  state.tensor('x').write(inputs);
  return rows;
}
