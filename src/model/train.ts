// Network.fit: the schedule of batches (schedule.ts) over the resident training set, each step
// one run of the compiled training program, with the checks that stop a diverging run.
import { checkFeatureSet, isFeatureSet, stageFeatureRows, type TrainingData } from './features.js';
import { evaluate } from './inference.js';
import { SimdnetError } from '../errors.js';
import { kernelOrder, planSchedule, StepCursor } from '../schedule.js';
import type { Tensor } from '../tensor.js';
import { resolveOptimizer, type OptimizerConfig } from './optimizers.js';
import type { StepProgram } from './program.js';
import { checkPixelFormat, type NetworkState } from './state.js';
import { trainingProgram } from './step.js';
import type { EpochInfo, FitOptions, FitResult } from './types.js';
import { checkDataset, describeValue } from './validate.js';

/**
 * Training stops with DIVERGED when a parameter leaves ±MAX_PARAMETER (checked at every epoch end).
 * The loss alone misses such blow-ups: it clips probabilities at 1e-7, so a network whose weights
 * reached 1e17 still reports a finite loss near 16. Trained weights are O(1); 1e15 is far from any
 * of them and still well below where float32 logits overflow to Inf and NaN.
 */
export const MAX_PARAMETER = 1e15;

/** The training program for batches of `rows` rows (of the resident set, or staged f32 rows), compiled once per arena. */
export function trainingStep(
  state: NetworkState,
  rows: number,
  opt: Required<OptimizerConfig>,
  floats = false,
): StepProgram {
  return state.program(`train ${rows} ${floats ? 'f32' : 'u8'} ${JSON.stringify(opt)}`, () =>
    trainingProgram(state, rows, opt, floats),
  );
}

/**
 * Runs one step of `program` on the rows whose indices start at byte `indices`: the calls up to
 * the loss, the loss (thrown away with the parameters restored from backup if it is not finite),
 * then backward and update. Returns the batch's loss; the kernel leaves the rows it classified
 * right in the arena's `correct`. Takes and returns plain numbers: fit's loop allocates no object
 * per step (StepCursor).
 */
function runStep(
  state: NetworkState,
  program: StepProgram,
  indices: number,
  opt: Required<OptimizerConfig>,
  step: number,
  epoch: number,
  seed: number,
): number {
  const lossAt = program.indexOf('loss'),
    updateAt = program.indexOf('update');
  program.set('indices', indices);
  program.set('seed', dropoutSeed(seed, step));
  program.run(0, lossAt);
  const loss = program.call(lossAt) as number;
  if (!Number.isFinite(loss)) {
    restoreBackup(state);
    throw new SimdnetError(
      'DIVERGED',
      `training diverged at step ${step + 1} (epoch ${epoch}): the loss is ${loss}; the weights were restored to their state at the start of epoch ${epoch}. Try a smaller learning rate.`,
    );
  }
  program.run(lossAt + 1, updateAt);
  program.set('step', state.beginUpdate(opt.name));
  program.run(updateAt);
  return loss;
}

/** The dropout masks' seed for step `step` of a fit seeded `seed`: a hash of both (lowbias32 over the mixed pair), so masks differ from step to step and fit to fit. */
export function dropoutSeed(seed: number, step: number): number {
  let x = (Math.imul(seed ^ 0x85ebca6b, 0x9e3779b1) + step) | 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  return (x ^ (x >>> 16)) | 0;
}

function copyParameters(state: NetworkState, from: string, to: string): void {
  const P = state.model.parameterCount;
  new Float32Array(state.arena.buffer).copyWithin(state.ptr(to) / 4, state.ptr(from) / 4, state.ptr(from) / 4 + P);
}

function restoreBackup(state: NetworkState): void {
  copyParameters(state, 'backup', 'params');
  state.optimizerState = null;
}

