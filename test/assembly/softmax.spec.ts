// softmax_forward, crossentropy_loss, softmax_crossentropy_backward and softmax_crossentropy (with
// their scalar twins) against float64 references, and the vector exp they use (exp.ts).
//
// Tolerance: max(1e-5, 1e-6·|ref|) everywhere. Probabilities are ≤ 1 and their f32 error is a few
// ulps of exp and of a cols-term sum (< 1e-6 for these widths); the loss takes f64 logs of the same
// f32 probabilities as its reference; the gradient rounds once per element. expNonPositive: 1 ulp.
import { expNonPositive } from "../../assembly/exp";
import {
  crossentropy_loss, softmax_crossentropy, softmax_crossentropy_backward, softmax_crossentropy_backward_scalar,
  softmax_crossentropy_scalar, softmax_forward, softmax_forward_scalar, softmaxCrossentropySum,
} from "../../assembly/softmax";
import { count_correct } from "../../assembly/metrics";
import { below, Buffer, close, fail, fillFrom, fillNaN, fillUniform, mismatch, seed, shape2, SIZES, ulpsOff } from "./helpers";

const ROWS: i32[] = [1, 2, 3, 5, 32];
const COLS: i32[] = SIZES.concat([10]);
const FLOOR: f64 = <f64>(<f32>1e-7); // the kernel clamps in f32

function at(name: string, rows: i32, cols: i32, i: i32): string {
  return name + " rows×cols = " + shape2(rows, cols) + (i < 0 ? "" : ": [" + i.toString() + "]");
}

// Float64 softmax of each row of an f32 rows×cols matrix.
function referenceSoftmax(logits: Buffer<f32>, rows: i32, cols: i32): StaticArray<f64> {
  const out = new StaticArray<f64>(rows * cols);
  for (let r = 0; r < rows; r++) {
    let rowMax = -Infinity;
    for (let c = 0; c < cols; c++) rowMax = Math.max(rowMax, <f64>logits[r * cols + c]);
    let sum: f64 = 0;
    for (let c = 0; c < cols; c++) {
      const e = Math.exp(<f64>logits[r * cols + c] - rowMax);
      out[r * cols + c] = e;
      sum += e;
    }
    for (let c = 0; c < cols; c++) out[r * cols + c] /= sum;
  }
  return out;
}

// Random labels in [0, cols) as i32.
function randomLabels(rows: i32, cols: i32): Buffer<i32> {
  const labels = new Buffer<i32>(rows);
  for (let r = 0; r < rows; r++) labels[r] = below(cols);
  return labels;
}

// Runs softmax_forward and its twin (out of place or in place) on `logits` and checks both.
function checkSoftmax(logits: Buffer<f32>, rows: i32, cols: i32, inPlace: bool, name: string): void {
  const n = rows * cols;
  const ref = referenceSoftmax(logits, rows, cols);
  const logits0 = logits.copy();
  const probs = inPlace ? logits.copy() : fillNaN(new Buffer<f32>(n));
  const twin = inPlace ? logits.copy() : fillNaN(new Buffer<f32>(n));
  softmax_forward(probs.ptr, inPlace ? probs.ptr : logits.ptr, rows, cols);
  softmax_forward_scalar(twin.ptr, inPlace ? twin.ptr : logits.ptr, rows, cols);
  for (let i = 0; i < n; i++) {
    if (!close(probs[i], ref[i])) mismatch(probs[i], ref[i], at(name, rows, cols, i));
    if (!close(twin[i], ref[i])) mismatch(twin[i], ref[i], at(name + " (scalar twin)", rows, cols, i));
  }
  if (!probs.guardsIntact() || !twin.guardsIntact()) fail(at(name + " wrote outside probs", rows, cols, -1));
  if (!logits.sameAs(logits0)) fail(at(name + " modified logits", rows, cols, -1));
  logits0.free(); probs.free(); twin.free();
}

