// The batch schedule of Network.fit, which fit runs and the tfjs twin replays, so that another
// engine is fed the very same batches in the very same order:
//   order = [0, 1, …, count−1];  rng = new Rng(seed)
//   at the start of every epoch, if shuffling: rng.shuffle(order)   (in place: epoch e shuffles
//                                                                     the order epoch e−1 left)
//   step s of the epoch takes rows order[s·batch … min((s+1)·batch, count)) — the last is partial
// Browser-safe: no tfjs, no Node imports.
import type { Kernels } from './kernels.js';
import { Rng } from './rng.js';
import type { Tensor } from './tensor.js';

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
 * The order array of a schedule and how it is set up and shuffled: rngOrder, the reference, on a
 * host array with src/rng.ts, or kernelOrder, on an arena's with the kernels (assembly/order.ts),
 * which give the very same order. scheduleSteps makes it (OrderMaker) with the schedule's seed.
 */
export interface BatchOrder {
  /** The row indices, one per row (overwritten; e.g. a view of the arena the kernels read the batches from). */
  readonly values: Int32Array<ArrayBufferLike>;
  /** values = 0, 1, …, count−1. */
  identity(): void;
  /** Shuffles values in place as Rng.shuffle does, continuing one generator seeded with the schedule's seed. */
  shuffle(): void;
}

/** Makes a schedule's BatchOrder, whose shuffles continue one generator seeded with `seed`. */
export type OrderMaker = (seed: number) => BatchOrder;

/** The reference BatchOrder over `values`, shuffled by `new Rng(seed)`. */
export function rngOrder(values: Int32Array<ArrayBufferLike>, seed: number): BatchOrder {
  const rng = new Rng(seed);
  return {
    values,
    identity: () => {
      for (let i = 0; i < values.length; i++) values[i] = i;
    },
    shuffle: () => rng.shuffle(values),
  };
}

/**
 * The BatchOrder of `order`, a tensor of the arena of `kernels` (its view stays valid: arena memory
 * never grows), set up and shuffled by its kernels, continuing one generator seeded with `seed`.
 */
export function kernelOrder(kernels: Kernels, order: Tensor<'i32'>, seed: number): BatchOrder {
  let state = seed >>> 0; // as new Rng(seed) starts
  return {
    values: order.view(),
    identity: () => kernels.identityOrder(order),
    shuffle: () => {
      state = kernels.shuffleOrder(order, state);
    },
  };
}

/**
 * The steps of `schedule` over `count` rows, in Network.fit's order, kept in the order `makeOrder`
 * makes with the schedule's seed (its values are overwritten; by default a new host array).
 */
export function* scheduleSteps(count: number, schedule: Schedule, makeOrder?: OrderMaker): Generator<ScheduledStep> {
  const cursor = new StepCursor(count, schedule, makeOrder);
  while (cursor.next()) {
    const { step, epoch, positionInEpoch, start } = cursor;
    yield { step, epoch, positionInEpoch, start, indices: cursor.indices() };
  }
}

/**
 * scheduleSteps one step at a time, in fields that each next() overwrites: Network.fit's loop,
 * which allocates no object per step this way (see taggedList in model/program.ts for why that matters).
 */
export class StepCursor {
  /** 0-based step of the run: −1 before the first next(). */
  step = -1;
  /** 1-based epoch. */
  epoch = 0;
  /** 0-based position of the step in its epoch. */
  positionInEpoch = 0;
  /** Where the batch starts in the order array. */
  start = 0;
  /** Rows of the batch. */
  rows = 0;
  private readonly order: BatchOrder;

  constructor(
    private readonly count: number,
    private readonly schedule: Schedule,
    makeOrder: OrderMaker = (seed) => rngOrder(new Int32Array(count), seed),
  ) {
    this.order = makeOrder(schedule.seed);
    if (this.order.values.length !== count)
      throw new RangeError(`scheduleSteps: order holds ${this.order.values.length} elements for ${count} rows`);
    this.order.identity();
  }

  /** Moves on to the next step (shuffling the order at the start of an epoch); false after the last. */
  next(): boolean {
    const { batch, stepsPerEpoch, totalSteps, shuffle } = this.schedule;
    if (this.step + 1 >= totalSteps) return false;
    const step = ++this.step;
    this.positionInEpoch = step % stepsPerEpoch;
    if (this.positionInEpoch === 0) {
      this.epoch = Math.floor(step / stepsPerEpoch) + 1;
      if (shuffle) this.order.shuffle();
    }
    this.start = this.positionInEpoch * batch;
    this.rows = Math.min(batch, this.count - this.start);
    return true;
  }

  /** Row indices of this step's batch: a view into the order array, valid until the next step. */
  indices(): Int32Array {
    return this.order.values.subarray(this.start, this.start + this.rows);
  }
}
