// simdnet ⇄ TensorFlow.js LayersModel files (src/tfjs/interop.ts) and in-memory models
// (src/tfjs/artifacts.ts): a simdnet network exported as model.json + weights.bin loads in tfjs
// and predicts the same probabilities; a tfjs model trained a few steps and saved the way
// tfjs-node's file handler saves imports into simdnet and predicts the same; fileHandler saves and
// loads any tfjs LayersModel in plain Node; malformed or unsupported files give a SimdnetError
// naming the layer, shapes or bytes.
//
// Tolerance: max |Δp| ≤ 1e-5 over the 100×10 probabilities. Both engines evaluate the same f32
// weights on the same f32 inputs, so they differ only in summation order: per logit a few u·Σ|terms|
// with Σ|terms| = Σ|x·w| ≲ 20 here, i.e. ≲ 1e-6, and softmax does not amplify absolute logit
// differences into larger probability differences (its Jacobian has ∞-norm ≤ 1/2). Measured maxdiff
// is printed per test (2–3e-7).
import { after, before, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { subset, type Dataset } from '../../src/data/dataset.js';
import { loadMnist } from '../../src/data/mnist.js';
import { SimdnetError, type SimdnetErrorCode } from '../../src/errors.js';
import { loadSimdnet } from '../../src/loader.node.js';
import { Network } from '../../src/network.js';
import type { Runtime } from '../../src/runtime.js';
import {
  exportLayersModel,
  fileHandler,
  importLayersModel,
  layersModelHandler,
  networkFromModelArtifacts,
  networkFromTfjsModel,
  networkToLayersModel,
} from '../../src/tfjs/interop.js';
import { scalePixels, useTfjsBackend } from '../../src/tfjs/twin.js';

const PREDICTION_TOLERANCE = 1e-5;
const COUNT = 100;

let runtime: Runtime;
let train: Dataset, test: Dataset;
let inputs: Float32Array;
let root: string;

before(async () => {
  runtime = await loadSimdnet();
  ({ train, test } = await loadMnist());
  inputs = scalePixels(new Float32Array(COUNT * 784), test.pixels.subarray(0, COUNT * 784));
  await useTfjsBackend('cpu');
  root = await mkdtemp(path.join(os.tmpdir(), 'simdnet-interop-'));
});

after(async () => {
  await rm(root, { recursive: true, force: true });
});

function tfjsProbabilities(model: tf.LayersModel): Float32Array {
  return tf.tidy(() => (model.predict(tf.tensor2d(inputs, [COUNT, 784])) as tf.Tensor).dataSync() as Float32Array);
}

function expectSamePredictions(t: TestContext, ours: Float32Array, theirs: Float32Array, label: string): void {
  assert.equal(ours.length, theirs.length);
  let maxdiff = 0;
  for (let i = 0; i < ours.length; i++) maxdiff = Math.max(maxdiff, Math.abs(ours[i]! - theirs[i]!));
  t.diagnostic(
    `${label}: ${maxdiff <= PREDICTION_TOLERANCE ? 'OK' : 'NOT OK'}, maxdiff = ${maxdiff.toExponential(2)} over ${ours.length} probabilities (tolerance ${PREDICTION_TOLERANCE})`,
  );
  assert.ok(maxdiff <= PREDICTION_TOLERANCE, `${label}: max |Δp| = ${maxdiff} > ${PREDICTION_TOLERANCE}`);
}

/** Serves `dir` on 127.0.0.1 (what a browser would fetch from); resolves to its base URL. */
async function serve(dir: string): Promise<{ url: string; server: Server }> {
  const server = createServer(async (req, res) => {
    try {
      const file = path.join(dir, path.basename(new URL(req.url ?? '/', 'http://x').pathname));
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': file.endsWith('.json') ? 'application/json' : 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { url: `http://127.0.0.1:${address.port}`, server };
}

/** A save handler writing model.json + weights.bin as tfjs-node's file:// handler does. */
function fileSaveHandler(dir: string): tf.io.IOHandler {
  return tf.io.withSaveHandler(async (artifacts) => {
    const weightData = tf.io.CompositeArrayBuffer.join(artifacts.weightData);
    const modelJson = {
      modelTopology: artifacts.modelTopology,
      format: artifacts.format,
      generatedBy: artifacts.generatedBy,
      convertedBy: artifacts.convertedBy,
      weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
    };
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'weights.bin'), new Uint8Array(weightData));
    await writeFile(path.join(dir, 'model.json'), JSON.stringify(modelJson));
    return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
  });
}

async function trainedNetwork(): Promise<Network> {
  const net = Network.create(runtime, { layers: [784, 32, 10], init: 'he', seed: 5 });
  net.fit(subset(train, 0, 2000), { optimizer: 'adam', batchSize: 32, epochs: 1 });
  return net;
}

describe('simdnet → tfjs', () => {
  it(`an exported network loads with tf.loadLayersModel over http and predicts ${COUNT} test images alike`, async (t) => {
    const net = await trainedNetwork();
    const dir = path.join(root, 'exported');
    const files = await exportLayersModel(net, dir);
    assert.deepEqual(files, { modelJson: path.join(dir, 'model.json'), weights: path.join(dir, 'weights.bin') });
    const { url, server } = await serve(dir);
    try {
      const model = await tf.loadLayersModel(`${url}/model.json`);
      assert.deepEqual(
        model.layers.map((l) => l.getClassName()),
        ['Dense', 'Dense'],
      );
      assert.deepEqual(model.inputs[0]!.shape, [null, 784]);
      const ours = net.predict(test.pixels.subarray(0, COUNT * 784));
      expectSamePredictions(t, ours.probabilities, tfjsProbabilities(model), 'tfjs (http) vs simdnet');
      model.dispose();
    } finally {
      server.close();
      net.dispose();
    }
  });

  it('the in-memory artifacts (the browser-safe half) load through tf.io.fromMemory', async (t) => {
    const net = await trainedNetwork();
    const { modelJson, weightData } = networkToLayersModel(net);
    const model = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: modelJson.modelTopology,
        weightSpecs: modelJson.weightsManifest[0]!.weights as tf.io.WeightsManifestEntry[],
        weightData: weightData.slice().buffer,
      }),
    );
    expectSamePredictions(t, net.predict(inputs).probabilities, tfjsProbabilities(model), 'tfjs (memory) vs simdnet');
    model.dispose();
    net.dispose();
  });

  it('export then import gives back bit-identical parameters', async () => {
    const net = await trainedNetwork();
    const dir = path.join(root, 'roundtrip');
    await exportLayersModel(net, dir);
    const back = await importLayersModel(runtime, path.join(dir, 'model.json'));
    assert.deepEqual(back.layers, net.layers);
    assert.deepEqual(back.getParameters(), net.getParameters());
    back.dispose();
    net.dispose();
  });
});

