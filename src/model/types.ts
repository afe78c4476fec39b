// The public types of Network (re-exported from src/core.ts).
import type { Dataset } from '../data/dataset.js';
import type { NetworkSpec } from './layers/spec.js';
import type { OptimizerConfig, OptimizerName } from './optimizers.js';

export { OPTIMIZERS, type OptimizerConfig, type OptimizerName } from './optimizers.js';

export type Initializer = 'uniform' | 'he';
export const INITIALIZERS: readonly Initializer[] = ['uniform', 'he'];
export type PixelFormat = 'auto' | 'dense' | 'sparse';
export const PIXEL_FORMATS: readonly PixelFormat[] = ['auto', 'dense', 'sparse'];

/** Float feature rows (model/features.ts): count × inputs values, already scaled, and one class index per row. */
export interface FeatureSet {
  /** count × inputs, row-major. */
  readonly features: Float32Array;
  /** count class indices in [0, classes). */
  readonly labels: Uint8Array | Int32Array | readonly number[];
}

/** What fit and evaluate take: u8 images, or float feature rows. */
export type TrainingData = Dataset | FeatureSet;

export interface NetworkOptions {
  /**
   * Widths from input to output, e.g. [784, 128, 10] (at least two, each an integer ≥ 1): Dense
   * layers, ReLU on the hidden ones, softmax at the output. Or a spec list: an input, then layers,
   * e.g. [{ type: 'input', shape: [28, 28] }, { type: 'flatten' }, { type: 'dense', units: 128,
   * activation: 'relu' }, { type: 'dropout', rate: 0.2 }, { type: 'dense', units: 10 }].
   */
  layers: readonly number[] | NetworkSpec;
  /** `uniform`: the seed's U(−0.5, 0.5) for weights and biases; `he`: N(0, 2/fan_in) weights, zero biases. Default `he`. */
  init?: Initializer;
  /** Seed for the initial weights (and the default shuffle seed). Default 0. */
  seed?: number;
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
  /** Time of the epoch's steps (their onStep calls included), from its first step to the end of its last: its validation and onEpoch, and the previous epoch's, are not counted. */
  milliseconds: number;
  /** With fit's validationData: its mean cross-entropy and accuracy after the epoch (Dropout off). */
  validationLoss?: number;
  validationAccuracy?: number;
}

export interface FitOptions {
  /** Default `sgd` (at its default learning rate, see optimizers.ts). */
  optimizer?: OptimizerName | OptimizerConfig;
  /** Learning rate when `optimizer` is a name. Default: the optimizer's own (defaultLearningRate in model/optimizers.ts). */
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
  /** Evaluated after every epoch into EpochInfo's validationLoss and validationAccuracy: u8 images or float feature rows. */
  validationData?: TrainingData;
  onStep?: (info: StepInfo) => void;
  onEpoch?: (info: EpochInfo) => void;
}

export interface FitResult {
  steps: number;
  epochs: EpochInfo[];
  /** Wall-clock time of the whole fit: every step, each epoch's validation and the onStep and onEpoch calls (data residency and planning excluded). */
  seconds: number;
  msPerStep: number;
  msPerEpoch: number;
  finalLoss: number;
}

export interface InferenceOptions {
  /**
   * How evaluate and predict read u8 pixels: `sparse` (only the non-zero bytes), `dense`, or
   * `auto` (default): sparse at most 30 % non-zero bytes, as fit decides. The results are bit for
   * bit the same either way.
   */
  pixelFormat?: PixelFormat;
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
  /** count × classes, row-major: the output layer's values before the softmax. */
  logits: Float32Array;
}
