// The batch schedule of Network.fit, which fit runs and the tfjs twin replays, so that another
// engine is fed the very same batches in the very same order:
//   order = [0, 1, …, count−1];  rng = new Rng(seed)
//   at the start of every epoch, if shuffling: rng.shuffle(order)   (in place: epoch e shuffles
//                                                                     the order epoch e−1 left)
//   step s of the epoch takes rows order[s·batch … min((s+1)·batch, count)) — the last is partial
// Browser-safe: no tfjs, no Node imports.
import { Rng } from './rng.js';

export interface ScheduleOptions {
  /** Rows per step, or `full`. Default 32. */
  batchSize?: number | 'full';
  /** Passes over the data (default 1). Mutually exclusive with `iterations`. */
  epochs?: number;
  /** Number of steps instead of epochs. */
  iterations?: number;
  /** Default: true for mini-batches, false for `full`, as in Network.fit. */
  shuffle?: boolean;
  /** Shuffle seed (Network.fit defaults it to the network's seed). */
  seed: number;
}

export interface Schedule {
  /** Rows of a full batch. */
  batch: number;
  stepsPerEpoch: number;
  totalSteps: number;
  shuffle: boolean;
  seed: number;
}

export interface ScheduledStep {
  /** 0-based step of the run. */
  step: number;
  /** 1-based epoch. */
  epoch: number;
  /** 0-based position of the step in its epoch. */
  positionInEpoch: number;
  /** Where the batch starts in the order array. */
  start: number;
  /** Row indices of this batch: a view into the schedule's order array, valid until the next step. */
  indices: Int32Array;
}

/** `value` if it is an integer in [1, max]; a TypeError for a non-number, a RangeError otherwise. */
export function positiveInteger(name: string, value: unknown, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number')
    throw new TypeError(`${name} must be a number, got ${typeof value} ${JSON.stringify(value)}`);
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new RangeError(`${name} must be an integer in [1, ${max}], got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Resolves batch size, steps and shuffling exactly as Network.fit does, with the same messages. */
export function planSchedule(count: number, options: ScheduleOptions): Schedule {
  positiveInteger('count', count);
  const batch = options.batchSize === 'full' ? count : positiveInteger('batchSize', options.batchSize ?? 32, count);
  if (options.epochs !== undefined && options.iterations !== undefined)
    throw new RangeError('give epochs or iterations, not both');
  const stepsPerEpoch = Math.ceil(count / batch);
  const totalSteps =
    options.iterations !== undefined
      ? positiveInteger('iterations', options.iterations)
      : positiveInteger('epochs', options.epochs ?? 1) * stepsPerEpoch;
  const shuffle = options.shuffle ?? batch < count;
  if (typeof options.seed !== 'number') throw new TypeError(`seed must be a number, got ${typeof options.seed}`);
  if (!Number.isSafeInteger(options.seed)) throw new RangeError(`seed must be a safe integer, got ${options.seed}`);
  return { batch, stepsPerEpoch, totalSteps, shuffle, seed: options.seed };
}

/**
 * The steps of `schedule` over `count` rows, in Network.fit's order, kept in `order` (count
 * elements, overwritten; e.g. a view of the arena that the kernels read the batches from).
 */
export function* scheduleSteps(
  count: number,
  schedule: Schedule,
  order: Int32Array<ArrayBufferLike> = new Int32Array(count),
): Generator<ScheduledStep> {
  if (order.length !== count)
    throw new RangeError(`scheduleSteps: order holds ${order.length} elements for ${count} rows`);
  for (let i = 0; i < count; i++) order[i] = i;
  const rng = new Rng(schedule.seed);
  for (let step = 0; step < schedule.totalSteps; step++) {
    const positionInEpoch = step % schedule.stepsPerEpoch;
    if (positionInEpoch === 0 && schedule.shuffle) rng.shuffle(order);
    const start = positionInEpoch * schedule.batch;
    const rows = Math.min(schedule.batch, count - start);
    yield {
      step,
      epoch: Math.floor(step / schedule.stepsPerEpoch) + 1,
      positionInEpoch,
      start,
      indices: order.subarray(start, start + rows),
    };
  }
}
