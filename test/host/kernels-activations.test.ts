// sigmoid, tanh and dropout through their host wrappers (src/kernels/elementwise.ts), on every
// variant, each kernel and its scalar twin.
//
// Forward against float64: sigmoid within 2.5 ulp, tanh within 2 ulp of the result's binade (the
// kernels' contracts; test/assembly/sigmoid-tanh.spec.ts sweeps all of f32). Backward against
// TensorFlow.js (cpu backend) autodiff, tf.grad(f)(x, dy), which computes dy·y(1−y) and dy·(1−y²)
// from its own y. The two y differ by ≤ 3 ulp ≤ 3u absolute (|y| ≤ 1, ulp ≤ u = 2⁻²⁴ below 1), which
// moves the slope y(1−y) by ≤ |1−2y|·3u ≤ 3u and 1−y² by ≤ 2|y|·3u ≤ 6u; each side then rounds
// three times (≤ 3u relative each). Tolerances: sigmoid 4u·|dy| + 6u·|ref|, tanh 7u·|dy| + 6u·|ref|.
// Dropout: exact where it is exact (out = inp·mask·scale in f32, backward with the same mask), and
// statistics over 10⁶ elements within 5σ where it is random.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { dropoutScale, dropoutThreshold } from '../../src/kernels.js';
import {
  PIXELS,
  SIZES,
  TWINS,
  U,
  Rng,
  expectClose,
  expectEqual,
  expectWritesOnly,
  f32,
  forEachVariant,
  makeArena,
  u8,
} from './reference.js';

const LENGTHS = [...SIZES, PIXELS, 1280];
const FORWARD_ULPS = { sigmoid: 2.5, tanh: 2 } as const;
const SLOPE_U = { sigmoid: 4, tanh: 7 } as const;

