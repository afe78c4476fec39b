// What the host kernel tests share: float64 reference implementations, their tolerances, a seeded
// PRNG, the XNNPACK-style comparison `expectClose`, and `forEachVariant`, which runs a block of
// tests against the simd and the scalar build (one runtime per variant, loaded once per file).
//
// Tolerances. Every input is generated as f32, so the reference sees exactly the values the kernel
// sees and any difference is the kernel's own rounding. u = 2⁻²⁴ is f32's unit roundoff (round to
// nearest). Where a kernel rounds once, the bound is u·|ref|; where it runs a chain of roundings,
// the bound is the standard first-order one for that chain (Higham, "Accuracy and Stability of
// Numerical Algorithms", ch. 2–3), derived next to each tolerance below. No bound depends on the
// summation order, so the SIMD kernels (lane-wise partial sums) and the scalar twins (in-order
// sums) meet the same bound, and none depends on the seed: a failure is a bug, not bad luck.
// `gemm.test.ts` checks that the GEMM bound still rejects a single dropped term and an off-by-one
// stride at the real shapes, i.e. that it is not so loose that it hides the bugs it is for.
import { before, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  loadSimdnet,
  relaxedSimdSupported,
  VARIANTS,
  type Arena,
  type DType,
  type Runtime,
  type Tensor,
  type Variant,
} from '../../src/index.node.js';

// ---------------------------------------------------------------------------------------------
// Sizes

/** Sizes around the vector width (4), the GEMM tile widths (4 rows × 8 columns) and twice those. */
export const SIZES = [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33] as const;
/** The MLP's real dimensions: MNIST pixels, hidden units, classes, and the two batch sizes. */
export const PIXELS = 784,
  HIDDEN = 128,
  CLASSES = 10,
  BATCHES = [32, 128] as const;

// ---------------------------------------------------------------------------------------------
// Seeded PRNG (mulberry32): the same cases on every run and every machine.

export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** n f32 values uniform in [lo, hi). */
  f32(n: number, lo = -1, hi = 1): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.uniform(lo, hi);
    return out;
  }

  /** n i32 values uniform in [0, limit). */
  ints(n: number, limit: number): Int32Array {
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.int(limit);
    return out;
  }

  /** n bytes uniform in [0, 255]. */
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }
}

// ---------------------------------------------------------------------------------------------
// Rounding model

/** f32 unit roundoff: the largest relative error of one correctly rounded f32 operation. */
export const U = 2 ** -24;
/** Smallest normal f32. Below it results are subnormal or flushed by underflow, with absolute
 *  (not relative) error under this value; tolerances on results that can underflow add it. */
export const F32_MIN_NORMAL = 2 ** -126;

/** Higham's γ_n = n·u / (1 − n·u): the relative error bound of a chain of n f32 roundings. */
export function gamma(n: number): number {
  return (n * U) / (1 - n * U);
}

// ---------------------------------------------------------------------------------------------
// Comparison

export interface CloseContext {
  /** What was computed: kernel, variant or twin, case. */
  what: string;
  /** The problem's shape as printed on failure, e.g. 'M×N×K = 32×10×784'. */
  shape: string;
  /** Row length: failures are reported as (i, j) instead of a flat index. */
  cols?: number;
}

/** A reference value and the absolute tolerance it gets, per element or one for all. */
export type Tolerance = number | ArrayLike<number>;

/**
 * Asserts |actual[k] − expected[k]| ≤ tol[k] for every k (NaN never passes; equal infinities do).
 * On failure it reports, XNNPACK style, how many elements fail, and for the first and the worst
 * one the index (i, j), the reference, the optimized value, |diff| and tolerance, plus the shape.
 */
