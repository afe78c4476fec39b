// Performance engineer's end-to-end probe (not part of bench/run.ts): ms per epoch of Network.fit
// at the issue's presets, ms per full-batch iteration of the seed preset, and inference rate.
// Each figure is the best of `--reps` runs (the machine is shared; the best run is the one least
// disturbed), after one warm-up run; the fit's own clock excludes data residency and planning.
//   node --import tsx bench/perf-train.ts [--variant simd|scalar] [--threads N] [--min-split-work W] [--reps 3] [--only b32|adam|seed|infer]
// --min-split-work sets loadSimdnet's minSplitWork (default: each kernel's minWork, src/abi.ts).
import { loadMnist, subset } from '../src/data/mnist.js';
import { countNonzero, packSparseRows } from '../src/data/sparse.js';
import { loadSimdnet } from '../src/loader.node.js';
import { Network } from '../src/network.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : fallback;
};
const variant = flag('variant', 'simd') as 'simd' | 'scalar';
const reps = Number(flag('reps', '3'));
const only = flag('only', '');
const threads = Number(flag('threads', '1'));

const minSplitWork = args.includes('--min-split-work') ? Number(flag('min-split-work', '')) : undefined;
const runtime = await loadSimdnet({ variant, threads, minSplitWork });
console.log(
  `${runtime.variant} build, ${runtime.threads} thread${runtime.threads > 1 ? 's' : ''}${runtime.threads > 1 ? `, minSplitWork ${minSplitWork ?? 'per kernel'}` : ''}`,
);
const { train, test } = await loadMnist();
const best = (xs: number[]) => Math.min(...xs);

if (!only || only === 'b32') {
  const net = Network.create(runtime, { layers: [784, 10, 10], init: 'uniform', seed: 0 });
  net.fit(subset(train, 0, 3200), { optimizer: 'sgd', lr: 0.1, batchSize: 32, epochs: 1 });
  const times: number[] = [];
  for (let r = 0; r < reps; r++)
    times.push(net.fit(train, { optimizer: 'sgd', lr: 0.1, batchSize: 32, epochs: 1 }).msPerEpoch);
  console.log(
    `784-10-10 SGD b32: ${best(times).toFixed(1)} ms/epoch (runs ${times.map((t) => t.toFixed(0)).join(', ')}), test acc ${net.evaluate(test).accuracy.toFixed(4)}`,
  );
  net.dispose();
}
if (!only || only === 'adam') {
  const net = Network.create(runtime, { layers: [784, 128, 10], init: 'he', seed: 0 });
  net.fit(subset(train, 0, 3200), { optimizer: 'adam', lr: 0.001, batchSize: 32, epochs: 1 });
  const times: number[] = [];
  for (let r = 0; r < reps; r++)
    times.push(net.fit(train, { optimizer: 'adam', lr: 0.001, batchSize: 32, epochs: 1 }).msPerEpoch);
  console.log(
    `784-128-10 Adam b32: ${best(times).toFixed(1)} ms/epoch (runs ${times.map((t) => t.toFixed(0)).join(', ')}), test acc ${net.evaluate(test).accuracy.toFixed(4)}`,
  );
  net.dispose();
}
if (!only || only === 'seed') {
  const net = Network.create(runtime, { layers: [784, 10, 10], init: 'uniform', seed: 0 });
  net.fit(train, { optimizer: 'sgd', lr: 0.1, batchSize: 'full', iterations: 2 });
  const times: number[] = [];
  for (let r = 0; r < reps; r++)
    times.push(net.fit(train, { optimizer: 'sgd', lr: 0.1, batchSize: 'full', iterations: 10 }).msPerStep);
  console.log(
    `seed full batch 784-10-10: ${best(times).toFixed(1)} ms/iteration (runs ${times.map((t) => t.toFixed(1)).join(', ')})`,
  );
  net.dispose();
}
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
  const packs: number[] = [];
  const starts = new Int32Array(test.count + 1),
    entries = new Int32Array(countNonzero(test.pixels));
  for (let r = 0; r < Math.max(reps, 5); r++) {
    const t0 = performance.now();
    packSparseRows(test.pixels, 784, starts, entries);
    packs.push(performance.now() - t0);
  }
  const rate = (ms: number) => `${(test.count / ms).toFixed(0)}k images/s (${ms.toFixed(1)} ms)`;
  for (const fn of ['predict', 'evaluate'] as const) {
    const dense = best(times[fn].dense),
      sparse = best(times[fn].sparse);
    console.log(
      `inference 784-128-10 ${fn} on ${test.count}: dense ${rate(dense)}, sparse ${rate(sparse)}: ${(dense / sparse).toFixed(2)}×`,
    );
  }
  console.log(`  packing the ${test.count} images as sparse rows alone: ${best(packs).toFixed(1)} ms`);
  net.dispose();
}
