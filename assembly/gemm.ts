// Single-precision matrix multiply: C = op(A)·op(B), overwriting or accumulating into C.
//
// Conventions shared by every kernel in assembly/:
//   - pointers are byte addresses in linear memory; sizes, counts and strides are in ELEMENTS;
//   - matrices are row-major and densely packed (leading dimension = column count);
//   - f32 buffers must be 4-byte aligned; SIMD loads are unaligned-safe, 16 bytes is merely faster;
//   - kernels trust their caller (the host validates shapes and bounds) and never allocate.

// op(A) is M×K and op(B) is K×N; C is M×N.
//   transA = 0: A is stored M×K.   transA = 1: A is stored K×M (op(A) = Aᵀ).
//   transB = 0: B is stored K×N.   transB = 1: B is stored N×K (op(B) = Bᵀ).
// accumulate = 0 overwrites C; accumulate = 1 adds the product to C.
// Any M, N, K ≥ 1. C must not overlap A or B; A and B may alias each other (e.g. Aᵀ·A).
// NN and TN share one register-tiled SIMD path (only A's strides differ); NT takes dot products
// along K; TT, which training never needs, runs the scalar twin.
export function sgemm(
  transA: i32, transB: i32, M: i32, N: i32, K: i32,
  A: usize, B: usize, C: usize, accumulate: i32,
): void {
  if (ASC_FEATURE_SIMD) {
    if (transB == 0) {
      // Element (i, p) of op(A) sits at A + (i·rowStride + p·depthStride) elements.
      const rowStride = transA ? 1 : K;
      const depthStride = transA ? M : 1;
      gemmTiledB(M, N, K, A, rowStride, depthStride, B, C, accumulate);
      return;
    }
    if (transA == 0) {
      gemmDotNT(M, N, K, A, B, C, accumulate);
      return;
    }
  }
  sgemm_scalar(transA, transB, M, N, K, A, B, C, accumulate);
}

// Scalar twin of sgemm: same contract, one f32 dot product per output element, summed in order
// of increasing p. It is the fallback for builds without SIMD and the in-module oracle.
export function sgemm_scalar(
  transA: i32, transB: i32, M: i32, N: i32, K: i32,
  A: usize, B: usize, C: usize, accumulate: i32,
): void {
  const aRow = transA ? 1 : K, aDepth = transA ? M : 1;
  const bDepth = transB ? 1 : N, bCol = transB ? K : 1;
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let acc: f32 = 0;
      let pa = A + ((<usize>i * aRow) << 2);
      let pb = B + ((<usize>j * bCol) << 2);
      for (let p = 0; p < K; p++) {
        acc += load<f32>(pa) * load<f32>(pb);
        pa += <usize>aDepth << 2;
        pb += <usize>bDepth << 2;
      }
      const pc = C + ((<usize>i * N + j) << 2);
      store<f32>(pc, accumulate ? load<f32>(pc) + acc : acc);
    }
  }
}

// Stores a finished SIMD accumulator, adding what C already holds when accumulating.
// @ts-ignore: decorator
@inline function storeTile(pc: usize, acc: v128, accumulate: i32): void {
  v128.store(pc, accumulate ? f32x4.add(v128.load(pc), acc) : acc);
}

// The first `count` (1 to 3) floats at p in lanes 0..count−1, zeros above: a column tail of B
// loaded without reading past the end of its row.
// @ts-ignore: decorator
@inline function loadPartial(p: usize, count: i32): v128 {
  let v = f32x4.splat(0);
  v = f32x4.replace_lane(v, 0, load<f32>(p));
  if (count > 1) v = f32x4.replace_lane(v, 1, load<f32>(p, 4));
  if (count > 2) v = f32x4.replace_lane(v, 2, load<f32>(p, 8));
  return v;
}

// Stores lanes 0..count−1 (count 1 to 3) of acc at p, adding to C when accumulating.
// @ts-ignore: decorator
@inline function storePartial(p: usize, acc: v128, count: i32, accumulate: i32): void {
  const v = accumulate ? f32x4.add(loadPartial(p, count), acc) : acc;
  store<f32>(p, f32x4.extract_lane(v, 0));
  if (count > 1) store<f32>(p, f32x4.extract_lane(v, 1), 4);
  if (count > 2) store<f32>(p, f32x4.extract_lane(v, 2), 8);
}

