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

// ---- Vector helpers shared by the GEMM kernels (and dense.ts). -----------------------------------

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

// Stores a finished accumulator, adding what C already holds when accumulating.
// @ts-ignore: decorator
@inline export function storeTile(pc: usize, acc: v128, accumulate: i32): void {
  finish(pc, acc, 0, accumulate, 0, 0);
}

// ---- NN and TN: C = op(A)·B with B stored K×N. ---------------------------------------------------

// Depth of one K panel: the slice of op(A) and B a pass over all tiles reads stays in L2
// (128 rows of a 784-wide A are 392 KiB), instead of streaming all of K once per tile.
export const DEPTH_PANEL = 128;

// Widest N the transposed tiles take (one f32x4 accumulator per column of C, see transposedTile).
export const TRANSPOSED_MAX_N = 10;

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
  const blockCols = packed ? PACK_COLUMNS : N, cRow = <usize>N << 2;
  for (let j0 = 0; j0 < N; j0 += blockCols) {
    const cols = min(blockCols, N - j0), c = C + (<usize>j0 << 2), pbias = bias ? bias + (<usize>j0 << 2) : 0;
    for (let p0 = 0; p0 < K; p0 += DEPTH_PANEL) {
      const depth = min(DEPTH_PANEL, K - p0);
      const a = A + ((<usize>p0 * depthStride) << 2);
      let b = B + ((<usize>p0 * N + j0) << 2), bRow = cRow, bStrip: usize = 32;
      if (packed) {
        packB(scratch, b, cRow, depth, cols);
        b = scratch; bRow = 32; bStrip = PACK_STRIP_BYTES;
      }
      const acc = p0 == 0 ? accumulate : 1;
      const last = p0 + depth == K;
      if (transA) gemmPanelT(M, cols, depth, lda, a, b, bRow, bStrip, c, cRow, acc, last ? pbias : 0, last ? relu : 0, transposed, packed ? scratch + PACK_STRIPS_BYTES : 0);
      else gemmPanelN(M, cols, depth, lda, a, b, bRow, bStrip, c, cRow, acc, last ? pbias : 0, last ? relu : 0);
    }
  }
}

// One K panel of depth K with A stored M×lda (rows of op(A) are rows of A, lda elements apart).
// B's layout (bRow, bStrip) and C's row stride cRow (bytes) are as in rowTiles.
function gemmPanelN(
  M: i32, N: i32, K: i32, lda: i32, A: usize, B: usize, bRow: usize, bStrip: usize, C: usize, cRow: usize,
  accumulate: i32, bias: usize, relu: i32,
): void {
  const aRow = <usize>lda << 2;
  for (let i = 0; i < M; i += 4) {
    rowTiles(min(4, M - i), 0, N, K, A + <usize>i * aRow, aRow, 4, B, bRow, bStrip, C + <usize>i * cRow, cRow, accumulate, bias, relu);
  }
}

// One K panel with A stored K×lda: the rows of op(A) at one depth are adjacent in memory, so
// when N is small (transposed, B then in place) a block of eight rows is two vectors and the
// transposed tiles apply. Otherwise a tile's four rows are 16 bytes per depth, 4·lda bytes apart;
// with aTile ≠ 0 (B packed, so the tile is about to serve many strips) each whole tile is first
// copied there, 16 contiguous bytes per depth, which L1 keeps across the strips (at lda = 1024
// every depth of the tile in place would map to the same L1 set and page).
function gemmPanelT(
  M: i32, N: i32, K: i32, lda: i32, A: usize, B: usize, bRow: usize, bStrip: usize, C: usize, cRow: usize,
  accumulate: i32, bias: usize, relu: i32, transposed: bool, aTile: usize,
): void {
  const aDepth = <usize>lda << 2;
  let i = 0;
  if (transposed) {
    for (; i + 8 <= M; i += 8) transposedTile(N, 8, K, A + (<usize>i << 2), aDepth, B, bRow, C + <usize>i * cRow, cRow, accumulate, bias, relu);
  }
  if (aTile) {
    for (; i + 4 <= M; i += 4) {
      packTileT(aTile, A + (<usize>i << 2), aDepth, K);
      rowTiles(4, 1, N, K, aTile, 4, 16, B, bRow, bStrip, C + <usize>i * cRow, cRow, accumulate, bias, relu);
    }
  }
  for (; i < M; i += 4) {
    rowTiles(min(4, M - i), 1, N, K, A + (<usize>i << 2), 4, aDepth, B, bRow, bStrip, C + <usize>i * cRow, cRow, accumulate, bias, relu);
  }
}