describe('tfjs → simdnet', () => {
  const builds: Array<{ name: string; build: () => tf.Sequential }> = [
    {
      name: 'Dense 784→24 relu → Dense 10 softmax',
      build: () =>
        tf.sequential({
          layers: [
            tf.layers.dense({ inputShape: [784], units: 24, activation: 'relu' }),
            tf.layers.dense({ units: 10, activation: 'softmax' }),
          ],
        }),
    },
    {
      name: 'Flatten [28,28] → Dense 16 relu → Dense 12 relu → Dense 10 softmax',
      build: () =>
        tf.sequential({
          layers: [
            tf.layers.flatten({ inputShape: [28, 28] }),
            tf.layers.dense({ units: 16, activation: 'relu' }),
            tf.layers.dense({ units: 12, activation: 'relu' }),
            tf.layers.dense({ units: 10, activation: 'softmax' }),
          ],
        }),
    },
  ];
  for (const { name, build } of builds) {
    it(`${name}, trained a few steps and saved to files, imports with the same predictions`, async (t) => {
      const model = build();
      model.compile({ optimizer: tf.train.adam(0.01), loss: 'sparseCategoricalCrossentropy' });
      const rows = 256;
      const flat = model.inputs[0]!.shape.length === 2;
      const xs = tf.tensor(
        scalePixels(new Float32Array(rows * 784), train.pixels.subarray(0, rows * 784)),
        flat ? [rows, 784] : [rows, 28, 28],
      );
      const ys = tf.tensor1d(Float32Array.from(train.labels.subarray(0, rows)));
      await model.fit(xs, ys, { batchSize: 32, epochs: 2, verbose: 0 });
      tf.dispose([xs, ys]);
      const dir = path.join(root, `from-tfjs-${flat ? 'dense' : 'flatten'}`);
      await model.save(fileSaveHandler(dir));
      const net = await importLayersModel(runtime, dir);
      assert.deepEqual(net.layers[0], 784);
      const theirs = tf.tidy(
        () =>
          (
            model.predict(tf.tensor(inputs, flat ? [COUNT, 784] : [COUNT, 28, 28])) as tf.Tensor
          ).dataSync() as Float32Array,
      );
      expectSamePredictions(
        t,
        net.predict(test.pixels.subarray(0, COUNT * 784)).probabilities,
        theirs,
        'simdnet (imported) vs tfjs',
      );
      net.dispose();
      model.dispose();
    });
  }
});

