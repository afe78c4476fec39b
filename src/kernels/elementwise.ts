// Element- and row-wise kernels: bias, ReLU, sigmoid, tanh, dropout, the gathers that assemble a
// batch from u8 pixels and labels, the batch order they read, and the packing of u8 rows as
// sparse rows. Checked as kernels.ts describes.
import { SPARSE_MAX_WIDTH } from '../data/sparse.js';
import { formatShape, type Tensor } from '../tensor.js';
import type { ScalarOption } from './base.js';
import { GemmKernels } from './gemm.js';

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
/** Bytes count_nonzero_u8 is given a call at most (it counts in i32). */
const COUNT_PIECE_BYTES = 2 ** 30;

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

export class ElementwiseKernels extends GemmKernels {
  /** out = inp + bias, bias broadcast over the rows. out may be inp itself. */
  biasForward(out: Tensor<'f32'>, inp: Tensor<'f32'>, bias: Tensor<'f32'>, options: ScalarOption = {}): Tensor<'f32'> {
    const fn = 'biasForward';
    this.check.tensor(fn, 'out', out, 'f32', 2);
    this.check.tensor(fn, 'inp', inp, 'f32', 2);
    this.check.tensor(fn, 'bias', bias, 'f32', 1);
    this.check.sameShape(fn, out, 'out', inp, 'inp');
    const [rows, cols] = [inp.shape[0]!, inp.shape[1]!];
    if (bias.length !== cols)
      throw new RangeError(
        `${fn}: bias ${formatShape(bias.shape)} must have ${cols} elements for inp ${formatShape(inp.shape)}`,
      );
    this.check.aliasOrDisjoint(fn, out, 'out', inp, 'inp');
    this.check.disjoint(fn, out, 'out', bias, 'bias');
    (options.scalar ? this.raw.bias_forward_scalar : this.raw.bias_forward)(
      out.offset,
      inp.offset,
      bias.offset,
      rows,
      cols,
    );
    return out;
  }

  /** dbias = Σ over rows of dout (or += with accumulate). */
  biasBackward(
    dbias: Tensor<'f32'>,
    dout: Tensor<'f32'>,
    options: ScalarOption & { accumulate?: boolean } = {},
  ): Tensor<'f32'> {
    const fn = 'biasBackward';
    this.check.tensor(fn, 'dbias', dbias, 'f32', 1);
    this.check.tensor(fn, 'dout', dout, 'f32', 2);
    const [rows, cols] = [dout.shape[0]!, dout.shape[1]!];
    if (dbias.length !== cols)
      throw new RangeError(
        `${fn}: dbias ${formatShape(dbias.shape)} must have ${cols} elements for dout ${formatShape(dout.shape)}`,
      );
    this.check.disjoint(fn, dbias, 'dbias', dout, 'dout');
    (options.scalar ? this.raw.bias_backward_scalar : this.raw.bias_backward)(
      dbias.offset,
      dout.offset,
      rows,
      cols,
      +(options.accumulate ?? false),
    );
    return dbias;
  }

  /** out = max(inp, 0). out may be inp itself. */
  reluForward(out: Tensor<'f32'>, inp: Tensor<'f32'>, options: ScalarOption = {}): Tensor<'f32'> {
    this.checkUnary('reluForward', out, inp);
    (options.scalar ? this.raw.relu_forward_scalar : this.raw.relu_forward)(out.offset, inp.offset, out.length);
    return out;
  }

  /** dinp = dout ⊙ [z > 0]. dinp may be dout itself; z must not overlap dinp. */
  reluBackward(dinp: Tensor<'f32'>, dout: Tensor<'f32'>, z: Tensor<'f32'>, options: ScalarOption = {}): Tensor<'f32'> {
    const fn = 'reluBackward';
    this.check.tensor(fn, 'dinp', dinp, 'f32');
    this.check.tensor(fn, 'dout', dout, 'f32');
    this.check.tensor(fn, 'z', z, 'f32');
    this.check.sameShape(fn, dinp, 'dinp', dout, 'dout');
    this.check.sameShape(fn, dinp, 'dinp', z, 'z');
    this.check.aliasOrDisjoint(fn, dinp, 'dinp', dout, 'dout');
    this.check.disjoint(fn, dinp, 'dinp', z, 'z');
    (options.scalar ? this.raw.relu_backward_scalar : this.raw.relu_backward)(
      dinp.offset,
      dout.offset,
      z.offset,
      dinp.length,
    );
    return dinp;
  }