export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol: Tolerance,
  context: CloseContext,
): void {
  const n = expected.length;
  if (actual.length !== n) {
    assert.fail(`${context.what}: ${actual.length} elements but the reference has ${n} (${context.shape})`);
  }
  let failures = 0,
    first = -1,
    worst = -1,
    worstRatio = 0;
  for (let k = 0; k < n; k++) {
    const a = actual[k]!,
      e = expected[k]!,
      t = typeof tol === 'number' ? tol : tol[k]!;
    if (a === e) continue;
    const diff = Math.abs(a - e);
    if (diff <= t) continue;
    failures++;
    if (first < 0) first = k;
    const ratio = Number.isNaN(diff) ? Infinity : diff / t;
    if (worst < 0 || ratio > worstRatio) {
      worst = k;
      worstRatio = ratio;
    }
  }
  if (failures === 0) return;
  const at = (k: number): string => {
    const where = context.cols ? `(i, j) = (${Math.floor(k / context.cols)}, ${k % context.cols})` : `i = ${k}`;
    const t = typeof tol === 'number' ? tol : tol[k]!;
    return `${where}: reference ${expected[k]}, optimized ${actual[k]}, |diff| ${Math.abs(actual[k]! - expected[k]!)} > tol ${t}`;
  };
  assert.fail(
    `${context.what}: ${failures} of ${n} elements out of tolerance, ${context.shape}\n` +
      `  first at ${at(first)}\n  worst at ${at(worst)}`,
  );
}

/** Asserts two arrays are identical element by element (for kernels that must be exact). */
export function expectEqual(actual: ArrayLike<number>, expected: ArrayLike<number>, context: CloseContext): void {
  expectClose(actual, expected, 0, context);
}

// ---------------------------------------------------------------------------------------------
// Arenas and write checks

export interface BufferInit {
  dtype?: DType;
  shape: readonly number[];
  /** Initial contents; without it the buffer keeps the arena's zeros, or `fill`. */
  data?: ArrayLike<number>;
  fill?: number;
}

/** An arena holding exactly `buffers`, written with their initial contents. */
export function makeArena(runtime: Runtime, buffers: Record<string, BufferInit>): Arena {
  const plan: Record<string, { dtype: DType; shape: readonly number[] }> = {};
  for (const [name, b] of Object.entries(buffers)) plan[name] = { dtype: b.dtype ?? 'f32', shape: b.shape };
  const arena = runtime.createArena(plan);
  for (const [name, b] of Object.entries(buffers)) {
    const t = arena.tensors[name]!;
    if (b.data !== undefined) t.write(b.data);
    else if (b.fill !== undefined) t.fill(b.fill);
  }
  return arena;
}

/** The f32 buffer `name` of `arena`. */
export function f32(arena: Arena, name: string): Tensor<'f32'> {
  return arena.tensor(name, 'f32');
}
export function i32(arena: Arena, name: string): Tensor<'i32'> {
  return arena.tensor(name, 'i32');
}
export function u8(arena: Arena, name: string): Tensor<'u8'> {
  return arena.tensor(name, 'u8');
}

/**
 * Runs `run` and asserts that it changed no byte of the arena's memory outside `outputs`: inputs
 * stay as they were ("does not modify the input") and nothing is written past an output's end.
 * With no outputs it asserts that nothing at all was written (e.g. by a call that threw).
 */
export function expectWritesOnly<R>(arena: Arena, outputs: readonly Tensor[], run: () => R): R {
  const memory = new Uint8Array(arena.memory.buffer);
  const before = snapshotOf(memory);
  const result = run();
  const after = new Uint8Array(arena.memory.buffer);
  // Below the planned buffers lie the module's static data, whose GEMM pack blocks are scratch
  // (assembly/gemm.ts), and in a threaded arena the control block its calls go through
  // (src/threads.ts): written by design, not outputs of the kernel.
  const module = [[0, arena.start] as const];
  const ranges = [...module, ...outputs.map((t) => [t.offset, t.offset + t.byteLength] as const)].sort(
    (a, b) => a[0] - b[0],
  );
  let from = 0;
  for (const [start, end] of [...ranges, [after.length, after.length] as const]) {
    const changed = firstDifference(before, after, from, start);
    if (changed >= 0) {
      const owner = Object.values(arena.tensors).find((t) => changed >= t.offset && changed < t.offset + t.byteLength);
      assert.fail(
        `byte ${changed} changed, ${owner ? `inside ${owner.name} (not an output of this call)` : 'outside every planned buffer'}: ` +
          `was ${before[changed]}, now ${after[changed]}`,
      );
    }
    from = Math.max(from, end);
  }
  return result;
}