// Tests edit model.json at arbitrary paths, as a corrupt file would have them.
/* eslint-disable @typescript-eslint/no-explicit-any */
describe('import errors', () => {
  let dir: string;
  let modelJson: Record<string, any>;
  let weights: Uint8Array;

  before(async () => {
    const net = Network.create(runtime, { layers: [784, 8, 10], seed: 1 });
    const artifacts = networkToLayersModel(net);
    modelJson = artifacts.modelJson as unknown as Record<string, any>;
    weights = artifacts.weightData;
    net.dispose();
  });

  /** Writes a (modified) model to a fresh directory and expects importLayersModel to reject it. */
  async function expectImportError(
    name: string,
    edit: (json: Record<string, any>) => void,
    code: SimdnetErrorCode,
    fragments: RegExp[],
    bin: Uint8Array = weights,
  ): Promise<void> {
    dir = path.join(root, `bad-${name}`);
    await mkdir(dir, { recursive: true });
    const json = structuredClone(modelJson);
    edit(json);
    await writeFile(path.join(dir, 'model.json'), JSON.stringify(json));
    await writeFile(path.join(dir, 'weights.bin'), bin);
    await assert.rejects(importLayersModel(runtime, dir), (err: unknown) => {
      assert.ok(err instanceof SimdnetError, `expected a SimdnetError, got ${String(err)}`);
      assert.equal(err.code, code, err.message);
      for (const f of fragments) assert.match(err.message, f);
      return true;
    });
  }

  it('a Conv2D layer is MODEL_UNSUPPORTED, naming the layer', async () => {
    await expectImportError(
      'conv2d',
      (json) => {
        json.modelTopology.config.layers.splice(1, 0, {
          class_name: 'Conv2D',
          config: { name: 'conv2d_1', filters: 8, kernel_size: [3, 3] },
        });
      },
      'MODEL_UNSUPPORTED',
      [/layer 1 \("conv2d_1", "Conv2D"\) is not supported/, /simdnet reads InputLayer, Flatten, Dense/],
    );
  });

  it('a kernel of the wrong shape (same byte count) is MODEL_INVALID, naming both shapes', async () => {
    await expectImportError(
      'kernel-shape',
      (json) => {
        json.weightsManifest[0].weights[0].shape = [8, 784];
      },
      'MODEL_INVALID',
      [/dense_1\/kernel has shape \[8,784\]/, /needs \[784,8\]/],
    );
  });

  it('a weights.bin shorter than its manifest is MODEL_INVALID, with both byte counts', async () => {
    await expectImportError(
      'truncated',
      () => {},
      'MODEL_INVALID',
      [/hold 25000 bytes but their manifest describes 25480/],
      weights.subarray(0, 25000),
    );
  });

  it('an activation other than linear/relu/sigmoid/tanh/softmax is MODEL_UNSUPPORTED', async () => {
    await expectImportError(
      'elu',
      (json) => {
        json.modelTopology.config.layers[0].config.activation = 'elu';
      },
      'MODEL_UNSUPPORTED',
      [/"dense_1", "Dense"\) has activation "elu"/],
    );
  });

  it('a functional model that is not a chain, a graph model and complex64 weights are MODEL_UNSUPPORTED', async () => {
    await expectImportError(
      'functional',
      (json) => {
        json.modelTopology.class_name = 'Functional';
      },
      'MODEL_UNSUPPORTED',
      [/Functional model is not a single chain/, /dense_2/],
    );
    await expectImportError(
      'graph',
      (json) => {
        json.format = 'graph-model';
      },
      'MODEL_UNSUPPORTED',
      [/graph-model/],
    );
    await expectImportError(
      'complex64',
      (json) => {
        json.weightsManifest[0].weights[1].dtype = 'complex64';
      },
      'MODEL_UNSUPPORTED',
      [/dense_1\/bias/, /has dtype "complex64"/],
    );
  });

  it('a missing weight is MODEL_INVALID, listing the weights the manifest has', async () => {
    await expectImportError(
      'renamed',
      (json) => {
        json.weightsManifest[0].weights[2].name = 'other/kernel';
      },
      'MODEL_INVALID',
      [/no weight dense_2\/kernel/, /other\/kernel/],
    );
  });

  it('a missing directory is DATA_NOT_FOUND and a file that is not JSON is MODEL_INVALID', async () => {
    await assert.rejects(
      importLayersModel(runtime, path.join(root, 'nowhere')),
      (err: unknown) => err instanceof SimdnetError && err.code === 'DATA_NOT_FOUND' && /nowhere/.test(err.message),
    );
    const file = path.join(root, 'not-json.json');
    await writeFile(file, 'SNET');
    await assert.rejects(
      importLayersModel(runtime, file),
      (err: unknown) => err instanceof SimdnetError && err.code === 'MODEL_INVALID' && /not JSON/.test(err.message),
    );
  });
});

