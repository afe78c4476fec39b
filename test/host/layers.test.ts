// The layer kinds beyond ReLU/softmax Dense — Dense with linear, sigmoid and tanh; Activation;
// Dropout; Flatten; a logits output — against TensorFlow.js (cpu backend): the same network
// written in tf ops, identical weights and batch of real MNIST images, loss and every gradient
// through tf.grads. Dropout's mask comes from an independent JS copy of the kernel's hash (the mask
// is a documented function of seed and element index), so its gradient is checked the same way.
// Tolerances as in tfjs-oracle.test.ts: gradients max|Δ| ≤ 1e-6 + 1e-4·max|g| per tensor, loss
// (rows + 10)·u·max(1, loss).
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { VARIANTS } from '../../src/abi.js';
import { crc32, decodeCheckpoint, encodeCheckpoint } from '../../src/checkpoint.js';
import { subset, type Dataset } from '../../src/data/dataset.js';
import { loadMnist } from '../../src/data/mnist.js';
import { SimdnetError } from '../../src/errors.js';
import { loadSimdnet } from '../../src/loader.node.js';
import { Network, type LayerSpec, type NetworkSpec } from '../../src/network.js';
import type { Runtime } from '../../src/runtime.js';
import { scalePixels, useTfjsBackend } from '../../src/tfjs/twin.js';

const U = 2 ** -24;
const ROWS = 48;

const ARCHITECTURES: Record<string, NetworkSpec> = {
  'tanh and sigmoid Dense, logits out': [
    { type: 'input', shape: [784] },
    { type: 'dense', units: 24, activation: 'tanh' },
    { type: 'dense', units: 16, activation: 'sigmoid' },
    { type: 'dense', units: 10 },
  ],
  'Keras MNIST: Flatten, Dense relu, Dropout, logits': [
    { type: 'input', shape: [28, 28] },
    { type: 'flatten' },
    { type: 'dense', units: 32, activation: 'relu' },
    { type: 'dropout', rate: 0.2 },
    { type: 'dense', units: 10 },
  ],
  'separate Activation layers, Dropout between them, softmax Activation': [
    { type: 'input', shape: [784] },
    { type: 'dense', units: 24 },
    { type: 'activation', activation: 'relu' },
    { type: 'dropout', rate: 0.5 },
    { type: 'dense', units: 20, activation: 'relu' },
    { type: 'activation', activation: 'sigmoid' },
    { type: 'dense', units: 16, activation: 'relu' },
    { type: 'activation', activation: 'tanh' },
    { type: 'dense', units: 10 },
    { type: 'activation', activation: 'softmax' },
  ],
  'a linear Activation between a relu Dense and a Dropout': [
    { type: 'input', shape: [784] },
    { type: 'dense', units: 24, activation: 'relu' },
    { type: 'activation', activation: 'linear' },
    { type: 'dropout', rate: 0.4 },
    { type: 'dense', units: 10 },
  ],
  'two Dropouts of one width draw different masks': [
    { type: 'input', shape: [784] },
    { type: 'dense', units: 16, activation: 'relu' },
    { type: 'dropout', rate: 0.3 },
    { type: 'dense', units: 16, activation: 'tanh' },
    { type: 'dropout', rate: 0.3 },
    { type: 'dense', units: 10, activation: 'softmax' },
  ],
};

// The kernel's mask (assembly/dropout.ts): element k kept when lowbias32(lowbias32((k ⊕ seed)) + key) ≥ ⌊rate·2³²⌋.
function lowbias32(x: number): number {
  x = (x ^ (x >>> 16)) >>> 0;
  x = Math.imul(x, 0x7feb352d) >>> 0;
  x = (x ^ (x >>> 15)) >>> 0;
  x = Math.imul(x, 0x846ca68b) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}
function dropoutMask(seed: number, n: number, rate: number): Float32Array {
  const key = lowbias32((seed ^ 0x9e3779b9) >>> 0),
    threshold = Math.floor(rate * 2 ** 32) >>> 0;
  const mask = new Float32Array(n);
  for (let k = 0; k < n; k++) mask[k] = lowbias32((lowbias32((k ^ seed) >>> 0) + key) >>> 0) >= threshold ? 1 : 0;
  return mask;
}

function activate(x: tf.Tensor, activation: string): tf.Tensor {
  if (activation === 'relu') return tf.relu(x);
  if (activation === 'sigmoid') return tf.sigmoid(x);
  if (activation === 'tanh') return tf.tanh(x);
  return x; // linear, and softmax at the end: the loss takes the logits
}