/** Runs `run` and asserts that each of `inputs` holds exactly what it held before. */
export function expectInputsUnchanged<R>(inputs: readonly Tensor[], run: () => R): R {
  const before = inputs.map((t) => t.read());
  const result = run();
  inputs.forEach((t, k) =>
    expectEqual(t.read(), before[k]!, { what: `input ${t.name} was modified`, shape: `[${t.shape.join(',')}]` }),
  );
  return result;
}

// One buffer for every snapshot, grown as needed: a fresh copy of an arena's memory (at least the
// module's static data, megabytes) per call would fault in new pages every time, which costs far
// more than the copy where page faults are slow.
let snapshot = new Uint8Array(0);

/** A copy of `memory` in the shared snapshot buffer (valid until the next call). */
function snapshotOf(memory: Uint8Array): Uint8Array {
  if (snapshot.length < memory.length) snapshot = new Uint8Array(memory.length);
  const copy = snapshot.subarray(0, memory.length);
  copy.set(memory);
  return copy;
}

function firstDifference(a: Uint8Array, b: Uint8Array, from: number, to: number): number {
  if (to <= from) return -1;
  if (Buffer.compare(a.subarray(from, to), b.subarray(from, to)) === 0) return -1;
  for (let k = from; k < to; k++) if (a[k] !== b[k]) return k;
  return -1;
}

// ---------------------------------------------------------------------------------------------
// Variants

export interface VariantContext {
  readonly variant: Variant;
  /** Threads the runtime splits its big kernel calls over (1, or 2 for the threads build). */
  readonly threads: number;
  /** The runtime of this variant; available inside tests and hooks. */
  readonly runtime: Runtime;
  /**
   * Whether the SIMD kernels round exactly as their scalar twins. False for relaxed, whose
   * multiply-adds the engine may fuse: its tests check the proven error bounds instead.
   */
  readonly twinExact: boolean;
}

/**
 * The runtimes every kernel test runs on: each build on one thread, and the threads builds on
 * two threads with every call split (minSplitWork 0), so each share boundary of every size is
 * checked against the same references.
 */
export const CONTEXTS: ReadonlyArray<{ variant: Variant; threads: number }> = [
  ...VARIANTS.map((variant) => ({ variant, threads: 1 })),
  { variant: 'simd', threads: 2 },
  { variant: 'relaxed', threads: 2 },
];

/** Why a context cannot run on this engine (a relaxed build where relaxed SIMD is missing), or undefined. */
export function unsupportedReason(variant: Variant): string | undefined {
  if (variant !== 'relaxed' || relaxedSimdSupported()) return undefined;
  return `this engine (Node ${process.versions.node}) lacks WebAssembly relaxed SIMD: Node ≥ 22 runs the relaxed builds`;
}

const runtimes = new Map<string, Promise<Runtime>>();

/** One runtime per variant and thread count per test process. */
export function runtimeFor(variant: Variant, threads = 1): Promise<Runtime> {
  const key = `${variant}×${threads}`;
  let runtime = runtimes.get(key);
  if (runtime === undefined)
    runtimes.set(key, (runtime = loadSimdnet(threads > 1 ? { variant, threads, minSplitWork: 0 } : { variant })));
  return runtime;
}

/**
 * Runs `fn`'s tests in a describe block per context ('relaxed', 'simd', 'scalar', then the threads
 * builds); the relaxed ones are skipped, with the reason, on engines without relaxed SIMD.
 */
export function forEachVariant(fn: (ctx: VariantContext) => void): void {
  for (const { variant, threads } of CONTEXTS) {
    const name = threads > 1 ? `${variant}, ${threads} threads` : variant;
    describe(name, { skip: unsupportedReason(variant) }, () => {
      let runtime: Runtime | undefined;
      before(async () => {
        runtime = await runtimeFor(variant, threads);
        assert.equal(runtime.variant, variant);
        assert.equal(runtime.threads, threads);
      });
      fn({
        variant,
        threads,
        twinExact: variant !== 'relaxed',
        get runtime(): Runtime {
          if (runtime === undefined) throw new Error(`the ${name} runtime is only available inside tests`);
          return runtime;
        },
      });
    });
  }
}

