// sigmoid_forward, tanh_forward, their backward kernels and the scalar twins, against float64.
//
// Tolerances, in ulps of the f64 reference's f32 binade (ulpsOff):
//   forward: sigmoid ≤ 2.5, tanh ≤ 2 (the contracts; measured once over every 7th f32 pattern:
//     sigmoid 2.33 in both builds, tanh 1.53 SIMD and 1.50 scalar); here every 4099th pattern
//     plus dense runs around the places the formulas switch (0, ±0.55 for tanh);
//   backward: ≤ 3 against dout·y·(1 − y) and dout·(1 − y²) in f64 from the same f32 y: three
//     roundings (two products and one of 1 − y or 1 + y), ≤ 3u relative, ≤ 3 ulp of the binade.
import {
  sigmoid_backward, sigmoid_backward_scalar, sigmoid_forward, sigmoid_forward_scalar,
  tanh_backward, tanh_backward_scalar, tanh_forward, tanh_forward_scalar,
} from "../../assembly/sigmoid-tanh";
import { Buffer, fail, fillFrom, fillNaN, seed, uniform, ulpsOff } from "./helpers";

type Forward = (out: usize, inp: usize, n: i32) => void;
type Backward = (dinp: usize, dout: usize, y: usize, n: i32) => void;

const SIGMOID_ULPS: f64 = 2.5;
const TANH_ULPS: f64 = 2;
const BACKWARD_ULPS: f64 = 3;
// Below ln 2^−126 the vector exp flushes to 0: sigmoid's true value there is < 2^−126.
const SIGMOID_FLUSH_BELOW: f32 = -87.33654022216796875;
const MIN_NORMAL: f64 = 1.1754943508222875e-38;

// n = 0 must touch nothing; 1…17, 31, 33 go around the 4-lane width; 784 and 1280 are real sizes.
const ALL_SIZES: i32[] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 31, 33, 784, 1280];

