// sgd_update / adam_update (assembly/optim.ts) against tfjs's own optimizers,
// tf.train.sgd(lr) and tf.train.adam(lr, 0.9, 0.999, 1e-7), applying one gradient to one flat
// variable of P parameters, as our network keeps all parameters in one region. Sizes: the
// parameter counts of 784-10-10 and 784-128-10, and 4 Mi parameters (16 MiB per buffer, beyond the
// caches). Validation: one step from the same state. Rate: GB/s (SGD 12, Adam 28 bytes/parameter).
import type { Runtime } from '../src/index.node.js';
import { ADAM_DEFAULTS } from '../src/kernels.js';
import { cached, randomF32, U } from './data.js';
import type { Impl, KernelCase, Reference } from './harness.js';
import { tf } from './tfjs.js';

/** 784·10 + 10 + 10·10 + 10 and 784·128 + 128 + 128·10 + 10. */
export const PARAMS_784_10_10 = 7960,
  PARAMS_784_128_10 = 101770;

const f = Math.fround;
const initial = (P: number) => cached(`params:${P}`, () => randomF32(P, 41, -0.01, 0.01));
const gradients = (P: number) => cached(`grads:${P}`, () => randomF32(P, 42));

function tfjsOptimizer(P: number, make: () => tf.Optimizer): Impl {
  const init = tf.tensor1d(initial(P));
  const v = tf.variable(init);
  init.dispose();
  const g = tf.tensor1d(gradients(P));
  const opt = make();
  const apply = () => {
    tf.tidy(() => {
      opt.applyGradients({ [v.name]: g });
    });
  };
  return {
    output: () => {
      apply();
      return (v.dataSync() as Float32Array).slice();
    },
    run: apply,
    dispose: () => {
      opt.dispose();
      v.dispose();
      g.dispose();
    },
  };
}

export function sgdCase(P: number, label: string, lr = 0.1): KernelCase {
  return {
    suite: 'optim',
    kernel: 'sgd_update',
    tfjsOp: 'tf.train.sgd(lr).applyGradients',
    name: `sgd θ −= lr·g ${label}`,
    shape: `${P}`,
    unit: 'GB/s',
    work: { flops: 2 * P, bytes: 12 * P, footprint: 8 * P, elements: P },
    skipCpu: P > 1e6 ? "tfjs-cpu runs this in JS at ~0.6 s per call; outside the suite's time budget" : undefined,
    simdnet(runtime: Runtime): Impl {
      const arena = runtime.createArena({ p: [P], g: [P] });
      const p = arena.tensor('p', 'f32').write(initial(P)),
        g = arena.tensor('g', 'f32').write(gradients(P)),
        k = arena.exports;
      return {
        output: () => {
          arena.kernels.sgdUpdate(p, g, lr);
          return p.read() as Float32Array;
        },
        run: () => k.sgd_update(p.offset, g.offset, P, lr),
        dispose: () => arena.dispose(),
      };
    },
    tfjs: () => tfjsOptimizer(P, () => tf.train.sgd(lr)),
    reference: (): Reference => {
      const p = initial(P),
        g = gradients(P),
        r = f(lr);
      const value = Float64Array.from(p, (v, i) => v - r * g[i]!);
      return {
        value,
        bound: value.map((v, i) => 2 * U * (Math.abs(p[i]!) + Math.abs(r * g[i]!)) + 1e-45),
        basis: '2·u·(|θ| + |lr·g|)',
      };
    },
  };
}

export function adamCase(P: number, label: string, lr = 0.001): KernelCase {
  const { beta1, beta2, epsilon } = ADAM_DEFAULTS;
  return {
    suite: 'optim',
    kernel: 'adam_update',
    tfjsOp: 'tf.train.adam(lr, 0.9, 0.999, 1e-7).applyGradients',
    name: `adam m, v, θ ${label}`,
    shape: `${P}`,
    unit: 'GB/s',
    work: { flops: 16 * P, bytes: 28 * P, footprint: 16 * P, elements: P },
    skipCpu: P > 1e6 ? "tfjs-cpu runs this in JS at ~5 s per call; outside the suite's time budget" : undefined,
    simdnet(runtime: Runtime): Impl {
      const arena = runtime.createArena({ p: [P], g: [P], m: [P], v: [P] });
      const p = arena.tensor('p', 'f32').write(initial(P)),
        g = arena.tensor('g', 'f32').write(gradients(P));
      const m = arena.tensor('m', 'f32'),
        v = arena.tensor('v', 'f32'),
        k = arena.exports;
      let step = 1;
      return {
        output: () => {
          arena.kernels.adamUpdate(p, g, m, v, { lr, step: 1 });
          return p.read() as Float32Array;
        },
        run: () => k.adam_update(p.offset, g.offset, m.offset, v.offset, P, lr, beta1, beta2, epsilon, ++step),
        dispose: () => arena.dispose(),
      };
    },
    tfjs: () => tfjsOptimizer(P, () => tf.train.adam(lr, beta1, beta2, epsilon)),
    // Step 1 from m = v = 0, with the f32 values of the constants. The step lr·m̂/(√v̂ + ε) goes
    // through ~10 roundings (64u covers them); θ's own rounding adds u·|θ|. On top, tfjs scales g
    // by f32(1 − β) but corrects the bias with 1 − f32(β): at step 1 that skews m̂ by δ1 (2.4e-7)
    // and v̂ by δ2 (1.3e-5, as f32(0.999) is 1.3e-8 off), so its step is off by up to δ1 + δ2/2.
    reference: (): Reference => {
      const p = initial(P),
        g = gradients(P);
      const b1 = f(beta1),
        b2 = f(beta2),
        eps = f(epsilon),
        r = f(lr);
      const skew = (b: number) => Math.abs(f(1 - b) - (1 - f(b))) / (1 - f(b));
      const rel = 64 * U + skew(beta1) + skew(beta2) / 2;
      const value = new Float64Array(P),
        bound = new Float64Array(P);
      for (let i = 0; i < P; i++) {
        const gi = g[i]!;
        const mHat = ((1 - b1) * gi) / (1 - b1),
          vHat = ((1 - b2) * gi * gi) / (1 - b2);
        const step = (r * mHat) / (Math.sqrt(vHat) + eps);
        value[i] = p[i]! - step;
        bound[i] = rel * Math.abs(step) + U * Math.abs(value[i]!) + 1e-45;
      }
      return { value, bound, basis: `(64u + δ1 + δ2/2 = ${rel.toExponential(1)})·|step| + u·|θ|` };
    },
  };
}

export function optimCases(options: { quick: boolean }): KernelCase[] {
  const sizes: Array<[number, string]> = [
    [PARAMS_784_10_10, '784-10-10'],
    [PARAMS_784_128_10, '784-128-10'],
  ];
  if (!options.quick) sizes.push([1 << 22, '4 Mi parameters']);
  return [...sizes.map(([P, l]) => sgdCase(P, l)), ...sizes.map(([P, l]) => adamCase(P, l))];
}
