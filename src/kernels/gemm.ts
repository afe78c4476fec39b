// Matrix products: sgemm, the dense layer's forward and backward (f32 and u8 pixel inputs) and
// the sparse first layer. Checked as kernels.ts describes.
import { formatShape, type Tensor } from '../tensor.js';
import { SPARSE_MAX_WIDTH } from '../data/sparse.js';
import { KernelBase, type ScalarOption } from './base.js';

export interface GemmOptions extends ScalarOption {
  /** op(A) = Aᵀ: A is stored K×M. */
  transA?: boolean;
  /** op(B) = Bᵀ: B is stored N×K. */
  transB?: boolean;
  /** Add the product to C instead of overwriting it. */
  accumulate?: boolean;
}

export class GemmKernels extends KernelBase {
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
    this.check.outputsApart(
      fn,
      [['C', C]],
      [
        ['A', A],
        ['B', B],
      ],
    );
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
    this.check.outputsApart(
      fn,
      [['out', out]],
      [
        ['inp', inp],
        ['weights', weights],
        ['bias', bias],
      ],
    );
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
    this.check.outputsApart(
      fn,
      [
        ['out', out],
        ['workspace', ws],
      ],
      [
        ['pixels', pixels],
        ['indices', indices],
        ['weights', weights],
        ['bias', bias],
      ],
    );
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
    this.check.outputsApart(
      fn,
      [
        ['dweights', dweights],
        ['workspace', ws],
      ],
      [
        ['pixels', pixels],
        ['indices', indices],
        ['dout', dout],
      ],
    );
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
    this.check.outputsApart(
      fn,
      [['out', out]],
      [
        ['starts', starts],
        ['entries', entries],
        ['indices', indices],
        ['weights', weights],
        ['bias', bias],
      ],
    );
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
    this.check.outputsApart(
      fn,
      [
        ['dweights', dweights],
        ['workspace', ws],
      ],
      [
        ['starts', starts],
        ['entries', entries],
        ['indices', indices],
        ['dout', dout],
      ],
    );
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
    this.check.outputsApart(
      fn,
      [['dinp', dinp]],
      [
        ['dout', dout],
        ['weights', weights],
        ['act', act],
      ],
    );
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
}
