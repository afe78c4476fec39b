// simdnet against TensorFlow.js on the same data, initial weights, optimizer, batches and batch
// order (src/tfjs/twin.ts). One row per model and engine; timings are wall-clock training time
// with every step included and evaluation excluded. Before each timed mini-batch run, each engine
// trains a throwaway copy for WARMUP_STEPS steps (JIT tiers, first touch, tfjs kernel set-up).
//
// Models:
//   784-10-10 sgd b32    the seed's network (uniform init), SGD lr 0.1, mini-batch 32, N epochs
//   784-10-10 sgd full   the seed's run: full batch, lr 0.1, 500 iterations. tfjs needs seconds per
//                        full-batch iteration, so it runs one untimed warm-up iteration (where its
//                        memory is measured) and a few timed ones; its training time is
//                        extrapolated to 500 iterations and marked so, and it has no accuracy.
//   784-128-10 adam b32  He init, Adam lr 0.001, mini-batch 32, N epochs
//
// Memory (peakMemoryBytes) is what each engine holds to train, the training set included:
//   simdnet  the bytes of the WebAssembly.Memory of the network's arena: parameters, gradients,
//            optimizer state, activations for one batch, and the resident training set (its
//            sparse rows for MNIST, see model/layers/dense.ts).
//   tfjs     tf.profile's peakBytes over one training step (weights, optimizer slots, the batch,
//            activations, gradients: the peak of live tensor bytes) plus the u8 training set the
//            twin stages its batches from. For the wasm backend wasmMemoryBytes adds the size its
//            heap has grown to (process-wide high-water mark: it never shrinks).
import type { Variant } from '../abi.js';
import { subset } from '../data/dataset.js';
import { loadMnist, type Mnist } from '../data/mnist.js';
import { loadSimdnet } from '../loader.node.js';
import { Network, type FitOptions, type Initializer, type OptimizerName } from '../network.js';
import type { Runtime } from '../runtime.js';
import { tfjsWasmMemoryBytes, useTfjsBackend, type TfjsBackendInfo, type TfjsBackendName } from './backend.js';
import { TfjsTwin, type TwinFitMode, type TwinFitOptions } from './twin.js';
import { CURVE_POINTS, type ComparisonReport, type ComparisonRow, type CurvePoint } from './comparison-table.js';

export * from './comparison-table.js';

export interface ComparisonOptions {
  /** Epochs of the mini-batch runs, on both engines. Default 1. */
  epochs?: number;
  /** tfjs backends to compare with. Default ['wasm']. */
  backends?: TfjsBackendName[];
  /** simdnet build. Default auto (simd where supported). */
  variant?: Variant | 'auto';
  /** A short run for tests: 2 000 training and 1 000 test images, 5 full-batch iterations. */
  quick?: boolean;
  /** simdnet's full-batch iterations. Default 500 (quick: 5). */
  fullBatchIterations?: number;
  /** tfjs's timed full-batch iterations (after one warm-up). Default 2 (quick: 1); 0 skips tfjs there. */
  tfjsFullBatchIterations?: number;
  /** Train on the first N training images only. */
  trainLimit?: number;
  /** Evaluate on the first N test images only. */
  testLimit?: number;
  /** Initial weights and shuffling. Default 0. */
  seed?: number;
  /** How the twin trains (see twin.ts). Default 'step'. */
  mode?: TwinFitMode;
  data?: Mnist;
  runtime?: Runtime;
  onProgress?: (message: string) => void;
}

/**
 * Records a run's loss curve from its onStep callback: one performance.now() per step. The clock
 * starts before fit is called; end() moves the points back so the last one falls at the run's own
 * training time, which takes out the set-up before the first step (simdnet makes the training set
 * resident there), as the reported timings do.
 */
class LossCurve {
  readonly points: CurvePoint[] = [];
  private readonly every: number;
  private readonly started = performance.now();
  private sum = 0;
  private steps = 0;

  /** stepsBefore: steps the model took before this run (their count shifts the epochs). */
  constructor(
    private readonly totalSteps: number,
    private readonly stepsPerEpoch: number,
    private readonly stepsBefore = 0,
  ) {
    this.every = Math.max(1, Math.ceil(totalSteps / CURVE_POINTS));
  }

  readonly onStep = ({ step, loss }: { step: number; loss: number }): void => {
    this.sum += loss;
    this.steps++;
    if (step % this.every !== 0 && step !== this.totalSteps) return;
    this.points.push({
      epoch: (this.stepsBefore + step) / this.stepsPerEpoch,
      seconds: (performance.now() - this.started) / 1000,
      loss: this.sum / this.steps,
    });
    this.sum = 0;
    this.steps = 0;
  };

