// The TensorFlow.js twin of a simdnet Network: the same stack of dense layers built with the tfjs
// Layers API, started from the same weights, trained with the tfjs optimizer of the same name and
// hyper-parameters, on the same batches in the same order (../schedule.ts is Network.fit's).
//
// Model     tf.sequential of tf.layers.dense: ReLU hidden layers, softmax output, bias on; kernel
//           in×out, the layout simdnet stores, so weights copy over unchanged.
// Loss      model.compile's 'sparseCategoricalCrossentropy' on the probabilities, the function
//           model.fit itself uses (tfjs-layers 4.22.0 losses.js), batch-averaged as fit does:
//             c = clip(p, ε, 1−ε);  c = c / Σc;  c = clip(c, ε, 1−ε);  loss = −Σ onehot·ln c,  ε = 1e-7.
//           simdnet uses −ln max(p_label, 1e-7) and the fused gradient (P − onehot)/rows. They agree
//           to rounding while every p_label lies in [1e-7, 1−1e-7]. Outside it: clipByValue passes no
//           gradient, so a row with p_label < 1e-7 (confidently wrong) adds nothing to tfjs's gradient
//           but (P − onehot)/rows to simdnet's; a row with p_label > 1−1e-7 changes its logits'
//           gradient by < 1.2e-7/rows; and tfjs's loss there is ≈ 1.2e-7 where simdnet's is ≈ 0.
//           Clipped non-label probabilities (< 1e-7) change their logit's gradient by < 1e-7/rows.
//           In practice: 784-10-10, He init, SGD lr 0.1, b32 on MNIST — per-step losses agree to 6e-7
//           for 738 steps; step 739 holds a row with p_label = 6e-8 and the runs drift apart from
//           there (final test accuracies within ~0.1 pp).
// Optimizer tf.train.sgd(lr) (p += −lr·g), tf.train.momentum(lr, μ) (v = μv + g; p += −lr·v),
//           tf.train.adam(lr, β1, β2, ε): the rules simdnet's optim kernels implement. tfjs keeps
//           β^t as an f32 running product where simdnet computes it in f64: the bias corrections
//           differ in the last bits.
// Data      x = pixel · f32(1/255), rounded to f32: bit-identical to simdnet's gather_images.
//
// Training, in 'step' or 'fit' mode, is in twin-fit.ts.
import { tf, type TfModule as Tf } from './peer.js';
import { parameterCount } from '../checkpoint.js';
import type { Dataset } from '../data/dataset.js';
import { resolveOptimizer } from '../model/optimizers.js';
import type { Evaluation, Network, OptimizerConfig, Prediction } from '../network.js';
import { useTfjsBackend, type TfjsBackendName } from './backend.js';
import { planSchedule } from '../schedule.js';
import {
  fitModel,
  fitSteps,
  scalePixels,
  type LossFn,
  type TrainingTarget,
  type TwinFitOptions,
  type TwinFitResult,
} from './twin-fit.js';

export { useTfjsBackend, type TfjsBackendInfo, type TfjsBackendName } from './backend.js';
export {
  PIXEL_SCALE,
  scalePixels,
  type TwinFitMode,
  type TwinFitOptions,
  type TwinFitResult,
  type TwinStepInfo,
  type TwinEpochInfo,
} from './twin-fit.js';

/** The probability floor both engines' losses use (tfjs: backend epsilon, simdnet: PROBABILITY_FLOOR). */
const PROBABILITY_FLOOR = 1e-7;
const INFERENCE_ROWS = 1024;

function makeOptimizer(opt: Required<OptimizerConfig>): Tf.Optimizer {
  switch (opt.name) {
    case 'sgd':
      return tf.train.sgd(opt.lr);
    case 'momentum':
      return tf.train.momentum(opt.lr, opt.momentum, false);
    case 'adam':
      return tf.train.adam(opt.lr, opt.beta1, opt.beta2, opt.epsilon);
  }
}

