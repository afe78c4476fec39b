// evaluate, predict and computeGradients: the compiled programs run over staged rows, at most
// INFERENCE_ROWS (and the arena's rows) at a time.
import { checkFeatureSet, isFeatureSet, stageFeatureRows, type TrainingData } from './features.js';
import { INFERENCE_ROWS, layerBuffer } from './plan.js';
import type { NetworkState } from './state.js';
import { evaluateProgram, gradientProgram, outputLayer, predictProgram } from './step.js';
import type { Evaluation, Prediction } from './types.js';
import { checkDataset, checkFinite, describeLayers, describeValue, isArrayLike } from './validate.js';

/** Mean cross-entropy and accuracy over u8 images or float feature rows. */
export function evaluate(state: NetworkState, data: TrainingData, what = 'data'): Evaluation {
  const floats = isFeatureSet(data);
  if (!floats) checkDataset(data, what, state.model.widths);
  const count = floats ? checkFeatureSet(data, what, state.model.widths) : data.count;
  const inputs = state.inputSize;
  // x holds at least INFERENCE_ROWS rows, the staging buffers min(capacity, INFERENCE_ROWS).
  const chunk = Math.min(state.capacity, INFERENCE_ROWS);
  let lossSum = 0,
    correct = 0;
  for (let start = 0; start < count; start += chunk) {
    const rows = Math.min(chunk, count - start);
    const program = state.program(`evaluate ${rows} ${floats ? 'f32' : 'u8'}`, () =>
      evaluateProgram(state, rows, floats),
    );
    if (floats) stageFeatureRows(state, data, null, start, rows);
    else {
      state.tensor('stagingPixels').write(data.pixels.subarray(start * inputs, (start + rows) * inputs));
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
export function predict(state: NetworkState, inputs: Uint8Array | Float32Array): Prediction {
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
  const probabilities = new Float32Array(count * classes);
  const predicted = new Int32Array(count);
  const chunk = Math.min(state.capacity, INFERENCE_ROWS);
  const logits = new Float32Array(count * classes);
  const logitsAt = layerBuffer(outputLayer(state), 'out');
  for (let start = 0; start < count; start += chunk) {
    const rows = Math.min(chunk, count - start);
    state.tensor(pixels ? 'stagingPixels' : 'x').write(inputs.subarray(start * width, (start + rows) * width));
    state.program(`predict ${rows} ${pixels ? 'u8' : 'f32'}`, () => predictProgram(state, rows, pixels)).run();
    probabilities.set(
      new Float32Array(state.arena.buffer, state.ptr('probabilities'), rows * classes),
      start * classes,
    );
    logits.set(new Float32Array(state.arena.buffer, state.ptr(logitsAt), rows * classes), start * classes);
    predicted.set(new Int32Array(state.arena.buffer, state.ptr('classes'), rows), start);
  }
  return { probabilities, classes: predicted, logits };
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
