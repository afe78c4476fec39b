// sgemm (assembly/gemm.ts) against tf.matMul(a, b, transposeA, transposeB) at the MLP's shapes
// and at squares. In the network (model/layers/dense.ts), per dense layer with input X (b×in) and weights
// W (in×h): forward X·W is NN (M=b, N=h, K=in), the weight gradient Xᵀ·δ is TN (M=in, N=h, K=b),
// and the input gradient δ·Wᵀ is NT (M=b, N=in, K=h). Rate: GFLOP/s = 2·M·N·K per call.
import type { Runtime } from '../src/index.node.js';
import { cached, gamma, randomF32, sampleIndices, U } from './data.js';
import type { Impl, KernelCase, Reference } from './harness.js';
import { tf } from './tfjs.js';

export interface GemmShape {
  transA: boolean;
  transB: boolean;
  M: number;
  N: number;
  K: number;
}

/** Elements of C checked against float64 when M·N·K is above this; all of them below. */
const FULL_REFERENCE_WORK = 1 << 25;
const SAMPLED_ELEMENTS = 256;
/** tfjs-cpu runs at well under 1 GFLOP/s: above this many FLOPs a call takes seconds. */
const CPU_MAX_FLOPS = 3e8;

/** float64 C[i,j] and its error bound γ_K·Σ_p |op(A)[i,p]|·|op(B)[p,j]| at each of `indices` (all when absent). */
export function gemmReference(s: GemmShape, A: Float32Array, B: Float32Array, indices?: Uint32Array): Reference {
  const { M, N, K, transA, transB } = s;
  const count = indices ? indices.length : M * N;
  const value = new Float64Array(count),
    bound = new Float64Array(count);
  const aRow = transA ? 1 : K,
    aDepth = transA ? M : 1,
    bDepth = transB ? 1 : N,
    bCol = transB ? K : 1;
  const g = gamma(K);
  for (let e = 0; e < count; e++) {
    const at = indices ? indices[e]! : e;
    const i = Math.floor(at / N),
      j = at % N;
    let sum = 0,
      abs = 0;
    for (let p = 0; p < K; p++) {
      const prod = A[i * aRow + p * aDepth]! * B[p * bDepth + j * bCol]!;
      sum += prod;
      abs += Math.abs(prod);
    }
    value[e] = sum;
    bound[e] = g * abs + U * Math.abs(sum) + 1e-30; // the sum's error plus the final rounding to f32
  }
  return { indices, value, bound, basis: 'γ_K·Σ|a||b| + u·|c|' };
}

function mode(s: GemmShape): string {
  return `${s.transA ? 'T' : 'N'}${s.transB ? 'T' : 'N'}`;
}

/** One sgemm case; A and B are generated (and cached) by `aKey`/`bKey` so shapes that share X reuse it. */
export function gemmCase(
  name: string,
  s: GemmShape,
  keys: { a: string; b: string },
  extra: Partial<KernelCase> = {},
): KernelCase {
  const { M, N, K, transA, transB } = s;
  const aLen = M * K,
    bLen = K * N;
  const A = () => cached(`${keys.a}:${aLen}`, () => randomF32(aLen, hash(keys.a)));
  const B = () => cached(`${keys.b}:${bLen}`, () => randomF32(bLen, hash(keys.b)));
  const aShape: [number, number] = transA ? [K, M] : [M, K],
    bShape: [number, number] = transB ? [N, K] : [K, N];
  const flops = 2 * M * N * K;
  const cpuSeconds = flops / 0.5e9;
  return {
    suite: 'gemm',
    kernel: 'sgemm',
    tfjsOp: `tf.matMul(a, b, ${transA}, ${transB})`,
    name: `${mode(s)} ${name}`,
    shape: `${M}×${N}×${K}`,
    unit: 'GFLOP/s',
    work: { flops, bytes: 4 * (aLen + bLen + M * N), elements: M * N },
    skipCpu:
      flops > CPU_MAX_FLOPS
        ? `≈${cpuSeconds.toFixed(0)} s per call on tfjs-cpu; outside the suite's time budget`
        : undefined,
    crossTolerance: Math.min(1e-2, 2 * gamma(K)),
    simdnet(runtime: Runtime): Impl {
      const arena = runtime.createArena({ A: aShape, B: bShape, C: [M, N] });
      const a = arena.tensor('A', 'f32').write(A()),
        b = arena.tensor('B', 'f32').write(B()),
        c = arena.tensor('C', 'f32');
      const k = arena.exports,
        ta = +transA,
        tb = +transB;
      return {
        output: () => arena.kernels.sgemm(c, a, b, { transA, transB }).read() as Float32Array,
        run: () => k.sgemm(ta, tb, M, N, K, a.offset, b.offset, c.offset, 0),
        dispose: () => arena.dispose(),
      };
    },
    tfjs(): Impl {
      const a = tf.tensor2d(A(), aShape),
        b = tf.tensor2d(B(), bShape);
      return {
        output: () => {
          const c = tf.matMul(a, b, transA, transB);
          const v = (c.dataSync() as Float32Array).slice();
          c.dispose();
          return v;
        },
        run: () => {
          tf.tidy(() => {
            tf.matMul(a, b, transA, transB);
          });
        },
        dispose: () => {
          a.dispose();
          b.dispose();
        },
      };
    },
    reference: () =>
      gemmReference(
        s,
        A(),
        B(),
        flops / 2 > FULL_REFERENCE_WORK ? sampleIndices(M * N, SAMPLED_ELEMENTS, 7) : undefined,
      ),
    ...extra,
  };
}

function hash(key: string): number {
  let h = 2166136261;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619);
  return h >>> 0;
}

export const PIXELS = 784,
  CLASSES = 10;

/** The MLP's GEMMs at each batch size, then NN squares. */
export function gemmCases(options: { quick: boolean }): KernelCase[] {
  const batches = options.quick ? [1, 32] : [1, 32, 128, 60000];
  const squares = options.quick ? [64, 128] : [64, 128, 256, 512, 1024];
  const cases: KernelCase[] = [];
  for (const b of batches) {
    for (const h of [128, 10]) {
      // First layer of 784-h-…: X[b×784], W[784×h], δ[b×h].
      cases.push(
        gemmCase(
          `forward X[${b},784]·W[784,${h}]`,
          { transA: false, transB: false, M: b, N: h, K: PIXELS },
          { a: `X${b}`, b: `W${h}` },
        ),
      );
      cases.push(
        gemmCase(
          `weight grad X[${b},784]ᵀ·δ[${b},${h}]`,
          { transA: true, transB: false, M: PIXELS, N: h, K: b },
          { a: `X${b}`, b: `D${b}x${h}` },
        ),
      );
      cases.push(
        gemmCase(
          `input grad δ[${b},${h}]·W[784,${h}]ᵀ`,
          { transA: false, transB: true, M: b, N: PIXELS, K: h },
          { a: `D${b}x${h}`, b: `W${h}` },
        ),
      );
    }
    // Second layer of 784-128-10: H[b×128], W2[128×10], δ2[b×10]; its input gradient is one the network computes.
    cases.push(
      gemmCase(
        `input grad δ2[${b},10]·W2[128,10]ᵀ`,
        { transA: false, transB: true, M: b, N: 128, K: CLASSES },
        { a: `D${b}x10`, b: 'W2' },
      ),
    );
  }
  for (const n of squares) {
    cases.push(
      gemmCase(
        `square ${n}`,
        { transA: false, transB: false, M: n, N: n, K: n },
        { a: `S${n}a`, b: `S${n}b` },
        { group: 'square', size: n },
      ),
    );
  }
  return cases;
}
