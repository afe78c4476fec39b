// Typed, validated wrappers over the raw kernels of one arena. The kernels trust their inputs;
// everything that could make them read or write out of place is checked here first, with the
// checks in checks.ts: that each argument is a Tensor of this arena, its dtype, its rank and shape
// against the others, its bounds, forbidden overlaps, and index values (labels, row indices).
// Errors are TypeError (wrong kind of argument) or RangeError (wrong size or value) and name the
// argument and both shapes.
import type { KernelExports } from './abi.js';
import type { ParallelKernels } from './threads.js';
import { Checks } from './checks.js';
import type { Arena } from './arena.js';
import { formatShape, type Tensor } from './tensor.js';
import { SPARSE_MAX_WIDTH } from './data/sparse.js';

export interface ScalarOption {
  /** Run the scalar twin instead of the variant's kernel (the in-module oracle). */
  scalar?: boolean;
}
export interface GemmOptions extends ScalarOption {
  /** op(A) = Aᵀ: A is stored K×M. */
  transA?: boolean;
  /** op(B) = Bᵀ: B is stored N×K. */
  transB?: boolean;
  /** Add the product to C instead of overwriting it. */
  accumulate?: boolean;
}
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

export class Kernels {
  private readonly check: Checks;

  constructor(private readonly arena: Arena) {
    this.check = new Checks(arena);
  }

  private get raw(): KernelExports {
    return this.arena.exports;
  }
  /** The kernels a threaded arena splits over its threads; the raw exports on one thread. */
  private get par(): ParallelKernels {
    return this.arena.parallel;
  }

  /** C = op(A)·op(B) (or C += … with accumulate). C must not overlap A or B. */
  sgemm(C: Tensor<'f32'>, A: Tensor<'f32'>, B: Tensor<'f32'>, options: GemmOptions = {}): Tensor<'f32'> {
    const fn = 'sgemm';
    this.check.tensor(fn, 'C', C, 'f32', 2);
    this.check.tensor(fn, 'A', A, 'f32', 2);
    this.check.tensor(fn, 'B', B, 'f32', 2);
    const transA = options.transA ?? false,
      transB = options.transB ?? false;
    const [M, K] = transA ? [A.shape[1]!, A.shape[0]!] : [A.shape[0]!, A.shape[1]!];
    const [KB, N] = transB ? [B.shape[1]!, B.shape[0]!] : [B.shape[0]!, B.shape[1]!];
    if (K !== KB) {
      throw new RangeError(
        `${fn}: inner dimensions differ: op(A) is ${M}×${K} (A ${formatShape(A.shape)}${transA ? ', transposed' : ''}) but op(B) is ${KB}×${N} (B ${formatShape(B.shape)}${transB ? ', transposed' : ''})`,
      );
    }
    if (C.shape[0] !== M || C.shape[1] !== N) {
      throw new RangeError(
        `${fn}: C ${formatShape(C.shape)} must be ${formatShape([M, N])} for op(A) ${M}×${K} and op(B) ${K}×${N}`,
      );
    }
    this.check.disjoint(fn, C, 'C', A, 'A');
    this.check.disjoint(fn, C, 'C', B, 'B');
    const kernel = options.scalar ? this.raw.sgemm_scalar : this.par.sgemm;
    kernel(+transA, +transB, M, N, K, A.offset, B.offset, C.offset, +(options.accumulate ?? false));
    return C;
  }

  /** Bytes of workspace denseForwardU8 and denseBackwardWeightsU8 need, for any shapes (one slice per thread). */
  get denseWorkspaceBytes(): number {
    return this.raw.dense_workspace_bytes() * this.arena.threads;
  }

  /** out = inp·weights + bias, then ReLU when `relu`. out must not overlap the inputs. */
  denseForward(
    out: Tensor<'f32'>,
    inp: Tensor<'f32'>,
    weights: Tensor<'f32'>,
    bias: Tensor<'f32'>,
    options: ScalarOption & { relu?: boolean } = {},
  ): Tensor<'f32'> {
    const fn = 'denseForward';
    this.check.tensor(fn, 'out', out, 'f32', 2);
    this.check.tensor(fn, 'inp', inp, 'f32', 2);
    const [rows, inputs] = [inp.shape[0]!, inp.shape[1]!];
    const outputs = out.shape[1]!;
    this.check.denseParameters(
      fn,
      weights,
      bias,
      inputs,
      outputs,
      `inp ${formatShape(inp.shape)} and out ${formatShape(out.shape)}`,
    );
    if (out.shape[0] !== rows)
      throw new RangeError(
        `${fn}: out ${formatShape(out.shape)} must have one row per row of inp ${formatShape(inp.shape)}`,
      );
    for (const [t, name] of [
      [inp, 'inp'],
      [weights, 'weights'],
      [bias, 'bias'],
    ] as const)
      this.check.disjoint(fn, out, 'out', t, name);
    (options.scalar ? this.raw.dense_forward_scalar : this.par.dense_forward)(
      out.offset,
      inp.offset,
      weights.offset,
      bias.offset,
      rows,
      inputs,
      outputs,
      +(options.relu ?? false),
    );
    return out;
  }

