// argmaxRows / countCorrect (assembly/metrics.ts): exact, ties to the lowest column, boundary
// sizes and real shapes. Both builds share one scalar kernel; both are still checked.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  BATCHES,
  CLASSES,
  PIXELS,
  SIZES,
  Rng,
  argmaxReference,
  expectEqual,
  expectInputsUnchanged,
  expectWritesOnly,
  f32,
  forEachVariant,
  i32,
  makeArena,
} from './reference.js';

const SHAPES: Array<[number, number]> = [
  ...SIZES.flatMap(
    (cols) =>
      [
        [1, cols],
        [5, cols],
      ] as Array<[number, number]>,
  ),
  ...SIZES.map((rows) => [rows, CLASSES] as [number, number]),
  ...BATCHES.map((b) => [b, CLASSES] as [number, number]),
  [3, PIXELS],
];

/** Random scores with ties: values drawn from a few levels, so many rows have repeated maxima. */
function tiedScores(rng: Rng, n: number): Float32Array {
  const levels = [-2, -0.5, 0, 0.25, 1];
  return Float32Array.from({ length: n }, () => levels[rng.int(levels.length)]!);
}

forEachVariant((ctx) => {
  const { variant } = ctx;

  describe('argmaxRows', () => {
    for (const ties of [false, true]) {
      it(`index of each row's maximum${ties ? ', with ties going to the lowest column' : ''}, ${SHAPES.length} shapes`, () => {
        const rng = new Rng(ties ? 31 : 30);
        for (const [rows, cols] of SHAPES) {
          const x = ties ? tiedScores(rng, rows * cols) : rng.f32(rows * cols);
          const arena = makeArena(ctx.runtime, {
            x: { shape: [rows, cols], data: x },
            out: { dtype: 'i32', shape: [rows], fill: -1 },
          });
          const Out = i32(arena, 'out');
          expectWritesOnly(arena, [Out], () => arena.kernels.argmaxRows(Out, f32(arena, 'x')));
          expectEqual(Out.read(), argmaxReference(x, rows, cols), {
            what: `argmaxRows (${variant})`,
            shape: `rows×cols = ${rows}×${cols}`,
          });
        }
      });
    }

    it('ties: the first of equal maxima wins wherever they sit (both in one 4-lane block, across blocks, first and last column)', () => {
      const cols = 9;
      const rows = [
        [[0, 5, 5, 1, 0, 0, 0, 0, 0], 1],
        [[0, 1, 0, 0, 0, 1, 0, 0, 1], 1],
        [[7, 0, 0, 0, 0, 0, 0, 0, 7], 0],
        [[3, 3, 3, 3, 3, 3, 3, 3, 3], 0],
        [[-1, -1, -1, -1, -1, -1, -1, -1, -0.5], 8],
        [[-Infinity, -Infinity, -3, -3, -Infinity, -Infinity, -Infinity, -Infinity, -Infinity], 2],
        [[0, -0, 0, 0, 0, 0, 0, 0, 0], 0],
      ] as const;
      const arena = makeArena(ctx.runtime, {
        x: { shape: [rows.length, cols], data: rows.flatMap(([r]) => [...r]) },
        out: { dtype: 'i32', shape: [rows.length] },
      });
      arena.kernels.argmaxRows(i32(arena, 'out'), f32(arena, 'x'));
      assert.deepEqual(
        [...i32(arena, 'out').read()],
        rows.map(([, best]) => best),
      );
    });
  });

  it('does not modify the input: x and labels unchanged', () => {
    const rng = new Rng(33);
    const arena = makeArena(ctx.runtime, {
      x: { shape: [9, 17], data: tiedScores(rng, 9 * 17) },
      labels: { dtype: 'i32', shape: [9], data: rng.ints(9, 17) },
      out: { dtype: 'i32', shape: [9] },
    });
    const X = f32(arena, 'x'),
      L = i32(arena, 'labels');
    expectInputsUnchanged([X], () => arena.kernels.argmaxRows(i32(arena, 'out'), X));
    expectInputsUnchanged([X, L], () => arena.kernels.countCorrect(X, L));
  });

  describe('countCorrect', () => {
    it(`rows whose argmax equals the label, ${SHAPES.length} shapes`, () => {
      const rng = new Rng(32);
      for (const [rows, cols] of SHAPES) {
        const x = tiedScores(rng, rows * cols),
          best = argmaxReference(x, rows, cols);
        // About half the labels right: each label is the argmax or a random class.
        const labels = Int32Array.from(best, (b) => (rng.next() < 0.5 ? b : rng.int(cols)));
        const expected = labels.reduce((n, l, r) => n + (l === best[r] ? 1 : 0), 0);
        const arena = makeArena(ctx.runtime, {
          x: { shape: [rows, cols], data: x },
          labels: { dtype: 'i32', shape: [rows], data: labels },
        });
        const correct = expectWritesOnly(arena, [], () =>
          arena.kernels.countCorrect(f32(arena, 'x'), i32(arena, 'labels')),
        );
        assert.equal(correct, expected, `countCorrect (${variant}), rows×cols = ${rows}×${cols}`);
      }
    });

    it('all right, none right, and a tie counted only for the lowest column', () => {
      const arena = makeArena(ctx.runtime, {
        x: { shape: [3, 4], data: [0, 2, 2, 1, 5, 0, 0, 0, 0, 0, 0, 1] },
        labels: { dtype: 'i32', shape: [3] },
      });
      const X = f32(arena, 'x'),
        L = i32(arena, 'labels');
      L.write([1, 0, 3]);
      assert.equal(arena.kernels.countCorrect(X, L), 3);
      L.write([2, 1, 0]);
      assert.equal(arena.kernels.countCorrect(X, L), 0);
    });
  });
});
