// Packing for the NN and TN products (gemm.ts gemmTiledB) too wide for B to be read in place: a
// K panel × block of B copied into 8-column strips that the 4×8 row tiles (gemm-nn-4x8.ts) read
// from L2, and TN tiles of A copied to contiguous bytes. Packing moves data only.
// Conventions: see gemm.ts.
import { MAX_THREADS } from "./abi";

// Depth of one K panel: the slice of op(A) and B a pass over all tiles reads stays in L2
// (128 rows of a 784-wide A are 392 KiB), instead of streaming all of K once per tile.
export const DEPTH_PANEL = 128;

// Columns of B one packed block holds: DEPTH_PANEL × PACK_COLUMNS floats, 256 KiB, stay in Zen 5's
// 1 MiB L2 while every row tile of A streams past them (2048³: 46 GFLOP/s, against 42 with 256
// columns and 41 with 1024).
export const PACK_COLUMNS = 512;

// Bytes from one packed 8-column strip to the next: DEPTH_PANEL depths of 32 bytes, plus a cache
// line so that strips are not 4 KiB apart. packB stores one depth row into every strip in turn;
// 4 KiB apart, all those stores would fall in one L1 set (packing measured 4× slower).
export const PACK_STRIP_BYTES: usize = DEPTH_PANEL * 32 + 64;
export const PACK_STRIPS_BYTES: usize = <usize>(PACK_COLUMNS / 8) * PACK_STRIP_BYTES;

// Bytes of one thread's pack block: B's strips, then one TN tile of A (see gemmPanelT).
export const PACK_BLOCK_BYTES: usize = PACK_STRIPS_BYTES + DEPTH_PANEL * 16;

// The pack blocks, one per thread index the threads build can be given (MAX_THREADS,
// declared in src/abi.ts; a direct call is thread 0), one in the SIMD build, none in the scalar build, which
// never packs. They are static data, so the host's arena starts past them (index.ts arena_base)
// and plans nothing for them. The build assumes imported memory starts zeroed (asconfig.json
// zeroFilledMemory), so these zero bytes are no data segment: the binary stays small, and a worker
// instantiating the module over shared memory cannot clear a block another thread is using.
export const PACK_SLOTS: i32 = ASC_FEATURE_SIMD ? (ASC_FEATURE_THREADS ? MAX_THREADS : 1) : 0;
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

// Copies the 4 adjacent floats at a + p·aDepthBytes, p < depth, to dst + 16p.
export function packTileT(dst: usize, a: usize, aDepthBytes: usize, depth: i32): void {
  const end = dst + (<usize>depth << 4);
  for (let out = dst, pa = a; out < end; out += 16, pa += aDepthBytes) v128.store(out, v128.load(pa));
}

// Copies the depth × cols block of B at b (depth ≤ DEPTH_PANEL rows bRowBytes apart, cols ≤
// PACK_COLUMNS) to dst as 8-column strips, each depth-major: column j at depth p goes to
// dst + (j >> 3)·PACK_STRIP_BYTES + 32p + 4·(j & 7), the layout rowTiles reads with bRowBytes = 32 and
// bStripBytes = PACK_STRIP_BYTES. A last strip narrower than 8 columns leaves its other lanes unwritten:
// only the 4-column and partial tiles read it, and never there. B is read row by row,
// sequentially, as the hardware prefetchers like it.
export function packB(dst: usize, b: usize, bRowBytes: usize, depth: i32, cols: i32): void {
  const full = cols & ~7;
  for (let p = 0; p < depth; p++) {
    const src = b + <usize>p * bRowBytes;
    let out = dst + (<usize>p << 5), j = 0;
    for (; j < full; j += 8) {
      v128.store(out, v128.load(src + (<usize>j << 2)));
      v128.store(out, v128.load(src + (<usize>j << 2), 16), 16);
      out += PACK_STRIP_BYTES;
    }
    for (let k = 0; j < cols; j++, k++) store<f32>(out + (<usize>k << 2), load<f32>(src + (<usize>j << 2)));
  }
}
