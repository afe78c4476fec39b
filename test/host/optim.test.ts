// sgdUpdate / momentumUpdate / adamUpdate (assembly/optim.ts) against float64 over several steps,
// at the boundary sizes and the real parameter counts. Each step is compared with a float64 step
// from the kernel's own f32 state (see reference.ts), so the optimizer state (velocity, m, v) and
// the step count are checked at every step.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ADAM_DEFAULTS, type Arena } from '../../src/index.node.js';
import {
  CLASSES,
  HIDDEN,
  PIXELS,
  SIZES,
  TWINS,
  Rng,
  adamReference,
  expectClose,
  expectInputsUnchanged,
  expectWritesOnly,
  f32,
  forEachVariant,
  makeArena,
  momentumReference,
  sgdReference,
  type VariantContext,
} from './reference.js';

/** Parameter counts: the sizes, and the flat parameter regions of the two real networks. */
const SOFTMAX_REGRESSION = PIXELS * CLASSES + CLASSES; // 7850
const MLP = PIXELS * HIDDEN + HIDDEN + HIDDEN * CLASSES + CLASSES; // 101770
const LENGTHS = [...SIZES, SOFTMAX_REGRESSION, MLP];
const STEPS = 4;

function optimizerArena(ctx: VariantContext, n: number, rng: Rng, state: string[]): Arena {
  const buffers: Record<string, { shape: number[]; data?: Float32Array }> = {
    params: { shape: [n], data: rng.f32(n) },
    grads: { shape: [n] },
  };
  for (const name of state) buffers[name] = { shape: [n] };
  return makeArena(ctx.runtime, buffers);
}

