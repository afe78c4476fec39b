// Sparse inference: evaluate and predict on u8 pixels read the first layer from sparse rows when
// fit's rule says so (pixelFormat 'auto'), or when told ('sparse'). The sparse first-layer kernel is
// bit for bit the dense u8 kernel's scalar twin (sparse.test.ts), so every probability, class, loss
// and accuracy must be bit for bit the same in both formats, in every variant and thread count: on
// real MNIST test digits at the MLP's shapes, and on swept widths and row counts around the
// 512-row staging chunk.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  countNonzero,
  loadMnist,
  Network,
  sparseByDefault,
  subset,
  type Dataset,
  type Runtime,
} from '../../src/index.node.js';
import { forEachVariant, Rng, runtimeFor } from './reference.js';

/** `rows` rows of `inputs` bytes, `zeros` of them zero on average. */
function pixelsOf(rng: Rng, rows: number, inputs: number, zeros: number): Uint8Array {
  const pixels = new Uint8Array(rows * inputs);
  for (let i = 0; i < pixels.length; i++) pixels[i] = rng.next() < zeros ? 0 : 1 + rng.int(255);
  return pixels;
}

function datasetOf(rng: Rng, pixels: Uint8Array, inputs: number, classes: number): Dataset {
  const count = pixels.length / inputs;
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) labels[i] = rng.int(classes);
  return { pixels, labels, count, rows: 1, cols: inputs };
}

/** The first index where two arrays' bit patterns differ, or -1. */
function firstBitDifference(a: Float32Array, b: Float32Array): number {
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length),
    y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  if (x.length !== y.length) return 0;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return i;
  return -1;
}

/**
 * Predicts and evaluates `data` in every pixel format. The sparse figures are the same bit for bit
 * (but the loss's last bits) on every thread count of a build; on the scalar build, where the dense u8 kernel is the scalar
 * twin the sparse one equals, they are bit for bit the dense figures too; the SIMD dense u8 kernel
 * sums in its own order (within dense.test.ts's bound), so there they are close.
 */
async function expectFormatsAgree(runtime: Runtime, layers: number[], data: Dataset, what: string): Promise<void> {
  const oneThread = runtime.threads === 1 ? runtime : await runtimeFor(runtime.variant);
  const reference = Network.create(oneThread, { layers, init: 'uniform', seed: 7 });
  const net = Network.create(runtime, { layers, init: 'uniform', seed: 7 });
  const exact = runtime.variant === 'scalar';
  try {
    const sparse = reference.predict(data.pixels, { pixelFormat: 'sparse' });
    const sparseEval = reference.evaluate(data, { pixelFormat: 'sparse' });
    const dense = net.predict(data.pixels, { pixelFormat: 'dense' });
    const denseEval = net.evaluate(data, { pixelFormat: 'dense' });
    for (const pixelFormat of ['sparse', 'auto', undefined] as const) {
      const form = pixelFormat ?? 'default';
      const other = net.predict(data.pixels, pixelFormat && { pixelFormat });
      const evaluation = net.evaluate(data, pixelFormat && { pixelFormat });
      if (pixelFormat === 'sparse') {
        const at = firstBitDifference(sparse.probabilities, other.probabilities);
        assert.equal(
          at,
          -1,
          `${what}, layers ${layers.join('-')}: probability ${at} is ${sparse.probabilities[at]} on one thread, ${other.probabilities[at]} on ${runtime.threads}`,
        );
        // The threads' shares of the loss add up in another order (f64 partial sums).
        assert.equal(evaluation.accuracy, sparseEval.accuracy, `${what}: sparse accuracy, ${runtime.threads} threads`);
        assert.ok(
          Math.abs(evaluation.loss - sparseEval.loss) <= 1e-9 * sparseEval.loss,
          `${what}: sparse loss ${evaluation.loss} on ${runtime.threads} threads, ${sparseEval.loss} on one`,
        );
      }
      if (
        exact ||
        (pixelFormat !== 'sparse' && !sparseByDefault(countNonzero(data.pixels), data.pixels.length, layers[0]!))
      ) {
        const at = firstBitDifference(dense.probabilities, other.probabilities);
        assert.equal(
          at,
          -1,
          `${what}, layers ${layers.join('-')}: probability ${at} is ${dense.probabilities[at]} dense, ${other.probabilities[at]} ${form}`,
        );
        assert.deepEqual(other.classes, dense.classes, `${what}: classes, ${form}`);
        assert.deepEqual(evaluation, denseEval, `${what}: evaluation, ${form}`);
      } else {
        for (let i = 0; i < dense.probabilities.length; i++) {
          if (!(Math.abs(dense.probabilities[i]! - other.probabilities[i]!) <= 1e-5))
            assert.fail(
              `${what}, layers ${layers.join('-')}: probability ${i} is ${dense.probabilities[i]} dense, ${other.probabilities[i]} ${form}`,
            );
        }
        assert.ok(
          Math.abs(evaluation.loss - denseEval.loss) <= 1e-5 * Math.max(1, denseEval.loss),
          `${what}: loss ${evaluation.loss} ${form}, ${denseEval.loss} dense`,
        );
      }
    }
  } finally {
    net.dispose();
    reference.dispose();
  }
}