/** The spec in tf ops: loss and the gradient of every Dense kernel and bias, in simdnet's flat order. */
function tfReference(spec: NetworkSpec, params: Float32Array, x: Float32Array, y: Uint8Array) {
  const layers = spec.slice(1) as LayerSpec[];
  const tensors: tf.Tensor[] = [];
  let width = 784,
    at = 0;
  for (const layer of layers) {
    if (layer.type !== 'dense') continue;
    tensors.push(tf.tensor2d(params.subarray(at, at + width * layer.units), [width, layer.units]));
    at += width * layer.units;
    tensors.push(tf.tensor1d(params.subarray(at, at + layer.units)));
    at += layer.units;
    width = layer.units;
  }
  const input = tf.tensor2d(x, [ROWS, 784]);
  const onehot = tf.oneHot(tf.tensor1d(y, 'int32'), 10);
  const lossOf = (...weights: tf.Tensor[]): tf.Scalar => {
    let a: tf.Tensor = input,
      w = 0;
    layers.forEach((layer, l) => {
      if (layer.type === 'dense') {
        a = activate(
          tf.add(tf.matMul(a as tf.Tensor2D, weights[w] as tf.Tensor2D), weights[w + 1]!),
          layer.activation!,
        );
        w += 2;
      } else if (layer.type === 'activation') a = activate(a, layer.activation);
      else if (layer.type === 'dropout') {
        const mask = dropoutMask(l, a.size, layer.rate);
        a = tf.mul(a, tf.tensor(mask, a.shape)).mul(1 / (1 - layer.rate));
      }
    });
    return tf.losses.softmaxCrossEntropy(onehot, a) as tf.Scalar;
  };
  const { value, grads } = tf.valueAndGrads(lossOf)(tensors);
  return { loss: value.dataSync()[0]!, grads: grads.map((g) => g.dataSync() as Float32Array) };
}

let images: Dataset;
let batch: { x: Float32Array; y: Uint8Array };
const runtimes: Partial<Record<(typeof VARIANTS)[number], Runtime>> = {};

before(async () => {
  const { test } = await loadMnist();
  images = test;
  const first = 2000;
  batch = {
    x: scalePixels(new Float32Array(ROWS * 784), test.pixels.subarray(first * 784, (first + ROWS) * 784)),
    y: test.labels.slice(first, first + ROWS),
  };
  await useTfjsBackend('cpu');
  for (const variant of ['simd', 'scalar'] as const) runtimes[variant] = await loadSimdnet({ variant });
});

/** Small biases so no gradient is trivially zero (He init leaves them at 0). */
function withBiases(net: Network): Float32Array {
  const params = net.getParameters();
  for (let i = 0; i < params.length; i++) params[i]! += 0.01 * Math.sin(i);
  net.setParameters(params);
  return params;
}

describe('new layer kinds: loss and gradients against tf.grads', () => {
  for (const [name, spec] of Object.entries(ARCHITECTURES)) {
    for (const variant of ['simd', 'scalar'] as const) {
      it(`${name} (${variant})`, () => {
        const net = Network.create(runtimes[variant]!, { layers: spec, seed: 3 });
        const params = withBiases(net);
        const ours = net.computeGradients(batch.x, batch.y);
        const ref = tfReference(spec, params, batch.x, batch.y);
        assert.ok(
          Math.abs(ours.loss - ref.loss) <= (ROWS + 10) * U * Math.max(1, ref.loss),
          `loss ${ours.loss} vs tf ${ref.loss}`,
        );
        let at = 0;
        ref.grads.forEach((g, t) => {
          let maxdiff = 0,
            maxRef = 0;
          for (let i = 0; i < g.length; i++) {
            maxdiff = Math.max(maxdiff, Math.abs(ours.gradients[at + i]! - g[i]!));
            maxRef = Math.max(maxRef, Math.abs(g[i]!));
          }
          assert.ok(maxRef > 0, `tensor ${t}: the reference gradient is all zero`);
          assert.ok(maxdiff <= 1e-6 + 1e-4 * maxRef, `tensor ${t}: maxdiff ${maxdiff} (max|g| ${maxRef})`);
          at += g.length;
        });
        assert.equal(at, ours.gradients.length);
        net.dispose();
      });
    }
  }
});

