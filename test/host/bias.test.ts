// biasForward / biasBackward (assembly/bias.ts) against float64, over the boundary sizes and the
// MLP's real shapes, in place and out of place, overwrite and accumulate.
import { describe, it } from 'node:test';
import {
  BATCHES,
  CLASSES,
  HIDDEN,
  PIXELS,
  SIZES,
  TWINS,
  Rng,
  biasBackwardReference,
  biasBackwardSequentialF32,
  biasForwardReference,
  expectClose,
  expectEqual,
  expectInputsUnchanged,
  expectWritesOnly,
  f32,
  forEachVariant,
  makeArena,
  roundedOnce,
} from './reference.js';

/** rows × cols: cols over the sizes at 1 and 3 rows, rows over the sizes at 7 and 17 cols, real shapes. */
const SHAPES: Array<[number, number]> = [
  ...SIZES.flatMap(
    (cols) =>
      [
        [1, cols],
        [3, cols],
      ] as Array<[number, number]>,
  ),
  ...SIZES.flatMap(
    (rows) =>
      [
        [rows, 7],
        [rows, 17],
      ] as Array<[number, number]>,
  ),
  ...BATCHES.flatMap(
    (b) =>
      [
        [b, HIDDEN],
        [b, CLASSES],
        [b, PIXELS],
      ] as Array<[number, number]>,
  ),
];

forEachVariant((ctx) => {
  const { variant } = ctx;

  describe('biasForward', () => {
    for (const inPlace of [false, true]) {
      it(`out = inp + bias ${inPlace ? 'in place (out === inp)' : 'into a separate out'}, ${SHAPES.length} shapes`, () => {
        const rng = new Rng(inPlace ? 2 : 1);
        for (const [rows, cols] of SHAPES) {
          const inp = rng.f32(rows * cols),
            bias = rng.f32(cols);
          const expected = biasForwardReference(inp, bias, rows, cols);
          const arena = makeArena(ctx.runtime, {
            inp: { shape: [rows, cols], data: inp },
            bias: { shape: [cols], data: bias },
            out: { shape: [rows, cols] },
          });
          const Inp = f32(arena, 'inp'),
            Bias = f32(arena, 'bias'),
            Out = inPlace ? Inp : f32(arena, 'out');
          for (const twin of TWINS) {
            Inp.write(inp);
            if (!inPlace) Out.fill(NaN);
            expectWritesOnly(arena, [Out], () => arena.kernels.biasForward(Out, Inp, Bias, { scalar: twin.scalar }));
            // One f32 addition of exact inputs: the result is the f32 nearest the exact sum.
            expectClose(Out.read(), expected, roundedOnce(expected), {
              what: `biasForward${inPlace ? ' in place' : ''} (${variant} ${twin.label})`,
              shape: `rows×cols = ${rows}×${cols}`,
              cols,
            });
          }
        }
      });
    }
  });

  it('does not modify the input: biasForward leaves inp and bias, biasBackward dout unchanged', () => {
    const rng = new Rng(5);
    const arena = makeArena(ctx.runtime, {
      inp: { shape: [33, 17], data: rng.f32(33 * 17) },
      bias: { shape: [17], data: rng.f32(17) },
      out: { shape: [33, 17] },
      dbias: { shape: [17] },
    });
    const Inp = f32(arena, 'inp'),
      Bias = f32(arena, 'bias');
    for (const twin of TWINS) {
      expectInputsUnchanged([Inp, Bias], () =>
        arena.kernels.biasForward(f32(arena, 'out'), Inp, Bias, { scalar: twin.scalar }),
      );
      for (const accumulate of [false, true]) {
        expectInputsUnchanged([Inp], () =>
          arena.kernels.biasBackward(f32(arena, 'dbias'), Inp, { accumulate, scalar: twin.scalar }),
        );
      }
    }
  });

  describe('biasBackward', () => {
    for (const accumulate of [false, true]) {
      it(`dbias ${accumulate ? '+=' : '='} column sums of dout, ${SHAPES.length} shapes`, () => {
        const rng = new Rng(accumulate ? 4 : 3);
        for (const [rows, cols] of SHAPES) {
          const dout = rng.f32(rows * cols),
            dbias0 = rng.f32(cols);
          const ref = biasBackwardReference(dout, rows, cols, accumulate ? dbias0 : undefined);
          const exact = biasBackwardSequentialF32(dout, rows, cols, accumulate ? dbias0 : undefined);
          const arena = makeArena(ctx.runtime, { dout: { shape: [rows, cols], data: dout }, dbias: { shape: [cols] } });
          const Dout = f32(arena, 'dout'),
            Dbias = f32(arena, 'dbias');
          for (const twin of TWINS) {
            if (accumulate) Dbias.write(dbias0);
            else Dbias.fill(NaN);
            expectWritesOnly(arena, [Dbias], () =>
              arena.kernels.biasBackward(Dbias, Dout, { accumulate, scalar: twin.scalar }),
            );
            const context = {
              what: `biasBackward ${accumulate ? 'accumulate' : 'overwrite'} (${variant} ${twin.label})`,
              shape: `rows×cols = ${rows}×${cols}`,
            };
            expectClose(Dbias.read(), ref.value, ref.tol, context);
            // The contract also fixes the order: each column summed over rows in order, in f32.
            expectEqual(Dbias.read(), exact, { ...context, what: `${context.what}, row-order f32 sum` });
          }
        }
      });
    }
  });
});
