// Every bad input gets the documented error (README "Errors"): TypeError for the wrong kind of
// argument, RangeError for a wrong size or value, SimdnetError with a code for data, files and
// divergence. At the API the error names what is wrong and nothing changes; at the CLI a usage
// error exits 2, a data error exits 1, neither prints a stack trace. Also: divergence restores the
// last good weights, saves are atomic, and long runs keep memory and heap flat.
// Every assert.ok carries a message: without one, Node re-parses the (tsx-transformed, one-line)
// source to describe the failure, which can take minutes.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import { gzipSync } from 'node:zlib';

import { startCli } from './cli-process.js';
import { encodeCheckpoint, crc32 } from '../../src/checkpoint.js';
import { parseTrainArgs } from '../../src/commands/train.js';
import { UsageError } from '../../src/commands/usage.js';
import { subset, type Dataset } from '../../src/data/dataset.js';
import { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC } from '../../src/data/idx.js';
import { loadMnist } from '../../src/data/mnist.js';
import { SimdnetError, type SimdnetErrorCode } from '../../src/errors.js';
import { loadNetwork, saveNetwork } from '../../src/io.node.js';
import { loadSimdnet, type Runtime } from '../../src/index.node.js';
import { MAX_PARAMETER } from '../../src/model/train.js';
import { Network, type FitOptions } from '../../src/network.js';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));
const STACK = /\n\s+at /;

let runtime: Runtime;
let mnist: { train: Dataset; test: Dataset };
let scratch: string;

before(async () => {
  runtime = await loadSimdnet({ variant: 'simd' });
  mnist = await loadMnist();
  scratch = await mkdtemp(join(tmpdir(), 'simdnet-hardening-'));
});
after(async () => {
  await rm(scratch, { recursive: true, force: true });
});

// ---- helpers ------------------------------------------------------------------------------------

