// One training step of Network.fit, call by call, for `simdnet profile`: the very program fit runs
// (src/model/step.ts), compiled for a network of the given layers, and each of its calls made
// runnable on its own so it can be timed alone. Weights are He-scaled and labels random. The
// pixels are the caller's (simdnet profile passes MNIST's training set), or random bytes that are
// zero as often as MNIST's (81 %): either way the first layer takes the path, sparse or dense,
// that fit takes for them.
import type { Arena } from '../arena.js';
import type { Dataset } from '../data/dataset.js';
import { denseModel, initialParameters } from '../model/model.js';
import { defaultLearningRate, resolveOptimizer, type OptimizerName } from '../model/optimizers.js';
import { STATE_BUFFERS } from '../model/plan.js';
import type { KernelCall as ProgramCall } from '../model/program.js';
import { checkModelFits, NetworkState } from '../model/state.js';
import { trainingStep } from '../model/train.js';
import { Rng } from '../rng.js';
import type { Runtime } from '../runtime.js';

export type { Phase } from '../model/program.js';

export interface StepConfig {
  layers: readonly number[];
  batch: number;
  optimizer: OptimizerName;
  /** Default: the optimizer's (model/optimizers.ts). */
  lr?: number;
  /** Images the batch is gathered from in shuffled order, as fit gathers from the resident training set. Default 60000. */
  poolImages?: number;
  /** Fraction of the random pixels that are non-zero (default MNIST's, 0.19); fit holds them as sparse rows at or below 0.3. */
  pixelDensity?: number;
  /** The resident images instead of random ones: whole rows of layers[0] bytes, at least a batch. */
  pixels?: Uint8Array;
  seed?: number;
}

export interface KernelCall extends ProgramCall {
  /** Runs this call alone (the data call moves on to the next batch, the update counts its step). */
  run(): void;
}

export interface ProfiledStep {
  arena: Arena;
  /** The training set the step's batches come from, in the order array's row numbering. */
  data: Dataset;
  calls: KernelCall[];
  /** Runs every call once, in order: one whole step. */
  runStep(): void;
  /** Puts parameters and optimizer state back as they were built (after timing an update many times). */
  restoreParameters(): void;
  parameterCount: number;
  dispose(): void;
}

/** The fraction of MNIST's training pixels that are not zero. */
const MNIST_DENSITY = 0.19;

/** A network of `config` with its training set resident, and the calls of its training step. */
export function profiledTrainingStep(runtime: Runtime, config: StepConfig): ProfiledStep {
  const { layers, batch: rows } = config;
  const inputs = layers[0]!,
    classes = layers[layers.length - 1]!;
  const pool = config.pixels ? config.pixels.length / inputs : Math.max(config.poolImages ?? 60000, rows);
  if (!Number.isInteger(pool) || pool < rows) {
    throw new RangeError(
      `profiledTrainingStep: pixels hold ${config.pixels?.length} bytes, not whole rows of ${inputs} for a batch of ${rows}`,
    );
  }
  const rng = new Rng(config.seed ?? 0);
  const model = denseModel(layers);
  checkModelFits(runtime, model, 'profiledTrainingStep');
  const state = new NetworkState(runtime, model, initialParameters(model, 'he', rng));
  const density = config.pixelDensity ?? MNIST_DENSITY;
  const pixels =
    config.pixels ?? new Uint8Array(pool * inputs).map(() => (rng.next() < density ? 1 + ((rng.next() * 255) | 0) : 0));
  const labels = new Uint8Array(pool).map(() => (rng.next() * classes) | 0);
  const data: Dataset = { count: pool, rows: 1, cols: inputs, pixels, labels };
  state.ensureCapacity(rows, state.residentFor(data, 'auto'));
  const order = state.tensor('order').view() as Int32Array;
  for (let i = 0; i < pool; i++) order[i] = i;
  // As fit: mini-batches come in shuffled order (random rows of the set), a full batch in order.
  if (rows < pool) rng.shuffle(order);
  const opt = resolveOptimizer({ optimizer: config.optimizer, lr: config.lr ?? defaultLearningRate(config.optimizer) });
  const program = trainingStep(state, rows, opt);
  const params = state.tensor('params');
  const initial = params.read();

  const batches = Math.floor(pool / rows);
  let batchIndex = 0,
    step = 0;
  const calls: KernelCall[] = program.calls.map((call, i) => {
    const run =
      call.phase === 'data'
        ? // fit takes the next batch of the shuffled order; the first layer reads its pixels by index.
          () => {
            program.set('indices', state.ptr('order') + 4 * rows * batchIndex);
            batchIndex = (batchIndex + 1) % batches;
            program.call(i);
          }
        : call.phase === 'update'
          ? () => {
              program.set('step', ++step);
              program.call(i);
            }
          : () => {
              program.call(i);
            };
    return { ...call, run };
  });
  return {
    arena: state.arena,
    data,
    calls,
    parameterCount: model.parameterCount,
    runStep: () => {
      for (const c of calls) c.run();
    },
    restoreParameters: () => {
      params.write(initial);
      for (const name of STATE_BUFFERS) state.tensor(name).fill(0);
      step = 0;
    },
    dispose: () => state.arena.dispose(),
  };
}
