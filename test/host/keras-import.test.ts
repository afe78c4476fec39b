// Keras models in and out of simdnet, against tfjs itself: models built with tfjs's layers API
// (the Keras MNIST model Flatten → Dense(128, relu) → Dropout(0.2) → Dense(10) logits; separate
// Activation layers; tanh and sigmoid hidden layers; softmax and linear outputs), saved through
// tfjs IO handlers, some re-encoded as uint8/uint16-quantized or float16 weights over several
// shards, imported, and compared with tfjs's model.predict on real MNIST test images (max|Δ| ≤
// 1e-5, every build the engine runs). Then fit fine-tunes from the imported weights, and the export has the
// same layer list, loads in tf.loadLayersModel and predicts as simdnet does.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { subset, type Dataset } from '../../src/data/dataset.js';
import { loadMnist } from '../../src/data/mnist.js';
import { loadSimdnet } from '../../src/loader.node.js';
import type { Network } from '../../src/network.js';
import { relaxedSimdSupported, type Runtime } from '../../src/runtime.js';
import {
  layersModelHandler,
  networkFromLayersModel,
  networkFromModelArtifacts,
  networkToLayersModel,
} from '../../src/tfjs/artifacts.js';
import { scalePixels } from '../../src/tfjs/twin.js';
import { toFloat16Bits } from './keras-fixtures.js';

const IMAGES = 200;
const TOLERANCE = 1e-5;

interface Case {
  name: string;
  build(): tf.Sequential;
  /** Re-encode the saved weights this way before importing (tfjs loads the same bytes). */
  weights: 'float32' | 'uint8' | 'uint16' | 'float16';
  shards: number;
}

const CASES: Case[] = [
  {
    name: 'Keras MNIST: Flatten(28×28), Dense(128, relu), Dropout(0.2), Dense(10) logits',
    build: () =>
      tf.sequential({
        layers: [
          tf.layers.flatten({ inputShape: [28, 28] }),
          tf.layers.dense({ units: 128, activation: 'relu' }),
          tf.layers.dropout({ rate: 0.2 }),
          tf.layers.dense({ units: 10 }),
        ],
      }),
    weights: 'float32',
    shards: 1,
  },
  {
    name: 'separate Activation layers, a sigmoid one, softmax as an Activation; float16 over 3 shards',
    build: () =>
      tf.sequential({
        layers: [
          tf.layers.dense({ units: 32, inputShape: [784] }),
          tf.layers.activation({ activation: 'relu' }),
          tf.layers.dense({ units: 24 }),
          tf.layers.activation({ activation: 'sigmoid' }),
          tf.layers.dense({ units: 10 }),
          tf.layers.activation({ activation: 'softmax' }),
        ],
      }),
    weights: 'float16',
    shards: 3,
  },
  {
    name: 'tanh and sigmoid Dense hidden layers, softmax Dense output; uint8-quantized over 2 shards',
    build: () =>
      tf.sequential({
        layers: [
          tf.layers.flatten({ inputShape: [28, 28] }),
          tf.layers.dense({ units: 40, activation: 'tanh' }),
          tf.layers.dropout({ rate: 0.5 }),
          tf.layers.dense({ units: 20, activation: 'sigmoid' }),
          tf.layers.dense({ units: 10, activation: 'softmax' }),
        ],
      }),
    weights: 'uint8',
    shards: 2,
  },
  {
    name: 'a linear output after a relu Dense without bias; uint16-quantized',
    build: () =>
      tf.sequential({
        layers: [
          tf.layers.dense({ units: 16, activation: 'relu', useBias: false, inputShape: [784] }),
          tf.layers.dense({ units: 10, activation: 'linear' }),
        ],
      }),
    weights: 'uint16',
    shards: 1,
  },
];

