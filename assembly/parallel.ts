// Splitting a kernel call over threads. The host (src/threads.ts) writes one call into a control
// block in shared memory, then every thread t of T (the main thread is t = 0, each worker holds its
// own instance of this module over the same memory) calls parallel_run(control, t), which runs
// thread t's share of the call: a contiguous block of the output's rows (or of the weight
// gradient's rows), aligned to the kernels' tiles so that the shares compute exactly what the
// whole call would. Shares write disjoint parts of the output; the loss of softmax_crossentropy
// comes back as per-thread partial sums for the host to add.
//
// Control block (bytes from `control`, 4-byte words unless stated):
//   0 generation (bumped by the host per call)   4 threads finished   8 kernel id   12 T
//   16 workers started                          24… arguments, in the kernel's order (i32 or f32)
//   128 + 8t  thread t's f64 result             256 + 4t  thread t's i32 result (t < 16)
// Conventions: see gemm.ts. In builds without SIMD (never run with T > 1) thread 0 runs the whole
// call and the others nothing.
import { gemmNT, gemmTiledB, packScratch, sgemm } from "./gemm";
import {
  dense_backward_input, dense_backward_weights_u8, dense_forward, dense_forward_u8, dense_workspace_bytes, denseBackwardWeightsU8,
} from "./dense";
import {
  reduceWeightBlocks, ROW_BLOCKS, sparse_backward_weights_u8, sparse_blocked_min_rows, sparse_forward_u8, sparseBackwardWeightsU8, sparseWeightBlocks,
} from "./sparse";
import { softmaxCrossentropySum } from "./softmax";
import { adam_update, momentum_update, sgd_update } from "./optim";

// Kernel ids of the calls parallel_run splits (src/threads.ts mirrors them).
const SGEMM = 1, DENSE_FORWARD = 2, DENSE_FORWARD_U8 = 3, DENSE_BACKWARD_WEIGHTS_U8 = 4;
const DENSE_BACKWARD_INPUT = 5, SOFTMAX_CROSSENTROPY = 6, SGD_UPDATE = 7, MOMENTUM_UPDATE = 8, ADAM_UPDATE = 9;
const SPARSE_FORWARD_U8 = 10, SPARSE_BACKWARD_WEIGHTS_U8 = 11, SPARSE_WEIGHT_BLOCKS_REDUCE = 12;

const ARGS: usize = 24;

// Bytes the control block takes (at most 16 threads).
export function parallel_control_bytes(): i32 {
  return 512;
}

// @ts-ignore: decorator
@inline function argI(control: usize, k: i32): i32 { return load<i32>(control + ARGS + (<usize>k << 2)); }
// @ts-ignore: decorator
@inline function argF(control: usize, k: i32): f32 { return load<f32>(control + ARGS + (<usize>k << 2)); }
// @ts-ignore: decorator
@inline function argP(control: usize, k: i32): usize { return <usize>load<u32>(control + ARGS + (<usize>k << 2)); }

// Where thread t's share of n items starts: t·n/T rounded up to a multiple of `align` (n for t = T).
function splitPoint(n: i32, align: i32, t: i32, T: i32): i32 {
  if (t >= T) return n;
  const p = <i32>((<i64>n * t) / T);
  return min(n, (p + align - 1) / align * align);
}

