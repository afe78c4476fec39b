// The network end to end: gradients against float64 finite differences, training behaviour,
// reproducibility, checkpoints, and the fast paths checked against the plain ones.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { loadMnist } from '../../src/data/mnist.js';
import { subset, type Dataset } from '../../src/data/dataset.js';
import { SimdnetError } from '../../src/errors.js';
import { loadNetwork, saveNetwork } from '../../src/io.node.js';
import { loadSimdnet, type Runtime } from '../../src/index.node.js';
import { Network } from '../../src/network.js';
import { Rng } from '../../src/rng.js';
import { unsupportedReason } from './reference.js';

/** Mean cross-entropy of a dense ReLU/softmax stack in float64: the independent reference. */
function lossF64(layers: number[], params: Float64Array, x: Float64Array, labels: number[]): number {
  const rows = labels.length;
  let total = 0;
  for (let r = 0; r < rows; r++) {
    let a = Array.from(x.subarray(r * layers[0]!, (r + 1) * layers[0]!));
    let at = 0;
    for (let l = 1; l < layers.length; l++) {
      const nIn = layers[l - 1]!,
        nOut = layers[l]!;
      const z = new Array<number>(nOut).fill(0);
      for (let j = 0; j < nOut; j++) {
        let s = params[at + nIn * nOut + j]!;
        for (let i = 0; i < nIn; i++) s += a[i]! * params[at + i * nOut + j]!;
        z[j] = s;
      }
      at += nIn * nOut + nOut;
      if (l < layers.length - 1) a = z.map((v) => Math.max(v, 0));
      else {
        const m = Math.max(...z);
        const e = z.map((v) => Math.exp(v - m));
        const sum = e.reduce((p, q) => p + q, 0);
        total -= Math.log(Math.max(e[labels[r]!]! / sum, 1e-7));
      }
    }
  }
  return total / rows;
}