// `rows` (1 to 4) rows of C = A·B over all N columns, with the rows of A adjacent: row r at
// a + 4r bytes (immediate offsets), the whole block advancing aDepth bytes per step of K (the
// packed panels of dense.ts), then C's epilogue (see finish; bias ≠ 0 points at bias[0]). B is
// K×N, C is rows×N (row strides N).
export function tilesAdjacent(
  rows: i32, N: i32, K: i32, a: usize, aDepth: usize, B: usize, c: usize,
  accumulate: i32, bias: usize, relu: i32,
): void {
  rowTiles(rows, 1, N, K, a, 4, aDepth, B, <usize>N << 2, 32, c, <usize>N << 2, accumulate, bias, relu);
}

// `rows` (1 to 4) rows × N columns of C (row stride cRow bytes) = A·B over depth K, A read as in
// rowBlock. B's 8-column strips sit bStrip bytes apart, each of its depth rows bRow bytes apart:
// column j at depth p is at B + (j >> 3)·bStrip + p·bRow + 4·(j & 7). B in place (K×N) is
// bRow = 4N, bStrip = 32; packed (packB), bRow = 32, bStrip = PACK_STRIP_BYTES. The shape is
// dispatched once to a constant-shape body.
function rowTiles(
  rows: i32, adjacent: i32, N: i32, K: i32, a: usize, aRow: usize, aDepth: usize,
  B: usize, bRow: usize, bStrip: usize, c: usize, cRow: usize, accumulate: i32, bias: usize, relu: i32,
): void {
  if (adjacent) {
    if (rows == 4) rowBlock(4, 1, N, K, a, 4, aDepth, B, bRow, bStrip, c, cRow, accumulate, bias, relu);
    else if (rows == 3) rowBlock(3, 1, N, K, a, 4, aDepth, B, bRow, bStrip, c, cRow, accumulate, bias, relu);
    else if (rows == 2) rowBlock(2, 1, N, K, a, 4, aDepth, B, bRow, bStrip, c, cRow, accumulate, bias, relu);
    else rowBlock(1, 1, N, K, a, 4, aDepth, B, bRow, bStrip, c, cRow, accumulate, bias, relu);
  } else {
    if (rows == 4) rowBlock(4, 0, N, K, a, aRow, 4, B, bRow, bStrip, c, cRow, accumulate, bias, relu);
    else if (rows == 3) rowBlock(3, 0, N, K, a, aRow, 4, B, bRow, bStrip, c, cRow, accumulate, bias, relu);
    else if (rows == 2) rowBlock(2, 0, N, K, a, aRow, 4, B, bRow, bStrip, c, cRow, accumulate, bias, relu);
    else rowBlock(1, 0, N, K, a, aRow, 4, B, bRow, bStrip, c, cRow, accumulate, bias, relu);
  }
}