// Thread t of T runs its share of the call described at `control`.
export function parallel_run(control: usize, t: i32): void {
  const T = load<i32>(control, 12);
  const kernel = load<i32>(control, 8);
  if (!ASC_FEATURE_SIMD) {
    if (t == 0) runWhole(control, kernel);
    return;
  }
  switch (kernel) {
    case SGEMM: runSgemm(control, t, T); break;
    case DENSE_FORWARD: {
      const out = argP(control, 0), inp = argP(control, 1), rows = argI(control, 4), inputs = argI(control, 5), outputs = argI(control, 6);
      const r0 = splitPoint(rows, 4, t, T), r1 = splitPoint(rows, 4, t + 1, T);
      if (r1 > r0) {
        dense_forward(out + ((<usize>r0 * outputs) << 2), inp + ((<usize>r0 * inputs) << 2), argP(control, 2), argP(control, 3),
          r1 - r0, inputs, outputs, argI(control, 7));
      }
      break;
    }
    case DENSE_FORWARD_U8: {
      const out = argP(control, 0), rows = argI(control, 5), outputs = argI(control, 7);
      const r0 = splitPoint(rows, 8, t, T), r1 = splitPoint(rows, 8, t + 1, T);
      if (r1 > r0) {
        dense_forward_u8(out + ((<usize>r0 * outputs) << 2), argP(control, 1), argP(control, 2) + (<usize>r0 << 2), argP(control, 3), argP(control, 4),
          r1 - r0, argI(control, 6), outputs, argF(control, 8), argI(control, 9), argP(control, 10) + <usize>t * dense_workspace_bytes());
      }
      break;
    }
    case DENSE_BACKWARD_WEIGHTS_U8: {
      const inputs = argI(control, 5);
      const c0 = splitPoint(inputs, 16, t, T), c1 = splitPoint(inputs, 16, t + 1, T);
      if (c1 > c0) {
        denseBackwardWeightsU8(argP(control, 0), argP(control, 1), argP(control, 2), argP(control, 3), argI(control, 4), inputs, c0, c1,
          argI(control, 6), argF(control, 7), argP(control, 8) + <usize>t * dense_workspace_bytes());
      }
      break;
    }
    case DENSE_BACKWARD_INPUT: {
      const dinp = argP(control, 0), dout = argP(control, 1), act = argP(control, 3);
      const rows = argI(control, 4), inputs = argI(control, 5), outputs = argI(control, 6);
      const r0 = splitPoint(rows, 2, t, T), r1 = splitPoint(rows, 2, t + 1, T);
      if (r1 > r0) {
        const skip = <usize>r0 * inputs << 2;
        gemmNT(r1 - r0, inputs, outputs, dout + ((<usize>r0 * outputs) << 2), argP(control, 2), dinp + skip, 0, act + skip);
      }
      break;
    }
    case SOFTMAX_CROSSENTROPY: {
      const rows = argI(control, 3), cols = argI(control, 4);
      const r0 = splitPoint(rows, 1, t, T), r1 = splitPoint(rows, 1, t + 1, T);
      const skip = (<usize>r0 * cols) << 2;
      const correct = control + 256 + (<usize>t << 2);
      store<i32>(correct, 0);
      store<f64>(control + 128 + (<usize>t << 3), r1 > r0
        ? softmaxCrossentropySum(argP(control, 0) + skip, argP(control, 1) + skip, argP(control, 2) + (<usize>r0 << 2), r1 - r0, cols, argF(control, 5), correct)
        : 0);
      break;
    }
    case SPARSE_FORWARD_U8: {
      const out = argP(control, 0), rows = argI(control, 6), outputs = argI(control, 7);
      const r0 = splitPoint(rows, 1, t, T), r1 = splitPoint(rows, 1, t + 1, T);
      if (r1 > r0) {
        sparse_forward_u8(out + ((<usize>r0 * outputs) << 2), argP(control, 1), argP(control, 2), argP(control, 3) + (<usize>r0 << 2),
          argP(control, 4), argP(control, 5), r1 - r0, outputs, argF(control, 8), argI(control, 9));
      }
      break;
    }
    // A blocked call (rows ≥ sparse_blocked_min_rows) runs in two calls: the threads' row blocks,
    // then SPARSE_WEIGHT_BLOCKS_REDUCE adds them up by columns; a smaller one splits the columns.
    case SPARSE_BACKWARD_WEIGHTS_U8: {
      const rows = argI(control, 5), inputs = argI(control, 6);
      if (rows >= sparse_blocked_min_rows()) {
        const k0 = splitPoint(ROW_BLOCKS, 1, t, T), k1 = splitPoint(ROW_BLOCKS, 1, t + 1, T);
        if (k1 > k0) {
          sparseWeightBlocks(argP(control, 1), argP(control, 2), argP(control, 3), argP(control, 4), rows, inputs, argI(control, 7), argF(control, 8),
            argP(control, 9), k0, k1);
        }
        break;
      }
      const c0 = splitPoint(inputs, 1, t, T), c1 = splitPoint(inputs, 1, t + 1, T);
      if (c1 > c0) {
        sparseBackwardWeightsU8(argP(control, 0), argP(control, 1), argP(control, 2), argP(control, 3), argP(control, 4), rows, inputs,
          argI(control, 7), argF(control, 8), argP(control, 9), c0, c1);
      }
      break;
    }
    case SPARSE_WEIGHT_BLOCKS_REDUCE: {
      const inputs = argI(control, 6);
      const c0 = splitPoint(inputs, 1, t, T), c1 = splitPoint(inputs, 1, t + 1, T);
      if (argI(control, 5) >= sparse_blocked_min_rows() && c1 > c0) reduceWeightBlocks(argP(control, 0), argP(control, 9), inputs, argI(control, 7), c0, c1);
      break;
    }
    case SGD_UPDATE: {
      const n = argI(control, 2), i0 = splitPoint(n, 16, t, T), i1 = splitPoint(n, 16, t + 1, T), skip = <usize>i0 << 2;
      if (i1 > i0) sgd_update(argP(control, 0) + skip, argP(control, 1) + skip, i1 - i0, argF(control, 3));
      break;
    }
    case MOMENTUM_UPDATE: {
      const n = argI(control, 3), i0 = splitPoint(n, 16, t, T), i1 = splitPoint(n, 16, t + 1, T), skip = <usize>i0 << 2;
      if (i1 > i0) momentum_update(argP(control, 0) + skip, argP(control, 1) + skip, argP(control, 2) + skip, i1 - i0, argF(control, 4), argF(control, 5));
      break;
    }
    case ADAM_UPDATE: {
      const n = argI(control, 4), i0 = splitPoint(n, 16, t, T), i1 = splitPoint(n, 16, t + 1, T), skip = <usize>i0 << 2;
      if (i1 > i0) {
        adam_update(argP(control, 0) + skip, argP(control, 1) + skip, argP(control, 2) + skip, argP(control, 3) + skip, i1 - i0,
          argF(control, 5), argF(control, 6), argF(control, 7), argF(control, 8), argI(control, 9));
      }
      break;
    }
    default: break;
  }
}

