// Softmax over rows, cross-entropy loss, and the fused softmax-cross-entropy gradient.
// Conventions: see gemm.ts. Labels are i32 class indices in [0, cols); the host checks the range.
//
// The SIMD kernels take rows four at a time, one row per lane (rows are short: 10 classes), so exp
// (exp.ts), the row max and sum, the argmax and the label's one-hot all run on f32x4 without
// horizontal reductions or column tails. Each lane runs its row alone, summing in column order,
// so a row's results do not depend on which block, or which thread's share, it falls in.
// Measured against going along each row four columns at a time with a masked tail, best of 80
// calls on a shared machine: softmax_crossentropy on 60000×10 takes 1.7 ms this way, 2.7 ms that
// way (30000×17: 1.3 vs 1.7 ms; softmax_forward ties at 10 columns); the row-wise loop only wins
// on wide rows (1000×784: 1.2 vs 1.7 ms), which the output layer does not have.
import { expNonPositive } from "./exp";

// Smallest probability the loss takes the log of, as Keras and tfjs clip (their epsilon).
const PROBABILITY_FLOOR: f32 = 1e-7;

// probs[r, :] = softmax(logits[r, :]) for a rows×cols matrix; the row maximum is subtracted
// before exp for numerical stability. Any rows, cols ≥ 1. probs may alias logits. Overwrites probs.
// exp is expNonPositive (≤ 1 ulp, flushes results below 2^−126 to 0); the scalar twin's is Mathf.exp.
export function softmax_forward(probs: usize, logits: usize, rows: i32, cols: i32): void {
  if (!ASC_FEATURE_SIMD) {
    softmax_forward_scalar(probs, logits, rows, cols);
    return;
  }
  const rowBytes = <usize>cols << 2;
  for (let r = 0; r < rows; r += 4) {
    const o1 = laneOffset(1, r, rows, rowBytes), o2 = laneOffset(2, r, rows, rowBytes), o3 = laneOffset(3, r, rows, rowBytes);
    const x = logits + <usize>r * rowBytes, y = probs + <usize>r * rowBytes;
    const inverseSum = exponentiateRowBlock(y, x, cols, o1, o2, o3);
    for (let c = 0; c < cols; c++) {
      const off = <usize>c << 2;
      scatter(y + off, o1, o2, o3, f32x4.mul(gather(y + off, o1, o2, o3), inverseSum));
    }
  }
}

// Scalar twin of softmax_forward (same contract).
export function softmax_forward_scalar(probs: usize, logits: usize, rows: i32, cols: i32): void {
  const rowBytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    const x = logits + <usize>r * rowBytes, y = probs + <usize>r * rowBytes;
    const inverseSum = exponentiateRow(y, x, cols);
    for (let c = 0; c < cols; c++) {
      const off = <usize>c << 2;
      store<f32>(y + off, load<f32>(y + off) * inverseSum);
    }
  }
}

// y[c] = exp(x[c] − max x) for one row of cols floats; returns 1 / Σ y.
// @ts-ignore: decorator
@inline function exponentiateRow(y: usize, x: usize, cols: i32): f32 {
  let rowMax = load<f32>(x);
  for (let c = 1; c < cols; c++) rowMax = Mathf.max(rowMax, load<f32>(x + (<usize>c << 2)));
  let sum: f32 = 0;
  for (let c = 0; c < cols; c++) {
    const off = <usize>c << 2;
    const e = Mathf.exp(load<f32>(x + off) - rowMax);
    store<f32>(y + off, e);
    sum += e;
  }
  return 1 / sum;
}

// exponentiateRow for the four rows of a block (see gather) at once, one per lane: max, exp and sum in
// the scalar order; returns the four 1 / Σ y.
// @ts-ignore: decorator
@inline function exponentiateRowBlock(y: usize, x: usize, cols: i32, o1: usize, o2: usize, o3: usize): v128 {
  // pmax is one instruction where max, for NaN and ±0 rules, is eight. A NaN it skips still turns
  // its row to NaN through the sum, and the sign of a zero maximum changes no exp.
  let rowMax = gather(x, o1, o2, o3);
  for (let c = 1; c < cols; c++) rowMax = f32x4.pmax(rowMax, gather(x + (<usize>c << 2), o1, o2, o3));
  let sum = f32x4.splat(0);
  for (let c = 0; c < cols; c++) {
    const off = <usize>c << 2;
    const e = expNonPositive(f32x4.sub(gather(x + off, o1, o2, o3), rowMax));
    scatter(y + off, o1, o2, o3, e);
    sum = f32x4.add(sum, e);
  }
  return f32x4.div(f32x4.splat(1), sum);
}