/** The two ways to call each kernel: the variant's own kernel, and its `{ scalar: true }` twin. */
export const TWINS = [
  { scalar: false, label: 'kernel' },
  { scalar: true, label: 'scalar twin' },
] as const;

// ---------------------------------------------------------------------------------------------
// GEMM

export interface GemmCase {
  transA: boolean;
  transB: boolean;
  M: number;
  N: number;
  K: number;
}

export function gemmShapes({ transA, transB, M, N, K }: GemmCase): { a: [number, number]; b: [number, number] } {
  return { a: transA ? [K, M] : [M, K], b: transB ? [N, K] : [K, N] };
}

export function gemmMode({ transA, transB }: { transA: boolean; transB: boolean }): string {
  return `${transA ? 'T' : 'N'}${transB ? 'T' : 'N'}`;
}

/**
 * C = op(A)·op(B) in float64, the naive triple loop. Also returns, per element, the magnitude
 * Σ_p |op(A)_ip · op(B)_pj| that bounds the f32 rounding error.
 */
export function gemmReference(
  c: GemmCase,
  A: Float32Array,
  B: Float32Array,
): { value: Float64Array; magnitude: Float64Array } {
  const { transA, transB, M, N, K } = c;
  const value = new Float64Array(M * N),
    magnitude = new Float64Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let sum = 0,
        abs = 0;
      for (let p = 0; p < K; p++) {
        const a = A[transA ? p * M + i : i * K + p]!;
        const b = B[transB ? j * K + p : p * N + j]!;
        sum += a * b;
        abs += Math.abs(a * b);
      }
      value[i * N + j] = sum;
      magnitude[i * N + j] = abs;
    }
  }
  return { value, magnitude };
}

/**
 * GEMM tolerance. An f32 dot product of length K, with each product rounded and the sum taken in
 * ANY order, is within γ_K · Σ_p |a_p·b_p| of the exact one (Higham, Thm 3.1 and §3.1); adding it
 * to C (accumulate) is one more rounding: γ_{K+1} · (|C0| + Σ_p |a_p·b_p|). This is a rigorous
 * bound, not a statistical one, so it holds for any seed, yet it is small against a bug: at
 * K = 784 it is 4.7e-5 of Σ|a·b|, while dropping one term or shifting one stride moves a result by
 * about Σ|a·b|/K = 1.3e-3 of it and more (see gemm.test.ts). XNNPACK's max(1e-5, 1e-6·|ref|) is
 * empirical and scales with neither K nor cancellation, so it would be flaky at K = 784.
 */
export function gemmTolerance(magnitude: Float64Array, K: number, C0?: Float32Array): Float64Array {
  const tol = new Float64Array(magnitude.length);
  for (let k = 0; k < tol.length; k++) {
    tol[k] = C0 ? gamma(K + 1) * (Math.abs(C0[k]!) + magnitude[k]!) : gamma(K) * magnitude[k]!;
  }
  return tol;
}

/**
 * The scalar twin's contract, emulated bit for bit: one f32 accumulator per output, products and
 * sums each rounded to f32, p increasing, then (accumulate) C0 + acc. Math.fround of an f64 sum
 * or product of two f32 values is the correctly rounded f32 result (53 ≥ 2·24 + 2 bits).
 */
