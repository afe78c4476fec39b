// The TensorFlow.js twin's training loops; twin.ts builds the twin and says what it matches in
// simdnet and how closely. The batches and their order are Network.fit's (../schedule.ts).
//
// Two ways to train, both with the identical batch sequence:
//   'step' (default): one optimizer.minimize per batch, the batch copied from the u8 pixels into a
//           staging array in our order and uploaded; with a full batch in stored order the set is
//           uploaded once and reused, as Network.fit keeps it resident.
//   'fit':  each epoch's rows laid out in our order, then model.fit(…, {shuffle: false}).
// Both give bit-identical weights (tested). 'step' is the faster in Node with tfjs 4.22.0 — model.fit
// adds its callback machinery, per-batch tf.gather and log resolution: measured 5.2 vs 13.1 ms/step
// (784-10-10 SGD b32) and 12.6 vs 19.5 ms/step (784-128-10 Adam b32) on the wasm backend, best of 3
// on a loaded 2-core machine — so it is the default and what runComparison times.
import { tf, type TfModule as Tf } from './peer.js';
import type { Dataset } from '../data/dataset.js';
import { SimdnetError } from '../errors.js';
import type { FitOptions } from '../network.js';
import { scheduleSteps, type Schedule } from '../schedule.js';

/** simdnet's input scale: f32(1/255). A u8 times it is exact in f64, so one rounding to f32 follows. */
export const PIXEL_SCALE = Math.fround(1 / 255);

/** out[i] = f32(pixels[i] · f32(1/255)), bit-identical to simdnet's gather_images. Returns out. */
export function scalePixels(out: Float32Array, pixels: Uint8Array): Float32Array {
  for (let i = 0; i < pixels.length; i++) out[i] = pixels[i]! * PIXEL_SCALE;
  return out;
}

export type TwinFitMode = 'step' | 'fit';

export interface TwinStepInfo {
  step: number;
  epoch: number;
  /** Keras loss of the batch before this step's update. */
  loss: number;
}

export interface TwinEpochInfo {
  epoch: number;
  steps: number;
  /** Mean of the batch losses over the epoch. */
  loss: number;
  /** As EpochInfo.milliseconds: the epoch's steps, not its onEpoch or the previous epoch's. */
  milliseconds: number;
}

/** Network.fit's options (same meaning, same defaults), plus how tfjs is driven. */
export interface TwinFitOptions extends Omit<FitOptions, 'onStep' | 'onEpoch'> {
  /** Default 'step'. */
  mode?: TwinFitMode;
  onStep?: (info: TwinStepInfo) => void;
  onEpoch?: (info: TwinEpochInfo) => void;
}

export interface TwinFitResult {
  steps: number;
  epochs: TwinEpochInfo[];
  /** Wall-clock training time, every step included (also the per-step or per-epoch data staging). */
  seconds: number;
  msPerStep: number;
  msPerEpoch: number;
  finalLoss: number;
  mode: TwinFitMode;
}

export type LossFn = (yTrue: Tf.Tensor, yPred: Tf.Tensor) => Tf.Tensor;

/** What the loops drive: the twin's model, its current optimizer and compiled loss, its variables. */
export interface TrainingTarget {
  readonly model: Tf.Sequential;
  readonly optimizer: Tf.Optimizer;
  readonly lossFn: LossFn;
  readonly variables: Tf.Variable[];
  readonly inputSize: number;
}

export function fitSteps(
  target: TrainingTarget,
  train: Dataset,
  schedule: Schedule,
  options: TwinFitOptions,
): TwinFitResult {
  const n = target.inputSize;
  const xStage = new Float32Array(schedule.batch * n),
    yStage = new Float32Array(schedule.batch);
  const vars = target.variables;
  const epochs = new EpochLog(schedule, options.onEpoch);
  let resident: Tf.Tensor[] | null = null;
  let finalLoss = NaN;
  const started = epochs.begin();
  try {
    for (const s of scheduleSteps(train.count, schedule)) {
      const rows = s.indices.length;
      let x: Tf.Tensor, y: Tf.Tensor;
      if (rows === train.count && !schedule.shuffle) {
        // Full batch in stored order: upload once, as Network.fit keeps x resident.
        resident ??= [
          tf.tensor2d(scalePixels(new Float32Array(train.count * n), train.pixels), [train.count, n]),
          tf.tensor1d(Float32Array.from(train.labels)),
        ];
        [x, y] = resident as [Tf.Tensor, Tf.Tensor];
      } else {
        stageRows(xStage, yStage, train, s.indices, n);
        x = tf.tensor2d(xStage.subarray(0, rows * n), [rows, n]);
        y = tf.tensor1d(yStage.subarray(0, rows));
      }
      const cost = tf.tidy(() =>
        target.optimizer.minimize(
          () => tf.mean(target.lossFn(y, target.model.apply(x) as Tf.Tensor)) as Tf.Scalar,
          true,
          vars,
        )!,
      );
      if (x !== resident?.[0]) tf.dispose([x, y]);
      const loss = cost.dataSync()[0]!;
      cost.dispose();
      if (!Number.isFinite(loss)) throw diverged(s.step + 1, s.epoch, loss);
      finalLoss = loss;
      options.onStep?.({ step: s.step + 1, epoch: s.epoch, loss });
      epochs.step(s.step, s.epoch, loss);
    }
  } finally {
    if (resident) tf.dispose(resident);
  }
  return epochs.result(started, finalLoss, 'step');
}

