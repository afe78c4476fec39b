// A network of dense layers trained on the kernels: the public face of src/model/. Row-major,
// batch-major: a batch is rows×features. The model (model.ts) is a list of layers, each owning
// its parameters, buffers and kernel calls (layers/); the arena holds every buffer (plan.ts); each
// purpose runs one compiled list of kernel calls (step.ts, program.ts): training (train.ts) and
// inference (inference.ts) alike.
import { decodeCheckpoint, encodeCheckpoint } from '../checkpoint.js';
import type { TrainingData } from './features.js';
import { Rng } from '../rng.js';
import type { Runtime } from '../runtime.js';
import { computeGradients, evaluate, predict } from './inference.js';
import type { NetworkSpec } from './layers/spec.js';
import { buildModel, initialParameters, type Model } from './model.js';
import { modelOf } from './network-spec.js';
import { checkModelFits, NetworkState } from './state.js';
import { fit } from './train.js';
import {
  INITIALIZERS,
  type Evaluation,
  type InferenceOptions,
  type FitOptions,
  type FitResult,
  type NetworkOptions,
  type Prediction,
} from './types.js';
import { checkFinite, describeLayers, describeValue, isArrayLike } from './validate.js';

export class Network {
  /** The input width and each Dense layer's units, e.g. [784, 128, 10]. */
  readonly layers: readonly number[];
  /** The layers as a spec list (an input, then layers), as Network.create takes it. */
  readonly spec: NetworkSpec;
  readonly seed: number;
  readonly parameterCount: number;
  private readonly state: NetworkState;

  private constructor(
    readonly runtime: Runtime,
    model: Model,
    seed: number,
    params: Float32Array,
  ) {
    this.layers = Object.freeze([...model.widths]);
    this.spec = model.spec;
    this.seed = seed;
    this.state = new NetworkState(runtime, model, params);
    this.parameterCount = model.parameterCount;
  }

  /** A new network with freshly initialised parameters. */
  static create(runtime: Runtime, options: NetworkOptions): Network {
    runtime.checkLive('Network.create');
    if (options === null || typeof options !== 'object')
      throw new TypeError('network options must be an object with layers');
    const model = modelOf(options.layers);
    const init = options.init ?? 'he';
    if (!INITIALIZERS.includes(init))
      throw new RangeError(`unknown init ${JSON.stringify(init)}; use one of ${INITIALIZERS.join(', ')}`);
    const seed = options.seed ?? 0;
    checkModelFits(runtime, model, 'Network.create');
    return new Network(runtime, model, seed, initialParameters(model, init, new Rng(seed)));
  }

  /** A network from checkpoint bytes (see checkpoint.ts). */
  static fromBytes(runtime: Runtime, bytes: Uint8Array, name?: string): Network {
    runtime.checkLive('Network.fromBytes');
    const { spec, params } = decodeCheckpoint(bytes, name);
    return new Network(runtime, buildModel(spec), 0, params);
  }

  toBytes(): Uint8Array {
    this.live('toBytes');
    return encodeCheckpoint(this.spec, this.getParameters());
  }

  get variant(): string {
    return this.runtime.variant;
  }
  get inputSize(): number {
    return this.layers[0]!;
  }
  get classes(): number {
    return this.layers[this.layers.length - 1]!;
  }
  /** Bytes of WebAssembly memory this network's arena holds. */
  get memoryBytes(): number {
    return this.state.arena.byteLength;
  }

  /** A copy of every parameter, layer by layer: weights (in×out) then bias. */
  getParameters(): Float32Array {
    this.live('getParameters');
    return this.state.tensor('params').read() as Float32Array;
  }

  setParameters(values: ArrayLike<number>): void {
    this.live('setParameters');
    if (!isArrayLike(values))
      throw new TypeError(
        `setParameters: values must be an array or typed array of ${this.parameterCount} numbers, got ${describeValue(values)}`,
      );
    if (values.length !== this.parameterCount) {
      throw new RangeError(
        `setParameters: got ${values.length} values but layers ${describeLayers(this.layers)} hold ${this.parameterCount}`,
      );
    }
    checkFinite('setParameters', 'values', values);
    this.state.tensor('params').write(values);
    this.state.optimizerState = null;
  }

  /** Copies of each Dense layer's weights (in×out, row-major) and bias, input to output. */
  getLayerParameters(): Array<{ weights: Float32Array; bias: Float32Array; shape: [number, number] }> {
    this.live('getLayerParameters');
    const params = this.getParameters();
    const { layers, offsets } = this.state.model;
    return layers.flatMap((layer, l) => {
      if (layer.parameters.length === 0) return [];
      const [weights, bias] = offsets[l] as [number, number];
      return [
        {
          weights: params.slice(weights, weights + layer.inputs * layer.outputs),
          bias: params.slice(bias, bias + layer.outputs),
          shape: [layer.inputs, layer.outputs] as [number, number],
        },
      ];
    });
  }

  /** The gradients the last training step computed, in the parameter layout. */
  getGradients(): Float32Array {
    this.live('getGradients');
    return this.state.tensor('grads').read() as Float32Array;
  }

  dispose(): void {
    this.state.arena.dispose();
    this.state.resident = null;
    this.state.evaluated = null;
  }

  /**
   * Loss and gradients for one batch, without updating: the hook for gradient checks and for
   * comparisons with other implementations. `inputs` is rows×inputSize f32, `labels` class indices.
   */
  computeGradients(inputs: Float32Array, labels: ArrayLike<number>): { loss: number; gradients: Float32Array } {
    this.live('computeGradients');
    return computeGradients(this.state, inputs, labels);
  }

  /** Trains on u8 images (a Dataset) or float feature rows ({ features, labels }). */
  fit(train: TrainingData, options: FitOptions = {}): FitResult {
    this.live('fit');
    return fit(this.state, this.seed, train, options);
  }

  /** Mean cross-entropy and accuracy over u8 images (a Dataset) or float feature rows ({ features, labels }). */
  evaluate(data: TrainingData, options?: InferenceOptions): Evaluation {
    this.live('evaluate');
    return evaluate(this.state, data, options);
  }

  /**
   * Class probabilities and predicted classes. `inputs` is rows×inputSize: u8 pixels (scaled by
   * 1/255 inside the kernel, as in training) or f32 features already scaled.
   */
  predict(inputs: Uint8Array | Float32Array, options?: InferenceOptions): Prediction {
    this.live('predict');
    return predict(this.state, inputs, options);
  }

  /** Every public method starts here: a disposed network is an object in the wrong state (TypeError, as for a detached buffer). */
  private live(fn: string): void {
    if (this.state.arena.disposed) throw new TypeError(`Network.${fn}: this network was used after dispose()`);
    this.state.runtime.checkLive(`Network.${fn}`);
  }
}
