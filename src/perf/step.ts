// One training step of Network.fit (network.ts), replayed kernel by kernel on raw exports so
// each call can be timed on its own: the same calls, in the same order, with the same shapes,
// pointers-into-one-arena and in-place aliasing as fit → forward → loss → backward → update.
// Weights are He-scaled and labels random. The pixels are the caller's (simdnet profile passes
// MNIST's training set), or random bytes that are zero as often as MNIST's (81 %): either way the
// first layer takes the path, sparse or dense, that fit takes for them.
import type { KernelExports } from '../abi.js';
import type { Arena, ArenaPlan } from '../arena.js';
import { ADAM_DEFAULTS } from '../kernels.js';
import { sparseRowsPlan, writeSparseRows, type OptimizerName } from '../network.js';
import { countNonzero, sparseByDefault } from '../data/sparse.js';
import { Rng } from '../rng.js';
import type { Runtime } from '../runtime.js';
import type { Work } from './limits.js';

export interface StepConfig {
  layers: readonly number[];
  batch: number;
  optimizer: OptimizerName;
  /** Default 0.1 for sgd/momentum, 0.001 for adam. */
  lr?: number;
  /** Images the batch is gathered from in shuffled order, as fit gathers from the resident training set. Default 60000. */
  poolImages?: number;
  /** Fraction of the random pixels that are non-zero (default MNIST's, 0.19); fit holds them as sparse rows at or below 0.3. */
  pixelDensity?: number;
  /** The resident images instead of random ones: whole rows of layers[0] bytes, at least a batch. */
  pixels?: Uint8Array;
  seed?: number;
}

export type Phase = 'data' | 'forward' | 'loss' | 'backward' | 'update';

export interface KernelCall extends Work {
  /** Export name, e.g. sgemm. */
  kernel: string;
  /** What the call does in the step, e.g. `L1 z = a·W  NN 32×128×784`. */
  label: string;
  phase: Phase;
  run(): void;
}

export interface ReplayedStep {
  arena: Arena;
  calls: KernelCall[];
  /** Runs every call once, in order: one whole step. */
  runStep(): void;
  /** Puts parameters and optimizer state back as they were built (after timing an update many times). */
  restoreParameters(): void;
  parameterCount: number;
  dispose(): void;
}

const F32 = 4;
/** The fraction of MNIST's training pixels that are not zero. */
const MNIST_DENSITY = 0.19;

