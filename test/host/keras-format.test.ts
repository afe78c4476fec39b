// The Keras / tfjs LayersModel reader (src/tfjs/keras-format.ts, keras-weights.ts) against tfjs
// itself: models built with tfjs's layers API and saved through its IO handlers parse to the
// layers they were built from, with weights bit-identical to model.getWeights(); a float64
// forward pass over the description (keras-reference.ts) matches model.predict within 1e-5·max(1,
// |ref|); quantized weights decode bit-identically to tf.io.decodeWeights on the same bytes.
// Hand-written Keras 2 and Keras 3 conversions cover what tfjs does not write: model_config,
// batch_shape, DTypePolicy objects, module/registered_name, prefixed and `:0` weight names,
// shards, Functional chains. Bad input fails with MODEL_INVALID or MODEL_UNSUPPORTED naming the
// layer (the fuzz tests are in keras-fuzz.test.ts).
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { SimdnetError } from '../../src/errors.js';
import { parseKerasModelJson, readKerasModel, type KerasModel } from '../../src/tfjs/keras-format.js';
import { decodeWeightGroups, float16ToNumber, type KerasWeightSpec } from '../../src/tfjs/keras-weights.js';
import { kerasForward64 } from './keras-reference.js';
import { keras2Mnist, keras3Functional, keras3Mnist, modelFiles, toFloat16Bits } from './keras-fixtures.js';
import { Rng } from './reference.js';

before(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

/** model.json and the single weight file tfjs's save writes for `model`. */
async function saved(
  model: tf.LayersModel,
  options: tf.io.SaveConfig = {},
): Promise<{ json: Record<string, unknown>; files: Uint8Array[] }> {
  let json: Record<string, unknown> | undefined,
    files: Uint8Array[] = [];
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      json = {
        format: 'layers-model',
        generatedBy: 'tfjs',
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
      };
      files = [new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData))];
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
    options,
  );
  return { json: JSON.parse(JSON.stringify(json)), files };
}