// `rows` (1 to 4) rows of C, all N columns: 8-column tiles, then a 4-column tile, then a 1- to
// 3-column tail. `rows` and `adjacent` are compile-time constants at every call, so each
// instance keeps only the accumulators it needs: 2·rows f32x4 in registers for the whole panel
// (V8 allocates 15 XMM registers; 4 rows × 8 columns + 2 B vectors + a splat + a product is the
// widest tile that does not spill). adjacent = 1: row r of A at a + 4r bytes (TN, immediate
// offsets); 0: at a + r·aRow (NN). aRow, aDepth and B's layout (see rowTiles) are in bytes.
// @ts-ignore: decorator
@inline function rowBlock(
  rows: i32, adjacent: i32, N: i32, K: i32, a: usize, aRow: usize, aDepth: usize,
  B: usize, bRow: usize, bStrip: usize, c: usize, cRow: usize, accumulate: i32, bias: usize, relu: i32,
): void {
  let j = 0, pb = B;
  for (; j + 8 <= N; j += 8) {
    tile(rows, adjacent, 2, 0, K, a, aRow, aDepth, pb, bRow, c + (<usize>j << 2), cRow, accumulate, bias ? bias + (<usize>j << 2) : 0, relu);
    pb += bStrip;
  }
  // What is left (≤ 7 columns) lies in one strip.
  if (j + 4 <= N) {
    tile(rows, adjacent, 1, 0, K, a, aRow, aDepth, pb, bRow, c + (<usize>j << 2), cRow, accumulate, bias ? bias + (<usize>j << 2) : 0, relu);
    j += 4;
    pb += 16;
  }
  const width = N - j, pc = c + (<usize>j << 2), pbias = bias ? bias + (<usize>j << 2) : 0;
  if (width == 3) tile(rows, adjacent, 1, 3, K, a, aRow, aDepth, pb, bRow, pc, cRow, accumulate, pbias, relu);
  else if (width == 2) tile(rows, adjacent, 1, 2, K, a, aRow, aDepth, pb, bRow, pc, cRow, accumulate, pbias, relu);
  else if (width == 1) tile(rows, adjacent, 1, 1, K, a, aRow, aDepth, pb, bRow, pc, cRow, accumulate, pbias, relu);
}

// One tile: `rows` × (4·vectors) columns, or rows × partial columns when partial (1 to 3) is set
// (then vectors = 1). All four shape arguments are compile-time constants. K ≥ 1. B's depth rows
// are bRow bytes apart, C's rows cRow bytes apart.
// @ts-ignore: decorator
@inline function tile(
  rows: i32, adjacent: i32, vectors: i32, partial: i32, K: i32,
  a: usize, aRow: usize, aDepth: usize, b: usize, bRow: usize, c: usize, cRow: usize,
  accumulate: i32, bias: usize, relu: i32,
): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  // NN reads each row of A through its own pointer; TN reads all rows through one.
  let a0 = a, a1 = a + aRow, a2 = a + 2 * aRow, a3 = a + 3 * aRow;
  let pb = b;
  const end = b + <usize>K * bRow;
  do {
    const b0 = partial ? loadPartial(pb, partial) : v128.load(pb);
    const b1 = vectors > 1 ? v128.load(pb, 16) : b0;
    let x = v128.load32_splat(a0);
    c00 = f32x4.add(c00, f32x4.mul(x, b0));
    if (vectors > 1) c01 = f32x4.add(c01, f32x4.mul(x, b1));
    if (rows > 1) {
      x = adjacent ? v128.load32_splat(a0, 4) : v128.load32_splat(a1);
      c10 = f32x4.add(c10, f32x4.mul(x, b0));
      if (vectors > 1) c11 = f32x4.add(c11, f32x4.mul(x, b1));
    }
    if (rows > 2) {
      x = adjacent ? v128.load32_splat(a0, 8) : v128.load32_splat(a2);
      c20 = f32x4.add(c20, f32x4.mul(x, b0));
      if (vectors > 1) c21 = f32x4.add(c21, f32x4.mul(x, b1));
    }
    if (rows > 3) {
      x = adjacent ? v128.load32_splat(a0, 12) : v128.load32_splat(a3);
      c30 = f32x4.add(c30, f32x4.mul(x, b0));
      if (vectors > 1) c31 = f32x4.add(c31, f32x4.mul(x, b1));
    }
    a0 += aDepth;
    if (!adjacent) {
      if (rows > 1) a1 += aDepth;
      if (rows > 2) a2 += aDepth;
      if (rows > 3) a3 += aDepth;
    }
    pb += bRow;
  } while (pb < end);
  finish(c, c00, partial, accumulate, bias, relu);
  if (vectors > 1) finish(c + 16, c01, 0, accumulate, bias ? bias + 16 : 0, relu);
  if (rows > 1) {
    finish(c + cRow, c10, partial, accumulate, bias, relu);
    if (vectors > 1) finish(c + cRow + 16, c11, 0, accumulate, bias ? bias + 16 : 0, relu);
  }
  if (rows > 2) {
    finish(c + 2 * cRow, c20, partial, accumulate, bias, relu);
    if (vectors > 1) finish(c + 2 * cRow + 16, c21, 0, accumulate, bias ? bias + 16 : 0, relu);
  }
  if (rows > 3) {
    finish(c + 3 * cRow, c30, partial, accumulate, bias, relu);
    if (vectors > 1) finish(c + 3 * cRow + 16, c31, 0, accumulate, bias ? bias + 16 : 0, relu);
  }
}

