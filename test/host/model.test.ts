// src/model/: the model as a list of layers, the optimizer registry, and the step as data — the
// one list of kernel calls fit runs is the one the profile times (bit for bit the same gradients),
// on one thread and on two.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Dataset } from '../../src/data/dataset.js';
import { loadSimdnet, type Runtime } from '../../src/index.node.js';
import { ABI } from '../../src/abi.js';
import { parameterCount } from '../../src/checkpoint.js';
import { denseModel, initialParameters } from '../../src/model/model.js';
import { defaultLearningRate, OPTIMIZERS, resolveOptimizer } from '../../src/model/optimizers.js';
import { StepProgram, type CallSpec, type KernelHost } from '../../src/model/program.js';
import { Network } from '../../src/network.js';
import { profiledTrainingStep } from '../../src/perf/step.js';
import { Rng } from '../../src/rng.js';

const runtimes: Record<string, Runtime> = {};
before(async () => {
  runtimes['1 thread'] = await loadSimdnet({ variant: 'simd' });
  runtimes['2 threads'] = await loadSimdnet({ threads: 2, minSplitWork: 0 });
});

describe('denseModel', () => {
  it("lays each layer's kernel and bias out in the checkpoint order", () => {
    const model = denseModel([7, 5, 3]);
    assert.deepEqual(
      model.layers.map((l) => [l.kind, l.inputs, l.outputs, l.relu]),
      [
        ['Dense', 7, 5, true],
        ['Dense', 5, 3, false],
      ],
    );
    assert.deepEqual(model.offsets, [
      [0, 35],
      [40, 55],
    ]);
    assert.equal(model.parameterCount, parameterCount([7, 5, 3]));
    assert.deepEqual(
      model.layers.map((l, i) => l.layersConfig(`dense_${i + 1}`, i === 0).weights.map((w) => `${w.name} ${w.shape}`)),
      [
        ['dense_1/kernel 7,5', 'dense_1/bias 5'],
        ['dense_2/kernel 5,3', 'dense_2/bias 3'],
      ],
    );
  });
  it('draws the initial parameters Network.create draws', () => {
    const runtime = runtimes['1 thread']!;
    for (const init of ['he', 'uniform'] as const) {
      const net = Network.create(runtime, { layers: [9, 6, 4], init, seed: 11 });
      assert.deepEqual(initialParameters(denseModel([9, 6, 4]), init, new Rng(11)), net.getParameters());
      net.dispose();
    }
  });
});

describe('optimizer registry', () => {
  it("fills in each optimizer's own learning rate when none is given", () => {
    for (const name of OPTIMIZERS) assert.equal(resolveOptimizer({ optimizer: name }).lr, defaultLearningRate(name));
    assert.equal(resolveOptimizer({}).name, 'sgd');
  });
  it('trains with the default learning rate exactly as with it given', () => {
    const runtime = runtimes['1 thread']!;
    const data: Dataset = {
      count: 40,
      rows: 1,
      cols: 12,
      pixels: new Uint8Array(480).map((_, i) => (i * 37) % 256),
      labels: new Uint8Array(40).map((_, i) => i % 3),
    };
    for (const name of OPTIMIZERS) {
      const a = Network.create(runtime, { layers: [12, 8, 3], seed: 2 }),
        b = Network.create(runtime, { layers: [12, 8, 3], seed: 2 });
      a.fit(data, { optimizer: name, batchSize: 8, epochs: 2 });
      b.fit(data, { optimizer: name, lr: defaultLearningRate(name), batchSize: 8, epochs: 2 });
      assert.deepEqual(a.getParameters(), b.getParameters(), name);
      a.dispose();
      b.dispose();
    }
  });
});

describe('StepProgram', () => {
  it('patches every argument of a slot, and runs the split kernel where there is one', () => {
    const runtime = runtimes['1 thread']!;
    const arena = runtime.createArena({
      labels: { dtype: 'i32', shape: [4] },
      source: { dtype: 'u8', shape: [6] },
      order: { dtype: 'i32', shape: [8] },
    });
    arena.tensor('source', 'u8').write([10, 11, 12, 13, 14, 15]);
    arena.tensor('order', 'i32').write([5, 4, 3, 2, 1, 0, 2, 2]);
    const at = (name: string) => arena.tensors[name]!.offset;
    const program = new StepProgram(
      [
        {
          kernel: 'gather_labels',
          args: [at('labels'), at('source'), { slot: 'indices' }, 4],
          label: 'gather',
          phase: 'data',
          flops: 0,
          bytes: 0,
        },
      ],
      arena,
    );
    program.set('indices', at('order'));
    program.run();
    assert.deepEqual(Array.from(arena.tensor('labels', 'i32').view()), [15, 14, 13, 12]);
    program.set('indices', at('order') + 4 * 4);
    program.run();
    assert.deepEqual(Array.from(arena.tensor('labels', 'i32').view()), [11, 10, 12, 12]);
    assert.deepEqual(program.calls[0]!.args, [at('labels'), at('source'), at('order') + 16, 4]);
    arena.dispose();
  });
});