/** The loss function model.compile resolved; Sequential compiles an inner LayersModel (`.model`). */
function compiledLoss(model: Tf.Sequential): LossFn {
  const inner = (model as unknown as { model?: { lossFunctions?: unknown[] } }).model;
  const fn = inner?.lossFunctions?.[0];
  if (typeof fn !== 'function')
    throw new Error('internal: this tfjs-layers version keeps no lossFunctions on a compiled Sequential');
  return fn as LossFn;
}

export class TfjsTwin {
  readonly layers: readonly number[];
  /** Default shuffle seed, as Network.fit defaults to the network's seed. */
  readonly seed: number;
  readonly model: Tf.Sequential;
  private optimizer: Tf.Optimizer;
  private optimizerKey = '';
  private lossFn: LossFn;

  private constructor(layers: readonly number[], seed: number) {
    this.layers = Object.freeze([...layers]);
    this.seed = seed;
    this.model = tf.sequential();
    for (let l = 1; l < layers.length; l++) {
      const args: Parameters<typeof tf.layers.dense>[0] = {
        units: layers[l]!,
        activation: l === layers.length - 1 ? 'softmax' : 'relu',
        useBias: true,
        kernelInitializer: 'zeros',
        biasInitializer: 'zeros',
      };
      if (l === 1) args.inputShape = [layers[0]!];
      this.model.add(tf.layers.dense(args));
    }
    // A stand-in until fit() names the optimizer: compile resolves the loss function.
    this.optimizer = makeOptimizer(resolveOptimizer({}));
    this.model.compile({ optimizer: this.optimizer, loss: 'sparseCategoricalCrossentropy' });
    this.lossFn = compiledLoss(this.model);
  }

  /** A twin of `net` on the given tfjs backend (default wasm; the backend is process-wide). */
  static async fromNetwork(net: Network, options: { backend?: TfjsBackendName } = {}): Promise<TfjsTwin> {
    await useTfjsBackend(options.backend ?? 'wasm');
    return TfjsTwin.fromParameters(net.layers, net.getParameters(), net.seed);
  }

  /** A twin with these widths and flat parameters (simdnet layout), on the active tfjs backend. */
  static fromParameters(layers: readonly number[], params: Float32Array, seed = 0): TfjsTwin {
    const twin = new TfjsTwin(layers, seed);
    twin.setParameters(params);
    return twin;
  }

  get inputSize(): number {
    return this.layers[0]!;
  }
  get classes(): number {
    return this.layers[this.layers.length - 1]!;
  }
  get parameterCount(): number {
    return parameterCount(this.layers);
  }
  /** The active tfjs backend (process-wide). */
  get backend(): string {
    return tf.getBackend();
  }

  /** The trainable variables in simdnet's parameter order: per layer kernel, then bias. */
  private variables(): Tf.Variable[] {
    return this.model.trainableWeights.map((w) => w.read() as Tf.Variable);
  }

  /** Copies `values` (simdnet layout: per layer in×out weights, then bias) into the model. */
  setParameters(values: Float32Array): void {
    if (!(values instanceof Float32Array) || values.length !== this.parameterCount) {
      throw new RangeError(
        `setParameters: got ${values?.length} values but layers [${this.layers.join(',')}] hold ${this.parameterCount}`,
      );
    }
    const tensors: Tf.Tensor[] = [];
    let at = 0;
    for (let l = 1; l < this.layers.length; l++) {
      const inputs = this.layers[l - 1]!,
        outputs = this.layers[l]!;
      // slice(), not subarray(): the cpu backend keeps the array it is given.
      tensors.push(tf.tensor2d(values.slice(at, at + inputs * outputs), [inputs, outputs]));
      at += inputs * outputs;
      tensors.push(tf.tensor1d(values.slice(at, at + outputs)));
      at += outputs;
    }
    this.model.setWeights(tensors);
    tf.dispose(tensors);
    this.resetOptimizer();
  }