/** Builds the arena and the call list of one training step of `config`. */
export function replayTrainingStep(runtime: Runtime, config: StepConfig): ReplayedStep {
  const { layers, batch: rows, optimizer } = config;
  const lr = config.lr ?? (optimizer === 'adam' ? 0.001 : 0.1);
  const inputs = layers[0]!, classes = layers[layers.length - 1]!;
  const pool = config.pixels ? config.pixels.length / inputs : Math.max(config.poolImages ?? 60000, rows);
  if (!Number.isInteger(pool) || pool < rows) {
    throw new RangeError(`replayTrainingStep: pixels hold ${config.pixels?.length} bytes, not whole rows of ${inputs} for a batch of ${rows}`);
  }
  const plan: Array<{ inputs: number; outputs: number; weights: number; bias: number }> = [];
  let P = 0;
  for (let l = 1; l < layers.length; l++) {
    plan.push({ inputs: layers[l - 1]!, outputs: layers[l]!, weights: P, bias: P + layers[l - 1]! * layers[l]! });
    P += layers[l - 1]! * layers[l]! + layers[l]!;
  }
  const arenaPlan: ArenaPlan = {
    params: [P], grads: [P], state1: [P], state2: [P], backup: [P],
    labels: { dtype: 'i32', shape: [rows] }, correct: { dtype: 'i32', shape: [1] },
    workspace: { dtype: 'u8', shape: [runtime.workspaceBytes] },
    trainPixels: { dtype: 'u8', shape: [pool, inputs] }, trainLabels: { dtype: 'u8', shape: [pool] },
    order: { dtype: 'i32', shape: [pool] },
  };
  plan.forEach((p, l) => { arenaPlan[`act${l}`] = [rows, p.outputs]; arenaPlan[`delta${l}`] = [rows, p.outputs]; });
  const rng = new Rng(config.seed ?? 0);
  // The pixels first, to plan their sparse rows as fit would (trainPixels stays: the dense path
  // reads it, and bench/profile.bench.ts takes its check's batch from it).
  const density = config.pixelDensity ?? MNIST_DENSITY;
  const pixelValues = config.pixels ?? new Uint8Array(pool * inputs).map(() => (rng.next() < density ? 1 + ((rng.next() * 255) | 0) : 0));
  const nonzero = countNonzero(pixelValues);
  const sparse = sparseByDefault(nonzero, pixelValues.length, inputs);
  if (sparse) Object.assign(arenaPlan, sparseRowsPlan(pool, nonzero, runtime.sparseWorkspaceBytes(rows, inputs, plan[0]!.outputs)));
  const arena = runtime.createArena(arenaPlan);
  const ptr = (name: string) => arena.tensors[name]!.offset;
  arena.tensor('trainPixels', 'u8').write(pixelValues);
  if (sparse) writeSparseRows(arena, pixelValues, inputs, nonzero);

  const params = arena.tensor('params', 'f32').view();
  for (const p of plan) {
    const std = Math.sqrt(2 / p.inputs);
    for (let i = 0; i < p.inputs * p.outputs; i++) params[p.weights + i] = rng.normal() * std;
  }
  const labels = arena.tensor('trainLabels', 'u8').view();
  for (let i = 0; i < labels.length; i++) labels[i] = (rng.next() * classes) | 0;
  const order = arena.tensor('order', 'i32').view();
  for (let i = 0; i < pool; i++) order[i] = i;
  // As fit: mini-batches come in shuffled order (random rows of the set), a full batch in order.
  if (rows < pool) rng.shuffle(order);
  // The initial parameters, restored (with zeroed optimizer state) after timing updates.
  const f32 = () => new Float32Array(arena.buffer);
  f32().copyWithin(ptr('backup') / F32, ptr('params') / F32, ptr('params') / F32 + P);
  const restoreParameters = () => {
    const m = f32();
    m.copyWithin(ptr('params') / F32, ptr('backup') / F32, ptr('backup') / F32 + P);
    m.fill(0, ptr('state1') / F32, ptr('state1') / F32 + P);
    m.fill(0, ptr('state2') / F32, ptr('state2') / F32 + P);
  };

  const k: KernelExports = arena.exports;
  const calls: KernelCall[] = [];
  const last = plan.length - 1;
  const batches = Math.floor(pool / rows);
  // The batch the calls use (`current`), and the next one the data call takes.
  let current = 0, batchIndex = 0;
  const paramPtr = (e: number) => ptr('params') + F32 * e;
  const gradPtr = (e: number) => ptr('grads') + F32 * e;

  // data: fit takes the next batch of the shuffled order (random rows of the resident set); the
  // first layer reads their pixels by index, so only the labels are gathered.
  const batch = () => ptr('order') + F32 * rows * current;
  calls.push({
    kernel: 'gather_labels', label: `labels ← labels[order]  ${rows}`, phase: 'data', flops: 0, bytes: rows * (1 + 2 * F32),
    run: () => {
      current = batchIndex;
      batchIndex = (batchIndex + 1) % batches;
      k.gather_labels(ptr('labels'), ptr('trainLabels'), batch(), rows);
    },
  });

  // forward: a' = ReLU(a·W + b) per hidden layer, logits z = a·W + b for the last; the first
  // layer straight from the u8 pixels (scaled by 1/255 as it reads them), or from their sparse
  // rows, whose FLOPs and bytes count the non-zero pixels only.
  const nonzeroPerBatch = rows * inputs * (nonzero / pixelValues.length);
  plan.forEach((p, l) => {
    const out = ptr(`act${l}`), relu = l < last ? 1 : 0;
    const name = `L${l + 1}`, what = relu ? 'a = ReLU(a·W + b)' : 'z = a·W + b';
    const flops = 2 * rows * p.outputs * p.inputs;
    if (l === 0 && sparse) {
      calls.push({
        kernel: 'sparse_forward_u8', label: `${name} ${what}  sparse u8 ${rows}×${p.outputs}×${p.inputs}`, phase: 'forward', flops: 2 * nonzeroPerBatch * p.outputs,
        bytes: F32 * (nonzeroPerBatch + rows + p.inputs * p.outputs + p.outputs + rows * p.outputs),
        run: () => k.sparse_forward_u8(out, ptr('trainStarts'), ptr('trainEntries'), batch(), paramPtr(p.weights), paramPtr(p.bias), rows, p.outputs, 1 / 255, relu),
      });
    } else if (l === 0) {
      calls.push({
        kernel: 'dense_forward_u8', label: `${name} ${what}  u8 ${rows}×${p.outputs}×${p.inputs}`, phase: 'forward', flops,
        bytes: rows * p.inputs + F32 * (p.inputs * p.outputs + p.outputs + rows * p.outputs),
        run: () => k.dense_forward_u8(out, ptr('trainPixels'), batch(), paramPtr(p.weights), paramPtr(p.bias), rows, p.inputs, p.outputs, 1 / 255, relu, ptr('workspace')),
      });
    } else {
      const input = ptr(`act${l - 1}`);
      calls.push({
        kernel: 'dense_forward', label: `${name} ${what}  ${rows}×${p.outputs}×${p.inputs}`, phase: 'forward', flops,
        bytes: F32 * (rows * p.inputs + p.inputs * p.outputs + p.outputs + rows * p.outputs),
        run: () => k.dense_forward(out, input, paramPtr(p.weights), paramPtr(p.bias), rows, p.inputs, p.outputs, relu),
      });
    }
  });

  // loss: softmax, mean cross-entropy, accuracy and δ_L = (p − onehot)/rows in one pass.
  calls.push({
    kernel: 'softmax_crossentropy', label: `loss, correct, δ${last + 1} = (softmax(z) − onehot)/${rows}  ${rows}×${classes}`, phase: 'loss',
    flops: 4 * rows * classes, bytes: F32 * (2 * rows * classes + rows),
    run: () => { k.softmax_crossentropy(ptr(`delta${last}`), ptr(`act${last}`), ptr('labels'), rows, classes, 1 / rows, ptr('correct')); },
  });

  // backward, per layer from the last: dW = aᵀ·δ (TN; the first layer's from the u8 pixels),
  // db = Σ δ, and below the last layer δ_prev = (δ·Wᵀ) ⊙ [a > 0] in one call.
  for (let l = last; l >= 0; l--) {
    const p = plan[l]!;
    const name = `L${l + 1}`;
    const delta = ptr(`delta${l}`);
    if (l === 0 && sparse) {
      calls.push({
        kernel: 'sparse_backward_weights_u8', label: `${name} dW = aᵀ·δ  sparse u8 ${p.inputs}×${p.outputs}×${rows}`, phase: 'backward',
        flops: 2 * nonzeroPerBatch * p.outputs, bytes: F32 * (nonzeroPerBatch + rows + rows * p.outputs + p.inputs * p.outputs),
        run: () => k.sparse_backward_weights_u8(gradPtr(p.weights), ptr('trainStarts'), ptr('trainEntries'), batch(), delta, rows, p.inputs, p.outputs, 1 / 255, ptr('sparseWorkspace')),
      });
    } else if (l === 0) {
      calls.push({
        kernel: 'dense_backward_weights_u8', label: `${name} dW = aᵀ·δ  u8 ${p.inputs}×${p.outputs}×${rows}`, phase: 'backward',
        flops: 2 * p.inputs * p.outputs * rows, bytes: rows * p.inputs + F32 * (rows * p.outputs + p.inputs * p.outputs),
        run: () => k.dense_backward_weights_u8(gradPtr(p.weights), ptr('trainPixels'), batch(), delta, rows, p.inputs, p.outputs, 1 / 255, ptr('workspace')),
      });
    } else {
      calls.push(gemmCall(k, `${name} dW = aᵀ·δ`, 'backward', 1, 0, p.inputs, p.outputs, rows, ptr(`act${l - 1}`), delta, gradPtr(p.weights)));
    }
    calls.push({
      kernel: 'bias_backward', label: `${name} db = Σ δ  ${rows}×${p.outputs}`, phase: 'backward',
      flops: rows * p.outputs, bytes: F32 * (rows * p.outputs + p.outputs), stream: 'sum',
      run: () => k.bias_backward(gradPtr(p.bias), delta, rows, p.outputs, 0),
    });
    if (l > 0) {
      const previous = ptr(`delta${l - 1}`), act = ptr(`act${l - 1}`);
      calls.push({
        kernel: 'dense_backward_input', label: `${name} δ_prev = (δ·Wᵀ) ⊙ [a > 0]  NT ${rows}×${p.inputs}×${p.outputs}`, phase: 'backward',
        flops: 2 * rows * p.inputs * p.outputs, bytes: F32 * (rows * p.outputs + p.inputs * p.outputs + 2 * rows * p.inputs),
        run: () => k.dense_backward_input(previous, delta, paramPtr(p.weights), act, rows, p.inputs, p.outputs),
      });
    }
  }

  // update: one flat call over all P parameters, as Network.update.
  let step = 0;
  const pp = ptr('params'), gp = ptr('grads'), s1 = ptr('state1'), s2 = ptr('state2');
  if (optimizer === 'sgd') {
    calls.push({ kernel: 'sgd_update', label: `θ −= lr·g  ${P}`, phase: 'update', flops: 2 * P, bytes: 3 * F32 * P, footprint: 2 * F32 * P, run: () => k.sgd_update(pp, gp, P, lr) });
  } else if (optimizer === 'momentum') {
    calls.push({ kernel: 'momentum_update', label: `v = μv + g; θ −= lr·v  ${P}`, phase: 'update', flops: 4 * P, bytes: 5 * F32 * P, footprint: 3 * F32 * P, run: () => k.momentum_update(pp, gp, s1, P, lr, 0.9) });
  } else {
    const { beta1, beta2, epsilon } = ADAM_DEFAULTS;
    calls.push({
      kernel: 'adam_update', label: `Adam m, v, θ  ${P}`, phase: 'update', flops: 16 * P, bytes: 7 * F32 * P, footprint: 4 * F32 * P,
      run: () => k.adam_update(pp, gp, s1, s2, P, lr, beta1, beta2, epsilon, ++step),
    });
  }

  return {
    arena, calls, parameterCount: P, restoreParameters,
    runStep: () => { for (const c of calls) c.run(); },
    dispose: () => arena.dispose(),
  };
}

function gemmCall(k: KernelExports, what: string, phase: Phase, transA: number, transB: number,
  M: number, N: number, K: number, A: number, B: number, C: number): KernelCall {
  const mode = `${transA ? 'T' : 'N'}${transB ? 'T' : 'N'}`;
  return {
    kernel: 'sgemm', label: `${what}  ${mode} ${M}×${N}×${K}`, phase,
    flops: 2 * M * N * K, bytes: F32 * (M * K + K * N + M * N),
    run: () => k.sgemm(transA, transB, M, N, K, A, B, C, 0),
  };
}