// ---- Packing for NN and TN products too wide for B to be read in place. --------------------------

// Columns of B one packed block holds: DEPTH_PANEL × PACK_COLUMNS floats, 256 KiB, stay in Zen 5's
// 1 MiB L2 while every row tile of A streams past them (2048³: 46 GFLOP/s, against 42 with 256
// columns and 41 with 1024).
export const PACK_COLUMNS = 512;

// Bytes from one packed 8-column strip to the next: DEPTH_PANEL depths of 32 bytes, plus a cache
// line so that strips are not 4 KiB apart. packB stores one depth row into every strip in turn;
// 4 KiB apart, all those stores would fall in one L1 set (packing measured 4× slower).
const PACK_STRIP_BYTES: usize = DEPTH_PANEL * 32 + 64;
const PACK_STRIPS_BYTES: usize = <usize>(PACK_COLUMNS / 8) * PACK_STRIP_BYTES;

// Bytes of one thread's pack block: B's strips, then one TN tile of A (see gemmPanelT).
export const PACK_BLOCK_BYTES: usize = PACK_STRIPS_BYTES + DEPTH_PANEL * 16;

// The pack blocks, one per thread index the threads build can be given (src/threads.ts
// MAX_THREADS; a direct call is thread 0), one in the SIMD build, none in the scalar build, which
// never packs. They are static data, so the host's arena starts past them (index.ts arena_base)
// and plans nothing for them. The build assumes imported memory starts zeroed (asconfig.json
// zeroFilledMemory), so these zero bytes are no data segment: the binary stays small, and a worker
// instantiating the module over shared memory cannot clear a block another thread is using.
export const PACK_SLOTS: i32 = ASC_FEATURE_SIMD ? (ASC_FEATURE_THREADS ? 16 : 1) : 0;
const PACK_SCRATCH: usize = PACK_SLOTS ? memory.data(<i32>(<usize>PACK_SLOTS * PACK_BLOCK_BYTES), 64) : 0;

// Thread t's pack block, or 0 (read B in place) past the reserved slots.
export function packScratch(t: i32): usize {
  return t < PACK_SLOTS ? PACK_SCRATCH + <usize>t * PACK_BLOCK_BYTES : 0;
}

// Packing copies B once per call and pays that back a little on every row tile of A that reads
// the packed strips, so it needs enough rows (M, or a thread's share of them), and a B that is slow
// in place. From N = PACK_PAGED_N (4 KiB rows) each depth of a strip read in place sits on its own
// page, a panel's 128 pages overflow the L1 TLB, and in-place tiles run at about half speed
// (1024³: 27 against 47 GFLOP/s packed), so packing pays from 8 rows on (NN 8×1024×1024: 29 → 38
// GFLOP/s; 4 rows: even). Narrower B is fast in place: packing gains a few percent from 32 rows
// (NN 512³: 47 → 51) and loses below (NN 16×512×784: 46 → 29, 4×256×784: 54 → 34). Below
// PACK_MIN_N columns, which covers every layer of the MNIST MLPs (N ≤ 128), B stays in place.
const PACK_MIN_N = 256, PACK_MIN_M = 32, PACK_PAGED_N = 1024, PACK_PAGED_MIN_M = 8;

// @ts-ignore: decorator
@inline export function packPays(M: i32, N: i32): bool {
  return N >= PACK_PAGED_N ? M >= PACK_PAGED_MIN_M : N >= PACK_MIN_N && M >= PACK_MIN_M;
}