function expectCode(code: 'MODEL_INVALID' | 'MODEL_UNSUPPORTED', pattern: RegExp, run: () => unknown): void {
  assert.throws(run, (e: unknown) => {
    assert.ok(e instanceof SimdnetError, `expected a SimdnetError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.match(e.message, pattern);
    return true;
  });
}

/** The description's weights equal the tfjs model's, bit for bit, for every Dense layer. */
function expectSameWeights(model: tf.LayersModel, description: KerasModel): void {
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'Dense') continue;
    const [kernel, bias] = layer.getWeights().map((w) => w.dataSync() as Float32Array);
    assert.deepEqual(description.weights.get(`${layer.name}/kernel`), kernel, `${layer.name}/kernel`);
    assert.deepEqual(description.weights.get(`${layer.name}/bias`), bias, `${layer.name}/bias`);
  }
}

/** model.predict against the float64 reference on `rows` random inputs. */
function expectSamePredictions(model: tf.LayersModel, description: KerasModel, rows: number, seed: number): void {
  const x = new Rng(seed).f32(rows * description.inputWidth, -1, 1);
  const predicted = tf.tidy(() =>
    (model.predict(tf.tensor(x, [rows, ...description.inputShape])) as tf.Tensor).dataSync(),
  );
  const reference = kerasForward64(description, x, rows);
  reference.forEach((r, k) => {
    assert.ok(
      Math.abs(predicted[k]! - r) <= 1e-5 * Math.max(1, Math.abs(r)),
      `output ${k}: tfjs ${predicted[k]}, float64 reference ${r}`,
    );
  });
}

describe('tfjs models saved with model.save', () => {
  it('the Keras MNIST model Flatten(28×28) → Dense(128, relu) → Dropout(0.2) → Dense(10) logits', async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.flatten({ inputShape: [28, 28] }),
        tf.layers.dense({ units: 128, activation: 'relu' }),
        tf.layers.dropout({ rate: 0.2 }),
        tf.layers.dense({ units: 10 }),
      ],
    });
    const { json, files } = await saved(model);
    const description = readKerasModel(json, files);
    const [flatten, dense1, dropout, dense2] = model.layers.map((l) => l.name);
    assert.deepEqual(description.layers, [
      { kind: 'input', name: `${flatten}_input`, inputShape: [28, 28] },
      { kind: 'flatten', name: flatten, inputShape: [28, 28] },
      { kind: 'dense', name: dense1, inputs: 784, units: 128, activation: 'relu', useBias: true },
      { kind: 'dropout', name: dropout, rate: 0.2 },
      { kind: 'dense', name: dense2, inputs: 128, units: 10, activation: 'linear', useBias: true },
    ]);
    assert.deepEqual([description.inputShape, description.inputWidth, description.outputWidth], [[28, 28], 784, 10]);
    expectSameWeights(model, description);
    expectSamePredictions(model, description, 8, 1);
  });

  it('trained with Adam and saved with includeOptimizer: the optimizer state is skipped', async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.dense({ inputShape: [6], units: 4, activation: 'tanh' }),
        tf.layers.dense({ units: 3, activation: 'softmax' }),
      ],
    });
    model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
    await model.fit(
      tf.randomNormal([8, 6], 0, 1, 'float32', 1),
      tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1], 'int32'), 3),
      { epochs: 1, verbose: 0 },
    );
    const { json, files } = await saved(model, { includeOptimizer: true });
    const specs = (json.weightsManifest as Array<{ weights: KerasWeightSpec[] }>)[0]!.weights;
    assert.ok(
      specs.some((s) => s.group === 'optimizer'),
      'tfjs saved no optimizer state',
    );
    const description = readKerasModel(json, files);
    assert.deepEqual(
      [...description.weights.keys()],
      model.layers.flatMap((l) => [`${l.name}/kernel`, `${l.name}/bias`]),
    );
    expectSameWeights(model, description);
    expectSamePredictions(model, description, 4, 3);
  });

  it('tanh and sigmoid hidden layers, no bias, an Activation softmax, a rank-3 Flatten, sharded and reordered weights', async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.flatten({ inputShape: [4, 3, 2] }),
        tf.layers.dense({ units: 16, activation: 'tanh', biasInitializer: 'randomNormal' }),
        tf.layers.dense({ units: 8, activation: 'sigmoid', useBias: false }),
        tf.layers.dense({ units: 5, activation: 'linear', biasInitializer: 'randomNormal' }),
        tf.layers.activation({ activation: 'softmax' }),
      ],
    });
    const { json, files } = await saved(model);
    const description = readKerasModel(json, files);
    assert.deepEqual(
      description.layers.map((l) => [l.kind, 'activation' in l ? l.activation : null]),
      [
        ['input', null],
        ['flatten', null],
        ['dense', 'tanh'],
        ['dense', 'sigmoid'],
        ['dense', 'linear'],
        ['activation', 'softmax'],
      ],
    );
    assert.equal(description.layers.find((l) => l.kind === 'dense' && !l.useBias)?.name, model.layers[2]!.name);
    assert.equal(description.weights.has(`${model.layers[2]!.name}/bias`), false);
    expectSameWeights(model, description);
    expectSamePredictions(model, description, 16, 2);

    // The same bytes as two groups, the second split over three shards and listed in reverse order.
    const specs = (json.weightsManifest as Array<{ weights: KerasWeightSpec[] }>)[0]!.weights;
    const sizes = specs.map((s) => 4 * s.shape.reduce((a, b) => a * b, 1));
    const offsets = sizes.map((_, i) => sizes.slice(0, i).reduce((a, b) => a + b, 0));
    const bytesOf = (i: number) => files[0]!.subarray(offsets[i]!, offsets[i]! + sizes[i]!);
    const first = [0, 1],
      rest = specs
        .map((_, i) => i)
        .slice(2)
        .reverse();
    const restBytes = new Uint8Array(rest.reduce((n, i) => n + sizes[i]!, 0));
    rest.reduce((at, i) => {
      restBytes.set(bytesOf(i), at);
      return at + sizes[i]!;
    }, 0);
    const cut1 = 3,
      cut2 = restBytes.length - 5;
    const sharded = {
      ...json,
      weightsManifest: [
        { paths: ['group1-shard1of1.bin'], weights: first.map((i) => specs[i]) },
        {
          paths: ['group2-shard1of3.bin', 'group2-shard2of3.bin', 'group2-shard3of3.bin'],
          weights: rest.map((i) => specs[i]),
        },
      ],
    };
    const firstBytes = new Uint8Array([...bytesOf(0), ...bytesOf(1)]);
    const resharded = readKerasModel(sharded, [
      firstBytes,
      restBytes.subarray(0, cut1),
      restBytes.subarray(cut1, cut2),
      restBytes.subarray(cut2),
    ]);
    assert.deepEqual(resharded.weights, description.weights);
    assert.deepEqual(parseKerasModelJson(sharded).paths, [
      'group1-shard1of1.bin',
      'group2-shard1of3.bin',
      'group2-shard2of3.bin',
      'group2-shard3of3.bin',
    ]);
  });
});

describe('converter output of Keras 2 and Keras 3 (hand-written fixtures)', () => {
  it('Keras 2 (model_config, InputLayer batch_input_shape, dense/kernel) and Keras 3 (batch_shape, DTypePolicy, sequential/dense/kernel:0) read the same', () => {
    const rng = new Rng(3);
    const k2 = keras2Mnist(),
      k3 = keras3Mnist();
    const files2 = modelFiles(k2, rng);
    const model2 = readKerasModel(k2, files2);
    // Keras 3's manifest lists the same tensors in another order under other names: give them the same values.
    const byName = new Map(k2.weightsManifest[0]!.weights.map((w, i) => [w.name, i]));
    const values2 = decodeWeightGroups('k2', k2.weightsManifest, files2);
    const ordered = k3.weightsManifest
      .flatMap((g) => g.weights)
      .map((w) => values2[byName.get(w.name.replace(/^sequential\//, '').replace(/:0$/, ''))!]!.values!);
    const all = new Uint8Array(ordered.reduce((n, v) => n + v.byteLength, 0));
    ordered.reduce((at, v) => {
      all.set(new Uint8Array(v.buffer), at);
      return at + v.byteLength;
    }, 0);
    const firstGroup = k3.weightsManifest[0]!.weights.reduce((n, w) => n + 4 * w.shape.reduce((a, b) => a * b, 1), 0);
    const model3 = readKerasModel(k3, [
      all.subarray(0, firstGroup),
      all.subarray(firstGroup, firstGroup + 100),
      all.subarray(firstGroup + 100),
    ]);
    assert.deepEqual(model3.layers, [
      { kind: 'input', name: 'input_layer', inputShape: [28, 28] },
      { kind: 'flatten', name: 'flatten', inputShape: [28, 28] },
      { kind: 'dense', name: 'dense', inputs: 784, units: 128, activation: 'relu', useBias: true },
      { kind: 'dropout', name: 'dropout', rate: 0.2 },
      { kind: 'dense', name: 'dense_1', inputs: 128, units: 10, activation: 'linear', useBias: true },
    ]);
    assert.deepEqual(model2.layers.slice(1), model3.layers.slice(1));
    assert.deepEqual(model3.weights, model2.weights);
    assert.equal(model3.name, 'sequential');
  });

  it('Keras 2 and Keras 3 Functional chains read like the Sequential; a branch is MODEL_UNSUPPORTED', () => {
    const rng = new Rng(4);
    const functional = keras3Functional();
    const model = readKerasModel(functional, modelFiles(functional, rng));
    assert.deepEqual(
      model.layers.map((l) => l.kind),
      ['input', 'flatten', 'dense', 'dropout', 'dense'],
    );
    // Keras 2 writes inbound_nodes as [[[layer, node, tensor, kwargs]]].
    const keras2 = keras2Mnist();
    const chain = keras2.modelTopology.model_config.config.layers;
    chain.forEach((layer, i) => {
      layer.name = (layer.config as { name: string }).name;
      layer.inbound_nodes = i === 0 ? [] : [[[(chain[i - 1]!.config as { name: string }).name, 0, 0, {}]]];
    });
    Object.assign(keras2.modelTopology.model_config, { class_name: 'Functional' });
    Object.assign(keras2.modelTopology.model_config.config, {
      input_layers: [['flatten_input', 0, 0]],
      output_layers: [['dense_1', 0, 0]],
    });
    const model2 = readKerasModel(keras2, modelFiles(keras2, rng));
    assert.deepEqual(model2.layers.slice(1), model.layers.slice(1));
    chain[4]!.inbound_nodes = [
      [
        ['dense', 0, 0, {}],
        ['dropout', 0, 0, {}],
      ],
    ];
    expectCode('MODEL_UNSUPPORTED', /takes inputs from \[dense, dropout\]/, () => parseKerasModelJson(keras2));
    const layers = (functional.modelTopology.model_config.config as { layers: Array<Record<string, unknown>> }).layers;
    // dense_1 fed by flatten (skipping dropout): not a chain.
    const branched = structuredClone(functional);
    const last = (branched.modelTopology.model_config.config as { layers: Array<{ inbound_nodes: unknown }> })
      .layers[4]!;
    last.inbound_nodes = structuredClone(layers[2]!.inbound_nodes);
    expectCode(
      'MODEL_UNSUPPORTED',
      /not a single chain: layer 4 \("dense_1", "Dense"\) takes inputs from \[flatten\]/,
      () => parseKerasModelJson(branched),
    );
  });
});

describe('quantized and float16 weights', () => {
  it('float16: all 65536 half values decode as tf.io.decodeWeights decodes them', () => {
    const halves = new Uint16Array(65536).map((_, i) => i);
    const spec: KerasWeightSpec = { name: 'h', shape: [65536], dtype: 'float32', quantization: { dtype: 'float16' } };
    const ours = decodeWeightGroups(
      'test',
      [{ paths: ['h.bin'], weights: [spec] }],
      [new Uint8Array(halves.buffer)],
    )[0]!.values!;
    const theirs = tf.io.decodeWeights(halves.buffer, [spec as tf.io.WeightsManifestEntry]).h!.dataSync();
    for (let i = 0; i < 65536; i++) {
      assert.ok(
        Object.is(ours[i], theirs[i]) || (Number.isNaN(ours[i]) && Number.isNaN(theirs[i])),
        `half 0x${i.toString(16)}: ours ${ours[i]}, tfjs ${theirs[i]}`,
      );
    }
    assert.equal(float16ToNumber(toFloat16Bits(0.333251953125)), 0.333251953125);
  });

  for (const dtype of ['uint8', 'uint16', 'float16'] as const) {
    it(`${dtype}: a model's weights quantized as the converter stores them decode as tfjs decodes them, within the quantization step of the originals`, async () => {
      const model = tf.sequential({
        layers: [
          tf.layers.dense({ inputShape: [20], units: 12, activation: 'relu', biasInitializer: 'randomUniform' }),
          tf.layers.dense({ units: 3 }),
        ],
      });
      const { json, files } = await saved(model);
      const exact = readKerasModel(json, files);
      const group = (json.weightsManifest as Array<{ paths: string[]; weights: KerasWeightSpec[] }>)[0]!;
      const parts: Uint8Array[] = [],
        specs: KerasWeightSpec[] = [],
        steps = new Map<string, number>();
      const view = new DataView(files[0]!.buffer, files[0]!.byteOffset);
      let at = 0;
      for (const spec of group.weights) {
        const n = spec.shape.reduce((a, b) => a * b, 1);
        const values = Float32Array.from({ length: n }, (_, i) => view.getFloat32(at + 4 * i, true));
        at += 4 * n;
        if (dtype === 'float16') {
          parts.push(new Uint8Array(Uint16Array.from(values, toFloat16Bits).buffer));
          specs.push({ ...spec, quantization: { dtype } });
        } else {
          const levels = dtype === 'uint8' ? 255 : 65535;
          const min = Math.min(...values),
            scale = (Math.max(...values) - min) / levels || 1;
          const q = values.map((v) => Math.round((v - min) / scale));
          parts.push(new Uint8Array((dtype === 'uint8' ? Uint8Array.from(q) : Uint16Array.from(q)).buffer));
          specs.push({ ...spec, quantization: { dtype, min, scale } });
          steps.set(spec.name, scale);
        }
      }
      const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
      parts.reduce((o, p) => {
        bytes.set(p, o);
        return o + p.length;
      }, 0);
      const quantized = readKerasModel({ ...json, weightsManifest: [{ paths: group.paths, weights: specs }] }, [bytes]);
      const theirs = tf.io.decodeWeights(bytes.slice().buffer, specs as tf.io.WeightsManifestEntry[]);
      for (const [name, values] of quantized.weights) {
        const spec = specs.find((s) => s.name === name)!;
        assert.deepEqual(values, theirs[spec.name]!.dataSync(), `${name}: ours vs tf.io.decodeWeights`);
        const original = exact.weights.get(name)!;
        const step = steps.get(name);
        original.forEach((v, i) => {
          const tol = step === undefined ? Math.abs(v) * 2 ** -11 + 2 ** -25 : step / 2 + Math.abs(v) * 2 ** -23;
          assert.ok(Math.abs(values[i]! - v) <= tol, `${name}[${i}]: ${values[i]} vs original ${v} (${dtype})`);
        });
      }
    });
  }
});

