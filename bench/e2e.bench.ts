// End to end on the real MNIST (loadMnist): ms per training step and per epoch, and inference
// images/s on the 10k test set. simdnet's Network.fit against two tfjs-wasm trainers on the same
// network, batch size and optimizer: tfjs-layers `model.fit` (what most users write) and a
// hand-written step, optimizer.minimize on pre-sliced batches (tfjs at its leanest).
//
// Validated before anything is timed, from identical initial weights (simdnet's, copied into tfjs):
// the loss and every gradient of one batch (Network.computeGradients vs tf.variableGrads), the
// parameters after one optimizer step (Network.fit, 1 iteration vs optimizer.minimize), and the
// layers model's predictions against simdnet's. After timing, each trained network's test accuracy
// is reported (a sanity figure, not a benchmark).
import { loadMnist, Network, type Dataset, type Mnist, type Runtime } from '../src/index.node.js';
import { subset } from '../src/data/dataset.js';
import { summarize, type Timing } from '../src/perf/timing.js';
import { measure, ValidationError } from './harness.js';
import { onBackend, tf } from './tfjs.js';

export interface E2eConfig {
  name: string;
  layers: number[];
  optimizer: 'sgd' | 'adam';
  lr: number;
  batch: number;
}

export const E2E_CONFIGS: readonly E2eConfig[] = [
  { name: '784-10-10 SGD lr 0.1 batch 32', layers: [784, 10, 10], optimizer: 'sgd', lr: 0.1, batch: 32 },
  { name: '784-128-10 Adam lr 0.001 batch 32', layers: [784, 128, 10], optimizer: 'adam', lr: 0.001, batch: 32 },
];

export interface TrainerResult {
  trainer: 'simdnet Network.fit' | 'tfjs-wasm model.fit' | 'tfjs-wasm minimize step';
  msPerStep: number;
  /** 95% relative margin of error (%) over per-chunk step times; absent for a single timed run. */
  rme?: number;
  msPerEpoch: number;
  /** Steps actually timed, and whether the epoch figure is extrapolated from them. */
  stepsTimed: number;
  extrapolated: boolean;
  note: string;
  testAccuracy?: number;
}

export interface TrainingResult {
  config: E2eConfig;
  stepsPerEpoch: number;
  validation: string[];
  trainers: TrainerResult[];
  /** simdnet's ms/step ÷ … → how many times faster simdnet is than each tfjs trainer. */
  speedup: { fit: number; step: number };
}

export interface InferenceVariant {
  how: string;
  images: number;
  imagesPerSecond: number;
  rme: number;
}
export interface InferenceResult {
  layers: number[];
  images: number;
  simdnet: InferenceVariant;
  tfjs: InferenceVariant[];
  best: InferenceVariant;
  speedup: number;
  validation: string;
}

export interface E2eResults {
  training: TrainingResult[];
  inference: InferenceResult[];
}

type LayerParams = ReturnType<Network['getLayerParameters']>;

/** rows of pixels/255 as f32 (what tfjs is fed; simdnet converts u8 inside its gather kernel). */
export function toF32(pixels: Uint8Array): Float32Array {
  const out = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) out[i] = pixels[i]! / 255;
  return out;
}

export function oneHot(labels: Uint8Array, classes: number): Float32Array {
  const out = new Float32Array(labels.length * classes);
  labels.forEach((y, i) => {
    out[i * classes + y] = 1;
  });
  return out;
}

/** tfjs-layers Sequential of the same shape holding `params`. */
export function layersModel(layers: readonly number[], params: LayerParams): tf.Sequential {
  const model = tf.sequential();
  for (let l = 1; l < layers.length; l++) {
    model.add(
      tf.layers.dense({
        units: layers[l]!,
        activation: l === layers.length - 1 ? 'softmax' : 'relu',
        ...(l === 1 ? { inputShape: [layers[0]!] } : {}),
      }),
    );
  }
  const weights = params.flatMap((p) => [tf.tensor2d(p.weights, p.shape), tf.tensor1d(p.bias)]);
  model.setWeights(weights); // copies into the layers' variables
  weights.forEach((w) => w.dispose());
  return model;
}

