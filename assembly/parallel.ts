// Splitting a kernel call over threads. The host (src/threads.ts) writes one call into a control
// block in shared memory, then every thread t of T (the main thread is t = 0, each worker holds its
// own instance of this module over the same memory) calls parallel_run(control, t), which runs
// thread t's share of the call: a contiguous block of the output's rows (or of the weight
// gradient's rows), aligned to the kernels' tiles so that the shares compute exactly what the
// whole call would. Shares write disjoint parts of the output; the loss of softmax_crossentropy
// comes back as per-thread partial sums for the host to add.
//
// The control block's layout, each kernel's id, share alignment and argument offsets come from
// assembly/abi.ts, generated from the declarations in src/abi.ts: the host writes the arguments
// where this file reads them because both follow that one table. Conventions: see gemm.ts. In
// builds without SIMD (never run with T > 1) thread 0 runs the whole call and the others nothing.
import {
  ADAM_UPDATE, CONTROL_BYTES, CONTROL_KERNEL, CONTROL_RESULTS_F64, CONTROL_RESULTS_I32, CONTROL_THREADS, DENSE_BACKWARD_INPUT,
    DENSE_BACKWARD_WEIGHTS_U8, DENSE_FORWARD, DENSE_FORWARD_U8, MOMENTUM_UPDATE, SGD_UPDATE, SGEMM, SOFTMAX_CROSSENTROPY,
    SPARSE_BACKWARD_WEIGHTS_U8, SPARSE_FORWARD_U8,
    } from "./abi";
import { gemmNT, gemmTiledB, sgemm } from "./gemm";
import { packScratch } from "./gemm-pack";
import {
  dense_backward_input, dense_backward_weights_u8, dense_forward, dense_forward_u8, dense_workspace_bytes, denseBackwardWeightsU8,
    } from "./dense";
import {
  reduceWeightBlocks, ROW_BLOCKS, sparse_backward_weights_u8, sparse_blocked_min_rows, sparse_forward_u8, sparseBackwardWeightsU8, sparseWeightBlocks,
    } from "./sparse";
import { softmaxCrossentropySum } from "./softmax";
import { adam_update, momentum_update, sgd_update } from "./optim";

// Bytes the control block takes (results for up to MAX_THREADS threads).
export function parallel_control_bytes(): i32 {
  return CONTROL_BYTES;
}

// The argument at byte `offset` of the control block (a constant from assembly/abi.ts).
// @ts-ignore: decorator
@inline function argI(control: usize, offset: usize): i32 { return load<i32>(control + offset); }
// @ts-ignore: decorator
@inline function argF(control: usize, offset: usize): f32 { return load<f32>(control + offset); }
// @ts-ignore: decorator
@inline function argP(control: usize, offset: usize): usize { return <usize>load<u32>(control + offset); }

// Where thread t's share of n items starts: t·n/T rounded up to a multiple of `align` (n for t = T).
function splitPoint(n: i32, align: i32, t: i32, T: i32): i32 {
  if (t >= T) return n;
  const p = <i32>((<i64>n * t) / T);
  return min(n, (p + align - 1) / align * align);
}

