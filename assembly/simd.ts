// f32x4 helpers every SIMD kernel shares. madd is the one place a multiply-add is spelled out, so
// the relaxed-SIMD builds differ from the simd ones in its body alone.

// a·b + c in each lane. The simd builds round twice, bit-identical to the scalar twins (the
// accumulator goes first in the add, as the kernels wrote it before this helper existed). The
// relaxed builds let the engine fuse it (one rounding) or not, whichever the CPU does fastest.
// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

// The first `width` (1 to 3; a compile-time constant at every call) floats at p in lanes
// 0..width−1, zeros above: a column tail loaded without reading past the end of its row.
// @ts-ignore: decorator
@inline export function loadPartial(p: usize, width: i32): v128 {
  if (width == 1) return v128.load32_zero(p);
  if (width == 2) return v128.load64_zero(p);
  return v128.load32_lane(p, v128.load64_zero(p), 2, 8);
}

// Stores lanes 0..width−1 (width 1 to 3, constant) of v at p.
// @ts-ignore: decorator
@inline export function storePartial(p: usize, v: v128, width: i32): void {
  if (width == 1) v128.store32_lane(p, v, 0);
  else v128.store64_lane(p, v, 0);
  if (width == 3) v128.store32_lane(p, v, 2, 8);
}

// The epilogue every tile runs on each finished f32x4 of C before storing it at pc:
//   + C's old value   when accumulate ≠ 0;
//   + bias[j..j+3]    when bias ≠ 0 (the bias pointer already points at the tile's columns);
//   max(·, 0)         when relu ≠ 0 (as relu_forward: f32x4.max against +0).
// width = 0 stores all four lanes, 1 to 3 (a constant) only the first `width`.
// @ts-ignore: decorator
@inline export function finish(pc: usize, acc: v128, width: i32, accumulate: i32, bias: usize, relu: i32): void {
  let v = acc;
  if (accumulate) v = f32x4.add(width ? loadPartial(pc, width) : v128.load(pc), v);
  if (bias) v = f32x4.add(v, width ? loadPartial(bias, width) : v128.load(bias));
  if (relu) v = f32x4.max(v, f32x4.splat(0));
  if (width) storePartial(pc, v, width);
  else v128.store(pc, v);
}

// The NT epilogue: C's old value when accumulating, then, when mask ≠ 0, zero wherever the
// matching element of the mask matrix (same layout as C, at pm) is not > 0: the ReLU backward
// dinp = dout ⊙ [z > 0] fused into the input-gradient product (as relu_backward: NaN masks to 0).
// @ts-ignore: decorator
@inline export function finishMasked(pc: usize, acc: v128, width: i32, accumulate: i32, pm: usize, masked: bool): void {
  let v = acc;
  if (accumulate) v = f32x4.add(width ? loadPartial(pc, width) : v128.load(pc), v);
  if (masked) v = v128.and(v, f32x4.gt(width ? loadPartial(pm, width) : v128.load(pm), f32x4.splat(0)));
  if (width) storePartial(pc, v, width);
  else v128.store(pc, v);
}