let test: Dataset, train: Dataset;
let x: Float32Array;
// Every build the engine runs: relaxed where it has relaxed SIMD (Node ≥ 22), whose fused
// multiply-adds may round differently, within the same tolerance against tfjs.
const VARIANTS = relaxedSimdSupported() ? (['relaxed', 'simd', 'scalar'] as const) : (['simd', 'scalar'] as const);
const runtimes: Partial<Record<(typeof VARIANTS)[number], Runtime>> = {};

before(async () => {
  ({ test, train } = await loadMnist());
  x = scalePixels(new Float32Array(IMAGES * 784), test.pixels.subarray(0, IMAGES * 784));
  await tf.setBackend('cpu');
  await tf.ready();
  for (const variant of VARIANTS) runtimes[variant] = await loadSimdnet({ variant });
});

/** What tfjs's save handler receives. */
async function saveArtifacts(model: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return saved!;
}

/** The saved weights as the converter would store them: quantized or float16, split over `shards` files. */
function reencode(artifacts: tf.io.ModelArtifacts, how: Case['weights'], shards: number) {
  const data = new Float32Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData!));
  const specs: tf.io.WeightsManifestEntry[] = [];
  const parts: Uint8Array[] = [];
  let at = 0;
  for (const spec of artifacts.weightSpecs!) {
    const n = spec.shape.reduce((a, b) => a * b, 1);
    const values = data.subarray(at, at + n);
    at += n;
    if (how === 'float32') {
      specs.push(spec);
      parts.push(new Uint8Array(values.slice().buffer));
    } else if (how === 'float16') {
      specs.push({ ...spec, quantization: { dtype: 'float16' } });
      parts.push(new Uint8Array(Uint16Array.from(values, toFloat16Bits).buffer));
    } else {
      const levels = how === 'uint8' ? 255 : 65535;
      const min = Math.min(...values),
        max = Math.max(...values);
      const scale = max > min ? (max - min) / levels : 1;
      const q = Array.from(values, (v) => Math.round((v - min) / scale));
      specs.push({ ...spec, quantization: { dtype: how, scale, min } });
      parts.push(new Uint8Array((how === 'uint8' ? Uint8Array.from(q) : Uint16Array.from(q)).buffer));
    }
  }
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    bytes.set(p, offset);
    offset += p.length;
  }
  const per = Math.ceil(bytes.length / shards);
  const files = Array.from({ length: shards }, (_, k) => bytes.slice(k * per, Math.min(bytes.length, (k + 1) * per)));
  const modelJson = {
    format: 'layers-model',
    generatedBy: 'test',
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths: files.map((_, k) => `group1-shard${k + 1}of${shards}.bin`), weights: specs }],
  };
  const forTfjs: tf.io.ModelArtifacts = {
    modelTopology: artifacts.modelTopology,
    weightSpecs: specs,
    weightData: bytes.slice().buffer,
  };
  return { modelJson, files, forTfjs };
}

