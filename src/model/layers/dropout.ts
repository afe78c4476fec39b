// Dropout (inverted, as Keras applies it): while fitting, each element is kept with probability
// 1 − rate and scaled by 1/(1 − rate), so the expected output is the input; in evaluate and predict
// it is the identity. The mask is a hash of the step's seed and the element's index
// (assembly/dropout.ts): the program takes the seed per step (slot `seed`, plus the layer's
// position so that two Dropout layers draw different masks), and the backward pass re-reads the
// mask the forward pass stored.
//   forward   a' = a ⊙ m / (1 − rate)      backward  δ_prev = δ ⊙ m / (1 − rate)
// A Dropout of a ReLU's output is positive only where that output is, so it passes `relu` on: the
// layer above masks with [a' > 0] ⊆ [a > 0], and where they differ m is 0.
import type { ArenaPlan } from '../../arena.js';
import type { Emit } from '../program.js';
import { floatValues, plainConfig, type BufferNeeds, type Layer, type LayerIO, type LayersConfig } from './layer.js';
import type { LayerSpec } from './spec.js';

const F32 = 4;

export class Dropout implements Layer {
  readonly kind = 'Dropout';
  readonly parameters = [];
  readonly outputs: number;
  private readonly scale: number;
  /** ⌊rate·2³²⌋: an element is dropped when its hash is below it. */
  private readonly threshold: number;

  constructor(
    readonly inputs: number,
    readonly rate: number,
    readonly relu: boolean,
  ) {
    this.outputs = inputs;
    this.scale = 1 / (1 - rate);
    this.threshold = Math.floor(rate * 2 ** 32) | 0;
  }

  get spec(): LayerSpec {
    return { type: 'dropout', rate: this.rate };
  }

  passes(training: boolean): boolean {
    return !training || this.rate === 0;
  }

  initialize(): void {}

  buffers(needs: BufferNeeds): ArenaPlan {
    return { mask: { dtype: 'u8', shape: [needs.rows, this.outputs] } };
  }

  forward(emit: Emit, io: LayerIO): void {
    const n = io.rows * this.outputs;
    emit({
      kernel: 'dropout_forward',
      args: [
        io.out,
        io.buffer('mask'),
        floatValues(io, this.kind),
        n,
        { slot: 'seed', plus: io.index },
        0,
        this.threshold,
        this.scale,
      ],
      label: `L${io.index + 1} a = a ⊙ m/(1 − ${this.rate})  ${n}`,
      phase: 'forward',
      flops: 12 * n,
      bytes: (2 * F32 + 1) * n,
    });
  }

  backward(emit: Emit, io: LayerIO): void {
    if (io.dinput === null) return;
    const n = io.rows * this.outputs;
    emit({
      kernel: 'dropout_backward',
      args: [io.dinput, io.dout, io.buffer('mask'), n, this.scale],
      label: `L${io.index + 1} δ_prev = δ ⊙ m/(1 − ${this.rate})  ${n}`,
      phase: 'backward',
      flops: 2 * n,
      bytes: (2 * F32 + 1) * n,
    });
  }

  layersConfig(name: string, first: boolean): LayersConfig {
    return plainConfig(this.kind, name, first ? [this.inputs] : null, {
      rate: this.rate,
      noise_shape: null,
      seed: null,
    });
  }
}
