// fit, evaluate and predict on float feature rows ({ features: Float32Array, labels }) beside u8
// images: 2-D points in 3 classes (three Gaussian blobs) train to separate them, with labels as a
// Uint8Array, Int32Array or number[]; validationData is reported per epoch; MNIST given as floats
// evaluates as its pixels do; bad rows and labels are refused naming what is wrong.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { subset, type Dataset } from '../../src/data/dataset.js';
import { loadMnist } from '../../src/data/mnist.js';
import { loadSimdnet } from '../../src/loader.node.js';
import { Network, type EpochInfo, type FeatureSet, type NetworkSpec } from '../../src/network.js';
import type { Runtime } from '../../src/runtime.js';
import { scalePixels } from '../../src/tfjs/twin.js';
import { Rng } from './reference.js';

const CENTRES = [
  [-2, 0],
  [2, 0],
  [0, 2.5],
];

/** `count` points, a third around each centre (σ = 0.6), labels as `kind` gives them. */
function blobs(count: number, seed: number, kind: 'u8' | 'i32' | 'array'): FeatureSet {
  const rng = new Rng(seed);
  const features = new Float32Array(2 * count);
  const labels: number[] = [];
  for (let i = 0; i < count; i++) {
    const c = i % 3;
    // Box–Muller from two uniforms.
    const [u, v] = rng.f32(2, 1e-6, 1);
    const r = 0.6 * Math.sqrt(-2 * Math.log(u!));
    features[2 * i] = CENTRES[c]![0]! + r * Math.cos(2 * Math.PI * v!);
    features[2 * i + 1] = CENTRES[c]![1]! + r * Math.sin(2 * Math.PI * v!);
    labels.push(c);
  }
  return {
    features,
    labels: kind === 'u8' ? Uint8Array.from(labels) : kind === 'i32' ? Int32Array.from(labels) : labels,
  };
}

const POINTS: NetworkSpec = [
  { type: 'input', shape: [2] },
  { type: 'dense', units: 16, activation: 'tanh' },
  { type: 'dense', units: 3 },
];

const runtimes: Record<'simd' | 'scalar', Runtime> = {} as never;
let mnist: Dataset;

before(async () => {
  for (const variant of ['simd', 'scalar'] as const) runtimes[variant] = await loadSimdnet({ variant });
  mnist = subset((await loadMnist()).test, 0, 600);
});

describe('float feature rows', () => {
  for (const kind of ['u8', 'i32', 'array'] as const) {
    for (const variant of ['simd', 'scalar'] as const) {
      it(`2-D points in 3 classes train and evaluate (labels ${kind}, ${variant}), with validation per epoch`, () => {
        const train = blobs(600, 1, kind),
          validation = blobs(300, 2, kind);
        const net = Network.create(runtimes[variant], { layers: POINTS, seed: 4 });
        const before = net.evaluate(validation);
        const seen: EpochInfo[] = [];
        const result = net.fit(train, {
          optimizer: 'adam',
          lr: 0.02,
          epochs: 8,
          batchSize: 32,
          validationData: validation,
          onEpoch: (info) => seen.push(info),
        });
        assert.deepEqual(seen, result.epochs);
        assert.equal(result.epochs.length, 8);
        for (const e of result.epochs) {
          assert.ok(Number.isFinite(e.validationLoss) && e.validationAccuracy! >= 0 && e.validationAccuracy! <= 1);
        }
        const after = net.evaluate(validation);
        assert.equal(result.epochs.at(-1)!.validationLoss, after.loss);
        assert.equal(result.epochs.at(-1)!.validationAccuracy, after.accuracy);
        assert.ok(after.loss < before.loss / 3, `validation loss ${before.loss} → ${after.loss}`);
        assert.ok(after.accuracy > 0.95, `validation accuracy ${after.accuracy}`);
        const { classes, probabilities } = net.predict(validation.features);
        let right = 0;
        for (let i = 0; i < classes.length; i++) right += classes[i] === validation.labels[i] ? 1 : 0;
        assert.equal(right / classes.length, after.accuracy);
        assert.equal(probabilities.length, 3 * 300);
        net.dispose();
      });
    }
  }

  it('MNIST given as floats evaluates as its pixels do; images validate a float fit and floats an image fit', () => {
    const net = Network.create(runtimes.simd, { layers: [784, 32, 10], seed: 2 });
    net.fit(mnist, { epochs: 1, batchSize: 32, lr: 0.1 });
    const floats: FeatureSet = {
      features: scalePixels(new Float32Array(mnist.count * 784), mnist.pixels),
      labels: mnist.labels,
    };
    const images = net.evaluate(mnist),
      rows = net.evaluate(floats);
    assert.ok(Math.abs(images.loss - rows.loss) < 1e-5, `loss ${images.loss} vs ${rows.loss}`);
    assert.equal(images.accuracy, rows.accuracy);
    const a = net.fit(floats, { epochs: 1, validationData: mnist }).epochs[0]!;
    const b = net.fit(mnist, { epochs: 1, validationData: floats }).epochs[0]!;
    for (const e of [a, b]) assert.ok(e.validationAccuracy! > 0.5, `validation accuracy ${e.validationAccuracy}`);
    net.dispose();
  });

  it('refuses rows and labels that do not fit the network, naming them', () => {
    const net = Network.create(runtimes.simd, { layers: POINTS });
    const good = blobs(30, 3, 'array');
    const cases: Array<[unknown, RegExp]> = [
      [
        { features: new Float32Array(5), labels: [0, 1] },
        /train\.features holds 5 values, not a whole number ≥ 1 of rows of 2/,
      ],
      [{ features: good.features, labels: [0, 1] }, /train\.labels holds 2 labels for 30 rows/],
      [
        { features: good.features, labels: Array.from({ length: 30 }, (_, i) => (i === 7 ? 3 : 0)) },
        /train\.labels\[7\] = 3 is not a class in \[0, 3\)/,
      ],
      [
        { features: good.features, labels: Array.from({ length: 30 }, (_, i) => (i === 4 ? 0.5 : 0)) },
        /train\.labels\[4\] = 0\.5/,
      ],
      [
        { features: Float32Array.from(good.features, (v, i) => (i === 9 ? NaN : v)), labels: good.labels },
        /features\[9\] \(row 4, column 1\) is NaN/,
      ],
      [{ features: [1, 2], labels: [0] }, /train\.features must be a Float32Array/],
    ];
    for (const [data, message] of cases) assert.throws(() => net.fit(data as FeatureSet), message);
    assert.throws(
      () => net.fit(good, { validationData: { features: new Float32Array(3), labels: [0] } }),
      /validationData\.features/,
    );
    net.dispose();
  });
});