/** Variables of the hand-written tfjs model and its logits. */
function handModel(params: LayerParams) {
  const variable = (t: tf.Tensor) => {
    const v = tf.variable(t);
    t.dispose();
    return v;
  };
  const vars = params.flatMap((p) => [variable(tf.tensor2d(p.weights, p.shape)), variable(tf.tensor1d(p.bias))]);
  const logits = (x: tf.Tensor2D): tf.Tensor2D => {
    let a: tf.Tensor2D = x;
    for (let l = 0; l < params.length; l++) {
      const z = tf.add(tf.matMul(a, vars[2 * l] as tf.Variable<tf.Rank.R2>), vars[2 * l + 1]!) as tf.Tensor2D;
      a = l < params.length - 1 ? tf.relu(z) : z;
    }
    return a;
  };
  return { vars, logits, dispose: () => vars.forEach((v) => v.dispose()) };
}

function makeOptimizer(c: E2eConfig): tf.Optimizer {
  return c.optimizer === 'sgd' ? tf.train.sgd(c.lr) : tf.train.adam(c.lr, 0.9, 0.999, 1e-7);
}

function flatten(arrays: ArrayLike<number>[]): Float64Array {
  const out = new Float64Array(arrays.reduce((a, x) => a + x.length, 0));
  let at = 0;
  for (const a of arrays) {
    out.set(a as ArrayLike<number>, at);
    at += a.length;
  }
  return out;
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}
export function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/**
 * The three checks of one configuration, from identical initial weights on the first batch of
 * the training set. Tolerances are relative to the largest gradient (f32 GEMMs over K ≤ 784
 * accumulate to ~1e-6 of it; 1e-4 leaves room for tfjs's different summation order and softmax,
 * and still fails on any wrong term, sign, scale or transpose).
 */
async function validateTraining(runtime: Runtime, c: E2eConfig, data: Mnist): Promise<string[]> {
  const batch = subset(data.train, 0, c.batch);
  const x = toF32(batch.pixels),
    classes = c.layers[c.layers.length - 1]!;
  const net = Network.create(runtime, { layers: c.layers, seed: 1 });
  const initial = net.getLayerParameters();
  const probsOurs = net.predict(batch.pixels).probabilities;
  const ours = net.computeGradients(x, batch.labels);
  net.fit(batch, { optimizer: c.optimizer, lr: c.lr, batchSize: c.batch, iterations: 1, shuffle: false });
  const oursAfter = net.getParameters();
  net.dispose();

  return onBackend('wasm', () => {
    const lines: string[] = [];
    const hand = handModel(initial);
    const xb = tf.tensor2d(x, [c.batch, c.layers[0]!]),
      yb = tf.tensor2d(oneHot(batch.labels, classes), [c.batch, classes]);
    const lossFn = () => tf.losses.softmaxCrossEntropy(yb, hand.logits(xb)) as tf.Scalar;
    const { value, grads } = tf.variableGrads(lossFn, hand.vars);
    const tfLoss = value.dataSync()[0]!;
    const tfGrads = flatten(hand.vars.map((v) => grads[v.name]!.dataSync()));
    value.dispose();
    Object.values(grads).forEach((g) => g.dispose());
    const gScale = maxAbs(ours.gradients);
    const lossErr = Math.abs(tfLoss - ours.loss),
      gradErr = maxDiff(ours.gradients, tfGrads);
    if (!(lossErr <= 1e-5 * Math.abs(ours.loss)) || !(gradErr <= 1e-4 * gScale)) {
      throw new ValidationError(
        `e2e ${c.name}: one batch from identical weights: loss simdnet ${ours.loss} vs tfjs ${tfLoss}; max |Δ gradient| ${gradErr.toExponential(2)} (allowed 1e-4 × max |g| = ${(1e-4 * gScale).toExponential(2)})`,
      );
    }
    lines.push(
      `loss and all ${tfGrads.length} gradients of batch 0 match tfjs.variableGrads (|Δloss| ${lossErr.toExponential(1)}, max |Δg| ${gradErr.toExponential(1)} ≤ 1e-4·max|g|)`,
    );

    const opt = makeOptimizer(c);
    tf.tidy(() => {
      opt.minimize(lossFn, false, hand.vars);
    });
    const tfAfter = flatten(hand.vars.map((v) => v.dataSync()));
    opt.dispose();
    // An SGD step lr·g differs by lr·|Δg| ≤ 1e-4·lr·max|g| (checked above). Adam's first step
    // lr·g/(|g| + ε) moves by at most lr·|Δg|/(|g| + ε) when g moves by Δg (sharp where |g| ~ ε),
    // plus 1e-4·lr for the optimizers' different roundings; θ's own rounding on top.
    let stepErr = 0,
      worst = 0;
    for (let i = 0; i < oursAfter.length; i++) {
      const g = Math.abs(ours.gradients[i]!);
      const allowed =
        (c.optimizer === 'sgd' ? 1e-4 * c.lr * gScale : c.lr * (1e-4 + Math.min(2, (2 * gradErr) / (g + 1e-7)))) +
        2 ** -23 * Math.abs(oursAfter[i]!);
      const err = Math.abs(oursAfter[i]! - tfAfter[i]!);
      if (!(err <= allowed)) {
        throw new ValidationError(
          `e2e ${c.name}: parameter ${i} after one ${c.optimizer} step: simdnet ${oursAfter[i]}, tfjs ${tfAfter[i]}, |Δθ| ${err.toExponential(2)} > allowed ${allowed.toExponential(2)} (|g| ${g.toExponential(2)})`,
        );
      }
      stepErr = Math.max(stepErr, err);
      worst = Math.max(worst, err / allowed);
    }
    lines.push(
      `all ${oursAfter.length} parameters after one ${c.optimizer} step match optimizer.minimize (max |Δθ| ${stepErr.toExponential(1)}, ${(worst * 100).toPrecision(2)}% of the allowance)`,
    );

    const model = layersModel(c.layers, initial);
    const probsTf = tf.tidy(() => (model.predict(xb) as tf.Tensor).dataSync());
    const probErr = maxDiff(probsOurs, probsTf);
    model.dispose();
    xb.dispose();
    yb.dispose();
    hand.dispose();
    if (!(probErr <= 1e-5)) {
      throw new ValidationError(
        `e2e ${c.name}: the tfjs-layers model's probabilities on batch 0 differ from simdnet's by up to ${probErr.toExponential(2)} (allowed 1e-5)`,
      );
    }
    lines.push(
      `tfjs-layers model with the same weights predicts batch 0 within ${probErr.toExponential(1)} of simdnet`,
    );
    return lines;
  });
}

