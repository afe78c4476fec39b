// The command line as a user meets it: real runs print what they promise, bad flags get a usage
// message and exit code 2, never a stack trace.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { PerformanceObserver, constants as perf } from 'node:perf_hooks';
import { runInNewContext } from 'node:vm';
import { runCli, runCliUnder } from './cli-process.js';
import { parseCompareArgs } from '../../src/commands/compare.js';
import { parseProfileArgs } from '../../src/commands/profile.js';
import { collectStartupGarbage, parseTrainArgs } from '../../src/commands/train.js';
import { UsageError } from '../../src/commands/usage.js';
import { loadNetwork } from '../../src/io.node.js';
import { loadSimdnet, relaxedSimdSupported } from '../../src/index.node.js';

const VERSION: string = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;
const STACK = /\n\s+at /;
/** The build `--variant auto` runs here (the CLI runs on this test's node). */
const AUTO_VARIANT = relaxedSimdSupported() ? 'relaxed' : 'simd';

const simdnet = runCli;

describe('simdnet train', () => {
  it('--json prints one JSON object last with the promised fields, and --save writes a loadable checkpoint', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'simdnet-cli-'));
    const save = join(dir, 'net.snet');
    const run = simdnet(
      'train',
      '--layers',
      '784,16,10',
      '--optimizer',
      'adam',
      '--batch',
      '64',
      '--iterations',
      '200',
      '--seed',
      '3',
      '--save',
      save,
      '--json',
    );
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.trim().split('\n');
    const report = JSON.parse(lines[lines.length - 1]!);
    for (const key of [
      'testAccuracy',
      'trainSeconds',
      'msPerEpoch',
      'msPerStep',
      'layers',
      'optimizer',
      'batch',
      'variant',
    ]) {
      assert.ok(key in report, `missing ${key}`);
    }
    assert.equal(report.simdnet, VERSION);
    assert.ok(
      report.msPerStep > 0 &&
        Math.abs(report.msPerStep * report.steps - report.trainSeconds * 1000) <= report.trainSeconds * 1000 * 0.5,
      `msPerStep ${report.msPerStep} is not the time per step (${report.steps} steps in ${report.trainSeconds} s)`,
    );
    assert.deepEqual(report.layers, [784, 16, 10]);
    assert.equal(report.optimizer, 'adam');
    assert.equal(report.batch, 64);
    assert.equal(report.steps, 200);
    assert.equal(report.variant, AUTO_VARIANT);
    assert.ok(report.testAccuracy > 0.8, `accuracy ${report.testAccuracy}`);
    const net = await loadNetwork(await loadSimdnet(), save);
    assert.deepEqual(net.layers, [784, 16, 10]);
  });

  it('--threads 2 trains on two threads and says so; --threads 17 is refused', () => {
    const run = simdnet(
      'train',
      '--layers',
      '784,10',
      '--iterations',
      '20',
      '--batch',
      '256',
      '--threads',
      '2',
      '--json',
    );
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.trim().split('\n');
    const report = JSON.parse(lines[lines.length - 1]!);
    assert.equal(report.threads, 2);
    assert.equal(report.variant, AUTO_VARIANT);
    const refused = simdnet('train', '--threads', '17');
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /--threads 17: threads must be an integer in \[1, 16\]/);
  });

  it('collects the start-up garbage once, with a full GC, and exposes no gc to scripts', async () => {
    const kinds: number[] = [];
    const observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) kinds.push((entry.detail as { kind: number }).kind);
    });
    observer.observe({ entryTypes: ['gc'] });
    collectStartupGarbage();
    // The observer hears of a collection after it.
    await new Promise((resolve) => setTimeout(resolve, 50));
    observer.disconnect();
    assert.ok(kinds.includes(perf.NODE_PERFORMANCE_GC_MAJOR), `GC kinds seen: ${kinds.join(', ')}`);
    assert.equal(runInNewContext('typeof gc'), 'undefined');
    // V8 names a collection asked for by gc() "testing": train runs exactly one.
    const run = runCliUnder(['--trace-gc'], 'train', '--layers', '784,10', '--iterations', '2', '--json');
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout.match(/Mark-Compact.*\btesting\b/g)?.length, 1, run.stdout);
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
    [['--lr', '-1'], /--lr must be a number > 0, got "-1"/],
    [['--lr', '-1e-3'], /--lr must be a number > 0, got "-1e-3"/],
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
      assert.doesNotMatch(run.stderr, STACK);
    });
  }

  it('a missing --data directory → a clear error, exit 1, no stack trace', () => {
    const run = simdnet('train', '--data', '/nonexistent/mnist', '--iterations', '1');
    assert.equal(run.code, 1);
    assert.match(run.stderr, /nonexistent/);
    assert.doesNotMatch(run.stderr, /\n\s+at /);
  });
});

