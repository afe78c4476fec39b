// sgd_update, momentum_update, adam_update and their scalar twins against float64 references of
// the rules in optim.ts, over several steps so that the optimizer state carries over.
//
// Tolerance: max(1e-5, 1e-6·|ref|) on params and on every state buffer. Each step rounds a few
// times per element; the reference restarts from the kernel's own f32 state every step, so errors
// do not compound. Learning rates are large (0.05–0.5) so a wrong step is far outside it.
import {
  adam_update, adam_update_scalar, momentum_update, momentum_update_scalar, sgd_update, sgd_update_scalar,
} from "../../assembly/optim";
import { Buffer, close, fail, fillFrom, fillUniform, mismatch, seed, SIZES } from "./helpers";

// n = 0 must touch nothing; the rest go around the 4-lane width; 101 770 is a 784-128-10 MLP.
const ALL_SIZES: i32[] = [0].concat(SIZES).concat([101770]);
const STEPS = 3;

function at(name: string, n: i32, step: i32, i: i32): string {
  return name + " n=" + n.toString() + " step " + step.toString() + (i < 0 ? "" : ": [" + i.toString() + "]");
}

function guardsIntact(a: Buffer<f32>, b: Buffer<f32>, c: Buffer<f32>, d: Buffer<f32>): bool {
  return a.guardsIntact() && b.guardsIntact() && c.guardsIntact() && d.guardsIntact();
}

describe("sgd_update", () => {
  test("known values: params −= lr·grads", () => {
    const p = fillFrom(new Buffer<f32>(5), [1, 2, 3, 4, 5]);
    const g = fillFrom(new Buffer<f32>(5), [1, -1, 0.5, 0, 2]);
    sgd_update(p.ptr, g.ptr, 5, 0.5);
    const expected: f32[] = [0.5, 2.5, 2.75, 4, 4];
    for (let i = 0; i < 5; i++) expect<f32>(p[i]).toBe(expected[i], "sgd_update [" + i.toString() + "]");
    p.free(); g.free();
  });

  test("every n, several steps, equal to sgd_update_scalar", () => {
    seed(51);
    const lr: f32 = 0.1;
    for (let s = 0; s < ALL_SIZES.length; s++) {
      const n = ALL_SIZES[s];
      const params = fillUniform(new Buffer<f32>(n), -1, 1), twin = params.copy();
      const grads = new Buffer<f32>(n);
      for (let step = 1; step <= STEPS; step++) {
        fillUniform(grads, -1, 1);
        const before = params.copy(), grads0 = grads.copy();
        sgd_update(params.ptr, grads.ptr, n, lr);
        sgd_update_scalar(twin.ptr, grads.ptr, n, lr);
        for (let i = 0; i < n; i++) {
          const ref = <f64>before[i] - <f64>lr * <f64>grads[i];
          if (!close(params[i], ref)) mismatch(params[i], ref, at("sgd_update", n, step, i));
          if (!close(twin[i], params[i])) mismatch(twin[i], params[i], at("sgd_update_scalar vs sgd_update", n, step, i));
        }
        if (!params.guardsIntact() || !twin.guardsIntact()) fail(at("sgd_update wrote outside params", n, step, -1));
        if (!grads.sameAs(grads0)) fail(at("sgd_update modified grads", n, step, -1));
        before.free(); grads0.free();
      }
      params.free(); twin.free(); grads.free();
    }
  });
});