  end(trainSeconds: number): CurvePoint[] {
    const setup = (this.points[this.points.length - 1]?.seconds ?? trainSeconds) - trainSeconds;
    return this.points.map((p) => ({ ...p, seconds: Math.max(0, p.seconds - setup) }));
  }
}

/** Untimed steps each engine trains on a throwaway copy of a mini-batch model before the timed run. */
export const WARMUP_STEPS = 50;

interface ModelSpec {
  model: string;
  layers: number[];
  init: Initializer;
  optimizer: OptimizerName;
  lr: number;
  batch: number | 'full';
  iterations?: number;
}

function positive(name: string, value: number | undefined, fallback: number, min = 1): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < min) throw new RangeError(`${name} must be an integer ≥ ${min}, got ${value}`);
  return v;
}

export async function runComparison(options: ComparisonOptions = {}): Promise<ComparisonReport> {
  const quick = options.quick ?? false;
  const epochs = positive('epochs', options.epochs, 1);
  const fullBatchIterations = positive('fullBatchIterations', options.fullBatchIterations, quick ? 5 : 500);
  const tfjsFullBatchIterations = positive(
    'tfjsFullBatchIterations',
    options.tfjsFullBatchIterations,
    quick ? 1 : 2,
    0,
  );
  const seed = options.seed ?? 0;
  const mode = options.mode ?? 'step';
  const backends = options.backends ?? ['wasm'];
  const progress = options.onProgress ?? (() => {});

  const runtime = options.runtime ?? (await loadSimdnet({ variant: options.variant ?? 'auto' }));
  const data = options.data ?? (await loadMnist());
  const trainLimit = options.trainLimit ?? (quick ? 2000 : data.train.count);
  const testLimit = options.testLimit ?? (quick ? 1000 : data.test.count);
  const train = trainLimit < data.train.count ? subset(data.train, 0, trainLimit) : data.train;
  const test = testLimit < data.test.count ? subset(data.test, 0, testLimit) : data.test;

  const tfjs: TfjsBackendInfo[] = [];
  for (const backend of backends) tfjs.push(await useTfjsBackend(backend));

  const models: ModelSpec[] = [
    { model: '784-10-10 sgd b32', layers: [784, 10, 10], init: 'uniform', optimizer: 'sgd', lr: 0.1, batch: 32 },
    {
      model: '784-10-10 sgd full (seed)',
      layers: [784, 10, 10],
      init: 'uniform',
      optimizer: 'sgd',
      lr: 0.1,
      batch: 'full',
      iterations: fullBatchIterations,
    },
    { model: '784-128-10 adam b32', layers: [784, 128, 10], init: 'he', optimizer: 'adam', lr: 0.001, batch: 32 },
  ];

  const rows: ComparisonRow[] = [];
  for (const spec of models) {
    const length = spec.iterations !== undefined ? { iterations: spec.iterations } : { epochs };
    const fit: FitOptions = { optimizer: spec.optimizer, lr: spec.lr, batchSize: spec.batch, seed, ...length };
    const twinFit: TwinFitOptions = {
      optimizer: spec.optimizer,
      lr: spec.lr,
      batchSize: spec.batch,
      seed,
      mode,
      ...length,
    };
    const stepsPerEpoch = Math.ceil(train.count / (spec.batch === 'full' ? train.count : spec.batch));
    const base = {
      model: spec.model,
      layers: spec.layers,
      init: spec.init,
      optimizer: spec.optimizer,
      lr: spec.lr,
      batch: spec.batch,
    };

    // Warm-up, untimed, on throwaway copies: JIT tiers, first-touch of buffers, tfjs kernel set-up.
    const warmSteps = spec.batch === 'full' ? 0 : Math.min(WARMUP_STEPS, stepsPerEpoch * epochs);
    if (warmSteps > 0) {
      const warm = Network.create(runtime, { layers: spec.layers, init: spec.init, seed });
      warm.fit(train, { ...fit, epochs: undefined, iterations: warmSteps });
      warm.dispose();
    }
    const net = Network.create(runtime, { layers: spec.layers, init: spec.init, seed });
    const initial = net.getParameters();
    progress(
      `simdnet-${runtime.variant} ${spec.model}: ${spec.iterations ?? epochs} ${spec.iterations ? 'iterations' : 'epoch(s)'} on ${train.count} images`,
    );
    const totalSteps = spec.iterations ?? stepsPerEpoch * epochs;
    const ourCurve = new LossCurve(totalSteps, stepsPerEpoch);
    const ours = net.fit(train, { ...fit, onStep: ourCurve.onStep });
    const ourAccuracy = net.evaluate(test).accuracy;
    rows.push({
      ...base,
      engine: `simdnet-${runtime.variant}`,
      backend: runtime.variant,
      epochs: ours.steps / stepsPerEpoch,
      steps: ours.steps,
      testAccuracy: ourAccuracy,
      trainSeconds: ours.seconds,
      msPerEpoch: ours.msPerEpoch,
      msPerStep: ours.msPerStep,
      speedup: null,
      peakMemoryBytes: net.memoryBytes,
      wasmMemoryBytes: net.memoryBytes,
      extrapolated: false,
      curve: ourCurve.end(ours.seconds),
    });
    net.dispose();

    for (const info of tfjs) {
      await useTfjsBackend(info.name);
      const backendLabel = info.binary
        ? `${info.name} (${info.binary.replace(/^tfjs-backend-/, '')}, ${info.threads} thread${info.threads === 1 ? '' : 's'})`
        : info.name;
      const twin = TfjsTwin.fromParameters(spec.layers, initial, seed);
      const dataBytes = train.pixels.length + train.labels.length;
      try {
        if (spec.batch === 'full') {
          if (tfjsFullBatchIterations === 0) continue;
          progress(
            `tfjs-${info.name} ${spec.model}: 1 warm-up + ${tfjsFullBatchIterations} timed iterations (of ${fullBatchIterations}: extrapolated)`,
          );
          const peak = await twin.measureStepBytes(train, twinFit);
          // measureStepBytes trained the first iteration: the timed ones are the 2nd onwards.
          const curve = new LossCurve(tfjsFullBatchIterations, stepsPerEpoch, 1);
          const timed = await twin.fit(train, {
            ...twinFit,
            iterations: tfjsFullBatchIterations,
            onStep: curve.onStep,
          });
          rows.push({
            ...base,
            engine: `tfjs-${info.name}`,
            backend: backendLabel,
            epochs: timed.steps / stepsPerEpoch,
            steps: timed.steps,
            testAccuracy: null,
            trainSeconds: (timed.msPerStep * fullBatchIterations) / 1000,
            msPerEpoch: timed.msPerStep,
            msPerStep: timed.msPerStep,
            speedup: timed.msPerStep / ours.msPerStep,
            peakMemoryBytes: peak + dataBytes,
            wasmMemoryBytes: tfjsWasmMemoryBytes(),
            extrapolated: true,
            curve: curve.end(timed.seconds),
            note: `timed ${timed.steps} full-batch iteration(s) after a warm-up; train time extrapolated to ${fullBatchIterations}`,
          });
        } else {
          progress(`tfjs-${info.name} ${spec.model}: ${epochs} epoch(s) on ${train.count} images`);
          const warm = TfjsTwin.fromParameters(spec.layers, initial, seed);
          await warm.fit(train, { ...twinFit, epochs: undefined, iterations: warmSteps });
          warm.dispose();
          const curve = new LossCurve(totalSteps, stepsPerEpoch);
          const result = await twin.fit(train, { ...twinFit, onStep: curve.onStep });
          const accuracy = twin.evaluate(test).accuracy;
          const peak = await twin.measureStepBytes(train, twinFit);
          const gap = 100 * (accuracy - ourAccuracy);
          rows.push({
            ...base,
            engine: `tfjs-${info.name}`,
            backend: backendLabel,
            epochs: result.steps / stepsPerEpoch,
            steps: result.steps,
            testAccuracy: accuracy,
            trainSeconds: result.seconds,
            msPerEpoch: result.msPerEpoch,
            msPerStep: result.msPerStep,
            speedup: result.msPerStep / ours.msPerStep,
            peakMemoryBytes: peak + dataBytes,
            wasmMemoryBytes: tfjsWasmMemoryBytes(),
            extrapolated: false,
            curve: curve.end(result.seconds),
            note:
              `test accuracy ${gap >= 0 ? '+' : '−'}${Math.abs(gap).toFixed(2)} pp vs simdnet: same start, batches and order; the runs drift apart ` +
              'once a row has p_label < 1e-7, where the Keras loss clips and passes no gradient (see tfjs/twin.ts)',
          });
        }
      } finally {
        twin.dispose();
      }
    }
  }
  return { rows, variant: runtime.variant, tfjs, trainCount: train.count, testCount: test.count, epochs, mode };
}
