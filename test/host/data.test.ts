// gatherImages / gatherLabels (assembly/data.ts): u8 rows gathered by index (repeats included)
// and scaled to f32, row lengths 1..33 (around the 16-byte SIMD step) and 784.
import { describe, it } from 'node:test';
import {
  BATCHES,
  PIXELS,
  TWINS,
  Rng,
  expectClose,
  expectEqual,
  expectInputsUnchanged,
  expectWritesOnly,
  f32,
  forEachVariant,
  gatherImagesReference,
  gatherLabelsReference,
  i32,
  makeArena,
  u8,
} from './reference.js';

const ROW_LENGTHS = [...Array.from({ length: 33 }, (_, i) => i + 1), PIXELS];
const SOURCE_ROWS = 50;

/** `count` random row indices in [0, rows), forced to include the first and last rows and repeats. */
function indicesWithRepeats(rng: Rng, count: number, rows: number): Int32Array {
  const indices = rng.ints(count, rows);
  if (count >= 4) {
    indices[0] = 0;
    indices[1] = rows - 1;
    indices[2] = indices[3]!;
  }
  return indices;
}

/** Pixel rows with the extreme bytes 0 and 255 present. */
function pixelRows(rng: Rng, rows: number, rowLength: number): Uint8Array {
  const pixels = rng.bytes(rows * rowLength);
  pixels[0] = 255;
  pixels[pixels.length - 1] = 0;
  return pixels;
}

forEachVariant((ctx) => {
  const { variant } = ctx;

  describe('gatherImages', () => {
    for (const count of [1, 5, ...BATCHES]) {
      it(`${count} rows by index (with repeats), u8 → f32 · 1/255, row length 1..33 and 784`, () => {
        const rng = new Rng(50 + count);
        for (const rowLength of ROW_LENGTHS) {
          const pixels = pixelRows(rng, SOURCE_ROWS, rowLength),
            indices = indicesWithRepeats(rng, count, SOURCE_ROWS);
          const ref = gatherImagesReference(pixels, indices, rowLength);
          const arena = makeArena(ctx.runtime, {
            pixels: { dtype: 'u8', shape: [SOURCE_ROWS, rowLength], data: pixels },
            indices: { dtype: 'i32', shape: [count], data: indices },
            out: { shape: [count, rowLength] },
          });
          const Out = f32(arena, 'out');
          for (const twin of TWINS) {
            Out.fill(NaN);
            expectWritesOnly(arena, [Out], () =>
              arena.kernels.gatherImages(Out, u8(arena, 'pixels'), i32(arena, 'indices'), { scalar: twin.scalar }),
            );
            expectClose(Out.read(), ref.value, ref.tol, {
              what: `gatherImages (${variant} ${twin.label})`,
              shape: `count×rowLength = ${count}×${rowLength}, ${SOURCE_ROWS} source rows`,
              cols: rowLength,
            });
          }
        }
      });
    }

    it('an explicit scale: 1 gives the bytes themselves, exactly', () => {
      const rng = new Rng(55);
      for (const rowLength of [3, 16, 17, PIXELS]) {
        const pixels = pixelRows(rng, 4, rowLength),
          indices = Int32Array.of(3, 0, 3);
        const arena = makeArena(ctx.runtime, {
          pixels: { dtype: 'u8', shape: [4, rowLength], data: pixels },
          indices: { dtype: 'i32', shape: [3], data: indices },
          out: { shape: [3, rowLength] },
        });
        for (const twin of TWINS) {
          arena.kernels.gatherImages(f32(arena, 'out'), u8(arena, 'pixels'), i32(arena, 'indices'), {
            scale: 1,
            scalar: twin.scalar,
          });
          expectEqual(f32(arena, 'out').read(), gatherImagesReference(pixels, indices, rowLength, 1).value, {
            what: `gatherImages scale 1 (${variant} ${twin.label})`,
            shape: `3×${rowLength}`,
            cols: rowLength,
          });
        }
      }
    });
  });

  it('does not modify the input: pixels, labels and indices unchanged', () => {
    const rng = new Rng(57);
    const arena = makeArena(ctx.runtime, {
      pixels: { dtype: 'u8', shape: [SOURCE_ROWS, 33], data: pixelRows(rng, SOURCE_ROWS, 33) },
      labels: { dtype: 'u8', shape: [SOURCE_ROWS], data: rng.bytes(SOURCE_ROWS) },
      indices: { dtype: 'i32', shape: [9], data: indicesWithRepeats(rng, 9, SOURCE_ROWS) },
      out: { shape: [9, 33] },
      labelsOut: { dtype: 'i32', shape: [9] },
    });
    const Pixels = u8(arena, 'pixels'),
      Labels = u8(arena, 'labels'),
      Indices = i32(arena, 'indices');
    for (const twin of TWINS) {
      expectInputsUnchanged([Pixels, Indices], () =>
        arena.kernels.gatherImages(f32(arena, 'out'), Pixels, Indices, { scalar: twin.scalar }),
      );
    }
    expectInputsUnchanged([Labels, Indices], () =>
      arena.kernels.gatherLabels(i32(arena, 'labelsOut'), Labels, Indices),
    );
  });

  describe('gatherLabels', () => {
    it('labels[indices[r]] widened u8 → i32, for 1..33 and the batch sizes, with repeats', () => {
      const rng = new Rng(56);
      const labels = Uint8Array.from(rng.bytes(SOURCE_ROWS), (b) => b % 10);
      labels[7] = 255; // widening is unsigned
      for (const count of [...Array.from({ length: 33 }, (_, i) => i + 1), ...BATCHES]) {
        const indices = indicesWithRepeats(rng, count, SOURCE_ROWS);
        if (count > 5) indices[5] = 7;
        const arena = makeArena(ctx.runtime, {
          labels: { dtype: 'u8', shape: [SOURCE_ROWS], data: labels },
          indices: { dtype: 'i32', shape: [count], data: indices },
          out: { dtype: 'i32', shape: [count], fill: -1 },
        });
        const Out = i32(arena, 'out');
        expectWritesOnly(arena, [Out], () =>
          arena.kernels.gatherLabels(Out, u8(arena, 'labels'), i32(arena, 'indices')),
        );
        expectEqual(Out.read(), gatherLabelsReference(labels, indices), {
          what: `gatherLabels (${variant})`,
          shape: `count = ${count}`,
        });
      }
    });
  });
});
