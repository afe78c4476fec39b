// Sigmoid and tanh forward and backward. Conventions (units, alignment, trust): see gemm.ts.
// Both go through e^{−|x|} or e^{−2|x|}, so the exponent is never positive: the SIMD build uses
// expNonPositive (exp.ts), the scalar twins Mathf.exp.
import { expNonPositive } from "./exp";

const SIGN_MASK: i32 = 0x80000000;

// Below this |x| tanh uses the odd polynomial: (1 − e^{−2|x|}) loses bits to cancellation near 0.
// From 0.55 up, t = e^{−2|x|} ≤ 0.33 and t's 1-ulp error moves (1 − t)/(1 + t) by < 0.6 ulp.
const TANH_POLY_BELOW: f32 = 0.55;

// tanh(a) ≈ a + a³·(P0 + P1·u + P2·u² + P3·u³ + P4·u⁴), u = a², on 0 ≤ a ≤ 0.55: fitted for
// relative error (iteratively reweighted least squares) and rounded to f32; 1.0e-9 before rounding.
const P0: f32 = -0.33333316445350647;             // −0x1.55554Ap-2
const P1: f32 = 0.13332585990428925;              // 0x1.110D26p-3
const P2: f32 = -0.053852345794439316;            // −0x1.B9288Ep-5
const P3: f32 = 0.02107183262705803;              // 0x1.593DACp-6
const P4: f32 = -0.006274466868489981;            // −0x1.9B3416p-8

// out[i] = 1 / (1 + e^{−inp[i]}) for i < n. Any n ≥ 0; out may alias inp (in place); overwrites out.
// Computed from e = e^{−|x|} as 1/(1+e) for x ≥ 0 and e/(1+e) for x < 0, so nothing cancels and
// nothing overflows. Error ≤ 2.5 ulp (of the result's binade) against f64 for x ≥ −87.33: measured
// 2.33 ulp at worst (x = −3.4625) over every 7th f32, SIMD and scalar twin alike; below −87.33
// the SIMD build returns 0 where the true value is < 1.2e−38. sigmoid(±∞) = 1 and 0 exactly,
// sigmoid(±0) = 0.5, NaN stays NaN.
export function sigmoid_forward(out: usize, inp: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const one = f32x4.splat(1);
    for (; i + 4 <= n; i += 4) {
      const off = <usize>i << 2;
      const x = v128.load(inp + off);
      const e = expNonPositive(f32x4.neg(f32x4.abs(x)));
      const denominator = f32x4.add(one, e);
      const negative = i32x4.lt_s(x, i32x4.splat(0)); // the sign bit, so −0 and −NaN count too
      v128.store(out + off, f32x4.div(v128.bitselect(e, one, negative), denominator));
    }
  }
  const off = <usize>i << 2;
  sigmoid_forward_scalar(out + off, inp + off, n - i);
}

// Scalar twin of sigmoid_forward (same contract): the SIMD tail, the no-SIMD build, the oracle.
export function sigmoid_forward_scalar(out: usize, inp: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const off = <usize>i << 2;
    const x = load<f32>(inp + off);
    const e = Mathf.exp(-Mathf.abs(x));
    store<f32>(out + off, (reinterpret<i32>(x) < 0 ? e : <f32>1) / (1 + e));
  }
}

// dinp[i] = dout[i] · y[i] · (1 − y[i]) for i < n, where y is the sigmoid's OUTPUT (so the forward
// needs to keep nothing else). Any n ≥ 0; dinp may alias dout or y; overwrites dinp.
export function sigmoid_backward(dinp: usize, dout: usize, y: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const one = f32x4.splat(1);
    for (; i + 4 <= n; i += 4) {
      const off = <usize>i << 2;
      const s = v128.load(y + off);
      v128.store(dinp + off, f32x4.mul(v128.load(dout + off), f32x4.mul(s, f32x4.sub(one, s))));
    }
  }
  const off = <usize>i << 2;
  sigmoid_backward_scalar(dinp + off, dout + off, y + off, n - i);
}