export function gemmSequentialF32(c: GemmCase, A: Float32Array, B: Float32Array, C0?: Float32Array): Float32Array {
  const { transA, transB, M, N, K } = c;
  const fr = Math.fround;
  const out = new Float32Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let acc = 0;
      for (let p = 0; p < K; p++) {
        acc = fr(acc + fr(A[transA ? p * M + i : i * K + p]! * B[transB ? j * K + p : p * N + j]!));
      }
      out[i * N + j] = C0 ? fr(C0[i * N + j]! + acc) : acc;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Bias

/** out[r, c] = inp[r, c] + bias[c]. The kernel rounds once: tolerance u·|ref|. */
export function biasForwardReference(inp: Float32Array, bias: Float32Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[r * cols + c] = inp[r * cols + c]! + bias[c]!;
  return out;
}

/**
 * dbias[c] = (dbias0[c] +) Σ_r dout[r, c], with the tolerance of a sum of `rows` (+1) f32 terms:
 * γ_rows · Σ|terms| (any order, as for GEMM).
 */
export function biasBackwardReference(
  dout: Float32Array,
  rows: number,
  cols: number,
  dbias0?: Float32Array,
): { value: Float64Array; tol: Float64Array } {
  const value = new Float64Array(cols),
    tol = new Float64Array(cols);
  for (let c = 0; c < cols; c++) {
    let sum = dbias0 ? dbias0[c]! : 0,
      abs = Math.abs(sum);
    for (let r = 0; r < rows; r++) {
      sum += dout[r * cols + c]!;
      abs += Math.abs(dout[r * cols + c]!);
    }
    value[c] = sum;
    tol[c] = gamma(rows + (dbias0 ? 1 : 0)) * abs;
  }
  return { value, tol };
}

/** bias_backward's contract ("sums run in row order, in f32"), emulated bit for bit. */
export function biasBackwardSequentialF32(
  dout: Float32Array,
  rows: number,
  cols: number,
  dbias0?: Float32Array,
): Float32Array {
  const out = new Float32Array(cols);
  for (let c = 0; c < cols; c++) {
    let acc = dbias0 ? dbias0[c]! : 0;
    for (let r = 0; r < rows; r++) acc = Math.fround(acc + dout[r * cols + c]!);
    out[c] = acc;
  }
  return out;
}

/** The relative tolerance u·|ref| of a result rounded once to f32. */
export function roundedOnce(ref: ArrayLike<number>): Float64Array {
  return Float64Array.from(ref, (x) => U * Math.abs(x));
}

// ---------------------------------------------------------------------------------------------
// Activations (exact: a comparison and a selection, no rounding)

export function reluForwardReference(inp: Float32Array): Float64Array {
  return Float64Array.from(inp, (x) => Math.max(x, 0));
}

export function reluBackwardReference(dout: Float32Array, z: Float32Array): Float64Array {
  return Float64Array.from(dout, (g, i) => (z[i]! > 0 ? g : 0));
}

// ---------------------------------------------------------------------------------------------
// Softmax and cross-entropy

/**
 * Row softmax in float64 (max subtracted, as the kernel), with a per-element tolerance:
 *   d = fl(x − max)         relative error u in d, so exp(d) is off by a factor (1 + u·D),
 *                           D = max_c |x_c − max| of the row;
 *   e = expf(d)             AssemblyScript's expf (musl's) is within 1 ulp ≤ 2u·e;
 *   Σ e over cols terms     γ_cols, plus the terms' own errors (≤ u·D + 2u);
 *   1/Σ, then e · (1/Σ)     u each.
 * First order, the relative error is u·(2D + cols + 6); we allow u·(2D + cols + 8)·|ref|, plus
 * F32_MIN_NORMAL for exponentials that underflow in f32 but not in f64.
 */
export function softmaxReference(
  logits: Float32Array,
  rows: number,
  cols: number,
): { value: Float64Array; tol: Float64Array } {
  const value = new Float64Array(rows * cols),
    tol = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const row = logits.subarray(r * cols, (r + 1) * cols);
    let max = -Infinity,
      min = Infinity;
    for (const x of row) {
      max = Math.max(max, x);
      min = Math.min(min, x);
    }
    let sum = 0;
    for (let c = 0; c < cols; c++) sum += value[r * cols + c] = Math.exp(row[c]! - max);
    const relative = U * (2 * (max - min) + cols + 8);
    for (let c = 0; c < cols; c++) {
      const k = r * cols + c;
      value[k]! /= sum;
      tol[k] = relative * value[k]! + F32_MIN_NORMAL;
    }
  }
  return { value, tol };
}

/** The probability the loss floors at before taking its log (Keras/tfjs epsilon). */
export const PROBABILITY_FLOOR = 1e-7;

/** Mean over rows of −ln(max(probs[r, labels[r]], 1e-7)), in float64. */
export function crossentropyReference(probs: Float32Array, labels: Int32Array, rows: number, cols: number): number {
  let total = 0;
  for (let r = 0; r < rows; r++) total -= Math.log(Math.max(probs[r * cols + labels[r]!]!, PROBABILITY_FLOOR));
  return total / rows;
}

