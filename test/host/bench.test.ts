// The benchmark suites' validation (bench/run.ts validateAll), at the quick suite's shapes: every
// contender — simdnet, tfjs-wasm, tfjs-cpu — must produce output within its documented bound of a
// float64 reference before any benchmark may time it, and the end-to-end trainers must agree on a
// batch's loss, gradients and one optimizer step. Nothing is timed and no speed is asserted, ever:
// a benchmark that silently measures wrong output fails here instead.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SUITES, validateAll } from '../../bench/run.js';

describe('bench validation (quick shapes, no timing)', () => {
  for (const suite of SUITES) {
    it(`${suite}: every contender's output is within its bound`, async () => {
      const lines = await validateAll({ quick: true, only: [suite] });
      assert.ok(lines.length > 0, `${suite} validated nothing`);
      for (const line of lines) assert.doesNotMatch(line, /skipped/, line);
    });
  }
});
