// `simdnet compare` (src/commands/compare.ts over src/compare.ts): the --quick run produces one row
// per model and engine with consistent numbers, both engines reach the same accuracy from the same
// weights and batches, --json is one parseable object, and bad flags exit 2 with the usage.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compareCommand, COMPARE_USAGE } from '../../src/commands/compare.js';
import { SIMDNET_VERSION } from '../../src/commands/version.js';
import { formatComparisonTable, type ComparisonRow } from '../../src/tfjs/comparison.js';

function capture() {
  const out: string[] = [],
    err: string[] = [];
  return {
    io: {
      stdout: (s: string) => {
        out.push(s);
      },
      stderr: (s: string) => {
        err.push(s);
      },
    },
    out,
    err,
  };
}

describe('simdnet compare --quick --json', () => {
  let code: number;
  let report: {
    simdnet: string;
    machine: Record<string, unknown>;
    variant: string;
    tfjs: Array<Record<string, unknown>>;
    rows: ComparisonRow[];
  };
  let progress: string;

  before(async () => {
    const c = capture();
    code = await compareCommand(['--quick', '--json'], c.io);
    assert.equal(c.out.length, 1, 'one JSON write on stdout');
    report = JSON.parse(c.out[0]!);
    progress = c.err.join('');
  });

  it('exits 0 and reports the simdnet version, the machine, the variant and the tfjs binary', () => {
    assert.equal(code, 0);
    assert.equal(report.simdnet, SIMDNET_VERSION);
    for (const key of ['date', 'node', 'cpu', 'cores', 'v8', 'variant'])
      assert.ok(key in report.machine, `machine.${key}`);
    assert.equal(report.machine.node, process.version);
    assert.match(report.variant, /^(relaxed|simd|scalar)$/);
    assert.equal(report.tfjs[0]!.name, 'wasm');
    assert.match(String(report.tfjs[0]!.binary), /^tfjs-backend-wasm(-simd)?\.wasm$/);
    assert.match(progress, /tfjs-wasm 784-128-10 adam b32/);
  });

  it('has a simdnet and a tfjs-wasm row for each of the three models, with consistent timings', () => {
    assert.deepEqual(
      report.rows.map((r) => `${r.model} | ${r.engine.replace(/relaxed$|simd$|scalar$/, 'V')}`),
      [
        '784-10-10 sgd b32 | simdnet-V',
        '784-10-10 sgd b32 | tfjs-wasm',
        '784-10-10 sgd full (seed) | simdnet-V',
        '784-10-10 sgd full (seed) | tfjs-wasm',
        '784-128-10 adam b32 | simdnet-V',
        '784-128-10 adam b32 | tfjs-wasm',
      ],
    );
    for (const r of report.rows) {
      assert.ok(
        r.msPerStep > 0 && r.trainSeconds > 0 && r.peakMemoryBytes > 0,
        `${r.engine} ${r.model}: ${JSON.stringify(r)}`,
      );
      if (!r.extrapolated)
        assert.ok(Math.abs((r.msPerStep * r.steps) / 1000 - r.trainSeconds) < 1e-6 * r.trainSeconds + 1e-9);
      if (r.engine.startsWith('tfjs')) {
        const ours = report.rows.find((o) => o.model === r.model && o.engine.startsWith('simdnet'))!;
        assert.ok(Math.abs(r.speedup! - r.msPerStep / ours.msPerStep) < 1e-9 * r.speedup!);
      } else {
        assert.equal(r.speedup, null);
      }
    }
    const seed = report.rows.filter((r) => r.batch === 'full');
    assert.deepEqual(
      seed.map((r) => [r.steps, r.extrapolated, r.testAccuracy === null]),
      [
        [5, false, false],
        [1, true, true],
      ],
    );
  });

  it('gives the same test accuracy on both engines for the mini-batch models (same weights, batches and order)', () => {
    for (const model of ['784-10-10 sgd b32', '784-128-10 adam b32']) {
      const [ours, theirs] = report.rows.filter((r) => r.model === model);
      assert.ok(ours!.testAccuracy! > 0.5, `${model}: simdnet accuracy ${ours!.testAccuracy}`);
      assert.ok(
        Math.abs(ours!.testAccuracy! - theirs!.testAccuracy!) <= 0.005,
        `${model}: ${ours!.testAccuracy} vs ${theirs!.testAccuracy}`,
      );
    }
  });

  it('formats as a table with a baseline per model and marked extrapolations', () => {
    const table = formatComparisonTable(report.rows);
    assert.match(table, /^model +engine +backend/);
    assert.equal(table.match(/baseline/g)?.length, 3);
    assert.match(table, /~[\d.]+\*/);
    assert.match(table, /\* extrapolated/);
  });
});

describe('simdnet compare flags', () => {
  for (const argv of [
    ['--epochs', '0'],
    ['--epochs', 'two'],
    ['--backend', 'webgl'],
    ['--variant', 'avx'],
    ['--bogus'],
    ['stray'],
  ]) {
    it(`${argv.join(' ')} exits 2 with the usage and no stack trace`, async () => {
      const c = capture();
      assert.equal(await compareCommand(argv, c.io), 2);
      const err = c.err.join('');
      assert.match(err, /^simdnet compare: /);
      assert.ok(err.includes(COMPARE_USAGE));
      assert.doesNotMatch(err, /\n\s+at /);
      assert.equal(c.out.length, 0);
    });
  }

  it('--help prints the usage and exits 0', async () => {
    const c = capture();
    assert.equal(await compareCommand(['--help'], c.io), 0);
    assert.equal(c.out.join(''), `${COMPARE_USAGE}\n`);
  });
});