describe("softmax_forward", () => {
  test("known values", () => {
    const x = fillFrom(new Buffer<f32>(2), [0, 0]);
    const y = fillNaN(new Buffer<f32>(4));
    softmax_forward(y.ptr, x.ptr, 1, 2);
    expect<f32>(y[0]).toBe(0.5, "softmax([0, 0])[0]");
    expect<f32>(y[1]).toBe(0.5, "softmax([0, 0])[1]");
    // Four equal logits: exp(0) = 1 and 1/4 are exact, also through the SIMD path.
    const x4 = fillFrom(new Buffer<f32>(4), [3, 3, 3, 3]);
    softmax_forward(y.ptr, x4.ptr, 1, 4);
    for (let c = 0; c < 4; c++) expect<f32>(y[c]).toBe(0.25, "softmax([3, 3, 3, 3])");
    // A single column is certain.
    softmax_forward(y.ptr, x4.ptr, 4, 1);
    for (let r = 0; r < 4; r++) expect<f32>(y[r]).toBe(1, "softmax over 1 column");
    // [0, ln 3] → [1/4, 3/4].
    const x2 = fillFrom(new Buffer<f32>(2), [0, <f32>Math.log(3)]);
    softmax_forward(y.ptr, x2.ptr, 1, 2);
    expect<bool>(close(y[0], 0.25)).toBe(true, "softmax([0, ln 3])[0] ≈ 0.25");
    expect<bool>(close(y[1], 0.75)).toBe(true, "softmax([0, ln 3])[1] ≈ 0.75");
    x.free(); y.free(); x4.free(); x2.free();
  });

  test("rows × cols around the vector width, equal to softmax_forward_scalar", () => {
    seed(31);
    for (let a = 0; a < ROWS.length; a++) {
      for (let b = 0; b < COLS.length; b++) {
        const logits = fillUniform(new Buffer<f32>(ROWS[a] * COLS[b]), -8, 8);
        checkSoftmax(logits, ROWS[a], COLS[b], false, "softmax_forward");
        logits.free();
      }
    }
  });

  test("in place (probs == logits)", () => {
    seed(32);
    for (let a = 0; a < ROWS.length; a++) {
      for (let b = 0; b < COLS.length; b++) {
        const logits = fillUniform(new Buffer<f32>(ROWS[a] * COLS[b]), -8, 8);
        checkSoftmax(logits, ROWS[a], COLS[b], true, "in-place softmax_forward");
        logits.free();
      }
    }
  });

  test("subtracts the row maximum wherever it sits: one logit of 100 at every column", () => {
    // exp(100) overflows f32, so a maximum that misses any column (a lane, the tail) gives NaN.
    seed(33);
    for (let b = 0; b < COLS.length; b++) {
      const cols = COLS[b];
      const logits = fillUniform(new Buffer<f32>(cols * cols), -1, 1);
      for (let r = 0; r < cols; r++) logits[r * cols + r] = 100;
      checkSoftmax(logits, cols, cols, false, "softmax_forward, 100 on the diagonal");
      logits.free();
    }
  });

  test("large logits of one sign: [1000, 1001] and rows near −1000", () => {
    // Without the maximum subtracted these give inf/inf or 0/0.
    const big = fillFrom(new Buffer<f32>(2), [1000, 1001]);
    checkSoftmax(big, 1, 2, false, "softmax_forward([1000, 1001])");
    seed(34);
    for (let b = 0; b < COLS.length; b++) {
      const cols = COLS[b];
      const logits = fillUniform(new Buffer<f32>(3 * cols), -1001, -999);
      checkSoftmax(logits, 3, cols, false, "softmax_forward near −1000");
      logits.free();
    }
    big.free();
  });
});