/**
 * Cross-entropy tolerance. The kernel sums in f64 too; the two differences are its floor, the f32
 * nearest 1e-7 (1.17e-8 relative above it, so −ln moves by ≤ 1.2e-8 on a floored row), and the
 * two libms' ≤ 1 ulp logs (2.2e-16 relative). A wrong row or label moves the mean by ≥ ~1e-3.
 */
export function crossentropyTolerance(ref: number): number {
  return 2e-8 + 1e-14 * Math.abs(ref);
}

/**
 * dlogits = (probs − onehot(labels)) · scale in float64. Tolerance: the kernel takes scale as f32
 * (u), rounds p·scale (u) and, on the label, p·scale − scale (u of a result ≤ |p·s| + |s|):
 * 2u·(|p| + 1)·|scale| covers every element.
 */
export function softmaxCrossentropyBackwardReference(
  probs: Float32Array,
  labels: Int32Array,
  rows: number,
  cols: number,
  scale: number,
): { value: Float64Array; tol: Float64Array } {
  const value = new Float64Array(rows * cols),
    tol = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const k = r * cols + c;
      value[k] = (probs[k]! - (c === labels[r] ? 1 : 0)) * scale;
      tol[k] = 2 * U * (Math.abs(probs[k]!) + 1) * Math.abs(scale);
    }
  }
  return { value, tol };
}

/** Random probability rows (positive, each summing to 1 up to f32 rounding). */
export function randomProbabilities(rng: Rng, rows: number, cols: number): Float32Array {
  const p = rng.f32(rows * cols, 0.01, 1);
  for (let r = 0; r < rows; r++) {
    const row = p.subarray(r * cols, (r + 1) * cols);
    const sum = row.reduce((s, x) => s + x, 0);
    for (let c = 0; c < cols; c++) row[c] = row[c]! / sum;
  }
  return p;
}

// ---------------------------------------------------------------------------------------------
// Metrics (exact)

/** Column of each row's largest value; ties go to the lowest column. */
export function argmaxReference(x: Float32Array, rows: number, cols: number): Int32Array {
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < cols; c++) if (x[r * cols + c]! > x[r * cols + best]!) best = c;
    out[r] = best;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Optimizers: one step in float64 from the f32 state the kernel holds. Hyperparameters are
// rounded to f32 once, as the ABI passes them (tfjs holds them as f32 scalars as well): with
// β2 = 0.999 that rounding moves 1 − β2 by 3e-5 relative, far more than the kernel's own error,
// so an exact-β2 reference would hide the arithmetic behind the hyperparameters' representation.
// Starting each step from the kernel's state keeps the bounds per step: errors cannot compound,
// yet a wrong step count, a lost state write or a stride bug shows at the step it happens.

const fr = Math.fround;

/** Optimizer tolerances are twice their first-order bounds (the second-order terms are ~u²). */
const SAFETY = 2;

export interface OptimizerStep {
  params: Float64Array;
  tol: Float64Array;
}

/** params − lr·g. Kernel: fl(p − fl(lr·g)), first order u·|p'| + u·|lr·g|. */
export function sgdReference(params: Float32Array, grads: Float32Array, lr: number): OptimizerStep {
  const rate = fr(lr);
  const out = new Float64Array(params.length),
    tol = new Float64Array(params.length);
  for (let i = 0; i < out.length; i++) {
    out[i] = params[i]! - rate * grads[i]!;
    tol[i] = SAFETY * U * (Math.abs(out[i]!) + Math.abs(rate * grads[i]!));
  }
  return { params: out, tol };
}

/**
 * velocity' = μ·velocity + g; params' = params − lr·velocity'. Kernel, first order: v' is off by
 * 2u·(|μv| + |g|) (μ·v and + g), p' by u·|p'| + u·|lr·v'| + lr·(v's error).
 */
export function momentumReference(
  params: Float32Array,
  grads: Float32Array,
  velocity: Float32Array,
  lr: number,
  momentum: number,
): OptimizerStep & { velocity: Float64Array; velocityTol: Float64Array } {
  const rate = fr(lr),
    mu = fr(momentum),
    n = params.length;
  const out = new Float64Array(n),
    tol = new Float64Array(n),
    v = new Float64Array(n),
    vTol = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    v[i] = mu * velocity[i]! + grads[i]!;
    const vError = 2 * U * (Math.abs(mu * velocity[i]!) + Math.abs(grads[i]!));
    out[i] = params[i]! - rate * v[i]!;
    vTol[i] = SAFETY * vError;
    tol[i] = SAFETY * (U * Math.abs(out[i]!) + U * Math.abs(rate * v[i]!) + rate * vError);
  }
  return { params: out, tol, velocity: v, velocityTol: vTol };
}