export async function fitModel(
  target: TrainingTarget,
  train: Dataset,
  schedule: Schedule,
  options: TwinFitOptions,
): Promise<TwinFitResult> {
  const n = target.inputSize;
  const epochs = new EpochLog(schedule, options.onEpoch);
  let finalLoss = NaN;
  const steps = scheduleSteps(train.count, schedule);
  const started = epochs.begin();
  let next = steps.next();
  while (!next.done) {
    // Collect one epoch's steps; their rows are consecutive in the epoch's order.
    const epoch = next.value.epoch,
      firstStep = next.value.step;
    const rowIndices: number[] = [];
    let stepCount = 0;
    while (!next.done && next.value.epoch === epoch) {
      for (const i of next.value.indices) rowIndices.push(i);
      stepCount++;
      next = steps.next();
    }
    const xs = new Float32Array(rowIndices.length * n),
      ys = new Float32Array(rowIndices.length);
    stageRows(xs, ys, train, rowIndices, n);
    const x = tf.tensor2d(xs, [rowIndices.length, n]),
      y = tf.tensor1d(ys);
    const losses: number[] = [];
    try {
      await target.model.fit(x, y, {
        batchSize: schedule.batch,
        epochs: 1,
        shuffle: false,
        verbose: 0,
        callbacks: {
          onBatchEnd: async (_batch, logs) => {
            losses.push(logs?.loss ?? NaN);
          },
        },
      });
    } finally {
      tf.dispose([x, y]);
    }
    if (losses.length !== stepCount)
      throw new Error(`internal: model.fit ran ${losses.length} batches, the schedule has ${stepCount}`);
    losses.forEach((loss, k) => {
      if (!Number.isFinite(loss)) throw diverged(firstStep + k + 1, epoch, loss);
      finalLoss = loss;
      options.onStep?.({ step: firstStep + k + 1, epoch, loss });
      epochs.step(firstStep + k, epoch, loss);
    });
  }
  return epochs.result(started, finalLoss, 'fit');
}

/** Copies the rows `indices` of `data` into x (scaled) and y, in that order. */
function stageRows(x: Float32Array, y: Float32Array, data: Dataset, indices: ArrayLike<number>, n: number): void {
  for (let r = 0; r < indices.length; r++) {
    const i = indices[r]!;
    const src = data.pixels.subarray(i * n, (i + 1) * n);
    for (let c = 0; c < n; c++) x[r * n + c] = src[c]! * PIXEL_SCALE;
    y[r] = data.labels[i]!;
  }
}

function diverged(step: number, epoch: number, loss: number): SimdnetError {
  return new SimdnetError(
    'DIVERGED',
    `tfjs twin: training diverged at step ${step} (epoch ${epoch}): the loss is ${loss}. Try a smaller learning rate.`,
  );
}

/** Per-epoch bookkeeping shared by both modes, with Network.fit's epoch boundaries. */
class EpochLog {
  readonly epochs: TwinEpochInfo[] = [];
  private loss = 0;
  private steps = 0;
  private start = 0;

  constructor(
    private readonly schedule: Schedule,
    private readonly onEpoch?: (info: TwinEpochInfo) => void,
  ) {}

  begin(): number {
    this.start = performance.now();
    return this.start;
  }

  step(step: number, epoch: number, loss: number): void {
    this.loss += loss;
    this.steps++;
    if (
      step % this.schedule.stepsPerEpoch === this.schedule.stepsPerEpoch - 1 ||
      step === this.schedule.totalSteps - 1
    ) {
      const now = performance.now();
      const info = { epoch, steps: this.steps, loss: this.loss / this.steps, milliseconds: now - this.start };
      this.epochs.push(info);
      this.onEpoch?.(info);
      this.loss = 0;
      this.steps = 0;
      this.start = performance.now();
    }
  }

  result(started: number, finalLoss: number, mode: TwinFitMode): TwinFitResult {
    const seconds = (performance.now() - started) / 1000;
    const { totalSteps, stepsPerEpoch } = this.schedule;
    return {
      steps: totalSteps,
      epochs: this.epochs,
      seconds,
      msPerStep: (seconds * 1000) / totalSteps,
      msPerEpoch: (seconds * 1000) / (totalSteps / stepsPerEpoch),
      finalLoss,
      mode,
    };
  }
}