describe("crossentropy_loss", () => {
  test("known values, and the 1e-7 floor", () => {
    // Row 0: p = 0.5 at the label → ln 2. Row 1: p = 1 → 0. Row 2: p = 0 → −ln(1e-7).
    // Row 3: p = 1e-9 is clamped too. Row 4: p = 2e-7 is above the floor and taken as is.
    const probs = fillFrom(new Buffer<f32>(10), [0.5, 0.5, 0, 1, 1, 0, 1e-9, 1, 2e-7, 1]);
    const labels = new Buffer<i32>(5);
    labels[0] = 1; labels[1] = 1; labels[2] = 1; labels[3] = 0; labels[4] = 0;
    const lnFloor = -Math.log(FLOOR);
    expect<bool>(close(crossentropy_loss(probs.ptr, labels.ptr, 1, 2), Math.LN2)).toBe(true, "−ln 0.5");
    expect<f64>(crossentropy_loss(probs.ptr + 8, labels.ptr + 4, 1, 2)).toBe(0, "−ln 1");
    expect<bool>(close(crossentropy_loss(probs.ptr + 16, labels.ptr + 8, 1, 2), lnFloor)).toBe(true, "p = 0 clamps at 1e-7");
    expect<bool>(close(lnFloor, 16.11809565)).toBe(true, "−ln(1e-7) ≈ 16.118");
    expect<bool>(close(crossentropy_loss(probs.ptr + 24, labels.ptr + 12, 1, 2), lnFloor)).toBe(true, "p = 1e-9 clamps at 1e-7");
    expect<bool>(close(crossentropy_loss(probs.ptr + 32, labels.ptr + 16, 1, 2), -Math.log(<f64>(<f32>2e-7))))
      .toBe(true, "p = 2e-7 is not clamped");
    const mean = (Math.LN2 + 0 + lnFloor + lnFloor - Math.log(<f64>(<f32>2e-7))) / 5;
    const got = crossentropy_loss(probs.ptr, labels.ptr, 5, 2);
    if (!close(got, mean)) mismatch(got, mean, "mean over 5 rows");
    probs.free(); labels.free();
  });

  test("mean −ln p[label] of softmax rows, for rows × cols", () => {
    seed(35);
    for (let a = 0; a < ROWS.length; a++) {
      for (let b = 0; b < COLS.length; b++) {
        const rows = ROWS[a], cols = COLS[b];
        const probs = fillUniform(new Buffer<f32>(rows * cols), -4, 4);
        softmax_forward_scalar(probs.ptr, probs.ptr, rows, cols);
        const labels = randomLabels(rows, cols);
        const probs0 = probs.copy(), labels0 = labels.copy();
        let ref: f64 = 0;
        for (let r = 0; r < rows; r++) ref -= Math.log(Math.max(<f64>probs[r * cols + labels[r]], FLOOR));
        ref /= rows;
        const got = crossentropy_loss(probs.ptr, labels.ptr, rows, cols);
        if (!close(got, ref)) mismatch(got, ref, at("crossentropy_loss", rows, cols, -1));
        if (!probs.sameAs(probs0) || !labels.sameAs(labels0)) fail(at("crossentropy_loss modified an input", rows, cols, -1));
        probs.free(); labels.free(); probs0.free(); labels0.free();
      }
    }
  });
});

// Runs softmax_crossentropy_backward and its twin and checks them against (probs − onehot)·scale.
function checkBackward(rows: i32, cols: i32, scale: f32, inPlace: bool): void {
  const n = rows * cols;
  const probs = fillUniform(new Buffer<f32>(n), -4, 4);
  softmax_forward_scalar(probs.ptr, probs.ptr, rows, cols);
  const labels = randomLabels(rows, cols);
  const probs0 = probs.copy(), labels0 = labels.copy();
  const dlogits = inPlace ? probs.copy() : fillNaN(new Buffer<f32>(n));
  const twin = inPlace ? probs.copy() : fillNaN(new Buffer<f32>(n));
  softmax_crossentropy_backward(dlogits.ptr, inPlace ? dlogits.ptr : probs.ptr, labels.ptr, rows, cols, scale);
  softmax_crossentropy_backward_scalar(twin.ptr, inPlace ? twin.ptr : probs.ptr, labels.ptr, rows, cols, scale);
  const name = inPlace ? "in-place softmax_crossentropy_backward" : "softmax_crossentropy_backward";
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c;
      const ref = (<f64>probs0[i] - (c == labels[r] ? 1.0 : 0.0)) * <f64>scale;
      if (!close(dlogits[i], ref)) mismatch(dlogits[i], ref, at(name, rows, cols, i));
      if (!close(twin[i], ref)) mismatch(twin[i], ref, at(name + " (scalar twin)", rows, cols, i));
    }
  }
  if (!dlogits.guardsIntact() || !twin.guardsIntact()) fail(at(name + " wrote outside dlogits", rows, cols, -1));
  if (!probs.sameAs(probs0) || !labels.sameAs(labels0)) fail(at(name + " modified probs or labels", rows, cols, -1));
  probs.free(); labels.free(); probs0.free(); labels0.free(); dlogits.free(); twin.free();
}