  /**
   * out = (scale·pixels[indices])·weights + bias, then ReLU when `relu`: the first layer straight
   * from u8 pixel rows gathered by index (scale defaults to 1/255). out must not overlap the inputs.
   */
  denseForwardU8(
    out: Tensor<'f32'>,
    pixels: Tensor<'u8'>,
    indices: Tensor<'i32'>,
    weights: Tensor<'f32'>,
    bias: Tensor<'f32'>,
    workspace: Tensor,
    options: ScalarOption & { relu?: boolean; scale?: number } = {},
  ): Tensor<'f32'> {
    const fn = 'denseForwardU8';
    this.check.tensor(fn, 'out', out, 'f32', 2);
    this.check.tensor(fn, 'pixels', pixels, 'u8', 2);
    this.check.tensor(fn, 'indices', indices, 'i32', 1);
    const ws = this.check.workspace(fn, workspace, this.denseWorkspaceBytes);
    const [rows, outputs] = [out.shape[0]!, out.shape[1]!];
    const inputs = pixels.shape[1]!;
    this.check.denseParameters(
      fn,
      weights,
      bias,
      inputs,
      outputs,
      `pixels ${formatShape(pixels.shape)} and out ${formatShape(out.shape)}`,
    );
    if (indices.length !== rows)
      throw new RangeError(
        `${fn}: indices ${formatShape(indices.shape)} must have one entry per row of out ${formatShape(out.shape)}`,
      );
    this.check.indicesInRange(fn, 'indices', indices, pixels.shape[0]!, 'row of pixels');
    for (const [t, name] of [
      [pixels, 'pixels'],
      [indices, 'indices'],
      [weights, 'weights'],
      [bias, 'bias'],
      [ws, 'workspace'],
    ] as const)
      this.check.disjoint(fn, out, 'out', t, name);
    for (const [t, name] of [
      [pixels, 'pixels'],
      [indices, 'indices'],
      [weights, 'weights'],
      [bias, 'bias'],
    ] as const)
      this.check.disjoint(fn, ws, 'workspace', t, name);
    const scale = this.check.finite(fn, 'scale', options.scale ?? 1 / 255);
    (options.scalar ? this.raw.dense_forward_u8_scalar : this.par.dense_forward_u8)(
      out.offset,
      pixels.offset,
      indices.offset,
      weights.offset,
      bias.offset,
      rows,
      inputs,
      outputs,
      scale,
      +(options.relu ?? false),
      ws.offset,
    );
    return out;
  }

  /** dweights = (scale·pixels[indices])ᵀ·dout: the first layer's weight gradient from u8 pixel rows (scale defaults to 1/255). */
  denseBackwardWeightsU8(
    dweights: Tensor<'f32'>,
    pixels: Tensor<'u8'>,
    indices: Tensor<'i32'>,
    dout: Tensor<'f32'>,
    workspace: Tensor,
    options: ScalarOption & { scale?: number } = {},
  ): Tensor<'f32'> {
    const fn = 'denseBackwardWeightsU8';
    this.check.tensor(fn, 'dweights', dweights, 'f32', 2);
    this.check.tensor(fn, 'pixels', pixels, 'u8', 2);
    this.check.tensor(fn, 'indices', indices, 'i32', 1);
    this.check.tensor(fn, 'dout', dout, 'f32', 2);
    const ws = this.check.workspace(fn, workspace, this.denseWorkspaceBytes);
    const [rows, outputs] = [dout.shape[0]!, dout.shape[1]!];
    const inputs = pixels.shape[1]!;
    if (dweights.shape[0] !== inputs || dweights.shape[1] !== outputs) {
      throw new RangeError(
        `${fn}: dweights ${formatShape(dweights.shape)} must be ${formatShape([inputs, outputs])} for pixels ${formatShape(pixels.shape)} and dout ${formatShape(dout.shape)}`,
      );
    }
    if (indices.length !== rows)
      throw new RangeError(
        `${fn}: indices ${formatShape(indices.shape)} must have one entry per row of dout ${formatShape(dout.shape)}`,
      );
    this.check.indicesInRange(fn, 'indices', indices, pixels.shape[0]!, 'row of pixels');
    for (const [t, name] of [
      [pixels, 'pixels'],
      [indices, 'indices'],
      [dout, 'dout'],
      [ws, 'workspace'],
    ] as const)
      this.check.disjoint(fn, dweights, 'dweights', t, name);
    for (const [t, name] of [
      [pixels, 'pixels'],
      [indices, 'indices'],
      [dout, 'dout'],
    ] as const)
      this.check.disjoint(fn, ws, 'workspace', t, name);
    const scale = this.check.finite(fn, 'scale', options.scale ?? 1 / 255);
    (options.scalar ? this.raw.dense_backward_weights_u8_scalar : this.par.dense_backward_weights_u8)(
      dweights.offset,
      pixels.offset,
      indices.offset,
      dout.offset,
      rows,
      inputs,
      outputs,
      scale,
      ws.offset,
    );
    return dweights;
  }