// Copies the 4 adjacent floats at a + p·aDepth (bytes), p < depth, to dst + 16p.
function packTileT(dst: usize, a: usize, aDepth: usize, depth: i32): void {
  const end = dst + (<usize>depth << 4);
  for (let out = dst, pa = a; out < end; out += 16, pa += aDepth) v128.store(out, v128.load(pa));
}

// Copies the depth × cols block of B at b (depth ≤ DEPTH_PANEL rows bRow bytes apart, cols ≤
// PACK_COLUMNS) to dst as 8-column strips, each depth-major: column j at depth p goes to
// dst + (j >> 3)·PACK_STRIP_BYTES + 32p + 4·(j & 7), the layout rowTiles reads with bRow = 32 and
// bStrip = PACK_STRIP_BYTES. A last strip narrower than 8 columns leaves its other lanes unwritten:
// only the 4-column and partial tiles read it, and never there. B is read row by row,
// sequentially, as the hardware prefetchers like it.
function packB(dst: usize, b: usize, bRow: usize, depth: i32, cols: i32): void {
  const full = cols & ~7;
  for (let p = 0; p < depth; p++) {
    const src = b + <usize>p * bRow;
    let out = dst + (<usize>p << 5), j = 0;
    for (; j < full; j += 8) {
      v128.store(out, v128.load(src + (<usize>j << 2)));
      v128.store(out, v128.load(src + (<usize>j << 2), 16), 16);
      out += PACK_STRIP_BYTES;
    }
    for (let k = 0; j < cols; j++, k++) store<f32>(out + (<usize>k << 2), load<f32>(src + (<usize>j << 2)));
  }
}

// ---- Transposed tiles: rows of C as the lanes, one accumulator per row quad and column. -------

// Rows i..i+7 (two quads of lanes) × all N (≤ TRANSPOSED_MAX_N) columns of C = op(A)·B, with the
// eight rows of op(A) at depth p two vectors at a + p·aDepth (bytes) and B[p, j] splat from B's
// row p (bRow bytes apart): C[i..i+3, j] += A-vector · B[p, j]. Every lane does useful work, where
// row tiles waste the lanes of a partial vector (N = 10 runs as 8 + 4 lanes), and there are no
// horizontal sums; the accumulators are transposed back to rows of C (4×4 blocks) in the
// epilogue. Columns go four at a time: two A vectors + four splats + eight accumulators + a
// product fill V8's 15 XMM registers (it issues a step's loads before its arithmetic). Only the
// first `rows` (1 to 8) rows are stored, so a caller that pads A's vectors (dense.ts's packed
// panels) may pass fewer; with rows ≤ 4 the second quad is neither loaded nor computed.
// cRow is C's row stride in bytes; bias ≠ 0 points at bias[0]. K ≥ 1.
export function transposedTile(
  N: i32, rows: i32, K: i32, a: usize, aDepth: usize, b: usize, bRow: usize, c: usize, cRow: usize,
  accumulate: i32, bias: usize, relu: i32,
): void {
  let j = 0;
  for (; j + 4 <= N; j += 4) {
    const off = <usize>j << 2, pbias = bias ? bias + off : 0;
    if (rows > 4) transposedBody(2, 4, rows, K, a, aDepth, b + off, bRow, c + off, cRow, accumulate, pbias, relu);
    else transposedBody(1, 4, rows, K, a, aDepth, b + off, bRow, c + off, cRow, accumulate, pbias, relu);
  }
  const width = N - j, off = <usize>j << 2, pbias = bias ? bias + off : 0;
  if (width == 0) return;
  if (rows > 4) {
    if (width == 3) transposedBody(2, 3, rows, K, a, aDepth, b + off, bRow, c + off, cRow, accumulate, pbias, relu);
    else if (width == 2) transposedBody(2, 2, rows, K, a, aDepth, b + off, bRow, c + off, cRow, accumulate, pbias, relu);
    else transposedBody(2, 1, rows, K, a, aDepth, b + off, bRow, c + off, cRow, accumulate, pbias, relu);
  } else {
    if (width == 3) transposedBody(1, 3, rows, K, a, aDepth, b + off, bRow, c + off, cRow, accumulate, pbias, relu);
    else if (width == 2) transposedBody(1, 2, rows, K, a, aDepth, b + off, bRow, c + off, cRow, accumulate, pbias, relu);
    else transposedBody(1, 1, rows, K, a, aDepth, b + off, bRow, c + off, cRow, accumulate, pbias, relu);
  }
}