describe("softmax_crossentropy_backward", () => {
  test("known values", () => {
    const probs = fillFrom(new Buffer<f32>(4), [0.25, 0.75, 0.5, 0.5]);
    const labels = new Buffer<i32>(2);
    labels[0] = 0; labels[1] = 1;
    const d = fillNaN(new Buffer<f32>(4));
    softmax_crossentropy_backward(d.ptr, probs.ptr, labels.ptr, 2, 2, 0.5);
    const expected: f32[] = [-0.375, 0.375, 0.25, -0.25];
    for (let i = 0; i < 4; i++) expect<f32>(d[i]).toBe(expected[i], "(probs − onehot)/2 [" + i.toString() + "]");
    probs.free(); labels.free(); d.free();
  });

  test("(probs − onehot(labels))·scale for rows × cols, scale = 1/rows and 1", () => {
    seed(36);
    for (let a = 0; a < ROWS.length; a++) {
      for (let b = 0; b < COLS.length; b++) {
        checkBackward(ROWS[a], COLS[b], <f32>1 / <f32>ROWS[a], false);
        checkBackward(ROWS[a], COLS[b], 1, false);
      }
    }
  });

  test("in place (dlogits == probs)", () => {
    seed(37);
    for (let a = 0; a < ROWS.length; a++) {
      for (let b = 0; b < COLS.length; b++) checkBackward(ROWS[a], COLS[b], <f32>1 / <f32>ROWS[a], true);
    }
  });

  test("is the gradient of the mean cross-entropy: central differences of the float64 loss", () => {
    // The loss of softmax(logits) is smooth; central differences with h = 1e-4 in f64 are exact to
    // ~1e-8, far inside the 1e-5 tolerance, so this checks the contract's formula, not rounding.
    seed(38);
    const rows = 3, cols = 7;
    const h: f64 = 1e-4;
    const logits = fillUniform(new Buffer<f32>(rows * cols), -2, 2);
    const labels = randomLabels(rows, cols);
    const probs = fillNaN(new Buffer<f32>(rows * cols));
    softmax_forward(probs.ptr, logits.ptr, rows, cols);
    const dlogits = fillNaN(new Buffer<f32>(rows * cols));
    softmax_crossentropy_backward(dlogits.ptr, probs.ptr, labels.ptr, rows, cols, <f32>1 / <f32>rows);
    const x = new StaticArray<f64>(rows * cols);
    for (let i = 0; i < rows * cols; i++) x[i] = logits[i];
    for (let i = 0; i < rows * cols; i++) {
      const xi = x[i];
      x[i] = xi + h;
      const up = meanCrossEntropy(x, labels, rows, cols);
      x[i] = xi - h;
      const down = meanCrossEntropy(x, labels, rows, cols);
      x[i] = xi;
      const ref = (up - down) / (2 * h);
      if (!close(dlogits[i], ref)) mismatch(dlogits[i], ref, at("∂loss/∂logits by central differences", rows, cols, i));
    }
    logits.free(); labels.free(); probs.free(); dlogits.free();
  });
});

// Float64 mean cross-entropy of softmax(x) (no floor: these probabilities are far above it).
function meanCrossEntropy(x: StaticArray<f64>, labels: Buffer<i32>, rows: i32, cols: i32): f64 {
  let total: f64 = 0;
  for (let r = 0; r < rows; r++) {
    let rowMax = -Infinity;
    for (let c = 0; c < cols; c++) rowMax = Math.max(rowMax, x[r * cols + c]);
    let sum: f64 = 0;
    for (let c = 0; c < cols; c++) sum += Math.exp(x[r * cols + c] - rowMax);
    total += Math.log(sum) + rowMax - x[r * cols + labels[r]];
  }
  return total / rows;
}

