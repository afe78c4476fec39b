// Single-precision matrix multiply: C = op(A)·op(B), overwriting or accumulating into C. This file
// is the dispatch: which microkernel family runs which product, and the K-panel loop of NN and TN.
// The families, one file each, named by layout and register tile:
//   gemm-nn-4x8.ts  row tiles, 4 rows × 8 columns of C (NN, and TN through adjacent rows);
//   gemm-tn-8x4.ts  transposed tiles, 8 rows × 4 columns with rows as lanes (TN, N ≤ 10);
//   gemm-nt-2x4.ts  dot products along K, 2 rows of A × 4 rows of B (NT);
//   gemm-nt-4x4.ts  4×4 blocks of B transposed on the fly (NT with K < NT_DOT_MIN_K);
//   gemm-pack.ts    packing of B (and of TN tiles of A) for products too wide to read in place.
//
// Conventions shared by every kernel in assembly/:
//   - pointers are byte addresses in linear memory; sizes, counts and strides are in ELEMENTS,
//     except strides whose names end in Bytes;
//   - matrices are row-major and densely packed (leading dimension = column count);
//   - f32 buffers must be 4-byte aligned; SIMD loads are unaligned-safe, 16 bytes is merely faster;
//   - kernels trust their caller (the host validates shapes and bounds) and never allocate.
import { DEPTH_PANEL, PACK_COLUMNS, PACK_STRIP_BYTES, PACK_STRIPS_BYTES, packB, packPays, packScratch, packTileT } from "./gemm-pack";
import { rowTiles } from "./gemm-nn-4x8";
import { TRANSPOSED_MAX_N, transposedTile } from "./gemm-tn-8x4";
import { gemmDotNT } from "./gemm-nt-2x4";
import { gemmNTShortK } from "./gemm-nt-4x4";

