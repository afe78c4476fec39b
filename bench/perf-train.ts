// Performance engineer's end-to-end probe (not part of bench/run.ts): ms per epoch of Network.fit
// at the issue's presets, ms per full-batch iteration of the seed preset, and inference rate.
// Each figure is the best of `--reps` runs (the machine is shared; the best run is the one least
// disturbed), after one warm-up run; the fit's own clock excludes data residency and planning.
// --vs VARIANT trains each configuration on a second build too, runs alternating, and prints the ratio.
// --baseline FILE.wasm trains on that build of the same variant too (e.g. main's, copied aside
// before a kernel change), runs alternating: the before/after ratio of one run.
// --min-split-work sets loadSimdnet's minSplitWork (default: each kernel's minWork, src/abi.ts).
//   node --import tsx bench/perf-train.ts [--variant relaxed|simd|scalar] [--vs simd | --baseline FILE.wasm]
//     [--threads N] [--min-split-work W] [--reps 3] [--only b32|adam|seed|infer]
import { loadMnist, subset } from '../src/data/mnist.js';
import { loadSimdnet } from '../src/loader.node.js';
import type { Variant } from '../src/abi.js';
import { Network } from '../src/network.js';
import type { Runtime } from '../src/runtime.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : fallback;
};
const variant = flag('variant', 'simd') as Variant;
const reps = Number(flag('reps', '3'));
const only = flag('only', '');
const threads = Number(flag('threads', '1'));

const versus = args.includes('--vs') ? (flag('vs', 'simd') as Variant) : null;
const baseline = args.includes('--baseline') ? flag('baseline', '') : null;

const minSplitWork = args.includes('--min-split-work') ? Number(flag('min-split-work', '')) : undefined;
const runtime = await loadSimdnet({ variant, threads, minSplitWork });
// With --vs, a second build trains the same configurations, its runs alternating with the first's.
const second = versus
  ? await loadSimdnet({ variant: versus, threads, minSplitWork })
  : baseline
    ? await loadSimdnet({ variant, threads, minSplitWork, source: baseline })
    : null;
const runtimes = second ? [runtime, second] : [runtime];
const names = [variant, versus ?? `baseline ${baseline}`];
console.log(
  `${runtimes.map((_, i) => names[i]).join(' vs ')} build, ${runtime.threads} thread${runtime.threads > 1 ? 's' : ''}` +
    `${runtime.threads > 1 ? `, minSplitWork ${minSplitWork ?? 'per kernel'}` : ''}, Node ${process.version}`,
);
const { train, test } = await loadMnist();
const best = (xs: number[]) => Math.min(...xs);

/**
 * One configuration on every runtime: `make` a network, warm it up, then `reps` timed runs,
 * alternating between the runtimes; prints the best of each (and, with --vs, their ratio).
 */
function timed(label: string, unit: string, make: (rt: Runtime) => Network, run: (net: Network) => number): void {
  const nets = runtimes.map(make);
  nets.forEach(run);
  const times = nets.map(() => [] as number[]);
  for (let r = 0; r < reps; r++) nets.forEach((net, i) => times[i]!.push(run(net)));
  nets.forEach((net, i) =>
    console.log(
      `${label} (${names[i]}): ${best(times[i]!).toFixed(2)} ${unit} (runs ${times[i]!.map((t) => t.toFixed(1)).join(', ')}), test acc ${net.evaluate(test).accuracy.toFixed(4)}`,
    ),
  );
  if (nets.length === 2)
    console.log(`${label}: ${names[0]} ×${(best(times[1]!) / best(times[0]!)).toFixed(2)} as fast as ${names[1]}`);
  nets.forEach((net) => net.dispose());
}

