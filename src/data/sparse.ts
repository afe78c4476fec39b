// Sparse u8 rows: a set of rows stored as their non-zero bytes only, the input format of the
// sparse_* kernels (assembly/sparse.ts). For `count` rows of `width` bytes:
//   starts   count + 1 offsets: row r's entries are entries[starts[r] … starts[r + 1]);
//   entries  (column << 8) | byte for every non-zero byte, columns increasing within a row.
// MNIST's digits are 81 % zero bytes, so a first layer that reads only the rest does a fifth of
// the work (and its sums equal the dense ones: a zero byte adds exactly nothing).

/**
 * Above this fraction of non-zero bytes the dense u8 kernels are faster than the sparse ones
 * (measured on MNIST-shaped rows, 10 and 128 outputs: the sparse kernels cost about 2.7× the dense
 * ones per byte they read, so they break even near 37 % non-zero; this keeps a margin). The sparse
 * form also needs 4 bytes per non-zero byte against 1 per byte, equal at 25 %.
 */
export const SPARSE_MAX_DENSITY = 0.3;

/** Widest row the entries' 24-bit column field can address. */
export const SPARSE_MAX_WIDTH = 1 << 23;

/** Non-zero bytes in `pixels`: the length of the entries of their sparse rows. */
export function countNonzero(pixels: Uint8Array): number {
  let count = 0;
  for (let i = 0; i < pixels.length; i++) if (pixels[i] !== 0) count++;
  return count;
}

/**
 * Writes the sparse rows of `pixels` (rows of `width` bytes) into `starts` (rows + 1 elements) and
 * `entries` (countNonzero(pixels) elements), e.g. views of arena tensors.
 */
export function packSparseRows(pixels: Uint8Array, width: number, starts: Int32Array, entries: Int32Array | Uint32Array): void {
  if (!Number.isInteger(width) || width < 1 || width > SPARSE_MAX_WIDTH) {
    throw new RangeError(`packSparseRows: width must be an integer in [1, ${SPARSE_MAX_WIDTH}], got ${width}`);
  }
  const rows = pixels.length / width;
  if (!Number.isInteger(rows)) throw new RangeError(`packSparseRows: ${pixels.length} bytes are not whole rows of ${width}`);
  if (starts.length !== rows + 1) throw new RangeError(`packSparseRows: starts holds ${starts.length} offsets but ${rows} rows need ${rows + 1}`);
  let at = 0;
  for (let r = 0, base = 0; r < rows; r++, base += width) {
    starts[r] = at;
    for (let c = 0; c < width; c++) {
      const byte = pixels[base + c]!;
      if (byte === 0) continue;
      if (at === entries.length) throw new RangeError(`packSparseRows: entries holds ${entries.length} elements, fewer than the ${countNonzero(pixels)} non-zero bytes`);
      entries[at++] = (c << 8) | byte;
    }
  }
  starts[rows] = at;
  if (at !== entries.length) throw new RangeError(`packSparseRows: entries holds ${entries.length} elements but there are ${at} non-zero bytes`);
}