// A block is the rows r .. r+3 of a rows-row matrix as the four lanes of a vector, given by the
// byte offsets o1, o2, o3 of lanes 1–3's rows from lane 0's. In the last block, lanes past the
// matrix repeat its last row: they read memory that exists, and store the same values to the same
// places. laneOffset is lane's offset in the block starting at row r, for rows of rowBytes bytes.
// @ts-ignore: decorator
@inline function laneOffset(lane: i32, r: i32, rows: i32, rowBytes: usize): usize {
  return <usize>min(lane, rows - r - 1) * rowBytes;
}

// The f32 (or i32) at p in lane 0's row and at the same column of lanes 1–3's rows.
// @ts-ignore: decorator
@inline function gather(p: usize, o1: usize, o2: usize, o3: usize): v128 {
  let v = v128.load32_zero(p);
  v = v128.load32_lane(p + o1, v, 1);
  v = v128.load32_lane(p + o2, v, 2);
  return v128.load32_lane(p + o3, v, 3);
}

// Stores each lane of v at its row's p (gather's inverse).
// @ts-ignore: decorator
@inline function scatter(p: usize, o1: usize, o2: usize, o3: usize, v: v128): void {
  v128.store32_lane(p, v, 0);
  v128.store32_lane(p + o1, v, 1);
  v128.store32_lane(p + o2, v, 2);
  v128.store32_lane(p + o3, v, 3);
}

// Mean cross-entropy of a batch: (1/rows) · Σ_r −ln(max(probs[r, labels[r]], 1e-7)), summed in f64.
// probs is rows×cols (rows ≥ 1), labels holds rows i32 class indices. Reads only; one log per
// row leaves nothing to vectorise, so this kernel is its own scalar twin.
export function crossentropy_loss(probs: usize, labels: usize, rows: i32, cols: i32): f64 {
  let total: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const label = load<i32>(labels + (<usize>r << 2));
    const p = load<f32>(probs + ((<usize>r * cols + label) << 2));
    total -= Math.log(<f64>Mathf.max(p, PROBABILITY_FLOOR));
  }
  return total / rows;
}

// dlogits = (probs − onehot(labels)) · scale: the gradient of the mean cross-entropy with respect
// to the logits that produced probs through softmax, when scale = 1/m for a batch of m. probs is
// rows×cols, labels holds rows i32 class indices. dlogits may alias probs. Overwrites dlogits.
export function softmax_crossentropy_backward(
  dlogits: usize, probs: usize, labels: usize, rows: i32, cols: i32, scale: f32,
): void {
  const n = rows * cols;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const s = f32x4.splat(scale);
    for (; i + 4 <= n; i += 4) {
      const off = <usize>i << 2;
      v128.store(dlogits + off, f32x4.mul(v128.load(probs + off), s));
    }
  }
  scaleAndSubtractLabels(dlogits, probs, labels, rows, cols, scale, i);
}

// Scalar twin of softmax_crossentropy_backward (same contract).
export function softmax_crossentropy_backward_scalar(
  dlogits: usize, probs: usize, labels: usize, rows: i32, cols: i32, scale: f32,
): void {
  scaleAndSubtractLabels(dlogits, probs, labels, rows, cols, scale, 0);
}

// Scales elements [from, rows·cols) by scale, then subtracts scale at each row's label.
// @ts-ignore: decorator
@inline function scaleAndSubtractLabels(
  dlogits: usize, probs: usize, labels: usize, rows: i32, cols: i32, scale: f32, from: i32,
): void {
  const n = rows * cols;
  for (let i = from; i < n; i++) {
    const off = <usize>i << 2;
    store<f32>(dlogits + off, load<f32>(probs + off) * scale);
  }
  for (let r = 0; r < rows; r++) {
    const at = dlogits + ((<usize>r * cols + load<i32>(labels + (<usize>r << 2))) << 2);
    store<f32>(at, load<f32>(at) - scale);
  }
}

// The output layer of a training step in one pass per row, fusing softmax_forward,
// crossentropy_loss, count_correct and softmax_crossentropy_backward with the same arithmetic:
// for each row r of the rows×cols logits, p = softmax(logits[r, :]) (row max subtracted, exp,
// times 1/Σ); the loss term −ln(max(p[label], 1e-7)) summed in f64; whether the first column
// holding the largest p is the label; and dlogits[r, :] = p·scale, minus scale at the label.
// Returns the mean loss over the rows and stores the number of correct rows (i32) at `correct`.
// labels holds rows i32 class indices; dlogits may alias logits; `correct` must overlap neither.
// Overwrites dlogits. The log stays scalar (f64, once per row, as crossentropy_loss).
export function softmax_crossentropy(
  dlogits: usize, logits: usize, labels: usize, rows: i32, cols: i32, scale: f32, correct: usize,
): f64 {
  return softmaxCrossentropySum(dlogits, logits, labels, rows, cols, scale, correct) / rows;
}

