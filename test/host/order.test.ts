// The batch order (assembly/order.ts): identityOrder and shuffleOrder against Rng.shuffle
// (src/rng.ts), the schedule run on an arena's order by the kernels (kernelOrder) against the
// reference schedule (rngOrder), and Network.fit ending on the reference's order. Exact: an order
// holds integers, so every element must match.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Network } from '../../src/index.node.js';
import type { NetworkState } from '../../src/model/state.js';
import { Rng } from '../../src/rng.js';
import { kernelOrder, planSchedule, scheduleSteps } from '../../src/schedule.js';
import { forEachVariant, i32, makeArena } from './reference.js';

/** Counts around the batch of 32, and MNIST's training set. */
const COUNTS = [1, 2, 31, 32, 33, 60000];
/** Seeds whose u32 states sit at both ends of the sign bit, and one beyond 2³² (Rng keeps its low 32 bits). */
const SEEDS = [0, 7, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 40 + 5];
const EPOCHS = 3;

/** The first index where the two orders differ, or -1. */
function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) if (a[i] !== b[i]) return i;
  return -1;
}

function expectSameOrder(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  const i = firstDifference(actual, expected);
  assert.equal(i, -1, `${what}: [${i}] is ${actual[i]}, the reference's ${expected[i]}`);
}

forEachVariant((ctx) => {
  describe('identityOrder and shuffleOrder', () => {
    it('shuffle as Rng.shuffle does, epoch after epoch, the returned state carrying the generator on', () => {
      for (const count of COUNTS) {
        for (const seed of SEEDS) {
          const arena = makeArena(ctx.runtime, { order: { dtype: 'i32', shape: [count], fill: -1 } });
          const order = i32(arena, 'order');
          const expected = Int32Array.from({ length: count }, (_, i) => i),
            rng = new Rng(seed);
          arena.kernels.identityOrder(order);
          expectSameOrder(order.read(), expected, `identityOrder of ${count}`);
          let state = seed >>> 0;
          for (let epoch = 1; epoch <= EPOCHS; epoch++) {
            rng.shuffle(expected);
            state = arena.kernels.shuffleOrder(order, state);
            expectSameOrder(order.read(), expected, `${count} rows, seed ${seed}, shuffle ${epoch}`);
          }
          arena.dispose();
        }
      }
    });

    it('refuse a state that is not a u32 and an order that is not an i32 vector, naming them', () => {
      const arena = makeArena(ctx.runtime, {
        order: { dtype: 'i32', shape: [4] },
        matrix: { dtype: 'i32', shape: [2, 2] },
        floats: { shape: [4] },
      });
      const order = i32(arena, 'order');
      for (const state of [-1, 2 ** 32, 0.5, NaN, '1' as unknown as number])
        assert.throws(
          () => arena.kernels.shuffleOrder(order, state),
          /shuffleOrder: state must be an integer in \[0, 2\^32\)/,
        );
      assert.throws(() => arena.kernels.shuffleOrder(i32(arena, 'matrix'), 0), /shuffleOrder: order/);
      assert.throws(() => arena.kernels.identityOrder(arena.tensors.floats as never), /identityOrder: order/);
      arena.dispose();
    });
  });

  describe('the schedule on an arena (kernelOrder)', () => {
    it("gives rngOrder's batches step by step, for every count, batch and seed", () => {
      for (const count of COUNTS) {
        for (const batchSize of [1, 32, count].filter((b) => b <= count)) {
          for (const seed of SEEDS.slice(0, 3)) {
            const schedule = planSchedule(count, { batchSize, epochs: EPOCHS, shuffle: true, seed });
            const arena = makeArena(ctx.runtime, { order: { dtype: 'i32', shape: [count] } });
            const steps = scheduleSteps(count, schedule, (s) => kernelOrder(arena.kernels, i32(arena, 'order'), s));
            let n = 0;
            for (const expected of scheduleSteps(count, schedule)) {
              const actual = steps.next();
              assert.equal(actual.done, false, `${count} rows: the arena's schedule ended at step ${n}`);
              const { indices, ...where } = actual.value;
              const { indices: expectedIndices, ...expectedWhere } = expected;
              assert.deepEqual(where, expectedWhere);
              expectSameOrder(indices, expectedIndices, `${count} rows, batch ${batchSize}, seed ${seed}, step ${n}`);
              n++;
            }
            assert.equal(steps.next().done, true);
            arena.dispose();
          }
        }
      }
    });
  });

  describe('Network.fit', () => {
    it("leaves the arena's order where the reference schedule ends, in every epoch count", () => {
      const count = 100,
        inputs = 12,
        rng = new Rng(3);
      const pixels = new Uint8Array(count * inputs).map(() => Math.floor(rng.next() * 256));
      const labels = new Uint8Array(count).map(() => Math.floor(rng.next() * 3));
      const data = { pixels, labels, count, rows: 1, cols: inputs };
      for (const epochs of [1, 2, 3]) {
        const net = Network.create(ctx.runtime, { layers: [inputs, 5, 3], seed: 9 });
        net.fit(data, { epochs, batchSize: 32, seed: 21 + epochs });
        const schedule = planSchedule(count, { epochs, batchSize: 32, seed: 21 + epochs });
        let last: Int32Array | undefined;
        for (const step of scheduleSteps(count, schedule)) last = step.indices;
        const state = (net as unknown as { state: NetworkState }).state;
        expectSameOrder(state.tensor('order').read(), new Int32Array(last!.buffer), `fit over ${epochs} epochs`);
        net.dispose();
      }
    });
  });
});
