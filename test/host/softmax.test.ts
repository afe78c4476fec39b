// softmaxForward, crossentropyLoss, softmaxCrossentropyBackward and softmaxCrossentropy
// (assembly/softmax.ts) against float64: boundary sizes and real shapes, in place, large logits,
// logits spread past exp's underflow, the 1e-7 floor, scale 1/m.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  BATCHES,
  CLASSES,
  PIXELS,
  SIZES,
  TWINS,
  Rng,
  crossentropyReference,
  crossentropyTolerance,
  expectClose,
  expectInputsUnchanged,
  expectWritesOnly,
  f32,
  forEachVariant,
  i32,
  makeArena,
  randomProbabilities,
  softmaxCrossentropyBackwardReference,
  softmaxReference,
  type VariantContext,
} from './reference.js';

/** rows × cols: cols over the sizes at 1 and 3 rows, rows over the sizes at 10 and 17 cols, real shapes. */
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
        [rows, CLASSES],
        [rows, 17],
      ] as Array<[number, number]>,
  ),
  ...BATCHES.map((b) => [b, CLASSES] as [number, number]),
  [2, PIXELS],
];

function shapeOf(rows: number, cols: number): string {
  return `rows×cols = ${rows}×${cols}`;
}

/** Runs softmaxForward on `logits` (both twins, in place or not) and checks values and row sums. */
function checkSoftmax(
  ctx: VariantContext,
  logits: Float32Array,
  rows: number,
  cols: number,
  inPlace: boolean,
  what: string,
): void {
  const ref = softmaxReference(logits, rows, cols);
  const arena = makeArena(ctx.runtime, {
    logits: { shape: [rows, cols], data: logits },
    probs: { shape: [rows, cols] },
  });
  const Logits = f32(arena, 'logits'),
    Probs = inPlace ? Logits : f32(arena, 'probs');
  for (const twin of TWINS) {
    Logits.write(logits);
    if (!inPlace) Probs.fill(NaN);
    expectWritesOnly(arena, [Probs], () => arena.kernels.softmaxForward(Probs, Logits, { scalar: twin.scalar }));
    const probs = Probs.read();
    const context = {
      what: `softmaxForward ${what}${inPlace ? ' in place' : ''} (${ctx.variant} ${twin.label})`,
      shape: shapeOf(rows, cols),
      cols,
    };
    expectClose(probs, ref.value, ref.tol, context);
    for (let r = 0; r < rows; r++) {
      // Σ ref = 1, so |Σ probs − 1| ≤ Σ tol (the sum itself is taken in f64, exactly enough).
      let sum = 0,
        allowed = 0;
      for (let c = 0; c < cols; c++) {
        sum += probs[r * cols + c]!;
        allowed += ref.tol[r * cols + c]!;
      }
      assert.ok(
        Math.abs(sum - 1) <= allowed,
        `${context.what}: row ${r} sums to ${sum}, not 1 within ${allowed} (${context.shape})`,
      );
      for (let c = 0; c < cols; c++)
        assert.ok(Number.isFinite(probs[r * cols + c]!), `${context.what}: probs[${r}, ${c}] = ${probs[r * cols + c]}`);
    }
  }
}

