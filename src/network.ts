// A stack of dense layers (ReLU hidden, softmax output) trained on the kernels. All parameters
// live in one flat region of the arena, gradients and optimizer state in regions of the same
// layout, so an update is one kernel call. Row-major, batch-major: a batch is rows×features.
//
// Per layer l with input a (rows×in), weights W (in×out, the tfjs Dense layout) and bias b:
//   forward   z = a·W + b;  a' = ReLU(z) (hidden) or softmax(z) (output)
//   backward  δ_L = (P − onehot(Y)) / rows;  dW = aᵀ·δ;  db = Σ_rows δ;  δ_prev = (δ·Wᵀ) ⊙ [a > 0]
// which is the seed's algorithm transposed (the seed keeps samples in columns). The kernels fuse
// what they can: bias and ReLU into the forward GEMM's tile epilogue (dense_forward), the mask
// [a > 0] into the input-gradient GEMM (dense_backward_input), and softmax, loss, accuracy and δ_L
// into one pass (softmax_crossentropy). The first layer reads its input straight from the u8
// pixels by row index: training, evaluate and predict on pixels never build an f32 copy of the
// batch; x holds f32 inputs only when the caller gives them (computeGradients, predict on a
// Float32Array). The resident training set is held as sparse rows, its non-zero bytes only
// (sparse_forward_u8, sparse_backward_weights_u8), when few enough of its bytes are non-zero (81 %
// of MNIST's are zero); otherwise, and for evaluate and predict, as dense rows (dense_forward_u8,
// dense_backward_weights_u8). Both give the same sums in exact arithmetic.
import type { KernelExports } from './abi.js';
import type { ParallelKernels } from './threads.js';
import { layoutPlan, WASM32_MAX_BYTES, type Arena, type ArenaPlan } from './arena.js';
import type { Tensor } from './tensor.js';
import { decodeCheckpoint, encodeCheckpoint, parameterCount } from './checkpoint.js';
import type { Dataset } from './data/dataset.js';
import { countNonzero, packSparseRows, sparseByDefault, SPARSE_MAX_WIDTH } from './data/sparse.js';
import { SimdnetError } from './errors.js';
import { ADAM_DEFAULTS } from './kernels.js';
import { Rng } from './rng.js';
import { planSchedule, positiveInteger, scheduleSteps } from './schedule.js';
import type { Runtime } from './runtime.js';

export type Initializer = 'uniform' | 'he';
export type OptimizerName = 'sgd' | 'momentum' | 'adam';
export const OPTIMIZERS: readonly OptimizerName[] = ['sgd', 'momentum', 'adam'];
export const INITIALIZERS: readonly Initializer[] = ['uniform', 'he'];
export type PixelFormat = 'auto' | 'dense' | 'sparse';
export const PIXEL_FORMATS: readonly PixelFormat[] = ['auto', 'dense', 'sparse'];

export interface NetworkOptions {
  /** Widths from input to output, e.g. [784, 128, 10]: at least two, each an integer ≥ 1. */
  layers: readonly number[];
  /** `uniform`: the seed's U(−0.5, 0.5) for weights and biases; `he`: N(0, 2/fan_in) weights, zero biases. Default `he`. */
  init?: Initializer;
  /** Seed for the initial weights (and the default shuffle seed). Default 0. */
  seed?: number;
}

