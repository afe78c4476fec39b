// sgemm (assembly/gemm.ts) against the float64 triple loop: every transpose mode, overwrite and
// accumulate, M, N and K each swept over the boundary sizes, and the MLP's real shapes.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Runtime, Variant } from '../../src/index.node.js';
import {
  SIZES,
  TWINS,
  Rng,
  expectClose,
  expectEqual,
  expectInputsUnchanged,
  expectWritesOnly,
  f32,
  forEachVariant,
  gemmMode,
  gemmReference,
  gemmSequentialF32,
  gemmShapes,
  gemmTolerance,
  makeArena,
  runtimeFor,
  type GemmCase,
} from './reference.js';

const MODES = [
  { transA: false, transB: false },
  { transA: false, transB: true },
  { transA: true, transB: false },
  { transA: true, transB: true },
] as const;

// While one dimension is swept, the other two take each of these pairs: 7 = one 4-wide tile and a
// tail of 3, 9 = one 8-wide tile and a tail of 1; 16 = whole tiles only, 33 = four 8-wide tiles + 1.
const OTHERS = [
  [7, 9],
  [16, 33],
] as const;
const PANEL_DEPTHS = [127, 128, 129, 255, 256, 257];

// NN and TN pack B (assembly/gemm.ts packPays) when N ≥ 256 with M ≥ 32, or N ≥ 1024 with M ≥ 8,
// in blocks of 512 columns × 128 depths: shapes on both sides of each threshold, at block edges,
// with 4-row, 4-column and partial tails. Eight of the eleven pack on one thread; on two, each
// thread decides for its own share of the rows (8-row aligned), so some calls pack on one thread only.
const PACKED_SHAPES = [
  [31, 256, 129],
  [32, 256, 129],
  [33, 255, 130],
  [33, 257, 127],
  [36, 511, 257],
  [37, 512, 128],
  [34, 513, 129],
  [35, 1031, 33],
  [7, 1024, 20],
  [8, 1024, 20],
  [9, 1029, 20],
].map(([M, N, K]) => ({ M: M!, N: N!, K: K! }));

/** The MLP (784 → 128 → 10, and 784 → 10) at batch 32 and 128, in the mode training uses. */
const REAL_SHAPES: Array<GemmCase & { name: string }> = [
  { name: 'forward X[32,784]·W[784,10]', transA: false, transB: false, M: 32, N: 10, K: 784 },
  { name: 'forward X[32,784]·W1[784,128]', transA: false, transB: false, M: 32, N: 128, K: 784 },
  { name: 'forward H[32,128]·W2[128,10]', transA: false, transB: false, M: 32, N: 10, K: 128 },
  { name: 'forward X[128,784]·W1[784,128]', transA: false, transB: false, M: 128, N: 128, K: 784 },
  { name: 'forward X[128,784]·W[784,10]', transA: false, transB: false, M: 128, N: 10, K: 784 },
  { name: 'input gradient dY[32,10]·W2[128,10]ᵀ', transA: false, transB: true, M: 32, N: 128, K: 10 },
  { name: 'input gradient dY[128,10]·W2[128,10]ᵀ', transA: false, transB: true, M: 128, N: 128, K: 10 },
  { name: 'input gradient dH[32,128]·W1[784,128]ᵀ', transA: false, transB: true, M: 32, N: 784, K: 128 },
  { name: 'logits X[32,784]·Wt[10,784]ᵀ', transA: false, transB: true, M: 32, N: 10, K: 784 },
  { name: 'weight gradient X[32,784]ᵀ·dY[32,10]', transA: true, transB: false, M: 784, N: 10, K: 32 },
  { name: 'weight gradient X[32,784]ᵀ·dH[32,128]', transA: true, transB: false, M: 784, N: 128, K: 32 },
  { name: 'weight gradient H[32,128]ᵀ·dY[32,10]', transA: true, transB: false, M: 128, N: 10, K: 32 },
  { name: 'weight gradient X[128,784]ᵀ·dH[128,128]', transA: true, transB: false, M: 784, N: 128, K: 128 },
  { name: 'weight gradient H[128,128]ᵀ·dY[128,10]', transA: true, transB: false, M: 128, N: 10, K: 128 },
  { name: 'TT Xt[784,32]ᵀ·Wt[10,784]ᵀ', transA: true, transB: true, M: 32, N: 10, K: 784 },
];

function shapeOf({ M, N, K }: GemmCase): string {
  return `M×N×K = ${M}×${N}×${K}`;
}

/**
 * Runs one GEMM case through the kernel and its scalar twin, overwriting (C starts as NaN, so a
 * kernel that reads C when it should not is caught) or accumulating onto random C, and compares
 * with the float64 reference. Also checks that nothing but C was written.
 */