// C = op(A)·op(B) split by rows of C: NN and TN in blocks of 8 rows (the transposed tiles' height),
// NT in pairs (its dot-product blocks'); TT, which training never needs, on thread 0 alone.
function runSgemm(control: usize, t: i32, T: i32): void {
  const transA = argI(control, 0), transB = argI(control, 1), M = argI(control, 2), N = argI(control, 3), K = argI(control, 4);
  const A = argP(control, 5), B = argP(control, 6), C = argP(control, 7), accumulate = argI(control, 8);
  if (transA && transB) {
    if (t == 0) sgemm(transA, transB, M, N, K, A, B, C, accumulate);
    return;
  }
  const align = transB ? 2 : 8;
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
    case SGEMM:
      sgemm(argI(control, 0), argI(control, 1), argI(control, 2), argI(control, 3), argI(control, 4), argP(control, 5), argP(control, 6), argP(control, 7), argI(control, 8));
      break;
    case DENSE_FORWARD:
      dense_forward(argP(control, 0), argP(control, 1), argP(control, 2), argP(control, 3), argI(control, 4), argI(control, 5), argI(control, 6), argI(control, 7));
      break;
    case DENSE_FORWARD_U8:
      dense_forward_u8(argP(control, 0), argP(control, 1), argP(control, 2), argP(control, 3), argP(control, 4), argI(control, 5), argI(control, 6), argI(control, 7),
        argF(control, 8), argI(control, 9), argP(control, 10));
      break;
    case DENSE_BACKWARD_WEIGHTS_U8:
      dense_backward_weights_u8(argP(control, 0), argP(control, 1), argP(control, 2), argP(control, 3), argI(control, 4), argI(control, 5), argI(control, 6),
        argF(control, 7), argP(control, 8));
      break;
    case DENSE_BACKWARD_INPUT:
      dense_backward_input(argP(control, 0), argP(control, 1), argP(control, 2), argP(control, 3), argI(control, 4), argI(control, 5), argI(control, 6));
      break;
    case SOFTMAX_CROSSENTROPY:
      store<f64>(control + 128, softmaxCrossentropySum(argP(control, 0), argP(control, 1), argP(control, 2), argI(control, 3), argI(control, 4), argF(control, 5), control + 256));
      break;
    case SPARSE_FORWARD_U8:
      sparse_forward_u8(argP(control, 0), argP(control, 1), argP(control, 2), argP(control, 3), argP(control, 4), argP(control, 5), argI(control, 6), argI(control, 7),
        argF(control, 8), argI(control, 9));
      break;
    case SPARSE_BACKWARD_WEIGHTS_U8:
      sparse_backward_weights_u8(argP(control, 0), argP(control, 1), argP(control, 2), argP(control, 3), argP(control, 4), argI(control, 5), argI(control, 6),
        argI(control, 7), argF(control, 8), argP(control, 9));
      break;
    case SGD_UPDATE:
      sgd_update(argP(control, 0), argP(control, 1), argI(control, 2), argF(control, 3));
      break;
    case MOMENTUM_UPDATE:
      momentum_update(argP(control, 0), argP(control, 1), argP(control, 2), argI(control, 3), argF(control, 4), argF(control, 5));
      break;
    case ADAM_UPDATE:
      adam_update(argP(control, 0), argP(control, 1), argP(control, 2), argP(control, 3), argI(control, 4), argF(control, 5), argF(control, 6), argF(control, 7),
        argF(control, 8), argI(control, 9));
      break;
    default: break;
  }
}
