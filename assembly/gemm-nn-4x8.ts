// The 4×8 row tiles of the NN and TN products (C = op(A)·B, B stored K×N): up to 4 rows × 8
// columns of C in registers for a whole K panel, then a 4-column tile and a 1- to 3-column tail.
// NN reads each row of A through its own pointer; TN (and dense.ts's packed panels) read rows
// that are adjacent in memory through one. gemm.ts drives them panel by panel.
// Conventions: see gemm.ts; every stride named …Bytes is in bytes.
import { finish, loadPartial, madd } from "./simd";

// `rows` (1 to 4) rows of C = A·B over all N columns, with the rows of A adjacent: row r at
// a + 4r bytes (immediate offsets), the whole block advancing aDepthBytes per step of K (the
// packed panels of dense.ts), then C's epilogue (see finish; bias ≠ 0 points at bias[0]). B is
// K×N, C is rows×N (row strides N).
export function tilesAdjacent(
  rows: i32, N: i32, K: i32, a: usize, aDepthBytes: usize, B: usize, c: usize,
  accumulate: i32, bias: usize, relu: i32,
): void {
  rowTiles(rows, 1, N, K, a, 4, aDepthBytes, B, <usize>N << 2, 32, c, <usize>N << 2, accumulate, bias, relu);
}

// `rows` (1 to 4) rows × N columns of C (row stride cRowBytes) = A·B over depth K, A read as in
// rowBlock. B's 8-column strips sit bStripBytes apart, each of its depth rows bRowBytes apart:
// column j at depth p is at B + (j >> 3)·bStripBytes + p·bRowBytes + 4·(j & 7). B in place (K×N) is
// bRowBytes = 4N, bStripBytes = 32; packed (packB), bRowBytes = 32, bStripBytes = PACK_STRIP_BYTES. The shape is
// dispatched once to a constant-shape body.
export function rowTiles(
  rows: i32, adjacent: i32, N: i32, K: i32, a: usize, aRowBytes: usize, aDepthBytes: usize,
  B: usize, bRowBytes: usize, bStripBytes: usize, c: usize, cRowBytes: usize, accumulate: i32, bias: usize, relu: i32,
): void {
  if (adjacent) {
    if (rows == 4) rowBlock(4, 1, N, K, a, 4, aDepthBytes, B, bRowBytes, bStripBytes, c, cRowBytes, accumulate, bias, relu);
    else if (rows == 3) rowBlock(3, 1, N, K, a, 4, aDepthBytes, B, bRowBytes, bStripBytes, c, cRowBytes, accumulate, bias, relu);
    else if (rows == 2) rowBlock(2, 1, N, K, a, 4, aDepthBytes, B, bRowBytes, bStripBytes, c, cRowBytes, accumulate, bias, relu);
    else rowBlock(1, 1, N, K, a, 4, aDepthBytes, B, bRowBytes, bStripBytes, c, cRowBytes, accumulate, bias, relu);
  } else {
    if (rows == 4) rowBlock(4, 0, N, K, a, aRowBytes, 4, B, bRowBytes, bStripBytes, c, cRowBytes, accumulate, bias, relu);
    else if (rows == 3) rowBlock(3, 0, N, K, a, aRowBytes, 4, B, bRowBytes, bStripBytes, c, cRowBytes, accumulate, bias, relu);
    else if (rows == 2) rowBlock(2, 0, N, K, a, aRowBytes, 4, B, bRowBytes, bStripBytes, c, cRowBytes, accumulate, bias, relu);
    else rowBlock(1, 0, N, K, a, aRowBytes, 4, B, bRowBytes, bStripBytes, c, cRowBytes, accumulate, bias, relu);
  }
}

