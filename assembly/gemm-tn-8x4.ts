// The transposed tiles of the TN product (C = op(A)·B with few columns, N ≤ TRANSPOSED_MAX_N):
// 8 rows × 4 columns of C per register block, rows of C as the lanes. They serve the weight
// gradient of a narrow layer (gemm.ts gemmPanelT) and dense.ts's u8 kernels.
// Conventions: see gemm.ts; every stride named …Bytes is in bytes.
import { finish, madd } from "./simd";

// Widest N the transposed tiles take (one f32x4 accumulator per column of C, see transposedTile).
export const TRANSPOSED_MAX_N = 10;

// Rows i..i+7 (two quads of lanes) × all N (≤ TRANSPOSED_MAX_N) columns of C = op(A)·B, with the
// eight rows of op(A) at depth p two vectors at a + p·aDepthBytes and B[p, j] splat from B's
// row p (bRowBytes apart): C[i..i+3, j] += A-vector · B[p, j]. Every lane does useful work, where
// row tiles waste the lanes of a partial vector (N = 10 runs as 8 + 4 lanes), and there are no
// horizontal sums; the accumulators are transposed back to rows of C (4×4 blocks) in the
// epilogue. Columns go four at a time: two A vectors + four splats + eight accumulators + a
// product fill V8's 15 XMM registers (it issues a step's loads before its arithmetic). Only the
// first `rows` (1 to 8) rows are stored, so a caller that pads A's vectors (dense.ts's packed
// panels) may pass fewer; with rows ≤ 4 the second quad is neither loaded nor computed.
// cRowBytes is C's row stride in bytes; bias ≠ 0 points at bias[0]. K ≥ 1.
export function transposedTile(
  N: i32, rows: i32, K: i32, a: usize, aDepthBytes: usize, b: usize, bRowBytes: usize, c: usize, cRowBytes: usize,
  accumulate: i32, bias: usize, relu: i32,
): void {
  let j = 0;
  for (; j + 4 <= N; j += 4) {
    const off = <usize>j << 2, pbias = bias ? bias + off : 0;
    if (rows > 4) transposedBody(2, 4, rows, K, a, aDepthBytes, b + off, bRowBytes, c + off, cRowBytes, accumulate, pbias, relu);
    else transposedBody(1, 4, rows, K, a, aDepthBytes, b + off, bRowBytes, c + off, cRowBytes, accumulate, pbias, relu);
  }
  const width = N - j, off = <usize>j << 2, pbias = bias ? bias + off : 0;
  if (width == 0) return;
  if (rows > 4) {
    if (width == 3) transposedBody(2, 3, rows, K, a, aDepthBytes, b + off, bRowBytes, c + off, cRowBytes, accumulate, pbias, relu);
    else if (width == 2) transposedBody(2, 2, rows, K, a, aDepthBytes, b + off, bRowBytes, c + off, cRowBytes, accumulate, pbias, relu);
    else transposedBody(2, 1, rows, K, a, aDepthBytes, b + off, bRowBytes, c + off, cRowBytes, accumulate, pbias, relu);
  } else {
    if (width == 3) transposedBody(1, 3, rows, K, a, aDepthBytes, b + off, bRowBytes, c + off, cRowBytes, accumulate, pbias, relu);
    else if (width == 2) transposedBody(1, 2, rows, K, a, aDepthBytes, b + off, bRowBytes, c + off, cRowBytes, accumulate, pbias, relu);
    else transposedBody(1, 1, rows, K, a, aDepthBytes, b + off, bRowBytes, c + off, cRowBytes, accumulate, pbias, relu);
  }
}

// One column block of transposedTile: `quads` (1 or 2) row quads × `cols` (1 to 4) columns, both
// compile-time constants.
// @ts-ignore: decorator
@inline function transposedBody(
  quads: i32, cols: i32, rows: i32, K: i32, a: usize, aDepthBytes: usize, b: usize, bRowBytes: usize, c: usize, cRowBytes: usize,
  accumulate: i32, bias: usize, relu: i32,
): void {
  let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
  let t0 = f32x4.splat(0), t1 = f32x4.splat(0), t2 = f32x4.splat(0), t3 = f32x4.splat(0);
  let pa = a, pb = b;
  const end = b + <usize>K * bRowBytes;
  do {
    const x = v128.load(pa);
    const y = quads > 1 ? v128.load(pa, 16) : x;
    let w = v128.load32_splat(pb);
    s0 = madd(x, w, s0);
    if (quads > 1) t0 = madd(y, w, t0);
    if (cols > 1) {
      w = v128.load32_splat(pb, 4);
      s1 = madd(x, w, s1);
      if (quads > 1) t1 = madd(y, w, t1);
    }
    if (cols > 2) {
      w = v128.load32_splat(pb, 8);
      s2 = madd(x, w, s2);
      if (quads > 1) t2 = madd(y, w, t2);
    }
    if (cols > 3) {
      w = v128.load32_splat(pb, 12);
      s3 = madd(x, w, s3);
      if (quads > 1) t3 = madd(y, w, t3);
    }
    pa += aDepthBytes;
    pb += bRowBytes;
  } while (pb < end);
  transposeStore(cols, min(rows, 4), s0, s1, s2, s3, c, cRowBytes, accumulate, bias, relu);
  if (quads > 1) transposeStore(cols, rows - 4, t0, t1, t2, t3, c + 4 * cRowBytes, cRowBytes, accumulate, bias, relu);
}

// Columns j..j+width−1 (width 1 to 4, constant) of four rows: s_k holds column j+k of the rows
// as lanes; transposed 4×4, row r's vector is stored at c + r·cRowBytes for r < rows.
// @ts-ignore: decorator
@inline function transposeStore(
  width: i32, rows: i32, s0: v128, s1: v128, s2: v128, s3: v128, c: usize, cRowBytes: usize,
  accumulate: i32, bias: usize, relu: i32,
): void {
  const t0 = i32x4.shuffle(s0, s1, 0, 4, 1, 5), t1 = i32x4.shuffle(s2, s3, 0, 4, 1, 5);
  const t2 = i32x4.shuffle(s0, s1, 2, 6, 3, 7), t3 = i32x4.shuffle(s2, s3, 2, 6, 3, 7);
  const w = width == 4 ? 0 : width;
  finish(c, i32x4.shuffle(t0, t1, 0, 1, 4, 5), w, accumulate, bias, relu);
  if (rows > 1) finish(c + cRowBytes, i32x4.shuffle(t0, t1, 2, 3, 6, 7), w, accumulate, bias, relu);
  if (rows > 2) finish(c + 2 * cRowBytes, i32x4.shuffle(t2, t3, 0, 1, 4, 5), w, accumulate, bias, relu);
  if (rows > 3) finish(c + 3 * cRowBytes, i32x4.shuffle(t2, t3, 2, 3, 6, 7), w, accumulate, bias, relu);
}
