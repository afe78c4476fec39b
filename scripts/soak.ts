// Soak: a long training run must keep the WebAssembly memory and the JS heap flat. Trains one
// network for --steps steps (default 100k) in segments, and after each segment records the arena's
// memory.buffer.byteLength (net.memoryBytes), heapUsed after a full GC, and ms/step for the segment.
//   node --import tsx scripts/soak.ts [--steps 100000] [--segment 10000] [--layers 784,128,10] [--batch 32]
// Exits 1 if the memory changed or the heap grew by more than 1 MiB between the first and last segment.
import os from 'node:os';
import { parseArgs } from 'node:util';
import v8 from 'node:v8';
import vm from 'node:vm';
import { loadMnist } from '../src/data/mnist.js';
import { loadSimdnet } from '../src/loader.node.js';
import { Network } from '../src/network.js';

const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '100000' },
    segment: { type: 'string', default: '10000' },
    layers: { type: 'string', default: '784,128,10' },
    batch: { type: 'string', default: '32' },
  },
});
const steps = Number(values.steps),
  segment = Number(values.segment),
  batchSize = Number(values.batch);
const layers = values.layers.split(',').map(Number);

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
const heapAfterGc = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

const runtime = await loadSimdnet();
const { train, test } = await loadMnist();
const net = Network.create(runtime, { layers, seed: 1 });
// Warm-up (excluded): makes the training set resident, which re-plans the arena once, and lets the engine optimise.
net.fit(train, { optimizer: 'adam', lr: 0.001, batchSize, iterations: 1000 });

interface Row {
  steps: number;
  memoryBytes: number;
  heapUsed: number;
  msPerStep: number;
}
const rows: Row[] = [{ steps: 0, memoryBytes: net.memoryBytes, heapUsed: heapAfterGc(), msPerStep: NaN }];
for (let done = 0; done < steps; done += segment) {
  const n = Math.min(segment, steps - done);
  const { msPerStep } = net.fit(train, { optimizer: 'adam', lr: 0.001, batchSize, iterations: n, seed: done });
  rows.push({ steps: done + n, memoryBytes: net.memoryBytes, heapUsed: heapAfterGc(), msPerStep });
}
const { accuracy } = net.evaluate(test);

const first = rows[0]!,
  last = rows[rows.length - 1]!;
const mib = (b: number) => (b / 2 ** 20).toFixed(2);
console.log(
  `soak: ${layers.join('-')} adam batch ${batchSize}, ${steps} steps (${runtime.variant}); Node ${process.version}, ${os.cpus()[0]?.model ?? 'unknown CPU'} ×${os.cpus().length}`,
);
console.log('| steps | memory bytes | heapUsed after GC (MiB) | ms/step (segment) |');
console.log('|---:|---:|---:|---:|');
for (const r of rows)
  console.log(
    `| ${r.steps} | ${r.memoryBytes} | ${mib(r.heapUsed)} | ${Number.isNaN(r.msPerStep) ? '(warm-up)' : r.msPerStep.toFixed(3)} |`,
  );
const growth = last.heapUsed - first.heapUsed;
console.log(
  `memory start ${first.memoryBytes} → end ${last.memoryBytes} bytes; heapUsed start ${mib(first.heapUsed)} → end ${mib(last.heapUsed)} MiB (${growth >= 0 ? '+' : ''}${(growth / 1024).toFixed(1)} KiB); test accuracy ${(100 * accuracy).toFixed(2)}%`,
);
const ok = last.memoryBytes === first.memoryBytes && Math.abs(growth) < 2 ** 20;
console.log(ok ? 'flat: OK' : 'NOT FLAT');
process.exitCode = ok ? 0 : 1;
