// Performance engineer's end-to-end probe (not part of bench/run.ts): ms per epoch of Network.fit
// at the presets, ms per full-batch iteration of the seed preset, and inference rate.
// Each figure is the best of `--reps` runs (the machine is shared; the best run is the one least
// disturbed), after one warm-up run; the fit's own clock excludes data residency and planning.
//   node --import tsx bench/perf-train.ts [--variant relaxed|simd|scalar] [--threads N] [--reps 3] [--only b32|adam|seed|infer]
import { loadMnist, subset } from '../src/data/mnist.js';
import { loadSimdnet } from '../src/loader.node.js';
import type { Variant } from '../src/abi.js';
import { Network } from '../src/network.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : fallback;
};
const variant = flag('variant', 'simd') as Variant;
const reps = Number(flag('reps', '3'));
const only = flag('only', '');
const threads = Number(flag('threads', '1'));

const runtime = await loadSimdnet({ variant, threads });
console.log(`${runtime.variant} build, ${runtime.threads} thread${runtime.threads > 1 ? 's' : ''}`);
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
  const net = Network.create(runtime, { layers: [784, 128, 10], init: 'he', seed: 0 });
  net.predict(test.pixels);
  const times: number[] = [];
  for (let r = 0; r < Math.max(reps, 5); r++) {
    const t0 = performance.now();
    net.predict(test.pixels);
    times.push(performance.now() - t0);
  }
  const evalTimes: number[] = [];
  for (let r = 0; r < Math.max(reps, 5); r++) {
    const t0 = performance.now();
    net.evaluate(test);
    evalTimes.push(performance.now() - t0);
  }
  console.log(
    `inference 784-128-10 on ${test.count}: predict ${(((test.count / best(times)) * 1000) / 1000).toFixed(0)}k images/s (${best(times).toFixed(1)} ms), evaluate ${(test.count / best(evalTimes)).toFixed(0)}k images/s (${best(evalTimes).toFixed(1)} ms)`,
  );
  net.dispose();
}
