// fit's step loop allocates almost nothing on the JavaScript heap per step: in a fresh process,
// garbage fills young-generation pages never touched before, whose page faults slowed a third of
// the first epochs' steps by a quarter when each step left 1.4 KB (taggedList, model/program.ts).
// Counted in a process of its own (test/host/fixtures/fit-allocation.ts), whose young generation
// holds every measured fit's garbage: the heap then only grows, by what fit allocated.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const FIXTURE = fileURLToPath(new URL('./fixtures/fit-allocation.ts', import.meta.url));

// Measured: 146–170 bytes per step on Node 20, 22 and 24 (the loss and the onStep record, boxed
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
    const perStep = JSON.parse(run.stdout) as Record<string, number>;
    assert.deepEqual(Object.keys(perStep), ['sgd', 'adam']);
    for (const [optimizer, bytes] of Object.entries(perStep)) {
      assert.ok(bytes >= 0, `${optimizer}: the heap shrank (${bytes} B/step): a GC ran while measuring`);
      assert.ok(bytes <= MAX_BYTES_PER_STEP, `${optimizer}: fit allocated ${bytes.toFixed(0)} B per step`);
    }
  });
});