function isCode(code: SimdnetErrorCode, pattern?: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof SimdnetError, `expected SimdnetError ${code}, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (pattern) assert.match(e.message, pattern);
    return true;
  };
}

function isError(kind: typeof TypeError | typeof RangeError, pattern: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof kind, `expected ${kind.name} matching ${pattern}, got ${String(e)}`);
    assert.ok(!(e instanceof SimdnetError), `a SimdnetError where a plain ${kind.name} was expected: ${String(e)}`);
    assert.match((e as Error).message, pattern);
    return true;
  };
}

/** An IDX file: big-endian magic and dims, then the body (default: product(dims) bytes). */
function idx(magic: number, dims: number[], body?: Uint8Array): Uint8Array {
  const payload = body ?? new Uint8Array(dims.reduce((a, b) => a * b, 1)).map((_, i) => (i * 7) % 256);
  const out = new Uint8Array(4 + 4 * dims.length + payload.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, magic >>> 0, false);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(payload, 4 + 4 * dims.length);
  return out;
}

const labelsOf = (count: number) => Uint8Array.from({ length: count }, (_, i) => i % 10);

/** A directory with the four MNIST files, count/testCount images of side×side; `change` edits them first. */
async function dataDir(
  name: string,
  change: (files: Record<string, Uint8Array>) => void = () => {},
  side = 28,
  count = 64,
  testCount = 16,
) {
  const dir = join(scratch, name);
  await mkdir(dir, { recursive: true });
  const files: Record<string, Uint8Array> = {
    'train-images-idx3-ubyte': idx(IDX_IMAGES_MAGIC, [count, side, side]),
    'train-labels-idx1-ubyte': idx(IDX_LABELS_MAGIC, [count], labelsOf(count)),
    't10k-images-idx3-ubyte': idx(IDX_IMAGES_MAGIC, [testCount, side, side]),
    't10k-labels-idx1-ubyte': idx(IDX_LABELS_MAGIC, [testCount], labelsOf(testCount)),
  };
  change(files);
  for (const [file, bytes] of Object.entries(files)) await writeFile(join(dir, file), bytes);
  return dir;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function simdnet(...args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = startCli(...args);
    child.stdin.end();
    let stdout = '',
      stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      stdout += s;
    });
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      stderr += s;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function expectExit(run: Run, code: number, pattern: RegExp): void {
  assert.equal(run.code, code, `exit ${run.code}, stderr: ${run.stderr}`);
  assert.match(run.stderr, pattern);
  assert.doesNotMatch(run.stderr, STACK, 'a stack trace was printed');
}

/** Runs `fn`, expects it to throw as `check` says, and checks the parameters did not change. */
function refusesWithoutChange(net: Network, fn: () => unknown, check: (e: unknown) => boolean): void {
  const before = net.getParameters();
  assert.throws(fn, check);
  assert.deepEqual(net.getParameters(), before, 'the parameters changed');
}

// ---- the API: every public function --------------------------------------------------------------

describe('Network.create: bad options', () => {
  const cases: Array<[string, unknown, typeof TypeError | typeof RangeError, RegExp]> = [
    ['options null', null, TypeError, /options must be an object/],
    ['layers not an array', { layers: '784,10' }, TypeError, /layers must be an array/],
    ['a width that is a string', { layers: [784, '10'] }, TypeError, /layers\[1\] must be a number, got string/],
    ['one width', { layers: [784] }, RangeError, /at least an input and an output/],
    ['a width of 0', { layers: [784, 0, 10] }, RangeError, /layers\[1\] must be an integer width/],
    ['a negative width', { layers: [784, -3, 10] }, RangeError, /layers\[1\]/],
    ['a fractional width', { layers: [784, 2.5, 10] }, RangeError, /layers\[1\]/],
    ['a NaN width', { layers: [NaN, 10] }, RangeError, /layers\[0\]/],
    ['a width beyond 2²⁴', { layers: [784, 2 ** 24 + 1] }, RangeError, /layers\[1\]/],
    ['unknown init', { layers: [784, 10], init: 'zeros' }, RangeError, /unknown init "zeros"/],
    ['fractional seed', { layers: [784, 10], seed: 1.5 }, RangeError, /seed must be a safe integer, got 1.5/],
    ['string seed', { layers: [784, 10], seed: '1' }, TypeError, /seed must be a number/],
  ];
  for (const [what, options, kind, pattern] of cases) {
    it(`${what} → ${kind.name}`, () => {
      assert.throws(() => Network.create(runtime, options as never), isError(kind, pattern));
    });
  }

  it("a memory plan beyond WASM32's 4 GiB → RangeError at once, before anything is allocated", () => {
    const heap = process.memoryUsage().rss;
    const started = performance.now();
    // 2.16 G parameters: 8.6 GB for the weights alone, 43 GB for the arena.
    assert.throws(
      () => Network.create(runtime, { layers: [784, 200000, 10000] }),
      isError(
        RangeError,
        /layers \[784,200000,10000\] hold 2157010000 parameters.*beyond WASM32's 4 GiB address space; nothing was allocated/,
      ),
    );
    // Parameters that fit but activations that do not: 512 inference rows of 2²² inputs.
    assert.throws(
      () => Network.create(runtime, { layers: [2 ** 22, 10] }),
      isError(
        RangeError,
        /Network\.create: layers \[4194304,10\]: createArena: the plan needs \d+ bytes .* beyond WASM32's 4 GiB/,
      ),
    );
    assert.ok(performance.now() - started < 1000, `took ${performance.now() - started} ms`);
    assert.ok(process.memoryUsage().rss - heap < 256 * 2 ** 20, 'memory was allocated');
  });

  it('a plan that fits is built and reports its memory', () => {
    const net = Network.create(runtime, { layers: [784, 10] });
    assert.ok(net.memoryBytes > 0 && net.memoryBytes < 2 ** 32, `memoryBytes ${net.memoryBytes}`);
    net.dispose();
  });
});

describe('Network.fit / evaluate: bad datasets', () => {
  const bad: Array<[string, (d: Dataset) => unknown, typeof TypeError | typeof RangeError, RegExp]> = [
    ['not an object', () => null, TypeError, /must be a dataset/],
    ['pixels a plain array', (d) => ({ ...d, pixels: Array.from(d.pixels) }), TypeError, /must be a dataset/],
    ['labels a Float32Array', (d) => ({ ...d, labels: Float32Array.from(d.labels) }), TypeError, /must be a dataset/],
    ['count 0', (d) => ({ ...d, count: 0 }), RangeError, /count must be an integer/],
    ['count a string', (d) => ({ ...d, count: '100' }), TypeError, /count must be a number/],
    ['rows a string', (d) => ({ ...d, rows: '28' }), TypeError, /rows must be a number/],
    [
      '14×14 images for a 784-input network',
      (d) => ({ ...d, rows: 14, cols: 14 }),
      RangeError,
      /14×14 = 196 pixels per image but the network \[784,16,10\] takes 784 inputs/,
    ],
    [
      'pixels one byte short',
      (d) => ({ ...d, pixels: d.pixels.subarray(1) }),
      RangeError,
      /pixels holds 78399 bytes but 100 images of 784 need 78400/,
    ],
    [
      'one label missing',
      (d) => ({ ...d, labels: d.labels.subarray(1) }),
      RangeError,
      /labels holds 99 labels for 100 images/,
    ],
    [
      'a label ≥ classes',
      (d) => ({ ...d, labels: Uint8Array.from(d.labels, (l, i) => (i === 7 ? 10 : l)) }),
      RangeError,
      /labels\[7\] = 10 but the network has 10 classes/,
    ],
  ];
  for (const [what, spoil, kind, pattern] of bad) {
    it(`${what} → ${kind.name}, parameters unchanged`, () => {
      const net = Network.create(runtime, { layers: [784, 16, 10], seed: 1 });
      const data = spoil(subset(mnist.train, 0, 100)) as Dataset;
      refusesWithoutChange(net, () => net.fit(data), isError(kind, pattern));
      refusesWithoutChange(net, () => net.evaluate(data), isError(kind, pattern));
      net.dispose();
    });
  }
});

describe('Network.fit: bad hyper-parameters', () => {
  const cases: Array<[string, FitOptions | null, typeof TypeError | typeof RangeError, RegExp]> = [
    ['options null', null, TypeError, /fit: options must be an object/],
    ['lr 0', { lr: 0 }, RangeError, /lr must be a finite number > 0, got 0/],
    ['lr < 0', { lr: -0.1 }, RangeError, /lr must be a finite number > 0/],
    ['lr NaN', { lr: NaN }, RangeError, /lr must be a finite number > 0/],
    ['lr Infinity', { lr: Infinity }, RangeError, /lr must be a finite number > 0/],
    ['lr a string', { lr: '0.1' as never }, TypeError, /lr must be a number, got string/],
    [
      'lr missing from an optimizer object',
      { optimizer: { name: 'sgd' } as never },
      TypeError,
      /lr must be a number, got undefined/,
    ],
    ['batch 0', { batchSize: 0 }, RangeError, /batchSize must be an integer in \[1, 100\], got 0/],
    [
      'batch larger than the data',
      { batchSize: 101 },
      RangeError,
      /batchSize must be an integer in \[1, 100\], got 101/,
    ],
    ['batch 2.5', { batchSize: 2.5 }, RangeError, /batchSize/],
    ['batch "half"', { batchSize: 'half' as never }, TypeError, /batchSize must be a number/],
    ['epochs 0', { epochs: 0 }, RangeError, /epochs must be an integer in \[1, /],
    ['epochs -1', { epochs: -1 }, RangeError, /epochs/],
    ['epochs 1.5', { epochs: 1.5 }, RangeError, /epochs/],
    ['iterations 0', { iterations: 0 }, RangeError, /iterations must be an integer/],
    ['iterations 1.5', { iterations: 1.5 }, RangeError, /iterations must be an integer in \[1, \d+\], got 1.5/],
    ['epochs and iterations', { epochs: 1, iterations: 3 }, RangeError, /not both/],
    [
      'unknown optimizer',
      { optimizer: 'rmsprop' as never },
      RangeError,
      /unknown optimizer "rmsprop"; use one of sgd, momentum, adam/,
    ],
    ['optimizer a number', { optimizer: 5 as never }, TypeError, /optimizer must be a name/],
    [
      'momentum 1',
      { optimizer: { name: 'momentum', lr: 0.1, momentum: 1 } },
      RangeError,
      /momentum must be in \[0, 1\), got 1/,
    ],
    [
      'momentum -0.1',
      { optimizer: { name: 'momentum', lr: 0.1, momentum: -0.1 } },
      RangeError,
      /momentum must be in \[0, 1\)/,
    ],
    [
      'momentum NaN',
      { optimizer: { name: 'momentum', lr: 0.1, momentum: NaN } },
      RangeError,
      /momentum must be in \[0, 1\)/,
    ],
    ['beta1 1', { optimizer: { name: 'adam', lr: 0.1, beta1: 1 } }, RangeError, /beta1 must be in \[0, 1\)/],
    ['beta2 1.5', { optimizer: { name: 'adam', lr: 0.1, beta2: 1.5 } }, RangeError, /beta2 must be in \[0, 1\)/],
    [
      'epsilon 0',
      { optimizer: { name: 'adam', lr: 0.1, epsilon: 0 } },
      RangeError,
      /epsilon must be a finite number > 0/,
    ],
    ['onStep not a function', { onStep: 'log' as never }, TypeError, /onStep must be a function/],
    ['onEpoch not a function', { onEpoch: {} as never }, TypeError, /onEpoch must be a function/],
    ['shuffle a string', { shuffle: 'yes' as never }, TypeError, /shuffle must be a boolean/],
    ['seed 1.5', { seed: 1.5 }, RangeError, /seed must be a safe integer/],
  ];
  for (const [what, options, kind, pattern] of cases) {
    it(`${what} → ${kind.name}, parameters unchanged`, () => {
      const net = Network.create(runtime, { layers: [784, 16, 10], seed: 1 });
      refusesWithoutChange(
        net,
        () => net.fit(subset(mnist.train, 0, 100), options as FitOptions),
        isError(kind, pattern),
      );
      net.dispose();
    });
  }
});

describe('predict / computeGradients / setParameters / fromBytes: shapes, dtypes, lengths, NaN', () => {
  const layers = [6, 5, 3];
  const make = () => Network.create(runtime, { layers, seed: 2 });

  it('predict: wrong kinds → TypeError; lengths not a whole number of rows → RangeError', () => {
    const net = make();
    for (const input of [
      null,
      [1, 2, 3, 4, 5, 6],
      new Float64Array(6),
      new Int32Array(6),
      new Uint8ClampedArray(6),
      'pixels',
    ]) {
      refusesWithoutChange(
        net,
        () => net.predict(input as never),
        isError(TypeError, /predict: inputs must be a Uint8Array of pixels or a Float32Array/),
      );
    }
    for (const input of [new Uint8Array(0), new Uint8Array(7), new Float32Array(5), new Float32Array(13)]) {
      assert.throws(
        () => net.predict(input),
        isError(
          RangeError,
          /predict: inputs hold \d+ values, not a whole number ≥ 1 of rows of 6 \(network \[6,5,3\]\)/,
        ),
      );
    }
    assert.equal(net.predict(new Uint8Array(12)).classes.length, 2);
  });

  it('predict and computeGradients refuse NaN and ±Infinity in f32 inputs, naming the index, row and column', () => {
    const net = make();
    for (const bad of [NaN, Infinity, -Infinity]) {
      const x = new Float32Array(18).fill(0.5);
      x[13] = bad;
      assert.throws(
        () => net.predict(x),
        isError(
          RangeError,
          new RegExp(
            `predict: inputs\\[13\\] \\(row 2, column 1\\) is ${String(bad).replace('+', '')}; every value must be finite`,
          ),
        ),
      );
      refusesWithoutChange(
        net,
        () => net.computeGradients(x, [0, 1, 2]),
        isError(RangeError, /computeGradients: inputs\[13\] \(row 2, column 1\)/),
      );
    }
  });

  it('computeGradients: inputs of the wrong kind or length, labels of the wrong kind, length or value', () => {
    const net = make();
    const x = new Float32Array(12).fill(0.25);
    const cases: Array<[unknown, unknown, typeof TypeError | typeof RangeError, RegExp]> = [
      [new Uint8Array(12), [0, 1], TypeError, /inputs must be a Float32Array of rows×6/],
      [Array.from(x), [0, 1], TypeError, /inputs must be a Float32Array/],
      [new Float32Array(11), [0, 1], RangeError, /inputs hold 11 values, not a whole number ≥ 1 of rows of 6/],
      [new Float32Array(0), [], RangeError, /inputs hold 0 values/],
      [x, null, TypeError, /labels must be an array or typed array of class indices, got null/],
      [x, 1, TypeError, /labels must be an array/],
      [x, [0], RangeError, /1 labels for 2 rows/],
      [x, [0, 3], RangeError, /labels\[1\] = 3 is not a class in \[0, 3\)/],
      [x, [-1, 0], RangeError, /labels\[0\] = -1/],
      [x, [0, 1.5], RangeError, /labels\[1\] = 1.5/],
      [x, [0, NaN], RangeError, /labels\[1\] = NaN/],
    ];
    for (const [inputs, labels, kind, pattern] of cases) {
      refusesWithoutChange(
        net,
        () => net.computeGradients(inputs as Float32Array, labels as number[]),
        isError(kind, pattern),
      );
    }
    assert.ok(
      Number.isFinite(net.computeGradients(x, new Int32Array([0, 2])).loss),
      'a valid call after the refused ones',
    );
  });

  it('setParameters: wrong kinds, lengths and non-finite values are refused and change nothing', () => {
    const net = make();
    const P = net.parameterCount;
    const withValue = (i: number, v: unknown) => {
      const a: unknown[] = Array.from(net.getParameters());
      a[i] = v;
      return a;
    };
    const cases: Array<[unknown, typeof TypeError | typeof RangeError, RegExp]> = [
      [null, TypeError, /setParameters: values must be an array or typed array of 53 numbers, got null/],
      [42, TypeError, /values must be an array/],
      ['0'.repeat(P), TypeError, /values must be an array/],
      [new Float32Array(P - 1), RangeError, /got 52 values but layers \[6,5,3\] hold 53/],
      [new Float32Array(P + 1), RangeError, /got 54 values/],
      [withValue(7, NaN), RangeError, /values\[7\] is NaN; every value must be finite/],
      [withValue(52, -Infinity), RangeError, /values\[52\] is -Infinity/],
      [withValue(3, '1'), TypeError, /values\[3\] must be a number, got string/],
    ];
    for (const [values, kind, pattern] of cases)
      refusesWithoutChange(net, () => net.setParameters(values as never), isError(kind, pattern));
    net.setParameters(new Float64Array(P).fill(0.5));
    assert.ok(
      net.getParameters().every((v) => v === 0.5),
      'a Float64Array of valid values is accepted',
    );
  });

  it('Network.fromBytes / encodeCheckpoint: wrong kinds → TypeError, inconsistent sizes → RangeError, damage → SimdnetError', () => {
    const net = make();
    const good = net.toBytes();
    for (const bytes of [null, good.buffer, Array.from(good), 'SNET']) {
      assert.throws(() => Network.fromBytes(runtime, bytes as never), isError(TypeError, /expected a Uint8Array/));
    }
    assert.throws(
      () => encodeCheckpoint([6, 5, 3], new Float32Array(52)),
      isError(RangeError, /layers \[6,5,3\] hold 53 parameters, got 52/),
    );
    assert.throws(() => encodeCheckpoint([6], new Float32Array(0)), isError(RangeError, /at least two integer widths/));
    assert.throws(
      () => encodeCheckpoint([6, 5, 3], Array.from(net.getParameters()) as never),
      isError(TypeError, /params must be a Float32Array/),
    );
    // Damage that keeps a valid checksum: the structure itself is checked.
    const resealed = (edit: (view: DataView) => void) => {
      const b = good.slice();
      const view = new DataView(b.buffer);
      edit(view);
      view.setUint32(b.length - 4, crc32(b.subarray(0, b.length - 4)), true);
      return b;
    };
    assert.throws(
      () =>
        Network.fromBytes(
          runtime,
          resealed((v) => v.setUint32(8, 1, true)),
        ),
      isCode('CHECKPOINT_CORRUPT', /declares 1 layer widths/),
    );
    assert.throws(
      () =>
        Network.fromBytes(
          runtime,
          resealed((v) => v.setUint32(16, 0, true)),
        ),
      isCode('CHECKPOINT_CORRUPT', /layer 1 has width 0/),
    );
    assert.throws(
      () =>
        Network.fromBytes(
          runtime,
          resealed((v) => v.setUint32(16, 4, true)),
        ),
      isCode('CHECKPOINT_CORRUPT', /holds 53 parameters but layers \[6,4,3\] need 43/),
    );
    assert.throws(
      () =>
        Network.fromBytes(
          runtime,
          resealed((v) => v.setFloat32(28 + 4 * 9, NaN, true)),
        ),
      isCode('CHECKPOINT_CORRUPT', /parameter 9 is NaN/),
    );
    assert.throws(
      () =>
        Network.fromBytes(
          runtime,
          resealed((v) => v.setFloat32(28, Infinity, true)),
        ),
      isCode('CHECKPOINT_CORRUPT', /parameter 0 is Infinity/),
    );
    assert.deepEqual(Network.fromBytes(runtime, good).getParameters(), net.getParameters());
  });

  it('after dispose() every public method → TypeError naming the method; dispose twice is harmless', () => {
    const net = make();
    const data = subset(mnist.train, 0, 10);
    net.dispose();
    net.dispose();
    const calls: Array<[string, () => unknown]> = [
      ['fit', () => net.fit(data)],
      ['evaluate', () => net.evaluate(data)],
      ['predict', () => net.predict(new Uint8Array(6))],
      ['computeGradients', () => net.computeGradients(new Float32Array(6), [0])],
      ['setParameters', () => net.setParameters(new Float32Array(net.parameterCount))],
      ['getParameters', () => net.getParameters()],
      ['getLayerParameters', () => net.getLayerParameters()],
      ['getGradients', () => net.getGradients()],
      ['toBytes', () => net.toBytes()],
    ];
    for (const [name, call] of calls) {
      assert.throws(
        call,
        isError(TypeError, new RegExp(`^Network\\.${name}: this network was used after dispose\\(\\)$`)),
        name,
      );
    }
  });
});

// ---- divergence ---------------------------------------------------------------------------------

describe('divergence', () => {
  // A blow-up is chaotic: whether it first shows as a NaN loss ("at step N") or as a parameter beyond
  // ±MAX_PARAMETER at the end of an epoch ("by step N") depends on rounding, so both are accepted.
  const DIVERGED =
    /^training diverged (?:at|by) step (\d+) \(epoch (\d+)\): .*the weights were restored to their state at the start of epoch \2\. Try a smaller learning rate\.$/;

  /** Fits, expects DIVERGED, and returns the step and epoch it names and the per-epoch snapshots. */
  function diverge(net: Network, data: Dataset, options: FitOptions) {
    const snapshots = [net.getParameters()];
    let error: unknown;
    try {
      net.fit(data, { ...options, onEpoch: () => snapshots.push(net.getParameters()) });
    } catch (e) {
      error = e;
    }
    isCode('DIVERGED', DIVERGED)(error);
    const [, step, epoch] = DIVERGED.exec((error as Error).message)!.map(Number);
    return { step: step!, epoch: epoch!, snapshots };
  }

  for (const layers of [
    [784, 128, 10],
    [784, 32, 10],
  ]) {
    it(`${layers.join('-')}: one good epoch, then SGD at lr 1e6 → DIVERGED naming the step; the weights are the last good ones`, () => {
      const data = subset(mnist.train, 0, 1000);
      const net = Network.create(runtime, { layers, seed: 1 });
      net.fit(data, { lr: 0.1, epochs: 1 });
      const { step, epoch, snapshots } = diverge(net, data, { optimizer: 'sgd', lr: 1e6, batchSize: 32, epochs: 3 });
      assert.ok(step >= 1 && step <= 3 * 32, `step ${step}`);
      assert.equal(snapshots.length, epoch, 'onEpoch saw only the good epochs');
      const after = net.getParameters();
      assert.ok(after.every(Number.isFinite), 'non-finite weights after DIVERGED');
      assert.deepEqual(after, snapshots[epoch - 1], 'not the state at the start of the failing epoch');
      const { finalLoss } = net.fit(data, { lr: 0.1, epochs: 1 });
      assert.ok(finalLoss < 2.3, `after recovering, loss ${finalLoss}`);
    });
  }

  it('a NaN loss is caught at its own step: weights of 1e37 overflow the logits', () => {
    const net = Network.create(runtime, { layers: [784, 16, 10], seed: 1 });
    const huge = new Float32Array(net.parameterCount).fill(1e37);
    net.setParameters(huge);
    assert.throws(
      () => net.fit(subset(mnist.train, 0, 64), { lr: 0.1, batchSize: 32 }),
      isCode(
        'DIVERGED',
        /^training diverged at step 1 \(epoch 1\): the loss is NaN; the weights were restored to their state at the start of epoch 1/,
      ),
    );
    assert.deepEqual(net.getParameters(), huge);
  });

  it('parameters blowing up while the clipped loss stays finite are caught at the end of the epoch', () => {
    const net = Network.create(runtime, { layers: [784, 16, 10], seed: 1 });
    net.setParameters(new Float32Array(net.parameterCount).fill(1e14)); // 1e14 is beyond float32's exact integers: compare with fround
    const losses: number[] = [];
    // One step of lr 1e6 moves the weights far past ±1e15; the loss clips at −ln 1e-7 ≈ 16.1.
    assert.throws(
      () => net.fit(subset(mnist.train, 0, 64), { lr: 1e6, batchSize: 64, onStep: (s) => losses.push(s.loss) }),
      isCode(
        'DIVERGED',
        new RegExp(
          `^training diverged by step 1 \\(epoch 1\\): parameter \\d+ is -?[\\d.e+]+, beyond ±${MAX_PARAMETER}`,
        ),
      ),
    );
    assert.ok(losses.every(Number.isFinite), `losses ${losses}`);
    assert.ok(
      net.getParameters().every((v) => v === Math.fround(1e14)),
      'the weights were not restored',
    );
  });

  it('a blow-up in a later epoch restores the start of that epoch, not of the fit', () => {
    // Full batch: every step is an epoch. At lr 1e5 this network blows up after a few steps.
    const net = Network.create(runtime, { layers: [784, 32, 10], seed: 3 });
    const { epoch, snapshots } = diverge(net, subset(mnist.train, 0, 256), {
      lr: 1e5,
      batchSize: 'full',
      iterations: 50,
    });
    assert.ok(epoch > 1, `diverged in epoch ${epoch}: pick a gentler lr`);
    assert.equal(snapshots.length, epoch, 'one snapshot per completed epoch plus the start');
    assert.deepEqual(net.getParameters(), snapshots[epoch - 1]);
    assert.notDeepEqual(snapshots[epoch - 1], snapshots[0]);
  });
});

// ---- checkpoints on disk -------------------------------------------------------------------------

async function tempFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((f) => f.endsWith('.tmp'));
}

describe('checkpoint files', () => {
  it('a truncated, foreign-version or damaged file is refused with its code and left as it was', async () => {
    const net = Network.create(runtime, { layers: [8, 4, 3], seed: 1 });
    const good = net.toBytes();
    const cases: Array<[string, Uint8Array, SimdnetErrorCode, RegExp]> = [
      [
        'truncated header',
        good.subarray(0, 10),
        'CHECKPOINT_CORRUPT',
        /truncated in the header \(needs 12 bytes, has 10\)/,
      ],
      ['truncated parameters', good.subarray(0, good.length - 9), 'CHECKPOINT_CORRUPT', /truncated in the parameters/],
      [
        'version 99',
        (() => {
          const b = good.slice();
          b[4] = 99;
          return b;
        })(),
        'CHECKPOINT_VERSION',
        /format version 99; this simdnet reads versions 1 to 2/,
      ],
      [
        'bad checksum',
        (() => {
          const b = good.slice();
          b[40]! ^= 0x10;
          return b;
        })(),
        'CHECKPOINT_CHECKSUM',
        /fails its checksum/,
      ],
    ];
    for (const [what, bytes, code, pattern] of cases) {
      const path = join(scratch, `${what.replace(/ /g, '-')}.snet`);
      await writeFile(path, bytes);
      await assert.rejects(loadNetwork(runtime, path), isCode(code, pattern), what);
      assert.deepEqual(new Uint8Array(await readFile(path)), bytes, `${what}: the file changed`);
    }
    await assert.rejects(
      loadNetwork(runtime, join(scratch, 'absent.snet')),
      isCode('DATA_NOT_FOUND', /cannot read checkpoint/),
    );
  });

  it('save replaces the old file and leaves no temporary file', async () => {
    const dir = await mkdtemp(join(scratch, 'save-'));
    const path = join(dir, 'net.snet');
    const first = Network.create(runtime, { layers: [8, 4, 3], seed: 1 });
    const second = Network.create(runtime, { layers: [8, 4, 3], seed: 2 });
    await saveNetwork(first, path);
    await saveNetwork(second, path);
    assert.deepEqual(new Uint8Array(await readFile(path)), second.toBytes());
    assert.deepEqual(await readdir(dir), ['net.snet']);
  });

  it('save into a missing directory → SAVE_FAILED, nothing created', async () => {
    const dir = await mkdtemp(join(scratch, 'save-'));
    const net = Network.create(runtime, { layers: [8, 4, 3], seed: 1 });
    await assert.rejects(
      saveNetwork(net, join(dir, 'missing', 'net.snet')),
      isCode('SAVE_FAILED', /cannot save the checkpoint to .*missing\/net\.snet: ENOENT/),
    );
    assert.deepEqual(await readdir(dir), []);
  });

  it('save over a directory (the rename fails) → SAVE_FAILED, the directory intact, no temporary file', async () => {
    const dir = await mkdtemp(join(scratch, 'save-'));
    await mkdir(join(dir, 'net.snet'));
    await writeFile(join(dir, 'net.snet', 'inside'), 'x');
    const net = Network.create(runtime, { layers: [8, 4, 3], seed: 1 });
    await assert.rejects(saveNetwork(net, join(dir, 'net.snet')), isCode('SAVE_FAILED', /was left as it was/));
    assert.deepEqual(await readdir(dir), ['net.snet']);
    assert.deepEqual(await readdir(join(dir, 'net.snet')), ['inside']);
  });

  it('a write that fails part-way (file size limit, EFBIG) leaves the old checkpoint intact and no temporary file', async () => {
    const dir = await mkdtemp(join(scratch, 'save-'));
    const path = join(dir, 'net.snet');
    const old = Network.create(runtime, { layers: [8, 4, 3], seed: 1 }).toBytes();
    await writeFile(path, old);
    // A child process under `ulimit -f 256` (256 KiB) saves a 3 MB network over it.
    const child = join(dir, 'child.mts');
    await writeFile(
      child,
      `
      import { loadSimdnet } from ${JSON.stringify(join(SRC, 'index.node.ts'))};
      import { Network } from ${JSON.stringify(join(SRC, 'network.ts'))};
      import { saveNetwork } from ${JSON.stringify(join(SRC, 'io.node.ts'))};
      const net = Network.create(await loadSimdnet(), { layers: [784, 1000, 10] });
      try { await saveNetwork(net, ${JSON.stringify(path)}); console.log('saved'); }
      catch (e) { console.log(JSON.stringify({ name: e.name, code: e.code, message: e.message })); }
    `,
    );
    const out = await new Promise<string>((resolve, reject) => {
      const p = spawn('bash', ['-c', `ulimit -f 256 && exec "${process.execPath}" --import tsx "${child}"`], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let text = '';
      p.stdout.setEncoding('utf8').on('data', (s: string) => {
        text += s;
      });
      p.on('error', reject);
      p.on('close', () => resolve(text));
    });
    const result = JSON.parse(out.trim().split('\n').pop()!);
    assert.equal(result.code, 'SAVE_FAILED', out);
    assert.match(result.message, /EFBIG/);
    assert.deepEqual(new Uint8Array(await readFile(path)), old, 'the old checkpoint changed');
    assert.deepEqual(await tempFiles(dir), []);
    assert.deepEqual(Network.fromBytes(runtime, new Uint8Array(await readFile(path))).layers, [8, 4, 3]);
  });

  it('saveNetwork: wrong kinds of argument → TypeError', async () => {
    const net = Network.create(runtime, { layers: [8, 4, 3], seed: 1 });
    await assert.rejects(
      saveNetwork({} as never, join(scratch, 'x.snet')),
      isError(TypeError, /net must be a Network/),
    );
    await assert.rejects(saveNetwork(net, '' as never), isError(TypeError, /path must be a non-empty string/));
  });
});

// ---- the CLI --------------------------------------------------------------------------------------

describe(
  'CLI: bad IDX files in --data DIR → exit 1, the file and the problem named, no stack trace',
  { concurrency: 3 },
  () => {
    const FAST = ['--layers', '784,16,10', '--iterations', '2', '--batch', '16'];
    const TRAIN_IMAGES = 'train-images-idx3-ubyte';
    const TRAIN_LABELS = 'train-labels-idx1-ubyte';
    const cases: Array<[string, (f: Record<string, Uint8Array>) => void, RegExp]> = [
      [
        'wrong magic (labels where images belong)',
        (f) => {
          f[TRAIN_IMAGES] = idx(IDX_LABELS_MAGIC, [64], labelsOf(64));
        },
        /train-images-idx3-ubyte: magic is 0x00000801 .*labels.*; expected 0x00000803/,
      ],
      [
        'wrong magic (not IDX at all)',
        (f) => {
          f[TRAIN_IMAGES] = new TextEncoder().encode('PK\x03\x04 a zip file');
        },
        /train-images-idx3-ubyte: magic 0x504b0304 is not IDX/,
      ],
      [
        'truncated header',
        (f) => {
          f[TRAIN_IMAGES] = f[TRAIN_IMAGES]!.subarray(0, 10);
        },
        /header with 3 dims needs 16 bytes, got 10/,
      ],
      [
        'truncated body',
        (f) => {
          f[TRAIN_IMAGES] = f[TRAIN_IMAGES]!.subarray(0, 16 + 63 * 784 + 100);
        },
        /dims 64×28×28 need 50176 body bytes .* got 49492 \(684 bytes short\)/,
      ],
      [
        'header count larger than the body',
        (f) => {
          f[TRAIN_IMAGES] = idx(IDX_IMAGES_MAGIC, [65, 28, 28], f[TRAIN_IMAGES]!.subarray(16));
        },
        /dims 65×28×28 need 50960 body bytes .*784 bytes short/,
      ],
      [
        'header count smaller than the body',
        (f) => {
          f[TRAIN_IMAGES] = idx(IDX_IMAGES_MAGIC, [63, 28, 28], f[TRAIN_IMAGES]!.subarray(16));
        },
        /784 trailing bytes/,
      ],
      [
        'images vs labels count mismatch',
        (f) => {
          f[TRAIN_LABELS] = idx(IDX_LABELS_MAGIC, [63], labelsOf(63));
        },
        /train-images-idx3-ubyte holds 64 images but .*train-labels-idx1-ubyte holds 63 labels/,
      ],
      [
        'a label ≥ 10',
        (f) => {
          const l = labelsOf(64);
          l[5] = 10;
          f[TRAIN_LABELS] = idx(IDX_LABELS_MAGIC, [64], l);
        },
        /label 10 at index 5 is out of range for 10 classes/,
      ],
      [
        'a .gz that is not gzip',
        (f) => {
          delete f[TRAIN_IMAGES];
          f[`${TRAIN_IMAGES}.gz`] = new TextEncoder().encode('<html>404 Not Found</html>');
        },
        /train-images-idx3-ubyte\.gz: not gzip data: expected magic 1f 8b, got 3c 68/,
      ],
      [
        'a truncated .gz',
        (f) => {
          const gz = gzipSync(f[TRAIN_IMAGES]!);
          delete f[TRAIN_IMAGES];
          f[`${TRAIN_IMAGES}.gz`] = gz.subarray(0, gz.length >> 1);
        },
        /train-images-idx3-ubyte\.gz: \d+ bytes of gzip data do not decompress/,
      ],
      [
        'a missing file',
        (f) => {
          delete f['t10k-labels-idx1-ubyte'];
        },
        /MNIST test labels not found in .*: expected one of t10k-labels-idx1-ubyte/,
      ],
    ];
    cases.forEach(([what, change, pattern], i) => {
      it(what, async () => {
        const dir = await dataDir(`idx-${i}`, change);
        expectExit(await simdnet('train', '--data', dir, ...FAST), 1, pattern);
      });
    });

    it('a directory where a file should be → exit 1, named', async () => {
      const dir = await dataDir('idx-dir', (f) => {
        delete f[TRAIN_IMAGES];
      });
      await mkdir(join(dir, TRAIN_IMAGES));
      expectExit(await simdnet('train', '--data', dir, ...FAST), 1, /cannot read .*train-images-idx3-ubyte: EISDIR/);
    });

    it('14×14 images with --layers 784,… → exit 2 naming --layers and both sizes; with --layers 196,… they train', async () => {
      const dir = await dataDir('idx-14', () => {}, 14);
      expectExit(
        await simdnet('train', '--data', dir, ...FAST),
        2,
        /--layers 784,16,10: the network takes 784 inputs but the images in .*idx-14 are 14×14 = 196 pixels/,
      );
      const ok = await simdnet(
        'train',
        '--data',
        dir,
        '--layers',
        '196,16,10',
        '--iterations',
        '2',
        '--batch',
        '16',
        '--json',
      );
      assert.equal(ok.code, 0, ok.stderr);
    });

    it("--batch larger than the training set → exit 2 naming --batch and the set's size", async () => {
      const dir = await dataDir('idx-batch');
      expectExit(
        await simdnet('train', '--data', dir, '--layers', '784,10', '--batch', '65'),
        2,
        /--batch 65 is larger than the training set \(64 images\)/,
      );
    });

    it('valid crafted files train (the control for the cases above)', async () => {
      const dir = await dataDir('idx-ok');
      const run = await simdnet('train', '--data', dir, ...FAST, '--json');
      assert.equal(run.code, 0, run.stderr);
      assert.equal(JSON.parse(run.stdout.trim().split('\n').pop()!).steps, 2);
    });
  },
);

describe('CLI: bad flags → usage message, exit 2, no stack trace', () => {
  // Flag parsing is checked in process for every case; a child process for the ones that need the
  // whole path (UsageError → exit 2) or are refused after parsing (--layers checked by Network.create).
  const cases: Array<[string[], RegExp, 'spawn'?]> = [
    [['--layers', '784'], /--layers must be comma-separated widths/, 'spawn'],
    [['--layers', '784,,10'], /--layers must be comma-separated widths/],
    [['--layers', 'abc'], /--layers must be comma-separated widths/],
    [
      ['--layers', '784,99999999,10'],
      /--layers 784,99999999,10: layers\[1\] must be an integer width in \[1, 2²⁴\]/,
      'spawn',
    ],
    [['--layers', '784,200000,10000'], /--layers 784,200000,10000: .*beyond WASM32's 4 GiB address space/, 'spawn'],
    [['--epochs', '0'], /--epochs must be an integer ≥ 1, got "0"/],
    [['--iterations', '1.5'], /--iterations must be an integer ≥ 1, got "1.5"/, 'spawn'],
    [['--iterations', '0'], /--iterations must be an integer ≥ 1/],
    [['--seed', '1.5'], /--seed must be an integer ≥ 0/],
    [['--lr', '0'], /--lr must be a number > 0, got "0"/],
    [['--lr', 'NaN'], /--lr must be a number > 0/, 'spawn'],
    [['--lr', 'Infinity'], /--lr must be a number > 0/],
    [['--batch', 'half'], /--batch must be an integer ≥ 1, got "half"/],
    [['--init', 'zeros'], /--init must be one of uniform, he/],
    [['--variant', 'gpu'], /--variant must be one of auto, relaxed, simd, scalar/],
    [['extra'], /Unexpected argument 'extra'/, 'spawn'],
    [['--json=yes'], /--json.*does not take an argument/],
    [['--save'], /--save.*argument missing/],
  ];
  for (const [args, pattern, spawned] of cases) {
    if (!args[1]?.startsWith('784,')) {
      it(`parseTrainArgs ${args.join(' ')} → UsageError`, () => {
        assert.throws(
          () => parseTrainArgs(args),
          (e: unknown) => e instanceof UsageError && pattern.test(e.message),
        );
      });
    }
    if (spawned) {
      it(`simdnet train ${args.join(' ')} → exit 2`, async () => {
        const run = await simdnet('train', ...args);
        expectExit(run, 2, pattern);
        assert.match(run.stderr, /simdnet train --help lists the options/);
      });
    }
  }
});

describe('CLI: --save problems → exit 1 with a clear message', { concurrency: 2 }, () => {
  it('into a missing directory: refused before training, nothing written', async () => {
    const dir = await dataDir('save-missing');
    const target = join(scratch, 'no-such-dir', 'net.snet');
    const started = performance.now();
    const run = await simdnet(
      'train',
      '--data',
      dir,
      '--layers',
      '784,10',
      '--iterations',
      '100000',
      '--batch',
      '1',
      '--save',
      target,
    );
    expectExit(
      run,
      1,
      /cannot save the checkpoint to .*no-such-dir\/net\.snet: the directory .*no-such-dir does not exist/,
    );
    assert.equal(run.stdout, '', 'it trained first');
    assert.ok(performance.now() - started < 30_000, 'refusing took too long: did it train first?');
  });

  it('over a directory: training runs, the save fails, exit 1, no temporary file left', async () => {
    const dir = await dataDir('save-over-dir');
    const out = await mkdtemp(join(scratch, 'out-'));
    await mkdir(join(out, 'net.snet'));
    const run = await simdnet(
      'train',
      '--data',
      dir,
      '--layers',
      '784,10',
      '--iterations',
      '2',
      '--save',
      join(out, 'net.snet'),
    );
    expectExit(run, 1, /SAVE_FAILED|cannot save the checkpoint to .*net\.snet: .*was left as it was/);
    assert.deepEqual(await readdir(out), ['net.snet']);
  });
});

// ---- soak: memory and heap stay flat ------------------------------------------------------------

describe('soak', () => {
  it('20k steps at batch 32: WebAssembly memory constant, JS heap flat', (t) => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const data = subset(mnist.train, 0, 4096);
    const net = Network.create(runtime, { layers: [784, 32, 10], seed: 1 });
    const fit = (iterations: number) => net.fit(data, { optimizer: 'adam', lr: 0.001, batchSize: 32, iterations });
    fit(500); // warm-up: the arena is re-planned for the resident set once, code is optimised
    const memory = net.memoryBytes;
    const samples: number[] = [];
    let ms = 0;
    for (let round = 0; round < 10; round++) {
      ms += fit(2000).seconds * 1000;
      net.evaluate(subset(mnist.test, 0, 1000));
      net.predict(subset(mnist.test, 0, 100).pixels);
      assert.equal(net.memoryBytes, memory, `round ${round}: the arena changed size`);
      gc();
      samples.push(process.memoryUsage().heapUsed);
    }
    const growth = samples[samples.length - 1]! - samples[1]!;
    t.diagnostic(
      `20000 steps, ${(ms / 20000).toFixed(3)} ms/step; memory ${memory} bytes throughout; heapUsed after gc ${samples.map((s) => (s / 2 ** 20).toFixed(2)).join(', ')} MiB`,
    );
    // The loop allocates nothing per step that outlives it; allow 1 MiB for the engine's own caches.
    assert.ok(Math.abs(growth) < 2 ** 20, `heap grew by ${growth} bytes over 18000 steps`);
    net.dispose();
  });
});