// Depth of one K panel: the slice of op(A) and B a pass over all tiles reads stays in L2
// (128 rows of a 784-wide A are 392 KiB), instead of streaming all of K once per tile.
const DEPTH_PANEL = 128;

// C (M×N) = op(A)·B with B stored K×N, one K panel at a time; panels after the first accumulate.
function gemmTiledB(
  M: i32, N: i32, K: i32, A: usize, rowStride: i32, depthStride: i32,
  B: usize, C: usize, accumulate: i32,
): void {
  for (let p0 = 0; p0 < K; p0 += DEPTH_PANEL) {
    const depth = min(DEPTH_PANEL, K - p0);
    gemmPanel(
      M, N, depth, A + ((<usize>p0 * depthStride) << 2), rowStride, depthStride,
      B + ((<usize>p0 * N) << 2), C, p0 == 0 ? accumulate : 1,
    );
  }
}

// One K panel of gemmTiledB. Tiles of 4 rows × 8 columns keep eight f32x4 accumulators in
// registers for the whole panel; then 4×4 tiles, then a 4×(1..3) tile for the column tail;
// leftover rows (M mod 4) go one at a time through 1×4 and 1×(1..3) tiles.
function gemmPanel(
  M: i32, N: i32, K: i32, A: usize, rowStride: i32, depthStride: i32,
  B: usize, C: usize, accumulate: i32,
): void {
  const aStep = <usize>depthStride << 2;
  const bStep = <usize>N << 2;
  let i = 0;
  for (; i + 4 <= M; i += 4) {
    const a0 = A + ((<usize>i * rowStride) << 2);
    const a1 = a0 + ((<usize>rowStride) << 2);
    const a2 = a1 + ((<usize>rowStride) << 2);
    const a3 = a2 + ((<usize>rowStride) << 2);
    const c0 = C + ((<usize>i * N) << 2);
    let j = 0;
    for (; j + 8 <= N; j += 8) {
      let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
      let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
      let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
      let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
      let pb = B + (<usize>j << 2);
      let off: usize = 0;
      for (let p = 0; p < K; p++) {
        const b0 = v128.load(pb), b1 = v128.load(pb, 16);
        const x0 = f32x4.splat(load<f32>(a0 + off));
        const x1 = f32x4.splat(load<f32>(a1 + off));
        const x2 = f32x4.splat(load<f32>(a2 + off));
        const x3 = f32x4.splat(load<f32>(a3 + off));
        c00 = f32x4.add(c00, f32x4.mul(x0, b0)); c01 = f32x4.add(c01, f32x4.mul(x0, b1));
        c10 = f32x4.add(c10, f32x4.mul(x1, b0)); c11 = f32x4.add(c11, f32x4.mul(x1, b1));
        c20 = f32x4.add(c20, f32x4.mul(x2, b0)); c21 = f32x4.add(c21, f32x4.mul(x2, b1));
        c30 = f32x4.add(c30, f32x4.mul(x3, b0)); c31 = f32x4.add(c31, f32x4.mul(x3, b1));
        pb += bStep;
        off += aStep;
      }
      const pc = c0 + (<usize>j << 2);
      storeTile(pc, c00, accumulate); storeTile(pc + 16, c01, accumulate);
      storeTile(pc + bStep, c10, accumulate); storeTile(pc + bStep + 16, c11, accumulate);
      storeTile(pc + 2 * bStep, c20, accumulate); storeTile(pc + 2 * bStep + 16, c21, accumulate);
      storeTile(pc + 3 * bStep, c30, accumulate); storeTile(pc + 3 * bStep + 16, c31, accumulate);
    }
    for (; j < N; j += 4) {
      const width = min(4, N - j);
      let c0v = f32x4.splat(0), c1v = f32x4.splat(0), c2v = f32x4.splat(0), c3v = f32x4.splat(0);
      let pb = B + (<usize>j << 2);
      let off: usize = 0;
      for (let p = 0; p < K; p++) {
        const b = width == 4 ? v128.load(pb) : loadPartial(pb, width);
        c0v = f32x4.add(c0v, f32x4.mul(f32x4.splat(load<f32>(a0 + off)), b));
        c1v = f32x4.add(c1v, f32x4.mul(f32x4.splat(load<f32>(a1 + off)), b));
        c2v = f32x4.add(c2v, f32x4.mul(f32x4.splat(load<f32>(a2 + off)), b));
        c3v = f32x4.add(c3v, f32x4.mul(f32x4.splat(load<f32>(a3 + off)), b));
        pb += bStep;
        off += aStep;
      }
      const pc = c0 + (<usize>j << 2);
      if (width == 4) {
        storeTile(pc, c0v, accumulate);
        storeTile(pc + bStep, c1v, accumulate);
        storeTile(pc + 2 * bStep, c2v, accumulate);
        storeTile(pc + 3 * bStep, c3v, accumulate);
      } else {
        storePartial(pc, c0v, width, accumulate);
        storePartial(pc + bStep, c1v, width, accumulate);
        storePartial(pc + 2 * bStep, c2v, width, accumulate);
        storePartial(pc + 3 * bStep, c3v, width, accumulate);
      }
    }
  }
  for (; i < M; i++) {
    const a0 = A + ((<usize>i * rowStride) << 2);
    const c0 = C + ((<usize>i * N) << 2);
    for (let j = 0; j < N; j += 4) {
      const width = min(4, N - j);
      let acc = f32x4.splat(0);
      let pb = B + (<usize>j << 2);
      let off: usize = 0;
      for (let p = 0; p < K; p++) {
        const b = width == 4 ? v128.load(pb) : loadPartial(pb, width);
        acc = f32x4.add(acc, f32x4.mul(f32x4.splat(load<f32>(a0 + off)), b));
        pb += bStep;
        off += aStep;
      }
      const pc = c0 + (<usize>j << 2);
      if (width == 4) storeTile(pc, acc, accumulate);
      else storePartial(pc, acc, width, accumulate);
    }
  }
}