/** Seconds one call takes (it also serves as a warm-up call). */
function timeOnce(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return (performance.now() - t0) / 1000;
}

/** Step times recorded every step, grouped into 20 chunks → ms/step with its rme. */
function chunkedTiming(stamps: number[]): Timing {
  const steps = stamps.length - 1,
    chunks = Math.min(20, steps);
  const per = Math.floor(steps / chunks);
  const perStep: number[] = [];
  for (let c = 0; c < chunks; c++) perStep.push((stamps[(c + 1) * per]! - stamps[c * per]!) / per);
  return summarize(perStep);
}

async function trainSimdnet(
  runtime: Runtime,
  c: E2eConfig,
  train: Dataset,
  test: Dataset,
  steps: number | 'epoch',
): Promise<{ result: TrainerResult; net: Network }> {
  // Warm-up on a throwaway network of the same shape: V8 tiers the kernels up (the module is shared).
  const warm = Network.create(runtime, { layers: c.layers, seed: 2 });
  warm.fit(train, { optimizer: c.optimizer, lr: c.lr, batchSize: c.batch, iterations: 100 });
  warm.dispose();
  const net = Network.create(runtime, { layers: c.layers, seed: 1 });
  const stamps: number[] = [];
  const fit = net.fit(train, {
    optimizer: c.optimizer,
    lr: c.lr,
    batchSize: c.batch,
    ...(steps === 'epoch' ? { epochs: 1 } : { iterations: steps }),
    onStep: () => {
      stamps.push(performance.now());
    },
  });
  const stepsPerEpoch = Math.ceil(train.count / c.batch);
  const t = chunkedTiming(stamps);
  return {
    net,
    result: {
      trainer: 'simdnet Network.fit',
      msPerStep: fit.msPerStep,
      rme: t.rme,
      msPerEpoch: fit.msPerStep * stepsPerEpoch,
      stepsTimed: fit.steps,
      extrapolated: steps !== 'epoch',
      note:
        steps === 'epoch'
          ? 'one full epoch, shuffled, every step timed (gather, forward, loss, backward, update)'
          : `${fit.steps} steps, epoch extrapolated`,
      testAccuracy: net.evaluate(test).accuracy,
    },
  };
}