/** Every weight of a tfjs model, by name. */
function weightsOf(model: tf.LayersModel): Map<string, Float32Array> {
  return new Map(model.weights.map((w) => [w.originalName, w.read().dataSync() as Float32Array]));
}

/** A tfjs model simdnet could not run (a 2-D input, dropout, a tanh layer, no bias), trained a few steps. */
async function trainedTfjsModel(): Promise<tf.Sequential> {
  const model = tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: [28, 28] }),
      tf.layers.dense({ units: 20, activation: 'tanh', useBias: false }),
      tf.layers.dropout({ rate: 0.1 }),
      tf.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(0.01), loss: 'sparseCategoricalCrossentropy' });
  const rows = 128;
  const xs = tf.tensor(scalePixels(new Float32Array(rows * 784), train.pixels.subarray(0, rows * 784)), [rows, 28, 28]);
  const ys = tf.tensor1d(Float32Array.from(train.labels.subarray(0, rows)));
  await model.fit(xs, ys, { batchSize: 32, epochs: 1, verbose: 0 });
  tf.dispose([xs, ys]);
  return model;
}

describe('fileHandler: tfjs model files in plain Node', () => {
  it('model.save(fileHandler(dir)) then tf.loadLayersModel(fileHandler(dir)) gives back every weight bit for bit and the same predictions', async () => {
    const model = await trainedTfjsModel();
    const dir = path.join(root, 'file-handler');
    const result = await model.save(fileHandler(dir));
    assert.equal(result.modelArtifactsInfo.modelTopologyType, 'JSON');
    const json = JSON.parse(await readFile(path.join(dir, 'model.json'), 'utf8'));
    assert.deepEqual(
      json.weightsManifest.map((g: { paths: string[] }) => g.paths),
      [['weights.bin']],
    );
    assert.equal(json.format, 'layers-model');
    assert.equal((await readFile(path.join(dir, 'weights.bin'))).length, (784 * 20 + 20 * 10 + 10) * 4);
    assert.equal(result.modelArtifactsInfo.weightDataBytes, (784 * 20 + 20 * 10 + 10) * 4);

    const loaded = await tf.loadLayersModel(fileHandler(dir));
    assert.deepEqual(
      loaded.layers.map((l) => l.getClassName()),
      ['Flatten', 'Dense', 'Dropout', 'Dense'],
    );
    assert.deepEqual(weightsOf(loaded), weightsOf(model));
    const x = tf.tensor(inputs, [COUNT, 28, 28]);
    assert.deepEqual(
      tf.tidy(() => (loaded.predict(x) as tf.Tensor).dataSync()),
      tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync()),
    );
    x.dispose();
    loaded.dispose();
    model.dispose();
  });

  it('what it writes is the standard format: tf.loadLayersModel reads it over http', async () => {
    const model = await trainedTfjsModel();
    const dir = path.join(root, 'file-handler-http');
    await model.save(fileHandler(dir));
    const { url, server } = await serve(dir);
    try {
      const loaded = await tf.loadLayersModel(`${url}/model.json`);
      assert.deepEqual(weightsOf(loaded), weightsOf(model));
      loaded.dispose();
    } finally {
      server.close();
      model.dispose();
    }
  });

  it('a .json path: its weights go beside it (<name>.weights.bin), and it loads back', async () => {
    const model = await trainedTfjsModel();
    const file = path.join(root, 'named', 'digits.json');
    await model.save(fileHandler(file));
    const json = JSON.parse(await readFile(file, 'utf8'));
    assert.deepEqual(json.weightsManifest[0].paths, ['digits.weights.bin']);
    const loaded = await tf.loadLayersModel(fileHandler(file));
    assert.deepEqual(weightsOf(loaded), weightsOf(model));
    loaded.dispose();
    model.dispose();
  });

  it('reads weights sharded over several files and groups, as tfjs converters write them', async (t) => {
    const net = await trainedNetwork();
    const { modelJson, weightData } = networkToLayersModel(net);
    const dir = path.join(root, 'sharded');
    await mkdir(dir, { recursive: true });
    // Group 1: the first layer's kernel in two shards; group 2: everything else in one file.
    const specs = modelJson.weightsManifest[0]!.weights;
    const firstKernel = 784 * 32 * 4;
    await writeFile(path.join(dir, 'group1-shard1of2.bin'), weightData.subarray(0, 40_000));
    await writeFile(path.join(dir, 'group1-shard2of2.bin'), weightData.subarray(40_000, firstKernel));
    await writeFile(path.join(dir, 'group2-shard1of1.bin'), weightData.subarray(firstKernel));
    await writeFile(
      path.join(dir, 'model.json'),
      JSON.stringify({
        ...modelJson,
        weightsManifest: [
          { paths: ['group1-shard1of2.bin', 'group1-shard2of2.bin'], weights: specs.slice(0, 1) },
          { paths: ['group2-shard1of1.bin'], weights: specs.slice(1) },
        ],
      }),
    );
    const model = await tf.loadLayersModel(fileHandler(dir));
    expectSamePredictions(
      t,
      net.predict(inputs).probabilities,
      tfjsProbabilities(model),
      'tfjs (fileHandler, sharded) vs simdnet',
    );
    const back = await importLayersModel(runtime, dir);
    assert.deepEqual(back.getParameters(), net.getParameters());
    model.dispose();
    back.dispose();
    net.dispose();
  });

  it('a simdnet-exported model loads through it and predicts alike', async (t) => {
    const net = await trainedNetwork();
    const dir = path.join(root, 'exported-file-handler');
    await exportLayersModel(net, dir);
    const model = await tf.loadLayersModel(fileHandler(path.join(dir, 'model.json')));
    expectSamePredictions(
      t,
      net.predict(inputs).probabilities,
      tfjsProbabilities(model),
      'tfjs (fileHandler) vs simdnet',
    );
    model.dispose();
    net.dispose();
  });

  it('a missing weight file is DATA_NOT_FOUND naming it; a location it cannot write is SAVE_FAILED naming it', async () => {
    const model = await trainedTfjsModel();
    const dir = path.join(root, 'no-weights');
    await model.save(fileHandler(dir));
    await rm(path.join(dir, 'weights.bin'));
    await assert.rejects(
      tf.loadLayersModel(fileHandler(dir)),
      (err: unknown) =>
        err instanceof SimdnetError &&
        err.code === 'DATA_NOT_FOUND' &&
        err.message === `cannot read weight file ${path.join(dir, 'weights.bin')}: no such file`,
    );
    // A directory under a regular file cannot be created.
    const blocked = path.join(dir, 'model.json', 'sub');
    await assert.rejects(
      model.save(fileHandler(blocked)),
      (err: unknown) =>
        err instanceof SimdnetError &&
        err.code === 'SAVE_FAILED' &&
        err.message.startsWith(`cannot save the tfjs model to ${path.join(blocked, 'model.json')}: `),
    );
    assert.throws(() => fileHandler(''), /fileHandler: location must be a non-empty path, got ""/);
    model.dispose();
  });
});

