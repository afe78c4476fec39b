// The native ceiling: how close simdnet's hottest kernels come to native code running the same
// algorithm. The seed's two sparse first-layer kernels on MNIST's training set (10 outputs, the
// full batch) and the Adam update of 784-128-10's 101770 parameters, against bench/native/ceiling.c:
// the same order of operations with the same 128-bit SSE multiplies and adds and no FMA (what
// WebAssembly SIMD has), compiled by the machine's `cc`, on the same inputs in the same run. The
// results must agree bit for bit (they are the same computation); the times are each side's best
// of `rounds` calls, the two sides alternating three times. Needs a C compiler; without one the
// suite says so and measures nothing.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadMnist } from '../src/data/mnist.js';
import { countNonzero, packSparseRows } from '../src/data/sparse.js';
import { loadSimdnet } from '../src/loader.node.js';
import { Rng } from '../src/rng.js';
import { mdTable } from './targets-report.js';

const INPUTS = 784,
  OUTPUTS = 10,
  SCALE = 1 / 255;
/** 784-128-10's parameters: 784·128 + 128 + 128·10 + 10. */
const ADAM_PARAMETERS = 101770;
const ADAM = { lr: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, step: 1 };
/** ceiling.c's bias. */
const BIAS = [0.01, -0.02, 0.03, -0.04, 0.05, -0.06, 0.07, -0.08, 0.09, -0.1];
/**
 * The fastest of the flags tried on this machine (-O2, -O3, -funroll-loops, -march=native): GCC 12
 * leaves the entry loops rolled at -O2 and -O3, and the forward then took 1.3× as long. No
 * contraction of a multiply and an add into an FMA, which WebAssembly SIMD does not have.
 */
const FLAGS = ['-O3', '-mavx', '-funroll-loops', '-ffp-contract=off'];
const ALTERNATIONS = 3;
/** The fewest rows whose weight gradient simdnet sums in row blocks, as ceiling.c always does (assembly/sparse.ts). */
const FULL_BATCH_MIN_ROWS = 4096;

const KERNELS = ['forward', 'dweights', 'adam'] as const;
type Kernel = (typeof KERNELS)[number];

export interface NativeKernelResult {
  kernel: Kernel;
  /** The call, e.g. `sparse_forward_u8, 60000×10 from 8994156 non-zero pixels`. */
  what: string;
  simdnetMs: number;
  nativeMs: number;
  /** simdnet's speed as a fraction of native code's: nativeMs ÷ simdnetMs. */
  nativeShare: number;
  /** `bit-identical`, or where the two differ. */
  agreement: string;
}

export type NativeResults =
  | { compiler: string; flags: string[]; rounds: number; alternations: number; kernels: NativeKernelResult[] }
  | { unmeasured: string };

/** The arrays one after another (the layout of ceiling.c's adam.bin). */
function concatenated(arrays: readonly Float32Array[]): Float32Array {
  const all = new Float32Array(arrays.reduce((n, a) => n + a.length, 0));
  let at = 0;
  for (const a of arrays) {
    all.set(a, at);
    at += a.length;
  }
  return all;
}

