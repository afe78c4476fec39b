// Where splitting a kernel call over two threads starts to pay, per split kernel (not part of
// bench/run.ts). For each kernel and each shape family it uses in the MLPs, a sweep of sizes is
// timed on the calling thread alone (the arena's raw export) and split over both threads (the
// arena's split kernel, minSplitWork 0), on the same arena and buffers, interleaved in blocks of
// back-to-back calls (as a training step makes them), best block of `--rounds` (the least
// disturbed on a shared machine). A family's threshold is the smallest work from which three sizes
// in a row run at least `--margin` faster split (none, ∞, when no three do); a kernel's is the
// largest of its families'. These are the `minWork` figures of src/abi.ts's split
// declarations, which this script prints next to the measured ones.
//   node --import tsx bench/split-crossover.ts [--rounds 300] [--margin 1.05] [--filter name]
import { ABI, type Declaration } from '../src/abi.js';
import { loadMnist } from '../src/data/mnist.js';
import { countNonzero, packSparseRows } from '../src/data/sparse.js';
import { loadSimdnet } from '../src/loader.node.js';
import type { ParallelKernelName } from '../src/threads.js';

const args = process.argv.slice(2);
const opt = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : fallback;
};
const rounds = Number(opt('rounds', '300'));
/** Milliseconds of blocks per size and thread count, at most (but at least 5 blocks). */
const BUDGET_MS = 150;
const margin = Number(opt('margin', '1.05'));
const filter = opt('filter', '');
/** Sizes in a row that must pay from the threshold up. */
const RUN = 3;

const runtime = await loadSimdnet({ threads: 2, minSplitWork: 0 });
if (runtime.threads !== 2) throw new Error(`bench/split-crossover needs two threads, got ${runtime.threads}`);
const { train } = await loadMnist();

const PIXELS = 784,
  MAX_ROWS = 8192,
  MAX_N = 1 << 21;
const pixels = train.pixels.subarray(0, MAX_ROWS * PIXELS);
const entryCount = countNonzero(pixels);
const arena = runtime.createArena({
  a: [MAX_N],
  b: [MAX_N],
  c: [MAX_N],
  d: [MAX_N],
  pixels: { dtype: 'u8', shape: [MAX_ROWS, PIXELS] },
  indices: { dtype: 'i32', shape: [MAX_ROWS] },
  starts: { dtype: 'i32', shape: [MAX_ROWS + 1] },
  entries: { dtype: 'i32', shape: [entryCount] },
  labels: { dtype: 'i32', shape: [MAX_ROWS] },
  correct: { dtype: 'i32', shape: [1] },
  workspace: { dtype: 'u8', shape: [runtime.workspaceBytes * runtime.threads] },
  sparseWorkspace: { dtype: 'u8', shape: [Math.max(16, runtime.sparseWorkspaceBytes(MAX_ROWS, PIXELS, 128))] },
});
// Small values keep every sum finite and away from denormals; labels are classes of 10.
for (const name of ['a', 'b', 'c', 'd']) {
  const view = arena.tensor(name, 'f32').view();
  for (let i = 0; i < view.length; i++) view[i] = ((i * 7919) % 1000) / 1000 - 0.5;
}
arena.tensor('d', 'f32').view().fill(0.01); // Adam's second moment: positive
arena.tensor('pixels', 'u8').write(pixels);
const indices = arena.tensor('indices', 'i32').view();
for (let i = 0; i < MAX_ROWS; i++) indices[i] = (i * 4099) % MAX_ROWS;
const labels = arena.tensor('labels', 'i32').view();
for (let i = 0; i < MAX_ROWS; i++) labels[i] = train.labels[i]!;
packSparseRows(pixels, PIXELS, arena.tensor('starts', 'i32').view(), arena.tensor('entries', 'i32').view());

const at = (name: string) => arena.tensors[name]!.offset;
const [a, b, c, d] = ['a', 'b', 'c', 'd'].map(at) as [number, number, number, number];
const [px, ix, st, en, lb, co, ws, sws] = [
  'pixels',
  'indices',
  'starts',
  'entries',
  'labels',
  'correct',
  'workspace',
  'sparseWorkspace',
].map(at) as number[] as [number, number, number, number, number, number, number, number];