forEachVariant((ctx) => {
  const { variant } = ctx;

  it('does not modify the input: grads unchanged by every update', () => {
    const n = 37,
      rng = new Rng(44);
    const arena = optimizerArena(ctx, n, rng, ['velocity', 'm', 'v']);
    const P = f32(arena, 'params'),
      G = f32(arena, 'grads').write(rng.f32(n));
    for (const twin of TWINS) {
      expectInputsUnchanged([G], () => arena.kernels.sgdUpdate(P, G, 0.1, { scalar: twin.scalar }));
      expectInputsUnchanged([G], () =>
        arena.kernels.momentumUpdate(P, G, f32(arena, 'velocity'), 0.1, 0.9, { scalar: twin.scalar }),
      );
      expectInputsUnchanged([G], () =>
        arena.kernels.adamUpdate(P, G, f32(arena, 'm'), f32(arena, 'v'), { lr: 0.01, step: 1, scalar: twin.scalar }),
      );
    }
  });

  describe('sgdUpdate', () => {
    it(`params −= lr·grads, ${STEPS} steps, n over {${LENGTHS.join(', ')}}`, () => {
      const rng = new Rng(40);
      for (const n of LENGTHS) {
        for (const twin of TWINS) {
          const arena = optimizerArena(ctx, n, rng, []);
          const P = f32(arena, 'params'),
            G = f32(arena, 'grads');
          for (let step = 1; step <= STEPS; step++) {
            const lr = [0.1, 0.01, 0.5, 1][step % 4]!;
            G.write(rng.f32(n));
            const ref = sgdReference(P.read(), G.read(), lr);
            expectWritesOnly(arena, [P], () => arena.kernels.sgdUpdate(P, G, lr, { scalar: twin.scalar }));
            expectClose(P.read(), ref.params, ref.tol, {
              what: `sgdUpdate step ${step} lr ${lr} (${variant} ${twin.label})`,
              shape: `n = ${n}`,
            });
          }
        }
      }
    });
  });

  describe('momentumUpdate', () => {
    it(`velocity = μ·velocity + grads; params −= lr·velocity, ${STEPS} steps, n over {${LENGTHS.join(', ')}}`, () => {
      const rng = new Rng(41);
      for (const n of LENGTHS) {
        for (const twin of TWINS) {
          const arena = optimizerArena(ctx, n, rng, ['velocity']);
          const P = f32(arena, 'params'),
            G = f32(arena, 'grads'),
            V = f32(arena, 'velocity');
          for (let step = 1; step <= STEPS; step++) {
            const lr = 0.05,
              momentum = 0.9;
            G.write(rng.f32(n));
            const ref = momentumReference(P.read(), G.read(), V.read(), lr, momentum);
            expectWritesOnly(arena, [P, V], () =>
              arena.kernels.momentumUpdate(P, G, V, lr, momentum, { scalar: twin.scalar }),
            );
            const context = { what: `momentumUpdate step ${step} (${variant} ${twin.label})`, shape: `n = ${n}` };
            expectClose(V.read(), ref.velocity, ref.velocityTol, { ...context, what: `${context.what} velocity` });
            expectClose(P.read(), ref.params, ref.tol, { ...context, what: `${context.what} params` });
          }
        }
      }
    });
  });

  describe('adamUpdate', () => {
    it('defaults to the tfjs hyperparameters β1 0.9, β2 0.999, ε 1e-7', () => {
      assert.deepEqual({ ...ADAM_DEFAULTS }, { beta1: 0.9, beta2: 0.999, epsilon: 1e-7 });
    });

    // Steps 1..4, then far along (where 1 − β^t → 1 and the bias correction fades).
    const SCHEDULES = [
      { name: 'tfjs defaults', hyper: {}, steps: [1, 2, 3, 4, 1000] },
      { name: 'β1 0.8, β2 0.99, ε 1e-3', hyper: { beta1: 0.8, beta2: 0.99, epsilon: 1e-3 }, steps: [1, 2, 3, 50, 51] },
    ];
    for (const schedule of SCHEDULES) {
      it(`bias-corrected step t, ${schedule.name}, t ∈ {${schedule.steps.join(', ')}}, n over {${LENGTHS.join(', ')}}`, () => {
        const rng = new Rng(42);
        const beta1 = schedule.hyper.beta1 ?? ADAM_DEFAULTS.beta1,
          beta2 = schedule.hyper.beta2 ?? ADAM_DEFAULTS.beta2;
        const epsilon = schedule.hyper.epsilon ?? ADAM_DEFAULTS.epsilon;
        for (const n of LENGTHS) {
          for (const twin of TWINS) {
            const arena = optimizerArena(ctx, n, rng, ['m', 'v']);
            const P = f32(arena, 'params'),
              G = f32(arena, 'grads'),
              M = f32(arena, 'm'),
              V = f32(arena, 'v');
            for (const step of schedule.steps) {
              const lr = 0.01;
              G.write(rng.f32(n));
              const ref = adamReference(P.read(), G.read(), M.read(), V.read(), { lr, beta1, beta2, epsilon, step });
              expectWritesOnly(arena, [P, M, V], () =>
                arena.kernels.adamUpdate(P, G, M, V, { lr, step, ...schedule.hyper, scalar: twin.scalar }),
              );
              const context = {
                what: `adamUpdate t = ${step}, ${schedule.name} (${variant} ${twin.label})`,
                shape: `n = ${n}`,
              };
              expectClose(M.read(), ref.m, ref.mTol, { ...context, what: `${context.what} m` });
              expectClose(V.read(), ref.v, ref.vTol, { ...context, what: `${context.what} v` });
              expectClose(P.read(), ref.params, ref.tol, { ...context, what: `${context.what} params` });
            }
          }
        }
      });
    }

    it('the first step moves every parameter by about lr against its gradient sign (m̂/√v̂ = ±1)', () => {
      const n = 33,
        lr = 0.01;
      const rng = new Rng(43);
      const params = rng.f32(n),
        grads = rng.f32(n, 0.1, 1).map((g, i) => (i % 2 ? g : -g));
      const arena = makeArena(ctx.runtime, {
        params: { shape: [n], data: params },
        grads: { shape: [n], data: grads },
        m: { shape: [n] },
        v: { shape: [n] },
      });
      arena.kernels.adamUpdate(f32(arena, 'params'), f32(arena, 'grads'), f32(arena, 'm'), f32(arena, 'v'), {
        lr,
        step: 1,
      });
      const moved = f32(arena, 'params')
        .read()
        .map((p, i) => (params[i]! - p) * Math.sign(grads[i]!));
      for (let i = 0; i < n; i++)
        assert.ok(Math.abs(moved[i]! - lr) < 1e-6, `param ${i} moved ${moved[i]} against its gradient, expected ${lr}`);
    });
  });
});