// `rows` (1 to 4) rows of C, all N columns: 8-column tiles, then a 4-column tile, then a 1- to
// 3-column tail. `rows` and `adjacent` are compile-time constants at every call, so each
// instance keeps only the accumulators it needs: 2·rows f32x4 in registers for the whole panel
// (V8 allocates 15 XMM registers; 4 rows × 8 columns + 2 B vectors + a splat + a product is the
// widest tile that does not spill). adjacent = 1: row r of A at a + 4r bytes (TN, immediate
// offsets); 0: at a + r·aRowBytes (NN). aRowBytes, aDepthBytes and B's layout (see rowTiles) are in bytes.
// @ts-ignore: decorator
@inline function rowBlock(
  rows: i32, adjacent: i32, N: i32, K: i32, a: usize, aRowBytes: usize, aDepthBytes: usize,
  B: usize, bRowBytes: usize, bStripBytes: usize, c: usize, cRowBytes: usize, accumulate: i32, bias: usize, relu: i32,
): void {
  let j = 0, pb = B;
  for (; j + 8 <= N; j += 8) {
    tile(rows, adjacent, 2, 0, K, a, aRowBytes, aDepthBytes, pb, bRowBytes, c + (<usize>j << 2), cRowBytes, accumulate, bias ? bias + (<usize>j << 2) : 0, relu);
    pb += bStripBytes;
  }
  // What is left (≤ 7 columns) lies in one strip.
  if (j + 4 <= N) {
    tile(rows, adjacent, 1, 0, K, a, aRowBytes, aDepthBytes, pb, bRowBytes, c + (<usize>j << 2), cRowBytes, accumulate, bias ? bias + (<usize>j << 2) : 0, relu);
    j += 4;
    pb += 16;
  }
  const width = N - j, pc = c + (<usize>j << 2), pbias = bias ? bias + (<usize>j << 2) : 0;
  if (width == 3) tile(rows, adjacent, 1, 3, K, a, aRowBytes, aDepthBytes, pb, bRowBytes, pc, cRowBytes, accumulate, pbias, relu);
  else if (width == 2) tile(rows, adjacent, 1, 2, K, a, aRowBytes, aDepthBytes, pb, bRowBytes, pc, cRowBytes, accumulate, pbias, relu);
  else if (width == 1) tile(rows, adjacent, 1, 1, K, a, aRowBytes, aDepthBytes, pb, bRowBytes, pc, cRowBytes, accumulate, pbias, relu);
}

// One tile: `rows` × (4·vectors) columns, or rows × partial columns when partial (1 to 3) is set
// (then vectors = 1). All four shape arguments are compile-time constants. K ≥ 1. B's depth rows
// are bRowBytes apart, C's rows cRowBytes apart.
// @ts-ignore: decorator
@inline function tile(
  rows: i32, adjacent: i32, vectors: i32, partial: i32, K: i32,
  a: usize, aRowBytes: usize, aDepthBytes: usize, b: usize, bRowBytes: usize, c: usize, cRowBytes: usize,
  accumulate: i32, bias: usize, relu: i32,
): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  // NN reads each row of A through its own pointer; TN reads all rows through one.
  let a0 = a, a1 = a + aRowBytes, a2 = a + 2 * aRowBytes, a3 = a + 3 * aRowBytes;
  let pb = b;
  const end = b + <usize>K * bRowBytes;
  do {
    const b0 = partial ? loadPartial(pb, partial) : v128.load(pb);
    const b1 = vectors > 1 ? v128.load(pb, 16) : b0;
    let x = v128.load32_splat(a0);
    c00 = madd(x, b0, c00);
    if (vectors > 1) c01 = madd(x, b1, c01);
    if (rows > 1) {
      x = adjacent ? v128.load32_splat(a0, 4) : v128.load32_splat(a1);
      c10 = madd(x, b0, c10);
      if (vectors > 1) c11 = madd(x, b1, c11);
    }
    if (rows > 2) {
      x = adjacent ? v128.load32_splat(a0, 8) : v128.load32_splat(a2);
      c20 = madd(x, b0, c20);
      if (vectors > 1) c21 = madd(x, b1, c21);
    }
    if (rows > 3) {
      x = adjacent ? v128.load32_splat(a0, 12) : v128.load32_splat(a3);
      c30 = madd(x, b0, c30);
      if (vectors > 1) c31 = madd(x, b1, c31);
    }
    a0 += aDepthBytes;
    if (!adjacent) {
      if (rows > 1) a1 += aDepthBytes;
      if (rows > 2) a2 += aDepthBytes;
      if (rows > 3) a3 += aDepthBytes;
    }
    pb += bRowBytes;
  } while (pb < end);
  finish(c, c00, partial, accumulate, bias, relu);
  if (vectors > 1) finish(c + 16, c01, 0, accumulate, bias ? bias + 16 : 0, relu);
  if (rows > 1) {
    finish(c + cRowBytes, c10, partial, accumulate, bias, relu);
    if (vectors > 1) finish(c + cRowBytes + 16, c11, 0, accumulate, bias ? bias + 16 : 0, relu);
  }
  if (rows > 2) {
    finish(c + 2 * cRowBytes, c20, partial, accumulate, bias, relu);
    if (vectors > 1) finish(c + 2 * cRowBytes + 16, c21, 0, accumulate, bias ? bias + 16 : 0, relu);
  }
  if (rows > 3) {
    finish(c + 3 * cRowBytes, c30, partial, accumulate, bias, relu);
    if (vectors > 1) finish(c + 3 * cRowBytes + 16, c31, 0, accumulate, bias ? bias + 16 : 0, relu);
  }
}