function checkGemm(runtime: Runtime, variant: Variant, c: GemmCase, accumulate: boolean, seed: number): void {
  const rng = new Rng(seed);
  const { a: aShape, b: bShape } = gemmShapes(c);
  const a = rng.f32(c.M * c.K),
    b = rng.f32(c.K * c.N),
    c0 = rng.f32(c.M * c.N);
  const ref = gemmReference(c, a, b);
  const expected = accumulate ? ref.value.map((x, k) => x + c0[k]!) : ref.value;
  const tol = gemmTolerance(ref.magnitude, c.K, accumulate ? c0 : undefined);
  const arena = makeArena(runtime, {
    A: { shape: aShape, data: a },
    B: { shape: bShape, data: b },
    C: { shape: [c.M, c.N] },
  });
  const A = f32(arena, 'A'),
    B = f32(arena, 'B'),
    C = f32(arena, 'C');
  try {
    for (const twin of TWINS) {
      if (accumulate) C.write(c0);
      else C.fill(NaN);
      expectWritesOnly(arena, [C], () =>
        arena.kernels.sgemm(C, A, B, { transA: c.transA, transB: c.transB, accumulate, scalar: twin.scalar }),
      );
      expectClose(C.read(), expected, tol, {
        what: `sgemm ${gemmMode(c)} ${accumulate ? 'accumulate' : 'overwrite'} (${variant} ${twin.label})`,
        shape: shapeOf(c),
        cols: c.N,
      });
    }
  } finally {
    arena.dispose();
  }
}

/** C = op(A)·op(B) (+ c0 when accumulating) from the runtime's sgemm, in an arena of its own. */
function productOn(
  runtime: Runtime,
  c: GemmCase,
  a: Float32Array,
  b: Float32Array,
  c0: Float32Array,
  accumulate: boolean,
): Float32Array {
  const { a: aShape, b: bShape } = gemmShapes(c);
  const arena = makeArena(runtime, {
    A: { shape: aShape, data: a },
    B: { shape: bShape, data: b },
    C: { shape: [c.M, c.N], data: c0 },
  });
  try {
    return arena.kernels
      .sgemm(f32(arena, 'C'), f32(arena, 'A'), f32(arena, 'B'), { transA: c.transA, transB: c.transB, accumulate })
      .read() as Float32Array;
  } finally {
    arena.dispose();
  }
}

