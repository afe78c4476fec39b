// The NT product's dot-product kernel, C (+)= A·Bᵀ with A stored M×K and B stored N×K and K long
// enough for dot products along it: blocks of 2 rows of A × 4 rows of B (gemm.ts gemmNT picks it).
// Conventions: see gemm.ts; every stride named …Bytes is in bytes.
import { finishMasked, madd } from "./simd";

// (Σ s0, Σ s1, Σ s2, Σ s3): the lane sums of four accumulators in one vector (two rounds of
// pairwise shuffles and adds, instead of sixteen extracts).
// @ts-ignore: decorator
@inline function sumLanes4(s0: v128, s1: v128, s2: v128, s3: v128): v128 {
  const v01 = f32x4.add(i32x4.shuffle(s0, s1, 0, 4, 2, 6), i32x4.shuffle(s0, s1, 1, 5, 3, 7));
  const v23 = f32x4.add(i32x4.shuffle(s2, s3, 0, 4, 2, 6), i32x4.shuffle(s2, s3, 1, 5, 3, 7));
  return f32x4.add(i32x4.shuffle(v01, v23, 0, 1, 4, 5), i32x4.shuffle(v01, v23, 2, 3, 6, 7));
}

// C (M×N) = A·Bᵀ with A stored M×K and B stored N×K: every output is a dot product of two
// contiguous rows, so we vectorise along K. Blocks of 2 rows of A × 4 rows of B keep eight
// accumulators (each loaded vector serves two or four of them); the last K mod 4 elements are
// loaded as a zero-padded vector, and each block ends with one lane-sum per four outputs.
export function gemmDotNT(M: i32, N: i32, K: i32, A: usize, B: usize, C: usize, accumulate: i32, mask: usize): void {
  const kBytes = <usize>K << 2, cRowBytes = <usize>N << 2;
  let i = 0;
  for (; i + 2 <= M; i += 2) {
    dotRows(2, N, K, A + <usize>i * kBytes, B, C + <usize>i * cRowBytes, kBytes, cRowBytes, accumulate, mask ? mask + <usize>i * cRowBytes : 0);
  }
  if (i < M) dotRows(1, N, K, A + <usize>i * kBytes, B, C + <usize>i * cRowBytes, kBytes, cRowBytes, accumulate, mask ? mask + <usize>i * cRowBytes : 0);
}

// `rows` (1 or 2, constant) rows of C = A·Bᵀ: four columns at a time, then one at a time.
// @ts-ignore: decorator
@inline function dotRows(
  rows: i32, N: i32, K: i32, a: usize, B: usize, c: usize, kBytes: usize, cRowBytes: usize, accumulate: i32, mask: usize,
): void {
  const masked = mask != 0;
  const tail = K & 3, kMain = <usize>(K & ~3) << 2;
  let j = 0;
  for (; j + 4 <= N; j += 4) {
    const b0 = B + <usize>j * kBytes, b1 = b0 + kBytes, b2 = b1 + kBytes, b3 = b2 + kBytes;
    let s00 = f32x4.splat(0), s01 = f32x4.splat(0), s02 = f32x4.splat(0), s03 = f32x4.splat(0);
    let s10 = f32x4.splat(0), s11 = f32x4.splat(0), s12 = f32x4.splat(0), s13 = f32x4.splat(0);
    for (let off: usize = 0; off < kMain; off += 16) {
      const y0 = v128.load(b0 + off), y1 = v128.load(b1 + off), y2 = v128.load(b2 + off), y3 = v128.load(b3 + off);
      const x0 = v128.load(a + off);
      s00 = madd(x0, y0, s00); s01 = madd(x0, y1, s01);
      s02 = madd(x0, y2, s02); s03 = madd(x0, y3, s03);
      if (rows > 1) {
        const x1 = v128.load(a + kBytes + off);
        s10 = madd(x1, y0, s10); s11 = madd(x1, y1, s11);
        s12 = madd(x1, y2, s12); s13 = madd(x1, y3, s13);
      }
    }
    if (tail) {
      const y0 = loadTail(b0 + kMain, tail), y1 = loadTail(b1 + kMain, tail);
      const y2 = loadTail(b2 + kMain, tail), y3 = loadTail(b3 + kMain, tail);
      const x0 = loadTail(a + kMain, tail);
      s00 = madd(x0, y0, s00); s01 = madd(x0, y1, s01);
      s02 = madd(x0, y2, s02); s03 = madd(x0, y3, s03);
      if (rows > 1) {
        const x1 = loadTail(a + kBytes + kMain, tail);
        s10 = madd(x1, y0, s10); s11 = madd(x1, y1, s11);
        s12 = madd(x1, y2, s12); s13 = madd(x1, y3, s13);
      }
    }
    const off = <usize>j << 2;
    finishMasked(c + off, sumLanes4(s00, s01, s02, s03), 0, accumulate, mask + off, masked);
    if (rows > 1) finishMasked(c + cRowBytes + off, sumLanes4(s10, s11, s12, s13), 0, accumulate, mask + cRowBytes + off, masked);
  }
  for (; j < N; j++) {
    const b0 = B + <usize>j * kBytes;
    let s0 = f32x4.splat(0), s1 = f32x4.splat(0);
    for (let off: usize = 0; off < kMain; off += 16) {
      const y = v128.load(b0 + off);
      s0 = madd(v128.load(a + off), y, s0);
      if (rows > 1) s1 = madd(v128.load(a + kBytes + off), y, s1);
    }
    if (tail) {
      const y = loadTail(b0 + kMain, tail);
      s0 = madd(loadTail(a + kMain, tail), y, s0);
      if (rows > 1) s1 = madd(loadTail(a + kBytes + kMain, tail), y, s1);
    }
    const sums = sumLanes4(s0, s1, s0, s1);
    const off = <usize>j << 2;
    finishMasked(c + off, sums, 1, accumulate, mask + off, masked);
    if (rows > 1) finishMasked(c + cRowBytes + off, i32x4.shuffle(sums, sums, 1, 1, 1, 1), 1, accumulate, mask + cRowBytes + off, masked);
  }
}

// The last `count` (1 to 3, runtime) floats at p, zero-padded: the K tail of a dot product.
// @ts-ignore: decorator
@inline function loadTail(p: usize, count: i32): v128 {
  let v = count == 1 ? v128.load32_zero(p) : v128.load64_zero(p);
  if (count == 3) v = v128.load32_lane(p, v, 2, 8);
  return v;
}