export interface OptimizerConfig {
  name: OptimizerName;
  lr: number;
  /** Momentum coefficient (momentum only). Default 0.9. */
  momentum?: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

export interface StepInfo {
  /** Steps taken in this fit, counting this one (1-based). */
  step: number;
  /** 1-based epoch this step belongs to. */
  epoch: number;
  /** Mean cross-entropy of the batch, before this step's update. */
  loss: number;
  /** Fraction of the batch classified correctly, before this step's update. */
  accuracy: number;
}

export interface EpochInfo {
  epoch: number;
  steps: number;
  /** Mean of the batch losses over the epoch. */
  loss: number;
  /** Fraction of training examples classified correctly as seen during the epoch. */
  accuracy: number;
  milliseconds: number;
}

export interface FitOptions {
  /** Default `sgd` with lr 0.1. */
  optimizer?: OptimizerName | OptimizerConfig;
  /** Learning rate when `optimizer` is a name. Default 0.1 for sgd/momentum, 0.001 for adam. */
  lr?: number;
  /** Rows per step, or `full` for full-batch gradient descent. Default 32. */
  batchSize?: number | 'full';
  /** Passes over the data (default 1). Mutually exclusive with `iterations`. */
  epochs?: number;
  /** Number of steps instead of epochs. */
  iterations?: number;
  /** Reshuffle the order every epoch. Default true for mini-batches, false for `full`. */
  shuffle?: boolean;
  /** Shuffle seed; defaults to the network's seed. */
  seed?: number;
  /**
   * How the training set's pixels are held while training: `sparse`, only the non-zero bytes (the
   * first layer then works in proportion to them), or `dense`. Default `auto`: sparse when at most
   * 30 % of the bytes are non-zero (MNIST: 19 %). Both train the same model: the sums differ only
   * in rounding order.
   */
  pixelFormat?: PixelFormat;
  onStep?: (info: StepInfo) => void;
  onEpoch?: (info: EpochInfo) => void;
}

export interface FitResult {
  steps: number;
  epochs: EpochInfo[];
  /** Wall-clock training time (data residency and planning excluded, every step included). */
  seconds: number;
  msPerStep: number;
  msPerEpoch: number;
  finalLoss: number;
}

export interface Evaluation {
  loss: number;
  accuracy: number;
  count: number;
}

export interface Prediction {
  /** count × classes, row-major. */
  probabilities: Float32Array;
  classes: Int32Array;
}

/** Rows evaluated or predicted per kernel call when not training. */
const INFERENCE_ROWS = 512;

/**
 * Training stops with DIVERGED when a parameter leaves ±MAX_PARAMETER (checked at every epoch end).
 * The loss alone misses such blow-ups: it clips probabilities at 1e-7, so a network whose weights
 * reached 1e17 still reports a finite loss near 16. Trained weights are O(1); 1e15 is far from any
 * of them and still well below where float32 logits overflow to Inf and NaN.
 */
export const MAX_PARAMETER = 1e15;

/** The training set held in the arena: as dense rows of pixels, or as `entries` non-zero bytes in sparse rows. */
interface Resident {
  data: Dataset;
  sparse: boolean;
  entries: number;
}

/** Where the first layer reads its u8 rows (byte offsets): `indices` picks rows of dense pixels or of sparse rows. */
type PixelRows = { indices: number } & ({ pixels: number } | { starts: number; entries: number });

interface Layer {
  inputs: number;
  outputs: number;
  /** Element offsets into the flat parameter region. */
  weights: number;
  bias: number;
}

function describeLayers(layers: readonly number[]): string {
  return `[${layers.join(',')}]`;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return value.constructor?.name ?? 'object';
  return `${typeof value} ${String(value)}`;
}

function checkLayers(layers: unknown): number[] {
  if (!Array.isArray(layers)) throw new TypeError(`layers must be an array of widths such as [784, 128, 10], got ${typeof layers}`);
  if (layers.length < 2) throw new RangeError(`layers needs at least an input and an output width, got ${JSON.stringify(layers)}`);
  layers.forEach((w, i) => {
    if (typeof w !== 'number') throw new TypeError(`layers[${i}] must be a number, got ${typeof w} ${JSON.stringify(w)}`);
    if (!Number.isInteger(w) || w < 1 || w > 1 << 24) {
      throw new RangeError(`layers[${i}] must be an integer width in [1, 2²⁴], got ${JSON.stringify(w)}`);
    }
  });
  return [...layers] as number[];
}

function positiveFinite(name: string, value: unknown): number {
  if (typeof value !== 'number') throw new TypeError(`${name} must be a number, got ${typeof value} ${JSON.stringify(value)}`);
  if (!Number.isFinite(value) || value <= 0) {
    throw new RangeError(`${name} must be a finite number > 0, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Throws a RangeError naming the first element of `values` that is NaN or ±Infinity. */
function checkFinite(fn: string, what: string, values: ArrayLike<number>, rowLength?: number): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isFinite(v)) continue;
    if (typeof v !== 'number') throw new TypeError(`${fn}: ${what}[${i}] must be a number, got ${typeof v} ${JSON.stringify(v)}`);
    const where = rowLength === undefined ? '' : ` (row ${Math.floor(i / rowLength)}, column ${i % rowLength})`;
    throw new RangeError(`${fn}: ${what}[${i}]${where} is ${v}; every value must be finite`);
  }
}

function isArrayLike(value: unknown): value is ArrayLike<number> {
  return ArrayBuffer.isView(value) || Array.isArray(value);
}

/**
 * The arena buffers for a network of these widths holding `rows` rows of activations, the
 * training set (dense or sparse), and `xRows` rows of f32 inputs (only computeGradients and
 * predict on a Float32Array use x; training and inference on pixels read the u8 rows). Evaluate
 * and predict stage pixels INFERENCE_ROWS (at most `rows`) at a time. `sparseWorkspaceBytes` is
 * what sparse_backward_weights_u8 needs for the first layer.
 */
function arenaPlan(layers: readonly number[], rows: number, train: Resident | null, workspaceBytes: number, sparseWorkspaceBytes: number, xRows: number): ArenaPlan {
  const P = parameterCount(layers), inputs = layers[0]!;
  const staging = Math.min(rows, INFERENCE_ROWS);
  const plan: ArenaPlan = {
    params: [P], grads: [P], state1: [P], state2: [P], backup: [P],
    x: [xRows, inputs],
    workspace: { dtype: 'u8', shape: [workspaceBytes] },
    correct: { dtype: 'i32', shape: [1] },
    labels: { dtype: 'i32', shape: [rows] },
    classes: { dtype: 'i32', shape: [staging] },
    stagingPixels: { dtype: 'u8', shape: [staging, inputs] },
    stagingLabels: { dtype: 'u8', shape: [staging] },
    stagingOrder: { dtype: 'i32', shape: [staging] },
  };
  for (let l = 1; l < layers.length; l++) {
    plan[`act${l - 1}`] = [rows, layers[l]!];
    plan[`delta${l - 1}`] = [rows, layers[l]!];
  }
  if (train !== null) {
    const count = train.data.count;
    if (train.sparse) {
      Object.assign(plan, sparseRowsPlan(count, train.entries, sparseWorkspaceBytes));
    } else {
      plan.trainPixels = { dtype: 'u8', shape: [count, inputs] };
    }
    plan.trainLabels = { dtype: 'u8', shape: [count] };
    plan.order = { dtype: 'i32', shape: [count] };
  }
  return plan;
}

/**
 * The buffers of a training set of `count` rows held as sparse rows with `entries` non-zero bytes
 * (trainStarts, trainEntries), and the first layer's weight-gradient workspace: what fit plans,
 * and perf/step.ts replays.
 */
export function sparseRowsPlan(count: number, entries: number, workspaceBytes: number): ArenaPlan {
  return {
    trainStarts: { dtype: 'i32', shape: [count + 1] },
    trainEntries: { dtype: 'i32', shape: [Math.max(1, entries)] },
    sparseWorkspace: { dtype: 'u8', shape: [Math.max(16, workspaceBytes)] },
  };
}

/** Packs `pixels` (rows of `width` bytes, `entries` of them non-zero) into an arena planned with sparseRowsPlan. */
export function writeSparseRows(arena: Arena, pixels: Uint8Array, width: number, entries: number): void {
  packSparseRows(pixels, width, arena.tensor('trainStarts', 'i32').view(), arena.tensor('trainEntries', 'i32').view().subarray(0, entries));
}

/** The optimizer and hyper-parameters `fit` will use, defaults filled in and checked (shared with the tfjs twin). */
export function resolveOptimizer(options: Pick<FitOptions, 'optimizer' | 'lr'>): Required<OptimizerConfig> {
  const given = options.optimizer ?? 'sgd';
  if (typeof given !== 'string' && (given === null || typeof given !== 'object')) {
    throw new TypeError(`optimizer must be a name (${OPTIMIZERS.join(', ')}) or an object { name, lr, … }, got ${JSON.stringify(given)}`);
  }
  const config: OptimizerConfig = typeof given === 'string' ? { name: given, lr: options.lr ?? NaN } : { ...given };
  if (!OPTIMIZERS.includes(config.name)) {
    throw new RangeError(`unknown optimizer ${JSON.stringify(config.name)}; use one of ${OPTIMIZERS.join(', ')}`);
  }
  if (Number.isNaN(config.lr) && options.lr === undefined && typeof given === 'string') config.lr = given === 'adam' ? 0.001 : 0.1;
  const lr = positiveFinite('lr', config.lr);
  const momentum = config.momentum ?? 0.9;
  const beta1 = config.beta1 ?? ADAM_DEFAULTS.beta1, beta2 = config.beta2 ?? ADAM_DEFAULTS.beta2;
  for (const [name, v] of [['momentum', momentum], ['beta1', beta1], ['beta2', beta2]] as const) {
    if (!(v >= 0 && v < 1)) throw new RangeError(`${name} must be in [0, 1), got ${v}`);
  }
  const epsilon = positiveFinite('epsilon', config.epsilon ?? ADAM_DEFAULTS.epsilon);
  return { name: config.name, lr, momentum, beta1, beta2, epsilon };
}

export class Network {
  readonly layers: readonly number[];
  readonly seed: number;
  private readonly plan: Layer[];
  readonly parameterCount: number;
  private arena: Arena;
  /** Rows the activation buffers hold. */
  private capacity: number;
  /** Rows of f32 inputs x holds (grows only for computeGradients on more rows). */
  private xCapacity = INFERENCE_ROWS;
  /** The training set resident in the arena, if any. */
  private resident: Resident | null = null;
  /** Byte offset of every buffer of the current arena, by name (the step reads dozens per call). */
  private offsets: Record<string, number> = {};
  /** Optimizer whose state the state regions hold, and its step count. */
  private optimizerState: { name: OptimizerName; step: number } | null = null;

  private constructor(readonly runtime: Runtime, layers: number[], seed: number, params: Float32Array) {
    this.layers = Object.freeze(layers);
    this.seed = seed;
    this.plan = [];
    let offset = 0;
    for (let l = 1; l < layers.length; l++) {
      const inputs = layers[l - 1]!, outputs = layers[l]!;
      this.plan.push({ inputs, outputs, weights: offset, bias: offset + inputs * outputs });
      offset += inputs * outputs + outputs;
    }
    this.parameterCount = offset;
    this.capacity = INFERENCE_ROWS;
    this.arena = this.buildArena(INFERENCE_ROWS, null, INFERENCE_ROWS);
    this.tensor('params').write(params);
  }

  /** A new network with freshly initialised parameters. */
  static create(runtime: Runtime, options: NetworkOptions): Network {
    if (options === null || typeof options !== 'object') throw new TypeError('network options must be an object with layers');
    const layers = checkLayers(options.layers);
    const init = options.init ?? 'he';
    if (!INITIALIZERS.includes(init)) throw new RangeError(`unknown init ${JSON.stringify(init)}; use one of ${INITIALIZERS.join(', ')}`);
    const seed = options.seed ?? 0;
    const rng = new Rng(seed);
    // Check the memory plan before allocating and initialising the parameters: a network beyond
    // WASM32's 4 GiB gets the arena's RangeError now, not an engine out-of-memory after minutes.
    const P = parameterCount(layers);
    if (5 * 4 * P > WASM32_MAX_BYTES) {
      throw new RangeError(`Network.create: layers ${describeLayers(layers)} hold ${P} parameters; parameters, gradients, optimizer state and backup need ${5 * 4 * P} bytes (${(5 * 4 * P / 2 ** 30).toFixed(2)} GiB), beyond WASM32's 4 GiB address space; nothing was allocated`);
    }
    try {
      layoutPlan(runtime.arenaBase, arenaPlan(layers, INFERENCE_ROWS, null, runtime.workspaceBytes * runtime.threads, 0, INFERENCE_ROWS));
    } catch (err) {
      throw new RangeError(`Network.create: layers ${describeLayers(layers)}: ${(err as Error).message}`, { cause: err });
    }
    const params = new Float32Array(P);
    let at = 0;
    for (let l = 1; l < layers.length; l++) {
      const fanIn = layers[l - 1]!, fanOut = layers[l]!;
      const std = Math.sqrt(2 / fanIn);
      for (let i = 0; i < fanIn * fanOut; i++) params[at++] = init === 'uniform' ? rng.next() - 0.5 : rng.normal() * std;
      for (let i = 0; i < fanOut; i++) params[at++] = init === 'uniform' ? rng.next() - 0.5 : 0;
    }
    return new Network(runtime, layers, seed, params);
  }

  /** A network from checkpoint bytes (see checkpoint.ts). */
  static fromBytes(runtime: Runtime, bytes: Uint8Array, name?: string): Network {
    const { layers, params } = decodeCheckpoint(bytes, name);
    return new Network(runtime, layers, 0, params);
  }

  toBytes(): Uint8Array {
    this.live('toBytes');
    return encodeCheckpoint(this.layers, this.getParameters());
  }

  get variant(): string { return this.runtime.variant; }
  get inputSize(): number { return this.layers[0]!; }
  get classes(): number { return this.layers[this.layers.length - 1]!; }
  /** Bytes of WebAssembly memory this network's arena holds. */
  get memoryBytes(): number { return this.arena.byteLength; }

  /** A copy of every parameter, layer by layer: weights (in×out) then bias. */
  getParameters(): Float32Array { this.live('getParameters'); return this.tensor('params').read() as Float32Array; }

  setParameters(values: ArrayLike<number>): void {
    this.live('setParameters');
    if (!isArrayLike(values)) throw new TypeError(`setParameters: values must be an array or typed array of ${this.parameterCount} numbers, got ${describeValue(values)}`);
    if (values.length !== this.parameterCount) {
      throw new RangeError(`setParameters: got ${values.length} values but layers ${describeLayers(this.layers)} hold ${this.parameterCount}`);
    }
    checkFinite('setParameters', 'values', values);
    this.tensor('params').write(values);
    this.optimizerState = null;
  }

  /** Copies of each layer's weights (in×out, row-major) and bias. */
  getLayerParameters(): Array<{ weights: Float32Array; bias: Float32Array; shape: [number, number] }> {
    this.live('getLayerParameters');
    const params = this.getParameters();
    return this.plan.map((p) => ({
      weights: params.slice(p.weights, p.weights + p.inputs * p.outputs),
      bias: params.slice(p.bias, p.bias + p.outputs),
      shape: [p.inputs, p.outputs],
    }));
  }

  /** The gradients the last training step computed, in the parameter layout. */
  getGradients(): Float32Array { this.live('getGradients'); return this.tensor('grads').read() as Float32Array; }

  dispose(): void { this.arena.dispose(); this.resident = null; }

  // ---- memory plan -------------------------------------------------------------------------

  private buildArena(rows: number, train: Resident | null, xRows: number): Arena {
    const sparseWorkspaceBytes = train?.sparse ? this.runtime.sparseWorkspaceBytes(rows, this.inputSize, this.layers[1]!) : 0;
    const arena = this.runtime.createArena(arenaPlan(this.layers, rows, train, this.runtime.workspaceBytes * this.runtime.threads, sparseWorkspaceBytes, xRows));
    this.offsets = Object.fromEntries(Object.entries(arena.tensors).map(([name, t]) => [name, t.offset]));
    const identity = arena.tensor('stagingOrder', 'i32').view();
    for (let i = 0; i < identity.length; i++) identity[i] = i;
    if (train) {
      if (train.sparse) {
        writeSparseRows(arena, train.data.pixels, this.inputSize, train.entries);
      } else {
        arena.tensor('trainPixels', 'u8').write(train.data.pixels);
      }
      arena.tensor('trainLabels', 'u8').write(train.data.labels);
    }
    return arena;
  }

  /**
   * Re-plans the arena when it lacks rows, rows of f32 inputs (`xRows`) or the training set;
   * parameters and optimizer state move over.
   */
  private ensureCapacity(rows: number, train: Resident | null, xRows = 0): void {
    const keepTrain = train ?? this.resident;
    if (rows <= this.capacity && xRows <= this.xCapacity && keepTrain === this.resident) return;
    const carried = ['params', 'state1', 'state2'].map((name) => [name, this.tensor(name).read()] as const);
    const capacity = Math.max(rows, this.capacity), xCapacity = Math.max(xRows, this.xCapacity);
    const arena = this.buildArena(capacity, keepTrain, xCapacity);
    for (const [name, values] of carried) arena.tensor(name, 'f32').write(values);
    this.arena.dispose();
    this.arena = arena;
    this.capacity = capacity;
    this.xCapacity = xCapacity;
    this.resident = keepTrain;
  }

  /** Every public method starts here: a disposed network is an object in the wrong state (TypeError, as for a detached buffer). */
  private live(fn: string): void {
    if (this.arena.disposed) throw new TypeError(`Network.${fn}: this network was used after dispose()`);
  }

  private tensor(name: string): Tensor {
    const t = this.arena.tensors[name];
    if (t === undefined) throw new Error(`internal: arena has no ${name}`);
    this.arena.exports; // throws after dispose()
    return t;
  }

  /**
   * How `train` is to be held for training in `format`: the current resident itself when it
   * already fits (so nothing is re-planned), else counted afresh.
   */
  private residentFor(train: Dataset, format: PixelFormat): Resident {
    const current = this.resident;
    if (current?.data === train && (format === 'auto' || current.sparse === (format === 'sparse'))) return current;
    if (format === 'sparse' && this.inputSize > SPARSE_MAX_WIDTH) {
      throw new RangeError(`fit: pixelFormat 'sparse' addresses at most ${SPARSE_MAX_WIDTH} inputs, but the network ${describeLayers(this.layers)} takes ${this.inputSize}`);
    }
    // Only sparse rows need the count (dense rows hold every byte).
    const entries = format === 'dense' ? 0 : countNonzero(train.pixels);
    const sparse = format === 'sparse' || (format === 'auto' && sparseByDefault(entries, train.pixels.length, this.inputSize));
    return { data: train, sparse, entries };
  }

  private checkDataset(data: Dataset, what: string): void {
    if (data === null || typeof data !== 'object' || !(data.pixels instanceof Uint8Array) || !(data.labels instanceof Uint8Array)) {
      throw new TypeError(`${what} must be a dataset { count, rows, cols, pixels: Uint8Array, labels: Uint8Array }`);
    }
    positiveInteger(`${what}.count`, data.count);
    positiveInteger(`${what}.rows`, data.rows);
    positiveInteger(`${what}.cols`, data.cols);
    if (data.rows * data.cols !== this.inputSize) {
      throw new RangeError(`${what} has ${data.rows}×${data.cols} = ${data.rows * data.cols} pixels per image but the network ${describeLayers(this.layers)} takes ${this.inputSize} inputs`);
    }
    if (data.pixels.length !== data.count * this.inputSize) {
      throw new RangeError(`${what}.pixels holds ${data.pixels.length} bytes but ${data.count} images of ${this.inputSize} need ${data.count * this.inputSize}`);
    }
    if (data.labels.length !== data.count) {
      throw new RangeError(`${what}.labels holds ${data.labels.length} labels for ${data.count} images`);
    }
    for (let i = 0; i < data.count; i++) {
      if (data.labels[i]! >= this.classes) {
        throw new RangeError(`${what}.labels[${i}] = ${data.labels[i]} but the network has ${this.classes} classes`);
      }
    }
  }

  // ---- the step ----------------------------------------------------------------------------

  private get raw(): KernelExports { return this.arena.exports; }
  /** The kernels a threaded runtime splits over its threads (the raw exports on one thread). */
  private get par(): ParallelKernels { return this.arena.parallel; }
  private ptr(name: string): number {
    const offset = this.offsets[name];
    if (offset === undefined) throw new Error(`internal: arena has no ${name}`);
    return offset;
  }
  private paramPtr(element: number): number { return this.ptr('params') + 4 * element; }
  private gradPtr(element: number): number { return this.ptr('grads') + 4 * element; }

  /**
   * Forward pass over `rows` rows of input: u8 rows picked by `input.indices` and scaled by 1/255
   * (`input` given), or the f32 rows of x. Leaves each hidden layer's ReLU output in act_l and the
   * output layer's logits in the last act buffer.
   */
  private forward(rows: number, input?: PixelRows): void {
    const k = this.par;
    const last = this.plan.length - 1;
    this.plan.forEach((p, l) => {
      const out = this.ptr(`act${l}`), relu = l < last ? 1 : 0;
      const W = this.paramPtr(p.weights), b = this.paramPtr(p.bias);
      if (l === 0 && input) {
        if ('starts' in input) k.sparse_forward_u8(out, input.starts, input.entries, input.indices, W, b, rows, p.outputs, 1 / 255, relu);
        else k.dense_forward_u8(out, input.pixels, input.indices, W, b, rows, p.inputs, p.outputs, 1 / 255, relu, this.ptr('workspace'));
      } else {
        k.dense_forward(out, l === 0 ? this.ptr('x') : this.ptr(`act${l - 1}`), W, b, rows, p.inputs, p.outputs, relu);
      }
    });
  }

  /**
   * The output layer of a training step: δ_L = (softmax(logits) − onehot(labels)) / rows into the
   * last delta buffer; returns the mean cross-entropy and the number of rows classified right.
   */
  private outputLayer(rows: number): { loss: number; correct: number } {
    const last = this.plan.length - 1;
    const loss = this.par.softmax_crossentropy(this.ptr(`delta${last}`), this.ptr(`act${last}`), this.ptr('labels'), rows, this.classes, 1 / rows, this.ptr('correct'));
    return { loss, correct: new Int32Array(this.arena.buffer, this.ptr('correct'), 1)[0]! };
  }

  /** Gradients of the mean cross-entropy of `rows` rows into grads, from δ_L and the forward's activations; `input` as for forward. */
  private backward(rows: number, input?: PixelRows): void {
    const k = this.raw, par = this.par;
    for (let l = this.plan.length - 1; l >= 0; l--) {
      const p = this.plan[l]!;
      const delta = this.ptr(`delta${l}`);
      if (l === 0 && input) {
        if ('starts' in input) par.sparse_backward_weights_u8(this.gradPtr(p.weights), input.starts, input.entries, input.indices, delta, rows, p.inputs, p.outputs, 1 / 255, this.ptr('sparseWorkspace'));
        else par.dense_backward_weights_u8(this.gradPtr(p.weights), input.pixels, input.indices, delta, rows, p.inputs, p.outputs, 1 / 255, this.ptr('workspace'));
      } else {
        par.sgemm(1, 0, p.inputs, p.outputs, rows, l === 0 ? this.ptr('x') : this.ptr(`act${l - 1}`), delta, this.gradPtr(p.weights), 0);
      }
      k.bias_backward(this.gradPtr(p.bias), delta, rows, p.outputs, 0);
      if (l > 0) par.dense_backward_input(this.ptr(`delta${l - 1}`), delta, this.paramPtr(p.weights), this.ptr(`act${l - 1}`), rows, p.inputs, p.outputs);
    }
  }

  private update(opt: Required<OptimizerConfig>): void {
    const k = this.par;
    const P = this.parameterCount;
    if (this.optimizerState?.name !== opt.name) {
      this.tensor('state1').fill(0);
      this.tensor('state2').fill(0);
      this.optimizerState = { name: opt.name, step: 0 };
    }
    const step = ++this.optimizerState.step;
    const params = this.ptr('params'), grads = this.ptr('grads');
    if (opt.name === 'sgd') k.sgd_update(params, grads, P, opt.lr);
    else if (opt.name === 'momentum') k.momentum_update(params, grads, this.ptr('state1'), P, opt.lr, opt.momentum);
    else k.adam_update(params, grads, this.ptr('state1'), this.ptr('state2'), P, opt.lr, opt.beta1, opt.beta2, opt.epsilon, step);
  }

  /**
   * Loss and gradients for one batch, without updating: the hook for gradient checks and for
   * comparisons with other implementations. `inputs` is rows×inputSize f32, `labels` class indices.
   */
  computeGradients(inputs: Float32Array, labels: ArrayLike<number>): { loss: number; gradients: Float32Array } {
    this.live('computeGradients');
    if (!isArrayLike(labels)) throw new TypeError(`computeGradients: labels must be an array or typed array of class indices, got ${describeValue(labels)}`);
    const rows = this.stageFloatInputs(inputs, 'computeGradients');
    if (labels.length !== rows) throw new RangeError(`computeGradients: ${labels.length} labels for ${rows} rows of inputs`);
    for (let i = 0; i < rows; i++) {
      const y = labels[i]!;
      if (!Number.isInteger(y) || y < 0 || y >= this.classes) throw new RangeError(`computeGradients: labels[${i}] = ${y} is not a class in [0, ${this.classes})`);
    }
    this.tensor('labels').write(labels);
    this.forward(rows);
    const { loss } = this.outputLayer(rows);
    this.backward(rows);
    return { loss, gradients: this.getGradients() };
  }

  private stageFloatInputs(inputs: Float32Array, fn: string): number {
    if (!(inputs instanceof Float32Array)) throw new TypeError(`${fn}: inputs must be a Float32Array of rows×${this.inputSize}`);
    const rows = inputs.length / this.inputSize;
    if (!Number.isInteger(rows) || rows < 1) {
      throw new RangeError(`${fn}: inputs hold ${inputs.length} values, not a whole number ≥ 1 of rows of ${this.inputSize}`);
    }
    checkFinite(fn, 'inputs', inputs, this.inputSize);
    this.ensureCapacity(rows, null, rows);
    this.tensor('x').write(inputs);
    return rows;
  }

  // ---- training ----------------------------------------------------------------------------

  fit(train: Dataset, options: FitOptions = {}): FitResult {
    this.live('fit');
    if (options === null || typeof options !== 'object') throw new TypeError(`fit: options must be an object, got ${describeValue(options)}`);
    this.checkDataset(train, 'train');
    for (const name of ['onStep', 'onEpoch'] as const) {
      if (options[name] !== undefined && typeof options[name] !== 'function') throw new TypeError(`fit: ${name} must be a function, got ${describeValue(options[name])}`);
    }
    if (options.shuffle !== undefined && typeof options.shuffle !== 'boolean') throw new TypeError(`fit: shuffle must be a boolean, got ${describeValue(options.shuffle)}`);
    const format = options.pixelFormat ?? 'auto';
    if (!PIXEL_FORMATS.includes(format)) throw new RangeError(`fit: unknown pixelFormat ${JSON.stringify(format)}; use one of ${PIXEL_FORMATS.join(', ')}`);
    const opt = resolveOptimizer(options);
    const schedule = planSchedule(train.count, { ...options, seed: options.seed ?? this.seed });
    const { stepsPerEpoch, totalSteps } = schedule;

    this.ensureCapacity(schedule.batch, this.residentFor(train, format));
    const k = this.raw;
    const sparse = this.resident!.sparse;
    const P = this.parameterCount;
    const memory = () => new Float32Array(this.arena.buffer);
    const epochs: EpochInfo[] = [];
    let epochLoss = 0, epochCorrect = 0, epochSeen = 0, epochSteps = 0, epochStart = performance.now();
    let finalLoss = NaN;
    const started = performance.now();

    // The schedule shuffles the arena's order array in place; the kernels read each batch's row
    // indices from it (memory never grows, so the view stays valid).
    for (const { step, epoch, positionInEpoch, start, indices: batchRows } of scheduleSteps(train.count, schedule, this.tensor('order').view() as Int32Array)) {
      if (positionInEpoch === 0) {
        // The last good weights: restored if the loss turns non-finite during this epoch.
        memory().copyWithin(this.ptr('backup') / 4, this.ptr('params') / 4, this.ptr('params') / 4 + P);
      }
      const rows = batchRows.length;
      const indices = this.ptr('order') + 4 * start;
      const input: PixelRows = sparse
        ? { starts: this.ptr('trainStarts'), entries: this.ptr('trainEntries'), indices }
        : { pixels: this.ptr('trainPixels'), indices };
      k.gather_labels(this.ptr('labels'), this.ptr('trainLabels'), input.indices, rows);
      this.forward(rows, input);
      const { loss, correct } = this.outputLayer(rows);
      if (!Number.isFinite(loss)) {
        memory().copyWithin(this.ptr('params') / 4, this.ptr('backup') / 4, this.ptr('backup') / 4 + P);
        this.optimizerState = null;
        throw new SimdnetError('DIVERGED', `training diverged at step ${step + 1} (epoch ${epoch}): the loss is ${loss}; the weights were restored to their state at the start of epoch ${epoch}. Try a smaller learning rate.`);
      }
      this.backward(rows, input);
      this.update(opt);
      finalLoss = loss;
      epochLoss += loss; epochCorrect += correct; epochSeen += rows; epochSteps++;
      options.onStep?.({ step: step + 1, epoch, loss, accuracy: correct / rows });
      if (positionInEpoch === stepsPerEpoch - 1 || step === totalSteps - 1) {
        this.checkParameters(step + 1, epoch);
        const now = performance.now();
        const info: EpochInfo = { epoch, steps: epochSteps, loss: epochLoss / epochSteps, accuracy: epochCorrect / epochSeen, milliseconds: now - epochStart };
        epochs.push(info);
        options.onEpoch?.(info);
        epochLoss = 0; epochCorrect = 0; epochSeen = 0; epochSteps = 0; epochStart = now;
      }
    }
    const seconds = (performance.now() - started) / 1000;
    return { steps: totalSteps, epochs, seconds, msPerStep: (seconds * 1000) / totalSteps, msPerEpoch: (seconds * 1000) / (totalSteps / stepsPerEpoch), finalLoss };
  }

  /**
   * After the last step of an epoch, before onEpoch sees it: throws DIVERGED, with the parameters
   * restored to the backup taken at the start of that epoch, if any is non-finite or beyond ±MAX_PARAMETER.
   */
  private checkParameters(step: number, epoch: number): void {
    const params = this.tensor('params').view() as Float32Array;
    for (let i = 0; i < params.length; i++) {
      const v = params[i]!;
      if (Math.abs(v) <= MAX_PARAMETER) continue;
      params.set(this.tensor('backup').view() as Float32Array);
      this.optimizerState = null;
      throw new SimdnetError('DIVERGED', `training diverged by step ${step} (epoch ${epoch}): parameter ${i} is ${v}, beyond ±${MAX_PARAMETER}; the weights were restored to their state at the start of epoch ${epoch}. Try a smaller learning rate.`);
    }
  }

  // ---- inference ---------------------------------------------------------------------------

  /** Runs `rows` pixel rows through forward, staged in the arena and read in order (stagingOrder is 0, 1, 2, …). */
  private forwardStagedPixels(pixels: Uint8Array, rows: number): void {
    this.tensor('stagingPixels').write(pixels);
    this.forward(rows, { pixels: this.ptr('stagingPixels'), indices: this.ptr('stagingOrder') });
  }

  /** Mean cross-entropy and accuracy over a dataset. */
  evaluate(data: Dataset): Evaluation {
    this.live('evaluate');
    this.checkDataset(data, 'data');
    const k = this.raw;
    const chunk = Math.min(this.capacity, INFERENCE_ROWS);
    let lossSum = 0, correct = 0;
    for (let start = 0; start < data.count; start += chunk) {
      const rows = Math.min(chunk, data.count - start);
      this.forwardStagedPixels(data.pixels.subarray(start * this.inputSize, (start + rows) * this.inputSize), rows);
      this.tensor('stagingLabels').write(data.labels.subarray(start, start + rows));
      k.gather_labels(this.ptr('labels'), this.ptr('stagingLabels'), this.ptr('stagingOrder'), rows);
      const step = this.outputLayer(rows);
      lossSum += step.loss * rows;
      correct += step.correct;
    }
    return { loss: lossSum / data.count, accuracy: correct / data.count, count: data.count };
  }

  /**
   * Class probabilities and predicted classes. `inputs` is rows×inputSize: u8 pixels (scaled by
   * 1/255 inside the kernel, as in training) or f32 features already scaled.
   */
  predict(inputs: Uint8Array | Float32Array): Prediction {
    this.live('predict');
    if (!(inputs instanceof Uint8Array) && !(inputs instanceof Float32Array)) {
      throw new TypeError(`predict: inputs must be a Uint8Array of pixels or a Float32Array, got ${Object.prototype.toString.call(inputs)}`);
    }
    const count = inputs.length / this.inputSize;
    if (!Number.isInteger(count) || count < 1) {
      throw new RangeError(`predict: inputs hold ${inputs.length} values, not a whole number ≥ 1 of rows of ${this.inputSize} (network ${describeLayers(this.layers)})`);
    }
    if (inputs instanceof Float32Array) checkFinite('predict', 'inputs', inputs, this.inputSize);
    const last = this.plan.length - 1;
    const probabilities = new Float32Array(count * this.classes);
    const classes = new Int32Array(count);
    const chunk = Math.min(this.capacity, INFERENCE_ROWS);
    for (let start = 0; start < count; start += chunk) {
      const rows = Math.min(chunk, count - start);
      const slice = inputs.subarray(start * this.inputSize, (start + rows) * this.inputSize);
      if (slice instanceof Uint8Array) this.forwardStagedPixels(slice, rows);
      else { this.tensor('x').write(slice); this.forward(rows); }
      this.raw.softmax_forward(this.ptr(`act${last}`), this.ptr(`act${last}`), rows, this.classes);
      this.raw.argmax_rows(this.ptr('classes'), this.ptr(`act${last}`), rows, this.classes);
      probabilities.set(new Float32Array(this.arena.buffer, this.ptr(`act${last}`), rows * this.classes), start * this.classes);
      classes.set(new Int32Array(this.arena.buffer, this.ptr('classes'), rows), start);
    }
    return { probabilities, classes };
  }
}