  /** A unary map's out and inp: f32 of one shape, out the very same region as inp or disjoint from it. */
  private checkUnary(fn: string, out: Tensor<'f32'>, inp: Tensor<'f32'>): void {
    this.check.tensor(fn, 'out', out, 'f32');
    this.check.tensor(fn, 'inp', inp, 'f32');
    this.check.sameShape(fn, out, 'out', inp, 'inp');
    this.check.aliasOrDisjoint(fn, out, 'out', inp, 'inp');
  }

  /** A backward from the forward's output y: dinp, dout and y f32 of one shape; dinp may be dout or y itself. */
  private checkBackwardFromOutput(fn: string, dinp: Tensor<'f32'>, dout: Tensor<'f32'>, y: Tensor<'f32'>): void {
    this.check.tensor(fn, 'dinp', dinp, 'f32');
    this.check.tensor(fn, 'dout', dout, 'f32');
    this.check.tensor(fn, 'y', y, 'f32');
    this.check.sameShape(fn, dinp, 'dinp', dout, 'dout');
    this.check.sameShape(fn, dinp, 'dinp', y, 'y');
    this.check.aliasOrDisjoint(fn, dinp, 'dinp', dout, 'dout');
    this.check.aliasOrDisjoint(fn, dinp, 'dinp', y, 'y');
  }

  /** out = 1/(1 + e^−inp). out may be inp itself. */
  sigmoidForward(out: Tensor<'f32'>, inp: Tensor<'f32'>, options: ScalarOption = {}): Tensor<'f32'> {
    this.checkUnary('sigmoidForward', out, inp);
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
    this.checkBackwardFromOutput('sigmoidBackward', dinp, dout, y);
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
    this.checkUnary('tanhForward', out, inp);
    (options.scalar ? this.raw.tanh_forward_scalar : this.raw.tanh_forward)(out.offset, inp.offset, out.length);
    return out;
  }