export function fit(state: NetworkState, seed: number, train: TrainingData, options: FitOptions): FitResult {
  if (options === null || typeof options !== 'object')
    throw new TypeError(`fit: options must be an object, got ${describeValue(options)}`);
  const floats = isFeatureSet(train);
  if (!floats) checkDataset(train, 'train', state.model.widths);
  const count = floats ? checkFeatureSet(train, 'train', state.model.widths) : train.count;
  const validation = options.validationData;
  if (validation !== undefined) {
    if (validation === null || typeof validation !== 'object')
      throw new TypeError(`fit: validationData must be a dataset or feature rows, got ${describeValue(validation)}`);
    if (isFeatureSet(validation)) checkFeatureSet(validation, 'validationData', state.model.widths);
    else checkDataset(validation, 'validationData', state.model.widths);
  }
  for (const name of ['onStep', 'onEpoch'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function')
      throw new TypeError(`fit: ${name} must be a function, got ${describeValue(options[name])}`);
  }
  if (options.shuffle !== undefined && typeof options.shuffle !== 'boolean')
    throw new TypeError(`fit: shuffle must be a boolean, got ${describeValue(options.shuffle)}`);
  const format = checkPixelFormat('fit', options.pixelFormat);
  const opt = resolveOptimizer(options);
  const fitSeed = options.seed ?? seed;
  const schedule = planSchedule(count, { ...options, seed: fitSeed });
  const { stepsPerEpoch, totalSteps } = schedule;

  // Float rows stay in the caller's memory; each batch is staged into x (features.ts).
  if (floats) state.ensureCapacity(schedule.batch, null, schedule.batch);
  else state.ensureCapacity(schedule.batch, state.residentFor(train, format));
  const epochs: EpochInfo[] = [];
  let epochLoss = 0,
    epochCorrect = 0,
    epochSeen = 0,
    epochSteps = 0,
    epochStart = performance.now();
  let finalLoss = NaN;
  const fullBatch = trainingStep(state, schedule.batch, opt, floats);
  // Looked up once, not at every step: a fresh process runs the step loop in V8's interpreter for
  // its first hundreds of steps, where each lookup costs (arena memory never grows, so views stay valid).
  const orderAt = floats ? 0 : state.ptr('order'),
    correctCount = state.tensor('correct').view() as Int32Array;
  const started = performance.now();

  // The schedule shuffles the order array in place: for images the arena's, whose kernels read
  // each batch's row indices from it (and set it up and shuffle it: its loops over every row run
  // in JS's interpreter otherwise, at the start of a fresh process's first epoch); for float rows
  // one of the host's, which stages each batch's rows.
  const steps = new StepCursor(
    count,
    schedule,
    floats ? undefined : (seed) => kernelOrder(state.arena.kernels, state.tensor('order') as Tensor<'i32'>, seed),
  );
  while (steps.next()) {
    const { step, epoch, positionInEpoch, rows } = steps;
    // The last good weights: restored if the loss turns non-finite during this epoch.
    if (positionInEpoch === 0) copyParameters(state, 'params', 'backup');
    const program = rows === schedule.batch ? fullBatch : trainingStep(state, rows, opt, floats);
    if (floats) stageFeatureRows(state, train, steps.indices(), 0, rows);
    const indices = floats ? 0 : orderAt + 4 * steps.start;
    const loss = runStep(state, program, indices, opt, step, epoch, fitSeed);
    const correct = correctCount[0]!;
    finalLoss = loss;
    epochLoss += loss;
    epochCorrect += correct;
    epochSeen += rows;
    epochSteps++;
    options.onStep?.({ step: step + 1, epoch, loss, accuracy: correct / rows });
    if (positionInEpoch === stepsPerEpoch - 1 || step === totalSteps - 1) {
      checkParameters(state, step + 1, epoch);
      const now = performance.now();
      const info: EpochInfo = {
        epoch,
        steps: epochSteps,
        loss: epochLoss / epochSteps,
        accuracy: epochCorrect / epochSeen,
        milliseconds: now - epochStart,
      };
      if (validation !== undefined) {
        const { loss: validationLoss, accuracy: validationAccuracy } = evaluate(
          state,
          validation,
          {},
          'validationData',
        );
        Object.assign(info, { validationLoss, validationAccuracy });
      }
      epochs.push(info);
      options.onEpoch?.(info);
      epochLoss = 0;
      epochCorrect = 0;
      epochSeen = 0;
      epochSteps = 0;
      // The next epoch starts now: this one's validation and onEpoch are not its time.
      epochStart = performance.now();
    }
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    steps: totalSteps,
    epochs,
    seconds,
    msPerStep: (seconds * 1000) / totalSteps,
    msPerEpoch: (seconds * 1000) / (totalSteps / stepsPerEpoch),
    finalLoss,
  };
}

/**
 * After the last step of an epoch, before onEpoch sees it: throws DIVERGED, with the parameters
 * restored to the backup taken at the start of that epoch, if any is non-finite or beyond ±MAX_PARAMETER.
 */
function checkParameters(state: NetworkState, step: number, epoch: number): void {
  const params = state.tensor('params').view() as Float32Array;
  for (let i = 0; i < params.length; i++) {
    const v = params[i]!;
    if (Math.abs(v) <= MAX_PARAMETER) continue;
    restoreBackup(state);
    throw new SimdnetError(
      'DIVERGED',
      `training diverged by step ${step} (epoch ${epoch}): parameter ${i} is ${v}, beyond ±${MAX_PARAMETER}; the weights were restored to their state at the start of epoch ${epoch}. Try a smaller learning rate.`,
    );
  }
}
