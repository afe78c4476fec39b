// Batch gathering: u8 pixels and labels stay resident in linear memory; each step gathers the
// rows it needs by index and converts them. Conventions: see gemm.ts (u8 buffers: no alignment).

// out[r, :] = pixels[indices[r], :] · scale for r < count, where pixels is a u8 matrix of rows of
// rowLength bytes and out an f32 count×rowLength matrix (scale = 1/255 maps bytes to [0, 1]).
// indices holds count i32 row numbers. out must not overlap pixels or indices. Overwrites out.
export function gather_images(
  out: usize, pixels: usize, indices: usize, count: i32, rowLength: i32, scale: f32,
): void {
  for (let r = 0; r < count; r++) {
    const src = pixels + <usize>load<i32>(indices + (<usize>r << 2)) * rowLength;
    const dst = out + ((<usize>r * rowLength) << 2);
    let c = 0;
    if (ASC_FEATURE_SIMD) {
      // The widened bytes are 0..255: the signed conversion (one x86 instruction; the unsigned
      // one is emulated with eight) gives the same floats.
      const s = f32x4.splat(scale);
      for (; c + 16 <= rowLength; c += 16) {
        const bytes = v128.load(src + c);
        const low = i16x8.extend_low_i8x16_u(bytes), high = i16x8.extend_high_i8x16_u(bytes);
        const d = dst + (<usize>c << 2);
        v128.store(d, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_u(low)), s));
        v128.store(d, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_u(low)), s), 16);
        v128.store(d, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_u(high)), s), 32);
        v128.store(d, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_u(high)), s), 48);
      }
    }
    convertBytes(dst, src, c, rowLength, scale);
  }
}

// Scalar twin of gather_images (same contract).
export function gather_images_scalar(
  out: usize, pixels: usize, indices: usize, count: i32, rowLength: i32, scale: f32,
): void {
  for (let r = 0; r < count; r++) {
    const src = pixels + <usize>load<i32>(indices + (<usize>r << 2)) * rowLength;
    convertBytes(out + ((<usize>r * rowLength) << 2), src, 0, rowLength, scale);
  }
}

// @ts-ignore: decorator
@inline function convertBytes(dst: usize, src: usize, from: i32, to: i32, scale: f32): void {
  for (let c = from; c < to; c++) store<f32>(dst + (<usize>c << 2), <f32>load<u8>(src + c) * scale);
}

// out[r] = labels[indices[r]] widened from u8 to i32, for r < count. out must not overlap the
// inputs. Overwrites out. Scalar: one byte per row is nothing to vectorise.
export function gather_labels(out: usize, labels: usize, indices: usize, count: i32): void {
  for (let r = 0; r < count; r++) {
    const row = load<i32>(indices + (<usize>r << 2));
    store<i32>(out + (<usize>r << 2), <i32>load<u8>(labels + <usize>row));
  }
}

// The non-zero bytes among the `bytes` bytes at pixels: the entries pack_sparse_u8 writes for them.
// Any alignment; bytes ≥ 0. Reads only. SIMD: 16 bytes compared with zero at once, their non-zero
// lanes counted from the compare's bitmask.
export function count_nonzero_u8(pixels: usize, bytes: i32): i32 {
  let count = 0, i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 16 <= bytes; i += 16) {
      count += popcnt(i8x16.bitmask(i8x16.ne(v128.load(pixels + i), i8x16.splat(0))));
    }
  }
  return count + countNonzeroBytes(pixels, i, bytes);
}

// Scalar twin of count_nonzero_u8 (same contract).
export function count_nonzero_u8_scalar(pixels: usize, bytes: i32): i32 {
  return countNonzeroBytes(pixels, 0, bytes);
}

// @ts-ignore: decorator
@inline function countNonzeroBytes(pixels: usize, from: i32, to: i32): i32 {
  let count = 0;
  for (let i = from; i < to; i++) count += <i32>(load<u8>(pixels + i) != 0);
  return count;
}

// The sparse rows (sparse.ts) of `rows` rows of `width` bytes at pixels, written from entry `first`
// on: starts[r] = first + the entries of the rows before r, for r ≤ rows, and entries[first + …] =
// (column << 8) | byte for every non-zero byte, columns increasing. Returns the entries written.
// Called chunk by chunk, the starts of one chunk's last row and the next chunk's first row are the
// same element and the same value. starts (rows + 1 i32) and entries (first + rows·width i32 at
// most) must not overlap pixels. width < 2²³. SIMD: 16 bytes compared with zero at once, and only
// their non-zero lanes visited, so a zero background costs a compare per 16 bytes.
export function pack_sparse_u8(starts: usize, entries: usize, pixels: usize, rows: i32, width: i32, first: i32): i32 {
  let n = first;
  for (let r = 0; r < rows; r++) {
    store<i32>(starts + (<usize>r << 2), n);
    const row = pixels + <usize>r * width;
    let c = 0;
    if (ASC_FEATURE_SIMD) {
      for (; c + 16 <= width; c += 16) {
        let lanes = i8x16.bitmask(i8x16.ne(v128.load(row + c), i8x16.splat(0)));
        while (lanes) {
          const column = c + ctz(lanes);
          store<u32>(entries + (<usize>n << 2), (<u32>column << 8) | load<u8>(row + column));
          n++;
          lanes &= lanes - 1;
        }
      }
    }
    n = packBytes(entries, row, c, width, n);
  }
  store<i32>(starts + (<usize>rows << 2), n);
  return n - first;
}

// Scalar twin of pack_sparse_u8 (same contract).
export function pack_sparse_u8_scalar(starts: usize, entries: usize, pixels: usize, rows: i32, width: i32, first: i32): i32 {
  let n = first;
  for (let r = 0; r < rows; r++) {
    store<i32>(starts + (<usize>r << 2), n);
    n = packBytes(entries, pixels + <usize>r * width, 0, width, n);
  }
  store<i32>(starts + (<usize>rows << 2), n);
  return n - first;
}

// Entries of the non-zero bytes row[from … to) from entry n on; returns the next entry.
// @ts-ignore: decorator
@inline function packBytes(entries: usize, row: usize, from: i32, to: i32, n: i32): i32 {
  for (let c = from; c < to; c++) {
    const byte = load<u8>(row + c);
    if (byte) {
      store<u32>(entries + (<usize>n << 2), (<u32>c << 8) | byte);
      n++;
    }
  }
  return n;
}