// Thread t of T runs its share of the call described at `control`.
export function parallel_run(control: usize, t: i32): void {
  const T = load<i32>(control + CONTROL_THREADS);
  const kernel = load<i32>(control + CONTROL_KERNEL);
  if (!ASC_FEATURE_SIMD) {
    if (t == 0) runWhole(control, kernel);
    return;
  }
  switch (kernel) {
    case SGEMM.ID: runSgemm(control, t, T); break;
    case DENSE_FORWARD.ID: {
      const out = argP(control, DENSE_FORWARD.out), inp = argP(control, DENSE_FORWARD.inp), rows = argI(control, DENSE_FORWARD.AXIS);
      const inputs = argI(control, DENSE_FORWARD.inputs), outputs = argI(control, DENSE_FORWARD.outputs);
      const r0 = splitPoint(rows, DENSE_FORWARD.ALIGN, t, T), r1 = splitPoint(rows, DENSE_FORWARD.ALIGN, t + 1, T);
      if (r1 > r0) {
        dense_forward(out + ((<usize>r0 * outputs) << 2), inp + ((<usize>r0 * inputs) << 2), argP(control, DENSE_FORWARD.weights),
          argP(control, DENSE_FORWARD.bias), r1 - r0, inputs, outputs, argI(control, DENSE_FORWARD.relu));
      }
      break;
    }
    case DENSE_FORWARD_U8.ID: {
      const out = argP(control, DENSE_FORWARD_U8.out), rows = argI(control, DENSE_FORWARD_U8.AXIS), outputs = argI(control, DENSE_FORWARD_U8.outputs);
      const r0 = splitPoint(rows, DENSE_FORWARD_U8.ALIGN, t, T), r1 = splitPoint(rows, DENSE_FORWARD_U8.ALIGN, t + 1, T);
      if (r1 > r0) {
        dense_forward_u8(out + ((<usize>r0 * outputs) << 2), argP(control, DENSE_FORWARD_U8.pixels),
          argP(control, DENSE_FORWARD_U8.indices) + (<usize>r0 << 2), argP(control, DENSE_FORWARD_U8.weights), argP(control, DENSE_FORWARD_U8.bias),
          r1 - r0, argI(control, DENSE_FORWARD_U8.inputs), outputs, argF(control, DENSE_FORWARD_U8.scale),
          argI(control, DENSE_FORWARD_U8.relu), argP(control, DENSE_FORWARD_U8.workspace) + <usize>t * dense_workspace_bytes());
      }
      break;
    }
    case DENSE_BACKWARD_WEIGHTS_U8.ID: {
      const inputs = argI(control, DENSE_BACKWARD_WEIGHTS_U8.AXIS);
      const c0 = splitPoint(inputs, DENSE_BACKWARD_WEIGHTS_U8.ALIGN, t, T), c1 = splitPoint(inputs, DENSE_BACKWARD_WEIGHTS_U8.ALIGN, t + 1, T);
      if (c1 > c0) {
        denseBackwardWeightsU8(argP(control, DENSE_BACKWARD_WEIGHTS_U8.dweights), argP(control, DENSE_BACKWARD_WEIGHTS_U8.pixels),
          argP(control, DENSE_BACKWARD_WEIGHTS_U8.indices), argP(control, DENSE_BACKWARD_WEIGHTS_U8.dout),
          argI(control, DENSE_BACKWARD_WEIGHTS_U8.rows), inputs, c0, c1,
          argI(control, DENSE_BACKWARD_WEIGHTS_U8.outputs), argF(control, DENSE_BACKWARD_WEIGHTS_U8.scale),
          argP(control, DENSE_BACKWARD_WEIGHTS_U8.workspace) + <usize>t * dense_workspace_bytes());
      }
      break;
    }
    case DENSE_BACKWARD_INPUT.ID: {
      const dinp = argP(control, DENSE_BACKWARD_INPUT.dinp), dout = argP(control, DENSE_BACKWARD_INPUT.dout),
        act = argP(control, DENSE_BACKWARD_INPUT.act);
      const rows = argI(control, DENSE_BACKWARD_INPUT.AXIS), inputs = argI(control, DENSE_BACKWARD_INPUT.inputs),
        outputs = argI(control, DENSE_BACKWARD_INPUT.outputs);
      const r0 = splitPoint(rows, DENSE_BACKWARD_INPUT.ALIGN, t, T), r1 = splitPoint(rows, DENSE_BACKWARD_INPUT.ALIGN, t + 1, T);
      if (r1 > r0) {
        const skip = <usize>r0 * inputs << 2;
        gemmNT(r1 - r0, inputs, outputs, dout + ((<usize>r0 * outputs) << 2), argP(control, DENSE_BACKWARD_INPUT.weights), dinp + skip, 0,
          act + skip);
      }
      break;
    }
    case SOFTMAX_CROSSENTROPY.ID: {
      const rows = argI(control, SOFTMAX_CROSSENTROPY.AXIS), cols = argI(control, SOFTMAX_CROSSENTROPY.cols);
      const r0 = splitPoint(rows, SOFTMAX_CROSSENTROPY.ALIGN, t, T), r1 = splitPoint(rows, SOFTMAX_CROSSENTROPY.ALIGN, t + 1, T);
      const skip = (<usize>r0 * cols) << 2;
      const correct = control + CONTROL_RESULTS_I32 + (<usize>t << 2);
      store<i32>(correct, 0);
      store<f64>(control + CONTROL_RESULTS_F64 + (<usize>t << 3), r1 > r0
        ? softmaxCrossentropySum(argP(control, SOFTMAX_CROSSENTROPY.dlogits) + skip, argP(control, SOFTMAX_CROSSENTROPY.logits) + skip,
          argP(control, SOFTMAX_CROSSENTROPY.labels) + (<usize>r0 << 2), r1 - r0, cols, argF(control, SOFTMAX_CROSSENTROPY.scale), correct)
        : 0);
      break;
    }
    case SPARSE_FORWARD_U8.ID: {
      const out = argP(control, SPARSE_FORWARD_U8.out), rows = argI(control, SPARSE_FORWARD_U8.AXIS),
        outputs = argI(control, SPARSE_FORWARD_U8.outputs);
      const r0 = splitPoint(rows, SPARSE_FORWARD_U8.ALIGN, t, T), r1 = splitPoint(rows, SPARSE_FORWARD_U8.ALIGN, t + 1, T);
      if (r1 > r0) {
        sparse_forward_u8(out + ((<usize>r0 * outputs) << 2), argP(control, SPARSE_FORWARD_U8.starts),
          argP(control, SPARSE_FORWARD_U8.entries), argP(control, SPARSE_FORWARD_U8.indices) + (<usize>r0 << 2),
          argP(control, SPARSE_FORWARD_U8.weights), argP(control, SPARSE_FORWARD_U8.bias), r1 - r0, outputs,
          argF(control, SPARSE_FORWARD_U8.scale), argI(control, SPARSE_FORWARD_U8.relu));
      }
      break;
    }
    // A blocked call (rows ≥ sparse_blocked_min_rows) runs in two calls: the threads' row blocks,
      // then its SECOND_PASS_ID adds them up by columns; a smaller one splits the columns.
    case SPARSE_BACKWARD_WEIGHTS_U8.ID: {
      const rows = argI(control, SPARSE_BACKWARD_WEIGHTS_U8.rows), inputs = argI(control, SPARSE_BACKWARD_WEIGHTS_U8.AXIS);
      if (rows >= sparse_blocked_min_rows()) {
        const k0 = splitPoint(ROW_BLOCKS, 1, t, T), k1 = splitPoint(ROW_BLOCKS, 1, t + 1, T);
        if (k1 > k0) {
          sparseWeightBlocks(argP(control, SPARSE_BACKWARD_WEIGHTS_U8.starts), argP(control, SPARSE_BACKWARD_WEIGHTS_U8.entries),
            argP(control, SPARSE_BACKWARD_WEIGHTS_U8.indices), argP(control, SPARSE_BACKWARD_WEIGHTS_U8.dout), rows, inputs,
            argI(control, SPARSE_BACKWARD_WEIGHTS_U8.outputs), argF(control, SPARSE_BACKWARD_WEIGHTS_U8.scale),
            argP(control, SPARSE_BACKWARD_WEIGHTS_U8.workspace), k0, k1);
        }
        break;
      }
      const c0 = splitPoint(inputs, SPARSE_BACKWARD_WEIGHTS_U8.ALIGN, t, T), c1 = splitPoint(inputs, SPARSE_BACKWARD_WEIGHTS_U8.ALIGN, t + 1, T);
      if (c1 > c0) {
        sparseBackwardWeightsU8(argP(control, SPARSE_BACKWARD_WEIGHTS_U8.dweights), argP(control, SPARSE_BACKWARD_WEIGHTS_U8.starts),
          argP(control, SPARSE_BACKWARD_WEIGHTS_U8.entries), argP(control, SPARSE_BACKWARD_WEIGHTS_U8.indices),
          argP(control, SPARSE_BACKWARD_WEIGHTS_U8.dout), rows, inputs,
          argI(control, SPARSE_BACKWARD_WEIGHTS_U8.outputs), argF(control, SPARSE_BACKWARD_WEIGHTS_U8.scale), c0, c1);
      }
      break;
    }
    case SPARSE_BACKWARD_WEIGHTS_U8.SECOND_PASS_ID: {
      const inputs = argI(control, SPARSE_BACKWARD_WEIGHTS_U8.AXIS);
      const c0 = splitPoint(inputs, SPARSE_BACKWARD_WEIGHTS_U8.ALIGN, t, T), c1 = splitPoint(inputs, SPARSE_BACKWARD_WEIGHTS_U8.ALIGN, t + 1, T);
      if (argI(control, SPARSE_BACKWARD_WEIGHTS_U8.rows) >= sparse_blocked_min_rows() && c1 > c0) {
        reduceWeightBlocks(argP(control, SPARSE_BACKWARD_WEIGHTS_U8.dweights), argP(control, SPARSE_BACKWARD_WEIGHTS_U8.workspace), inputs,
          argI(control, SPARSE_BACKWARD_WEIGHTS_U8.outputs), c0, c1);
      }
      break;
    }
    case SGD_UPDATE.ID: {
      const n = argI(control, SGD_UPDATE.AXIS), i0 = splitPoint(n, SGD_UPDATE.ALIGN, t, T), i1 = splitPoint(n, SGD_UPDATE.ALIGN, t + 1, T),
        skip = <usize>i0 << 2;
      if (i1 > i0) sgd_update(argP(control, SGD_UPDATE.params) + skip, argP(control, SGD_UPDATE.grads) + skip, i1 - i0, argF(control, SGD_UPDATE.lr));
      break;
    }
    case MOMENTUM_UPDATE.ID: {
      const n = argI(control, MOMENTUM_UPDATE.AXIS), i0 = splitPoint(n, MOMENTUM_UPDATE.ALIGN, t, T), i1 = splitPoint(n,
        MOMENTUM_UPDATE.ALIGN, t + 1, T), skip = <usize>i0 << 2;
      if (i1 > i0) momentum_update(argP(control, MOMENTUM_UPDATE.params) + skip, argP(control, MOMENTUM_UPDATE.grads) + skip,
        argP(control, MOMENTUM_UPDATE.velocity) + skip, i1 - i0, argF(control, MOMENTUM_UPDATE.lr), argF(control, MOMENTUM_UPDATE.momentum));
      break;
    }
    case ADAM_UPDATE.ID: {
      const n = argI(control, ADAM_UPDATE.AXIS), i0 = splitPoint(n, ADAM_UPDATE.ALIGN, t, T), i1 = splitPoint(n, ADAM_UPDATE.ALIGN, t + 1,
        T), skip = <usize>i0 << 2;
      if (i1 > i0) {
        adam_update(argP(control, ADAM_UPDATE.params) + skip, argP(control, ADAM_UPDATE.grads) + skip, argP(control, ADAM_UPDATE.m) + skip,
          argP(control, ADAM_UPDATE.v) + skip, i1 - i0,
          argF(control, ADAM_UPDATE.lr), argF(control, ADAM_UPDATE.beta1), argF(control, ADAM_UPDATE.beta2),
          argF(control, ADAM_UPDATE.epsilon), argI(control, ADAM_UPDATE.step));
      }
      break;
    }
    default: break;
  }
}