forEachVariant((ctx) => {
  const { variant } = ctx;
  describe('sgemm', () => {
    let seed = 1;
    for (const mode of MODES) {
      for (const swept of ['M', 'N', 'K'] as const) {
        for (const accumulate of [false, true]) {
          const caseSeed = seed++;
          it(`${gemmMode(mode)} ${accumulate ? 'accumulate' : 'overwrite'}: ${swept} over {${SIZES.join(', ')}}`, () => {
            for (const size of SIZES) {
              for (const [x, y] of OTHERS) {
                const dims =
                  swept === 'M'
                    ? { M: size, N: x, K: y }
                    : swept === 'N'
                      ? { M: x, N: size, K: y }
                      : { M: x, N: y, K: size };
                checkGemm(ctx.runtime, variant, { ...mode, ...dims }, accumulate, caseSeed * 1000 + size);
              }
            }
          });
        }
      }
    }

    // The NN/TN path splits K into panels of 128 (assembly/gemm.ts DEPTH_PANEL); panels after the
    // first accumulate onto C, so K just below, at and past one and two panels is a boundary too.
    for (const mode of MODES) {
      it(`${gemmMode(mode)} overwrite and accumulate: K over {${PANEL_DEPTHS.join(', ')}} (K-panel boundaries)`, () => {
        for (const K of PANEL_DEPTHS) {
          for (const [M, N] of OTHERS) {
            checkGemm(ctx.runtime, variant, { ...mode, M, N, K }, false, K * 3 + M);
            checkGemm(ctx.runtime, variant, { ...mode, M, N, K }, true, K * 3 + M + 1);
          }
        }
      });
    }

    for (const mode of MODES) {
      it(`${gemmMode(mode)} overwrite and accumulate: M, N, K around the B-packing threshold and its block edges`, () => {
        for (const dims of PACKED_SHAPES) {
          checkGemm(ctx.runtime, variant, { ...mode, ...dims }, false, dims.M * 31 + dims.N + dims.K);
          checkGemm(ctx.runtime, variant, { ...mode, ...dims }, true, dims.M * 31 + dims.N + dims.K + 1);
        }
      });
    }

    // Packing moves data, not arithmetic: the rows of a packed product equal, bit for bit, the
    // same rows computed four at a time (M = 4 never packs); and on two threads, one thread's C.
    it("NN and TN with packed B equal B read in place bit for bit (and one thread's result on two threads)", async () => {
      const single = ctx.threads > 1 ? await runtimeFor(ctx.variant) : null;
      const rng = new Rng(41);
      for (const transA of [false, true]) {
        for (const dims of [
          { M: 40, N: 1031, K: 257 },
          { M: 36, N: 513, K: 130 },
        ]) {
          for (const accumulate of [false, true]) {
            const c: GemmCase = { transA, transB: false, ...dims };
            const { M, N, K } = c;
            const a = rng.f32(M * K),
              b = rng.f32(K * N),
              c0 = rng.f32(M * N);
            const what = `sgemm ${gemmMode(c)} ${accumulate ? 'accumulate' : 'overwrite'} (${variant})`;
            const full = productOn(ctx.runtime, c, a, b, c0, accumulate);
            const rows = new Float32Array(M * N);
            for (let i = 0; i < M; i += 4) {
              const m = Math.min(4, M - i);
              // op(A)'s rows i..i+m−1, stored as the mode stores A.
              const part = transA
                ? Float32Array.from({ length: K * m }, (_, k) => a[Math.floor(k / m) * M + i + (k % m)]!)
                : a.subarray(i * K, (i + m) * K);
              rows.set(
                productOn(ctx.runtime, { ...c, M: m }, part, b, c0.subarray(i * N, (i + m) * N), accumulate),
                i * N,
              );
            }
            expectEqual(full, rows, { what: `${what}: packed vs four rows at a time`, shape: shapeOf(c), cols: N });
            if (single)
              expectEqual(full, productOn(single, c, a, b, c0, accumulate), {
                what: `${what}: two threads vs one`,
                shape: shapeOf(c),
                cols: N,
              });
          }
        }
      }
    });

    for (const shape of REAL_SHAPES) {
      it(`${gemmMode(shape)} ${shape.name}, overwrite and accumulate`, () => {
        checkGemm(ctx.runtime, variant, shape, false, shape.M * 7 + shape.N * 5 + shape.K);
        checkGemm(ctx.runtime, variant, shape, true, shape.M * 7 + shape.N * 5 + shape.K + 1);
      });
    }

    it('accumulate adds to what C holds (C += A·B twice is 2·A·B)', () => {
      const c: GemmCase = { transA: false, transB: false, M: 9, N: 17, K: 33 };
      const rng = new Rng(7);
      const a = rng.f32(c.M * c.K),
        b = rng.f32(c.K * c.N);
      const ref = gemmReference(c, a, b);
      const arena = makeArena(ctx.runtime, {
        A: { shape: [9, 33], data: a },
        B: { shape: [33, 17], data: b },
        C: { shape: [9, 17] },
      });
      const A = f32(arena, 'A'),
        B = f32(arena, 'B'),
        C = f32(arena, 'C');
      arena.kernels.sgemm(C, A, B, { accumulate: true });
      arena.kernels.sgemm(C, A, B, { accumulate: true });
      // Two sums of K terms, then their sum: γ_{K+1} of twice the magnitude.
      expectClose(
        C.read(),
        ref.value.map((x) => 2 * x),
        gemmTolerance(
          ref.magnitude.map((x) => 2 * x),
          c.K + 1,
        ),
        { what: `sgemm NN accumulate twice (${variant})`, shape: shapeOf(c), cols: c.N },
      );
    });

    it('A and B may alias: Aᵀ·A and A·Aᵀ with one buffer', () => {
      const rng = new Rng(11);
      const a = rng.f32(17 * 9);
      const arena = makeArena(ctx.runtime, {
        A: { shape: [17, 9], data: a },
        G: { shape: [9, 9] },
        H: { shape: [17, 17] },
      });
      const A = f32(arena, 'A'),
        G = f32(arena, 'G'),
        H = f32(arena, 'H');
      const cases: Array<[typeof G, GemmCase]> = [
        [G, { transA: true, transB: false, M: 9, N: 9, K: 17 }],
        [H, { transA: false, transB: true, M: 17, N: 17, K: 9 }],
      ];
      for (const [out, c] of cases) {
        const ref = gemmReference(c, a, a);
        expectWritesOnly(arena, [out], () => arena.kernels.sgemm(out, A, A, { transA: c.transA, transB: c.transB }));
        expectClose(out.read(), ref.value, gemmTolerance(ref.magnitude, c.K), {
          what: `sgemm ${gemmMode(c)} aliased (${variant})`,
          shape: shapeOf(c),
          cols: c.N,
        });
      }
    });

    it('scalar twin sums each dot product in f32 in order of increasing p (bit-exact)', () => {
      const rng = new Rng(13);
      for (const mode of MODES) {
        for (const accumulate of [false, true]) {
          const c: GemmCase = { ...mode, M: 7, N: 9, K: 33 };
          const { a: aShape, b: bShape } = gemmShapes(c);
          const a = rng.f32(c.M * c.K),
            b = rng.f32(c.K * c.N),
            c0 = rng.f32(c.M * c.N);
          const arena = makeArena(ctx.runtime, {
            A: { shape: aShape, data: a },
            B: { shape: bShape, data: b },
            C: { shape: [c.M, c.N], data: c0 },
          });
          arena.kernels.sgemm(f32(arena, 'C'), f32(arena, 'A'), f32(arena, 'B'), { ...mode, accumulate, scalar: true });
          expectEqual(f32(arena, 'C').read(), gemmSequentialF32(c, a, b, accumulate ? c0 : undefined), {
            what: `sgemm_scalar ${gemmMode(c)} ${accumulate ? 'accumulate' : 'overwrite'} (${variant})`,
            shape: shapeOf(c),
            cols: c.N,
          });
        }
      }
    });

    it('does not modify the input: A and B unchanged in every mode, overwrite and accumulate', () => {
      const rng = new Rng(17);
      for (const mode of MODES) {
        const c: GemmCase = { ...mode, M: 9, N: 17, K: 33 };
        const { a: aShape, b: bShape } = gemmShapes(c);
        const arena = makeArena(ctx.runtime, {
          A: { shape: aShape, data: rng.f32(c.M * c.K) },
          B: { shape: bShape, data: rng.f32(c.K * c.N) },
          C: { shape: [c.M, c.N] },
        });
        const A = f32(arena, 'A'),
          B = f32(arena, 'B'),
          C = f32(arena, 'C');
        for (const twin of TWINS) {
          for (const accumulate of [false, true]) {
            expectInputsUnchanged([A, B], () =>
              arena.kernels.sgemm(C, A, B, { ...mode, accumulate, scalar: twin.scalar }),
            );
          }
        }
      }
    });

    it('returns C', () => {
      const arena = makeArena(ctx.runtime, { A: { shape: [2, 3] }, B: { shape: [3, 4] }, C: { shape: [2, 4] } });
      const C = f32(arena, 'C');
      assert.equal(arena.kernels.sgemm(C, f32(arena, 'A'), f32(arena, 'B')), C);
    });
  });
});

