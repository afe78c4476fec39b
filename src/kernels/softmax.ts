// The output layer: softmax, cross-entropy and its gradient, and the metrics (argmax, count
// correct). Checked as kernels.ts describes.
import { formatShape, type Tensor } from '../tensor.js';
import type { ScalarOption } from './base.js';
import { ElementwiseKernels } from './elementwise.js';

export class SoftmaxKernels extends ElementwiseKernels {
  /**
   * The output layer in one pass: softmax of each row of logits, mean cross-entropy against labels
   * (the loss), rows whose argmax is the label (stored in `correct`, an i32 tensor of one element,
   * and returned), and dlogits = (softmax − onehot)·scale (scale defaults to 1/rows). dlogits may be
   * logits itself.
   */
  softmaxCrossentropy(
    dlogits: Tensor<'f32'>,
    logits: Tensor<'f32'>,
    labels: Tensor<'i32'>,
    correct: Tensor<'i32'>,
    options: { scale?: number } & ScalarOption = {},
  ): { loss: number; correct: number } {
    const fn = 'softmaxCrossentropy';
    this.check.tensor(fn, 'dlogits', dlogits, 'f32', 2);
    this.check.tensor(fn, 'logits', logits, 'f32', 2);
    this.check.tensor(fn, 'correct', correct, 'i32', 1);
    this.check.sameShape(fn, dlogits, 'dlogits', logits, 'logits');
    this.check.aliasOrDisjoint(fn, dlogits, 'dlogits', logits, 'logits');
    this.check.labelsFor(fn, logits, 'logits', labels);
    this.check.disjoint(fn, dlogits, 'dlogits', labels, 'labels');
    if (correct.length !== 1)
      throw new RangeError(`${fn}: correct ${formatShape(correct.shape)} must hold exactly one element`);
    this.check.outputsApart(
      fn,
      [['correct', correct]],
      [
        ['dlogits', dlogits],
        ['logits', logits],
        ['labels', labels],
      ],
    );
    const rows = logits.shape[0]!,
      cols = logits.shape[1]!;
    const scale = this.check.finite(fn, 'scale', options.scale ?? 1 / rows);
    const loss = (options.scalar ? this.raw.softmax_crossentropy_scalar : this.par.softmax_crossentropy)(
      dlogits.offset,
      logits.offset,
      labels.offset,
      rows,
      cols,
      scale,
      correct.offset,
    );
    return { loss, correct: (correct.view() as Int32Array)[0]! };
  }

  /** probs = softmax of each row of logits. probs may be logits itself. */
  softmaxForward(probs: Tensor<'f32'>, logits: Tensor<'f32'>, options: ScalarOption = {}): Tensor<'f32'> {
    const fn = 'softmaxForward';
    this.check.tensor(fn, 'probs', probs, 'f32', 2);
    this.check.tensor(fn, 'logits', logits, 'f32', 2);
    this.check.sameShape(fn, probs, 'probs', logits, 'logits');
    this.check.aliasOrDisjoint(fn, probs, 'probs', logits, 'logits');
    (options.scalar ? this.raw.softmax_forward_scalar : this.raw.softmax_forward)(
      probs.offset,
      logits.offset,
      probs.shape[0]!,
      probs.shape[1]!,
    );
    return probs;
  }

  /** Mean cross-entropy −ln(max(p[label], 1e-7)) over the rows. */
  crossentropyLoss(probs: Tensor<'f32'>, labels: Tensor<'i32'>): number {
    const fn = 'crossentropyLoss';
    this.check.tensor(fn, 'probs', probs, 'f32', 2);
    this.check.labelsFor(fn, probs, 'probs', labels);
    return this.raw.crossentropy_loss(probs.offset, labels.offset, probs.shape[0]!, probs.shape[1]!);
  }

  /** dlogits = (probs − onehot(labels)) · scale; scale defaults to 1/rows (the mean's gradient). dlogits may be probs itself. */
  softmaxCrossentropyBackward(
    dlogits: Tensor<'f32'>,
    probs: Tensor<'f32'>,
    labels: Tensor<'i32'>,
    options: ScalarOption & { scale?: number } = {},
  ): Tensor<'f32'> {
    const fn = 'softmaxCrossentropyBackward';
    this.check.tensor(fn, 'dlogits', dlogits, 'f32', 2);
    this.check.tensor(fn, 'probs', probs, 'f32', 2);
    this.check.sameShape(fn, dlogits, 'dlogits', probs, 'probs');
    this.check.aliasOrDisjoint(fn, dlogits, 'dlogits', probs, 'probs');
    this.check.labelsFor(fn, probs, 'probs', labels);
    this.check.disjoint(fn, dlogits, 'dlogits', labels, 'labels');
    const rows = probs.shape[0]!,
      cols = probs.shape[1]!;
    const scale = this.check.finite(fn, 'scale', options.scale ?? 1 / rows);
    (options.scalar ? this.raw.softmax_crossentropy_backward_scalar : this.raw.softmax_crossentropy_backward)(
      dlogits.offset,
      probs.offset,
      labels.offset,
      rows,
      cols,
      scale,
    );
    return dlogits;
  }

  /** out[r] = index of the largest value in row r (ties: the lowest index). */
  argmaxRows(out: Tensor<'i32'>, x: Tensor<'f32'>): Tensor<'i32'> {
    const fn = 'argmaxRows';
    this.check.tensor(fn, 'out', out, 'i32', 1);
    this.check.tensor(fn, 'x', x, 'f32', 2);
    if (out.length !== x.shape[0])
      throw new RangeError(
        `${fn}: out ${formatShape(out.shape)} must have one entry per row of x ${formatShape(x.shape)}`,
      );
    this.check.disjoint(fn, out, 'out', x, 'x');
    this.raw.argmax_rows(out.offset, x.offset, x.shape[0]!, x.shape[1]!);
    return out;
  }

  /** Number of rows whose argmax equals the label. */
  countCorrect(x: Tensor<'f32'>, labels: Tensor<'i32'>): number {
    const fn = 'countCorrect';
    this.check.tensor(fn, 'x', x, 'f32', 2);
    this.check.labelsFor(fn, x, 'x', labels);
    return this.raw.count_correct(x.offset, labels.offset, x.shape[0]!, x.shape[1]!);
  }
}
