// gather_images (and its scalar twin) and gather_labels against a reference gather; count_nonzero_u8
// and pack_sparse_u8 (and their twins) against a byte-by-byte reference count and packing.
//
// Tolerance: gather_images rounds once (f32(byte)·scale): max(1e-5, 1e-6·|ref|). With scale = 1 it
// must be exact, and gather_labels only copies, so it must be exact too.
import {
  count_nonzero_u8, count_nonzero_u8_scalar, gather_images, gather_images_scalar, gather_labels, pack_sparse_u8, pack_sparse_u8_scalar,
} from "../../assembly/data";
import { below, Buffer, close, fail, fillNaN, mismatch, nextU32, seed, shape2, SIZES } from "./helpers";

// Row lengths around the 16-byte vector of u8 pixels, and MNIST's 28·28.
const ROW_LENGTHS: i32[] = SIZES.concat([47, 48, 49, 784]);
const COUNTS: i32[] = [1, 2, 3, 5, 32];
const PIXEL_ROWS = 13;

// Random bytes: every value 0…255, so a sign-extending widening (200 → −56) shows.
function randomBytes(n: i32, offset: usize): Buffer<u8> {
  const bytes = new Buffer<u8>(n, offset);
  for (let i = 0; i < n; i++) bytes[i] = <u8>(nextU32() >>> 24);
  return bytes;
}

// Random row numbers in [0, PIXEL_ROWS), in any order and with repeats.
function randomIndices(count: i32): Buffer<i32> {
  const indices = new Buffer<i32>(count);
  for (let r = 0; r < count; r++) indices[r] = below(PIXEL_ROWS);
  return indices;
}

function at(name: string, count: i32, rowLength: i32, i: i32): string {
  return name + " count×rowLength = " + shape2(count, rowLength) + (i < 0 ? "" : ": [" + i.toString() + "]");
}

// Gathers `count` rows with both kernels and checks them. pixelOffset shifts the u8 matrix off any
// alignment; outOffset shifts the f32 output off the 16-byte boundary.
function checkGather(count: i32, rowLength: i32, scale: f32, pixelOffset: usize, outOffset: usize): void {
  const pixels = randomBytes(PIXEL_ROWS * rowLength, pixelOffset), pixels0 = pixels.copy();
  const indices = randomIndices(count), indices0 = indices.copy();
  const out = fillNaN(new Buffer<f32>(count * rowLength, outOffset));
  const twin = fillNaN(new Buffer<f32>(count * rowLength, outOffset));
  gather_images(out.ptr, pixels.ptr, indices.ptr, count, rowLength, scale);
  gather_images_scalar(twin.ptr, pixels.ptr, indices.ptr, count, rowLength, scale);
  for (let r = 0; r < count; r++) {
    for (let c = 0; c < rowLength; c++) {
      const i = r * rowLength + c;
      const ref = <f64>pixels[indices[r] * rowLength + c] * <f64>scale;
      if (scale == 1 ? <f64>out[i] != ref : !close(out[i], ref)) mismatch(out[i], ref, at("gather_images", count, rowLength, i));
      if (scale == 1 ? <f64>twin[i] != ref : !close(twin[i], ref)) mismatch(twin[i], ref, at("gather_images_scalar", count, rowLength, i));
    }
  }
  if (!out.guardsIntact() || !twin.guardsIntact()) fail(at("gather_images wrote outside out", count, rowLength, -1));
  if (!pixels.sameAs(pixels0) || !indices.sameAs(indices0)) fail(at("gather_images modified an input", count, rowLength, -1));
  pixels.free(); pixels0.free(); indices.free(); indices0.free(); out.free(); twin.free();
}