describe('sgemm tolerance', () => {
  // A tolerance that lets bugs through is worse than none: at the real shapes, results of two
  // typical bugs, rounded to f32 as a kernel would return them, must fail the comparison.
  for (const c of REAL_SHAPES.filter((s) => s.M === 32)) {
    it(`rejects a dropped last term and an off-by-one B stride: ${gemmMode(c)} ${c.name}`, () => {
      const rng = new Rng(c.K);
      const a = rng.f32(c.M * c.K),
        b = rng.f32(c.K * c.N);
      const ref = gemmReference(c, a, b);
      const tol = gemmTolerance(ref.magnitude, c.K);
      const context = { what: 'mutant', shape: shapeOf(c), cols: c.N };
      expectClose(Float32Array.from(ref.value), ref.value, tol, context); // the correct result passes
      const dropped = gemmReference({ ...c, K: c.K - 1 }, sliceK(c, a, 'A'), sliceK(c, b, 'B'));
      assert.throws(() => expectClose(Float32Array.from(dropped.value), ref.value, tol, context), /out of tolerance/);
      // Off-by-one stride: B read with its leading dimension one element too long (wrapping).
      const shifted = Float32Array.from(b, (_, k) => b[(k + Math.floor(k / (c.transB ? c.K : c.N))) % b.length]!);
      const wrong = gemmReference(c, a, shifted);
      assert.throws(() => expectClose(Float32Array.from(wrong.value), ref.value, tol, context), /out of tolerance/);
    });
  }
});

/** The operand without its last K index (the layout of the same case with K − 1). */
function sliceK(c: GemmCase, x: Float32Array, which: 'A' | 'B'): Float32Array {
  const trans = which === 'A' ? c.transA : c.transB;
  const other = which === 'A' ? c.M : c.N;
  // K is the column count when the operand is stored other×K (A plain, B transposed), else the row count.
  const kIsColumns = which === 'A' ? !trans : trans;
  if (!kIsColumns) return x.slice(0, (c.K - 1) * other);
  const out = new Float32Array(other * (c.K - 1));
  for (let r = 0; r < other; r++) out.set(x.subarray(r * c.K, r * c.K + c.K - 1), r * (c.K - 1));
  return out;
}