interface Family {
  kernel: ParallelKernelName;
  label: string;
  sizes: number[];
  args(size: number): number[];
}
const ROWS = [8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192];
const N = [1 << 10, 1 << 12, 1 << 13, 1 << 14, 1 << 15, 1 << 16, 1 << 17, 1 << 18, 1 << 19, 1 << 20];
const SCALE = 1 / 255;
const families: Family[] = [];
for (const outputs of [10, 128]) {
  families.push(
    {
      kernel: 'dense_forward_u8',
      label: `rows×784×${outputs}`,
      sizes: ROWS,
      args: (r) => [c, px, ix, a, b, r, PIXELS, outputs, SCALE, 1, ws],
    },
    {
      kernel: 'dense_backward_weights_u8',
      label: `rows×784×${outputs}`,
      sizes: ROWS,
      args: (r) => [c, px, ix, a, r, PIXELS, outputs, SCALE, ws],
    },
    {
      kernel: 'sparse_forward_u8',
      label: `rows×784×${outputs} MNIST`,
      sizes: ROWS,
      args: (r) => [c, st, en, ix, a, b, r, outputs, SCALE, 1],
    },
    {
      kernel: 'sparse_backward_weights_u8',
      label: `rows×784×${outputs} MNIST`,
      sizes: ROWS,
      args: (r) => [c, st, en, ix, a, r, PIXELS, outputs, SCALE, sws],
    },
  );
}
families.push(
  {
    kernel: 'sgemm',
    label: 'TN 128×10×rows (dW of 128→10)',
    sizes: ROWS,
    args: (r) => [1, 0, 128, 10, r, a, b, c, 0],
  },
  {
    kernel: 'sgemm',
    label: 'NN n×n×n',
    sizes: [8, 16, 32, 48, 64, 96, 128, 192, 256],
    args: (n) => [0, 0, n, n, n, a, b, c, 0],
  },
  { kernel: 'dense_forward', label: 'rows×128×10', sizes: ROWS, args: (r) => [c, a, b, d, r, 128, 10, 1] },
  { kernel: 'dense_forward', label: 'rows×10×10', sizes: ROWS, args: (r) => [c, a, b, d, r, 10, 10, 1] },
  { kernel: 'dense_backward_input', label: 'rows×128×10', sizes: ROWS, args: (r) => [c, a, b, d, r, 128, 10] },
  { kernel: 'dense_backward_input', label: 'rows×10×10', sizes: ROWS, args: (r) => [c, a, b, d, r, 10, 10] },
  {
    kernel: 'softmax_crossentropy',
    label: 'rows×10',
    sizes: ROWS,
    args: (r) => [c, a, lb, r, 10, 1 / r, co],
  },
  { kernel: 'sgd_update', label: 'n', sizes: N, args: (n) => [a, b, n, 1e-6] },
  { kernel: 'momentum_update', label: 'n', sizes: N, args: (n) => [a, b, c, n, 1e-6, 0.9] },
  { kernel: 'adam_update', label: 'n', sizes: N, args: (n) => [a, b, c, d, n, 1e-6, 0.9, 0.999, 1e-7, 1] },
);

type Fn = (...a: number[]) => number | void;
/**
 * Milliseconds per call of the best block of back-to-back calls (about 0.1 ms of work each), one
 * and two threads interleaved, for up to `rounds` blocks or `BUDGET_MS` each. Short blocks, many
 * of them: on a shared machine some catch both cores free. A split block starts with an untimed
 * call so that the workers are awake, as they are between the calls of a training step.
 */
function time(one: Fn, two: Fn, argv: number[]): [number, number] {
  let calls = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < 1 || calls < 3) {
    one(...argv);
    calls++;
  }
  const block = Math.max(1, Math.round((0.1 * calls) / (performance.now() - t0)));
  const best = [Infinity, Infinity] as [number, number];
  const end = performance.now() + 2 * BUDGET_MS;
  for (let r = 0; r < rounds && (r < 5 || performance.now() < end); r++) {
    [one, two].forEach((fn, k) => {
      fn(...argv);
      const s = performance.now();
      for (let i = 0; i < block; i++) fn(...argv);
      best[k] = Math.min(best[k]!, (performance.now() - s) / block);
    });
  }
  return best;
}

console.log(
  `split crossover: ${runtime.variant} threads build, 2 threads, best of ${rounds} blocks, margin ${margin}×`,
);
console.log(`node ${process.version}, ${process.platform} ${process.arch}`);
const thresholds = new Map<ParallelKernelName, number>();
for (const family of families) {
  if (filter && !family.kernel.includes(filter)) continue;
  const declaration = (ABI as Record<string, Declaration>)[family.kernel]!;
  const names = declaration.args.map((arg) => arg.split(':')[0]!);
  const factor = declaration.split!.work.reduce<number>((f, w) => (typeof w === 'number' ? f * w : f), 1);
  const work = (argv: number[]) =>
    declaration.split!.work.reduce<number>((w, x) => (typeof x === 'number' ? w : w * argv[names.indexOf(x)]!), factor);
  const one = arena.exports[family.kernel] as Fn,
    two = arena.parallel[family.kernel] as Fn;
  console.log(`\n${family.kernel}  ${family.label}`);
  console.log('    size        work   1 thread ms  2 threads ms  speed-up');
  const rows = family.sizes.map((size) => {
    const argv = family.args(size);
    const [t1, t2] = time(one, two, argv);
    console.log(
      `${String(size).padStart(8)} ${work(argv).toExponential(2).padStart(11)} ${t1.toFixed(4).padStart(13)} ${t2.toFixed(4).padStart(13)} ${(t1 / t2).toFixed(2).padStart(9)}`,
    );
    return { work: work(argv), pays: t1 / t2 >= margin };
  });
  // The smallest work from which the next RUN sizes measured (or every larger one) pay: a shared
  // machine's other load can slow any single size's split blocks, never speed them up.
  let threshold = Infinity;
  for (let i = rows.length - 1; i >= 0; i--) {
    if (rows.slice(i, i + RUN).every((row) => row.pays)) threshold = rows[i]!.work;
  }
  thresholds.set(family.kernel, Math.max(thresholds.get(family.kernel) ?? 0, threshold));
}

console.log('\nkernel                        measured minWork   declared (src/abi.ts)');
for (const [kernel, threshold] of thresholds) {
  const declared = (ABI as Record<string, Declaration>)[kernel]!.split!.minWork;
  const show = (w: number | undefined) =>
    w === undefined ? '-' : w === Infinity ? '∞' : `2^${Math.log2(w).toFixed(1)}`;
  console.log(`${kernel.padEnd(30)}${show(threshold).padStart(16)}${show(declared).padStart(22)}`);
}
arena.dispose();
await runtime.dispose();