describe('simdnet with no command, --help, --version', () => {
  it('no command → "missing command" and the usage on stderr, exit 2', () => {
    const run = simdnet();
    assert.equal(run.code, 2);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /^simdnet: missing command\nusage: simdnet <command> \[options\]/);
  });

  it('an unknown command → usage on stderr, exit 2', () => {
    const run = simdnet('fly');
    assert.equal(run.code, 2);
    assert.match(run.stderr, /unknown command "fly"\nusage: simdnet <command>/);
  });

  for (const flag of ['--help', '-h', 'help']) {
    it(`${flag} → the usage on stdout, exit 0`, () => {
      const run = simdnet(flag);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /^usage: simdnet <command> \[options\]\n.*--version/s);
      assert.equal(run.stderr, '');
    });
  }

  for (const flag of ['--version', '-v']) {
    it(`${flag} → the version from package.json on stdout, exit 0`, () => {
      const run = simdnet(flag);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stdout, `${VERSION}\n`);
    });
  }
});

describe('flag values: numbers as people type them, every refusal names its flag', () => {
  it('exponents and signs are numbers: --lr 1e-3, --iterations 2e1, --seed +7', () => {
    const { settings } = parseTrainArgs(['--lr', '1e-3', '--iterations', '2e1', '--seed', '+7']);
    assert.equal(settings.lr, 0.001);
    assert.equal(settings.iterations, 20);
    assert.equal(settings.seed, 7);
    assert.equal(parseTrainArgs(['--lr=.5']).settings.lr, 0.5);
  });

  it("a negative value after a flag reaches the flag's own check, not the parser's", () => {
    const { settings } = parseTrainArgs(['--lr', '0.01', '--batch', '16']);
    assert.equal(settings.batch, 16);
    assert.throws(
      () => parseTrainArgs(['--seed', '-1', '--lr', '0.5']),
      (e: unknown) => e instanceof UsageError && /^--seed must be an integer ≥ 0, got "-1"$/.test(e.message),
    );
  });

  // Every value flag of every command: not a number, negative, zero, too large, an unknown name.
  const parsers = { train: parseTrainArgs, compare: parseCompareArgs, profile: parseProfileArgs } as const;
  const refusals: Array<[keyof typeof parsers, string[], RegExp]> = [
    ['train', ['--lr', 'fast'], /^--lr must be a number > 0, got "fast"$/],
    ['train', ['--lr', '0x10'], /^--lr must be a number > 0/],
    ['train', ['--lr', '-0.1'], /^--lr must be a number > 0, got "-0.1"$/],
    ['train', ['--lr', '0'], /^--lr must be a number > 0/],
    ['train', ['--lr', '1e-50'], /^--lr must be a number > 0, got "1e-50", which is 0 as a float32$/],
    ['train', ['--lr', '1e39'], /^--lr must be a number ≤ 3\.4028e\+38/],
    ['train', ['--batch', 'many'], /^--batch must be an integer ≥ 1, got "many"$/],
    ['train', ['--batch', '-32'], /^--batch must be an integer ≥ 1, got "-32"$/],
    ['train', ['--batch', '0'], /^--batch must be an integer ≥ 1/],
    ['train', ['--batch', '1e300'], /^--batch must be an integer ≤ 2⁵³ − 1/],
    ['train', ['--epochs', 'x'], /^--epochs must be an integer ≥ 1/],
    ['train', ['--epochs', '-2'], /^--epochs must be an integer ≥ 1, got "-2"$/],
    ['train', ['--epochs', '1e16'], /^--epochs must be an integer ≤ 2⁵³ − 1, got "1e16"$/],
    ['train', ['--iterations', '-1'], /^--iterations must be an integer ≥ 1, got "-1"$/],
    ['train', ['--iterations', '0'], /^--iterations must be an integer ≥ 1/],
    ['train', ['--iterations', '2.5'], /^--iterations must be an integer ≥ 1/],
    ['train', ['--seed', 'abc'], /^--seed must be an integer ≥ 0/],
    ['train', ['--seed', '1e20'], /^--seed must be an integer ≤ 2⁵³ − 1/],
    ['train', ['--threads', '-2'], /^--threads must be an integer ≥ 1, got "-2"$/],
    ['train', ['--threads', '0'], /^--threads must be an integer ≥ 1/],
    ['train', ['--threads', 'two'], /^--threads must be an integer ≥ 1/],
    ['train', ['--layers', '784,-10,10'], /^--layers must be comma-separated widths/],
    ['train', ['--layers', '784,0,10'], /^--layers must be comma-separated widths/],
    ['train', ['--optimizer', 'rmsprop'], /^--optimizer must be one of sgd, momentum, adam, got "rmsprop"$/],
    ['train', ['--init', 'zeros'], /^--init must be one of uniform, he/],
    ['train', ['--variant', 'gpu'], /^--variant must be one of auto, relaxed, simd, scalar/],
    ['train', ['--preset', 'fast'], /^--preset must be one of seed/],
    ['compare', ['--epochs', 'two'], /^--epochs must be an integer ≥ 1, got "two"$/],
    ['compare', ['--epochs', '-1'], /^--epochs must be an integer ≥ 1, got "-1"$/],
    ['compare', ['--epochs', '0'], /^--epochs must be an integer ≥ 1/],
    ['compare', ['--epochs', '1e17'], /^--epochs must be an integer ≤ 2⁵³ − 1/],
    ['compare', ['--backend', 'webgl'], /^--backend must be one of wasm, cpu, got "webgl"$/],
    ['compare', ['--variant', 'avx'], /^--variant must be one of auto, relaxed, simd, scalar/],
    ['profile', ['--batch', 'x'], /^--batch must be an integer ≥ 1/],
    ['profile', ['--batch', '-8'], /^--batch must be an integer ≥ 1, got "-8"$/],
    ['profile', ['--batch', '0'], /^--batch must be an integer ≥ 1/],
    ['profile', ['--steps', '-1'], /^--steps must be an integer ≥ 1, got "-1"$/],
    ['profile', ['--steps', '0'], /^--steps must be an integer ≥ 1/],
    ['profile', ['--steps', '1e18'], /^--steps must be an integer ≤ 2⁵³ − 1/],
    ['profile', ['--layers', '784'], /^--layers must be comma-separated widths/],
    ['profile', ['--optimizer', 'rmsprop'], /^--optimizer must be one of sgd, momentum, adam/],
    ['profile', ['--variant', 'gpu'], /^--variant must be one of auto, relaxed, simd, scalar/],
  ];
  for (const [command, args, pattern] of refusals) {
    it(`${command} ${args.join(' ')} → UsageError naming ${args[0]}`, () => {
      assert.throws(
        () => parsers[command](args),
        (e: unknown) => e instanceof UsageError && pattern.test(e.message),
      );
    });
  }

  // The whole path for the refusals that come after parsing: exit 2, the flag named, no stack trace.
  const spawned: Array<[string[], RegExp]> = [
    [
      ['train', '--batch', '100000', '--iterations', '1'],
      /^simdnet train: --batch 100000 is larger than the training set \(60000 images\)/,
    ],
    [['train', '--lr', '-1'], /^simdnet train: --lr must be a number > 0, got "-1"/],
    [
      ['train', '--layers', '100,10', '--iterations', '1'],
      /^simdnet train: --layers 100,10: the network takes 100 inputs but MNIST's images are 28×28 = 784 pixels/,
    ],
    [
      ['train', '--layers', '784,16,5', '--iterations', '1'],
      /^simdnet train: --layers 784,16,5: the network has 5 outputs but MNIST's images are labelled up to 9/,
    ],
    [
      ['train', '--layers', '784,20000,10', '--batch', '60000', '--iterations', '1'],
      /^simdnet train: --layers 784,20000,10 with --batch 60000: .*beyond WASM32's 4 GiB/,
    ],
    [['train', '--save='], /^simdnet train: --save needs a file name/],
    [['train', '--data='], /^simdnet train: --data needs a directory/],
    [['profile', '--batch', '100000'], /^simdnet profile: --batch 100000 is larger than MNIST's 60000 training images/],
    [
      ['profile', '--layers', '16,99999999,10'],
      /^simdnet profile: --layers 16,99999999,10 with --batch 32: .*beyond WASM32's 4 GiB/m,
    ],
    [['compare', '--epochs', '-1'], /^simdnet compare: --epochs must be an integer ≥ 1, got "-1"/],
  ];
  for (const [args, pattern] of spawned) {
    it(`simdnet ${args.join(' ')} → exit 2, the flag named`, () => {
      const run = simdnet(...args);
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, pattern);
      assert.doesNotMatch(run.stderr, STACK);
      assert.equal(run.stdout, '');
    });
  }
});

describe('--json carries the simdnet version', () => {
  it('simdnet profile --json', () => {
    const run = simdnet(
      'profile',
      '--layers',
      '32,8,10',
      '--batch',
      '4',
      '--steps',
      '1',
      '--optimizer',
      'sgd',
      '--json',
    );
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout);
    assert.equal(report.simdnet, VERSION);
    assert.deepEqual(report.settings.layers, [32, 8, 10]);
  });
});