// One column block of transposedTile: `quads` (1 or 2) row quads × `cols` (1 to 4) columns, both
// compile-time constants.
// @ts-ignore: decorator
@inline function transposedBody(
  quads: i32, cols: i32, rows: i32, K: i32, a: usize, aDepth: usize, b: usize, bRow: usize, c: usize, cRow: usize,
  accumulate: i32, bias: usize, relu: i32,
): void {
  let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
  let t0 = f32x4.splat(0), t1 = f32x4.splat(0), t2 = f32x4.splat(0), t3 = f32x4.splat(0);
  let pa = a, pb = b;
  const end = b + <usize>K * bRow;
  do {
    const x = v128.load(pa);
    const y = quads > 1 ? v128.load(pa, 16) : x;
    let w = v128.load32_splat(pb);
    s0 = f32x4.add(s0, f32x4.mul(x, w));
    if (quads > 1) t0 = f32x4.add(t0, f32x4.mul(y, w));
    if (cols > 1) {
      w = v128.load32_splat(pb, 4);
      s1 = f32x4.add(s1, f32x4.mul(x, w));
      if (quads > 1) t1 = f32x4.add(t1, f32x4.mul(y, w));
    }
    if (cols > 2) {
      w = v128.load32_splat(pb, 8);
      s2 = f32x4.add(s2, f32x4.mul(x, w));
      if (quads > 1) t2 = f32x4.add(t2, f32x4.mul(y, w));
    }
    if (cols > 3) {
      w = v128.load32_splat(pb, 12);
      s3 = f32x4.add(s3, f32x4.mul(x, w));
      if (quads > 1) t3 = f32x4.add(t3, f32x4.mul(y, w));
    }
    pa += aDepth;
    pb += bRow;
  } while (pb < end);
  transposeStore(cols, min(rows, 4), s0, s1, s2, s3, c, cRow, accumulate, bias, relu);
  if (quads > 1) transposeStore(cols, rows - 4, t0, t1, t2, t3, c + 4 * cRow, cRow, accumulate, bias, relu);
}