  /** dinp = dout ⊙ (1 − y²), y the tanh's output. dinp may be dout or y itself. */
  tanhBackward(dinp: Tensor<'f32'>, dout: Tensor<'f32'>, y: Tensor<'f32'>, options: ScalarOption = {}): Tensor<'f32'> {
    this.checkBackwardFromOutput('tanhBackward', dinp, dout, y);
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
    this.checkUnary(fn, out, inp);
    this.check.tensor(fn, 'mask', mask, 'u8');
    this.check.sameShape(fn, mask, 'mask', inp, 'inp');
    this.check.outputsApart(
      fn,
      [['mask', mask]],
      [
        ['out', out],
        ['inp', inp],
      ],
    );
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
    this.check.tensor(fn, 'dinp', dinp, 'f32');
    this.check.tensor(fn, 'dout', dout, 'f32');
    this.check.tensor(fn, 'mask', mask, 'u8');
    this.check.sameShape(fn, dinp, 'dinp', dout, 'dout');
    this.check.sameShape(fn, dinp, 'dinp', mask, 'mask');
    this.check.aliasOrDisjoint(fn, dinp, 'dinp', dout, 'dout');
    this.check.disjoint(fn, dinp, 'dinp', mask, 'mask');
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

  /** out[r, :] = pixels[indices[r], :] · scale (u8 → f32); scale defaults to 1/255. */
  gatherImages(
    out: Tensor<'f32'>,
    pixels: Tensor<'u8'>,
    indices: Tensor<'i32'>,
    options: ScalarOption & { scale?: number } = {},
  ): Tensor<'f32'> {
    const fn = 'gatherImages';
    this.check.tensor(fn, 'out', out, 'f32', 2);
    this.check.tensor(fn, 'pixels', pixels, 'u8', 2);
    this.check.tensor(fn, 'indices', indices, 'i32', 1);
    const [count, rowLength] = [out.shape[0]!, out.shape[1]!];
    if (pixels.shape[1] !== rowLength)
      throw new RangeError(
        `${fn}: out ${formatShape(out.shape)} and pixels ${formatShape(pixels.shape)} must have rows of the same length`,
      );
    if (indices.length !== count)
      throw new RangeError(
        `${fn}: indices ${formatShape(indices.shape)} must have one entry per row of out ${formatShape(out.shape)}`,
      );
    this.check.indicesInRange(fn, 'indices', indices, pixels.shape[0]!, 'row of pixels');
    this.check.outputsApart(
      fn,
      [['out', out]],
      [
        ['pixels', pixels],
        ['indices', indices],
      ],
    );
    const scale = this.check.finite(fn, 'scale', options.scale ?? 1 / 255);
    (options.scalar ? this.raw.gather_images_scalar : this.raw.gather_images)(
      out.offset,
      pixels.offset,
      indices.offset,
      count,
      rowLength,
      scale,
    );
    return out;
  }

  /** out[r] = labels[indices[r]] (u8 → i32). */
  gatherLabels(out: Tensor<'i32'>, labels: Tensor<'u8'>, indices: Tensor<'i32'>): Tensor<'i32'> {
    const fn = 'gatherLabels';
    this.check.tensor(fn, 'out', out, 'i32', 1);
    this.check.tensor(fn, 'labels', labels, 'u8', 1);
    this.check.tensor(fn, 'indices', indices, 'i32', 1);
    if (indices.length !== out.length)
      throw new RangeError(
        `${fn}: indices ${formatShape(indices.shape)} and out ${formatShape(out.shape)} must have the same length`,
      );
    this.check.indicesInRange(fn, 'indices', indices, labels.length, 'index into labels');
    this.check.outputsApart(
      fn,
      [['out', out]],
      [
        ['labels', labels],
        ['indices', indices],
      ],
    );
    this.raw.gather_labels(out.offset, labels.offset, indices.offset, out.length);
    return out;
  }

  /** order = 0, 1, …, length−1: a batch order's start (src/schedule.ts). */
  identityOrder(order: Tensor<'i32'>): Tensor<'i32'> {
    this.check.tensor('identityOrder', 'order', order, 'i32', 1);
    this.raw.order_identity(order.offset, order.length);
    return order;
  }

  /**
   * Shuffles `order` in place exactly as Rng.shuffle (src/rng.ts) does from generator state
   * `state` (a u32; `new Rng(seed)` starts at seed >>> 0). Returns the state after, which the next
   * shuffle continues from as the same Rng would.
   */
  shuffleOrder(order: Tensor<'i32'>, state: number): number {
    const fn = 'shuffleOrder';
    this.check.tensor(fn, 'order', order, 'i32', 1);
    if (typeof state !== 'number' || !Number.isInteger(state) || state < 0 || state >= U32_LIMIT)
      throw new RangeError(`${fn}: state must be an integer in [0, 2^32), got ${String(state)}`);
    return this.raw.order_shuffle(order.offset, order.length, state | 0) >>> 0;
  }

  /** The non-zero bytes of `pixels` (any shape): the entries packSparseU8 writes for them. */
  countNonzeroU8(pixels: Tensor<'u8'>, options: ScalarOption = {}): number {
    this.check.tensor('countNonzeroU8', 'pixels', pixels, 'u8');
    const count = options.scalar ? this.raw.count_nonzero_u8_scalar : this.raw.count_nonzero_u8;
    let total = 0;
    for (let at = 0; at < pixels.length; at += COUNT_PIECE_BYTES)
      total += count(pixels.offset + at, Math.min(COUNT_PIECE_BYTES, pixels.length - at));
    return total;
  }

  /**
   * Packs the rows×width u8 `pixels` as sparse rows (data/sparse.ts, what packSparseRows writes),
   * from entry `first` (default 0) on: starts (rows + 1) holds first + the entries before each row.
   * entries must hold first + the non-zero bytes. Returns the entries written.
   */
  packSparseU8(
    starts: Tensor<'i32'>,
    entries: Tensor<'i32'>,
    pixels: Tensor<'u8'>,
    options: ScalarOption & { first?: number } = {},
  ): number {
    const fn = 'packSparseU8';
    this.check.tensor(fn, 'pixels', pixels, 'u8', 2);
    this.check.tensor(fn, 'starts', starts, 'i32', 1);
    this.check.tensor(fn, 'entries', entries, 'i32', 1);
    const [rows, width] = [pixels.shape[0]!, pixels.shape[1]!];
    if (width > SPARSE_MAX_WIDTH)
      throw new RangeError(`${fn}: pixels ${formatShape(pixels.shape)} rows are wider than ${SPARSE_MAX_WIDTH} bytes`);
    if (starts.length !== rows + 1)
      throw new RangeError(
        `${fn}: starts ${formatShape(starts.shape)} must hold one offset per row of pixels ${formatShape(pixels.shape)}, plus one`,
      );
    const first = options.first ?? 0;
    if (!Number.isInteger(first) || first < 0)
      throw new RangeError(`${fn}: first must be an integer ≥ 0, got ${String(first)}`);
    const needed = first + this.countNonzeroU8(pixels);
    if (needed > entries.length)
      throw new RangeError(
        `${fn}: entries ${formatShape(entries.shape)} holds ${entries.length} elements but pixels ${formatShape(pixels.shape)} need ${needed} from first ${first}`,
      );
    this.check.outputsApart(
      fn,
      [
        ['starts', starts],
        ['entries', entries],
      ],
      [['pixels', pixels]],
    );
    return (options.scalar ? this.raw.pack_sparse_u8_scalar : this.raw.pack_sparse_u8)(
      starts.offset,
      entries.offset,
      pixels.offset,
      rows,
      width,
      first,
    );
  }
}