// C = op(A)·op(B) split by rows of C: NN and TN in blocks of 8 rows (the transposed tiles' height),
  // NT in pairs (its dot-product blocks'); TT, which training never needs, on thread 0 alone.
function runSgemm(control: usize, t: i32, T: i32): void {
  const transA = argI(control, SGEMM.transA), transB = argI(control, SGEMM.transB), M = argI(control, SGEMM.AXIS),
    N = argI(control, SGEMM.N), K = argI(control, SGEMM.K);
  const A = argP(control, SGEMM.A), B = argP(control, SGEMM.B), C = argP(control, SGEMM.C), accumulate = argI(control, SGEMM.accumulate);
  if (transA && transB) {
    if (t == 0) sgemm(transA, transB, M, N, K, A, B, C, accumulate);
    return;
  }
  const align = transB ? SGEMM.ALIGN_NT : transA ? SGEMM.ALIGN_TN : SGEMM.ALIGN_NN;
  const m0 = splitPoint(M, align, t, T), m1 = splitPoint(M, align, t + 1, T);
  if (m1 <= m0) return;
  const c = C + ((<usize>m0 * N) << 2);
  if (transB) gemmNT(m1 - m0, N, K, A + ((<usize>m0 * K) << 2), B, c, accumulate, 0);
  else if (transA) gemmTiledB(m1 - m0, N, K, A + (<usize>m0 << 2), M, 1, B, c, accumulate, 0, 0, packScratch(t));
  else gemmTiledB(m1 - m0, N, K, A + ((<usize>m0 * K) << 2), K, 0, B, c, accumulate, 0, 0, packScratch(t));
}

