// Dense: out = act(in·W + b) with W inputs×outputs (the tfjs layout) and b outputs long.
//   forward   z = a·W + b;  a' = ReLU(z), sigmoid(z), tanh(z), or z (linear; softmax: the loss
//             head applies it to these logits)
//   backward  δ = dout ⊙ act'(z) (sigmoid, tanh; a ReLU's mask is applied by the layer above);
//             dW = aᵀ·δ;  db = Σ_rows δ;  δ_prev = δ·Wᵀ, ⊙ [a > 0] when a is a ReLU's
// The kernels fuse what they can: bias and ReLU into the forward GEMM's epilogue (dense_forward),
// the mask [a > 0] of the ReLU below into the input-gradient GEMM (dense_backward_input). As the
// first layer it reads u8 pixels straight from their rows by index (dense_forward_u8,
// dense_backward_weights_u8), or from sparse rows holding only the non-zero bytes
// (sparse_forward_u8, sparse_backward_weights_u8): the same sums in exact arithmetic.
import type { ArenaPlan } from '../../arena.js';
import type { Rng } from '../../rng.js';
import type { Emit } from '../program.js';
import type { Initializer } from '../types.js';
import type { BufferNeeds, Layer, LayerIO, LayersConfig, ParameterSpec } from './layer.js';
import type { Activation, LayerSpec } from './spec.js';

export interface DenseLayerJson {
  class_name: 'Dense';
  config: {
    units: number;
    activation: Activation;
    use_bias: boolean;
    kernel_initializer: { class_name: 'Zeros'; config: Record<string, never> };
    bias_initializer: { class_name: 'Zeros'; config: Record<string, never> };
    kernel_regularizer: null;
    bias_regularizer: null;
    activity_regularizer: null;
    kernel_constraint: null;
    bias_constraint: null;
    name: string;
    trainable: boolean;
    batch_input_shape?: [null, number];
    dtype: 'float32';
  };
}

const F32 = 4;
const PIXEL_SCALE = 1 / 255;

export class Dense implements Layer {
  readonly kind = 'Dense';
  readonly parameters: readonly ParameterSpec[];
  readonly relu: boolean;

  constructor(
    readonly inputs: number,
    readonly outputs: number,
    readonly activation: Activation,
  ) {
    this.relu = activation === 'relu';
    this.parameters = [
      { name: 'kernel', shape: [inputs, outputs] },
      { name: 'bias', shape: [outputs] },
    ];
  }

  get spec(): LayerSpec {
    return { type: 'dense', units: this.outputs, activation: this.activation };
  }

  passes(): boolean {
    return false;
  }

  /** `uniform`: the seed's U(−0.5, 0.5) for weights and biases; `he`: N(0, 2/fan_in) weights, zero biases. */
  initialize(values: Float32Array, init: Initializer, rng: Rng): void {
    const weights = this.inputs * this.outputs,
      std = Math.sqrt(2 / this.inputs);
    for (let i = 0; i < weights; i++) values[i] = init === 'uniform' ? rng.next() - 0.5 : rng.normal() * std;
    if (init === 'uniform') for (let i = 0; i < this.outputs; i++) values[weights + i] = rng.next() - 0.5;
  }

  buffers(needs: BufferNeeds): ArenaPlan {
    const plan: ArenaPlan = {};
    if (needs.inputs.has('u8')) plan.workspace = { dtype: 'u8', shape: [needs.denseWorkspaceBytes] };
    if (needs.inputs.has('sparse')) {
      plan.sparseWorkspace = {
        dtype: 'u8',
        shape: [Math.max(16, needs.sparseWorkspaceBytes(needs.rows, this.inputs, this.outputs))],
      };
    }
    return plan;
  }

  forward(emit: Emit, io: LayerIO): void {
    const { rows, input, out } = io,
      { inputs, outputs } = this;
    const [W, b] = io.params as [number, number];
    const relu = this.relu ? 1 : 0;
    const what = `L${io.index + 1} ${relu ? 'a = ReLU(a·W + b)' : 'z = a·W + b'}`;
    const weightBytes = F32 * (inputs * outputs + outputs + rows * outputs);
    if (input.kind === 'sparse') {
      const nonzero = rows * inputs * input.density;
      emit({
        kernel: 'sparse_forward_u8',
        args: [out, input.starts, input.entries, input.indices, W, b, rows, outputs, PIXEL_SCALE, relu],
        label: `${what}  sparse u8 ${rows}×${outputs}×${inputs}`,
        phase: 'forward',
        flops: 2 * nonzero * outputs,
        bytes: F32 * (nonzero + rows) + weightBytes,
      });
    } else if (input.kind === 'u8') {
      emit({
        kernel: 'dense_forward_u8',
        args: [
          out,
          input.pixels,
          input.indices,
          W,
          b,
          rows,
          inputs,
          outputs,
          PIXEL_SCALE,
          relu,
          io.buffer('workspace'),
        ],
        label: `${what}  u8 ${rows}×${outputs}×${inputs}`,
        phase: 'forward',
        flops: 2 * rows * outputs * inputs,
        bytes: rows * inputs + weightBytes,
      });
    } else {
      emit({
        kernel: 'dense_forward',
        args: [out, input.values, W, b, rows, inputs, outputs, relu],
        label: `${what}  ${rows}×${outputs}×${inputs}`,
        phase: 'forward',
        flops: 2 * rows * outputs * inputs,
        bytes: F32 * rows * inputs + weightBytes,
      });
    }
    // sigmoid and tanh run after the GEMM as kernels of their own (relu is fused; linear and softmax leave logits).
    const act = this.activation;
    if (act === 'sigmoid' || act === 'tanh') {
      const n = rows * outputs;
      emit({
        kernel: `${act}_forward`,
        args: [out, out, n],
        label: `L${io.index + 1} a = ${this.activation}(z)  ${n}`,
        phase: 'forward',
        flops: 4 * n,
        bytes: 2 * F32 * n,
      });
    }
  }

