// Inverted dropout (as Keras and tfjs apply it in training): each element is kept with
// probability 1 − rate and scaled by 1/(1 − rate), so the expected output equals the input and
// inference needs no dropout at all. Conventions (units, alignment, trust): see gemm.ts.
//
// The mask is counter-based: element k of a call with `seed` is kept when hash(seed, k) ≥
// threshold, hash a 32-bit mixer of the pair. So a mask depends on the seed and the element's index
// only, never on the order the elements are visited or on how a call is split over threads.

const GOLDEN: u32 = 0x9e3779b9;

// Chris Wellons' "lowbias32" integer hash: a bijection on u32 whose output bits each flip with
// probability ~1/2 when any input bit flips (bias 0.17 in his measure).
// @ts-ignore: decorator
@inline function mix(x: u32): u32 {
  x ^= x >>> 16; x *= 0x7feb352d;
  x ^= x >>> 15; x *= 0x846ca68b;
  return x ^ (x >>> 16);
}

// @ts-ignore: decorator
@inline function mixLanes(x: v128): v128 {
  x = v128.xor(x, i32x4.shr_u(x, 16)); x = i32x4.mul(x, i32x4.splat(0x7feb352d));
  x = v128.xor(x, i32x4.shr_u(x, 15)); x = i32x4.mul(x, i32x4.splat(0x846ca68b));
  return v128.xor(x, i32x4.shr_u(x, 16));
}

// Two rounds with the seed entering each: one round of (index ⊕ seed) would make masks of
// seeds s and s ⊕ 1 the same sequence shifted by one index.
// @ts-ignore: decorator
@inline function keyOf(seed: u32): u32 {
  return mix(seed ^ GOLDEN);
}

// out[i] = inp[i] · mask[i] · scale and mask[i] = 1 if hash(seed, first + i) ≥ threshold else 0,
// for i < n. inp, out f32; mask u8 (any alignment). threshold = rate · 2³² (rounded down; 0 keeps
// everything), scale = 1/(1 − rate), both from the host. A dropped element is inp · 0, so NaN and ±∞
// stay NaN rather than being hidden. `first` is the index of element 0 in the whole tensor (a
// thread's share passes its start). Any n ≥ 0; out may alias inp; mask must not overlap either.
// Overwrites out and mask.
export function dropout_forward(out: usize, mask: usize, inp: usize, n: i32, seed: u32, first: u32, threshold: u32, scale: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const key = i32x4.splat(keyOf(seed));
    const seeds = i32x4.splat(seed);
    const thresholds = i32x4.splat(threshold);
    const scales = f32x4.splat(scale);
    const ones = i32x4.splat(1);
    let index = i32x4.add(i32x4.splat(first), v128(0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0));
    for (; i + 4 <= n; i += 4) {
      const off = <usize>i << 2;
      const h = mixLanes(i32x4.add(mixLanes(v128.xor(index, seeds)), key));
      const kept = v128.and(i32x4.ge_u(h, thresholds), ones); // 0 or 1 per lane
      v128.store(out + off, f32x4.mul(v128.load(inp + off), f32x4.mul(f32x4.convert_i32x4_u(kept), scales)));
      // Four 0/1 lanes to four bytes: narrowing twice keeps the low byte of each lane.
      const halves = i16x8.narrow_i32x4_u(kept, kept);
      v128.store32_lane(mask + <usize>i, i8x16.narrow_i16x8_u(halves, halves), 0);
      index = i32x4.add(index, i32x4.splat(4));
    }
  }
  dropout_forward_scalar(out + (<usize>i << 2), mask + <usize>i, inp + (<usize>i << 2), n - i, seed, first + <u32>i, threshold, scale);
}

// Scalar twin of dropout_forward (same contract, bit-identical results).
export function dropout_forward_scalar(out: usize, mask: usize, inp: usize, n: i32, seed: u32, first: u32, threshold: u32, scale: f32): void {
  const key = keyOf(seed);
  for (let i = 0; i < n; i++) {
    const kept: u8 = mix(mix((first + <u32>i) ^ seed) + key) >= threshold ? 1 : 0;
    store<u8>(mask + <usize>i, kept);
    const off = <usize>i << 2;
    store<f32>(out + off, load<f32>(inp + off) * (<f32>kept * scale));
  }
}

// dinp[i] = dout[i] · mask[i] · scale for i < n, with the mask and scale of the forward call.
// dout, dinp f32; mask u8 (0 or 1, any alignment). Any n ≥ 0; dinp may alias dout; mask must not
// overlap dinp. Overwrites dinp.
export function dropout_backward(dinp: usize, dout: usize, mask: usize, n: i32, scale: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const scales = f32x4.splat(scale);
    for (; i + 4 <= n; i += 4) {
      const off = <usize>i << 2;
      // Four mask bytes widened to four i32 lanes.
      const bytes = v128.load32_zero(mask + <usize>i);
      const kept = i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(bytes));
      v128.store(dinp + off, f32x4.mul(v128.load(dout + off), f32x4.mul(f32x4.convert_i32x4_u(kept), scales)));
    }
  }
  dropout_backward_scalar(dinp + (<usize>i << 2), dout + (<usize>i << 2), mask + <usize>i, n - i, scale);
}

// Scalar twin of dropout_backward (same contract, bit-identical results).
export function dropout_backward_scalar(dinp: usize, dout: usize, mask: usize, n: i32, scale: f32): void {
  for (let i = 0; i < n; i++) {
    const off = <usize>i << 2;
    store<f32>(dinp + off, load<f32>(dout + off) * (<f32>load<u8>(mask + <usize>i) * scale));
  }
}
