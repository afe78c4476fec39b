// reluForward / reluBackward (assembly/activations.ts): exact, over the boundary sizes and the
// real ones, in place and out of place, with exact zeros in the pre-activation.
import { describe, it } from 'node:test';
import {
  BATCHES,
  CLASSES,
  HIDDEN,
  PIXELS,
  SIZES,
  TWINS,
  Rng,
  expectEqual,
  expectInputsUnchanged,
  expectWritesOnly,
  f32,
  forEachVariant,
  makeArena,
  reluBackwardReference,
  reluForwardReference,
} from './reference.js';

const LENGTHS = [...SIZES, PIXELS, CLASSES, ...BATCHES.map((b) => b * HIDDEN)];

/** Random values in [-1, 1) with every fifth one an exact zero (and one −0), where ReLU's edge is. */
function withZeros(rng: Rng, n: number): Float32Array {
  const x = rng.f32(n);
  for (let i = 0; i < n; i += 5) x[i] = 0;
  if (n > 3) x[3] = -0;
  return x;
}

forEachVariant((ctx) => {
  const { variant } = ctx;

  describe('reluForward', () => {
    for (const inPlace of [false, true]) {
      it(`out = max(inp, 0) ${inPlace ? 'in place (out === inp)' : 'into a separate out'}, n over {${LENGTHS.join(', ')}}`, () => {
        const rng = new Rng(inPlace ? 6 : 5);
        for (const n of LENGTHS) {
          const inp = withZeros(rng, n);
          const expected = reluForwardReference(inp);
          const arena = makeArena(ctx.runtime, { inp: { shape: [n], data: inp }, out: { shape: [n] } });
          const Inp = f32(arena, 'inp'),
            Out = inPlace ? Inp : f32(arena, 'out');
          for (const twin of TWINS) {
            Inp.write(inp);
            if (!inPlace) Out.fill(NaN);
            expectWritesOnly(arena, [Out], () => arena.kernels.reluForward(Out, Inp, { scalar: twin.scalar }));
            expectEqual(Out.read(), expected, {
              what: `reluForward${inPlace ? ' in place' : ''} (${variant} ${twin.label})`,
              shape: `n = ${n}`,
            });
          }
        }
      });
    }

    it('works on 2-D tensors element by element ([32,128])', () => {
      const inp = new Rng(7).f32(32 * HIDDEN);
      const arena = makeArena(ctx.runtime, { inp: { shape: [32, HIDDEN], data: inp }, out: { shape: [32, HIDDEN] } });
      arena.kernels.reluForward(f32(arena, 'out'), f32(arena, 'inp'));
      expectEqual(f32(arena, 'out').read(), reluForwardReference(inp), {
        what: `reluForward (${variant})`,
        shape: '32×128',
        cols: HIDDEN,
      });
    });
  });

  it('does not modify the input: reluForward leaves inp, reluBackward dout and z unchanged', () => {
    const rng = new Rng(10);
    const n = 37;
    const arena = makeArena(ctx.runtime, {
      inp: { shape: [n], data: withZeros(rng, n) },
      dout: { shape: [n], data: rng.f32(n) },
      out: { shape: [n] },
    });
    const Inp = f32(arena, 'inp'),
      Dout = f32(arena, 'dout'),
      Out = f32(arena, 'out');
    for (const twin of TWINS) {
      expectInputsUnchanged([Inp], () => arena.kernels.reluForward(Out, Inp, { scalar: twin.scalar }));
      expectInputsUnchanged([Dout, Inp], () => arena.kernels.reluBackward(Out, Dout, Inp, { scalar: twin.scalar }));
    }
  });

  describe('reluBackward', () => {
    for (const inPlace of [false, true]) {
      it(`dinp = dout where z > 0, else 0, ${inPlace ? 'in place (dinp === dout)' : 'into a separate dinp'}, n over {${LENGTHS.join(', ')}}`, () => {
        const rng = new Rng(inPlace ? 9 : 8);
        for (const n of LENGTHS) {
          const dout = rng.f32(n),
            z = withZeros(rng, n);
          const expected = reluBackwardReference(dout, z);
          const arena = makeArena(ctx.runtime, {
            dout: { shape: [n], data: dout },
            z: { shape: [n], data: z },
            dinp: { shape: [n] },
          });
          const Dout = f32(arena, 'dout'),
            Z = f32(arena, 'z'),
            Dinp = inPlace ? Dout : f32(arena, 'dinp');
          for (const twin of TWINS) {
            Dout.write(dout);
            if (!inPlace) Dinp.fill(NaN);
            expectWritesOnly(arena, [Dinp], () => arena.kernels.reluBackward(Dinp, Dout, Z, { scalar: twin.scalar }));
            expectEqual(Dinp.read(), expected, {
              what: `reluBackward${inPlace ? ' in place' : ''} (${variant} ${twin.label})`,
              shape: `n = ${n}`,
            });
          }
        }
      });
    }
  });
});
