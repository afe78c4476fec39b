// Compiles what a network runs into step programs (program.ts): one list of kernel calls per
// purpose and batch size, built once per arena plan by walking the model's layers.
//   train      labels of the batch, forward, loss, backward, update (fit; the profile times it)
//   gradients  forward from f32 inputs, loss, backward (computeGradients)
//   evaluate   labels, forward from staged pixels, loss
//   predict    forward from staged pixels or f32 inputs, softmax and arg-max
import type { LayerInput, LayerIO } from './layers/layer.js';
import { softmaxClasses, softmaxCrossentropy, type HeadIO } from './layers/softmax-crossentropy.js';
import { lastIndex } from './model.js';
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

/**
 * What an inference program reads: f32 rows in x, or staged pixel rows, dense (density null) or
 * as sparse rows `density` non-zero.
 */
export type InferenceInput = 'f32' | { density: number | null };

function inferenceInput(state: NetworkState, input: InferenceInput): LayerInput {
  return input === 'f32' ? floatInput(state) : stagedInput(state, input.density);
}

function floatInput(state: NetworkState): LayerInput {
  return { kind: 'f32', values: state.ptr('x'), relu: false };
}

/**
 * What each layer that runs reads and writes, input to output: a layer that passes its input
 * through (Flatten; Dropout outside training) runs nothing, and the layer above reads its input
 * and sends its gradient where that input came from.
 */
function wiring(state: NetworkState, rows: number, first: LayerInput, training: boolean): LayerIO[] {
  const { layers, offsets } = state.model;
  const ios: LayerIO[] = [];
  let input = first,
    dinput: number | null = null;
  layers.forEach((layer, l) => {
    if (layer.passes(training)) return;
    const out = state.ptr(layerBuffer(l, 'out')),
      dout = state.ptr(layerBuffer(l, 'dout'));
    ios.push({
      index: l,
      rows,
      input,
      out,
      dout,
      dinput,
      params: offsets[l]!.map((e) => state.ptr('params') + F32 * e),
      grads: offsets[l]!.map((e) => state.ptr('grads') + F32 * e),
      buffer: (name) => state.ptr(layerBuffer(l, name)),
    });
    input = { kind: 'f32', values: out, relu: layer.relu };
    dinput = dout;
  });
  return ios;
}

/** The head reads the logits the last running layer (the last Dense) writes. */
function headIO(state: NetworkState, rows: number, ios: readonly LayerIO[]): HeadIO {
  const last = ios[ios.length - 1]!;
  return {
    rows,
    classes: state.classes,
    logits: last.out,
    dlogits: last.dout,
    labels: state.ptr('labels'),
    correct: state.ptr('correct'),
    predicted: state.ptr('classes'),
    probabilities: state.ptr('probabilities'),
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

/** Forward through the layers; returns what each ran with. */
function forward(emit: Emit, state: NetworkState, rows: number, input: LayerInput, training: boolean): LayerIO[] {
  const ios = wiring(state, rows, input, training);
  for (const io of ios) state.model.layers[io.index]!.forward(emit, io);
  return ios;
}

function lossAndBackward(emit: Emit, state: NetworkState, rows: number, ios: readonly LayerIO[]): void {
  const layers = state.model.layers;
  softmaxCrossentropy(emit, headIO(state, rows, ios), layers.length);
  for (let i = ios.length - 1; i >= 0; i--) layers[ios[i]!.index]!.backward(emit, ios[i]!);
}

function compile(state: NetworkState, write: (emit: Emit) => void): StepProgram {
  const calls: CallSpec[] = [];
  write((call) => calls.push(call));
  return new StepProgram(calls, state.arena);
}

/**
 * One training step of `rows` rows: of the resident set (the indices slot says which rows), or,
 * `floats`, of the f32 rows and labels the host staged in x and labels. The step slot counts
 * Adam's updates, the seed slot seeds Dropout.
 */
export function trainingProgram(
  state: NetworkState,
  rows: number,
  opt: Required<OptimizerConfig>,
  floats: boolean,
): StepProgram {
  return compile(state, (emit) => {
    const input = floats ? floatInput(state) : residentInput(state);
    if (!floats) gatherLabels(emit, state, 'trainLabels', { slot: 'indices' }, rows);
    lossAndBackward(emit, state, rows, forward(emit, state, rows, input, true));
    const regions = {
      params: state.ptr('params'),
      grads: state.ptr('grads'),
      state: STATE_BUFFERS.map((b) => state.ptr(b)),
      count: state.model.parameterCount,
    };
    optimizer(opt.name).update(emit, regions, opt);
  });
}

/** Loss and gradients of `rows` rows of f32 inputs in x against the labels already in place (Dropout as in training, seed slot `seed`). */
export function gradientProgram(state: NetworkState, rows: number): StepProgram {
  return compile(state, (emit) =>
    lossAndBackward(emit, state, rows, forward(emit, state, rows, floatInput(state), true)),
  );
}

/** Loss and correct count of `rows` staged pixel rows and their labels, or of f32 rows in x and labels in place. */
export function evaluateProgram(state: NetworkState, rows: number, input: InferenceInput): StepProgram {
  return compile(state, (emit) => {
    if (input !== 'f32') gatherLabels(emit, state, 'stagingLabels', state.ptr('stagingOrder'), rows);
    const ios = forward(emit, state, rows, inferenceInput(state, input), false);
    softmaxCrossentropy(emit, headIO(state, rows, ios), state.model.layers.length);
  });
}

/** Logits (in the output layer's out), probabilities and classes of `rows` staged pixel rows, or of f32 rows in x. */
export function predictProgram(state: NetworkState, rows: number, input: InferenceInput): StepProgram {
  return compile(state, (emit) => {
    const ios = forward(emit, state, rows, inferenceInput(state, input), false);
    softmaxClasses(emit, headIO(state, rows, ios));
  });
}

/** Index of the layer whose out holds the logits: the last Dense (only pass-through activations follow it). */
export function outputLayer(state: NetworkState): number {
  return lastIndex(state.model.layers, (layer) => !layer.passes(false));
}