// Columns j..j+width−1 (width 1 to 4, constant) of four rows: s_k holds column j+k of the rows
// as lanes; transposed 4×4, row r's vector is stored at c + r·cRow for r < rows.
// @ts-ignore: decorator
@inline function transposeStore(
  width: i32, rows: i32, s0: v128, s1: v128, s2: v128, s3: v128, c: usize, cRow: usize,
  accumulate: i32, bias: usize, relu: i32,
): void {
  const t0 = i32x4.shuffle(s0, s1, 0, 4, 1, 5), t1 = i32x4.shuffle(s2, s3, 0, 4, 1, 5);
  const t2 = i32x4.shuffle(s0, s1, 2, 6, 3, 7), t3 = i32x4.shuffle(s2, s3, 2, 6, 3, 7);
  const w = width == 4 ? 0 : width;
  finish(c, i32x4.shuffle(t0, t1, 0, 1, 4, 5), w, accumulate, bias, relu);
  if (rows > 1) finish(c + cRow, i32x4.shuffle(t0, t1, 2, 3, 6, 7), w, accumulate, bias, relu);
  if (rows > 2) finish(c + 2 * cRow, i32x4.shuffle(t2, t3, 0, 1, 4, 5), w, accumulate, bias, relu);
  if (rows > 3) finish(c + 3 * cRow, i32x4.shuffle(t2, t3, 2, 3, 6, 7), w, accumulate, bias, relu);
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
function gemmDotNT(M: i32, N: i32, K: i32, A: usize, B: usize, C: usize, accumulate: i32, mask: usize): void {
  const kBytes = <usize>K << 2, cRow = <usize>N << 2;
  let i = 0;
  for (; i + 2 <= M; i += 2) {
    dotRows(2, N, K, A + <usize>i * kBytes, B, C + <usize>i * cRow, kBytes, cRow, accumulate, mask ? mask + <usize>i * cRow : 0);
  }
  if (i < M) dotRows(1, N, K, A + <usize>i * kBytes, B, C + <usize>i * cRow, kBytes, cRow, accumulate, mask ? mask + <usize>i * cRow : 0);
}

// `rows` (1 or 2, constant) rows of C = A·Bᵀ: four columns at a time, then one at a time.
// @ts-ignore: decorator
@inline function dotRows(
  rows: i32, N: i32, K: i32, a: usize, B: usize, c: usize, kBytes: usize, cRow: usize, accumulate: i32, mask: usize,
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
      s00 = f32x4.add(s00, f32x4.mul(x0, y0)); s01 = f32x4.add(s01, f32x4.mul(x0, y1));
      s02 = f32x4.add(s02, f32x4.mul(x0, y2)); s03 = f32x4.add(s03, f32x4.mul(x0, y3));
      if (rows > 1) {
        const x1 = v128.load(a + kBytes + off);
        s10 = f32x4.add(s10, f32x4.mul(x1, y0)); s11 = f32x4.add(s11, f32x4.mul(x1, y1));
        s12 = f32x4.add(s12, f32x4.mul(x1, y2)); s13 = f32x4.add(s13, f32x4.mul(x1, y3));
      }
    }
    if (tail) {
      const y0 = loadTail(b0 + kMain, tail), y1 = loadTail(b1 + kMain, tail);
      const y2 = loadTail(b2 + kMain, tail), y3 = loadTail(b3 + kMain, tail);
      const x0 = loadTail(a + kMain, tail);
      s00 = f32x4.add(s00, f32x4.mul(x0, y0)); s01 = f32x4.add(s01, f32x4.mul(x0, y1));
      s02 = f32x4.add(s02, f32x4.mul(x0, y2)); s03 = f32x4.add(s03, f32x4.mul(x0, y3));
      if (rows > 1) {
        const x1 = loadTail(a + kBytes + kMain, tail);
        s10 = f32x4.add(s10, f32x4.mul(x1, y0)); s11 = f32x4.add(s11, f32x4.mul(x1, y1));
        s12 = f32x4.add(s12, f32x4.mul(x1, y2)); s13 = f32x4.add(s13, f32x4.mul(x1, y3));
      }
    }
    const off = <usize>j << 2;
    finishMasked(c + off, sumLanes4(s00, s01, s02, s03), 0, accumulate, mask + off, masked);
    if (rows > 1) finishMasked(c + cRow + off, sumLanes4(s10, s11, s12, s13), 0, accumulate, mask + cRow + off, masked);
  }
  for (; j < N; j++) {
    const b0 = B + <usize>j * kBytes;
    let s0 = f32x4.splat(0), s1 = f32x4.splat(0);
    for (let off: usize = 0; off < kMain; off += 16) {
      const y = v128.load(b0 + off);
      s0 = f32x4.add(s0, f32x4.mul(v128.load(a + off), y));
      if (rows > 1) s1 = f32x4.add(s1, f32x4.mul(v128.load(a + kBytes + off), y));
    }
    if (tail) {
      const y = loadTail(b0 + kMain, tail);
      s0 = f32x4.add(s0, f32x4.mul(loadTail(a + kMain, tail), y));
      if (rows > 1) s1 = f32x4.add(s1, f32x4.mul(loadTail(a + kBytes + kMain, tail), y));
    }
    const sums = sumLanes4(s0, s1, s0, s1);
    const off = <usize>j << 2;
    finishMasked(c + off, sums, 1, accumulate, mask + off, masked);
    if (rows > 1) finishMasked(c + cRow + off, i32x4.shuffle(sums, sums, 1, 1, 1, 1), 1, accumulate, mask + cRow + off, masked);
  }
}

// The last `count` (1 to 3, runtime) floats at p, zero-padded: the K tail of a dot product.
// @ts-ignore: decorator
@inline function loadTail(p: usize, count: i32): v128 {
  let v = count == 1 ? v128.load32_zero(p) : v128.load64_zero(p);
  if (count == 3) v = v128.load32_lane(p, v, 2, 8);
  return v;
}