  /** Bytes of workspace sparseBackwardWeightsU8 needs for `rows` rows and a weight gradient of inputs×outputs. */
  sparseWorkspaceBytes(rows: number, inputs: number, outputs: number): number {
    for (const [name, v] of [
      ['rows', rows],
      ['inputs', inputs],
      ['outputs', outputs],
    ] as const) {
      if (!Number.isInteger(v) || v < 1 || v > SPARSE_MAX_WIDTH)
        throw new RangeError(`sparseWorkspaceBytes: ${name} must be an integer in [1, ${SPARSE_MAX_WIDTH}], got ${v}`);
    }
    return this.raw.sparse_workspace_bytes(rows, inputs, outputs);
  }

  /**
   * out = (scale·X[indices])·weights + bias, then ReLU when `relu`, X given as sparse rows
   * (starts, entries; see data/sparse.ts) of weights' input width (scale defaults to 1/255).
   * out must not overlap the inputs.
   */
  sparseForwardU8(
    out: Tensor<'f32'>,
    starts: Tensor<'i32'>,
    entries: Tensor<'i32'>,
    indices: Tensor<'i32'>,
    weights: Tensor<'f32'>,
    bias: Tensor<'f32'>,
    options: ScalarOption & { relu?: boolean; scale?: number } = {},
  ): Tensor<'f32'> {
    const fn = 'sparseForwardU8';
    this.check.tensor(fn, 'out', out, 'f32', 2);
    this.check.tensor(fn, 'indices', indices, 'i32', 1);
    this.check.tensor(fn, 'weights', weights, 'f32', 2);
    const [rows, outputs] = [out.shape[0]!, out.shape[1]!];
    const inputs = weights.shape[0]!;
    this.check.denseParameters(fn, weights, bias, inputs, outputs, `out ${formatShape(out.shape)}`);
    const count = this.check.sparseRows(fn, starts, entries, inputs);
    if (indices.length !== rows)
      throw new RangeError(
        `${fn}: indices ${formatShape(indices.shape)} must have one entry per row of out ${formatShape(out.shape)}`,
      );
    this.check.indicesInRange(fn, 'indices', indices, count, 'sparse row');
    for (const [t, name] of [
      [starts, 'starts'],
      [entries, 'entries'],
      [indices, 'indices'],
      [weights, 'weights'],
      [bias, 'bias'],
    ] as const)
      this.check.disjoint(fn, out, 'out', t, name);
    const scale = this.check.finite(fn, 'scale', options.scale ?? 1 / 255);
    (options.scalar ? this.raw.sparse_forward_u8_scalar : this.par.sparse_forward_u8)(
      out.offset,
      starts.offset,
      entries.offset,
      indices.offset,
      weights.offset,
      bias.offset,
      rows,
      outputs,
      scale,
      +(options.relu ?? false),
    );
    return out;
  }

