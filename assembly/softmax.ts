// Softmax over rows, cross-entropy loss, and the fused softmax-cross-entropy gradient.
// Conventions: see gemm.ts. Labels are i32 class indices in [0, cols); the host checks the range.

// Smallest probability the loss takes the log of, as Keras and tfjs clip (their epsilon).
const PROBABILITY_FLOOR: f32 = 1e-7;

// probs[r, :] = softmax(logits[r, :]) for a rows×cols matrix; the row maximum is subtracted
// before exp for numerical stability. Any rows, cols ≥ 1. probs may alias logits. Overwrites probs.
// The max and the final scaling are vectorised; exp itself is scalar (Mathf.exp) in both builds.
export function softmax_forward(probs: usize, logits: usize, rows: i32, cols: i32): void {
  const rowBytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    const x = logits + <usize>r * rowBytes, y = probs + <usize>r * rowBytes;
    let c = 0;
    let rowMax = load<f32>(x);
    if (ASC_FEATURE_SIMD) {
      if (cols >= 4) {
        let vmax = v128.load(x);
        for (c = 4; c + 4 <= cols; c += 4) vmax = f32x4.max(vmax, v128.load(x + (<usize>c << 2)));
        rowMax = Mathf.max(
          Mathf.max(f32x4.extract_lane(vmax, 0), f32x4.extract_lane(vmax, 1)),
          Mathf.max(f32x4.extract_lane(vmax, 2), f32x4.extract_lane(vmax, 3)),
        );
      }
    }
    for (; c < cols; c++) rowMax = Mathf.max(rowMax, load<f32>(x + (<usize>c << 2)));
    const inverseSum = exponentiateRow(y, x, cols, rowMax);
    c = 0;
    if (ASC_FEATURE_SIMD) {
      const s = f32x4.splat(inverseSum);
      for (; c + 4 <= cols; c += 4) {
        const off = <usize>c << 2;
        v128.store(y + off, f32x4.mul(v128.load(y + off), s));
      }
    }
    for (; c < cols; c++) {
      const off = <usize>c << 2;
      store<f32>(y + off, load<f32>(y + off) * inverseSum);
    }
  }
}

// Scalar twin of softmax_forward (same contract).
export function softmax_forward_scalar(probs: usize, logits: usize, rows: i32, cols: i32): void {
  const rowBytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    const x = logits + <usize>r * rowBytes, y = probs + <usize>r * rowBytes;
    let rowMax = load<f32>(x);
    for (let c = 1; c < cols; c++) rowMax = Mathf.max(rowMax, load<f32>(x + (<usize>c << 2)));
    const inverseSum = exponentiateRow(y, x, cols, rowMax);
    for (let c = 0; c < cols; c++) {
      const off = <usize>c << 2;
      store<f32>(y + off, load<f32>(y + off) * inverseSum);
    }
  }
}

// y[c] = exp(x[c] − rowMax); returns 1 / Σ y.
// @ts-ignore: decorator
@inline function exponentiateRow(y: usize, x: usize, cols: i32, rowMax: f32): f32 {
  let sum: f32 = 0;
  for (let c = 0; c < cols; c++) {
    const off = <usize>c << 2;
    const e = Mathf.exp(load<f32>(x + off) - rowMax);
    store<f32>(y + off, e);
    sum += e;
  }
  return 1 / sum;
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
// Overwrites dlogits. Its own scalar twin: exp, log and the argmax are scalar per element, and
// at the widths this sees (10 classes) a vector row max would save nothing measurable.
export function softmax_crossentropy(
  dlogits: usize, logits: usize, labels: usize, rows: i32, cols: i32, scale: f32, correct: usize,
): f64 {
  return softmaxCrossentropySum(dlogits, logits, labels, rows, cols, scale, correct) / rows;
}

// softmax_crossentropy returning the sum of the loss terms instead of their mean (parallel.ts adds
// the sums of its row blocks).
export function softmaxCrossentropySum(
  dlogits: usize, logits: usize, labels: usize, rows: i32, cols: i32, scale: f32, correct: usize,
): f64 {
  const rowBytes = <usize>cols << 2;
  let total: f64 = 0;
  let right = 0;
  for (let r = 0; r < rows; r++) {
    const x = logits + <usize>r * rowBytes, y = dlogits + <usize>r * rowBytes;
    const label = load<i32>(labels + (<usize>r << 2));
    let rowMax = load<f32>(x);
    for (let c = 1; c < cols; c++) rowMax = Mathf.max(rowMax, load<f32>(x + (<usize>c << 2)));
    const inverseSum = exponentiateRow(y, x, cols, rowMax);
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