describe('Dropout at the network level', () => {
  // input → Dense(n) with W = I, b = 0 → Dropout → Dense(2): for one row of ones, the last kernel's
  // gradient column c is a·δ_c and its bias gradient δ_c, so a = dW[:,0]/db[0] is the dropout output.
  const n = 4096;
  function dropoutOutput(runtime: Runtime, rate: number): Float32Array {
    const spec: NetworkSpec = [
      { type: 'input', shape: [n] },
      { type: 'dense', units: n },
      { type: 'dropout', rate },
      { type: 'dense', units: 2 },
    ];
    const net = Network.create(runtime, { layers: spec, seed: 1 });
    const params = new Float32Array(net.parameterCount);
    for (let i = 0; i < n; i++) params[i * n + i] = 1;
    params.fill(0.001, n * n + n); // a small second layer keeps the softmax away from saturation
    net.setParameters(params);
    const { gradients } = net.computeGradients(new Float32Array(n).fill(1), [1]);
    net.dispose();
    const dW = gradients.subarray(n * n + n, n * n + n + 2 * n),
      db0 = gradients[n * n + n + 2 * n]!;
    return Float32Array.from({ length: n }, (_, i) => dW[2 * i]! / db0);
  }

  for (const rate of [0.1, 0.5, 0.8]) {
    it(`rate ${rate}: the rate is respected, kept values are scaled by 1/(1 − rate), the mean is preserved`, () => {
      const a = dropoutOutput(runtimes.simd!, rate);
      const kept = a.filter((v) => v !== 0);
      const keptFraction = kept.length / n;
      // Binomial: 4 standard deviations of the kept fraction.
      const sd = Math.sqrt((rate * (1 - rate)) / n);
      assert.ok(Math.abs(keptFraction - (1 - rate)) < 4 * sd, `kept ${keptFraction}, expected ${1 - rate} ± ${4 * sd}`);
      for (const v of kept) assert.ok(Math.abs(v - 1 / (1 - rate)) < 1e-4, `kept value ${v}`);
      const mean = a.reduce((s, v) => s + v, 0) / n;
      assert.ok(Math.abs(mean - 1) < (4 * sd) / (1 - rate), `mean ${mean}`);
      assert.deepEqual(dropoutOutput(runtimes.scalar!, rate), a, 'the scalar build draws the same mask');
    });
  }

  const mnistDropout: NetworkSpec = [
    { type: 'input', shape: [28, 28] },
    { type: 'flatten' },
    { type: 'dense', units: 32, activation: 'relu' },
    { type: 'dropout', rate: 0.3 },
    { type: 'dense', units: 10 },
  ];
  const train = () => subset(images, 0, 512);

  it('fit: the same seed gives the same masks (same weights), another seed others', () => {
    const run = (seed: number) => {
      const net = Network.create(runtimes.simd!, { layers: mnistDropout, seed: 5 });
      net.fit(train(), { epochs: 1, batchSize: 64, seed, lr: 0.05 });
      const params = net.getParameters();
      net.dispose();
      return params;
    };
    const a = run(7);
    assert.deepEqual(run(7), a);
    assert.notDeepEqual(run(8), a);
  });

  it('is the identity in evaluate and predict: the same results as the network without it', () => {
    const withDropout = Network.create(runtimes.simd!, { layers: mnistDropout, seed: 5 });
    withDropout.fit(train(), { epochs: 1, batchSize: 64, lr: 0.05 });
    const without = Network.create(runtimes.simd!, {
      layers: mnistDropout.filter((l) => l.type !== 'dropout') as NetworkSpec,
    });
    without.setParameters(withDropout.getParameters());
    const x = images.pixels.subarray(0, 100 * 784);
    const p = withDropout.predict(x),
      q = without.predict(x);
    assert.deepEqual(p.probabilities, q.probabilities);
    assert.deepEqual(p.logits, q.logits);
    assert.deepEqual(withDropout.evaluate(train()), without.evaluate(train()));
    withDropout.dispose();
    without.dispose();
  });
});