describe("gather_images", () => {
  test("known values: bytes 0, 1, 128, 200, 255 scaled by 1/255", () => {
    const pixels = new Buffer<u8>(10);
    const values: u8[] = [9, 9, 9, 9, 9, 0, 1, 128, 200, 255];
    for (let i = 0; i < 10; i++) pixels[i] = values[i];
    const indices = new Buffer<i32>(2);
    indices[0] = 1; indices[1] = 0;
    const out = fillNaN(new Buffer<f32>(10));
    gather_images(out.ptr, pixels.ptr, indices.ptr, 2, 5, <f32>1 / 255);
    const expected: f64[] = [0, 1.0 / 255, 128.0 / 255, 200.0 / 255, 1, 9.0 / 255, 9.0 / 255, 9.0 / 255, 9.0 / 255, 9.0 / 255];
    for (let i = 0; i < 10; i++) {
      if (!close(out[i], expected[i])) mismatch(out[i], expected[i], at("gather_images", 2, 5, i));
    }
    pixels.free(); indices.free(); out.free();
  });

  test("scale = 1/255 for count × rowLength around the 16-byte vector", () => {
    seed(61);
    for (let a = 0; a < COUNTS.length; a++) {
      for (let b = 0; b < ROW_LENGTHS.length; b++) checkGather(COUNTS[a], ROW_LENGTHS[b], <f32>1 / 255, 0, 0);
    }
  });

  test("scale = 1 is exact", () => {
    seed(62);
    for (let a = 0; a < COUNTS.length; a++) {
      for (let b = 0; b < ROW_LENGTHS.length; b++) checkGather(COUNTS[a], ROW_LENGTHS[b], 1, 0, 0);
    }
  });

  test("pixels at odd byte offsets and output 4 bytes off the 16-byte boundary", () => {
    seed(63);
    for (let offset: usize = 1; offset < 4; offset++) {
      for (let b = 0; b < ROW_LENGTHS.length; b++) checkGather(3, ROW_LENGTHS[b], <f32>1 / 255, offset, 4);
    }
  });
});

describe("gather_labels", () => {
  test("labels[indices[r]] widened from u8 without sign extension, for every count", () => {
    seed(64);
    const counts: i32[] = [0].concat(SIZES).concat([128]);
    for (let s = 0; s < counts.length; s++) {
      const count = counts[s];
      const labels = randomBytes(PIXEL_ROWS, 0), labels0 = labels.copy();
      labels[PIXEL_ROWS - 1] = 200;
      labels0[PIXEL_ROWS - 1] = 200;
      const indices = randomIndices(count), indices0 = indices.copy();
      if (count > 0) indices[0] = PIXEL_ROWS - 1;
      if (count > 0) indices0[0] = PIXEL_ROWS - 1;
      const out = new Buffer<i32>(count);
      for (let r = 0; r < count; r++) out[r] = -1;
      gather_labels(out.ptr, labels.ptr, indices.ptr, count);
      for (let r = 0; r < count; r++) {
        const ref = <i32>labels[indices[r]];
        if (out[r] != ref) expect<i32>(out[r]).toBe(ref, "gather_labels count=" + count.toString() + ": [" + r.toString() + "]");
      }
      if (count > 0) expect<i32>(out[0]).toBe(200, "label byte 200 read as unsigned");
      if (!out.guardsIntact()) fail("gather_labels wrote outside out, count=" + count.toString());
      if (!labels.sameAs(labels0) || !indices.sameAs(indices0)) fail("gather_labels modified an input, count=" + count.toString());
      labels.free(); labels0.free(); indices.free(); indices0.free(); out.free();
    }
  });
});

// `n` bytes at `offset`, about `density` of them non-zero: any value 1…255 (so a signed compare
// would show), the rest zero.
function sparseBytes(n: i32, density: f64, offset: usize): Buffer<u8> {
  const bytes = new Buffer<u8>(n, offset);
  for (let i = 0; i < n; i++) bytes[i] = <f64>(nextU32() >>> 8) < density * 16777216 ? <u8>(1 + below(255)) : 0;
  return bytes;
}

