// Parameter updates over one flat region of n parameters (all weights and biases of a network
// live contiguously, their gradients and optimizer state in regions of the same layout).
// Conventions: see gemm.ts. Every buffer has n elements, n ≥ 0; the buffers must not overlap.
// All updates are in place.
//
// Adam's first moment is never stored subnormal: a new m below 2^−126 in magnitude is stored as
// +0, as on a CPU that flushes subnormals to zero (TensorFlow's CPU kernels run so). m decays by
// β1 (0.9) a step while a weight's input is zero, which for MNIST's rarely inked pixels lasts
// hundreds of steps, and x86 CPUs run every vector operation that meets a subnormal in microcode:
// after two epochs of 784-128-10 Adam b32, 5 % of m was subnormal and the update took 92 µs; with
// this rule 68 µs (55 → 60 µs on state with no small values), epochs 5–12 % faster from the
// second on. Such an m moves its parameter by far less than the parameter's last bit either way.
// Adam's v decays by β2 (0.999), tens of thousands of idle steps from the subnormals, and
// momentum's velocity meets one multiply-add there: flushing either measured no faster.
import { madd } from "./simd";

const EXPONENT_BITS = 0x7f800000;

// x, with the lanes that are zero or subnormal (exponent bits all 0) set to +0.
// @ts-ignore: decorator
@inline function flushSubnormal(x: v128): v128 {
  return v128.andnot(x, i32x4.eq(v128.and(x, i32x4.splat(EXPONENT_BITS)), i32x4.splat(0)));
}

// The scalar flushSubnormal.
// @ts-ignore: decorator
@inline function flushSubnormalScalar(x: f32): f32 {
  return reinterpret<u32>(x) & EXPONENT_BITS ? x : 0;
}

// Plain gradient descent, the seed's rule: params -= lr · grads.
export function sgd_update(params: usize, grads: usize, n: i32, lr: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    // params − lr·grads as params + (−lr)·grads: negating lr is exact, and the update becomes a madd.
    const descent = f32x4.splat(-lr);
    for (; i + 4 <= n; i += 4) {
      const off = <usize>i << 2;
      v128.store(params + off, madd(descent, v128.load(grads + off), v128.load(params + off)));
    }
  }
  const off = <usize>i << 2;
  sgd_update_scalar(params + off, grads + off, n - i, lr);
}

// Scalar twin of sgd_update.
export function sgd_update_scalar(params: usize, grads: usize, n: i32, lr: f32): void {
  for (let i = 0; i < n; i++) {
    const off = <usize>i << 2;
    store<f32>(params + off, load<f32>(params + off) - lr * load<f32>(grads + off));
  }
}

// Heavy-ball momentum as tfjs's MomentumOptimizer (useNesterov = false):
// velocity = momentum · velocity + grads; params -= lr · velocity.
export function momentum_update(params: usize, grads: usize, velocity: usize, n: i32, lr: f32, momentum: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const descent = f32x4.splat(-lr), mu = f32x4.splat(momentum);
    for (; i + 4 <= n; i += 4) {
      const off = <usize>i << 2;
      const v = madd(mu, v128.load(velocity + off), v128.load(grads + off));
      v128.store(velocity + off, v);
      v128.store(params + off, madd(descent, v, v128.load(params + off)));
    }
  }
  const off = <usize>i << 2;
  momentum_update_scalar(params + off, grads + off, velocity + off, n - i, lr, momentum);
}

// Scalar twin of momentum_update.
export function momentum_update_scalar(params: usize, grads: usize, velocity: usize, n: i32, lr: f32, momentum: f32): void {
  for (let i = 0; i < n; i++) {
    const off = <usize>i << 2;
    const v = momentum * load<f32>(velocity + off) + load<f32>(grads + off);
    store<f32>(velocity + off, v);
    store<f32>(params + off, load<f32>(params + off) - lr * v);
  }
}

// Adam as tfjs's AdamOptimizer, for step t ≥ 1 (the count of updates including this one):
//   m = β1·m + (1−β1)·g, +0 when below 2^−126 (see the top of this file);  v = β2·v + (1−β2)·g²;
//   params -= lr · (m / (1−β1^t)) / (sqrt(v / (1−β2^t)) + ε).
export function adam_update(
  params: usize, grads: usize, m: usize, v: usize, n: i32,
  lr: f32, beta1: f32, beta2: f32, epsilon: f32, t: i32,
): void {
  const mScale = <f32>(1.0 / (1.0 - Math.pow(<f64>beta1, <f64>t)));
  const vScale = <f32>(1.0 / (1.0 - Math.pow(<f64>beta2, <f64>t)));
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const b1 = f32x4.splat(beta1), b2 = f32x4.splat(beta2);
    const g1 = f32x4.splat(1 - beta1), g2 = f32x4.splat(1 - beta2);
    const ms = f32x4.splat(mScale), vs = f32x4.splat(vScale);
    const rate = f32x4.splat(lr), eps = f32x4.splat(epsilon);
    for (; i + 4 <= n; i += 4) {
      const off = <usize>i << 2;
      const g = v128.load(grads + off);
      const mt = flushSubnormal(madd(b1, v128.load(m + off), f32x4.mul(g1, g)));
      const vt = madd(b2, v128.load(v + off), f32x4.mul(g2, f32x4.mul(g, g)));
      v128.store(m + off, mt);
      v128.store(v + off, vt);
      const denom = f32x4.add(f32x4.sqrt(f32x4.mul(vt, vs)), eps);
      const stepv = f32x4.div(f32x4.mul(rate, f32x4.mul(mt, ms)), denom);
      v128.store(params + off, f32x4.sub(v128.load(params + off), stepv));
    }
  }
  const off = <usize>i << 2;
  adamTail(params + off, grads + off, m + off, v + off, n - i, lr, beta1, beta2, epsilon, mScale, vScale);
}

// Scalar twin of adam_update (same contract).
export function adam_update_scalar(
  params: usize, grads: usize, m: usize, v: usize, n: i32,
  lr: f32, beta1: f32, beta2: f32, epsilon: f32, t: i32,
): void {
  const mScale = <f32>(1.0 / (1.0 - Math.pow(<f64>beta1, <f64>t)));
  const vScale = <f32>(1.0 / (1.0 - Math.pow(<f64>beta2, <f64>t)));
  adamTail(params, grads, m, v, n, lr, beta1, beta2, epsilon, mScale, vScale);
}

// @ts-ignore: decorator
@inline function adamTail(
  params: usize, grads: usize, m: usize, v: usize, n: i32,
  lr: f32, beta1: f32, beta2: f32, epsilon: f32, mScale: f32, vScale: f32,
): void {
  for (let i = 0; i < n; i++) {
    const off = <usize>i << 2;
    const g = load<f32>(grads + off);
    const mt = flushSubnormalScalar(beta1 * load<f32>(m + off) + (1 - beta1) * g);
    const vt = beta2 * load<f32>(v + off) + (1 - beta2) * (g * g);
    store<f32>(m + off, mt);
    store<f32>(v + off, vt);
    store<f32>(params + off, load<f32>(params + off) - (lr * (mt * mScale)) / (Mathf.sqrt(vt * vScale) + epsilon));
  }
}