const mnist = loadMnist();

forEachVariant((context) => {
  describe('sparse inference', () => {
    it('predict and evaluate are bit for bit the same sparse and dense on 1100 MNIST test digits', async () => {
      const { test } = await mnist;
      // 1100 rows: two whole 512-row chunks and a partial one.
      const digits = subset(test, 0, 1100);
      for (const layers of [
        [784, 128, 10],
        [784, 10, 10],
        [784, 10],
      ])
        await expectFormatsAgree(context.runtime, layers, digits, 'MNIST');
    });

    it('predict and evaluate agree for swept widths, row counts and densities', async () => {
      const rng = new Rng(15);
      for (const layers of [
        [1, 2],
        [3, 5, 2],
        [17, 8, 3],
        [33, 16, 4],
        [64, 20, 10],
      ]) {
        for (const rows of [1, 7, 511, 513]) {
          // Mostly zero (auto picks sparse), all zero rows, and no zero byte (auto picks dense).
          for (const zeros of [0.8, 1, 0]) {
            const pixels = pixelsOf(rng, rows, layers[0]!, zeros);
            await expectFormatsAgree(
              context.runtime,
              layers,
              datasetOf(rng, pixels, layers[0]!, layers.at(-1)!),
              `${rows} rows ${zeros * 100} % zero`,
            );
          }
        }
      }
    });

    it('evaluate packs a set once and follows the set and the format it is given', async () => {
      const { test } = await mnist;
      const rng = new Rng(3);
      const digits = subset(test, 0, 600),
        others = subset(test, 600, 300);
      // No zero byte: auto reads it dense, 'sparse' still packs it.
      const full = datasetOf(rng, pixelsOf(rng, 300, 784, 0), 784, 10);
      const net = Network.create(context.runtime, { layers: [784, 32, 10], init: 'uniform', seed: 3 });
      const fresh = (data: Dataset, pixelFormat: 'dense' | 'sparse') => {
        const other = Network.create(context.runtime, { layers: [784, 32, 10], init: 'uniform', seed: 3 });
        try {
          return other.evaluate(data, { pixelFormat });
        } finally {
          other.dispose();
        }
      };
      try {
        const first = net.evaluate(digits);
        assert.deepEqual(net.evaluate(others), fresh(others, 'sparse'), 'a second set');
        assert.deepEqual(net.evaluate(digits), first, 'the first set again');
        assert.deepEqual(
          net.evaluate(full, { pixelFormat: 'sparse' }),
          fresh(full, 'sparse'),
          'dense pixels forced sparse',
        );
        assert.deepEqual(net.evaluate(full), fresh(full, 'dense'), 'dense pixels, auto, after forced sparse');
      } finally {
        net.dispose();
      }
    });

    it('refuses an unknown pixelFormat and options that are not an object, naming them', () => {
      const net = Network.create(context.runtime, { layers: [4, 2] });
      try {
        const pixels = new Uint8Array(8);
        assert.throws(
          () => net.predict(pixels, { pixelFormat: 'packed' as never }),
          /predict: unknown pixelFormat "packed"; use one of auto, dense, sparse/,
        );
        assert.throws(
          () => net.evaluate(datasetOf(new Rng(1), pixels, 4, 2), { pixelFormat: 'csr' as never }),
          /evaluate: unknown pixelFormat "csr"/,
        );
        assert.throws(() => net.predict(pixels, 3 as never), /predict: options must be an object, got number 3/);
      } finally {
        net.dispose();
      }
    });
  });
});
