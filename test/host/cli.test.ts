// The command line as a user meets it: real runs print what they promise, bad flags get a usage
// message and exit code 2, never a stack trace.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadNetwork } from '../../src/io.node.js';
import { loadSimdnet } from '../../src/index.node.js';

const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));

function simdnet(...args: string[]) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('simdnet train', () => {
  it('--json prints one JSON object last with the promised fields, and --save writes a loadable checkpoint', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'simdnet-cli-'));
    const save = join(dir, 'net.snet');
    const run = simdnet('train', '--layers', '784,16,10', '--optimizer', 'adam', '--batch', '64', '--iterations', '200', '--seed', '3', '--save', save, '--json');
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.trim().split('\n');
    const report = JSON.parse(lines[lines.length - 1]!);
    for (const key of ['testAccuracy', 'trainSeconds', 'msPerEpoch', 'msPerIteration', 'layers', 'optimizer', 'batch', 'variant']) {
      assert.ok(key in report, `missing ${key}`);
    }
    assert.deepEqual(report.layers, [784, 16, 10]);
    assert.equal(report.optimizer, 'adam');
    assert.equal(report.batch, 64);
    assert.equal(report.steps, 200);
    assert.equal(report.variant, 'simd');
    assert.ok(report.testAccuracy > 0.8, `accuracy ${report.testAccuracy}`);
    const net = await loadNetwork(await loadSimdnet(), save);
    assert.deepEqual(net.layers, [784, 16, 10]);
  });

  it('--threads 2 trains on two threads and says so; --threads 17 is refused', () => {
    const run = simdnet('train', '--layers', '784,10', '--iterations', '20', '--batch', '256', '--threads', '2', '--json');
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.trim().split('\n');
    const report = JSON.parse(lines[lines.length - 1]!);
    assert.equal(report.threads, 2);
    assert.equal(report.variant, 'simd');
    const refused = simdnet('train', '--threads', '17');
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /--threads 17: threads must be an integer in \[1, 16\]/);
  });

  it('the plain output is one readable summary line', () => {
    const run = simdnet('train', '--layers', '784,10', '--iterations', '20', '--variant', 'scalar');
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^784-10 sgd lr 0\.1 batch 32 \(scalar\): test accuracy \d+\.\d\d%/);
  });

  for (const [args, pattern] of [
    [['--bogus'], /Unknown option '--bogus'/],
    [['--optimizer', 'rmsprop'], /--optimizer must be one of sgd, momentum, adam/],
    [['--lr=-1'], /--lr must be a number > 0/],
    [['--lr', '-1'], /argument is ambiguous/],
    [['--lr', 'abc'], /--lr must be a number > 0/],
    [['--batch', '0'], /--batch must be an integer ≥ 1/],
    [['--batch', '2.5'], /--batch must be an integer/],
    [['--layers', '784,0,10'], /--layers must be comma-separated widths/],
    [['--epochs', '2', '--iterations', '3'], /not both/],
    [['--preset', 'fast'], /--preset must be one of seed/],
  ] as Array<[string[], RegExp]>) {
    it(`train ${args.join(' ')} → usage message, exit 2, no stack trace`, () => {
      const run = simdnet('train', ...args);
      assert.equal(run.code, 2);
      assert.match(run.stderr, pattern);
      assert.doesNotMatch(run.stderr, /\n\s+at /);
    });
  }

  it('an unknown command → usage, exit 2', () => {
    const run = simdnet('fly');
    assert.equal(run.code, 2);
    assert.match(run.stderr, /unknown command "fly"/);
  });

  it('a missing --data directory → a clear error, exit 1, no stack trace', () => {
    const run = simdnet('train', '--data', '/nonexistent/mnist', '--iterations', '1');
    assert.equal(run.code, 1);
    assert.match(run.stderr, /nonexistent/);
    assert.doesNotMatch(run.stderr, /\n\s+at /);
  });
});