  backward(emit: Emit, io: LayerIO): void {
    const { rows, input, dout: delta } = io,
      { inputs, outputs } = this;
    const [W] = io.params as [number, number];
    const [dW, db] = io.grads as [number, number];
    const name = `L${io.index + 1}`;
    const act = this.activation;
    if (act === 'sigmoid' || act === 'tanh') {
      const n = rows * outputs;
      emit({
        kernel: `${act}_backward`,
        args: [delta, delta, io.out, n],
        label: `${name} δ = dout ⊙ ${this.activation}'(z)  ${n}`,
        phase: 'backward',
        flops: 3 * n,
        bytes: 3 * F32 * n,
      });
    }
    const gradientBytes = F32 * (rows * outputs + inputs * outputs);
    if (input.kind === 'sparse') {
      const nonzero = rows * inputs * input.density;
      emit({
        kernel: 'sparse_backward_weights_u8',
        args: [
          dW,
          input.starts,
          input.entries,
          input.indices,
          delta,
          rows,
          inputs,
          outputs,
          PIXEL_SCALE,
          io.buffer('sparseWorkspace'),
        ],
        label: `${name} dW = aᵀ·δ  sparse u8 ${inputs}×${outputs}×${rows}`,
        phase: 'backward',
        flops: 2 * nonzero * outputs,
        bytes: F32 * (nonzero + rows) + gradientBytes,
      });
    } else if (input.kind === 'u8') {
      emit({
        kernel: 'dense_backward_weights_u8',
        args: [dW, input.pixels, input.indices, delta, rows, inputs, outputs, PIXEL_SCALE, io.buffer('workspace')],
        label: `${name} dW = aᵀ·δ  u8 ${inputs}×${outputs}×${rows}`,
        phase: 'backward',
        flops: 2 * inputs * outputs * rows,
        bytes: rows * inputs + gradientBytes,
      });
    } else {
      emit({
        kernel: 'sgemm',
        args: [1, 0, inputs, outputs, rows, input.values, delta, dW, 0],
        label: `${name} dW = aᵀ·δ  TN ${inputs}×${outputs}×${rows}`,
        phase: 'backward',
        flops: 2 * inputs * outputs * rows,
        bytes: F32 * rows * inputs + gradientBytes,
      });
    }
    emit({
      kernel: 'bias_backward',
      args: [db, delta, rows, outputs, 0],
      label: `${name} db = Σ δ  ${rows}×${outputs}`,
      phase: 'backward',
      flops: rows * outputs,
      bytes: F32 * (rows * outputs + outputs),
      stream: 'sum',
    });
    if (io.dinput === null) return;
    if (input.kind !== 'f32') throw new Error(`internal: ${name} passes a gradient down to pixels`);
    if (!input.relu) {
      emit({
        kernel: 'sgemm',
        args: [0, 1, rows, inputs, outputs, delta, W, io.dinput, 0],
        label: `${name} δ_prev = δ·Wᵀ  NT ${rows}×${inputs}×${outputs}`,
        phase: 'backward',
        flops: 2 * rows * inputs * outputs,
        bytes: F32 * (rows * outputs + inputs * outputs + rows * inputs),
      });
      return;
    }
    emit({
      kernel: 'dense_backward_input',
      args: [io.dinput, delta, W, input.values, rows, inputs, outputs],
      label: `${name} δ_prev = (δ·Wᵀ) ⊙ [a > 0]  NT ${rows}×${inputs}×${outputs}`,
      phase: 'backward',
      flops: 2 * rows * inputs * outputs,
      bytes: F32 * (rows * outputs + inputs * outputs + 2 * rows * inputs),
    });
  }

  layersConfig(name: string, first: boolean): LayersConfig {
    const config: DenseLayerJson['config'] = {
      units: this.outputs,
      activation: this.activation,
      use_bias: true,
      kernel_initializer: { class_name: 'Zeros', config: {} },
      bias_initializer: { class_name: 'Zeros', config: {} },
      kernel_regularizer: null,
      bias_regularizer: null,
      activity_regularizer: null,
      kernel_constraint: null,
      bias_constraint: null,
      name,
      trainable: true,
      dtype: 'float32',
    };
    if (first) config.batch_input_shape = [null, this.inputs];
    return {
      json: { class_name: 'Dense', config } satisfies DenseLayerJson,
      weights: this.parameters.map((p) => ({
        name: `${name}/${p.name}`,
        shape: [...p.shape],
        dtype: 'float32' as const,
      })),
    };
  }
}