  /**
   * dweights = (scale·X[indices])ᵀ·dout with X given as sparse rows of dweights' input width: the
   * first layer's weight gradient (scale defaults to 1/255). The workspace needs
   * sparseWorkspaceBytes(inputs, outputs) bytes.
   */
  sparseBackwardWeightsU8(
    dweights: Tensor<'f32'>,
    starts: Tensor<'i32'>,
    entries: Tensor<'i32'>,
    indices: Tensor<'i32'>,
    dout: Tensor<'f32'>,
    workspace: Tensor,
    options: ScalarOption & { scale?: number } = {},
  ): Tensor<'f32'> {
    const fn = 'sparseBackwardWeightsU8';
    this.check.tensor(fn, 'dweights', dweights, 'f32', 2);
    this.check.tensor(fn, 'indices', indices, 'i32', 1);
    this.check.tensor(fn, 'dout', dout, 'f32', 2);
    const [rows, outputs] = [dout.shape[0]!, dout.shape[1]!];
    const inputs = dweights.shape[0]!;
    if (dweights.shape[1] !== outputs)
      throw new RangeError(
        `${fn}: dweights ${formatShape(dweights.shape)} must have ${outputs} columns, one per column of dout ${formatShape(dout.shape)}`,
      );
    const count = this.check.sparseRows(fn, starts, entries, inputs);
    if (indices.length !== rows)
      throw new RangeError(
        `${fn}: indices ${formatShape(indices.shape)} must have one entry per row of dout ${formatShape(dout.shape)}`,
      );
    this.check.indicesInRange(fn, 'indices', indices, count, 'sparse row');
    const ws = this.check.workspace(
      fn,
      workspace,
      this.sparseWorkspaceBytes(rows, inputs, outputs),
      `dweights ${formatShape(dweights.shape)}`,
    );
    for (const [t, name] of [
      [starts, 'starts'],
      [entries, 'entries'],
      [indices, 'indices'],
      [dout, 'dout'],
      [ws, 'workspace'],
    ] as const)
      this.check.disjoint(fn, dweights, 'dweights', t, name);
    for (const [t, name] of [
      [starts, 'starts'],
      [entries, 'entries'],
      [indices, 'indices'],
      [dout, 'dout'],
    ] as const)
      this.check.disjoint(fn, ws, 'workspace', t, name);
    const scale = this.check.finite(fn, 'scale', options.scale ?? 1 / 255);
    (options.scalar ? this.raw.sparse_backward_weights_u8_scalar : this.par.sparse_backward_weights_u8)(
      dweights.offset,
      starts.offset,
      entries.offset,
      indices.offset,
      dout.offset,
      rows,
      inputs,
      outputs,
      scale,
      ws.offset,
    );
    return dweights;
  }

  /** dinp = (dout·weightsᵀ) ⊙ [act > 0]: the input gradient with the ReLU backward of the layer below. dinp must not overlap the inputs. */
  denseBackwardInput(
    dinp: Tensor<'f32'>,
    dout: Tensor<'f32'>,
    weights: Tensor<'f32'>,
    act: Tensor<'f32'>,
    options: ScalarOption = {},
  ): Tensor<'f32'> {
    const fn = 'denseBackwardInput';
    this.check.tensor(fn, 'dinp', dinp, 'f32', 2);
    this.check.tensor(fn, 'dout', dout, 'f32', 2);
    this.check.tensor(fn, 'act', act, 'f32', 2);
    const [rows, outputs] = [dout.shape[0]!, dout.shape[1]!];
    const inputs = dinp.shape[1]!;
    this.check.denseParameters(
      fn,
      weights,
      undefined,
      inputs,
      outputs,
      `dinp ${formatShape(dinp.shape)} and dout ${formatShape(dout.shape)}`,
    );
    if (dinp.shape[0] !== rows)
      throw new RangeError(
        `${fn}: dinp ${formatShape(dinp.shape)} must have one row per row of dout ${formatShape(dout.shape)}`,
      );
    this.check.sameShape(fn, dinp, 'dinp', act, 'act');
    for (const [t, name] of [
      [dout, 'dout'],
      [weights, 'weights'],
      [act, 'act'],
    ] as const)
      this.check.disjoint(fn, dinp, 'dinp', t, name);
    (options.scalar ? this.raw.dense_backward_input_scalar : this.par.dense_backward_input)(
      dinp.offset,
      dout.offset,
      weights.offset,
      act.offset,
      rows,
      inputs,
      outputs,
    );
    return dinp;
  }

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
    for (const [t, name] of [
      [dlogits, 'dlogits'],
      [logits, 'logits'],
      [labels, 'labels'],
    ] as const)
      this.check.disjoint(fn, correct, 'correct', t, name);
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
    const fn = 'reluForward';
    this.check.tensor(fn, 'out', out, 'f32');
    this.check.tensor(fn, 'inp', inp, 'f32');
    this.check.sameShape(fn, out, 'out', inp, 'inp');
    this.check.aliasOrDisjoint(fn, out, 'out', inp, 'inp');
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

  /** One Adam step as tfjs's AdamOptimizer. */
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
    this.check.disjoint(fn, out, 'out', pixels, 'pixels');
    this.check.disjoint(fn, out, 'out', indices, 'indices');
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
    this.check.disjoint(fn, out, 'out', labels, 'labels');
    this.check.disjoint(fn, out, 'out', indices, 'indices');
    this.raw.gather_labels(out.offset, labels.offset, indices.offset, out.length);
    return out;
  }
}