describe("momentum_update", () => {
  test("known values: velocity = μ·velocity + g; params −= lr·velocity", () => {
    const p = fillFrom(new Buffer<f32>(2), [1, 1]);
    const g = fillFrom(new Buffer<f32>(2), [1, -2]);
    const v = fillFrom(new Buffer<f32>(2), [0, 0]);
    momentum_update(p.ptr, g.ptr, v.ptr, 2, 0.5, 0.5);
    expect<f32>(v[0]).toBe(1, "velocity after step 1");
    expect<f32>(p[0]).toBe(0.5, "params after step 1");
    momentum_update(p.ptr, g.ptr, v.ptr, 2, 0.5, 0.5);
    expect<f32>(v[0]).toBe(1.5, "velocity after step 2: 0.5·1 + 1");
    expect<f32>(p[0]).toBe(-0.25, "params after step 2: 0.5 − 0.5·1.5");
    expect<f32>(v[1]).toBe(-3, "velocity after step 2: 0.5·(−2) − 2");
    expect<f32>(p[1]).toBe(3.5, "params after step 2: 1 + 0.5·2 + 0.5·3");
    p.free(); g.free(); v.free();
  });

  test("every n, several steps, equal to momentum_update_scalar", () => {
    seed(52);
    const lr: f32 = 0.05, mu: f32 = 0.9;
    for (let s = 0; s < ALL_SIZES.length; s++) {
      const n = ALL_SIZES[s];
      const params = fillUniform(new Buffer<f32>(n), -1, 1), twin = params.copy();
      const velocity = fillUniform(new Buffer<f32>(n), -1, 1), twinVelocity = velocity.copy();
      const grads = new Buffer<f32>(n);
      for (let step = 1; step <= STEPS; step++) {
        fillUniform(grads, -1, 1);
        const before = params.copy(), velocity0 = velocity.copy(), grads0 = grads.copy();
        momentum_update(params.ptr, grads.ptr, velocity.ptr, n, lr, mu);
        momentum_update_scalar(twin.ptr, grads.ptr, twinVelocity.ptr, n, lr, mu);
        for (let i = 0; i < n; i++) {
          const v = <f64>mu * <f64>velocity0[i] + <f64>grads[i];
          const ref = <f64>before[i] - <f64>lr * v;
          if (!close(velocity[i], v)) mismatch(velocity[i], v, at("momentum_update velocity", n, step, i));
          if (!close(params[i], ref)) mismatch(params[i], ref, at("momentum_update params", n, step, i));
          if (!close(twinVelocity[i], velocity[i])) {
            mismatch(twinVelocity[i], velocity[i], at("momentum_update_scalar vs momentum_update velocity", n, step, i));
          }
          if (!close(twin[i], params[i])) mismatch(twin[i], params[i], at("momentum_update_scalar vs momentum_update params", n, step, i));
        }
        if (!guardsIntact(params, velocity, twin, twinVelocity)) fail(at("momentum_update wrote outside", n, step, -1));
        if (!grads.sameAs(grads0)) fail(at("momentum_update modified grads", n, step, -1));
        before.free(); velocity0.free(); grads0.free();
      }
      params.free(); twin.free(); velocity.free(); twinVelocity.free(); grads.free();
    }
  });
});

// Runs `steps` Adam steps with both kernels from zero state and checks params, m and v against the
// float64 rule (restarted from the kernel's state each step) and the twin against the kernel.
function checkAdam(n: i32, lr: f32, beta1: f32, beta2: f32, epsilon: f32): void {
  const params = fillUniform(new Buffer<f32>(n), -1, 1), twin = params.copy();
  const m = new Buffer<f32>(n), v = new Buffer<f32>(n);
  for (let i = 0; i < n; i++) { m[i] = 0; v[i] = 0; }
  const twinM = m.copy(), twinV = v.copy();
  const grads = new Buffer<f32>(n);
  for (let t = 1; t <= STEPS; t++) {
    fillUniform(grads, -1, 1);
    const before = params.copy(), m0 = m.copy(), v0 = v.copy(), grads0 = grads.copy();
    adam_update(params.ptr, grads.ptr, m.ptr, v.ptr, n, lr, beta1, beta2, epsilon, t);
    adam_update_scalar(twin.ptr, grads.ptr, twinM.ptr, twinV.ptr, n, lr, beta1, beta2, epsilon, t);
    const b1 = <f64>beta1, b2 = <f64>beta2;
    for (let i = 0; i < n; i++) {
      const g = <f64>grads[i];
      const mt = b1 * <f64>m0[i] + (1 - b1) * g;
      const vt = b2 * <f64>v0[i] + (1 - b2) * g * g;
      const mHat = mt / (1 - Math.pow(b1, t)), vHat = vt / (1 - Math.pow(b2, t));
      const ref = <f64>before[i] - <f64>lr * mHat / (Math.sqrt(vHat) + <f64>epsilon);
      if (!close(m[i], mt)) mismatch(m[i], mt, at("adam_update m", n, t, i));
      if (!close(v[i], vt)) mismatch(v[i], vt, at("adam_update v", n, t, i));
      if (!close(params[i], ref)) mismatch(params[i], ref, at("adam_update params", n, t, i));
      if (!close(twinM[i], m[i])) mismatch(twinM[i], m[i], at("adam_update_scalar vs adam_update m", n, t, i));
      if (!close(twinV[i], v[i])) mismatch(twinV[i], v[i], at("adam_update_scalar vs adam_update v", n, t, i));
      if (!close(twin[i], params[i])) mismatch(twin[i], params[i], at("adam_update_scalar vs adam_update params", n, t, i));
    }
    if (!guardsIntact(params, m, v, grads) || !guardsIntact(twin, twinM, twinV, grads)) {
      fail(at("adam_update wrote outside its buffers", n, t, -1));
    }
    if (!grads.sameAs(grads0)) fail(at("adam_update modified grads", n, t, -1));
    before.free(); m0.free(); v0.free(); grads0.free();
  }
  params.free(); twin.free(); m.free(); v.free(); twinM.free(); twinV.free(); grads.free();
}

