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

/** Whether rows of `width` bytes, `nonzero` of whose `bytes` bytes are not zero, are held as sparse rows unless told otherwise (fit's `auto`). */
export function sparseByDefault(nonzero: number, bytes: number, width: number): boolean {
  return width <= SPARSE_MAX_WIDTH && nonzero <= SPARSE_MAX_DENSITY * bytes;
}

/** Whether a Uint32Array reads bytes least significant first (it does on every platform simdnet targets). */
const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

/**
 * The whole 4-byte words of `bytes` (a view of its aligned middle, and where that starts in
 * `bytes`): both loops below skip a zero word at a time, which is most of an image's background.
 */
function wordsOf(bytes: Uint8Array): { words: Uint32Array; first: number } {
  const first = (4 - (bytes.byteOffset & 3)) & 3;
  const count = Math.max(0, Math.floor((bytes.length - first) / 4));
  return {
    words: count === 0 ? new Uint32Array(0) : new Uint32Array(bytes.buffer, bytes.byteOffset + first, count),
    first,
  };
}

/** Non-zero bytes in `pixels`: the length of the entries of their sparse rows. */
export function countNonzero(pixels: Uint8Array): number {
  const { words, first } = wordsOf(pixels);
  let count = 0;
  for (let i = 0; i < Math.min(first, pixels.length); i++) if (pixels[i] !== 0) count++;
  for (let w = 0; w < words.length; w++) {
    const word = words[w]!;
    if (word === 0) continue;
    // One bit per non-zero byte, at the bottom of each byte, then their sum in the top byte.
    let bits = word | (word >>> 1);
    bits |= bits >>> 2;
    bits = (bits | (bits >>> 4)) & 0x01010101;
    count += Math.imul(bits, 0x01010101) >>> 24;
  }
  for (let i = first + 4 * words.length; i < pixels.length; i++) if (pixels[i] !== 0) count++;
  return count;
}

/**
 * Writes the sparse rows of `pixels` (rows of `width` bytes) into `starts` (rows + 1 elements) and
 * `entries` (countNonzero(pixels) elements), e.g. views of arena tensors.
 */
export function packSparseRows(
  pixels: Uint8Array,
  width: number,
  starts: Int32Array,
  entries: Int32Array | Uint32Array,
): void {
  if (!Number.isInteger(width) || width < 1 || width > SPARSE_MAX_WIDTH) {
    throw new RangeError(`packSparseRows: width must be an integer in [1, ${SPARSE_MAX_WIDTH}], got ${width}`);
  }
  const rows = pixels.length / width;
  if (!Number.isInteger(rows))
    throw new RangeError(`packSparseRows: ${pixels.length} bytes are not whole rows of ${width}`);
  if (starts.length !== rows + 1)
    throw new RangeError(`packSparseRows: starts holds ${starts.length} offsets but ${rows} rows need ${rows + 1}`);
  const { words, first } = wordsOf(pixels);
  const overflow = () =>
    new RangeError(
      `packSparseRows: entries holds ${entries.length} elements, fewer than the ${countNonzero(pixels)} non-zero bytes`,
    );
  let at = 0;
  for (let r = 0, base = 0; r < rows; r++, base += width) {
    starts[r] = at;
    for (let i = base, end = base + width; i < end;) {
      if (i >= first && ((i - first) & 3) === 0 && i + 4 <= end) {
        // A whole word inside the row: nothing to do when it is zero, else its bytes in order.
        const word = words[(i - first) >> 2]!;
        for (let k = 0; word !== 0 && k < 4; k++) {
          const byte = LITTLE_ENDIAN ? (word >>> (8 * k)) & 255 : pixels[i + k]!;
          if (byte === 0) continue;
          if (at === entries.length) throw overflow();
          entries[at++] = ((i + k - base) << 8) | byte;
        }
        i += 4;
      } else {
        const byte = pixels[i]!;
        if (byte !== 0) {
          if (at === entries.length) throw overflow();
          entries[at++] = ((i - base) << 8) | byte;
        }
        i++;
      }
    }
  }
  starts[rows] = at;
  if (at !== entries.length)
    throw new RangeError(`packSparseRows: entries holds ${entries.length} elements but there are ${at} non-zero bytes`);
}