// Sums the four lanes of an f32x4.
// @ts-ignore: decorator
@inline function horizontalSum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)
       + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

// Dot product of two contiguous f32 runs of length K (4 lanes at a time, then a scalar tail).
// @ts-ignore: decorator
@inline function dotContiguous(a: usize, b: usize, K: i32): f32 {
  let acc = f32x4.splat(0);
  let p = 0;
  for (; p + 4 <= K; p += 4) {
    const off = <usize>p << 2;
    acc = f32x4.add(acc, f32x4.mul(v128.load(a + off), v128.load(b + off)));
  }
  let sum = horizontalSum(acc);
  for (; p < K; p++) sum += load<f32>(a + (<usize>p << 2)) * load<f32>(b + (<usize>p << 2));
  return sum;
}

// C (M×N) = A·Bᵀ with A stored M×K and B stored N×K: every output is a dot product of two
// contiguous rows, so we vectorise along K and reuse each loaded A vector for four rows of B.
function gemmDotNT(M: i32, N: i32, K: i32, A: usize, B: usize, C: usize, accumulate: i32): void {
  const rowBytes = <usize>K << 2;
  for (let i = 0; i < M; i++) {
    const a = A + <usize>i * rowBytes;
    const c = C + ((<usize>i * N) << 2);
    let j = 0;
    for (; j + 4 <= N; j += 4) {
      const b0 = B + <usize>j * rowBytes, b1 = b0 + rowBytes, b2 = b1 + rowBytes, b3 = b2 + rowBytes;
      let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
      let p = 0;
      for (; p + 4 <= K; p += 4) {
        const off = <usize>p << 2;
        const x = v128.load(a + off);
        s0 = f32x4.add(s0, f32x4.mul(x, v128.load(b0 + off)));
        s1 = f32x4.add(s1, f32x4.mul(x, v128.load(b1 + off)));
        s2 = f32x4.add(s2, f32x4.mul(x, v128.load(b2 + off)));
        s3 = f32x4.add(s3, f32x4.mul(x, v128.load(b3 + off)));
      }
      let d0 = horizontalSum(s0), d1 = horizontalSum(s1), d2 = horizontalSum(s2), d3 = horizontalSum(s3);
      for (; p < K; p++) {
        const off = <usize>p << 2;
        const x = load<f32>(a + off);
        d0 += x * load<f32>(b0 + off); d1 += x * load<f32>(b1 + off);
        d2 += x * load<f32>(b2 + off); d3 += x * load<f32>(b3 + off);
      }
      storeTile(c + (<usize>j << 2), f32x4(d0, d1, d2, d3), accumulate);
    }
    for (; j < N; j++) {
      const acc = dotContiguous(a, B + <usize>j * rowBytes, K);
      const pc = c + (<usize>j << 2);
      store<f32>(pc, accumulate ? load<f32>(pc) + acc : acc);
    }
  }
}
