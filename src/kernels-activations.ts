// Typed, validated wrappers over the sigmoid, tanh and dropout kernels (assembly/sigmoid-tanh.ts,
// assembly/dropout.ts) of one arena, checked as kernels.ts checks its own: each argument is a live
// Tensor of this arena with the right dtype, same shapes, allowed overlaps only; option values in
// range. Errors are TypeError (wrong kind) or RangeError (wrong size or value), naming the argument.
import type { KernelExports } from './abi.js';
import type { Arena } from './arena.js';
import { Tensor, formatShape, type DType } from './tensor.js';
import type { ScalarOption } from './kernels.js';

const ACTIVATION_KERNELS = [
  'sigmoid_forward',
  'sigmoid_backward',
  'tanh_forward',
  'tanh_backward',
  'dropout_forward',
  'dropout_backward',
] as const;
type ActivationKernel = (typeof ACTIVATION_KERNELS)[number];

/** The exports these wrappers call (declared in abi.ts with the rest of the ABI). */
export type ActivationKernelExports = Pick<KernelExports, ActivationKernel | `${ActivationKernel}_scalar`>;

export const ACTIVATION_KERNEL_EXPORT_NAMES: ReadonlyArray<keyof ActivationKernelExports> = ACTIVATION_KERNELS.flatMap(
  (n) => [n, `${n}_scalar`] as const,
);

export interface DropoutOptions extends ScalarOption {
  /** Fraction of elements dropped, 0 ≤ rate < 1 (Keras's `rate`). */
  rate: number;
}

export interface DropoutForwardOptions extends DropoutOptions {
  /** Selects the mask: a u32 integer. Use a new seed per training step. */
  seed: number;
  /** Index of inp's first element in the whole tensor (a share of a split call), default 0. */
  first?: number;
}

const U32_LIMIT = 2 ** 32;

function checkRate(fn: string, rate: unknown): number {
  if (typeof rate !== 'number' || !(rate >= 0 && rate < 1))
    throw new RangeError(`${fn}: rate must be a number in [0, 1), got ${String(rate)}`);
  return rate;
}

/** The kernels' keep threshold for `rate`: an element is kept when its 32-bit hash is ≥ it. */
export function dropoutThreshold(rate: number): number {
  return Math.floor(checkRate('dropoutThreshold', rate) * U32_LIMIT);
}

/** 1/(1 − rate) rounded to f32, the factor kept elements (and their gradients) are scaled by. */
export function dropoutScale(rate: number): number {
  return Math.fround(1 / (1 - checkRate('dropoutScale', rate)));
}

function describe(t: Tensor): string {
  return `${t.name} ${formatShape(t.shape)}`;
}

function overlaps(a: Tensor, b: Tensor): boolean {
  return a.offset < b.offset + b.byteLength && b.offset < a.offset + a.byteLength;
}

export class ActivationKernels {
  constructor(private readonly arena: Arena) {}

  private get raw(): ActivationKernelExports {
    const exports = this.arena.exports as KernelExports & Partial<ActivationKernelExports>;
    const missing = ACTIVATION_KERNEL_EXPORT_NAMES.filter((n) => typeof exports[n] !== 'function');
    if (missing.length > 0)
      throw new TypeError(
        `this simdnet build lacks the kernels ${missing.join(', ')}: rebuild it (npm run build:wasm)`,
      );
    return exports as ActivationKernelExports;
  }

  private tensor(fn: string, arg: string, t: unknown, dtype: DType): Tensor {
    if (!(t instanceof Tensor))
      throw new TypeError(`${fn}: ${arg} must be a Tensor, got ${t === null ? 'null' : typeof t}`);
    if (t.arena !== this.arena) throw new TypeError(`${fn}: ${arg} (${describe(t)}) belongs to another arena`);
    if (t.dtype !== dtype) throw new TypeError(`${fn}: ${arg} must be ${dtype}, got ${t.dtype} (${describe(t)})`);
    if (
      t.offset < this.arena.start ||
      t.offset + t.byteLength > this.arena.end ||
      t.offset % (dtype === 'u8' ? 1 : 4) !== 0
    ) {
      throw new RangeError(
        `${fn}: ${arg} (${describe(t)}) spans bytes [${t.offset}, ${t.offset + t.byteLength}), outside the arena [${this.arena.start}, ${this.arena.end}) or misaligned`,
      );
    }
    return t;
  }