  /** A copy of every parameter in simdnet's flat layout. */
  getParameters(): Float32Array {
    const out = new Float32Array(this.parameterCount);
    let at = 0;
    for (const v of this.variables()) {
      const values = v.dataSync() as Float32Array;
      out.set(values, at);
      at += values.length;
    }
    return out;
  }

  private resetOptimizer(): void {
    this.optimizer.dispose();
    this.optimizer = makeOptimizer(resolveOptimizer({}));
    this.optimizerKey = '';
  }

  /** Keeps optimizer state across fit() calls with the same configuration, as simdnet does. */
  private prepareOptimizer(opt: Required<OptimizerConfig>): void {
    const key = JSON.stringify(opt);
    if (key === this.optimizerKey) return;
    this.optimizer.dispose();
    this.optimizer = makeOptimizer(opt);
    this.optimizerKey = key;
    this.model.compile({ optimizer: this.optimizer, loss: 'sparseCategoricalCrossentropy' });
    this.lossFn = compiledLoss(this.model);
  }

  private checkRows(inputs: Float32Array | Uint8Array, fn: string): number {
    const rows = inputs.length / this.inputSize;
    if (!Number.isInteger(rows) || rows < 1) {
      throw new RangeError(
        `${fn}: inputs hold ${inputs.length} values, not a whole number ≥ 1 of rows of ${this.inputSize} (twin [${this.layers.join(',')}])`,
      );
    }
    return rows;
  }

  private checkDataset(data: Dataset, what: string): void {
    if (
      data === null ||
      typeof data !== 'object' ||
      !(data.pixels instanceof Uint8Array) ||
      !(data.labels instanceof Uint8Array)
    ) {
      throw new TypeError(`${what} must be a dataset { count, rows, cols, pixels: Uint8Array, labels: Uint8Array }`);
    }
    if (
      data.rows * data.cols !== this.inputSize ||
      data.pixels.length !== data.count * this.inputSize ||
      data.labels.length !== data.count
    ) {
      throw new RangeError(
        `${what} holds ${data.count} images of ${data.rows}×${data.cols} (${data.pixels.length} bytes, ${data.labels.length} labels) but the twin [${this.layers.join(',')}] takes ${this.inputSize} inputs per image`,
      );
    }
    for (let i = 0; i < data.count; i++) {
      if (data.labels[i]! >= this.classes)
        throw new RangeError(`${what}.labels[${i}] = ${data.labels[i]} but the twin has ${this.classes} classes`);
    }
  }

  /**
   * Loss and gradients (tf.variableGrads through the Keras loss) for one batch, in simdnet's flat
   * layout: the oracle for Network.computeGradients.
   */
  computeGradients(inputs: Float32Array, labels: ArrayLike<number>): { loss: number; gradients: Float32Array } {
    const rows = this.checkRows(inputs, 'computeGradients');
    if (labels.length !== rows)
      throw new RangeError(`computeGradients: ${labels.length} labels for ${rows} rows of inputs`);
    const vars = this.variables();
    const { value, grads } = tf.tidy(() => {
      const x = tf.tensor2d(inputs.slice(), [rows, this.inputSize]);
      const y = tf.tensor1d(Float32Array.from(labels));
      return tf.variableGrads(() => tf.mean(this.lossFn(y, this.model.apply(x) as Tf.Tensor)) as Tf.Scalar, vars);
    });
    const gradients = new Float32Array(this.parameterCount);
    let at = 0;
    for (const v of vars) {
      const g = grads[v.name];
      if (g === undefined) throw new Error(`internal: no gradient for ${v.name}`);
      gradients.set(g.dataSync() as Float32Array, at);
      at += g.size;
    }
    const loss = value.dataSync()[0]!;
    tf.dispose([value, ...Object.values(grads)]);
    return { loss, gradients };
  }