forEachVariant((ctx) => {
  const { variant } = ctx;

  describe('softmaxForward', () => {
    for (const inPlace of [false, true]) {
      it(`rows of softmax(logits in [-10, 10)) ${inPlace ? 'in place (probs === logits)' : 'into a separate probs'}, ${SHAPES.length} shapes`, () => {
        const rng = new Rng(inPlace ? 21 : 20);
        for (const [rows, cols] of SHAPES)
          checkSoftmax(ctx, rng.f32(rows * cols, -10, 10), rows, cols, inPlace, 'random');
      });
    }

    it('large logits (±1000) stay finite and match the reference', () => {
      const rng = new Rng(22);
      for (const [rows, cols] of [
        [3, 4],
        [5, 9],
        [4, 17],
        [32, CLASSES],
      ] as const) {
        const logits = new Float32Array(rows * cols);
        for (let r = 0; r < rows; r++) {
          for (let c = 0; c < cols; c++) {
            // Row kinds: all near +1000; all near −1000; +1000, −1000 and 0 mixed; all exactly 1000.
            const kind = r % 4;
            logits[r * cols + c] =
              kind === 0
                ? 1000 + rng.uniform(-5, 5)
                : kind === 1
                  ? -1000 + rng.uniform(-5, 5)
                  : kind === 2
                    ? [1000, -1000, 0][c % 3]!
                    : 1000;
          }
        }
        checkSoftmax(ctx, logits, rows, cols, false, 'large logits');
        checkSoftmax(ctx, logits, rows, cols, true, 'large logits');
      }
    });

    // Softmax does not depend on the constant subtracted, so a maximum that misses a column goes
    // unnoticed by ordinary logits; with one logit 1000 above the rest, a missed maximum makes
    // exp overflow (f32 exp overflows past 88.7) and the row turns to Inf/NaN.
    it('finds the row maximum at every column position (row r: logit 1000 at column r)', () => {
      const rng = new Rng(29);
      for (const cols of [...SIZES, PIXELS]) {
        const rows = Math.min(cols, 40);
        const logits = rng.f32(rows * cols);
        for (let r = 0; r < rows; r++) logits[r * cols + (cols - 1 - r)] = 1000;
        checkSoftmax(ctx, logits, rows, cols, false, 'one dominant logit');
      }
    });

    // The SIMD kernels take four rows at a time and exp (assembly/exp.ts) flushes results below
    // 2^−126 to 0: rows 1–9 cover every partial block, spreads of ±60 put gaps past the flush.
    it('rows 1–9 × widths around 4, 10 and 16, logits spread ±1, ±10 and ±60', () => {
      const rng = new Rng(30);
      for (const cols of [1, 2, 3, 4, 5, 8, 9, CLASSES, 15, 16, 17, 33]) {
        for (let rows = 1; rows <= 9; rows++) {
          for (const spread of [1, 10, 60])
            checkSoftmax(ctx, rng.f32(rows * cols, -spread, spread), rows, cols, false, `logits in ±${spread}`);
        }
      }
    });

    it('equal logits give the uniform distribution; a single column gives 1', () => {
      for (const cols of [1, 3, 4, 9, 17]) {
        const arena = makeArena(ctx.runtime, { x: { shape: [2, cols], fill: 3.5 } });
        const X = f32(arena, 'x');
        arena.kernels.softmaxForward(X, X);
        expectClose(X.read(), new Float64Array(2 * cols).fill(1 / cols), ((cols + 8) * 2 ** -24) / cols, {
          what: `softmaxForward uniform (${variant})`,
          shape: shapeOf(2, cols),
          cols,
        });
      }
    });
  });

  it('does not modify the input: logits, probs and labels unchanged by forward, loss and backward', () => {
    const rows = 9,
      cols = 17,
      rng = new Rng(19);
    const arena = makeArena(ctx.runtime, {
      logits: { shape: [rows, cols], data: rng.f32(rows * cols, -10, 10) },
      probs: { shape: [rows, cols] },
      labels: { dtype: 'i32', shape: [rows], data: rng.ints(rows, cols) },
      dlogits: { shape: [rows, cols] },
    });
    const Logits = f32(arena, 'logits'),
      Probs = f32(arena, 'probs'),
      Labels = i32(arena, 'labels'),
      Dlogits = f32(arena, 'dlogits');
    for (const twin of TWINS) {
      expectInputsUnchanged([Logits], () => arena.kernels.softmaxForward(Probs, Logits, { scalar: twin.scalar }));
      expectInputsUnchanged([Probs, Labels], () => arena.kernels.crossentropyLoss(Probs, Labels));
      expectInputsUnchanged([Probs, Labels], () =>
        arena.kernels.softmaxCrossentropyBackward(Dlogits, Probs, Labels, { scalar: twin.scalar }),
      );
    }
  });

  describe('crossentropyLoss', () => {
    it(`mean −ln p[label] vs float64, ${SHAPES.length} shapes`, () => {
      const rng = new Rng(23);
      for (const [rows, cols] of SHAPES) {
        const probs = randomProbabilities(rng, rows, cols),
          labels = rng.ints(rows, cols);
        const arena = makeArena(ctx.runtime, {
          probs: { shape: [rows, cols], data: probs },
          labels: { dtype: 'i32', shape: [rows], data: labels },
        });
        const loss = expectWritesOnly(arena, [], () =>
          arena.kernels.crossentropyLoss(f32(arena, 'probs'), i32(arena, 'labels')),
        );
        const ref = crossentropyReference(probs, labels, rows, cols);
        assert.ok(
          Math.abs(loss - ref) <= crossentropyTolerance(ref),
          `crossentropyLoss (${variant}): ${loss} vs reference ${ref}, |diff| ${Math.abs(loss - ref)} (${shapeOf(rows, cols)})`,
        );
      }
    });

    it('floors p[label] at 1e-7: p = 0, 1e-12 and 1e-8 all give −ln(1e-7); 1e-7 and 2e-7 are not floored', () => {
      const cases = [
        [0, -Math.log(1e-7)],
        [1e-12, -Math.log(1e-7)],
        [1e-8, -Math.log(1e-7)],
        [1e-7, -Math.log(1e-7)],
        [2e-7, -Math.log(2e-7)],
        [1, 0],
      ] as const;
      for (const [p, expected] of cases) {
        // Row 0: p at the label (column 2); rest of the row is whatever makes no difference.
        const probs = Float32Array.of(0.5, 0.5 - p, p, 0);
        const arena = makeArena(ctx.runtime, {
          probs: { shape: [1, 4], data: probs },
          labels: { dtype: 'i32', shape: [1], data: [2] },
        });
        const loss = arena.kernels.crossentropyLoss(f32(arena, 'probs'), i32(arena, 'labels'));
        assert.ok(Number.isFinite(loss), `crossentropyLoss (${variant}) of p = ${p} is ${loss}`);
        // The f32 value of p (2e-7 is not exact in f32) and the reference agree within the tolerance.
        const ref = crossentropyReference(probs, Int32Array.of(2), 1, 4);
        assert.ok(Math.abs(ref - expected) < 1e-6, `reference sanity for p = ${p}`);
        assert.ok(
          Math.abs(loss - ref) <= crossentropyTolerance(ref),
          `crossentropyLoss (${variant}) of p = ${p}: ${loss}, reference ${ref}`,
        );
      }
    });

    it('a batch mixing floored and ordinary rows averages over all rows', () => {
      const rows = 32,
        cols = CLASSES,
        rng = new Rng(24);
      const probs = randomProbabilities(rng, rows, cols),
        labels = rng.ints(rows, cols);
      for (let r = 0; r < rows; r += 3) probs[r * cols + labels[r]!] = 0;
      const arena = makeArena(ctx.runtime, {
        probs: { shape: [rows, cols], data: probs },
        labels: { dtype: 'i32', shape: [rows], data: labels },
      });
      const loss = arena.kernels.crossentropyLoss(f32(arena, 'probs'), i32(arena, 'labels'));
      const ref = crossentropyReference(probs, labels, rows, cols);
      assert.ok(Math.abs(loss - ref) <= crossentropyTolerance(ref), `crossentropyLoss (${variant}): ${loss} vs ${ref}`);
    });
  });

  describe('softmaxCrossentropyBackward', () => {
    for (const inPlace of [false, true]) {
      it(`dlogits = (probs − onehot)/m ${inPlace ? 'in place (dlogits === probs)' : 'into a separate dlogits'}, ${SHAPES.length} shapes`, () => {
        const rng = new Rng(inPlace ? 26 : 25);
        for (const [rows, cols] of SHAPES) {
          const probs = randomProbabilities(rng, rows, cols),
            labels = rng.ints(rows, cols);
          const ref = softmaxCrossentropyBackwardReference(probs, labels, rows, cols, 1 / rows);
          const arena = makeArena(ctx.runtime, {
            probs: { shape: [rows, cols], data: probs },
            labels: { dtype: 'i32', shape: [rows], data: labels },
            dlogits: { shape: [rows, cols] },
          });
          const Probs = f32(arena, 'probs'),
            Labels = i32(arena, 'labels'),
            Dlogits = inPlace ? Probs : f32(arena, 'dlogits');
          for (const twin of TWINS) {
            Probs.write(probs);
            if (!inPlace) Dlogits.fill(NaN);
            // The scale defaults to 1/rows, the gradient of the batch mean.
            expectWritesOnly(arena, [Dlogits], () =>
              arena.kernels.softmaxCrossentropyBackward(Dlogits, Probs, Labels, { scalar: twin.scalar }),
            );
            expectClose(Dlogits.read(), ref.value, ref.tol, {
              what: `softmaxCrossentropyBackward${inPlace ? ' in place' : ''} (${variant} ${twin.label})`,
              shape: shapeOf(rows, cols),
              cols,
            });
          }
        }
      });
    }

    it('an explicit scale replaces 1/m', () => {
      const rows = 5,
        cols = CLASSES,
        rng = new Rng(27);
      const probs = randomProbabilities(rng, rows, cols),
        labels = rng.ints(rows, cols);
      for (const scale of [1, 0.1, 1 / 128, -2]) {
        const ref = softmaxCrossentropyBackwardReference(probs, labels, rows, cols, scale);
        for (const twin of TWINS) {
          const arena = makeArena(ctx.runtime, {
            probs: { shape: [rows, cols], data: probs },
            labels: { dtype: 'i32', shape: [rows], data: labels },
            dlogits: { shape: [rows, cols] },
          });
          arena.kernels.softmaxCrossentropyBackward(f32(arena, 'dlogits'), f32(arena, 'probs'), i32(arena, 'labels'), {
            scale,
            scalar: twin.scalar,
          });
          expectClose(f32(arena, 'dlogits').read(), ref.value, ref.tol, {
            what: `softmaxCrossentropyBackward scale ${scale} (${variant} ${twin.label})`,
            shape: shapeOf(rows, cols),
            cols,
          });
        }
      }
    });
  });
});

