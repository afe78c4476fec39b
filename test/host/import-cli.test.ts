// `simdnet import MODEL.json --save FILE.snet`, and evaluate reading a model.json: a Keras-style
// model saved by tfjs through fileHandler becomes a checkpoint holding the same layers and
// weights; a layer simdnet cannot run fails the command with the layer named.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { runCli } from './cli-process.js';
import { loadMnist } from '../../src/data/mnist.js';
import { loadNetwork } from '../../src/io.node.js';
import { loadSimdnet } from '../../src/loader.node.js';
import { fileHandler, importLayersModel } from '../../src/tfjs/interop.js';

const simdnet = runCli;

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'simdnet-import-'));
  await tf.setBackend('cpu');
  await tf.ready();
  const model = tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: [28, 28] }),
      tf.layers.dense({ units: 32, activation: 'relu' }),
      tf.layers.dropout({ rate: 0.2 }),
      tf.layers.dense({ units: 10 }),
    ],
  });
  await model.save(fileHandler(join(dir, 'keras')));
  const bad = tf.sequential({
    layers: [
      tf.layers.dense({ units: 8, inputShape: [784] }),
      tf.layers.layerNormalization(),
      tf.layers.dense({ units: 10 }),
    ],
  });
  await bad.save(fileHandler(join(dir, 'bad')));
  model.dispose();
  bad.dispose();
});
after(async () => rm(dir, { recursive: true, force: true }));

describe('simdnet import', () => {
  it('writes a checkpoint with the model.json layers and weights; evaluate reads either', async () => {
    const modelJson = join(dir, 'keras', 'model.json'),
      snet = join(dir, 'keras.snet');
    const run = simdnet('import', modelJson, '--save', snet);
    assert.equal(run.code, 0, run.stderr);
    assert.match(
      run.stdout,
      /input 28×28 → flatten → dense 32 relu → dropout 0\.2 → dense 10 linear \(25450 parameters\)/,
    );
    const runtime = await loadSimdnet({ variant: 'scalar' });
    const saved = await loadNetwork(runtime, snet),
      imported = await importLayersModel(runtime, modelJson);
    assert.deepEqual(saved.spec, imported.spec);
    assert.deepEqual(saved.getParameters(), imported.getParameters());
    const { test } = await loadMnist();
    const expected = saved.evaluate(test);
    for (const model of [snet, modelJson]) {
      const evaluate = simdnet('evaluate', model, '--json', '--variant', 'scalar');
      assert.equal(evaluate.code, 0, evaluate.stderr);
      const result = JSON.parse(evaluate.stdout) as { accuracy: number; loss: number };
      assert.equal(result.accuracy, expected.accuracy);
      assert.equal(result.loss, expected.loss);
    }
  });

  it('refuses a layer simdnet cannot run, naming it, and asks for --save', () => {
    const bad = simdnet('import', join(dir, 'bad', 'model.json'), '--save', join(dir, 'bad.snet'));
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /layer_normalization\w*", "LayerNormalization"\) is not supported/);
    const missing = simdnet('import', join(dir, 'keras', 'model.json'));
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /give --save FILE\.snet/);
  });
});