function sigmoid64(x: f64): f64 {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

function tanh64(x: f64): f64 {
  return Math.tanh(x);
}

function at(name: string, n: i32, i: i32): string {
  return name + " n=" + n.toString() + (i < 0 ? "" : ": [" + i.toString() + "]");
}

// Mostly uniform in [−12, 12), with tiny values, signed zeros and the tanh switch mixed in.
function inputs(n: i32): Buffer<f32> {
  const x = new Buffer<f32>(n, 4);
  for (let i = 0; i < n; i++) {
    x[i] = i % 7 == 3 ? uniform(-1e-6, 1e-6) : i % 11 == 5 ? (i & 1 ? -0.0 : 0) : i % 13 == 6 ? uniform(0.5, 0.6) : uniform(-12, 12);
  }
  return x;
}

// The largest ulpsOff of `fn` against `ref` over `count` consecutive f32 patterns from `from`
// stepping by `stride` (wrapping), skipping non-finite inputs and, for sigmoid, flushed ones.
function worstUlps(fn: Forward, ref: (x: f64) => f64, from: u32, count: i32, stride: u32, flushBelow: f32): f64 {
  const x = new Buffer<f32>(count), y = new Buffer<f32>(count);
  for (let i = 0; i < count; i++) x[i] = reinterpret<f32>(from + <u32>i * stride);
  fn(y.ptr, x.ptr, count);
  let worst: f64 = 0;
  for (let i = 0; i < count; i++) {
    if (!isFinite(x[i]) || x[i] < flushBelow) continue;
    worst = Math.max(worst, ulpsOff(y[i], ref(<f64>x[i])));
  }
  x.free(); y.free();
  return worst;
}

// Every 4099th f32 pattern (1.05e6 of them), and 2^14 consecutive floats around each of `edges`.
function worstOverSweep(fn: Forward, ref: (x: f64) => f64, edges: f32[], flushBelow: f32): f64 {
  let worst = worstUlps(fn, ref, 0, 1048576, 4099, flushBelow);
  for (let e = 0; e < edges.length; e++) worst = Math.max(worst, worstUlps(fn, ref, reinterpret<u32>(edges[e]) - 8192, 16384, 1, flushBelow));
  return worst;
}

function checkForward(name: string, fn: Forward, ref: (x: f64) => f64, bound: f64): void {
  seed(21);
  for (let s = 0; s < ALL_SIZES.length; s++) {
    const n = ALL_SIZES[s];
    const x = inputs(n), x0 = x.copy(), out = fillNaN(new Buffer<f32>(n)), inPlace = x.copy();
    fn(out.ptr, x.ptr, n);
    fn(inPlace.ptr, inPlace.ptr, n);
    for (let i = 0; i < n; i++) {
      const expected = ref(<f64>x0[i]);
      const off = ulpsOff(out[i], expected);
      if (!(off <= bound)) fail(at(name, n, i) + ": x=" + x0[i].toString() + " got " + out[i].toString() + " want " + expected.toString() + " (" + off.toString() + " ulp)");
      if (reinterpret<u32>(inPlace[i]) != reinterpret<u32>(out[i])) fail(at(name + " in place", n, i) + " differs from out-of-place");
    }
    if (!out.guardsIntact() || !inPlace.guardsIntact()) fail(at(name + " wrote outside out", n, -1));
    if (!x.sameAs(x0)) fail(at(name + " modified inp", n, -1));
    x.free(); x0.free(); out.free(); inPlace.free();
  }
}

// ±0, ±tiny, ±∞, NaN and 100, compared bit for bit.
function checkSpecial(name: string, fn: Forward, expected: f32[]): void {
  const x = fillFrom(new Buffer<f32>(8), [0, -0.0, 1e-30, -1e-30, Infinity, -Infinity, NaN, 100]);
  const y = fillNaN(new Buffer<f32>(8));
  fn(y.ptr, x.ptr, 8);
  for (let i = 0; i < 8; i++) {
    const same = isNaN(expected[i]) ? isNaN(y[i]) : reinterpret<u32>(y[i]) == reinterpret<u32>(expected[i]);
    if (!same) expect<f32>(y[i]).toBe(expected[i], name + "(" + x[i].toString() + ")");
  }
  x.free(); y.free();
}

function checkBackward(name: string, fn: Backward, forward: Forward, slope: (y: f64) => f64): void {
  seed(22);
  for (let s = 0; s < ALL_SIZES.length; s++) {
    const n = ALL_SIZES[s];
    const y = inputs(n);
    forward(y.ptr, y.ptr, n);
    const dout = new Buffer<f32>(n);
    for (let i = 0; i < n; i++) dout[i] = uniform(-3, 3);
    const dinp = fillNaN(new Buffer<f32>(n)), onDout = dout.copy(), onY = y.copy(), y0 = y.copy(), dout0 = dout.copy();
    fn(dinp.ptr, dout.ptr, y.ptr, n);
    fn(onDout.ptr, onDout.ptr, y.ptr, n);
    fn(onY.ptr, dout.ptr, onY.ptr, n);
    for (let i = 0; i < n; i++) {
      const expected = <f64>dout0[i] * slope(<f64>y0[i]);
      const off = ulpsOff(dinp[i], expected);
      if (!(off <= BACKWARD_ULPS)) fail(at(name, n, i) + ": y=" + y0[i].toString() + " got " + dinp[i].toString() + " want " + expected.toString());
      if (reinterpret<u32>(onDout[i]) != reinterpret<u32>(dinp[i])) fail(at(name + " with dinp == dout", n, i));
      if (reinterpret<u32>(onY[i]) != reinterpret<u32>(dinp[i])) fail(at(name + " with dinp == y", n, i));
    }
    if (!dinp.guardsIntact() || !onDout.guardsIntact() || !onY.guardsIntact()) fail(at(name + " wrote outside dinp", n, -1));
    if (!y.sameAs(y0) || !dout.sameAs(dout0)) fail(at(name + " modified an input", n, -1));
    y.free(); dout.free(); dinp.free(); onDout.free(); onY.free(); y0.free(); dout0.free();
  }
}

const SIGMOIDS: Forward[] = [sigmoid_forward, sigmoid_forward_scalar];
const SIGMOID_NAMES: string[] = ["sigmoid_forward", "sigmoid_forward_scalar"];
const TANHS: Forward[] = [tanh_forward, tanh_forward_scalar];
const TANH_NAMES: string[] = ["tanh_forward", "tanh_forward_scalar"];

describe("sigmoid_forward", () => {
  test("±0 → 0.5, ±tiny → 0.5, ±∞ → 1 and 0, NaN → NaN, 100 → 1", () => {
    for (let k = 0; k < 2; k++) checkSpecial(SIGMOID_NAMES[k], SIGMOIDS[k], [0.5, 0.5, 0.5, 0.5, 1, 0, NaN, 1]);
  });
  test("within 2.5 ulp of f64 for every n, in place too", () => {
    for (let k = 0; k < 2; k++) checkForward(SIGMOID_NAMES[k], SIGMOIDS[k], sigmoid64, SIGMOID_ULPS);
  });
  test("within 2.5 ulp of f64 over a sweep of all finite f32 ≥ −87.33654; below, 0 ≤ result < 2^−126", () => {
    for (let k = 0; k < 2; k++) {
      const worst = worstOverSweep(SIGMOIDS[k], sigmoid64, [0, -0.0, 1, -1, 16, -16], SIGMOID_FLUSH_BELOW);
      log<string>(SIGMOID_NAMES[k] + ": max error " + worst.toString() + " ulp");
      expect<bool>(worst <= SIGMOID_ULPS).toBe(true, SIGMOID_NAMES[k] + " max error " + worst.toString() + " ulp");
      const x = fillFrom(new Buffer<f32>(4), [-87.33655, -90, -104, -1e30]), y = fillNaN(new Buffer<f32>(4));
      SIGMOIDS[k](y.ptr, x.ptr, 4);
      for (let i = 0; i < 4; i++) if (!(y[i] >= 0 && <f64>y[i] < MIN_NORMAL)) expect<f32>(y[i]).toBe(0, SIGMOID_NAMES[k] + "(" + x[i].toString() + ")");
      x.free(); y.free();
    }
  });
});

describe("tanh_forward", () => {
  test("±0 → ±0, ±tiny → itself, ±∞ → ±1, NaN → NaN, 100 → 1", () => {
    for (let k = 0; k < 2; k++) checkSpecial(TANH_NAMES[k], TANHS[k], [0, -0.0, 1e-30, -1e-30, 1, -1, NaN, 1]);
  });
  test("within 2 ulp of f64 for every n, in place too", () => {
    for (let k = 0; k < 2; k++) checkForward(TANH_NAMES[k], TANHS[k], tanh64, TANH_ULPS);
  });
  test("within 2 ulp of f64 over a sweep of all finite f32, densely around 0 and the switch at ±0.55", () => {
    for (let k = 0; k < 2; k++) {
      const worst = worstOverSweep(TANHS[k], tanh64, [0, -0.0, 1e-4, 0.55, -0.55, 1, 9], -Infinity);
      log<string>(TANH_NAMES[k] + ": max error " + worst.toString() + " ulp");
      expect<bool>(worst <= TANH_ULPS).toBe(true, TANH_NAMES[k] + " max error " + worst.toString() + " ulp");
    }
  });
});

describe("sigmoid_backward", () => {
  test("dout · y(1 − y) within 3 ulp for every n, with dinp aliasing dout or y", () => {
    checkBackward("sigmoid_backward", sigmoid_backward, sigmoid_forward, (y: f64): f64 => y * (1 - y));
    checkBackward("sigmoid_backward_scalar", sigmoid_backward_scalar, sigmoid_forward_scalar, (y: f64): f64 => y * (1 - y));
  });
});

describe("tanh_backward", () => {
  test("dout · (1 − y²) within 3 ulp for every n, with dinp aliasing dout or y", () => {
    checkBackward("tanh_backward", tanh_backward, tanh_forward, (y: f64): f64 => 1 - y * y);
    checkBackward("tanh_backward_scalar", tanh_backward_scalar, tanh_forward_scalar, (y: f64): f64 => 1 - y * y);
  });
});
