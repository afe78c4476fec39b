// Network.fit's loop: what an epoch's time counts, and that a step allocates almost nothing on
// the JavaScript heap (in a fresh process, garbage fills young-generation pages never touched
// before, whose page faults slowed a third of the first epochs' steps by a quarter when each step
// left 1.4 KB: taggedList, model/program.ts). The allocation is counted in a process of its own
// (test/host/fixtures/fit-allocation.ts) as the growth of V8's young generation, made large
// enough to hold a fit's garbage, over fits that no garbage collection fell in.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadSimdnet } from '../../src/loader.node.js';
import { Network } from '../../src/network.js';
import { Rng } from '../../src/rng.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/fit-allocation.ts', import.meta.url));

// Measured: 25–165 bytes per step on Node 20, 22 and 24 (the loss and the onStep record, boxed
// while fit runs unoptimized); 1417–1546 before the loop stopped allocating.
const MAX_BYTES_PER_STEP = 400;

describe('fit step loop', () => {
  it(`allocates at most ${MAX_BYTES_PER_STEP} bytes of JavaScript heap per step on u8 images (SGD, Adam)`, () => {
    const run = spawnSync(
      process.execPath,
      ['--max-semi-space-size=64', '--min-semi-space-size=64', '--import', 'tsx', FIXTURE],
      { encoding: 'utf8', timeout: 120_000 },
    );
    assert.equal(run.status, 0, run.stderr);
    const perStep = JSON.parse(run.stdout) as Record<string, { bytesPerStep: number; cleanRuns: number }>;
    assert.deepEqual(Object.keys(perStep), ['sgd', 'adam']);
    for (const [optimizer, { bytesPerStep, cleanRuns }] of Object.entries(perStep)) {
      assert.ok(cleanRuns >= 1, `${optimizer}: a garbage collection fell in every one of 6 fits`);
      assert.ok(
        bytesPerStep >= 0,
        `${optimizer}: the young generation shrank (${bytesPerStep} B/step) with no collection seen`,
      );
      assert.ok(
        bytesPerStep <= MAX_BYTES_PER_STEP,
        `${optimizer}: fit allocated ${bytesPerStep.toFixed(0)} B per step`,
      );
    }
  });
});

describe('fit epoch times', () => {
  // A clock that moves only when told: one unit per onStep call, 1000 per onEpoch call.
  it("count each epoch's steps, not its validation or onEpoch, nor the previous epoch's", async (t) => {
    const runtime = await loadSimdnet({ variant: 'scalar' });
    const net = Network.create(runtime, { layers: [4, 3, 2], seed: 0 });
    const rng = new Rng(2);
    const images = {
      count: 64,
      rows: 2,
      cols: 2,
      pixels: new Uint8Array(256).map(() => (rng.next() * 256) | 0),
      labels: new Uint8Array(64).map(() => (rng.next() * 2) | 0),
    };
    let clock = 0;
    t.mock.method(performance, 'now', () => clock);
    const result = net.fit(images, {
      batchSize: 16,
      epochs: 3,
      validationData: images,
      onStep: () => (clock += 1),
      onEpoch: () => (clock += 1000),
    });
    t.mock.restoreAll();
    assert.deepEqual(
      result.epochs.map((e) => [e.steps, e.milliseconds]),
      [
        [4, 4],
        [4, 4],
        [4, 4],
      ],
    );
    assert.equal(result.seconds * 1000, 3 * 4 + 3 * 1000, 'seconds: every step and every onEpoch call');
    net.dispose();
  });
});