/** Runs both sides: `rounds` calls of each kernel, `alternations` times. */
async function compare(rounds: number, alternations: number, rows: number): Promise<NativeResults> {
  const version = spawnSync('cc', ['--version'], { encoding: 'utf8' });
  if (version.error || version.status !== 0) return { unmeasured: 'not measured: no C compiler (cc) found' };
  const dir = mkdtempSync(join(tmpdir(), 'simdnet-native-'));
  try {
    const binary = join(dir, 'ceiling');
    const source = fileURLToPath(new URL('./native/ceiling.c', import.meta.url));
    const build = spawnSync('cc', [...FLAGS, source, '-o', binary, '-lm'], { encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`cc ${FLAGS.join(' ')} bench/native/ceiling.c failed: ${build.stderr}`);

    const pixels = (await loadMnist()).train.pixels.subarray(0, rows * INPUTS);
    const entryCount = countNonzero(pixels);
    const rng = new Rng(7);
    const uniform = (n: number, low: number, high: number) =>
      Float32Array.from({ length: n }, () => low + (high - low) * rng.next());
    const weights = uniform(INPUTS * OUTPUTS, -0.1, 0.1);
    const dout = uniform(rows * OUTPUTS, -1e-4, 1e-4);
    // Adam's params, grads, m and v, at magnitudes a trained 784-128-10 network has.
    const adamState = [
      uniform(ADAM_PARAMETERS, -0.1, 0.1),
      uniform(ADAM_PARAMETERS, -0.01, 0.01),
      uniform(ADAM_PARAMETERS, -1e-3, 1e-3),
      uniform(ADAM_PARAMETERS, 0, 1e-5),
    ];

    // The simd build whatever the run's: a relaxed build may fuse multiply-adds, which the C side does not.
    const runtime = await loadSimdnet({ variant: 'simd' });
    const arena = runtime.createArena({
      starts: { dtype: 'i32', shape: [rows + 1] },
      entries: { dtype: 'i32', shape: [entryCount] },
      indices: { dtype: 'i32', shape: [rows] },
      weights: [INPUTS * OUTPUTS],
      bias: [OUTPUTS],
      out: [rows * OUTPUTS],
      dout: [rows * OUTPUTS],
      dweights: [INPUTS * OUTPUTS],
      workspace: { dtype: 'u8', shape: [runtime.sparseWorkspaceBytes(rows, INPUTS, OUTPUTS)] },
      params: [ADAM_PARAMETERS],
      grads: [ADAM_PARAMETERS],
      m: [ADAM_PARAMETERS],
      v: [ADAM_PARAMETERS],
    });
    try {
      const starts = arena.tensor('starts', 'i32').view() as Int32Array;
      const entries = arena.tensor('entries', 'i32').view() as Int32Array;
      packSparseRows(pixels, INPUTS, starts, entries);
      (arena.tensor('indices', 'i32').view() as Int32Array).forEach((_, i, all) => (all[i] = i));
      arena.tensor('weights', 'f32').write(weights);
      arena.tensor('bias', 'f32').write(BIAS);
      arena.tensor('dout', 'f32').write(dout);
      const adamNames = ['params', 'grads', 'm', 'v'] as const;
      const restoreAdam = () => adamNames.forEach((name, i) => arena.tensor(name, 'f32').write(adamState[i]!));
      const inputs = { 'starts.bin': starts, 'entries.bin': entries, 'weights.bin': weights, 'dout.bin': dout };
      for (const [file, data] of Object.entries(inputs)) writeFileSync(join(dir, file), data);
      writeFileSync(join(dir, 'adam.bin'), concatenated(adamState));

      const raw = arena.exports;
      if (rows < raw.sparse_blocked_min_rows())
        throw new RangeError(
          `${rows} rows: ceiling.c sums a weight gradient in row blocks, as simdnet does from ${raw.sparse_blocked_min_rows()} rows`,
        );
      const at = (name: string) => arena.tensors[name]!.offset;
      const calls: Record<Kernel, () => void> = {
        forward: () =>
          raw.sparse_forward_u8(
            at('out'),
            at('starts'),
            at('entries'),
            at('indices'),
            at('weights'),
            at('bias'),
            rows,
            OUTPUTS,
            SCALE,
            1,
          ),
        dweights: () =>
          raw.sparse_backward_weights_u8(
            at('dweights'),
            at('starts'),
            at('entries'),
            at('indices'),
            at('dout'),
            rows,
            INPUTS,
            OUTPUTS,
            SCALE,
            at('workspace'),
          ),
        adam: () =>
          raw.adam_update(
            at('params'),
            at('grads'),
            at('m'),
            at('v'),
            ADAM_PARAMETERS,
            ADAM.lr,
            ADAM.beta1,
            ADAM.beta2,
            ADAM.epsilon,
            ADAM.step,
          ),
      };
      /** Milliseconds of one call; every Adam update starts from the same state, set before the clock starts (as in C). */
      const timed = (kernel: Kernel): number => {
        if (kernel === 'adam') restoreAdam();
        const t0 = performance.now();
        calls[kernel]();
        return performance.now() - t0;
      };
      const simdnetMs: Record<Kernel, number> = { forward: Infinity, dweights: Infinity, adam: Infinity };
      const nativeMs: Record<Kernel, number> = { forward: Infinity, dweights: Infinity, adam: Infinity };
      // Warm-up: V8 optimizes the module in the background after it loads.
      for (let call = 0; call < 5; call++) for (const kernel of KERNELS) timed(kernel);
      for (let alternation = 0; alternation < alternations; alternation++) {
        for (let round = 0; round < rounds; round++)
          for (const kernel of KERNELS) simdnetMs[kernel] = Math.min(simdnetMs[kernel], timed(kernel));
        const run = spawnSync(binary, [dir, String(rounds)], { encoding: 'utf8' });
        if (run.status !== 0) throw new Error(`bench/native/ceiling.c exited with ${run.status}: ${run.stderr}`);
        const times = JSON.parse(run.stdout) as Record<`${Kernel}Ms`, number>;
        for (const kernel of KERNELS) nativeMs[kernel] = Math.min(nativeMs[kernel], times[`${kernel}Ms`]);
      }

      const agreement = (file: string, ours: Float32Array): string => {
        // A copy: the Buffer readFileSync returns may be a view into a larger ArrayBuffer.
        const theirs = new Float32Array(new Uint8Array(readFileSync(join(dir, file))).buffer);
        if (theirs.length !== ours.length) return `C wrote ${theirs.length} values, simdnet ${ours.length}`;
        const i = ours.findIndex((value, k) => !Object.is(value, theirs[k]));
        return i < 0 ? 'bit-identical' : `differs at ${i}: simdnet ${ours[i]}, C ${theirs[i]}`;
      };
      timed('adam'); // the state after one update from adamState, as the C side wrote it
      const agreements: Record<Kernel, string> = {
        forward: agreement('native-forward.bin', arena.tensor('out', 'f32').read()),
        dweights: agreement('native-dweights.bin', arena.tensor('dweights', 'f32').read()),
        adam: agreement('native-adam.bin', concatenated(adamNames.map((name) => arena.tensor(name, 'f32').read()))),
      };
      const what: Record<Kernel, string> = {
        forward: `sparse_forward_u8, ${rows}×${OUTPUTS} from ${entryCount} non-zero pixels`,
        dweights: `sparse_backward_weights_u8, ${INPUTS}×${OUTPUTS} over ${rows} rows`,
        adam: `adam_update, ${ADAM_PARAMETERS} parameters`,
      };
      return {
        compiler: version.stdout.split('\n')[0]!,
        flags: FLAGS,
        rounds,
        alternations,
        kernels: KERNELS.map((kernel) => ({
          kernel,
          what: what[kernel],
          simdnetMs: simdnetMs[kernel],
          nativeMs: nativeMs[kernel],
          nativeShare: nativeMs[kernel] / simdnetMs[kernel],
          agreement: agreements[kernel],
        })),
      };
    } finally {
      arena.dispose();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The suite: MNIST's whole training set (quick: its first 8192 images, fewer rounds). */
export async function runNative(options: { quick: boolean }): Promise<NativeResults> {
  return compare(options.quick ? 3 : 15, ALTERNATIONS, options.quick ? 8192 : 60000);
}

/** One line per kernel: whether simdnet and the C code agree bit for bit (nothing timed that counts). */
export async function validateNative(): Promise<string[]> {
  const result = await compare(1, 1, FULL_BATCH_MIN_ROWS);
  if ('unmeasured' in result) return [result.unmeasured];
  for (const k of result.kernels)
    if (k.agreement !== 'bit-identical') throw new Error(`native ${k.kernel}: simdnet and C ${k.agreement}`);
  return result.kernels.map((k) => `${k.what}: ${k.agreement} with ${result.compiler}`);
}

/** The results as a Markdown table and a note (README, SUMMARY.md and the run's log). */
export function nativeMarkdown(result: NativeResults): string {
  if ('unmeasured' in result) return `Native ceiling ${result.unmeasured}.`;
  const ms = (x: number) => `${x < 1 ? x.toFixed(3) : x.toFixed(2)} ms`;
  return [
    mdTable(
      ['call', 'simdnet', 'C, same algorithm', 'simdnet ÷ C speed', 'results'],
      [false, true, true, true, false],
      result.kernels.map((k) => [
        k.what,
        ms(k.simdnetMs),
        ms(k.nativeMs),
        `${(100 * k.nativeShare).toFixed(0)} %`,
        k.agreement,
      ]),
    ),
    '',
    `C: \`bench/native/ceiling.c\`, compiled by ${result.compiler} with \`${result.flags.join(' ')}\`: the same operations in ` +
      'the same order as the simd build (128-bit multiplies and adds, no FMA, as WebAssembly SIMD has), on the same inputs in ' +
      `the same run; each side's best of ${result.rounds} calls, the two alternating ${result.alternations} times. ` +
      "The first two are the seed preset's sparse first layer (forward and weight gradient), the third 784-128-10 " +
      "Adam's update (each one's share of its step: `simdnet profile`): what they cost natively bounds what this " +
      'algorithm can reach on this machine.',
  ].join('\n');
}