  /** Trains on `train` with Network.fit's schedule and the tfjs optimizer of the same name. */
  async fit(train: Dataset, options: TwinFitOptions = {}): Promise<TwinFitResult> {
    this.checkDataset(train, 'train');
    const opt = resolveOptimizer(options);
    const mode = options.mode ?? 'step';
    if (mode !== 'step' && mode !== 'fit')
      throw new RangeError(`mode must be 'step' or 'fit', got ${JSON.stringify(mode)}`);
    const schedule = planSchedule(train.count, { ...options, seed: options.seed ?? this.seed });
    this.prepareOptimizer(opt);
    const target: TrainingTarget = {
      model: this.model,
      optimizer: this.optimizer,
      lossFn: this.lossFn,
      variables: this.variables(),
      inputSize: this.inputSize,
    };
    return mode === 'step' ? fitSteps(target, train, schedule, options) : fitModel(target, train, schedule, options);
  }

  /**
   * Peak bytes of live tfjs tensors during one more training step (tf.profile's peakBytes: weights,
   * optimizer slots, the batch, activations and gradients). Updates the weights once more.
   */
  async measureStepBytes(train: Dataset, options: TwinFitOptions = {}): Promise<number> {
    const once: TwinFitOptions = {
      ...options,
      epochs: undefined,
      iterations: 1,
      onStep: undefined,
      onEpoch: undefined,
    };
    const info = await tf.profile(async () => {
      await this.fit(train, once);
    });
    return info.peakBytes;
  }

  /** Loss (simdnet's definition: mean −ln max(p_label, 1e-7)) and accuracy over a dataset. */
  evaluate(data: Dataset): Evaluation {
    this.checkDataset(data, 'data');
    const { probabilities, classes } = this.predict(data.pixels);
    let lossSum = 0,
      correct = 0;
    for (let r = 0; r < data.count; r++) {
      const label = data.labels[r]!;
      lossSum -= Math.log(Math.max(probabilities[r * this.classes + label]!, PROBABILITY_FLOOR));
      if (classes[r] === label) correct++;
    }
    return { loss: lossSum / data.count, accuracy: correct / data.count, count: data.count };
  }

  /** Probabilities and classes for u8 pixels (scaled as simdnet scales them) or f32 features. */
  predict(inputs: Uint8Array | Float32Array): Omit<Prediction, 'logits'> {
    if (!(inputs instanceof Uint8Array) && !(inputs instanceof Float32Array)) {
      throw new TypeError(
        `predict: inputs must be a Uint8Array of pixels or a Float32Array, got ${Object.prototype.toString.call(inputs)}`,
      );
    }
    const count = this.checkRows(inputs, 'predict');
    const n = this.inputSize,
      k = this.classes;
    const probabilities = new Float32Array(count * k);
    const classes = new Int32Array(count);
    for (let start = 0; start < count; start += INFERENCE_ROWS) {
      const rows = Math.min(INFERENCE_ROWS, count - start);
      const slice = inputs.subarray(start * n, (start + rows) * n);
      const x = slice instanceof Uint8Array ? scalePixels(new Float32Array(rows * n), slice) : slice.slice();
      const p = tf.tidy(() => (this.model.predict(tf.tensor2d(x, [rows, n])) as Tf.Tensor).dataSync() as Float32Array);
      probabilities.set(p, start * k);
    }
    for (let r = 0; r < count; r++) {
      let best = 0;
      for (let c = 1; c < k; c++) if (probabilities[r * k + c]! > probabilities[r * k + best]!) best = c;
      classes[r] = best;
    }
    return { probabilities, classes };
  }

  dispose(): void {
    this.optimizer.dispose();
    this.model.dispose();
  }
}

/** A twin of `net` (see TfjsTwin.fromNetwork). */
export function createTwin(net: Network, options: { backend?: TfjsBackendName } = {}): Promise<TfjsTwin> {
  return TfjsTwin.fromNetwork(net, options);
}