// softmax_crossentropy against the four kernels it fuses, which it must match exactly: the same
// f32 operations in the same order give the same probabilities, hence the same gradient, loss and
// argmax. `inPlace` passes dlogits = logits.
function checkFused(rows: i32, cols: i32, scale: f32, inPlace: bool): void {
  const n = rows * cols;
  const logits = fillUniform(new Buffer<f32>(n), -6, 6);
  const labels = randomLabels(rows, cols);
  // A tie for the largest logit in row 0 (when there are two columns), so ties are exercised.
  if (cols > 1) logits[1] = logits[0] = 7;
  const logits0 = logits.copy(), labels0 = labels.copy();
  const probs = fillNaN(new Buffer<f32>(n)), expected = fillNaN(new Buffer<f32>(n));
  softmax_forward(probs.ptr, logits.ptr, rows, cols);
  const loss = crossentropy_loss(probs.ptr, labels.ptr, rows, cols);
  const right = count_correct(probs.ptr, labels.ptr, rows, cols);
  softmax_crossentropy_backward_scalar(expected.ptr, probs.ptr, labels.ptr, rows, cols, scale);
  const dlogits = inPlace ? logits : fillNaN(new Buffer<f32>(n));
  const correct = new Buffer<i32>(1);
  correct[0] = -1;
  const got = softmax_crossentropy(dlogits.ptr, logits.ptr, labels.ptr, rows, cols, scale, correct.ptr);
  const name = inPlace ? "in-place softmax_crossentropy" : "softmax_crossentropy";
  expect<f64>(got).toBe(loss, at(name + " loss", rows, cols, -1));
  expect<i32>(correct[0]).toBe(right, at(name + " correct rows", rows, cols, -1));
  for (let i = 0; i < n; i++) {
    if (dlogits[i] != expected[i]) mismatch(dlogits[i], expected[i], at(name + " dlogits", rows, cols, i));
  }
  if (!dlogits.guardsIntact() || !correct.guardsIntact()) fail(at(name + " wrote outside its outputs", rows, cols, -1));
  if ((!inPlace && !logits.sameAs(logits0)) || !labels.sameAs(labels0)) fail(at(name + " modified an input", rows, cols, -1));
  logits.free(); labels.free(); logits0.free(); labels0.free(); probs.free(); expected.free(); correct.free();
  if (!inPlace) dlogits.free();
}

describe("softmax_crossentropy", () => {
  test("equals softmax_forward → crossentropy_loss, count_correct, softmax_crossentropy_backward", () => {
    seed(39);
    for (let a = 0; a < ROWS.length; a++) {
      for (let b = 0; b < COLS.length; b++) {
        checkFused(ROWS[a], COLS[b], <f32>1 / <f32>ROWS[a], false);
        checkFused(ROWS[a], COLS[b], 1, true);
      }
    }
  });

  test("known values: the loss, the count and the gradient of two rows", () => {
    // Row 0: logits [0, 0], label 1 → p = [0.5, 0.5], argmax 0 (tie: lowest) ≠ 1, loss ln 2.
    // Row 1: logits [0, ln 3], label 1 → p = [0.25, 0.75], argmax 1 = label, loss −ln 0.75.
    const logits = fillFrom(new Buffer<f32>(4), [0, 0, 0, <f32>Math.log(3)]);
    const labels = new Buffer<i32>(2);
    labels[0] = 1; labels[1] = 1;
    const d = fillNaN(new Buffer<f32>(4));
    const correct = new Buffer<i32>(1);
    const loss = softmax_crossentropy(d.ptr, logits.ptr, labels.ptr, 2, 2, 0.5, correct.ptr);
    expect<i32>(correct[0]).toBe(1, "one row right");
    if (!close(loss, (Math.LN2 - Math.log(0.75)) / 2)) mismatch(loss, (Math.LN2 - Math.log(0.75)) / 2, "mean loss");
    expect<f32>(d[0]).toBe(0.25, "(0.5 − 0)/2");
    expect<f32>(d[1]).toBe(-0.25, "(0.5 − 1)/2");
    if (!close(d[2], 0.125)) mismatch(d[2], 0.125, "(0.25 − 0)/2");
    if (!close(d[3], -0.125)) mismatch(d[3], -0.125, "(0.75 − 1)/2");
    logits.free(); labels.free(); d.free(); correct.free();
  });
});