if (!only || only === 'b32')
  timed(
    '784-10-10 SGD b32',
    'ms/epoch',
    (rt) => {
      const net = Network.create(rt, { layers: [784, 10, 10], init: 'uniform', seed: 0 });
      net.fit(subset(train, 0, 3200), { optimizer: 'sgd', lr: 0.1, batchSize: 32, epochs: 1 });
      return net;
    },
    (net) => net.fit(train, { optimizer: 'sgd', lr: 0.1, batchSize: 32, epochs: 1 }).msPerEpoch,
  );
if (!only || only === 'adam')
  timed(
    '784-128-10 Adam b32',
    'ms/epoch',
    (rt) => {
      const net = Network.create(rt, { layers: [784, 128, 10], init: 'he', seed: 0 });
      net.fit(subset(train, 0, 3200), { optimizer: 'adam', lr: 0.001, batchSize: 32, epochs: 1 });
      return net;
    },
    (net) => net.fit(train, { optimizer: 'adam', lr: 0.001, batchSize: 32, epochs: 1 }).msPerEpoch,
  );
if (!only || only === 'seed')
  timed(
    'seed full batch 784-10-10',
    'ms/iteration',
    (rt) => {
      const net = Network.create(rt, { layers: [784, 10, 10], init: 'uniform', seed: 0 });
      net.fit(train, { optimizer: 'sgd', lr: 0.1, batchSize: 'full', iterations: 2 });
      return net;
    },
    (net) => net.fit(train, { optimizer: 'sgd', lr: 0.1, batchSize: 'full', iterations: 10 }).msPerStep,
  );
if (!only || only === 'infer') {
  // Dense and sparse first layers back to back (interleaved repetitions), and what packing the
  // whole set as sparse rows costs on its own (predict packs chunk by chunk on every call, evaluate
  // once per set).
  const net = Network.create(runtime, { layers: [784, 128, 10], init: 'he', seed: 0 });
  const formats = ['dense', 'sparse'] as const;
  const times = {
    predict: { dense: [] as number[], sparse: [] as number[] },
    evaluate: { dense: [] as number[], sparse: [] as number[] },
  };
  for (const pixelFormat of formats) {
    net.predict(test.pixels, { pixelFormat });
    net.evaluate(test, { pixelFormat });
  }
  for (let r = 0; r < Math.max(reps, 5); r++) {
    for (const pixelFormat of formats) {
      let t0 = performance.now();
      net.predict(test.pixels, { pixelFormat });
      times.predict[pixelFormat].push(performance.now() - t0);
      t0 = performance.now();
      net.evaluate(test, { pixelFormat });
      times.evaluate[pixelFormat].push(performance.now() - t0);
    }
  }
  // The kernel evaluate packs with (through its staging buffers, chunk by chunk), on the whole set at once.
  const packs: number[] = [];
  const packing = runtime.createArena({
    pixels: { dtype: 'u8', shape: [test.count, 784] },
    starts: { dtype: 'i32', shape: [test.count + 1] },
    entries: { dtype: 'i32', shape: [test.count * 784] },
  });
  const pixels = packing.tensor('pixels', 'u8');
  pixels.write(test.pixels);
  for (let r = 0; r < Math.max(reps, 5); r++) {
    const t0 = performance.now();
    packing.kernels.packSparseU8(packing.tensor('starts', 'i32'), packing.tensor('entries', 'i32'), pixels);
    packs.push(performance.now() - t0);
  }
  packing.dispose();
  const rate = (ms: number) => `${(test.count / ms).toFixed(0)}k images/s (${ms.toFixed(1)} ms)`;
  for (const fn of ['predict', 'evaluate'] as const) {
    const dense = best(times[fn].dense),
      sparse = best(times[fn].sparse);
    console.log(
      `inference 784-128-10 ${fn} on ${test.count}: dense ${rate(dense)}, sparse ${rate(sparse)}: ${(dense / sparse).toFixed(2)}×`,
    );
  }
  console.log(
    `  packing the ${test.count} images as sparse rows alone (pack_sparse_u8, its check included): ${best(packs).toFixed(1)} ms`,
  );
  net.dispose();
}
