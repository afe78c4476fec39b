// Activation: a function applied element by element, as a layer of its own (Keras's Activation).
//   relu      a' = max(a, 0);      δ_prev = δ ⊙ [a > 0]
//   sigmoid   a' = 1/(1 + e^−a);   δ_prev = δ ⊙ a'(1 − a')
//   tanh      a' = tanh(a);        δ_prev = δ ⊙ (1 − a')(1 + a')
//   linear, softmax  the identity: softmax only ever follows the output logits, where the loss
//             head applies it (as for Dense(softmax)).
// It applies its own derivative (relu = false), so the layer above passes it the plain gradient;
// linear and softmax, which run nothing, keep the relu of their input for the layer above.
import type { ArenaPlan } from '../../arena.js';
import type { Emit } from '../program.js';
import { floatValues, maskBelow, plainConfig, type Layer, type LayerIO, type LayersConfig } from './layer.js';
import type { Activation, LayerSpec } from './spec.js';

const F32 = 4;

export class ActivationLayer implements Layer {
  readonly kind = 'Activation';
  readonly parameters = [];
  readonly relu: boolean;
  readonly outputs: number;

  constructor(
    readonly inputs: number,
    readonly activation: Activation,
    inputRelu: boolean,
  ) {
    this.outputs = inputs;
    this.relu = this.passes() && inputRelu;
  }

  get spec(): LayerSpec {
    return { type: 'activation', activation: this.activation };
  }

  passes(): boolean {
    return this.activation === 'linear' || this.activation === 'softmax';
  }

  initialize(): void {}

  buffers(): ArenaPlan {
    return {};
  }

  forward(emit: Emit, io: LayerIO): void {
    const n = io.rows * this.outputs;
    emit({
      kernel: `${this.kernelName()}_forward`,
      args: [io.out, floatValues(io, this.kind), n],
      label: `L${io.index + 1} a = ${this.activation}(a)  ${n}`,
      phase: 'forward',
      flops: this.activation === 'relu' ? n : 4 * n,
      bytes: 2 * F32 * n,
    });
  }

  backward(emit: Emit, io: LayerIO): void {
    if (io.dinput === null) return;
    const n = io.rows * this.outputs;
    // relu_backward reads its mask from the input (> 0 exactly where the output is); the others from the output.
    const from = this.activation === 'relu' ? floatValues(io, this.kind) : io.out;
    emit({
      kernel: `${this.kernelName()}_backward`,
      args: [io.dinput, io.dout, from, n],
      label: `L${io.index + 1} δ_prev = δ ⊙ ${this.activation}'  ${n}`,
      phase: 'backward',
      flops: 3 * n,
      bytes: 3 * F32 * n,
    });
    if (this.activation !== 'relu') maskBelow(emit, io, n);
  }

  layersConfig(name: string, first: boolean): LayersConfig {
    return plainConfig(this.kind, name, first ? [this.inputs] : null, { activation: this.activation });
  }

  private kernelName(): 'relu' | 'sigmoid' | 'tanh' {
    const a = this.activation;
    if (a === 'relu' || a === 'sigmoid' || a === 'tanh') return a;
    throw new Error(`internal: Activation ${a} runs no kernel`);
  }
}