describe('StepProgram on threads', () => {
  it('binds each call once: the split kernel where the call splits, else the raw export', () => {
    const ran: string[] = [];
    const record = (where: string) =>
      new Proxy(
        {},
        {
          get:
            (_, kernel) =>
            (...args: number[]) =>
              void ran.push(`${where} ${String(kernel)} ${args[0]}`),
        },
      );
    const host = {
      exports: record('raw') as KernelHost['exports'],
      parallel: record('split') as KernelHost['parallel'],
      splits: (kernel: string, args: readonly number[]) => kernel === 'sgemm' && args[0]! >= 100,
    };
    const call = (kernel: 'sgemm' | 'relu_forward', size: number): CallSpec => ({
      kernel,
      args: [size],
      label: kernel,
      phase: 'forward',
      flops: 0,
      bytes: 0,
    });
    new StepProgram([call('sgemm', 99), call('sgemm', 100), call('relu_forward', 1000)], host).run();
    assert.deepEqual(ran, ['raw sgemm 99', 'split sgemm 100', 'raw relu_forward 1000']);
  });

  it("Arena.splits follows the kernels' work rule (minWork of src/abi.ts), never on one thread", async () => {
    const threaded = await loadSimdnet({ threads: 2 });
    try {
      const arena = threaded.createArena({ x: [4] }),
        single = runtimes['1 thread']!.createArena({ x: [4] });
      const sgemm = (m: number, n: number, k: number) => [0, 0, m, n, k, 0, 0, 0, 0];
      const least = ABI.sgemm.split.minWork;
      assert.equal(arena.splits('sgemm', sgemm(least / 64, 8, 8)), true);
      assert.equal(arena.splits('sgemm', sgemm(least / 64 - 1, 8, 8)), false);
      assert.equal(single.splits('sgemm', sgemm(1024, 1024, 1024)), false);
      assert.equal(arena.splits('gather_labels', [0, 0, 0, 1 << 30]), false);
      arena.dispose();
      single.dispose();
    } finally {
      await threaded.dispose();
    }
  });
});

describe("the profiled step is fit's step", () => {
  for (const [optimizer, layers, density] of [
    ['adam', [784, 24, 10], 0.19],
    ['sgd', [64, 12, 10], 0.9],
  ] as const) {
    for (const threads of ['1 thread', '2 threads']) {
      it(`${layers.join('-')} ${optimizer}, ${density < 0.3 ? 'sparse' : 'dense'} rows, ${threads}: the same gradients bit for bit`, () => {
        const runtime = runtimes[threads]!;
        const batch = 16;
        const step = profiledTrainingStep(runtime, {
          layers,
          batch,
          optimizer,
          poolImages: 4 * batch,
          pixelDensity: density,
          seed: 3,
        });
        const net = Network.create(runtime, { layers: [...layers], seed: 5 });
        try {
          step.arena.tensor('params', 'f32').write(net.getParameters());
          step.runStep();
          const profiled = step.arena.tensor('grads', 'f32').read();
          // The step's first batch as a training set of its own, in its order: fit's only step
          // (no shuffle, one batch) then takes the same rows in the same order.
          const order = step.arena.tensor('order', 'i32').view().subarray(0, batch);
          const inputs = layers[0];
          const data: Dataset = {
            count: batch,
            rows: 1,
            cols: inputs,
            labels: Uint8Array.from(order, (i) => step.data.labels[i]!),
            pixels: new Uint8Array(batch * inputs).map(
              (_, k) => step.data.pixels[order[Math.floor(k / inputs)]! * inputs + (k % inputs)]!,
            ),
          };
          net.fit(data, { batchSize: batch, iterations: 1, shuffle: false, optimizer: 'sgd' });
          const gradients = net.getGradients();
          const differ = gradients.findIndex((g, i) => !Object.is(g, profiled[i]));
          assert.equal(differ, -1, `gradient ${differ}: profiled ${profiled[differ]}, fit ${gradients[differ]}`);
          assert.equal(step.calls.filter((c) => c.kernel.startsWith('sparse_')).length, density < 0.3 ? 2 : 0);
        } finally {
          step.dispose();
          net.dispose();
        }
      });
    }
  }
});