function tfjsPredict(model: tf.LayersModel, inputShape: number[]): Float32Array {
  return tf.tidy(() => (model.predict(tf.tensor(x, [IMAGES, ...inputShape])) as tf.Tensor).dataSync() as Float32Array);
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** simdnet's output as tfjs gives it: probabilities under a softmax, the logits for a linear output. */
function simdnetOutput(net: Network, softmax: boolean): Float32Array {
  const prediction = net.predict(x);
  return softmax ? prediction.probabilities : prediction.logits;
}

function classNames(modelTopology: unknown): string[] {
  const config = (modelTopology as { config: { layers: Array<{ class_name: string }> } }).config;
  return config.layers.map((l) => l.class_name);
}

describe('Keras models built and saved by tfjs import, predict as tfjs does, fine-tune and export back', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const model = c.build();
      // Non-zero biases, so the import of every bias is checked.
      model.setWeights(model.getWeights().map((w) => tf.add(w, tf.randomUniform(w.shape, -0.05, 0.05, 'float32', 1))));
      const inputShape = model.inputs[0]!.shape.slice(1) as number[];
      const softmax = model.layers[model.layers.length - 1]!.getConfig().activation === 'softmax';
      const { modelJson, files, forTfjs } = reencode(await saveArtifacts(model), c.weights, c.shards);
      // tfjs decodes the same (quantized) bytes as the reference.
      const reference = await tf.loadLayersModel(tf.io.fromMemory(forTfjs));
      const expected = tfjsPredict(reference, inputShape);
      for (const variant of VARIANTS) {
        const net = networkFromLayersModel(runtimes[variant]!, modelJson, files, `${c.name} model.json`);
        const d = maxDiff(simdnetOutput(net, softmax), expected);
        assert.ok(d <= TOLERANCE, `${variant}: max|Δ| ${d} against tfjs`);
        net.dispose();
      }

      // Fine-tune from the imported weights: the loss on the training rows goes down.
      const net = networkFromModelArtifacts(runtimes.simd!, forTfjs, c.name);
      const rows = subset(train, 0, 1000);
      const before = net.evaluate(rows).loss;
      const fit = net.fit(rows, { epochs: 2, batchSize: 32, optimizer: 'adam', lr: 0.001, seed: 1 });
      const after = net.evaluate(rows).loss;
      assert.ok(after < before, `loss ${before} → ${after} after ${fit.steps} steps`);

      // Export: the same layer list, loaded by tfjs, predicting as simdnet does.
      const artifacts = networkToLayersModel(net);
      assert.deepEqual(classNames(artifacts.modelJson.modelTopology), classNames(forTfjs.modelTopology));
      const back = await tf.loadLayersModel(layersModelHandler(net));
      assert.deepEqual(
        back.layers.map((l) => l.getClassName()),
        reference.layers.map((l) => l.getClassName()),
      );
      const d = maxDiff(simdnetOutput(net, softmax), tfjsPredict(back, inputShape));
      assert.ok(d <= TOLERANCE, `exported: max|Δ| ${d} between simdnet and tfjs`);
      for (const m of [model, reference, back]) m.dispose();
      net.dispose();
    });
  }
});

describe('Keras models simdnet cannot run in that order are MODEL_UNSUPPORTED naming the layer', () => {
  const cases: Array<[string, () => tf.Sequential, RegExp]> = [
    [
      'a relu output',
      () =>
        tf.sequential({
          layers: [
            tf.layers.dense({ units: 8, inputShape: [784], name: 'hidden' }),
            tf.layers.dense({ units: 10, activation: 'relu', name: 'out' }),
          ],
        }),
      /layer "out": the last dense layer gives the logits, so its activation is linear or softmax, got relu/,
    ],
    [
      'a Dense over 28×28 rows without a Flatten',
      () =>
        tf.sequential({
          layers: [
            tf.layers.dense({ units: 8, inputShape: [28, 28], name: 'rows' }),
            tf.layers.flatten(),
            tf.layers.dense({ units: 10 }),
          ],
        }),
      /layer 0 \("rows", "Dense"\) gets a rank-2 input \[28,28\]; .*add a Flatten before it/,
    ],
    [
      'a Dropout on the input',
      () =>
        tf.sequential({
          layers: [tf.layers.dropout({ rate: 0.1, inputShape: [784], name: 'drop' }), tf.layers.dense({ units: 10 })],
        }),
      /layer "drop": only flatten may come before the first dense layer/,
    ],
    [
      'a softmax in the middle',
      () =>
        tf.sequential({
          layers: [
            tf.layers.dense({ units: 8, inputShape: [784], activation: 'softmax', name: 'mid' }),
            tf.layers.dense({ units: 10 }),
          ],
        }),
      /layer "mid": softmax is supported once, on the output logits at the end/,
    ],
  ];
  for (const [name, build, message] of cases) {
    it(name, async () => {
      const model = build();
      const artifacts = await saveArtifacts(model);
      assert.throws(
        () => networkFromModelArtifacts(runtimes.simd!, artifacts, 'model.json'),
        (e: Error & { code?: string }) => e.code === 'MODEL_UNSUPPORTED' && message.test(e.message),
      );
      model.dispose();
    });
  }
});
