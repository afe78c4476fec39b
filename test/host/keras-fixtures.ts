// model.json files as tensorflowjs_converter writes them from Keras 2 (tf.keras 2.15, .h5) and
// Keras 3 (.keras), written by hand after the converter's output for the Keras MNIST example
// model Flatten(28×28) → Dense(128, relu) → Dropout(0.2) → Dense(10). The Keras 3 one gives the
// first activation as a serialised function object, the form Keras 3 uses for functions it does
// not name by string. Weight bytes come from modelFiles, seeded.
import type { KerasWeightGroup } from '../../src/tfjs/keras-weights.js';
import type { Rng } from './reference.js';

const KERAS2_LAYERS = [
  {
    class_name: 'InputLayer',
    config: {
      batch_input_shape: [null, 28, 28],
      dtype: 'float32',
      sparse: false,
      ragged: false,
      name: 'flatten_input',
    },
  },
  {
    class_name: 'Flatten',
    config: {
      name: 'flatten',
      trainable: true,
      dtype: 'float32',
      batch_input_shape: [null, 28, 28],
      data_format: 'channels_last',
    },
  },
  {
    class_name: 'Dense',
    config: {
      name: 'dense',
      trainable: true,
      dtype: 'float32',
      units: 128,
      activation: 'relu',
      use_bias: true,
      kernel_initializer: { class_name: 'GlorotUniform', config: { seed: null } },
      bias_initializer: { class_name: 'Zeros', config: {} },
      kernel_regularizer: null,
      bias_regularizer: null,
      activity_regularizer: null,
      kernel_constraint: null,
      bias_constraint: null,
    },
  },
  {
    class_name: 'Dropout',
    config: { name: 'dropout', trainable: true, dtype: 'float32', rate: 0.2, noise_shape: null, seed: null },
  },
  {
    class_name: 'Dense',
    config: {
      name: 'dense_1',
      trainable: true,
      dtype: 'float32',
      units: 10,
      activation: 'linear',
      use_bias: true,
      kernel_initializer: { class_name: 'GlorotUniform', config: { seed: null } },
      bias_initializer: { class_name: 'Zeros', config: {} },
      kernel_regularizer: null,
      bias_regularizer: null,
      activity_regularizer: null,
      kernel_constraint: null,
      bias_constraint: null,
    },
  },
];

export function keras2Mnist() {
  return {
    format: 'layers-model',
    generatedBy: 'keras v2.15.0',
    convertedBy: 'TensorFlow.js Converter v4.22.0',
    modelTopology: {
      keras_version: '2.15.0',
      backend: 'tensorflow',
      model_config: {
        class_name: 'Sequential',
        config: { name: 'sequential', layers: structuredClone(KERAS2_LAYERS) as Array<Record<string, unknown>> },
      },
      training_config: { loss: { class_name: 'SparseCategoricalCrossentropy', config: { from_logits: true } } },
    },
    weightsManifest: [
      {
        paths: ['group1-shard1of1.bin'],
        weights: [
          { name: 'dense/kernel', shape: [784, 128], dtype: 'float32' },
          { name: 'dense/bias', shape: [128], dtype: 'float32' },
          { name: 'dense_1/kernel', shape: [128, 10], dtype: 'float32' },
          { name: 'dense_1/bias', shape: [10], dtype: 'float32' },
        ],
      },
    ] as KerasWeightGroup[],
  };
}

const POLICY = { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null };
const INITIALIZERS = {
  kernel_initializer: {
    module: 'keras.initializers',
    class_name: 'GlorotUniform',
    config: { seed: null },
    registered_name: null,
  },
  bias_initializer: { module: 'keras.initializers', class_name: 'Zeros', config: {}, registered_name: null },
  kernel_regularizer: null,
  bias_regularizer: null,
  kernel_constraint: null,
  bias_constraint: null,
};

function keras3Layers() {
  return [
    {
      module: 'keras.layers',
      class_name: 'InputLayer',
      config: { batch_shape: [null, 28, 28], dtype: 'float32', sparse: false, name: 'input_layer' },
      registered_name: null,
      name: 'input_layer',
    },
    {
      module: 'keras.layers',
      class_name: 'Flatten',
      config: { name: 'flatten', trainable: true, dtype: POLICY, data_format: 'channels_last' },
      registered_name: null,
      build_config: { input_shape: [null, 28, 28] },
      name: 'flatten',
    },
    {
      module: 'keras.layers',
      class_name: 'Dense',
      config: {
        name: 'dense',
        trainable: true,
        dtype: POLICY,
        units: 128,
        activation: {
          module: 'keras.activations',
          class_name: 'function',
          config: 'relu',
          registered_name: 'function',
        },
        use_bias: true,
        ...INITIALIZERS,
      },
      registered_name: null,
      build_config: { input_shape: [null, 784] },
      name: 'dense',
    },
    {
      module: 'keras.layers',
      class_name: 'Dropout',
      config: { name: 'dropout', trainable: true, dtype: POLICY, rate: 0.2, seed: null, noise_shape: null },
      registered_name: null,
      name: 'dropout',
    },
    {
      module: 'keras.layers',
      class_name: 'Dense',
      config: {
        name: 'dense_1',
        trainable: true,
        dtype: POLICY,
        units: 10,
        activation: 'linear',
        use_bias: true,
        ...INITIALIZERS,
      },
      registered_name: null,
      build_config: { input_shape: [null, 128] },
      name: 'dense_1',
    },
  ];
}