describe("adam_update", () => {
  test("first step moves each parameter by ≈ lr·sign(g)", () => {
    // From m = v = 0, bias correction gives m̂ = g and v̂ = g², so the step is lr·g/(|g| + ε).
    const n = 9;
    const lr: f32 = 0.01;
    const p = fillFrom(new Buffer<f32>(n), [0, 0, 0, 0, 0, 1, 1, 1, 1]);
    const g = fillFrom(new Buffer<f32>(n), [1, -1, 0.5, -0.25, 3, -3, 0.125, -0.75, 2]);
    const m = new Buffer<f32>(n), v = new Buffer<f32>(n);
    for (let i = 0; i < n; i++) { m[i] = 0; v[i] = 0; }
    adam_update(p.ptr, g.ptr, m.ptr, v.ptr, n, lr, 0.9, 0.999, 1e-7, 1);
    for (let i = 0; i < n; i++) {
      const start: f64 = i < 5 ? 0 : 1;
      const moved = start - <f64>p[i];
      const sign: f64 = g[i] > 0 ? 1 : -1;
      // |step − lr·sign(g)| = lr·ε/(|g| + ε) ≤ 1e-8 here, plus ≤ 6e-8 of f32 rounding of params near
      // 1; the step is only 0.01, so this check tightens the tolerance to 1e-6 (factor 0.1).
      if (!close(moved, <f64>lr * sign, 0.1)) mismatch(moved, <f64>lr * sign, "first Adam step of param " + i.toString());
    }
    p.free(); g.free(); m.free(); v.free();
  });

  test("every n, three steps with tfjs defaults (β1 = 0.9, β2 = 0.999, ε = 1e-7), equal to adam_update_scalar", () => {
    seed(53);
    for (let s = 0; s < ALL_SIZES.length; s++) checkAdam(ALL_SIZES[s], 0.1, 0.9, 0.999, 1e-7);
  });

  test("ε = 0.5 and β1 = 0.5, β2 = 0.75: ε outside the square root, bias correction per step", () => {
    // A large ε makes its placement visible (sqrt(v̂) + ε vs sqrt(v̂ + ε)); small β make the
    // (1 − βᵗ) corrections differ a lot between steps 1, 2 and 3.
    seed(54);
    for (let s = 0; s < SIZES.length; s++) checkAdam(SIZES[s], 0.5, 0.5, 0.75, 0.5);
  });
});

// Previous first moments around the smallest normal 2^−126 ≈ 1.1755e-38, each
// paired with a gradient: scaled by 0.9 they land just below it (stored +0), just above it
// (kept), or come from a subnormal, a zero of either sign, a tiny gradient, or a normal value.
const STATE_BEFORE: f32[] = [1.3e-38, -1.3e-38, 2e-38, -2e-38, 1e-39, -1e-39, 0, -0, 0, 1e-3];
const GRADIENT: f32[] = [0, 0, 0, 0, 0, 0, 1e-38, -1e-38, 1.2e-36, 0];
const SMALLEST_NORMAL: f64 = 1.1754943508222875e-38;

// Checks one kernel's m and parameters after one update from STATE_BEFORE (cycled over n
// elements) with params 1 and v 0: an m that would be subnormal is +0 and leaves its parameter
// at exactly 1, the rest is the f64 rule's value.
function checkFlushed(
  name: string, n: i32, state: Buffer<f32>, params: Buffer<f32>, scale: f64, gradientShare: f64,
): void {
  for (let i = 0; i < n; i++) {
    const k = i % STATE_BEFORE.length;
    const want = scale * <f64>STATE_BEFORE[k] + gradientShare * <f64>GRADIENT[k];
    const got = state[i];
    if (Math.abs(want) < SMALLEST_NORMAL) {
      if (reinterpret<u32>(got) != 0) fail(name + " n=" + n.toString() + ": [" + i.toString() + "] should be +0, is " + got.toString());
      if (params[i] != 1) fail(name + " n=" + n.toString() + ": param [" + i.toString() + "] moved to " + params[i].toString());
    } else if (Math.abs(<f64>got - want) > 1e-6 * Math.abs(want)) {
      mismatch(got, want, name + " n=" + n.toString() + ": [" + i.toString() + "]");
    }
  }
}

describe("adam_update: subnormal first moments", () => {
  test("adam_update stores a first moment below 2^−126 as +0, as its twin does", () => {
    for (let n = 1; n <= 23; n++) {
      for (let twin = 0; twin < 2; twin++) {
        const params = new Buffer<f32>(n), grads = new Buffer<f32>(n), m = new Buffer<f32>(n), v = new Buffer<f32>(n);
        for (let i = 0; i < n; i++) {
          params[i] = 1; m[i] = STATE_BEFORE[i % STATE_BEFORE.length]; grads[i] = GRADIENT[i % GRADIENT.length]; v[i] = 0;
        }
        if (twin) adam_update_scalar(params.ptr, grads.ptr, m.ptr, v.ptr, n, 0.01, 0.9, 0.999, 1e-7, 100);
        else adam_update(params.ptr, grads.ptr, m.ptr, v.ptr, n, 0.01, 0.9, 0.999, 1e-7, 100);
        checkFlushed(twin ? "adam_update_scalar" : "adam_update", n, m, params, <f64><f32>0.9, <f64>(<f32>1 - <f32>0.9));
        params.free(); grads.free(); m.free(); v.free();
      }
    }
  });
});
