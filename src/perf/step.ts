// One training step of Network.fit (network.ts), replayed kernel by kernel on raw exports so
// each call can be timed on its own: the same calls, in the same order, with the same shapes,
// pointers-into-one-arena and in-place aliasing as fit → forward → loss → backward → update.
// Data are random (He-scaled weights, u8 pixels, labels in range); timing does not depend on them.
import type { KernelExports } from '../abi.js';
import type { Arena, ArenaPlan } from '../arena.js';
import { ADAM_DEFAULTS } from '../kernels.js';
import type { OptimizerName } from '../network.js';
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

/** Builds the arena and the call list of one training step of `config`. */
export function replayTrainingStep(runtime: Runtime, config: StepConfig): ReplayedStep {
  const { layers, batch: rows, optimizer } = config;
  const lr = config.lr ?? (optimizer === 'adam' ? 0.001 : 0.1);
  const pool = Math.max(config.poolImages ?? 60000, rows);
  const inputs = layers[0]!, classes = layers[layers.length - 1]!;
  const plan: Array<{ inputs: number; outputs: number; weights: number; bias: number }> = [];
  let P = 0;
  for (let l = 1; l < layers.length; l++) {
    plan.push({ inputs: layers[l - 1]!, outputs: layers[l]!, weights: P, bias: P + layers[l - 1]! * layers[l]! });
    P += layers[l - 1]! * layers[l]! + layers[l]!;
  }
  const arenaPlan: ArenaPlan = {
    params: [P], grads: [P], state1: [P], state2: [P], backup: [P],
    x: [rows, inputs], labels: { dtype: 'i32', shape: [rows] },
    trainPixels: { dtype: 'u8', shape: [pool, inputs] }, trainLabels: { dtype: 'u8', shape: [pool] },
    order: { dtype: 'i32', shape: [pool] },
  };
  plan.forEach((p, l) => { arenaPlan[`act${l}`] = [rows, p.outputs]; arenaPlan[`delta${l}`] = [rows, p.outputs]; });
  const arena = runtime.createArena(arenaPlan);
  const rng = new Rng(config.seed ?? 0);
  const ptr = (name: string) => arena.tensors[name]!.offset;

  const params = arena.tensor('params', 'f32').view();
  for (const p of plan) {
    const std = Math.sqrt(2 / p.inputs);
    for (let i = 0; i < p.inputs * p.outputs; i++) params[p.weights + i] = rng.normal() * std;
  }
  const pixels = arena.tensor('trainPixels', 'u8').view();
  for (let i = 0; i < pixels.length; i++) pixels[i] = (rng.next() * 256) | 0;
  const labels = arena.tensor('trainLabels', 'u8').view();
  for (let i = 0; i < labels.length; i++) labels[i] = (rng.next() * classes) | 0;
  const order = arena.tensor('order', 'i32').view();
  for (let i = 0; i < pool; i++) order[i] = i;
  rng.shuffle(order);
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
  let batchIndex = 0;
  const paramPtr = (e: number) => ptr('params') + F32 * e;
  const gradPtr = (e: number) => ptr('grads') + F32 * e;

  // data: fit gathers the next batch of the shuffled order (random rows of the resident set).
  calls.push({
    kernel: 'gather_images', label: `x ← pixels[order] (u8→f32)  ${rows}×${inputs}`, phase: 'data',
    flops: rows * inputs, bytes: rows * inputs * (1 + F32) + rows * F32,
    run: () => {
      batchIndex = (batchIndex + 1) % batches;
      k.gather_images(ptr('x'), ptr('trainPixels'), ptr('order') + F32 * rows * batchIndex, rows, inputs, 1 / 255);
    },
  });
  calls.push({
    kernel: 'gather_labels', label: `labels ← labels[order]  ${rows}`, phase: 'data', flops: 0, bytes: rows * (1 + 2 * F32),
    run: () => k.gather_labels(ptr('labels'), ptr('trainLabels'), ptr('order') + F32 * rows * batchIndex, rows),
  });

  // forward: z = a·W (NN), z += b, a' = ReLU(z) or softmax(z), all in place in act_l.
  plan.forEach((p, l) => {
    const input = l === 0 ? ptr('x') : ptr(`act${l - 1}`), out = ptr(`act${l}`);
    const name = `L${l + 1}`;
    calls.push(gemmCall(k, `${name} z = a·W`, 'forward', 0, 0, rows, p.outputs, p.inputs, input, paramPtr(p.weights), out));
    const n = rows * p.outputs;
    calls.push({
      kernel: 'bias_forward', label: `${name} z += b  ${rows}×${p.outputs}`, phase: 'forward',
      flops: n, bytes: F32 * (2 * n + p.outputs), footprint: F32 * (n + p.outputs),
      run: () => k.bias_forward(out, out, paramPtr(p.bias), rows, p.outputs),
    });
    if (l < last) {
      calls.push({
        kernel: 'relu_forward', label: `${name} a = ReLU(z)  ${rows}×${p.outputs}`, phase: 'forward',
        flops: n, bytes: 2 * F32 * n, footprint: F32 * n, run: () => k.relu_forward(out, out, n),
      });
    } else {
      calls.push({
        kernel: 'softmax_forward', label: `${name} p = softmax(z)  ${rows}×${p.outputs}`, phase: 'forward',
        flops: 3 * n, bytes: 2 * F32 * n, footprint: F32 * n, run: () => k.softmax_forward(out, out, rows, p.outputs),
      });
    }
  });

  const probs = ptr(`act${last}`);
  calls.push({
    kernel: 'crossentropy_loss', label: `loss = mean −ln p[label]  ${rows}`, phase: 'loss',
    flops: rows, bytes: 2 * F32 * rows, run: () => { k.crossentropy_loss(probs, ptr('labels'), rows, classes); },
  });
  calls.push({
    kernel: 'count_correct', label: `correct = Σ argmax p = label  ${rows}×${classes}`, phase: 'loss',
    flops: rows * classes, bytes: F32 * (rows * classes + rows), stream: 'sum',
    run: () => { k.count_correct(probs, ptr('labels'), rows, classes); },
  });

  // backward: δ_L = (p − onehot)/rows; per layer from the last: dW = aᵀ·δ (TN), db = Σ δ,
  // and below the first layer's output δ_prev = δ·Wᵀ (NT) masked by ReLU′, in place.
  calls.push({
    kernel: 'softmax_crossentropy_backward', label: `δ${last + 1} = (p − onehot)/${rows}  ${rows}×${classes}`, phase: 'backward',
    flops: rows * classes, bytes: F32 * (2 * rows * classes + rows),
    run: () => k.softmax_crossentropy_backward(ptr(`delta${last}`), probs, ptr('labels'), rows, classes, 1 / rows),
  });
  for (let l = last; l >= 0; l--) {
    const p = plan[l]!;
    const name = `L${l + 1}`;
    const delta = ptr(`delta${l}`);
    const input = l === 0 ? ptr('x') : ptr(`act${l - 1}`);
    calls.push(gemmCall(k, `${name} dW = aᵀ·δ`, 'backward', 1, 0, p.inputs, p.outputs, rows, input, delta, gradPtr(p.weights)));
    calls.push({
      kernel: 'bias_backward', label: `${name} db = Σ δ  ${rows}×${p.outputs}`, phase: 'backward',
      flops: rows * p.outputs, bytes: F32 * (rows * p.outputs + p.outputs), stream: 'sum',
      run: () => k.bias_backward(gradPtr(p.bias), delta, rows, p.outputs, 0),
    });
    if (l > 0) {
      const previous = ptr(`delta${l - 1}`);
      calls.push(gemmCall(k, `${name} δ_prev = δ·Wᵀ`, 'backward', 0, 1, rows, p.inputs, p.outputs, delta, paramPtr(p.weights), previous));
      const n = rows * p.inputs;
      calls.push({
        kernel: 'relu_backward', label: `L${l} δ ⊙= [z > 0]  ${rows}×${p.inputs}`, phase: 'backward',
        flops: n, bytes: 3 * F32 * n, footprint: 2 * F32 * n, run: () => k.relu_backward(previous, previous, input, n),
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