export interface AdamHyper {
  lr: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  step: number;
}

/**
 * One Adam step (tfjs's AdamOptimizer, step t ≥ 1):
 *   m' = β1·m + (1−β1)·g;  v' = β2·v + (1−β2)·g²;
 *   p' = p − lr · (m'/(1−β1^t)) / (sqrt(v'/(1−β2^t)) + ε).
 * Kernel roundings, first order (1 − β is exact in f32 for β ≥ ½):
 *   m'  β1·m, (1−β1)·g, +               ≤ 3u·(|β1·m| + |(1−β1)·g|)
 *   v'  g·g, (1−β2)·, β2·v, +           ≤ 4u·(β2·v + (1−β2)·g²), relative 4u (all terms ≥ 0)
 *   s = lr·m̂/(sqrt(v̂) + ε)              m's absolute error times lr·mScale/(sqrt(v̂) + ε); v's
 *                                       relative 4u halved by the sqrt; and ≤ 7u of its own
 *                                       (mScale, vScale, m·mScale, v·vScale, sqrt, + ε, /, lr·)
 *   p' = p − s                          u·|p'|
 */
export function adamReference(
  params: Float32Array,
  grads: Float32Array,
  m: Float32Array,
  v: Float32Array,
  h: AdamHyper,
): OptimizerStep & { m: Float64Array; v: Float64Array; mTol: Float64Array; vTol: Float64Array } {
  const lr = fr(h.lr),
    b1 = fr(h.beta1),
    b2 = fr(h.beta2),
    eps = fr(h.epsilon),
    n = params.length;
  const mScale = 1 / (1 - b1 ** h.step),
    vScale = 1 / (1 - b2 ** h.step);
  const out = new Float64Array(n),
    tol = new Float64Array(n);
  const mOut = new Float64Array(n),
    vOut = new Float64Array(n),
    mTol = new Float64Array(n),
    vTol = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const g = grads[i]!;
    mOut[i] = b1 * m[i]! + (1 - b1) * g;
    vOut[i] = b2 * v[i]! + (1 - b2) * g * g;
    const mError = 3 * U * (Math.abs(b1 * m[i]!) + Math.abs((1 - b1) * g));
    const vError = 4 * U * vOut[i]!;
    const denom = Math.sqrt(vOut[i]! * vScale) + eps;
    const step = (lr * mOut[i]! * mScale) / denom;
    out[i] = params[i]! - step;
    const stepError = Math.abs(step) * (7 + 2) * U + (lr * mScale * mError) / denom;
    mTol[i] = SAFETY * mError;
    vTol[i] = SAFETY * vError;
    tol[i] = SAFETY * (U * Math.abs(out[i]!) + stepError);
  }
  return { params: out, tol, m: mOut, v: vOut, mTol, vTol };
}

// ---------------------------------------------------------------------------------------------
// Data

/**
 * out[r, :] = pixels[indices[r], :] · scale in float64. The kernel multiplies the exact byte by
 * scale rounded to f32 (u) and rounds the product (u): tolerance 2u·|ref|.
 */
export function gatherImagesReference(
  pixels: Uint8Array,
  indices: Int32Array,
  rowLength: number,
  scale = 1 / 255,
): { value: Float64Array; tol: Float64Array } {
  const value = new Float64Array(indices.length * rowLength);
  for (let r = 0; r < indices.length; r++) {
    for (let c = 0; c < rowLength; c++) value[r * rowLength + c] = pixels[indices[r]! * rowLength + c]! * scale;
  }
  return { value, tol: Float64Array.from(value, (x) => 2 * U * Math.abs(x)) };
}

export function gatherLabelsReference(labels: Uint8Array, indices: Int32Array): Int32Array {
  return Int32Array.from(indices, (i) => labels[i]!);
}