// Scalar twin of softmax_crossentropy (same contract).
export function softmax_crossentropy_scalar(
  dlogits: usize, logits: usize, labels: usize, rows: i32, cols: i32, scale: f32, correct: usize,
): f64 {
  return softmaxCrossentropySumScalar(dlogits, logits, labels, rows, cols, scale, correct) / rows;
}

// softmax_crossentropy returning the sum of the loss terms instead of their mean (parallel.ts adds
// the sums of its row blocks).
export function softmaxCrossentropySum(
  dlogits: usize, logits: usize, labels: usize, rows: i32, cols: i32, scale: f32, correct: usize,
): f64 {
  if (!ASC_FEATURE_SIMD) return softmaxCrossentropySumScalar(dlogits, logits, labels, rows, cols, scale, correct);
  const rowBytes = <usize>cols << 2;
  const s = f32x4.splat(scale);
  let total: f64 = 0;
  let right = 0;
  for (let r = 0; r < rows; r += 4) {
    const o1 = laneOffset(1, r, rows, rowBytes), o2 = laneOffset(2, r, rows, rowBytes), o3 = laneOffset(3, r, rows, rowBytes);
    const x = logits + <usize>r * rowBytes, y = dlogits + <usize>r * rowBytes;
    const label = gather(labels + (<usize>r << 2), laneOffset(1, r, rows, 4), laneOffset(2, r, rows, 4), laneOffset(3, r, rows, 4));
    const inverseSum = exponentiateRowBlock(y, x, cols, o1, o2, o3);
    let best = f32x4.splat(0), bestColumn = i32x4.splat(0), atLabel = f32x4.splat(0);
    for (let c = 0; c < cols; c++) {
      const off = <usize>c << 2;
      const p = f32x4.mul(gather(y + off, o1, o2, o3), inverseSum);
      const column = i32x4.splat(c);
      // As argmax_rows: ties to the lowest column.
      const better = c == 0 ? i32x4.splat(-1) : f32x4.gt(p, best);
      best = v128.bitselect(p, best, better);
      bestColumn = v128.bitselect(column, bestColumn, better);
      const isLabel = i32x4.eq(column, label);
      atLabel = v128.bitselect(p, atLabel, isLabel);
      // p·scale − 0 off the label is p·scale exactly (−0 and NaN included).
      scatter(y + off, o1, o2, o3, f32x4.sub(f32x4.mul(p, s), v128.and(s, isLabel)));
    }
    const floored = f32x4.max(atLabel, f32x4.splat(PROBABILITY_FLOOR));
    const count = min(4, rows - r);
    total -= Math.log(<f64>f32x4.extract_lane(floored, 0));
    if (count > 1) total -= Math.log(<f64>f32x4.extract_lane(floored, 1));
    if (count > 2) total -= Math.log(<f64>f32x4.extract_lane(floored, 2));
    if (count > 3) total -= Math.log(<f64>f32x4.extract_lane(floored, 3));
    right += popcnt(i32x4.bitmask(i32x4.eq(bestColumn, label)) & ((1 << count) - 1));
  }
  store<i32>(correct, right);
  return total;
}

// Scalar twin of softmaxCrossentropySum, one row at a time.
function softmaxCrossentropySumScalar(
  dlogits: usize, logits: usize, labels: usize, rows: i32, cols: i32, scale: f32, correct: usize,
): f64 {
  const rowBytes = <usize>cols << 2;
  let total: f64 = 0;
  let right = 0;
  for (let r = 0; r < rows; r++) {
    const x = logits + <usize>r * rowBytes, y = dlogits + <usize>r * rowBytes;
    const label = load<i32>(labels + (<usize>r << 2));
    const inverseSum = exponentiateRow(y, x, cols);
    let best = 0;
    let bestValue: f32 = 0;
    for (let c = 0; c < cols; c++) {
      const off = <usize>c << 2;
      const p = load<f32>(y + off) * inverseSum;
      if (c == 0 || p > bestValue) { bestValue = p; best = c; } // as argmax_rows: ties to the lowest column
      if (c == label) {
        total -= Math.log(<f64>Mathf.max(p, PROBABILITY_FLOOR));
        store<f32>(y + off, p * scale - scale);
      } else {
        store<f32>(y + off, p * scale);
      }
    }
    if (best == label) right++;
  }
  store<i32>(correct, right);
  return total;
}