describe("count_nonzero_u8", () => {
  test("every byte non-zero, none, and mixes, for lengths around the 16-byte vector, at any alignment", () => {
    seed(64);
    const densities: f64[] = [0, 0.2, 0.7, 1];
    const lengths: i32[] = [0].concat(SIZES).concat([47, 48, 49, 784, 4 * 784 + 5]);
    for (let d = 0; d < densities.length; d++) {
      for (let b = 0; b < lengths.length; b++) {
        for (let offset: usize = 0; offset < 4; offset++) {
          const n = lengths[b];
          const pixels = sparseBytes(n, densities[d], offset), pixels0 = pixels.copy();
          let want = 0;
          for (let i = 0; i < n; i++) if (pixels[i] != 0) want++;
          const where = " bytes=" + n.toString() + " density=" + densities[d].toString() + " offset=" + offset.toString();
          expect<i32>(count_nonzero_u8(pixels.ptr, n)).toBe(want, "count_nonzero_u8" + where);
          expect<i32>(count_nonzero_u8_scalar(pixels.ptr, n)).toBe(want, "count_nonzero_u8_scalar" + where);
          if (!pixels.sameAs(pixels0)) fail("count_nonzero_u8 modified the pixels" + where);
          pixels.free(); pixels0.free();
        }
      }
    }
  });
});

// Packs `rows` rows of `rowLength` bytes (about `density` of them non-zero, the rest zero) with
// both kernels, from entry `first` on, and checks every start and entry against a byte-by-byte
// reference, the returned count, and that nothing else was written.
function checkPack(rows: i32, rowLength: i32, density: f64, first: i32, pixelOffset: usize): void {
  const pixels = sparseBytes(rows * rowLength, density, pixelOffset);
  let count = 0;
  for (let i = 0; i < rows * rowLength; i++) if (pixels[i]) count++;
  const pixels0 = pixels.copy();
  for (let k = 0; k < 2; k++) {
    const starts = new Buffer<i32>(rows + 1), entries = new Buffer<i32>(first + count);
    for (let i = 0; i <= rows; i++) starts[i] = -1;
    for (let i = 0; i < first + count; i++) entries[i] = -1;
    const name = k == 0 ? "pack_sparse_u8" : "pack_sparse_u8_scalar";
    const written = k == 0
      ? pack_sparse_u8(starts.ptr, entries.ptr, pixels.ptr, rows, rowLength, first)
      : pack_sparse_u8_scalar(starts.ptr, entries.ptr, pixels.ptr, rows, rowLength, first);
    expect<i32>(written).toBe(count, at(name + " entries written", rows, rowLength, -1));
    let n = first;
    for (let r = 0; r < rows; r++) {
      if (starts[r] != n) expect<i32>(starts[r]).toBe(n, at(name + " starts", rows, rowLength, r));
      for (let c = 0; c < rowLength; c++) {
        const byte = <i32>pixels[r * rowLength + c];
        if (byte == 0) continue;
        const want = (c << 8) | byte;
        if (entries[n] != want) expect<i32>(entries[n]).toBe(want, at(name + " entries", rows, rowLength, n));
        n++;
      }
    }
    expect<i32>(starts[rows]).toBe(n, at(name + " last start", rows, rowLength, rows));
    for (let i = 0; i < first; i++) if (entries[i] != -1) fail(at(name + " wrote before entry first", rows, rowLength, i));
    if (!starts.guardsIntact() || !entries.guardsIntact()) fail(at(name + " wrote outside starts or entries", rows, rowLength, -1));
    starts.free(); entries.free();
  }
  if (!pixels.sameAs(pixels0)) fail(at("pack_sparse_u8 modified the pixels", rows, rowLength, -1));
  pixels.free(); pixels0.free();
}

describe("pack_sparse_u8", () => {
  test("every byte a non-zero byte, none, and mixes, for row lengths around the 16-byte vector", () => {
    seed(65);
    const densities: f64[] = [0, 0.2, 0.7, 1];
    for (let d = 0; d < densities.length; d++) {
      for (let b = 0; b < ROW_LENGTHS.length; b++) {
        for (let a = 0; a < COUNTS.length; a++) checkPack(COUNTS[a], ROW_LENGTHS[b], densities[d], 0, 0);
      }
    }
  });

  test("entries from first > 0 on, pixels at odd byte offsets", () => {
    seed(66);
    for (let offset: usize = 1; offset < 4; offset++) {
      for (let b = 0; b < ROW_LENGTHS.length; b++) checkPack(3, ROW_LENGTHS[b], 0.3, 7, offset);
    }
  });
});