// ---- expNonPositive (exp.ts), SIMD build only.

const EXP_KEEPS_FROM: f32 = -87.33654022216796875; // the smallest argument not flushed to 0
const MIN_NORMAL: f64 = 1.1754943508222875e-38;     // 2^−126

// The largest ulpsOff of expNonPositive over the f32 bit patterns from, from + stride, … up to
// `to` (all negative floats: patterns grow toward −∞), four per call, against f64 exp.
function worstExpUlps(from: u32, to: u32, stride: u32): f64 {
  let worst: f64 = 0;
  for (let b = from; b <= to; b += 4 * stride) {
    const d = f32x4(
      reinterpret<f32>(b), reinterpret<f32>(min(b + stride, to)),
      reinterpret<f32>(min(b + 2 * stride, to)), reinterpret<f32>(min(b + 3 * stride, to)),
    );
    const e = expNonPositive(d);
    worst = Math.max(worst, ulpsOff(f32x4.extract_lane(e, 0), Math.exp(<f64>f32x4.extract_lane(d, 0))));
    worst = Math.max(worst, ulpsOff(f32x4.extract_lane(e, 1), Math.exp(<f64>f32x4.extract_lane(d, 1))));
    worst = Math.max(worst, ulpsOff(f32x4.extract_lane(e, 2), Math.exp(<f64>f32x4.extract_lane(d, 2))));
    worst = Math.max(worst, ulpsOff(f32x4.extract_lane(e, 3), Math.exp(<f64>f32x4.extract_lane(d, 3))));
  }
  return worst;
}

// Every f32 within 2^15 patterns of d.
function worstExpUlpsAround(d: f32): f64 {
  const b = reinterpret<u32>(d);
  return worstExpUlps(max(b, 0x80000000 + 32768) - 32768, min(b + 32768, reinterpret<u32>(EXP_KEEPS_FROM)), 1);
}

describe("expNonPositive (SIMD build)", () => {
  test("within 1 ulp of f64 exp over [−87.33654, 0]: every 251st f32, and every f32 near the edges of the reduction", () => {
    if (ASC_FEATURE_SIMD) {
      // Measured once over all 1.12e9 floats of the range: 0.967 ulp at worst (d = −16.2325).
      let worst = worstExpUlps(0x80000000, reinterpret<u32>(EXP_KEEPS_FROM), 251);
      const edges: f32[] = [
        -5.9604645e-8, <f32>(-Math.LN2 / 2), <f32>(-3 * Math.LN2 / 2), -1, -16.232505798339844,
        <f32>(-63.5 * Math.LN2), <f32>(-125.5 * Math.LN2), EXP_KEEPS_FROM,
      ];
      for (let i = 0; i < edges.length; i++) worst = Math.max(worst, worstExpUlpsAround(edges[i]));
      log<string>("expNonPositive: max error " + worst.toString() + " ulp");
      expect<bool>(worst <= 1).toBe(true, "max error " + worst.toString() + " ulp");
    }
  });

  test("e^0 = 1 for ±0; 0 below −87.33654 (down to −∞), a normal 2^−126 at it; NaN stays NaN", () => {
    if (ASC_FEATURE_SIMD) {
      const a = expNonPositive(f32x4(0, -0.0, -87.336555, -1e30));
      expect<f32>(f32x4.extract_lane(a, 0)).toBe(1, "e^0");
      expect<f32>(f32x4.extract_lane(a, 1)).toBe(1, "e^−0");
      expect<f32>(f32x4.extract_lane(a, 2)).toBe(0, "e^−87.336555 flushes (true value below 2^−126)");
      expect<f32>(f32x4.extract_lane(a, 3)).toBe(0, "e^−1e30");
      const b = expNonPositive(f32x4(-Infinity, NaN, EXP_KEEPS_FROM, -f32.MAX_VALUE));
      expect<f32>(f32x4.extract_lane(b, 0)).toBe(0, "e^−∞");
      expect<bool>(isNaN(f32x4.extract_lane(b, 1))).toBe(true, "e^NaN");
      const kept = <f64>f32x4.extract_lane(b, 2);
      expect<bool>(kept >= MIN_NORMAL && ulpsOff(<f32>kept, Math.exp(<f64>EXP_KEEPS_FROM)) <= 1).toBe(true, "e^−87.33654 ≈ 2^−126");
      expect<f32>(f32x4.extract_lane(b, 3)).toBe(0, "e^−f32.MAX");
    }
  });
});