forEachVariant((ctx) => {
  const { variant } = ctx;

  describe('softmaxCrossentropy', () => {
    const shapes: Array<[number, number]> = [
      ...[1, 2, 3, 4, 5, 8, 9, 15, 16, 17, 33].map((c) => [7, c] as [number, number]),
      ...[1, 2, 3, 4, 5, 6, 7, 8, 9, 33].map((r) => [r, CLASSES] as [number, number]),
      [BATCHES[1], CLASSES],
    ];

    it(`dlogits and the loss vs float64 (kernel and scalar twin), ${shapes.length} shapes`, () => {
      const rng = new Rng(31);
      for (const [rows, cols] of shapes) {
        const logits = rng.f32(rows * cols, -10, 10),
          labels = rng.ints(rows, cols),
          scale = Math.fround(1 / rows);
        const p = softmaxReference(logits, rows, cols);
        const ref = softmaxCrossentropyBackwardReference(Float32Array.from(p.value), labels, rows, cols, scale);
        // The probabilities' own error, scaled, on top of the gradient's roundings.
        const tol = ref.tol.map((t, k) => t + p.tol[k]! * scale);
        let loss = 0,
          lossTol = 0;
        for (let r = 0; r < rows; r++) {
          const k = r * cols + labels[r]!;
          loss -= Math.log(Math.max(p.value[k]!, 1e-7));
          lossTol += p.tol[k]! / p.value[k]!; // d(−ln p) = −dp/p
        }
        const arena = makeArena(ctx.runtime, {
          logits: { shape: [rows, cols], data: logits },
          labels: { dtype: 'i32', shape: [rows], data: labels },
          dlogits: { shape: [rows, cols] },
          correct: { dtype: 'i32', shape: [1] },
        });
        for (const twin of TWINS) {
          const D = f32(arena, 'dlogits').fill(NaN);
          const got = arena.kernels.softmaxCrossentropy(
            D,
            f32(arena, 'logits'),
            i32(arena, 'labels'),
            i32(arena, 'correct'),
            { scalar: twin.scalar },
          );
          const context = { what: `softmaxCrossentropy (${variant} ${twin.label})`, shape: shapeOf(rows, cols), cols };
          expectClose(D.read(), ref.value, tol, context);
          assert.ok(
            Math.abs(got.loss - loss / rows) <= lossTol / rows + crossentropyTolerance(loss / rows),
            `${context.what}: loss ${got.loss} vs reference ${loss / rows} (${context.shape})`,
          );
        }
      }
    });

    it('the scalar twin equals the scalar twins of the kernels it fuses, bit for bit', () => {
      const rng = new Rng(32);
      for (const [rows, cols] of shapes) {
        const arena = makeArena(ctx.runtime, {
          logits: { shape: [rows, cols], data: rng.f32(rows * cols, -6, 6) },
          labels: { dtype: 'i32', shape: [rows], data: rng.ints(rows, cols) },
          probs: { shape: [rows, cols] },
          expected: { shape: [rows, cols] },
          dlogits: { shape: [rows, cols] },
          correct: { dtype: 'i32', shape: [1] },
        });
        const k = arena.kernels,
          L = f32(arena, 'logits'),
          Y = i32(arena, 'labels'),
          P = f32(arena, 'probs');
        k.softmaxForward(P, L, { scalar: true });
        const loss = k.crossentropyLoss(P, Y),
          right = k.countCorrect(P, Y);
        k.softmaxCrossentropyBackward(f32(arena, 'expected'), P, Y, { scalar: true });
        const got = k.softmaxCrossentropy(f32(arena, 'dlogits'), L, Y, i32(arena, 'correct'), { scalar: true });
        const what = `softmaxCrossentropy scalar twin (${variant}), ${shapeOf(rows, cols)}`;
        assert.equal(got.loss, loss, `${what}: loss`);
        assert.equal(got.correct, right, `${what}: correct rows`);
        assert.deepEqual(f32(arena, 'dlogits').read(), f32(arena, 'expected').read(), `${what}: dlogits`);
      }
    });
  });
});