function randomBatch(rng: Rng, rows: number, width: number, classes: number) {
  const x = new Float32Array(rows * width).map(() => rng.next());
  const labels = Array.from({ length: rows }, () => Math.floor(rng.next() * classes));
  return { x, labels };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

let mnist: { train: Dataset; test: Dataset };
/** The runtimes the networks train on; the relaxed ones are loaded, and their tests run, only where the engine has relaxed SIMD. */
const CONTEXTS = ['relaxed', 'simd', 'scalar', 'simd, 2 threads', 'relaxed, 2 threads'] as const;
type Context = (typeof CONTEXTS)[number];
const runtimes: Record<Context, Runtime> = {} as never;
const skipReason = (context: Context) => unsupportedReason(context.startsWith('relaxed') ? 'relaxed' : 'simd');

before(async () => {
  mnist = await loadMnist();
  for (const context of CONTEXTS) {
    if (skipReason(context)) continue;
    const [variant, threads] = context.split(', ') as ['relaxed' | 'simd' | 'scalar', string | undefined];
    // Every call split over both threads, however small, so the tests see every share boundary.
    runtimes[context] = await loadSimdnet(threads ? { variant, threads: 2, minSplitWork: 0 } : { variant });
  }
});

for (const variant of CONTEXTS) {
  describe(`network (${variant})`, { skip: skipReason(variant) }, () => {
    it('gradients match float64 central differences for every parameter tensor', () => {
      const layers = [7, 6, 5, 3];
      const net = Network.create(runtimes[variant], { layers, init: 'he', seed: 3 });
      const { x, labels } = randomBatch(new Rng(11), 9, layers[0]!, 3);
      const { loss, gradients } = net.computeGradients(x, labels);
      const params = Float64Array.from(net.getParameters());
      const x64 = Float64Array.from(x);
      assert.ok(Math.abs(loss - lossF64(layers, params, x64, labels)) < 1e-5, `loss ${loss} vs float64 reference`);
      // Central differences with h = 1e-4 in float64 have truncation error O(h²) and no rounding
      // trouble; the analytic gradient is float32, so compare within 1e-4 absolute + 1e-3 relative.
      const h = 1e-4;
      net.getLayerParameters().forEach((layer, l) => {
        const base = layers.slice(1, l + 1).reduce((s, w, i) => s + layers[i]! * w + w, 0);
        for (const [name, start, count] of [
          ['dW', base, layer.weights.length],
          ['db', base + layer.weights.length, layer.bias.length],
        ] as const) {
          let worst = 0;
          for (let i = start; i < start + count; i++) {
            const saved = params[i]!;
            params[i] = saved + h;
            const up = lossF64(layers, params, x64, labels);
            params[i] = saved - h;
            const down = lossF64(layers, params, x64, labels);
            params[i] = saved;
            const numeric = (up - down) / (2 * h);
            const diff = Math.abs(numeric - gradients[i]!);
            worst = Math.max(worst, diff);
            assert.ok(
              diff <= 1e-4 + 1e-3 * Math.abs(numeric),
              `layer ${l} ${name}[${i - start}]: analytic ${gradients[i]} numeric ${numeric}`,
            );
          }
          assert.ok(worst < 1e-3, `layer ${l} ${name} maxdiff ${worst}`);
        }
      });
    });

    it('the loss falls over a few steps of each optimizer', () => {
      const small = subset(mnist.train, 0, 512);
      for (const optimizer of ['sgd', 'momentum', 'adam'] as const) {
        const net = Network.create(runtimes[variant], { layers: [784, 16, 10], seed: 1 });
        const before = net.evaluate(small).loss;
        net.fit(small, { optimizer, lr: optimizer === 'adam' ? 0.01 : 0.1, batchSize: 64, epochs: 3 });
        const after = net.evaluate(small).loss;
        assert.ok(after < 0.8 * before, `${optimizer}: loss ${before} → ${after}`);
      }
    });

    it('one epoch on a 10k subset reaches ≥ 85% on the full test set', () => {
      const net = Network.create(runtimes[variant], { layers: [784, 32, 10], seed: 5 });
      net.fit(subset(mnist.train, 0, 10000), { optimizer: 'sgd', lr: 0.1, batchSize: 32, epochs: 1 });
      const { accuracy } = net.evaluate(mnist.test);
      assert.ok(accuracy >= 0.85, `test accuracy ${accuracy}`);
    });

    it('the same seed twice gives bit-identical weights', () => {
      const data = subset(mnist.train, 0, 2000);
      const run = () => {
        const net = Network.create(runtimes[variant], { layers: [784, 20, 10], seed: 9 });
        net.fit(data, { optimizer: 'adam', lr: 0.002, batchSize: 50, epochs: 2 });
        return net.getParameters();
      };
      assert.deepEqual(run(), run());
    });

    it('full-batch steps equal hand-applied gradient descent on computeGradients', () => {
      const data = subset(mnist.train, 0, 300);
      const net = Network.create(runtimes[variant], { layers: [784, 10, 10], init: 'uniform', seed: 2 });
      const twin = Network.create(runtimes[variant], { layers: [784, 10, 10], init: 'uniform', seed: 2 });
      net.fit(data, { optimizer: 'sgd', lr: 0.1, batchSize: 'full', iterations: 3 });
      const x = Float32Array.from(data.pixels, (p) => p / 255);
      for (let i = 0; i < 3; i++) {
        const { gradients } = twin.computeGradients(x, data.labels);
        const params = twin.getParameters();
        for (let j = 0; j < params.length; j++)
          params[j] = Math.fround(params[j]! - Math.fround(Math.fround(0.1) * gradients[j]!));
        twin.setParameters(params);
      }
      const diff = maxAbsDiff(net.getParameters(), twin.getParameters());
      assert.ok(diff <= 1e-6, `maxdiff ${diff}`);
    });
  });
}

describe('memory plan', () => {
  it('training on pixels plans no f32 copy of the batch; x grows only for computeGradients', () => {
    const data = subset(mnist.train, 0, 5000);
    const net = Network.create(runtimes.simd, { layers: [784, 10, 10], init: 'uniform', seed: 1 });
    net.fit(data, { optimizer: 'sgd', lr: 0.1, batchSize: 'full', iterations: 1 });
    const f32Copy = 4 * data.count * 784;
    assert.ok(
      net.memoryBytes < f32Copy,
      `${net.memoryBytes} bytes planned; an f32 copy of the batch alone is ${f32Copy}`,
    );
    const before = net.getParameters();
    const x = Float32Array.from(data.pixels.subarray(0, 600 * 784), (p) => p / 255);
    const { gradients } = net.computeGradients(x, data.labels.subarray(0, 600));
    assert.equal(gradients.length, net.parameterCount);
    assert.deepEqual(net.getParameters(), before, 're-planning for 600 rows of x keeps the parameters');
    net.dispose();
  });
});

describe('pixel formats', () => {
  // The same training with the training set held as sparse rows (the non-zero bytes) or dense
  // rows: each first-layer sum is the same f32 sum in another order, so the weights agree to
  // rounding; `auto` picks sparse for MNIST (19 % non-zero) and dense for images without zeros.
  const options = { optimizer: 'sgd', lr: 0.1, batchSize: 32, epochs: 1 } as const;
  const train = (runtime: Runtime, data: Dataset, pixelFormat: 'auto' | 'dense' | 'sparse') => {
    const net = Network.create(runtime, { layers: [784, 24, 10], seed: 8 });
    net.fit(data, { ...options, pixelFormat });
    const result = {
      params: net.getParameters(),
      memoryBytes: net.memoryBytes,
      accuracy: net.evaluate(subset(mnist.test, 0, 2000)).accuracy,
    };
    net.dispose();
    return result;
  };

  for (const variant of CONTEXTS) {
    it(
      `${variant}: MNIST trains from sparse rows under auto, to the weights dense rows give up to rounding`,
      { skip: skipReason(variant) },
      () => {
        const data = subset(mnist.train, 0, 2000);
        const auto = train(runtimes[variant], data, 'auto'),
          sparse = train(runtimes[variant], data, 'sparse'),
          dense = train(runtimes[variant], data, 'dense');
        assert.deepEqual(auto.params, sparse.params, 'auto trains exactly as sparse');
        assert.ok(
          sparse.memoryBytes < dense.memoryBytes,
          `sparse rows take less memory: ${sparse.memoryBytes} vs ${dense.memoryBytes} bytes`,
        );
        const diff = maxAbsDiff(sparse.params, dense.params);
        assert.ok(diff <= 1e-5, `max |sparse − dense| over the weights after ${2000 / 32} steps: ${diff}`);
        assert.ok(
          Math.abs(sparse.accuracy - dense.accuracy) <= 0.002,
          `test accuracy ${sparse.accuracy} (sparse) vs ${dense.accuracy} (dense)`,
        );
      },
    );
  }

  it('images without zero bytes stay dense under auto', () => {
    const rng = new Rng(3);
    const count = 300;
    const data: Dataset = {
      count,
      rows: 28,
      cols: 28,
      pixels: new Uint8Array(count * 784).map(() => 1 + Math.floor(rng.next() * 255)),
      labels: new Uint8Array(count).map(() => Math.floor(rng.next() * 10)),
    };
    const auto = train(runtimes.simd, data, 'auto'),
      dense = train(runtimes.simd, data, 'dense');
    assert.deepEqual(auto.params, dense.params);
    assert.equal(auto.memoryBytes, dense.memoryBytes);
  });

  it('an unknown pixelFormat is refused before anything is planned', () => {
    const net = Network.create(runtimes.simd, { layers: [784, 10, 10] });
    assert.throws(
      () => net.fit(subset(mnist.train, 0, 100), { pixelFormat: 'csr' as never }),
      /unknown pixelFormat "csr"; use one of auto, dense, sparse/,
    );
    net.dispose();
  });
});

describe('threads', () => {
  for (const variant of ['simd', 'relaxed'] as const)
    it(
      `${variant}: two threads train to the same weights, bit for bit, as one (mini-batch Adam and full-batch SGD)`,
      { skip: unsupportedReason(variant) },
      () => {
        // Every split (rows of outputs, columns of the first layer's gradient from sparse rows,
        // 16-element blocks of the update) computes each element exactly as one thread does.
        // 5000 rows make the full batch's first-layer gradient sum in row blocks, split by thread.
        for (const [layers, options, data] of [
          [[784, 24, 10], { optimizer: 'adam', lr: 0.002, batchSize: 50, epochs: 1 }, subset(mnist.train, 0, 1000)],
          [
            [784, 10, 10],
            { optimizer: 'sgd', lr: 0.1, batchSize: 'full', iterations: 3 },
            subset(mnist.train, 0, 5000),
          ],
        ] as const) {
          const trained = ([variant, `${variant}, 2 threads`] as const).map((context) => {
            const net = Network.create(runtimes[context], { layers: [...layers], init: 'uniform', seed: 6 });
            net.fit(data, { ...options });
            const params = net.getParameters();
            net.dispose();
            return params;
          });
          assert.deepEqual(trained[1], trained[0], `${layers.join('-')} ${options.optimizer}`);
        }
      },
    );
});

describe('checkpoints', () => {
  it('save → load round trip is bit-exact and predicts the same', async () => {
    const net = Network.create(runtimes.simd, { layers: [784, 12, 10], seed: 4 });
    net.fit(subset(mnist.train, 0, 1000), { optimizer: 'momentum', lr: 0.05, batchSize: 32 });
    const dir = await mkdtemp(join(tmpdir(), 'simdnet-'));
    const path = join(dir, 'model.snet');
    await saveNetwork(net, path);
    const back = await loadNetwork(runtimes.scalar, path);
    assert.deepEqual(back.layers, net.layers);
    assert.deepEqual(back.getParameters(), net.getParameters());
    const images = subset(mnist.test, 0, 200).pixels;
    assert.deepEqual(back.predict(images).classes, net.predict(images).classes);
    assert.ok(maxAbsDiff(back.predict(images).probabilities, net.predict(images).probabilities) < 1e-6);
  });

  it('a damaged checkpoint is refused and the file on disk is untouched', async () => {
    const net = Network.create(runtimes.simd, { layers: [4, 3, 2], seed: 1 });
    const good = net.toBytes();
    const cases: Array<[string, Uint8Array, string]> = [
      ['truncated', good.subarray(0, good.length - 7), 'CHECKPOINT_CORRUPT'],
      ['empty', new Uint8Array(0), 'CHECKPOINT_CORRUPT'],
      [
        'wrong version',
        (() => {
          const b = good.slice();
          b[4] = 9;
          return b;
        })(),
        'CHECKPOINT_VERSION',
      ],
      [
        'flipped bit',
        (() => {
          const b = good.slice();
          b[30]! ^= 1;
          return b;
        })(),
        'CHECKPOINT_CHECKSUM',
      ],
      ['trailing bytes', Uint8Array.from([...good, 0]), 'CHECKPOINT_CORRUPT'],
      ['not a checkpoint', new TextEncoder().encode('hello world, not a model'), 'CHECKPOINT_CORRUPT'],
    ];
    for (const [what, bytes, code] of cases) {
      assert.throws(
        () => Network.fromBytes(runtimes.simd, bytes, what),
        (e: unknown) => e instanceof SimdnetError && e.code === code,
        what,
      );
    }
    const dir = await mkdtemp(join(tmpdir(), 'simdnet-'));
    const path = join(dir, 'bad.snet');
    await writeFile(path, cases[0]![1]);
    await assert.rejects(loadNetwork(runtimes.simd, path), /not a valid simdnet checkpoint/);
    assert.deepEqual(new Uint8Array(await readFile(path)), cases[0]![1]);
  });
});

describe('bad arguments', () => {
  it('are refused with errors that name what is wrong', () => {
    const rt = runtimes.simd;
    assert.throws(() => Network.create(rt, { layers: [784] }), RangeError);
    assert.throws(() => Network.create(rt, { layers: [784, 0, 10] }), /layers\[1\]/);
    assert.throws(() => Network.create(rt, { layers: [784, 2.5, 10] }), /layers\[1\]/);
    assert.throws(() => Network.create(rt, { layers: [784, 10], init: 'zeros' as never }), /unknown init/);
    const net = Network.create(rt, { layers: [784, 10] });
    const data = subset(mnist.train, 0, 100);
    assert.throws(() => net.fit(data, { lr: 0 }), /lr must be a finite number > 0/);
    assert.throws(() => net.fit(data, { lr: NaN }), /lr/);
    assert.throws(() => net.fit(data, { batchSize: 0 }), /batchSize/);
    assert.throws(() => net.fit(data, { batchSize: 101 }), /batchSize must be an integer in \[1, 100\]/);
    assert.throws(() => net.fit(data, { optimizer: 'rmsprop' as never }), /unknown optimizer/);
    assert.throws(() => net.fit(data, { epochs: 1, iterations: 3 }), /not both/);
    const small = Network.create(rt, { layers: [100, 10] });
    assert.throws(() => small.fit(data), /28×28 = 784 pixels per image but the network \[100,10\] takes 100 inputs/);
    assert.throws(() => net.predict(new Uint8Array(785)), /not a whole number/);
    net.dispose();
    assert.throws(() => net.evaluate(data), /after dispose/);
  });
});