export async function trainTfjsFit(
  c: E2eConfig,
  initial: LayerParams,
  x: tf.Tensor2D,
  y: tf.Tensor2D,
  test: { x: tf.Tensor2D; y: tf.Tensor2D },
  steps: number | 'epoch',
  stepsPerEpoch: number,
  /** Timed runs of `steps` (each continues the training); the fastest counts. */
  runs = 1,
): Promise<TrainerResult> {
  const count = x.shape[0];
  const model = layersModel(c.layers, initial);
  const optimizer = makeOptimizer(c); // passed in, so not owned (or disposed) by the model
  model.compile({ optimizer, loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  // Warm-up: 20 batches, untimed.
  const wx = x.slice([0, 0], [20 * c.batch, -1]),
    wy = y.slice([0, 0], [20 * c.batch, -1]);
  await model.fit(wx, wy, { batchSize: c.batch, epochs: 1, shuffle: true, verbose: 0 });
  wx.dispose();
  wy.dispose();
  const n = steps === 'epoch' ? count : Math.min(count, steps * c.batch);
  const tx = n === count ? x : x.slice([0, 0], [n, -1]),
    ty = n === count ? y : y.slice([0, 0], [n, -1]);
  let ms = Infinity;
  for (let run = 0; run < runs; run++) {
    const t0 = performance.now();
    await model.fit(tx, ty, { batchSize: c.batch, epochs: 1, shuffle: true, verbose: 0 });
    ms = Math.min(ms, performance.now() - t0);
  }
  if (tx !== x) {
    tx.dispose();
    ty.dispose();
  }
  const timed = Math.ceil(n / c.batch);
  const evaluation = tf.tidy(
    () => (model.evaluate(test.x, test.y, { batchSize: 1000 }) as tf.Scalar[])[1]!.dataSync()[0]!,
  );
  model.dispose();
  optimizer.dispose();
  return {
    trainer: 'tfjs-wasm model.fit',
    msPerStep: ms / timed,
    msPerEpoch: (ms / timed) * stepsPerEpoch,
    stepsTimed: timed,
    extrapolated: timed !== stepsPerEpoch,
    note: `model.fit(x, y, {batchSize: ${c.batch}, epochs: 1, shuffle: true}) on ${timed === stepsPerEpoch ? 'the full training set' : `${n} images, epoch extrapolated ×${(stepsPerEpoch / timed).toFixed(1)}`}; ${runs === 1 ? 'one timed run' : `the fastest of ${runs} timed runs`} (no per-step rme)`,
    testAccuracy: evaluation,
  };
}

async function trainTfjsStep(
  c: E2eConfig,
  initial: LayerParams,
  x: tf.Tensor2D,
  y: tf.Tensor2D,
  steps: number | 'epoch',
  stepsPerEpoch: number,
  seed: number,
): Promise<TrainerResult> {
  const count = x.shape[0];
  const timed = Math.min(steps === 'epoch' ? stepsPerEpoch : steps, Math.ceil(count / c.batch));
  // Pre-sliced batches of a shuffled order, built before timing.
  const order = Int32Array.from({ length: count }, (_, i) => i);
  let s = seed >>> 0;
  for (let i = count - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const batches: Array<[tf.Tensor2D, tf.Tensor2D]> = [];
  for (let b = 0; b < timed; b++) {
    const idx = tf.tensor1d(order.subarray(b * c.batch, Math.min(count, (b + 1) * c.batch)), 'int32');
    batches.push([tf.gather(x, idx) as tf.Tensor2D, tf.gather(y, idx) as tf.Tensor2D]);
    idx.dispose();
  }
  const hand = handModel(initial);
  const opt = makeOptimizer(c);
  const step = ([xb, yb]: [tf.Tensor2D, tf.Tensor2D]) => {
    tf.tidy(() => {
      opt.minimize(() => tf.losses.softmaxCrossEntropy(yb, hand.logits(xb)) as tf.Scalar, false, hand.vars);
    });
  };
  for (let i = 0; i < Math.min(20, timed); i++) step(batches[i]!); // warm-up, untimed
  const stamps = [performance.now()];
  for (const b of batches) {
    step(b);
    stamps.push(performance.now());
  }
  const t = chunkedTiming(stamps);
  const ms = (stamps[stamps.length - 1]! - stamps[0]!) / timed;
  opt.dispose();
  hand.dispose();
  batches.forEach(([a, b]) => {
    a.dispose();
    b.dispose();
  });
  return {
    trainer: 'tfjs-wasm minimize step',
    msPerStep: ms,
    rme: t.rme,
    msPerEpoch: ms * stepsPerEpoch,
    stepsTimed: timed,
    extrapolated: timed !== stepsPerEpoch,
    note: `tf.tidy(() => optimizer.minimize(softmaxCrossEntropy(y, model(x)))) on pre-sliced batches${timed !== stepsPerEpoch ? `; ${timed} steps, epoch extrapolated` : ', one full epoch'}`,
  };
}

/** Inference on `images` test images: simdnet predict(u8) vs three ways of calling tfjs, all results read back to JS. */
async function inference(
  runtime: Runtime,
  net: Network,
  test: Dataset,
  images: number,
  quick: boolean,
): Promise<InferenceResult> {
  const data = subset(test, 0, images);
  const ours = net.predict(data.pixels);
  const params = net.getLayerParameters();
  const layers = [...net.layers];
  const m = await measure(
    'inference simdnet',
    () => {
      net.predict(data.pixels);
    },
    { quick, callSeconds: timeOnce(() => net.predict(data.pixels)) },
  );
  const simdnet: InferenceVariant = {
    how: 'net.predict(u8 pixels) for all images (u8→f32 inside)',
    images,
    imagesPerSecond: images / m.seconds,
    rme: m.rme,
  };

  return onBackend('wasm', async () => {
    const model = layersModel(layers, params);
    const x = tf.tensor2d(toF32(data.pixels), [images, layers[0]!]);
    const probs = tf.tidy(() => (model.predict(x, { batchSize: images }) as tf.Tensor).dataSync() as Float32Array);
    const diff = maxDiff(ours.probabilities, probs);
    let agree = 0;
    for (let i = 0; i < images; i++) {
      let best = 0;
      for (let k = 1; k < 10; k++) if (probs[i * 10 + k]! > probs[i * 10 + best]!) best = k;
      if (best === ours.classes[i]) agree++;
    }
    if (!(diff <= 1e-4) || agree < images * 0.999) {
      throw new ValidationError(
        `e2e inference ${layers.join('-')}: simdnet and tfjs probabilities differ by up to ${diff.toExponential(2)} (allowed 1e-4), classes agree on ${agree}/${images}`,
      );
    }
    const validation = `probabilities within ${diff.toExponential(1)} of tfjs (≤ 1e-4), classes agree on ${agree}/${images}`;
    const variants: InferenceVariant[] = [];
    // model.predict with batchSize 32 slices (and copies) the input per batch: slow, so timed on fewer images.
    const few = Math.min(images, quick ? 256 : 1024);
    const xFew = x.slice([0, 0], [few, -1]);
    const runA = () => {
      tf.tidy(() => {
        (model.predict(xFew, { batchSize: 32 }) as tf.Tensor).dataSync();
      });
    };
    const a = await measure('tfjs predict batchSize 32', runA, { quick, callSeconds: timeOnce(runA) });
    variants.push({
      how: `model.predict(x, {batchSize: 32}) (timed on ${few} images)`,
      images: few,
      imagesPerSecond: few / a.seconds,
      rme: a.rme,
    });
    xFew.dispose();
    const runB = () => {
      tf.tidy(() => {
        (model.predict(x, { batchSize: images }) as tf.Tensor).dataSync();
      });
    };
    const b = await measure('tfjs predict one batch', runB, { quick, callSeconds: timeOnce(runB) });
    variants.push({
      how: `model.predict(x, {batchSize: ${images}}): one big batch`,
      images,
      imagesPerSecond: images / b.seconds,
      rme: b.rme,
    });
    const slices: tf.Tensor2D[] = [];
    for (let s = 0; s < images; s += 512) slices.push(x.slice([s, 0], [Math.min(512, images - s), -1]));
    const runC = () => {
      tf.tidy(() => {
        tf.concat(slices.map((s) => model.predict(s) as tf.Tensor)).dataSync();
      });
    };
    const c = await measure('tfjs predict pre-sliced', runC, { quick, callSeconds: timeOnce(runC) });
    variants.push({
      how: 'model.predict on pre-sliced 512-row tensors, concatenated',
      images,
      imagesPerSecond: images / c.seconds,
      rme: c.rme,
    });
    slices.forEach((s) => s.dispose());
    x.dispose();
    model.dispose();
    const best = variants.reduce((p, q) => (q.imagesPerSecond > p.imagesPerSecond ? q : p));
    return {
      layers,
      images,
      simdnet,
      tfjs: variants,
      best,
      speedup: simdnet.imagesPerSecond / best.imagesPerSecond,
      validation,
    };
  });
}

export interface E2eOptions {
  quick: boolean;
  validateOnly?: boolean;
  log?: (line: string) => void;
  mnist?: Mnist;
}

export async function runE2e(runtime: Runtime, options: E2eOptions): Promise<E2eResults> {
  const log = options.log ?? (() => {});
  const data = options.mnist ?? (await loadMnist());
  const training: TrainingResult[] = [];
  const inferenceResults: InferenceResult[] = [];
  for (const c of E2E_CONFIGS) {
    const validation = await validateTraining(runtime, c, data);
    validation.forEach((l) => log(`  e2e ${c.name}: ${l}`));
    if (options.validateOnly) {
      training.push({
        config: c,
        stepsPerEpoch: Math.ceil(data.train.count / c.batch),
        validation,
        trainers: [],
        speedup: { fit: NaN, step: NaN },
      });
      continue;
    }
    const steps: number | 'epoch' = options.quick ? 100 : 'epoch';
    const { result: ours, net } = await trainSimdnet(runtime, c, data.train, data.test, steps);
    log(
      `  e2e ${c.name}: simdnet ${ours.msPerStep.toFixed(3)} ms/step, ${ours.msPerEpoch.toFixed(0)} ms/epoch, test accuracy ${ours.testAccuracy?.toFixed(4)}`,
    );
    const initial = Network.create(runtime, { layers: c.layers, seed: 1 });
    const initialParams = initial.getLayerParameters();
    initial.dispose();
    const stepsPerEpoch = Math.ceil(data.train.count / c.batch);
    // Quick mode feeds tfjs only the images it will step through (warm-up + 50 batches) and tests on 2000.
    const train = options.quick ? subset(data.train, 0, 80 * c.batch) : data.train;
    const test = options.quick ? subset(data.test, 0, 2000) : data.test;
    const [fit, step] = await onBackend('wasm', async () => {
      const x = tf.tensor2d(toF32(train.pixels), [train.count, c.layers[0]!]);
      const y = tf.tensor2d(oneHot(train.labels, 10), [train.count, 10]);
      const tx = tf.tensor2d(toF32(test.pixels), [test.count, c.layers[0]!]);
      const ty = tf.tensor2d(oneHot(test.labels, 10), [test.count, 10]);
      try {
        const fitResult = await trainTfjsFit(
          c,
          initialParams,
          x,
          y,
          { x: tx, y: ty },
          options.quick ? 50 : 'epoch',
          stepsPerEpoch,
        );
        log(
          `  e2e ${c.name}: tfjs model.fit ${fitResult.msPerStep.toFixed(3)} ms/step, test accuracy ${fitResult.testAccuracy?.toFixed(4)}`,
        );
        // 600 steps (a third of an epoch) are plenty for a steady per-step figure; the epoch is extrapolated.
        const stepResult = await trainTfjsStep(c, initialParams, x, y, options.quick ? 50 : 600, stepsPerEpoch, 7);
        log(`  e2e ${c.name}: tfjs minimize step ${stepResult.msPerStep.toFixed(3)} ms/step`);
        return [fitResult, stepResult] as const;
      } finally {
        x.dispose();
        y.dispose();
        tx.dispose();
        ty.dispose();
      }
    });
    training.push({
      config: c,
      stepsPerEpoch,
      validation,
      trainers: [ours, fit, step],
      speedup: { fit: fit.msPerStep / ours.msPerStep, step: step.msPerStep / ours.msPerStep },
    });
    const inf = await inference(runtime, net, data.test, options.quick ? 2048 : data.test.count, options.quick);
    log(
      `  e2e inference ${c.layers.join('-')}: simdnet ${inf.simdnet.imagesPerSecond.toFixed(0)} img/s; tfjs best ${inf.best.imagesPerSecond.toFixed(0)} img/s (${inf.best.how})`,
    );
    inferenceResults.push(inf);
    net.dispose();
  }
  return { training, inference: inferenceResults };
}