// op(A) is M×K and op(B) is K×N; C is M×N.
//   transA = 0: A is stored M×K.   transA = 1: A is stored K×M (op(A) = Aᵀ).
//   transB = 0: B is stored K×N.   transB = 1: B is stored N×K (op(B) = Bᵀ).
// accumulate = 0 overwrites C; accumulate = 1 adds the product to C.
// Any M, N, K ≥ 1. C must not overlap A or B; A and B may alias each other (e.g. Aᵀ·A).
// NN and TN share one register-tiled SIMD path (4×8 tiles; only how A is read differs); NT takes
// dot products along K, or transposes 4×4 blocks of B on the fly when K is too short for them;
// TT, which training never needs, runs the scalar twin.
export function sgemm(
  transA: i32, transB: i32, M: i32, N: i32, K: i32,
  A: usize, B: usize, C: usize, accumulate: i32,
): void {
  if (ASC_FEATURE_SIMD) {
    if (transB == 0) {
      gemmTiledB(M, N, K, A, transA ? M : K, transA, B, C, accumulate, 0, 0, packScratch(0));
      return;
    }
    if (transA == 0) {
      gemmNT(M, N, K, A, B, C, accumulate, 0);
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

// ---- NN and TN: C = op(A)·B with B stored K×N. ---------------------------------------------------

// C (M×N) = op(A)·B, one K panel at a time; panels after the first accumulate, and the last one
// runs the bias and ReLU epilogue (see finish) when bias ≠ 0 or relu ≠ 0 (dense_forward). lda is
// A's row length in elements: K for NN (or more, for a block of A's rows), M for TN (or more, for
// a block of op(A)'s rows, as parallel.ts splits it). scratch is the calling thread's pack block
// (packScratch), or 0 to read B in place. With scratch, products for which packing pays
// (packPays) run GotoBLAS's loop order: for each block of PACK_COLUMNS columns, for each K panel,
// B's panel × block is copied once into tile-ordered strips (packB) that every row tile of A then
// reads from L2. Packing moves data only: every element of C sums the same products in the same
// order (panel by panel, p increasing within each), so C is bit-identical either way.
export function gemmTiledB(
  M: i32, N: i32, K: i32, A: usize, lda: i32, transA: i32, B: usize, C: usize, accumulate: i32, bias: usize, relu: i32,
  scratch: usize = 0,
): void {
  // Element (i, p) of op(A) sits at A + (i·rowStride + p·depthStride) elements.
  const depthStride = transA ? lda : 1;
  const transposed = transA != 0 && N <= TRANSPOSED_MAX_N;
  const packed = scratch != 0 && !transposed && packPays(M, N);
  const blockCols = packed ? PACK_COLUMNS : N, cRowBytes = <usize>N << 2;
  for (let j0 = 0; j0 < N; j0 += blockCols) {
    const cols = min(blockCols, N - j0), c = C + (<usize>j0 << 2), pbias = bias ? bias + (<usize>j0 << 2) : 0;
    for (let p0 = 0; p0 < K; p0 += DEPTH_PANEL) {
      const depth = min(DEPTH_PANEL, K - p0);
      const a = A + ((<usize>p0 * depthStride) << 2);
      let b = B + ((<usize>p0 * N + j0) << 2), bRowBytes = cRowBytes, bStripBytes: usize = 32;
      if (packed) {
        packB(scratch, b, cRowBytes, depth, cols);
        b = scratch; bRowBytes = 32; bStripBytes = PACK_STRIP_BYTES;
      }
      const acc = p0 == 0 ? accumulate : 1;
      const last = p0 + depth == K;
      if (transA) gemmPanelT(M, cols, depth, lda, a, b, bRowBytes, bStripBytes, c, cRowBytes, acc, last ? pbias : 0, last ? relu : 0, transposed, packed ? scratch + PACK_STRIPS_BYTES : 0);
      else gemmPanelN(M, cols, depth, lda, a, b, bRowBytes, bStripBytes, c, cRowBytes, acc, last ? pbias : 0, last ? relu : 0);
    }
  }
}

// One K panel of depth K with A stored M×lda (rows of op(A) are rows of A, lda elements apart).
// B's layout (bRowBytes, bStripBytes) and C's row stride cRowBytes are as in rowTiles.
function gemmPanelN(
  M: i32, N: i32, K: i32, lda: i32, A: usize, B: usize, bRowBytes: usize, bStripBytes: usize, C: usize, cRowBytes: usize,
  accumulate: i32, bias: usize, relu: i32,
): void {
  const aRowBytes = <usize>lda << 2;
  for (let i = 0; i < M; i += 4) {
    rowTiles(min(4, M - i), 0, N, K, A + <usize>i * aRowBytes, aRowBytes, 4, B, bRowBytes, bStripBytes, C + <usize>i * cRowBytes, cRowBytes, accumulate, bias, relu);
  }
}

// One K panel with A stored K×lda: the rows of op(A) at one depth are adjacent in memory, so
// when N is small (transposed, B then in place) a block of eight rows is two vectors and the
// transposed tiles apply. Otherwise a tile's four rows are 16 bytes per depth, 4·lda bytes apart;
// with aTile ≠ 0 (B packed, so the tile is about to serve many strips) each whole tile is first
// copied there, 16 contiguous bytes per depth, which L1 keeps across the strips (at lda = 1024
// every depth of the tile in place would map to the same L1 set and page).
function gemmPanelT(
  M: i32, N: i32, K: i32, lda: i32, A: usize, B: usize, bRowBytes: usize, bStripBytes: usize, C: usize, cRowBytes: usize,
  accumulate: i32, bias: usize, relu: i32, transposed: bool, aTile: usize,
): void {
  const aDepthBytes = <usize>lda << 2;
  let i = 0;
  if (transposed) {
    for (; i + 8 <= M; i += 8) transposedTile(N, 8, K, A + (<usize>i << 2), aDepthBytes, B, bRowBytes, C + <usize>i * cRowBytes, cRowBytes, accumulate, bias, relu);
  }
  if (aTile) {
    for (; i + 4 <= M; i += 4) {
      packTileT(aTile, A + (<usize>i << 2), aDepthBytes, K);
      rowTiles(4, 1, N, K, aTile, 4, 16, B, bRowBytes, bStripBytes, C + <usize>i * cRowBytes, cRowBytes, accumulate, bias, relu);
    }
  }
  for (; i < M; i += 4) {
    rowTiles(min(4, M - i), 1, N, K, A + (<usize>i << 2), 4, aDepthBytes, B, bRowBytes, bStripBytes, C + <usize>i * cRowBytes, cRowBytes, accumulate, bias, relu);
  }
}

// ---- NT: C = A·Bᵀ with A stored M×K and B stored N×K. --------------------------------------------

// Below this depth a dot product is mostly horizontal-sum overhead and scalar tail, so NT
// transposes B instead (gemmNTShortK).
const NT_DOT_MIN_K = 32;

// C (M×N) (+)= A·Bᵀ with A stored M×K and B stored N×K, then (mask ≠ 0) C ⊙= [mask > 0] with
// mask an M×N matrix laid out as C (see finishMasked). Used by sgemm (mask = 0) and by
// dense_backward_input.
export function gemmNT(M: i32, N: i32, K: i32, A: usize, B: usize, C: usize, accumulate: i32, mask: usize): void {
  if (K < NT_DOT_MIN_K) gemmNTShortK(M, N, K, A, B, C, accumulate, mask);
  else gemmDotNT(M, N, K, A, B, C, accumulate, mask);
}