  private sameShape(fn: string, a: Tensor, aName: string, b: Tensor, bName: string): void {
    if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
      throw new RangeError(
        `${fn}: ${aName} ${formatShape(a.shape)} and ${bName} ${formatShape(b.shape)} must have the same shape`,
      );
    }
  }

  /** `out` may be `inp` itself or disjoint from it; never partly overlapping. */
  private aliasOrDisjoint(fn: string, out: Tensor, outName: string, inp: Tensor, inpName: string): void {
    if (overlaps(out, inp) && !(out.offset === inp.offset && out.byteLength === inp.byteLength)) {
      throw new RangeError(
        `${fn}: ${outName} ${formatShape(out.shape)} partly overlaps ${inpName} ${formatShape(inp.shape)}; use the same buffer or disjoint ones`,
      );
    }
  }

  private disjoint(fn: string, a: Tensor, aName: string, b: Tensor, bName: string): void {
    if (overlaps(a, b))
      throw new RangeError(
        `${fn}: ${aName} ${formatShape(a.shape)} overlaps ${bName} ${formatShape(b.shape)}; they must be disjoint`,
      );
  }

  private elementwise(fn: string, out: Tensor<'f32'>, inp: Tensor<'f32'>): void {
    this.tensor(fn, 'out', out, 'f32');
    this.tensor(fn, 'inp', inp, 'f32');
    this.sameShape(fn, out, 'out', inp, 'inp');
    this.aliasOrDisjoint(fn, out, 'out', inp, 'inp');
  }

  private fromOutput(fn: string, dinp: Tensor<'f32'>, dout: Tensor<'f32'>, y: Tensor<'f32'>): void {
    this.tensor(fn, 'dinp', dinp, 'f32');
    this.tensor(fn, 'dout', dout, 'f32');
    this.tensor(fn, 'y', y, 'f32');
    this.sameShape(fn, dinp, 'dinp', dout, 'dout');
    this.sameShape(fn, dinp, 'dinp', y, 'y');
    this.aliasOrDisjoint(fn, dinp, 'dinp', dout, 'dout');
    this.aliasOrDisjoint(fn, dinp, 'dinp', y, 'y');
  }

  /** out = 1/(1 + e^−inp). out may be inp itself. */
  sigmoidForward(out: Tensor<'f32'>, inp: Tensor<'f32'>, options: ScalarOption = {}): Tensor<'f32'> {
    this.elementwise('sigmoidForward', out, inp);
    (options.scalar ? this.raw.sigmoid_forward_scalar : this.raw.sigmoid_forward)(out.offset, inp.offset, out.length);
    return out;
  }

  /** dinp = dout ⊙ y(1 − y), y the sigmoid's output. dinp may be dout or y itself. */
  sigmoidBackward(
    dinp: Tensor<'f32'>,
    dout: Tensor<'f32'>,
    y: Tensor<'f32'>,
    options: ScalarOption = {},
  ): Tensor<'f32'> {
    this.fromOutput('sigmoidBackward', dinp, dout, y);
    (options.scalar ? this.raw.sigmoid_backward_scalar : this.raw.sigmoid_backward)(
      dinp.offset,
      dout.offset,
      y.offset,
      dinp.length,
    );
    return dinp;
  }

  /** out = tanh(inp). out may be inp itself. */
  tanhForward(out: Tensor<'f32'>, inp: Tensor<'f32'>, options: ScalarOption = {}): Tensor<'f32'> {
    this.elementwise('tanhForward', out, inp);
    (options.scalar ? this.raw.tanh_forward_scalar : this.raw.tanh_forward)(out.offset, inp.offset, out.length);
    return out;
  }

  /** dinp = dout ⊙ (1 − y²), y the tanh's output. dinp may be dout or y itself. */
  tanhBackward(dinp: Tensor<'f32'>, dout: Tensor<'f32'>, y: Tensor<'f32'>, options: ScalarOption = {}): Tensor<'f32'> {
    this.fromOutput('tanhBackward', dinp, dout, y);
    (options.scalar ? this.raw.tanh_backward_scalar : this.raw.tanh_backward)(
      dinp.offset,
      dout.offset,
      y.offset,
      dinp.length,
    );
    return dinp;
  }

  /**
   * Inverted dropout: mask = 1 with probability 1 − rate (from `seed` and each element's index),
   * out = inp ⊙ mask / (1 − rate). out may be inp itself; mask (u8, same shape) must be disjoint.
   */
  dropoutForward(
    out: Tensor<'f32'>,
    mask: Tensor<'u8'>,
    inp: Tensor<'f32'>,
    options: DropoutForwardOptions,
  ): Tensor<'f32'> {
    const fn = 'dropoutForward';
    this.elementwise(fn, out, inp);
    this.tensor(fn, 'mask', mask, 'u8');
    this.sameShape(fn, mask, 'mask', inp, 'inp');
    this.disjoint(fn, mask, 'mask', out, 'out');
    this.disjoint(fn, mask, 'mask', inp, 'inp');
    const rate = checkRate(fn, options?.rate);
    const { seed, first = 0 } = options;
    if (!Number.isInteger(seed) || seed < 0 || seed >= U32_LIMIT)
      throw new RangeError(`${fn}: seed must be an integer in [0, 2^32), got ${String(seed)}`);
    if (!Number.isInteger(first) || first < 0 || first >= U32_LIMIT)
      throw new RangeError(`${fn}: first must be an integer in [0, 2^32), got ${String(first)}`);
    (options.scalar ? this.raw.dropout_forward_scalar : this.raw.dropout_forward)(
      out.offset,
      mask.offset,
      inp.offset,
      out.length,
      seed,
      first,
      dropoutThreshold(rate),
      dropoutScale(rate),
    );
    return out;
  }

  /** dinp = dout ⊙ mask / (1 − rate), with the forward call's mask and rate. dinp may be dout itself. */
  dropoutBackward(
    dinp: Tensor<'f32'>,
    dout: Tensor<'f32'>,
    mask: Tensor<'u8'>,
    options: DropoutOptions,
  ): Tensor<'f32'> {
    const fn = 'dropoutBackward';
    this.tensor(fn, 'dinp', dinp, 'f32');
    this.tensor(fn, 'dout', dout, 'f32');
    this.tensor(fn, 'mask', mask, 'u8');
    this.sameShape(fn, dinp, 'dinp', dout, 'dout');
    this.sameShape(fn, dinp, 'dinp', mask, 'mask');
    this.aliasOrDisjoint(fn, dinp, 'dinp', dout, 'dout');
    this.disjoint(fn, dinp, 'dinp', mask, 'mask');
    const rate = checkRate(fn, options?.rate);
    (options.scalar ? this.raw.dropout_backward_scalar : this.raw.dropout_backward)(
      dinp.offset,
      dout.offset,
      mask.offset,
      dinp.length,
      dropoutScale(rate),
    );
    return dinp;
  }
}