function keras3Model(modelConfig: Record<string, unknown>, weightsManifest: KerasWeightGroup[]) {
  return {
    format: 'layers-model',
    generatedBy: 'keras v3.3.3',
    convertedBy: 'TensorFlow.js Converter v4.22.0',
    modelTopology: { keras_version: '3.3.3', backend: 'tensorflow', model_config: modelConfig },
    weightsManifest,
  };
}

/** Keras 3 Sequential: names carry the model prefix, two of them a `:0`, in two groups (the second in two shards). */
export function keras3Mnist() {
  return keras3Model(
    {
      module: 'keras',
      class_name: 'Sequential',
      config: {
        name: 'sequential',
        trainable: true,
        dtype: POLICY,
        layers: keras3Layers(),
        build_input_shape: [null, 28, 28],
      },
      registered_name: null,
    },
    [
      {
        paths: ['group1-shard1of1.bin'],
        weights: [
          { name: 'sequential/dense_1/kernel', shape: [128, 10], dtype: 'float32' },
          { name: 'sequential/dense/bias:0', shape: [128], dtype: 'float32' },
        ],
      },
      {
        paths: ['group2-shard1of2.bin', 'group2-shard2of2.bin'],
        weights: [
          { name: 'sequential/dense/kernel:0', shape: [784, 128], dtype: 'float32' },
          { name: 'sequential/dense_1/bias', shape: [10], dtype: 'float32' },
        ],
      },
    ],
  );
}

/** The same layers as a Keras 3 Functional model: each layer's inbound node names the one before. */
export function keras3Functional() {
  const layers: Array<Record<string, unknown>> = keras3Layers();
  layers.forEach((layer, i) => {
    layer.inbound_nodes =
      i === 0
        ? []
        : [
            {
              args: [
                {
                  class_name: '__keras_tensor__',
                  config: { shape: [null, 784], dtype: 'float32', keras_history: [layers[i - 1]!.name, 0, 0] },
                },
              ],
              kwargs: i === 3 ? { training: false } : {},
            },
          ];
  });
  return keras3Model(
    {
      module: 'keras',
      class_name: 'Functional',
      registered_name: 'Functional',
      config: {
        name: 'functional',
        trainable: true,
        layers,
        input_layers: [['input_layer', 0, 0]],
        output_layers: [['dense_1', 0, 0]],
      },
    },
    [
      {
        paths: ['group1-shard1of1.bin'],
        weights: [
          { name: 'dense/kernel', shape: [784, 128], dtype: 'float32' },
          { name: 'dense/bias', shape: [128], dtype: 'float32' },
          { name: 'dense_1/kernel', shape: [128, 10], dtype: 'float32' },
          { name: 'dense_1/bias', shape: [10], dtype: 'float32' },
        ],
      },
    ],
  );
}

/** Random float32 weight files for a manifest of unquantized float32 entries: each group's bytes split evenly over its paths. */
export function modelFiles(model: { weightsManifest: KerasWeightGroup[] }, rng: Rng): Uint8Array[] {
  return model.weightsManifest.flatMap((group) => {
    const count = group.weights.reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1), 0);
    const bytes = new Uint8Array(rng.f32(count, -0.5, 0.5).buffer);
    const per = Math.ceil(bytes.length / group.paths.length);
    return group.paths.map((_, k) => bytes.subarray(k * per, Math.min(bytes.length, (k + 1) * per)));
  });
}

/** The IEEE binary16 nearest to `v` (ties to even), as the converter's numpy float16 cast stores it. */
export function toFloat16Bits(v: number): number {
  const sign = v < 0 || Object.is(v, -0) ? 0x8000 : 0;
  const a = Math.abs(v);
  if (Number.isNaN(v)) return 0x7e00;
  const roundEven = (x: number): number => {
    const r = Math.round(x);
    return r - x === 0.5 && r % 2 === 1 ? r - 1 : r;
  };
  if (a < 2 ** -14) return sign | roundEven(a * 2 ** 24); // subnormal (rounding up to 0x400 gives the smallest normal)
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  let m = roundEven((a / 2 ** e - 1) * 1024);
  if (m === 1024) {
    m = 0;
    e++;
  }
  if (e > 15) return sign | 0x7c00;
  return sign | ((e + 15) << 10) | m;
}