// C (M×N) = A·Bᵀ for short K (the input gradient δ·Wᵀ of a layer with few outputs): four columns
// of C at a time, C[i, j..j+3] = Σ_p A[i, p] · (B[j..j+3, p]), where the vector B[j..j+3, p] is
// assembled once per column block from four strided loads and reused for every row of A.
// K < NT_DOT_MIN_K, so the K vectors of a block (≤ 31) are rebuilt per block of rows instead of
// kept: rows go four at a time, so each assembled vector serves four rows.
function gemmNTShortK(M: i32, N: i32, K: i32, A: usize, B: usize, C: usize, accumulate: i32, mask: usize): void {
  const kBytes = <usize>K << 2, cRow = <usize>N << 2;
  let j = 0;
  for (; j + 4 <= N; j += 4) {
    const b0 = B + <usize>j * kBytes;
    let i = 0;
    for (; i + 4 <= M; i += 4) {
      const off = <usize>i * cRow + (<usize>j << 2);
      ntBlock(4, 4, K, A + <usize>i * kBytes, kBytes, b0, kBytes, C + off, cRow, accumulate, mask + off, mask != 0);
    }
    for (; i < M; i++) {
      const off = <usize>i * cRow + (<usize>j << 2);
      ntBlock(1, 4, K, A + <usize>i * kBytes, kBytes, b0, kBytes, C + off, cRow, accumulate, mask + off, mask != 0);
    }
  }
  const width = N - j;
  if (width == 0) return;
  const b0 = B + <usize>j * kBytes;
  for (let i = 0; i < M; i++) {
    const a = A + <usize>i * kBytes, off = <usize>i * cRow + (<usize>j << 2);
    if (width == 3) ntBlock(1, 3, K, a, kBytes, b0, kBytes, C + off, cRow, accumulate, mask + off, mask != 0);
    else if (width == 2) ntBlock(1, 2, K, a, kBytes, b0, kBytes, C + off, cRow, accumulate, mask + off, mask != 0);
    else ntBlock(1, 1, K, a, kBytes, b0, kBytes, C + off, cRow, accumulate, mask + off, mask != 0);
  }
}

// `rows` (1 or 4) rows × `width` (1 to 4) columns of C = A·Bᵀ, B's rows j..j+width−1 gathered
// into a vector per depth p. Both shape arguments are compile-time constants. K ≥ 1.
// @ts-ignore: decorator
@inline function ntBlock(
  rows: i32, width: i32, K: i32, a: usize, aRow: usize, b: usize, bRow: usize,
  c: usize, cRow: usize, accumulate: i32, pm: usize, masked: bool,
): void {
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
  for (let p = 0; p < K; p++) {
    const off = <usize>p << 2;
    let bv = v128.load32_zero(b + off);
    if (width > 1) bv = v128.load32_lane(b + bRow + off, bv, 1);
    if (width > 2) bv = v128.load32_lane(b + 2 * bRow + off, bv, 2);
    if (width > 3) bv = v128.load32_lane(b + 3 * bRow + off, bv, 3);
    c0 = f32x4.add(c0, f32x4.mul(v128.load32_splat(a + off), bv));
    if (rows > 1) {
      c1 = f32x4.add(c1, f32x4.mul(v128.load32_splat(a + aRow + off), bv));
      c2 = f32x4.add(c2, f32x4.mul(v128.load32_splat(a + 2 * aRow + off), bv));
      c3 = f32x4.add(c3, f32x4.mul(v128.load32_splat(a + 3 * aRow + off), bv));
    }
  }
  const w = width == 4 ? 0 : width;
  finishMasked(c, c0, w, accumulate, pm, masked);
  if (rows > 1) {
    finishMasked(c + cRow, c1, w, accumulate, pm + cRow, masked);
    finishMasked(c + 2 * cRow, c2, w, accumulate, pm + 2 * cRow, masked);
    finishMasked(c + 3 * cRow, c3, w, accumulate, pm + 3 * cRow, masked);
  }
}
