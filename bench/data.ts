// Inputs and float64 reference helpers the suites share. Inputs are generated as f32 from a fixed
// seed, so the float64 reference sees exactly the values the kernels see and every difference is
// the kernel's own rounding. u = 2⁻²⁴ is f32's unit roundoff; γ(n) = n·u/(1 − n·u) bounds n
// chained roundings (Higham, Accuracy and Stability of Numerical Algorithms, §3.1).
import { Rng } from '../src/rng.js';

export const U = 2 ** -24;
export const gamma = (n: number): number => (n * U) / (1 - n * U);

/** n f32 values uniform in [lo, hi), from `seed`. */
export function randomF32(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const rng = new Rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * rng.next();
  return out;
}

/** n class indices in [0, classes). */
export function randomLabels(n: number, classes: number, seed: number): Int32Array {
  const rng = new Rng(seed);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(rng.next() * classes);
  return out;
}

/** `count` distinct-ish indices in [0, n) (all of them, in order, when count ≥ n). */
export function sampleIndices(n: number, count: number, seed: number): Uint32Array {
  if (count >= n) return Uint32Array.from({ length: n }, (_, i) => i);
  const rng = new Rng(seed);
  const out = new Uint32Array(count);
  // Always include the first and last element: tails are where stride bugs show.
  out[0] = 0;
  out[1] = n - 1;
  for (let i = 2; i < count; i++) out[i] = Math.floor(rng.next() * n);
  return out;
}

/** Cache of inputs by key, so suites that share X[60000×784] generate it once per run. */
const cache = new Map<string, Float32Array | Int32Array>();
export function cached<T extends Float32Array | Int32Array>(key: string, make: () => T): T {
  let v = cache.get(key);
  if (v === undefined) {
    v = make();
    cache.set(key, v);
  }
  return v as T;
}
export function clearCache(): void {
  cache.clear();
}
