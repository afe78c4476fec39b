// simdnet's training math against an independent implementation: TensorFlow.js (the `cpu`
// backend, plain JavaScript) through the twin (src/tfjs/twin.ts), which builds the same network with
// the Layers API, the Keras loss and autodiff (tf.variableGrads). Both variants (simd, scalar), two
// architectures (one and two hidden layers), identical weights, real MNIST images.
//
// Tolerances. u = 2⁻²⁴. The engines differ only in rounding: summation order (simdnet's K-panelled
// SIMD lanes vs tfjs-cpu's in-order loops), simdnet's fused softmax-cross-entropy gradient vs tfjs's
// chain through clip, renormalisation, log and softmax, and f64 vs f32 loss accumulation. The test
// batch keeps every label probability inside [1e-7, 1−1e-7] (checked), where the two losses are
// the same function (see twin.ts for what differs outside).
//   loss       |Δ| ≤ (rows + 10)·u·max(1, loss): tfjs sums rows f32 terms in order, whose worst-case
//              error is (rows−1)·u·Σ|terms|/rows = (rows−1)·u·loss, plus a few u per log/softmax.
//   gradients  per tensor, max|Δ| ≤ 1e-6 + 1e-4·max|g|. Each element is a sum of K ≤ 64 products
//              whose factors carry a few u of relative error, so the first-order bound is about
//              (K + 10)·u·Σ|terms| ≈ 4.4e-6·Σ|terms|; 1e-4·max|g| allows Σ|terms| up to ~20·max|g|
//              (cancellation), and 1e-6 covers tensors whose entries nearly all cancel. Measured:
//              ≤ 3e-8. A single changed label in the 64-row batch moves the gradients by ~1e-2:
//              the test checks that the tolerance rejects it.
//   weights    after k = 5 steps, max|Δ| ≤ 1e-6 + 1e-5·max|w|: each step rounds the update once or
//              twice per engine (≤ 2u·|w|) and carries lr·Δg; Adam's update lr·m̂/(√v̂ + ε) is scale
//              free, so a relative gradient difference δ moves it by ≲ 2δ·lr. Measured: ≤ 7e-7 (Adam).
import { before, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { VARIANTS } from '../../src/abi.js';
import { subset, type Dataset } from '../../src/data/dataset.js';
import { loadMnist } from '../../src/data/mnist.js';
import { loadSimdnet } from '../../src/loader.node.js';
import { Network, type OptimizerName } from '../../src/network.js';
import type { Runtime } from '../../src/runtime.js';
import { planSchedule, scheduleSteps } from '../../src/schedule.js';
import { TfjsTwin, scalePixels, useTfjsBackend } from '../../src/tfjs/twin.js';
import { unsupportedReason } from './reference.js';

const U = 2 ** -24;
const ROWS = 64;
const ARCHITECTURES = [
  [784, 10, 10],
  [784, 32, 16, 10],
] as const;
const OPTIMIZERS: Array<{ name: OptimizerName; lr: number }> = [
  { name: 'sgd', lr: 0.1 },
  { name: 'momentum', lr: 0.05 },
  { name: 'adam', lr: 0.001 },
];
const K_STEPS = 5;

const gradientTolerance = (maxRef: number) => 1e-6 + 1e-4 * maxRef;
const weightTolerance = (maxRef: number) => 1e-6 + 1e-5 * maxRef;
const lossTolerance = (rows: number, loss: number) => (rows + 10) * U * Math.max(1, Math.abs(loss));

let train: Dataset;
let batch: { x: Float32Array; y: Uint8Array };

before(async () => {
  ({ train } = await loadMnist());
  const first = 1000; // real images, away from the start of the file
  batch = {
    x: scalePixels(new Float32Array(ROWS * 784), train.pixels.subarray(first * 784, (first + ROWS) * 784)),
    y: train.labels.slice(first, first + ROWS),
  };
  const info = await useTfjsBackend('cpu');
  assert.equal(info.name, 'cpu');
});

interface TensorDiff {
  name: string;
  maxdiff: number;
  maxRef: number;
  tolerance: number;
}

/** Per-layer W and b differences between two flat parameter-layout arrays. */
function diffTensors(
  layers: readonly number[],
  ours: Float32Array,
  ref: Float32Array,
  prefix: string,
  tolerance: (maxRef: number) => number,
): TensorDiff[] {
  assert.equal(ours.length, ref.length, 'flat lengths differ');
  const diffs: TensorDiff[] = [];
  let at = 0;
  for (let l = 1; l < layers.length; l++) {
    const sizes = [
      ['W', layers[l - 1]! * layers[l]!],
      ['b', layers[l]!],
    ] as const;
    for (const [kind, size] of sizes) {
      let maxdiff = 0,
        maxRef = 0;
      for (let i = at; i < at + size; i++) {
        maxdiff = Math.max(maxdiff, Math.abs(ours[i]! - ref[i]!));
        maxRef = Math.max(maxRef, Math.abs(ref[i]!));
      }
      diffs.push({ name: `${prefix}${kind}${l}`, maxdiff, maxRef, tolerance: tolerance(maxRef) });
      at += size;
    }
  }
  return diffs;
}

/** llm.c style: one `OK, maxdiff = …` (or `NOT OK`) line per tensor, then one assertion naming every failure. */
function expectTensorsClose(t: TestContext, label: string, diffs: TensorDiff[]): void {
  for (const d of diffs) {
    t.diagnostic(
      `${label} ${d.name}: ${d.maxdiff <= d.tolerance ? 'OK' : 'NOT OK'}, maxdiff = ${d.maxdiff.toExponential(2)} (tolerance ${d.tolerance.toExponential(2)}, max|ref| ${d.maxRef.toExponential(2)})`,
    );
  }
  const bad = diffs.filter((d) => !(d.maxdiff <= d.tolerance));
  assert.equal(
    bad.length,
    0,
    `${label}: ${bad.map((d) => `${d.name} maxdiff ${d.maxdiff.toExponential(3)} > tolerance ${d.tolerance.toExponential(3)}`).join('; ')}`,
  );
}

describe('the batch schedule the twin replays', () => {
  it("has Network.fit's shape: full batches then a partial one, a permutation per epoch, reshuffled from the previous order", () => {
    const schedule = planSchedule(80, { batchSize: 32, iterations: 5, seed: 7 });
    assert.deepEqual({ ...schedule }, { batch: 32, stepsPerEpoch: 3, totalSteps: 5, shuffle: true, seed: 7 });
    const replay = () => {
      const out: Array<{ epoch: number; indices: number[] }> = [];
      for (const s of scheduleSteps(80, schedule)) out.push({ epoch: s.epoch, indices: Array.from(s.indices) }); // views: copy now
      return out;
    };
    const steps = replay();
    assert.deepEqual(
      steps.map((s) => s.indices.length),
      [32, 32, 16, 32, 32],
    );
    assert.deepEqual(
      steps.map((s) => s.epoch),
      [1, 1, 1, 2, 2],
    );
    const epoch1 = steps.slice(0, 3).flatMap((s) => s.indices);
    assert.deepEqual(
      [...epoch1].sort((a, b) => a - b),
      Array.from({ length: 80 }, (_, i) => i),
    );
    assert.notDeepEqual(steps[3]!.indices, steps[0]!.indices);
    assert.deepEqual(replay(), steps);
    assert.equal(planSchedule(80, { batchSize: 'full', seed: 0 }).shuffle, false);
    assert.throws(
      () => planSchedule(80, { batchSize: 81, seed: 0 }),
      /batchSize must be an integer in \[1, 80\], got 81/,
    );
    assert.throws(() => planSchedule(80, { epochs: 1, iterations: 1, seed: 0 }), /not both/);
  });
});

describe("the twin's two training modes", () => {
  for (const { name, lr } of [OPTIMIZERS[0]!, OPTIMIZERS[2]!]) {
    // The same kernels on the same batches in the same order: the weights agree bit for bit.
    it(`${name}: optimizer.minimize per batch ('step') and model.fit on the pre-arranged epoch ('fit') give the same weights`, async () => {
      const data = subset(train, 0, 80);
      const start = new Float32Array(784 * 16 + 16 + 16 * 10 + 10).map((_, i) => Math.sin(i) * 0.05);
      const [step, fit] = [
        TfjsTwin.fromParameters([784, 16, 10], start, 9),
        TfjsTwin.fromParameters([784, 16, 10], start, 9),
      ];
      try {
        const a: number[] = [],
          b: number[] = [];
        await step.fit(data, {
          optimizer: name,
          lr,
          batchSize: 32,
          iterations: K_STEPS,
          mode: 'step',
          onStep: (s) => a.push(s.loss),
        });
        const result = await fit.fit(data, {
          optimizer: name,
          lr,
          batchSize: 32,
          iterations: K_STEPS,
          mode: 'fit',
          onStep: (s) => b.push(s.loss),
        });
        assert.equal(result.mode, 'fit');
        assert.equal(b.length, K_STEPS);
        a.forEach((loss, k) =>
          assert.ok(Math.abs(loss - b[k]!) <= lossTolerance(32, loss), `step ${k + 1}: ${loss} vs ${b[k]}`),
        );
        assert.deepEqual(fit.getParameters(), step.getParameters());
      } finally {
        step.dispose();
        fit.dispose();
      }
    });
  }
});

for (const variant of VARIANTS) {
  describe(`simdnet-${variant} against tfjs-cpu`, { skip: unsupportedReason(variant) }, () => {
    let runtime: Runtime;
    before(async () => {
      runtime = await loadSimdnet({ variant });
    });

    for (const layers of ARCHITECTURES) {
      const arch = `[${layers.join(',')}]`;

      it(`${arch}: the loss and every gradient tensor of ${ROWS} MNIST images match tf.variableGrads`, (t) => {
        const net = Network.create(runtime, { layers, init: 'he', seed: 1 });
        const twin = TfjsTwin.fromParameters(net.layers, net.getParameters());
        try {
          // Precondition: no label probability at tfjs's clip bounds, where the two losses differ.
          const { probabilities } = net.predict(batch.x);
          for (let r = 0; r < ROWS; r++) {
            const p = probabilities[r * 10 + batch.y[r]!]!;
            assert.ok(p > 1e-7 && p < 1 - 1e-7, `row ${r}: p_label = ${p} is at tfjs's clip bounds`);
          }
          const ours = net.computeGradients(batch.x, batch.y);
          const ref = twin.computeGradients(batch.x, batch.y);
          const lossDiff = Math.abs(ours.loss - ref.loss),
            lossTol = lossTolerance(ROWS, ref.loss);
          t.diagnostic(
            `${variant} ${arch} loss: ${lossDiff <= lossTol ? 'OK' : 'NOT OK'}, ours ${ours.loss.toFixed(8)} tfjs ${ref.loss.toFixed(8)}, maxdiff = ${lossDiff.toExponential(2)} (tolerance ${lossTol.toExponential(2)})`,
          );
          assert.ok(lossDiff <= lossTol, `loss ${ours.loss} vs tfjs ${ref.loss}: |Δ| = ${lossDiff} > ${lossTol}`);
          expectTensorsClose(
            t,
            `${variant} ${arch}`,
            diffTensors(layers, ours.gradients, ref.gradients, 'd', gradientTolerance),
          );
        } finally {
          twin.dispose();
          net.dispose();
        }
      });

      it(`${arch}: the gradient tolerance rejects the gradient of a batch with one label changed`, () => {
        const net = Network.create(runtime, { layers, init: 'he', seed: 1 });
        const twin = TfjsTwin.fromParameters(net.layers, net.getParameters());
        try {
          const ours = net.computeGradients(batch.x, batch.y);
          const changed = batch.y.slice();
          changed[17] = (changed[17]! + 1) % 10;
          const ref = twin.computeGradients(batch.x, changed);
          const diffs = diffTensors(layers, ours.gradients, ref.gradients, 'd', gradientTolerance);
          const last = diffs.slice(-2); // the output layer's dW and db see the label directly
          for (const d of last)
            assert.ok(
              d.maxdiff > 10 * d.tolerance,
              `${d.name}: maxdiff ${d.maxdiff} is not far above tolerance ${d.tolerance}`,
            );
        } finally {
          twin.dispose();
          net.dispose();
        }
      });

      for (const { name, lr } of OPTIMIZERS) {
        it(`${arch}: ${name} — per-step losses and the weights after ${K_STEPS} steps on the same batches in the same order match`, async (t) => {
          const data = subset(train, 0, 80); // batch 32: steps of 32, 32, 16, then a reshuffled epoch
          const net = Network.create(runtime, { layers, init: 'he', seed: 3 });
          const twin = TfjsTwin.fromParameters(net.layers, net.getParameters(), net.seed);
          try {
            const ourLosses: number[] = [],
              refLosses: number[] = [];
            net.fit(data, {
              optimizer: name,
              lr,
              batchSize: 32,
              iterations: K_STEPS,
              onStep: (s) => ourLosses.push(s.loss),
            });
            const result = await twin.fit(data, {
              optimizer: name,
              lr,
              batchSize: 32,
              iterations: K_STEPS,
              onStep: (s) => refLosses.push(s.loss),
            });
            assert.equal(result.steps, K_STEPS);
            assert.equal(refLosses.length, K_STEPS);
            ourLosses.forEach((loss, k) => {
              const rows = k % 3 === 2 ? 16 : 32;
              const diff = Math.abs(loss - refLosses[k]!);
              assert.ok(
                diff <= lossTolerance(rows, loss),
                `step ${k + 1}: loss ${loss} vs tfjs ${refLosses[k]} (|Δ| = ${diff}): the batches differ?`,
              );
            });
            t.diagnostic(
              `${variant} ${arch} ${name}: per-step losses OK, max |Δ| = ${Math.max(...ourLosses.map((l, k) => Math.abs(l - refLosses[k]!))).toExponential(2)}`,
            );
            expectTensorsClose(
              t,
              `${variant} ${arch} ${name} after ${K_STEPS} steps`,
              diffTensors(layers, net.getParameters(), twin.getParameters(), '', weightTolerance),
            );
          } finally {
            twin.dispose();
            net.dispose();
          }
        });
      }
    }
  });
}