// The whole call, on one thread (builds without SIMD).
function runWhole(control: usize, kernel: i32): void {
  switch (kernel) {
    case SGEMM.ID:
      sgemm(argI(control, SGEMM.transA), argI(control, SGEMM.transB), argI(control, SGEMM.M), argI(control, SGEMM.N),
        argI(control, SGEMM.K), argP(control, SGEMM.A), argP(control, SGEMM.B), argP(control, SGEMM.C), argI(control, SGEMM.accumulate));
      break;
    case DENSE_FORWARD.ID:
      dense_forward(argP(control, DENSE_FORWARD.out), argP(control, DENSE_FORWARD.inp), argP(control, DENSE_FORWARD.weights),
        argP(control, DENSE_FORWARD.bias), argI(control, DENSE_FORWARD.rows), argI(control, DENSE_FORWARD.inputs),
        argI(control, DENSE_FORWARD.outputs),
        argI(control, DENSE_FORWARD.relu));
      break;
    case DENSE_FORWARD_U8.ID:
      dense_forward_u8(argP(control, DENSE_FORWARD_U8.out), argP(control, DENSE_FORWARD_U8.pixels), argP(control, DENSE_FORWARD_U8.indices),
        argP(control, DENSE_FORWARD_U8.weights), argP(control, DENSE_FORWARD_U8.bias), argI(control, DENSE_FORWARD_U8.rows),
        argI(control, DENSE_FORWARD_U8.inputs), argI(control, DENSE_FORWARD_U8.outputs),
        argF(control, DENSE_FORWARD_U8.scale), argI(control, DENSE_FORWARD_U8.relu), argP(control, DENSE_FORWARD_U8.workspace));
      break;
    case DENSE_BACKWARD_WEIGHTS_U8.ID:
      dense_backward_weights_u8(argP(control, DENSE_BACKWARD_WEIGHTS_U8.dweights), argP(control, DENSE_BACKWARD_WEIGHTS_U8.pixels),
        argP(control, DENSE_BACKWARD_WEIGHTS_U8.indices), argP(control, DENSE_BACKWARD_WEIGHTS_U8.dout),
        argI(control, DENSE_BACKWARD_WEIGHTS_U8.rows), argI(control, DENSE_BACKWARD_WEIGHTS_U8.inputs),
        argI(control, DENSE_BACKWARD_WEIGHTS_U8.outputs),
        argF(control, DENSE_BACKWARD_WEIGHTS_U8.scale), argP(control, DENSE_BACKWARD_WEIGHTS_U8.workspace));
      break;
    case DENSE_BACKWARD_INPUT.ID:
      dense_backward_input(argP(control, DENSE_BACKWARD_INPUT.dinp), argP(control, DENSE_BACKWARD_INPUT.dout),
        argP(control, DENSE_BACKWARD_INPUT.weights), argP(control, DENSE_BACKWARD_INPUT.act), argI(control, DENSE_BACKWARD_INPUT.rows),
        argI(control, DENSE_BACKWARD_INPUT.inputs), argI(control, DENSE_BACKWARD_INPUT.outputs));
      break;
    case SOFTMAX_CROSSENTROPY.ID:
      store<f64>(control + CONTROL_RESULTS_F64,
        softmaxCrossentropySum(argP(control, SOFTMAX_CROSSENTROPY.dlogits), argP(control, SOFTMAX_CROSSENTROPY.logits),
        argP(control, SOFTMAX_CROSSENTROPY.labels), argI(control, SOFTMAX_CROSSENTROPY.rows), argI(control, SOFTMAX_CROSSENTROPY.cols),
        argF(control, SOFTMAX_CROSSENTROPY.scale), control + CONTROL_RESULTS_I32));
      break;
    case SPARSE_FORWARD_U8.ID:
      sparse_forward_u8(argP(control, SPARSE_FORWARD_U8.out), argP(control, SPARSE_FORWARD_U8.starts),
        argP(control, SPARSE_FORWARD_U8.entries), argP(control, SPARSE_FORWARD_U8.indices), argP(control, SPARSE_FORWARD_U8.weights),
        argP(control, SPARSE_FORWARD_U8.bias), argI(control, SPARSE_FORWARD_U8.rows), argI(control, SPARSE_FORWARD_U8.outputs),
        argF(control, SPARSE_FORWARD_U8.scale), argI(control, SPARSE_FORWARD_U8.relu));
      break;
    case SPARSE_BACKWARD_WEIGHTS_U8.ID:
      sparse_backward_weights_u8(argP(control, SPARSE_BACKWARD_WEIGHTS_U8.dweights), argP(control, SPARSE_BACKWARD_WEIGHTS_U8.starts),
        argP(control, SPARSE_BACKWARD_WEIGHTS_U8.entries), argP(control, SPARSE_BACKWARD_WEIGHTS_U8.indices),
        argP(control, SPARSE_BACKWARD_WEIGHTS_U8.dout), argI(control, SPARSE_BACKWARD_WEIGHTS_U8.rows),
        argI(control, SPARSE_BACKWARD_WEIGHTS_U8.inputs),
        argI(control, SPARSE_BACKWARD_WEIGHTS_U8.outputs), argF(control, SPARSE_BACKWARD_WEIGHTS_U8.scale),
        argP(control, SPARSE_BACKWARD_WEIGHTS_U8.workspace));
      break;
    case SGD_UPDATE.ID:
      sgd_update(argP(control, SGD_UPDATE.params), argP(control, SGD_UPDATE.grads), argI(control, SGD_UPDATE.n), argF(control, SGD_UPDATE.lr));
      break;
    case MOMENTUM_UPDATE.ID:
      momentum_update(argP(control, MOMENTUM_UPDATE.params), argP(control, MOMENTUM_UPDATE.grads), argP(control, MOMENTUM_UPDATE.velocity),
        argI(control, MOMENTUM_UPDATE.n), argF(control, MOMENTUM_UPDATE.lr), argF(control, MOMENTUM_UPDATE.momentum));
      break;
    case ADAM_UPDATE.ID:
      adam_update(argP(control, ADAM_UPDATE.params), argP(control, ADAM_UPDATE.grads), argP(control, ADAM_UPDATE.m),
        argP(control, ADAM_UPDATE.v), argI(control, ADAM_UPDATE.n), argF(control, ADAM_UPDATE.lr), argF(control, ADAM_UPDATE.beta1),
        argF(control, ADAM_UPDATE.beta2),
        argF(control, ADAM_UPDATE.epsilon), argI(control, ADAM_UPDATE.step));
      break;
    default: break;
  }
}
