// The NT product's short-K kernel, C (+)= A·Bᵀ with A stored M×K and B stored N×K: blocks of
// 4 rows × 4 columns of C, B's four rows transposed on the fly (gemm.ts gemmNT picks it when K
// is below NT_DOT_MIN_K).
// Conventions: see gemm.ts; every stride named …Bytes is in bytes.
import { finishMasked, madd } from "./simd";

// C (M×N) = A·Bᵀ for short K (the input gradient δ·Wᵀ of a layer with few outputs): four columns
// of C at a time, C[i, j..j+3] = Σ_p A[i, p] · (B[j..j+3, p]), where the vector B[j..j+3, p] is
// assembled once per column block from four strided loads and reused for every row of A.
// K < NT_DOT_MIN_K, so the K vectors of a block (≤ 31) are rebuilt per block of rows instead of
// kept: rows go four at a time, so each assembled vector serves four rows.
export function gemmNTShortK(M: i32, N: i32, K: i32, A: usize, B: usize, C: usize, accumulate: i32, mask: usize): void {
  const kBytes = <usize>K << 2, cRowBytes = <usize>N << 2;
  let j = 0;
  for (; j + 4 <= N; j += 4) {
    const b0 = B + <usize>j * kBytes;
    let i = 0;
    for (; i + 4 <= M; i += 4) {
      const off = <usize>i * cRowBytes + (<usize>j << 2);
      ntBlock(4, 4, K, A + <usize>i * kBytes, kBytes, b0, kBytes, C + off, cRowBytes, accumulate, mask + off, mask != 0);
    }
    for (; i < M; i++) {
      const off = <usize>i * cRowBytes + (<usize>j << 2);
      ntBlock(1, 4, K, A + <usize>i * kBytes, kBytes, b0, kBytes, C + off, cRowBytes, accumulate, mask + off, mask != 0);
    }
  }
  const width = N - j;
  if (width == 0) return;
  const b0 = B + <usize>j * kBytes;
  for (let i = 0; i < M; i++) {
    const a = A + <usize>i * kBytes, off = <usize>i * cRowBytes + (<usize>j << 2);
    if (width == 3) ntBlock(1, 3, K, a, kBytes, b0, kBytes, C + off, cRowBytes, accumulate, mask + off, mask != 0);
    else if (width == 2) ntBlock(1, 2, K, a, kBytes, b0, kBytes, C + off, cRowBytes, accumulate, mask + off, mask != 0);
    else ntBlock(1, 1, K, a, kBytes, b0, kBytes, C + off, cRowBytes, accumulate, mask + off, mask != 0);
  }
}

// `rows` (1 or 4) rows × `width` (1 to 4) columns of C = A·Bᵀ, B's rows j..j+width−1 gathered
// into a vector per depth p. Both shape arguments are compile-time constants. K ≥ 1.
// @ts-ignore: decorator
@inline function ntBlock(
  rows: i32, width: i32, K: i32, a: usize, aRowBytes: usize, b: usize, bRowBytes: usize,
  c: usize, cRowBytes: usize, accumulate: i32, pm: usize, masked: bool,
): void {
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
  for (let p = 0; p < K; p++) {
    const off = <usize>p << 2;
    let bv = v128.load32_zero(b + off);
    if (width > 1) bv = v128.load32_lane(b + bRowBytes + off, bv, 1);
    if (width > 2) bv = v128.load32_lane(b + 2 * bRowBytes + off, bv, 2);
    if (width > 3) bv = v128.load32_lane(b + 3 * bRowBytes + off, bv, 3);
    c0 = madd(v128.load32_splat(a + off), bv, c0);
    if (rows > 1) {
      c1 = madd(v128.load32_splat(a + aRowBytes + off), bv, c1);
      c2 = madd(v128.load32_splat(a + 2 * aRowBytes + off), bv, c2);
      c3 = madd(v128.load32_splat(a + 3 * aRowBytes + off), bv, c3);
    }
  }
  const w = width == 4 ? 0 : width;
  finishMasked(c, c0, w, accumulate, pm, masked);
  if (rows > 1) {
    finishMasked(c + cRowBytes, c1, w, accumulate, pm + cRowBytes, masked);
    finishMasked(c + 2 * cRowBytes, c2, w, accumulate, pm + 2 * cRowBytes, masked);
    finishMasked(c + 3 * cRowBytes, c3, w, accumulate, pm + 3 * cRowBytes, masked);
  }
}
