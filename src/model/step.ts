// Compiles what a network runs into step programs (program.ts): one list of kernel calls per
// purpose and batch size, built once per arena plan by walking the model's layers.
//   train      labels of the batch, forward, loss, backward, update (fit; the profile times it)
//   gradients  forward from f32 inputs, loss, backward (computeGradients)
//   evaluate   labels, forward from staged pixels, loss
//   predict    forward from staged pixels or f32 inputs, softmax and arg-max
import type { LayerInput, LayerIO } from './layers/layer.js';
import { softmaxClasses, softmaxCrossentropy, type HeadIO } from './layers/softmax-crossentropy.js';
import { optimizer, type OptimizerConfig } from './optimizers.js';
import { layerBuffer, STATE_BUFFERS } from './plan.js';
import { StepProgram, type Arg, type CallSpec, type Emit } from './program.js';
import type { NetworkState } from './state.js';

const F32 = 4;

/** The first layer's input: the resident training set's rows picked by the batch's indices. */
function residentInput(state: NetworkState): LayerInput {
  const resident = state.resident;
  if (resident === null) throw new Error('internal: no training set resident');
  const indices: Arg = { slot: 'indices' };
  return resident.sparse
    ? {
        kind: 'sparse',
        starts: state.ptr('trainStarts'),
        entries: state.ptr('trainEntries'),
        indices,
        density: resident.entries / resident.data.pixels.length,
      }
    : { kind: 'u8', pixels: state.ptr('trainPixels'), indices };
}

/** Staged pixels (evaluate, predict) read in order: dense, or as sparse rows `density` non-zero. */
function stagedInput(state: NetworkState, density: number | null): LayerInput {
  const indices = state.ptr('stagingOrder');
  return density === null
    ? { kind: 'u8', pixels: state.ptr('stagingPixels'), indices }
    : { kind: 'sparse', starts: state.ptr('stagingStarts'), entries: state.ptr('stagingEntries'), indices, density };
}

function floatInput(state: NetworkState): LayerInput {
  return { kind: 'f32', values: state.ptr('x'), relu: false };
}

function layerIO(state: NetworkState, l: number, rows: number, first: LayerInput): LayerIO {
  const { layers, offsets } = state.model;
  const below = l > 0 ? layers[l - 1]! : null;
  return {
    index: l,
    rows,
    input: below ? { kind: 'f32', values: state.ptr(layerBuffer(l - 1, 'out')), relu: below.relu } : first,
    out: state.ptr(layerBuffer(l, 'out')),
    dout: state.ptr(layerBuffer(l, 'dout')),
    dinput: below ? state.ptr(layerBuffer(l - 1, 'dout')) : null,
    params: offsets[l]!.map((e) => state.ptr('params') + F32 * e),
    grads: offsets[l]!.map((e) => state.ptr('grads') + F32 * e),
    buffer: (name) => state.ptr(layerBuffer(l, name)),
  };
}

function headIO(state: NetworkState, rows: number): HeadIO {
  const last = state.model.layers.length - 1;
  return {
    rows,
    classes: state.classes,
    logits: state.ptr(layerBuffer(last, 'out')),
    dlogits: state.ptr(layerBuffer(last, 'dout')),
    labels: state.ptr('labels'),
    correct: state.ptr('correct'),
    predicted: state.ptr('classes'),
  };
}

function gatherLabels(emit: Emit, state: NetworkState, labels: string, indices: Arg, rows: number): void {
  emit({
    kernel: 'gather_labels',
    args: [state.ptr('labels'), state.ptr(labels), indices, rows],
    label: `labels ← labels[order]  ${rows}`,
    phase: 'data',
    flops: 0,
    bytes: rows * (1 + 2 * F32),
  });
}

function forward(emit: Emit, state: NetworkState, rows: number, input: LayerInput): void {
  state.model.layers.forEach((layer, l) => layer.forward(emit, layerIO(state, l, rows, input)));
}

function lossAndBackward(emit: Emit, state: NetworkState, rows: number, input: LayerInput): void {
  const layers = state.model.layers;
  softmaxCrossentropy(emit, headIO(state, rows), layers.length);
  for (let l = layers.length - 1; l >= 0; l--) layers[l]!.backward(emit, layerIO(state, l, rows, input));
}

function compile(state: NetworkState, write: (emit: Emit) => void): StepProgram {
  const calls: CallSpec[] = [];
  write((call) => calls.push(call));
  return new StepProgram(calls, state.arena.exports, state.arena.parallel);
}

/** One training step of `rows` rows of the resident set; the indices slot says which rows, the step slot counts Adam's updates. */
export function trainingProgram(state: NetworkState, rows: number, opt: Required<OptimizerConfig>): StepProgram {
  return compile(state, (emit) => {
    const input = residentInput(state);
    gatherLabels(emit, state, 'trainLabels', { slot: 'indices' }, rows);
    forward(emit, state, rows, input);
    lossAndBackward(emit, state, rows, input);
    const regions = {
      params: state.ptr('params'),
      grads: state.ptr('grads'),
      state: STATE_BUFFERS.map((b) => state.ptr(b)),
      count: state.model.parameterCount,
    };
    optimizer(opt.name).update(emit, regions, opt);
  });
}

/** Loss and gradients of `rows` rows of f32 inputs in x against the labels already in place. */
export function gradientProgram(state: NetworkState, rows: number): StepProgram {
  return compile(state, (emit) => {
    forward(emit, state, rows, floatInput(state));
    lossAndBackward(emit, state, rows, floatInput(state));
  });
}

/**
 * Loss and correct count of `rows` staged pixel rows and labels; `density` is the non-zero share
 * of sparse staged rows (null: dense).
 */
export function evaluateProgram(state: NetworkState, rows: number, density: number | null): StepProgram {
  return compile(state, (emit) => {
    gatherLabels(emit, state, 'stagingLabels', state.ptr('stagingOrder'), rows);
    forward(emit, state, rows, stagedInput(state, density));
    softmaxCrossentropy(emit, headIO(state, rows), state.model.layers.length);
  });
}

/**
 * Probabilities (in the last layer's out) and classes of `rows` staged pixel rows (dense, or
 * sparse rows `density` non-zero) or, for `f32`, of f32 rows in x.
 */
export function predictProgram(
  state: NetworkState,
  rows: number,
  input: 'f32' | { density: number | null },
): StepProgram {
  return compile(state, (emit) => {
    forward(emit, state, rows, input === 'f32' ? floatInput(state) : stagedInput(state, input.density));
    softmaxClasses(emit, headIO(state, rows));
  });
}