// ---- softmax_forward and softmax_crossentropy at the edges of exp's range, and split rows.

// softmax_forward and its twin on `logits` (rows×cols) against the float64 reference, the rows
// flagged in `nanRows` (a bit per row) all NaN instead; the kernel and twin must agree on NaN.
function checkExtremes(logits: Buffer<f32>, rows: i32, cols: i32, nanRows: u32, name: string): void {
  const ref = referenceSoftmax(logits, rows, cols);
  const probs = fillNaN(new Buffer<f32>(rows * cols)), twin = fillNaN(new Buffer<f32>(rows * cols));
  softmax_forward(probs.ptr, logits.ptr, rows, cols);
  softmax_forward_scalar(twin.ptr, logits.ptr, rows, cols);
  for (let i = 0; i < rows * cols; i++) {
    if (nanRows & (1 << <u32>(i / cols))) {
      if (!isNaN(probs[i]) || !isNaN(twin[i])) fail(at(name + ": a NaN logit turns its row to NaN", rows, cols, i));
    } else {
      if (!close(probs[i], ref[i])) mismatch(probs[i], ref[i], at(name, rows, cols, i));
      if (!close(twin[i], ref[i])) mismatch(twin[i], ref[i], at(name + " (scalar twin)", rows, cols, i));
      // Far below the row maximum exp underflows: 0 from expNonPositive, at most subnormal from Mathf.exp.
      if (ref[i] < MIN_NORMAL / 2 && (<f64>probs[i] >= MIN_NORMAL || <f64>twin[i] >= MIN_NORMAL)) mismatch(probs[i], ref[i], at(name + " underflow", rows, cols, i));
    }
  }
  probs.free(); twin.free();
}

describe("softmax_forward at the edges of exp", () => {
  test("equal logits give exactly 1/cols, through every lane and row block", () => {
    for (let b = 0; b < COLS.length; b++) {
      const cols = COLS[b];
      for (let rows = 1; rows <= 9; rows++) {
        const logits = new Buffer<f32>(rows * cols), probs = fillNaN(new Buffer<f32>(rows * cols));
        for (let i = 0; i < rows * cols; i++) logits[i] = <f32>(i / cols) * 7.25 - 20;
        softmax_forward(probs.ptr, logits.ptr, rows, cols);
        for (let i = 0; i < rows * cols; i++) expect<f32>(probs[i]).toBe(<f32>1 / <f32>cols, at("softmax of equal logits", rows, cols, i));
        logits.free(); probs.free();
      }
    }
  });

  test("−∞, −1e30 and gaps past exp's underflow (−90 … −200) give 0; a NaN turns its own row, not its block, to NaN", () => {
    seed(40);
    for (let b = 0; b < COLS.length; b++) {
      const cols = COLS[b], rows = 7;
      const logits = fillUniform(new Buffer<f32>(rows * cols), -3, 3);
      for (let c = 1; c < cols; c += 2) logits[c] = -Infinity;                 // row 0
      for (let c = 0; c < cols; c += 3) logits[cols + c] = -1e30;              // row 1 (unless cols = 1)
      for (let c = 0; c < cols; c++) logits[2 * cols + c] = c == cols >> 1 ? 0 : -90 - <f32>(c % 11) * 10; // row 2
      logits[3 * cols + (cols - 1)] = NaN;                                     // row 3
      for (let c = 0; c < cols; c++) logits[5 * cols + c] = <f32>(-87.3 - 0.01 * <f64>c); // row 5: gaps at the threshold
      if (cols == 1) logits[cols] = 5;                                         // a lone −1e30 would be its own maximum
      checkExtremes(logits, rows, cols, 1 << 3, "softmax_forward, extreme logits");
      logits[5 * cols] = 0;
      checkExtremes(logits, rows, cols, 1 << 3, "softmax_forward, gaps 87.3 … below the maximum");
      logits.free();
    }
  });
});