// Scalar twin of sigmoid_backward (same contract).
export function sigmoid_backward_scalar(dinp: usize, dout: usize, y: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const off = <usize>i << 2;
    const s = load<f32>(y + off);
    store<f32>(dinp + off, load<f32>(dout + off) * (s * (1 - s)));
  }
}

// out[i] = tanh(inp[i]) for i < n. Any n ≥ 0; out may alias inp (in place); overwrites out.
// |x| < 0.55: the odd polynomial above; otherwise (1 − t)/(1 + t) with t = e^{−2|x|}; the sign is
// copied from x. Error ≤ 2 ulp (of the result's binade) against f64 for every finite x: measured
// 1.53 ulp at worst (x = 1.2895) over every 7th f32, 1.50 for the scalar twin. tanh(±∞) = ±1,
// tanh(±0) = ±0 (tiny x returns x), NaN stays NaN.
export function tanh_forward(out: usize, inp: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const one = f32x4.splat(1);
    for (; i + 4 <= n; i += 4) {
      const off = <usize>i << 2;
      const x = v128.load(inp + off);
      const a = f32x4.abs(x);
      const t = expNonPositive(f32x4.mul(a, f32x4.splat(-2)));
      const far = f32x4.div(f32x4.sub(one, t), f32x4.add(one, t));
      const u = f32x4.mul(a, a);
      let p = f32x4.add(f32x4.mul(f32x4.splat(P4), u), f32x4.splat(P3));
      p = f32x4.add(f32x4.mul(p, u), f32x4.splat(P2));
      p = f32x4.add(f32x4.mul(p, u), f32x4.splat(P1));
      p = f32x4.add(f32x4.mul(p, u), f32x4.splat(P0));
      const near = f32x4.add(a, f32x4.mul(f32x4.mul(a, u), p));
      const magnitude = v128.bitselect(near, far, f32x4.lt(a, f32x4.splat(TANH_POLY_BELOW)));
      v128.store(out + off, v128.or(magnitude, v128.and(x, i32x4.splat(SIGN_MASK))));
    }
  }
  const off = <usize>i << 2;
  tanh_forward_scalar(out + off, inp + off, n - i);
}

// Scalar twin of tanh_forward (same contract).
export function tanh_forward_scalar(out: usize, inp: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const off = <usize>i << 2;
    const x = load<f32>(inp + off);
    const a = Mathf.abs(x);
    let magnitude: f32;
    if (a < TANH_POLY_BELOW) {
      const u = a * a;
      magnitude = a + a * u * ((((P4 * u + P3) * u + P2) * u + P1) * u + P0);
    } else {
      const t = Mathf.exp(-2 * a);
      magnitude = (1 - t) / (1 + t);
    }
    store<f32>(out + off, copysign<f32>(magnitude, x));
  }
}

// dinp[i] = dout[i] · (1 − y[i]²) for i < n, where y is the tanh's OUTPUT. 1 − y² is computed as
// (1 − y)(1 + y): 1 − y is exact for |y| ≥ 0.5, where y² would cancel. Any n ≥ 0; dinp may alias
// dout or y; overwrites dinp.
export function tanh_backward(dinp: usize, dout: usize, y: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const one = f32x4.splat(1);
    for (; i + 4 <= n; i += 4) {
      const off = <usize>i << 2;
      const t = v128.load(y + off);
      const slope = f32x4.mul(f32x4.sub(one, t), f32x4.add(one, t));
      v128.store(dinp + off, f32x4.mul(v128.load(dout + off), slope));
    }
  }
  const off = <usize>i << 2;
  tanh_backward_scalar(dinp + off, dout + off, y + off, n - i);
}

// Scalar twin of tanh_backward (same contract).
export function tanh_backward_scalar(dinp: usize, dout: usize, y: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const off = <usize>i << 2;
    const t = load<f32>(y + off);
    store<f32>(dinp + off, load<f32>(dout + off) * ((1 - t) * (1 + t)));
  }
}
