// The targets table (bench/targets-report.ts, shown in the README by scripts/readme-figures.ts)
// from a fixture results file with round figures: which simdnet figure counts, the ratios against
// the rivals, the targets met or not, two threads against one, roofline shares, every Node and
// build side by side, and a rival that could not be measured. No timing happens here.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { ResultsFile } from '../../bench/report.js';
import type { TargetsResult } from '../../bench/targets.bench.js';
import { builds, headline, targetRows, targetsMarkdown } from '../../bench/targets-report.js';
import { fastestRun, userFigure } from '../../bench/targets-simdnet.js';
import { targetsSection } from '../../scripts/readme-figures.js';

const fixture = (): ResultsFile<TargetsResult> =>
  JSON.parse(readFileSync(new URL('./fixtures/targets.json', import.meta.url), 'utf8')) as ResultsFile<TargetsResult>;

const close = (actual: number | null, expected: number, what: string) =>
  assert.ok(
    actual !== null && Math.abs(actual - expected) < 1e-9 * expected,
    `${what}: ${actual}, expected ${expected}`,
  );

describe('targets report', () => {
  it('counts the cold CLI run: the seed its ms/iteration over the run, mini-batches their first epoch', () => {
    const run = { command: '', reportedMs: 15, firstMs: 40, warmMs: 12, epochs: 20, wallMs: 1000 };
    assert.equal(userFigure('seed', run), 15);
    assert.equal(userFigure('sgd', run), 40);
    assert.equal(userFigure('adam', run), 40);
  });

  it('keeps the fastest of several cold runs by that figure, and every run it chose from', () => {
    const run = (reportedMs: number, firstMs: number) => ({
      command: `${reportedMs}/${firstMs}`,
      reportedMs,
      firstMs,
      warmMs: 1,
      epochs: 2,
      wallMs: 1,
    });
    const runs = [run(30, 50), run(20, 70), run(40, 45)];
    assert.deepEqual(fastestRun('seed', runs), { ...runs[1]!, coldRuns: [30, 20, 40] });
    assert.deepEqual(fastestRun('adam', runs), { ...runs[2]!, coldRuns: [50, 70, 45] });
    assert.deepEqual(fastestRun('sgd', [runs[0]!]), { ...runs[0]!, coldRuns: [50] });
  });

  it("computes each workload's ratio against its rival and whether the target is met", () => {
    const result = fixture().results;
    const rows = targetRows(result, result.nodes[0]!.variants[0]!);
    assert.deepEqual(
      rows.map((r) => r.workload),
      ['seed', 'sgd', 'adam', 'inference'],
    );
    const [seed, sgd, adam, inference] = rows as [
      (typeof rows)[0],
      (typeof rows)[0],
      (typeof rows)[0],
      (typeof rows)[0],
    ];
    // numpy 45 ms ÷ simdnet 15 ms: exactly the 3× target, which counts as met.
    close(seed.ratio, 3, 'seed ratio');
    assert.equal(seed.met, true);
    close(sgd.ratio, 4000 / 50, 'sgd ratio');
    assert.equal(sgd.met, true);
    close(adam.ratio, 12000 / 400, 'adam ratio');
    assert.equal(adam.met, false);
    close(inference.ratio, 600000 / 146000, 'inference ratio');
    assert.equal(inference.met, true);
    assert.deepEqual(
      rows.map((r) => r.target),
      [3, 80, 40, 4],
    );
    // Two threads ÷ one on the same figure; inference in images/s, the other way round.
    close(seed.threads, 15 / 10, 'seed threads');
    close(sgd.threads, 50 / 55, 'sgd threads');
    close(adam.threads, 400 / 320, 'adam threads');
    close(inference.threads, 900000 / 600000, 'inference threads');
    assert.deepEqual(
      rows.map((r) => r.roofline),
      [0.7, 0.5, 0.65, undefined],
    );
    assert.deepEqual([seed.first, seed.warm], [40, 12]);
  });

  it('renders the headline table for the first Node and the build auto picks there', () => {
    const h = headline(fixture().results);
    assert.equal(h.rows.length, 4);
    assert.equal(h.header.length, h.right.length);
    for (const row of h.rows) assert.equal(row.length, h.header.length, row.join(' | '));
    const [seed, sgd, adam, inference] = h.rows as [string[], string[], string[], string[]];
    assert.deepEqual(seed.slice(1, 9), [
      '15.0 ms/iteration',
      '40.0 / 12.0',
      '45.0 ms/iteration (numpy 2.4.6 + OpenBLAS, 2 threads (float32))',
      '**3.00×**',
      '≥ 3×',
      'met',
      '1.50× (≥ 1.3×)',
      '70 % (≥ 60 %)',
    ]);
    assert.equal(sgd[4], '**80×**');
    assert.equal(sgd[7], '0.91× (≥ 1×)');
    assert.deepEqual([adam[4], adam[6]], ['**30×**', 'not met']);
    assert.match(adam[3]!, /12000 ms\/epoch \(tfjs-wasm model\.fit \(epoch extrapolated\)\)/);
    assert.deepEqual(inference.slice(1, 5), [
      '600 k images/s',
      '—',
      '146 k images/s (tfjs-wasm predict, one batch)',
      '**4.11×**',
    ]);
  });

  it('puts every Node and build side by side against the same rivals', () => {
    const b = builds(fixture().results);
    assert.deepEqual(b.header, ['workload', 'Node v20.20.2 simd', 'Node v24.22.3 relaxed', 'Node v24.22.3 simd']);
    // Node 24 relaxed at half of Node 20's times: twice the ratio.
    assert.deepEqual(b.rows[0]!.slice(1), ['3.00× (15.0)', '6.00× (7.50)', '3.75× (12.0)']);
    assert.deepEqual(b.rows[3]!.slice(1), ['4.11× (600 k)', '8.22× (1200 k)', '5.14× (750 k)']);
  });

  it('names the machine, Node and build, and says where relaxed SIMD could not run', () => {
    const md = targetsMarkdown(fixture().results);
    assert.match(md, /^Node v20\.20\.2 \(V8 11\.3\.244\.8-node\.38\), simdnet `simd` build, on AMD EPYC \(2 cores\)/);
    assert.match(
      md,
      /Node v20\.20\.2: relaxed SIMD is unavailable \(the engine does not validate relaxed-SIMD modules\)/,
    );
    assert.match(md, /\| seed preset: 784-10-10 SGD lr 0\.1, full batch of 60k \| 15\.0 ms\/iteration \|/);
  });

  it('says a rival was not measured instead of inventing a figure', () => {
    const file = fixture();
    file.results.rivals.seed = { unmeasured: 'not measured: python3 with numpy not found' };
    const [seed] = targetRows(file.results, file.results.nodes[0]!.variants[0]!);
    assert.deepEqual([seed!.rival, seed!.ratio, seed!.met], [null, null, null]);
    const row = headline(file.results).rows[0]!;
    assert.deepEqual(row.slice(3, 7), ['not measured: python3 with numpy not found', '—', '≥ 3×', 'not measured']);
  });

  it('the README section shows the table from targets.json, or that no run has recorded it', () => {
    const section = targetsSection(fixture());
    assert.match(section, /^### Targets: same-run ratios/);
    assert.ok(section.includes(targetsMarkdown(fixture().results)));
    assert.match(section, /Source: `bench\/results\/targets\.json`\.$/);
    assert.match(
      targetsSection(null),
      /No run has recorded them yet: `npm run bench` writes `bench\/results\/targets\.json`\./,
    );
  });
});