describe('what simdnet cannot run, and what is broken', () => {
  const rng = new Rng(5);
  const base = keras2Mnist();
  const files = modelFiles(base, rng);
  const layers = () => structuredClone(base);
  const configOf = (m: ReturnType<typeof keras2Mnist>, i: number) =>
    m.modelTopology.model_config.config.layers[i] as { class_name: string; config: Record<string, unknown> };

  it('an unsupported layer or activation is MODEL_UNSUPPORTED naming the layer, its class and what is supported', () => {
    const conv = layers();
    configOf(conv, 2).class_name = 'Conv2D';
    expectCode(
      'MODEL_UNSUPPORTED',
      /layer 2 \("dense", "Conv2D"\) is not supported; simdnet reads InputLayer, Flatten, Dense \(activation linear, relu, sigmoid, tanh, softmax\), Activation and Dropout layers/,
      () => readKerasModel(conv, files),
    );
    const elu = layers();
    configOf(elu, 2).config.activation = 'elu';
    expectCode('MODEL_UNSUPPORTED', /layer 2 \("dense", "Dense"\) has activation "elu"/, () =>
      readKerasModel(elu, files),
    );
    const custom = layers();
    configOf(custom, 2).config.activation = {
      module: 'keras.layers',
      class_name: 'LeakyReLU',
      config: { name: 'relu', negative_slope: 0.3 },
    };
    expectCode('MODEL_UNSUPPORTED', /layer 2 \("dense", "Dense"\) has the activation object "LeakyReLU"/, () =>
      readKerasModel(custom, files),
    );
    const half = layers();
    configOf(half, 2).config.dtype = { module: 'keras', class_name: 'DTypePolicy', config: { name: 'mixed_float16' } };
    expectCode('MODEL_UNSUPPORTED', /computes in "mixed_float16"/, () => readKerasModel(half, files));
    const noFlatten = layers();
    noFlatten.modelTopology.model_config.config.layers.splice(1, 1);
    expectCode('MODEL_UNSUPPORTED', /layer 1 \("dense", "Dense"\) gets a rank-2 input \[28,28\]; .*add a Flatten/, () =>
      readKerasModel(noFlatten, files),
    );
    expectCode('MODEL_UNSUPPORTED', /format is "graph-model"/, () =>
      readKerasModel({ ...base, format: 'graph-model' }, files),
    );
    expectCode('MODEL_UNSUPPORTED', /unknown dimension/, () => {
      const m = layers();
      configOf(m, 0).config.batch_input_shape = [null, null, 28];
      return readKerasModel(m, files);
    });
  });

  it('malformed or inconsistent input is MODEL_INVALID saying what is wrong', () => {
    expectCode('MODEL_INVALID', /the top level is not a JSON object/, () => readKerasModel([1, 2], files));
    expectCode('MODEL_INVALID', /the top level is not a JSON object/, () => readKerasModel(null, files));
    const nanShape = layers();
    configOf(nanShape, 0).config.batch_input_shape = [null, NaN, 28];
    expectCode('MODEL_INVALID', /input shape \[null,null,28\]|dimensions must be integers/, () =>
      readKerasModel(nanShape, files),
    );
    const badUnits = layers();
    configOf(badUnits, 2).config.units = 12.5;
    expectCode('MODEL_INVALID', /layer 2 \("dense", "Dense"\) has units 12.5/, () => readKerasModel(badUnits, files));
    const missing = layers();
    missing.weightsManifest[0]!.weights[0]!.name = 'dense/kernel_typo';
    expectCode('MODEL_INVALID', /no weight dense\/kernel for Dense layer "dense"/, () =>
      readKerasModel(missing, files),
    );
    const wrongShape = layers();
    wrongShape.weightsManifest[0]!.weights[0]!.shape = [128, 784];
    expectCode(
      'MODEL_INVALID',
      /weight dense\/kernel has shape \[128,784\] but Dense layer "dense" needs \[784,128\]/,
      () => readKerasModel(wrongShape, files),
    );
    const nanShapeWeight = layers();
    (nanShapeWeight.weightsManifest[0]!.weights[1]!.shape as unknown[]) = [NaN];
    expectCode('MODEL_INVALID', /weightsManifest\[0\]\.weights\[1\] \(dense\/bias\) has shape \[null\]/, () =>
      readKerasModel(nanShapeWeight, files),
    );
    const truncated = [files[0]!.subarray(0, files[0]!.length - 1)];
    expectCode('MODEL_INVALID', /hold 407079 bytes but their manifest entries .* need 407080/, () =>
      readKerasModel(base, truncated),
    );
    const extended = [new Uint8Array(files[0]!.length + 4)];
    expectCode('MODEL_INVALID', /hold 407084 bytes/, () => readKerasModel(base, extended));
    const disagree = layers();
    configOf(disagree, 1).config.batch_input_shape = [null, 784];
    expectCode(
      'MODEL_INVALID',
      /layer 1 \("flatten", "Flatten"\) declares input shape \[null,784\] but receives \[null,28,28\]/,
      () => readKerasModel(disagree, files),
    );
    const twice = layers();
    configOf(twice, 4).config.name = 'dense';
    expectCode('MODEL_INVALID', /two layers are named "dense"/, () => readKerasModel(twice, files));
    const nonFinite = files[0]!.slice();
    new DataView(nonFinite.buffer).setFloat32(8, NaN, true);
    expectCode('MODEL_INVALID', /weight dense\/kernel holds NaN at element 2/, () => readKerasModel(base, [nonFinite]));
    const rate = layers();
    configOf(rate, 3).config.rate = 1;
    expectCode('MODEL_INVALID', /layer 3 \("dropout", "Dropout"\) has rate 1/, () => readKerasModel(rate, files));
  });
});