before(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

const sigmoid64 = (x: number): number => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

/** One ulp of |r|'s f32 binade (2^(e−23), e ≥ −126). */
function ulpOf(r: number): number {
  const a = Math.abs(r);
  return 2 ** (Math.max(Math.floor(Math.log2(a || 2 ** -126)), -126) - 23);
}

/** Values in [−10, 10) with tiny ones, signed zeros and the tanh switch (0.55) mixed in. */
function inputs(rng: Rng, n: number): Float32Array {
  const x = rng.f32(n, -10, 10);
  for (let i = 3; i < n; i += 7) x[i] = rng.uniform(-1e-6, 1e-6);
  for (let i = 5; i < n; i += 11) x[i] = i & 1 ? -0 : 0;
  for (let i = 6; i < n; i += 13) x[i] = rng.uniform(0.5, 0.6) * (i & 1 ? -1 : 1);
  return x;
}

forEachVariant((ctx) => {
  const { variant } = ctx;
  for (const kind of ['sigmoid', 'tanh'] as const) {
    const ref64 = kind === 'sigmoid' ? sigmoid64 : Math.tanh;
    describe(`${kind}Forward / ${kind}Backward`, () => {
      it(`forward within ${FORWARD_ULPS[kind]} ulp of float64, in place too, n over {${LENGTHS.join(', ')}}`, () => {
        const rng = new Rng(kind === 'sigmoid' ? 41 : 42);
        for (const n of LENGTHS) {
          const x = inputs(rng, n);
          const expected = Float64Array.from(x, ref64);
          const tol = expected.map((r) => FORWARD_ULPS[kind] * ulpOf(r));
          const arena = makeArena(ctx.runtime, { inp: { shape: [n], data: x }, out: { shape: [n], fill: NaN } });
          const Inp = f32(arena, 'inp'),
            Out = f32(arena, 'out'),
            k = arena.kernels;
          const forward = (kind === 'sigmoid' ? k.sigmoidForward : k.tanhForward).bind(k);
          for (const twin of TWINS) {
            const what = `${kind}Forward (${variant} ${twin.label})`;
            expectWritesOnly(arena, [Out], () => forward(Out, Inp, { scalar: twin.scalar }));
            expectClose(Out.read(), expected, tol, { what, shape: `n = ${n}` });
            forward(Inp, Inp, { scalar: twin.scalar });
            expectEqual(Inp.read(), Out.read(), { what: `${what} in place`, shape: `n = ${n}` });
            Inp.write(x);
          }
          arena.dispose();
        }
      });

      it(`backward from the output y matches tf.grad (tfjs cpu) within ${SLOPE_U[kind]}u·|dy| + 6u·|ref|, dinp aliasing dout or y`, () => {
        const rng = new Rng(kind === 'sigmoid' ? 43 : 44);
        for (const n of LENGTHS) {
          const x = inputs(rng, n),
            dy = rng.f32(n, -3, 3);
          const expected = tf.tidy(() => {
            const f = (t: tf.Tensor) => (kind === 'sigmoid' ? tf.sigmoid(t) : tf.tanh(t));
            return tf.grad(f)(tf.tensor1d(x), tf.tensor1d(dy)).dataSync() as Float32Array;
          });
          const tol = expected.map((r, i) => SLOPE_U[kind] * U * Math.abs(dy[i]!) + 6 * U * Math.abs(r));
          const arena = makeArena(ctx.runtime, {
            y: { shape: [n], data: x },
            dout: { shape: [n], data: dy },
            dinp: { shape: [n], fill: NaN },
          });
          const Y = f32(arena, 'y'),
            Dout = f32(arena, 'dout'),
            Dinp = f32(arena, 'dinp'),
            k = arena.kernels;
          if (kind === 'sigmoid') k.sigmoidForward(Y, Y);
          else k.tanhForward(Y, Y);
          const y = Y.read();
          const backward = (kind === 'sigmoid' ? k.sigmoidBackward : k.tanhBackward).bind(k);
          for (const twin of TWINS) {
            const what = `${kind}Backward (${variant} ${twin.label})`;
            expectWritesOnly(arena, [Dinp], () => backward(Dinp, Dout, Y, { scalar: twin.scalar }));
            expectClose(Dinp.read(), expected, tol, { what, shape: `n = ${n}` });
            const separate = Dinp.read();
            backward(Dout, Dout, Y, { scalar: twin.scalar });
            expectEqual(Dout.read(), separate, { what: `${what} with dinp = dout`, shape: `n = ${n}` });
            Dout.write(dy);
            backward(Y, Dout, Y, { scalar: twin.scalar });
            expectEqual(Y.read(), separate, { what: `${what} with dinp = y`, shape: `n = ${n}` });
            Y.write(y);
          }
          arena.dispose();
        }
      });
    });
  }

  describe('dropoutForward / dropoutBackward', () => {
    it('out = inp·mask·f32(1/(1−rate)) exactly, mask 0/1, SIMD = twin; backward applies the same mask and scale', () => {
      const rng = new Rng(45);
      for (const rate of [0, 0.2, 0.5]) {
        for (const n of LENGTHS) {
          const x = rng.f32(n, -2, 2),
            dy = rng.f32(n, -2, 2);
          const arena = makeArena(ctx.runtime, {
            inp: { shape: [n], data: x },
            out: { shape: [n], fill: NaN },
            mask: { dtype: 'u8', shape: [n] },
            dout: { shape: [n], data: dy },
            dinp: { shape: [n], fill: NaN },
          });
          const Inp = f32(arena, 'inp'),
            Out = f32(arena, 'out'),
            Mask = u8(arena, 'mask'),
            Dout = f32(arena, 'dout'),
            Dinp = f32(arena, 'dinp');
          const k = arena.kernels,
            scale = dropoutScale(rate);
          let first: Uint8Array | undefined;
          for (const twin of TWINS) {
            const what = `dropout (${variant} ${twin.label}, rate ${rate})`;
            expectWritesOnly(arena, [Out, Mask], () =>
              k.dropoutForward(Out, Mask, Inp, { rate, seed: 7 + n, scalar: twin.scalar }),
            );
            const mask = Mask.read();
            assert.ok(
              mask.every((m) => m === 0 || m === 1),
              `${what}: mask holds other values than 0 and 1`,
            );
            if (rate === 0)
              assert.ok(
                mask.every((m) => m === 1),
                `${what}: rate 0 dropped an element`,
              );
            if (first)
              expectEqual(mask, first, { what: `${what}: mask differs from the SIMD kernel's`, shape: `n = ${n}` });
            first ??= mask;
            expectEqual(
              Out.read(),
              x.map((v, i) => Math.fround(v * Math.fround(mask[i]! * scale))),
              { what, shape: `n = ${n}` },
            );
            expectWritesOnly(arena, [Dinp], () => k.dropoutBackward(Dinp, Dout, Mask, { rate, scalar: twin.scalar }));
            expectEqual(
              Dinp.read(),
              dy.map((v, i) => Math.fround(v * Math.fround(mask[i]! * scale))),
              { what: `${what} backward`, shape: `n = ${n}` },
            );
          }
          arena.dispose();
        }
      }
    });

    it('over 10⁶ elements: kept fraction within 5σ of 1 − rate, mean preserved within 5σ; same seed same mask, other seeds other masks', () => {
      const n = 1_000_000;
      const rng = new Rng(46);
      const x = rng.f32(n, 0.5, 1.5);
      const arena = makeArena(ctx.runtime, {
        inp: { shape: [n], data: x },
        out: { shape: [n] },
        mask: { dtype: 'u8', shape: [n] },
      });
      const Inp = f32(arena, 'inp'),
        Out = f32(arena, 'out'),
        Mask = u8(arena, 'mask'),
        k = arena.kernels;
      const meanIn = x.reduce((s, v) => s + v, 0) / n;
      const sumSquares = x.reduce((s, v) => s + v * v, 0);
      for (const rate of [0.1, 0.2, 0.5, 0.8]) {
        k.dropoutForward(Out, Mask, Inp, { rate, seed: 2026 });
        const mask = Mask.read();
        const kept = mask.reduce((s, m) => s + m, 0),
          p = 1 - rate;
        const keptSigma = Math.sqrt(n * p * rate);
        assert.ok(
          Math.abs(kept - n * p) <= 5 * keptSigma,
          `rate ${rate}: kept ${kept} of ${n}, expected ${n * p} ± ${5 * keptSigma}`,
        );
        // out_i = x_i·m_i/p: mean x̄, variance of the mean Σx²·(1−p)/p / n².
        const meanOut = Out.read().reduce((s, v) => s + v, 0) / n;
        const meanSigma = Math.sqrt((sumSquares * rate) / p) / n;
        assert.ok(
          Math.abs(meanOut - meanIn) <= 5 * meanSigma,
          `rate ${rate}: mean ${meanOut} vs input mean ${meanIn}, allowed ± ${5 * meanSigma}`,
        );
        k.dropoutForward(Out, Mask, Inp, { rate, seed: 2026 });
        expectEqual(Mask.read(), mask, { what: `rate ${rate}: the same seed gave another mask`, shape: `n = ${n}` });
        k.dropoutForward(Out, Mask, Inp, { rate, seed: 2027 });
        const other = Mask.read();
        let agree = 0;
        for (let i = 0; i < n; i++) agree += +(other[i] === mask[i]);
        // Independent masks agree with probability p² + rate².
        const q = p * p + rate * rate;
        assert.ok(
          Math.abs(agree - n * q) <= 5 * Math.sqrt(n * q * (1 - q)),
          `rate ${rate}: seeds 2026 and 2027 agree on ${agree} of ${n} (independent: ${n * q})`,
        );
      }
      arena.dispose();
    });

    it('a split call (first = k) reproduces the mask of one call', () => {
      const n = 1280,
        rate = 0.5;
      const arena = makeArena(ctx.runtime, {
        inp: { shape: [n], fill: 1 },
        out: { shape: [n] },
        mask: { dtype: 'u8', shape: [n] },
      });
      const Inp = f32(arena, 'inp'),
        Out = f32(arena, 'out'),
        Mask = u8(arena, 'mask'),
        k = arena.kernels;
      k.dropoutForward(Out, Mask, Inp, { rate, seed: 99 });
      const whole = Mask.read();
      for (const cut of [1, 7, 640]) {
        const head = Inp.slice(0, [cut]),
          headOut = Out.slice(0, [cut]),
          headMask = Mask.slice(0, [cut]);
        const tail = Inp.slice(cut, [n - cut]),
          tailOut = Out.slice(cut, [n - cut]),
          tailMask = Mask.slice(cut, [n - cut]);
        k.dropoutForward(headOut, headMask, head, { rate, seed: 99 });
        k.dropoutForward(tailOut, tailMask, tail, { rate, seed: 99, first: cut });
        expectEqual(Mask.read(), whole, { what: `split at ${cut}`, shape: `n = ${n}` });
      }
      arena.dispose();
    });

    it('rejects bad options and overlaps, naming them, and writes nothing', () => {
      const arena = makeArena(ctx.runtime, {
        inp: { shape: [8] },
        out: { shape: [8] },
        mask: { dtype: 'u8', shape: [8] },
        short: { dtype: 'u8', shape: [7] },
      });
      const Inp = f32(arena, 'inp'),
        Out = f32(arena, 'out'),
        Mask = u8(arena, 'mask'),
        k = arena.kernels;
      expectWritesOnly(arena, [], () => {
        assert.throws(
          () => k.dropoutForward(Out, Mask, Inp, { rate: 1, seed: 1 }),
          /rate must be a number in \[0, 1\), got 1/,
        );
        assert.throws(
          () => k.dropoutForward(Out, Mask, Inp, { rate: NaN, seed: 1 }),
          /rate must be a number in \[0, 1\), got NaN/,
        );
        assert.throws(
          () => k.dropoutForward(Out, Mask, Inp, { rate: 0.5, seed: -1 }),
          /seed must be an integer in \[0, 2\^32\), got -1/,
        );
        assert.throws(() => k.dropoutForward(Out, Mask, Inp, { rate: 0.5, seed: 2 ** 32 }), /seed must be an integer/);
        assert.throws(
          () => k.dropoutForward(Out, Mask, Inp, { rate: 0.5, seed: 1, first: 0.5 }),
          /first must be an integer/,
        );
        assert.throws(
          () => k.dropoutForward(Out, u8(arena, 'short'), Inp, { rate: 0.5, seed: 1 }),
          /mask \[7\] and inp \[8\] must have the same shape/,
        );
        assert.throws(
          () => k.dropoutForward(Out, Inp as never, Inp, { rate: 0.5, seed: 1 }),
          /mask must be u8, got f32/,
        );
        assert.throws(
          () => k.dropoutBackward(Out, Inp, Mask, { rate: -0.1 }),
          /rate must be a number in \[0, 1\), got -0.1/,
        );
        assert.throws(
          () => k.sigmoidForward(Out, Inp.slice(0, [4])),
          /out \[8\] and inp \[4\] must have the same shape/,
        );
        assert.throws(
          () => k.tanhBackward(Out.slice(1, [4]), Out.slice(0, [4]), Inp.slice(0, [4])),
          /dinp \[4\] partly overlaps dout \[4\]/,
        );
      });
      assert.equal(dropoutThreshold(0.5), 2 ** 31);
      assert.equal(dropoutScale(0.2), Math.fround(1.25));
      arena.dispose();
    });
  });
});