describe('softmax cross-entropy reference', () => {
  // The backward reference is a formula; check it is the gradient of the mean loss it claims to be,
  // by central differences of the float64 loss of softmax(logits), so the kernels are checked
  // against a derivative and not only against a restatement of their own formula.
  it('(softmax(z) − onehot)/m is the gradient of the mean cross-entropy', () => {
    const rows = 3,
      cols = 7,
      rng = new Rng(28);
    const z = Float64Array.from(rng.f32(rows * cols, -3, 3)),
      labels = rng.ints(rows, cols);
    const loss = (x: Float64Array): number => {
      let total = 0;
      for (let r = 0; r < rows; r++) {
        const row = x.subarray(r * cols, (r + 1) * cols),
          max = Math.max(...row);
        const sum = row.reduce((s, v) => s + Math.exp(v - max), 0);
        total -= row[labels[r]!]! - max - Math.log(sum);
      }
      return total / rows;
    };
    const probs = Float32Array.from(softmaxReference(Float32Array.from(z), rows, cols).value);
    const grad = softmaxCrossentropyBackwardReference(probs, labels, rows, cols, 1 / rows).value;
    const h = 1e-5;
    for (let k = 0; k < z.length; k++) {
      const plus = z.slice(),
        minus = z.slice();
      plus[k]! += h;
      minus[k]! -= h;
      const numeric = (loss(plus) - loss(minus)) / (2 * h);
      assert.ok(Math.abs(numeric - grad[k]!) < 1e-7, `d loss / d z[${k}]: numeric ${numeric}, formula ${grad[k]}`);
    }
  });
});
