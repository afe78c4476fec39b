// Optimizer steps over a flat parameter region: SGD, momentum and Adam. Checked as kernels.ts
// describes.
import type { Tensor } from '../tensor.js';
import type { ScalarOption } from './base.js';
import { SoftmaxKernels } from './softmax.js';

export interface AdamOptions extends ScalarOption {
  lr: number;
  /** Number of updates so far including this one (≥ 1): the bias correction uses it. */
  step: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

/** The tfjs defaults, which Keras shares except for epsilon (Keras 1e-7 as well since TF2). */
export const ADAM_DEFAULTS = { beta1: 0.9, beta2: 0.999, epsilon: 1e-7 } as const;

export class OptimKernels extends SoftmaxKernels {
  /** params −= lr · grads. */
  sgdUpdate(params: Tensor<'f32'>, grads: Tensor<'f32'>, lr: number, options: ScalarOption = {}): void {
    const fn = 'sgdUpdate';
    const n = this.check.updateRegions(fn, [
      ['params', params],
      ['grads', grads],
    ]);
    this.check.finite(fn, 'lr', lr);
    (options.scalar ? this.raw.sgd_update_scalar : this.par.sgd_update)(params.offset, grads.offset, n, lr);
  }

  /** velocity = momentum · velocity + grads; params −= lr · velocity. */
  momentumUpdate(
    params: Tensor<'f32'>,
    grads: Tensor<'f32'>,
    velocity: Tensor<'f32'>,
    lr: number,
    momentum: number,
    options: ScalarOption = {},
  ): void {
    const fn = 'momentumUpdate';
    const n = this.check.updateRegions(fn, [
      ['params', params],
      ['grads', grads],
      ['velocity', velocity],
    ]);
    this.check.finite(fn, 'lr', lr);
    this.check.finite(fn, 'momentum', momentum);
    (options.scalar ? this.raw.momentum_update_scalar : this.par.momentum_update)(
      params.offset,
      grads.offset,
      velocity.offset,
      n,
      lr,
      momentum,
    );
  }

  /** One Adam step as tfjs's AdamOptimizer; a first moment below 2^−126 is stored as 0 (assembly/optim.ts). */
  adamUpdate(
    params: Tensor<'f32'>,
    grads: Tensor<'f32'>,
    m: Tensor<'f32'>,
    v: Tensor<'f32'>,
    options: AdamOptions,
  ): void {
    const fn = 'adamUpdate';
    const n = this.check.updateRegions(fn, [
      ['params', params],
      ['grads', grads],
      ['m', m],
      ['v', v],
    ]);
    if (options === null || typeof options !== 'object')
      throw new TypeError(`${fn}: options { lr, step } are required`);
    const lr = this.check.finite(fn, 'lr', options.lr);
    const beta1 = this.check.finite(fn, 'beta1', options.beta1 ?? ADAM_DEFAULTS.beta1, 0);
    const beta2 = this.check.finite(fn, 'beta2', options.beta2 ?? ADAM_DEFAULTS.beta2, 0);
    const epsilon = this.check.finite(fn, 'epsilon', options.epsilon ?? ADAM_DEFAULTS.epsilon, 0);
    const step = this.check.finite(fn, 'step', options.step, 1);
    if (beta1 >= 1 || beta2 >= 1) throw new RangeError(`${fn}: beta1 and beta2 must be < 1, got ${beta1} and ${beta2}`);
    if (!Number.isInteger(step) || step > 0x7fffffff)
      throw new RangeError(`${fn}: step must be an integer in [1, 2³¹), got ${step}`);
    (options.scalar ? this.raw.adam_update_scalar : this.par.adam_update)(
      params.offset,
      grads.offset,
      m.offset,
      v.offset,
      n,
      lr,
      beta1,
      beta2,
      epsilon,
      step,
    );
  }
}