describe("softmax_crossentropy", () => {
  test("the scalar twin equals softmax_forward_scalar → crossentropy_loss, count_correct, backward_scalar", () => {
    seed(41);
    for (let a = 0; a < ROWS.length; a++) {
      for (let b = 0; b < COLS.length; b++) {
        const rows = ROWS[a], cols = COLS[b], n = rows * cols, scale = <f32>1 / <f32>rows;
        const logits = fillUniform(new Buffer<f32>(n), -6, 6);
        const labels = randomLabels(rows, cols);
        const probs = fillNaN(new Buffer<f32>(n)), expected = fillNaN(new Buffer<f32>(n)), dlogits = fillNaN(new Buffer<f32>(n));
        softmax_forward_scalar(probs.ptr, logits.ptr, rows, cols);
        const loss = crossentropy_loss(probs.ptr, labels.ptr, rows, cols);
        const right = count_correct(probs.ptr, labels.ptr, rows, cols);
        softmax_crossentropy_backward_scalar(expected.ptr, probs.ptr, labels.ptr, rows, cols, scale);
        const correct = new Buffer<i32>(1);
        const got = softmax_crossentropy_scalar(dlogits.ptr, logits.ptr, labels.ptr, rows, cols, scale, correct.ptr);
        expect<f64>(got).toBe(loss, at("softmax_crossentropy_scalar loss", rows, cols, -1));
        expect<i32>(correct[0]).toBe(right, at("softmax_crossentropy_scalar correct rows", rows, cols, -1));
        if (!dlogits.sameAs(expected)) fail(at("softmax_crossentropy_scalar dlogits", rows, cols, -1));
        logits.free(); labels.free(); probs.free(); expected.free(); dlogits.free(); correct.free();
      }
    }
  });

  test("rows split at any row (as the threads build splits them) give the same bits", () => {
    seed(42);
    const rows = 11;
    for (let b = 0; b < COLS.length; b++) {
      const cols = COLS[b], n = rows * cols;
      const logits = fillUniform(new Buffer<f32>(n), -6, 6);
      const labels = randomLabels(rows, cols);
      const whole = fillNaN(new Buffer<f32>(n)), split = fillNaN(new Buffer<f32>(n));
      const correct = new Buffer<i32>(1);
      const loss = softmaxCrossentropySum(whole.ptr, logits.ptr, labels.ptr, rows, cols, 0.5, correct.ptr);
      const right = correct[0];
      for (let r0 = 1; r0 < rows; r0++) {
        const skip = <usize>(r0 * cols) << 2;
        let total = softmaxCrossentropySum(split.ptr, logits.ptr, labels.ptr, r0, cols, 0.5, correct.ptr);
        let count = correct[0];
        total += softmaxCrossentropySum(split.ptr + skip, logits.ptr + skip, labels.ptr + (<usize>r0 << 2), rows - r0, cols, 0.5, correct.ptr);
        count += correct[0];
        if (!split.sameAs(whole)) fail(at("softmaxCrossentropySum split at row " + r0.toString(), rows, cols, -1));
        expect<i32>(count).toBe(right, at("correct rows split at row " + r0.toString(), rows, cols, -1));
        if (!close(total, loss)) mismatch(total, loss, at("loss split at row " + r0.toString(), rows, cols, -1));
        softmax_forward(split.ptr, logits.ptr, r0, cols);
        softmax_forward(split.ptr + skip, logits.ptr + skip, rows - r0, cols);
        softmax_forward(whole.ptr, logits.ptr, rows, cols);
        if (!split.sameAs(whole)) fail(at("softmax_forward split at row " + r0.toString(), rows, cols, -1));
        softmaxCrossentropySum(whole.ptr, logits.ptr, labels.ptr, rows, cols, 0.5, correct.ptr);
      }
      logits.free(); labels.free(); whole.free(); split.free(); correct.free();
    }
  });
});