describe('layer specs in checkpoints', () => {
  it('a spec network round-trips through version 2; a Dense stack still writes version 1', () => {
    const spec = ARCHITECTURES['separate Activation layers, Dropout between them, softmax Activation']!;
    const net = Network.create(runtimes.simd!, { layers: spec, seed: 2 });
    const bytes = net.toBytes();
    assert.equal(new DataView(bytes.buffer).getUint32(4, true), 2);
    const back = Network.fromBytes(runtimes.simd!, bytes);
    assert.deepEqual(back.spec, net.spec);
    assert.deepEqual(back.layers, [784, 24, 20, 16, 10]);
    assert.deepEqual(back.getParameters(), net.getParameters());
    const x = images.pixels.subarray(0, 20 * 784);
    assert.deepEqual(back.predict(x), net.predict(x));
    const dense = Network.create(runtimes.simd!, { layers: [784, 16, 10] });
    assert.equal(new DataView(dense.toBytes().buffer).getUint32(4, true), 1);
    // A spec that does not check is damage, named.
    const json = new TextDecoder().decode(bytes.subarray(12, 12 + new DataView(bytes.buffer).getUint32(8, true)));
    const broken = bytes.slice();
    broken.set(new TextEncoder().encode(json.replace('"tanh"', '"tanx"')), 12);
    assert.throws(
      () => Network.fromBytes(runtimes.simd!, broken),
      (e: Error & { code?: string }) => e.code === 'CHECKPOINT_CORRUPT' && /tanx/.test(e.message),
    );
    for (const n of [net, back, dense]) n.dispose();
  });

  it('Network.create refuses specs it cannot run, naming the layer', () => {
    const cases: Array<[unknown[], RegExp]> = [
      [
        [
          { type: 'input', shape: [28, 28] },
          { type: 'dense', units: 10 },
        ],
        /layers\[1\] \(dense\).*flatten/,
      ],
      [
        [
          { type: 'input', shape: [4] },
          { type: 'dropout', rate: 0.5 },
          { type: 'dense', units: 2 },
        ],
        /layers\[1\]/,
      ],
      [
        [
          { type: 'input', shape: [4] },
          { type: 'dense', units: 2, activation: 'relu' },
        ],
        /layers\[1\].*linear or softmax/,
      ],
      [
        [
          { type: 'input', shape: [4] },
          { type: 'dense', units: 3, activation: 'softmax' },
          { type: 'dense', units: 2 },
        ],
        /layers\[1\].*softmax/,
      ],
      [
        [
          { type: 'input', shape: [4] },
          { type: 'dense', units: 2 },
          { type: 'dropout', rate: 0.1 },
        ],
        /layers\[2\] \(dropout\)/,
      ],
      [
        [
          { type: 'input', shape: [4] },
          { type: 'dense', units: 2 },
          { type: 'dropout', rate: 1 },
        ],
        /layers\[2\]\.rate/,
      ],
      [[{ type: 'input', shape: [4] }, { type: 'conv2d' }], /layers\[1\].*dense, activation, dropout, flatten/],
      [
        [
          { type: 'input', shape: [4] },
          { type: 'dense', units: 2, activaton: 'relu' },
        ],
        /layers\[1\] \(dense\) has an unknown field "activaton"; it takes units, activation/,
      ],
    ];
    for (const [layers, message] of cases)
      assert.throws(() => Network.create(runtimes.simd!, { layers: layers as NetworkSpec }), message);
  });
});

describe('fuzz: version 2 checkpoints', () => {
  it('mutated spec checkpoints (CRC resealed or not) decode to a spec that re-encodes to the same bytes, or fail with a checkpoint code', () => {
    const spec = ARCHITECTURES['separate Activation layers, Dropout between them, softmax Activation']!;
    const small: NetworkSpec = [
      { type: 'input', shape: [2, 3] },
      { type: 'flatten' },
      ...(spec.slice(1) as LayerSpec[]).map((l) => (l.type === 'dense' ? { ...l, units: 3 } : l)),
    ];
    const net = Network.create(runtimes.scalar!, { layers: small, seed: 1 });
    const good = net.toBytes();
    net.dispose();
    const jsonEnd = 12 + new DataView(good.buffer).getUint32(8, true);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat({ max: jsonEnd + 8 }), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 4,
        }),
        fc.boolean(),
        (edits, reseal) => {
          const bytes = good.slice();
          for (const [at, value] of edits) bytes[at] = value;
          if (reseal) new DataView(bytes.buffer).setUint32(bytes.length - 4, crc32(bytes.subarray(0, -4)), true);
          try {
            const { spec: decoded, params } = decodeCheckpoint(bytes, 'fuzz.snet');
            assert.deepEqual(encodeCheckpoint(decoded, params), bytes, 'accepted bytes are not canonical');
          } catch (e) {
            assert.ok(e instanceof SimdnetError, `not a SimdnetError: ${String(e)}`);
            assert.match(e.code, /^CHECKPOINT_(CORRUPT|CHECKSUM|VERSION)$/);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
