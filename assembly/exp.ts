// exp on f32x4 for the softmax kernels (softmax.ts), whose arguments are x − rowMax ≤ 0.
// SIMD build only: the scalar build and the scalar twins call Mathf.exp.
import { madd } from "./simd";

// Cody–Waite split of ln 2: LN2_HI keeps 16 significant bits, so k·LN2_HI is exact for the
// |k| ≤ 126 this sees, and d − k·LN2_HI is exact too (Sterbenz: the two are within a factor 2).
const LN2_HI: f32 = 0.693145751953125;            // 0x1.62E4p-1
// eslint-disable-next-line no-loss-of-precision -- the literal is the f32 value's exact decimal expansion
const LN2_LO: f32 = 1.428606820309417232e-6;      // 0x1.7F7D1Cp-20 = ln 2 − LN2_HI, rounded
const LOG2_E: f32 = 1.44269502162933349609375;    // 0x1.715476p+0

// 1.5·2²³ + 127: adding it to |y| < 2²² rounds y to the nearest integer k (ties to even) and leaves
// k + 127, the biased exponent of 2^k, in the low mantissa bits, so one shift builds 2^k.
const ROUNDING_BIAS: f32 = 12583039;              // 0x1.8000FEp+23

// Below ln 2^−126 ≈ −87.33654 the result would be subnormal: it is flushed to 0 (the smallest
// f32 not below ln 2^−126, so every argument kept has k ≥ −126 and a normal 2^k).
const UNDERFLOW_BELOW: f32 = -87.33654022216796875; // −0x1.5D589Ep+6

// e^r ≈ 1 + r + r²·(C2 + C3·r + C4·r² + C5·r³ + C6·r⁴) on |r| ≤ ln2/2: minimax for relative error
// with the constant and linear terms fixed at 1 (so e^0 = 1 exactly), fitted by linear programming
// on a dense grid and rounded to f32; approximation error 1.4e-8 (0.23 ulp of 1).
const C2: f32 = 0.49999950;                       // 0x1.FFFFDEp-2
const C3: f32 = 0.16666420;                       // 0x1.55540Ap-3
const C4: f32 = 0.041675530;                      // 0x1.5567ECp-5
const C5: f32 = 0.0083771732;                     // 0x1.1280D2p-7
const C6: f32 = 0.0013522439;                     // 0x1.627B8Ep-10

// e^d in each lane, for d ≤ 0 (the softmax's x − rowMax). Error < 1 ulp (of the result's binade)
// for every f32 d in [−87.33654, 0]: at most 0.967 ulp (at d = −16.2325), measured once over all
// 1.12e9 of them against f64 exp; test/assembly/softmax.spec.ts re-checks a strided sweep and the
// floats near the reduction's edges. d below that, −∞ included, gives 0 (true value < 2^−126);
// NaN gives NaN. d > 0 is outside the contract (k would pass 0 and then 127, where 2^k wraps).
// @ts-ignore: decorator
@inline export function expNonPositive(d: v128): v128 {
  const biased = madd(d, f32x4.splat(LOG2_E), f32x4.splat(ROUNDING_BIAS));
  const k = f32x4.sub(biased, f32x4.splat(ROUNDING_BIAS));
  // d − k·ln2 as d + k·(−ln2): negating a constant is exact, and the subtraction becomes a madd.
  let r = madd(k, f32x4.splat(-LN2_HI), d);
  r = madd(k, f32x4.splat(-LN2_LO), r);
  let p = madd(f32x4.splat(C6), r, f32x4.splat(C5));
  p = madd(p, r, f32x4.splat(C4));
  p = madd(p, r, f32x4.splat(C3));
  p = madd(p, r, f32x4.splat(C2));
  // The 1 goes in last, so the rounding of everything else is scaled down by |r + r²·p| ≤ 0.42.
  const er = f32x4.add(madd(f32x4.mul(r, r), p, r), f32x4.splat(1));
  const twoToK = i32x4.shl(biased, 23);
  return v128.andnot(f32x4.mul(er, twoToK), f32x4.lt(d, f32x4.splat(UNDERFLOW_BELOW)));
}
