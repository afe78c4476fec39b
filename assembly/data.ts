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
