// What a layer kind provides. A model is a list of layers, input to output; each kind owns its
// parameter shapes (their place in the flat parameter layout), the arena buffers it needs beyond
// its output and output gradient, the kernel calls of its forward and backward pass, and its tfjs
// Layers config. A new kind is a file beside dense.ts and one entry in registry.ts.
import type { ArenaPlan } from '../../arena.js';
import type { Rng } from '../../rng.js';
import type { Arg, Emit } from '../program.js';
import type { Initializer } from '../types.js';
import type { LayerSpec } from './spec.js';

/**
 * Where a layer reads its rows×inputs input (byte offsets): f32 values (the network's f32 inputs,
 * or the output of the layer below, `relu` when that output is a ReLU's), or u8 pixels picked by
 * row index and scaled by 1/255 as they are read, as dense rows or as sparse rows (data/sparse.ts)
 * of which `density` of the bytes are not zero.
 */
export type LayerInput =
  | { kind: 'f32'; values: number; relu: boolean }
  | { kind: 'u8'; pixels: number; indices: Arg }
  | { kind: 'sparse'; starts: number; entries: number; indices: Arg; density: number };
export type InputKind = LayerInput['kind'];

/** What a layer's calls read and write for one program (byte offsets), and its position in the model. */
export interface LayerIO {
  /** 0-based position in the model (labels say L1, L2, … ). */
  index: number;
  rows: number;
  input: LayerInput;
  /** rows×outputs f32: its output, and the loss gradient with respect to it. */
  out: number;
  dout: number;
  /** Where the gradient with respect to its input goes; null for the first layer (nothing needs it). */
  dinput: number | null;
  /** Its parameters and their gradients, in the order of `parameters`. */
  params: readonly number[];
  grads: readonly number[];
  /** Its own buffers, as it named them in `buffers`. */
  buffer(name: string): number;
}

export interface ParameterSpec {
  /** The tfjs weight name within the layer: kernel, bias. */
  name: string;
  shape: readonly number[];
}

/** What the runtime says about workspace sizes (from Runtime's workspaceBytes and sparseWorkspaceBytes). */
export interface WorkspaceSizes {
  /** Bytes of workspace the u8 dense kernels need, all threads together. */
  denseWorkspaceBytes: number;
  sparseWorkspaceBytes(rows: number, inputs: number, outputs: number): number;
}

/** The sizes a layer's own buffers depend on. */
export interface BufferNeeds extends WorkspaceSizes {
  rows: number;
  /** How its input may come (f32 always; for the first layer also u8 pixels, and sparse rows when the training set is held so). */
  inputs: ReadonlySet<InputKind>;
}

/** One entry of a tfjs LayersModel's modelTopology.config.layers. */
export interface LayerJson {
  class_name: string;
  config: { name: string } & Record<string, unknown>;
}

/** A layer's tfjs config, and the weights it stores, in parameter order. */
export interface LayersConfig {
  json: LayerJson;
  weights: Array<{ name: string; shape: number[]; dtype: 'float32' }>;
}

/** What a layer is built on: the shape of one row of its input (the model input's shape for the first) and whether that input is a ReLU's. */
export interface Below {
  shape: readonly number[];
  relu: boolean;
}

export interface Layer {
  /** The tfjs class name, e.g. Dense. */
  readonly kind: string;
  /** Its description, as Network.create takes it. */
  readonly spec: LayerSpec;
  readonly inputs: number;
  readonly outputs: number;
  /**
   * Its output is a ReLU's (or a Dropout of one): the layer above applies the mask [out > 0] to
   * the gradient it passes down (Dense fuses it into its input-gradient GEMM), and this layer's
   * dout then holds the gradient with respect to the ReLU's input.
   */
  readonly relu: boolean;
  /** True when it passes its input through unchanged (no calls, no buffers used) in training or in inference. */
  passes(training: boolean): boolean;
  readonly parameters: readonly ParameterSpec[];
  /** Draws its initial parameters from `rng` into `values` (its slice of the flat layout, zeros on entry). */
  initialize(values: Float32Array, init: Initializer, rng: Rng): void;
  /** Buffers of its own for `needs`, beyond out and dout (which every layer has). */
  buffers(needs: BufferNeeds): ArenaPlan;
  forward(emit: Emit, io: LayerIO): void;
  /** Gradients of its parameters from dout, and dinput when there is one. */
  backward(emit: Emit, io: LayerIO): void;
  /** Its tfjs config; `first` adds the input shape. */
  layersConfig(name: string, first: boolean): LayersConfig;
}

/** The tfjs config of a layer without weights: class, name, input shape when first, and `extra`. */
export function plainConfig(
  kind: string,
  name: string,
  first: readonly number[] | null,
  extra: Record<string, unknown>,
): LayersConfig {
  const config: LayerJson['config'] = { ...extra, name, trainable: true, dtype: 'float32' };
  if (first !== null) config.batch_input_shape = [null, ...first];
  return { json: { class_name: kind, config }, weights: [] };
}

/**
 * A layer whose input is a ReLU's and which does not pass `relu` on applies the mask [input > 0]
 * to the gradient it passed down (in place; relu_backward reads the mask from the ReLU's output).
 */
export function maskBelow(emit: Emit, io: LayerIO, n: number): void {
  if (io.dinput === null || io.input.kind !== 'f32' || !io.input.relu) return;
  emit({
    kernel: 'relu_backward',
    args: [io.dinput, io.dinput, io.input.values, n],
    label: `L${io.index + 1} δ_prev ⊙= [a > 0]  ${n}`,
    phase: 'backward',
    flops: n,
    bytes: 12 * n,
  });
}

/** The f32 values a layer that cannot read pixels takes (the model puts a Dense first). */
export function floatValues(io: LayerIO, kind: string): number {
  if (io.input.kind !== 'f32') throw new Error(`internal: L${io.index + 1} ${kind} needs f32 input`);
  return io.input.values;
}