describe('simdnet ⇄ tfjs in memory (the browser-safe half)', () => {
  it(`tf.loadLayersModel(layersModelHandler(net)) predicts ${COUNT} test images as net does; networkFromTfjsModel gives back its parameters bit for bit`, async (t) => {
    const net = await trainedNetwork();
    const model = await tf.loadLayersModel(layersModelHandler(net));
    expectSamePredictions(
      t,
      net.predict(inputs).probabilities,
      tfjsProbabilities(model),
      'tfjs (layersModelHandler) vs simdnet',
    );
    const back = await networkFromTfjsModel(runtime, model);
    assert.deepEqual(back.layers, net.layers);
    assert.deepEqual(back.getParameters(), net.getParameters());
    model.dispose();
    back.dispose();
    net.dispose();
  });

  it('networkFromTfjsModel on a model tfjs trained predicts as tfjs does', async (t) => {
    const model = tf.sequential({
      layers: [
        tf.layers.dense({ inputShape: [784], units: 16, activation: 'relu' }),
        tf.layers.dense({ units: 10, activation: 'softmax' }),
      ],
    });
    model.compile({ optimizer: tf.train.adam(0.01), loss: 'sparseCategoricalCrossentropy' });
    const xs = tf.tensor2d(scalePixels(new Float32Array(256 * 784), train.pixels.subarray(0, 256 * 784)), [256, 784]);
    const ys = tf.tensor1d(Float32Array.from(train.labels.subarray(0, 256)));
    await model.fit(xs, ys, { batchSize: 32, epochs: 2, verbose: 0 });
    tf.dispose([xs, ys]);
    const net = await networkFromTfjsModel(runtime, model);
    expectSamePredictions(
      t,
      net.predict(inputs).probabilities,
      tfjsProbabilities(model),
      'simdnet (networkFromTfjsModel) vs tfjs',
    );
    net.dispose();
    model.dispose();
  });

  it('what simdnet cannot run is a SimdnetError naming the layer; a binary topology and missing weights are named too', async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.flatten({ inputShape: [28, 28] }),
        tf.layers.dense({ units: 8, activation: 'relu' }),
        tf.layers.batchNormalization(),
        tf.layers.dense({ units: 10, activation: 'softmax' }),
      ],
    });
    await assert.rejects(
      networkFromTfjsModel(runtime, model),
      (err: unknown) =>
        err instanceof SimdnetError &&
        err.code === 'MODEL_UNSUPPORTED' &&
        /^tfjs model sequential_\d+: layer 2 \("batch_normalization_\w+", "BatchNormalization"\) is not supported; simdnet reads InputLayer, Flatten, Dense/.test(
          err.message,
        ),
    );
    model.dispose();
    assert.throws(
      () => networkFromModelArtifacts(runtime, { modelTopology: new ArrayBuffer(8) }),
      (err: unknown) =>
        err instanceof SimdnetError && err.code === 'MODEL_UNSUPPORTED' && /binary \(a GraphDef\)/.test(err.message),
    );
    const net = Network.create(runtime, { layers: [784, 8, 10], seed: 1 });
    const { modelTopology } = await layersModelHandler(net).load!();
    assert.throws(
      () => networkFromModelArtifacts(runtime, { modelTopology }),
      (err: unknown) =>
        err instanceof SimdnetError && err.code === 'MODEL_INVALID' && /has no weights/.test(err.message),
    );
    assert.throws(() => layersModelHandler({} as Network), /layersModelHandler: net must be a Network, got object/);
    net.dispose();
  });
});
