// `simdnet profile` (src/commands/profile.ts): flags, exit codes, and that the profiled step is
// the network's (src/perf/step.ts runs fit's compiled program): the calls of fit → forward → loss →
// backward → update, in order, with the shapes of the layers. No timing is asserted.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseProfileArgs, profileCommand, profileStep } from '../../src/commands/profile.js';
import { UsageError } from '../../src/commands/usage.js';

describe('profile flags', () => {
  it('defaults to 784-128-10, batch 32, adam', () => {
    assert.deepEqual(parseProfileArgs([]), {
      layers: [784, 128, 10],
      batch: 32,
      optimizer: 'adam',
      steps: 500,
      variant: 'auto',
      json: false,
    });
  });
  it('parses every flag', () => {
    const s = parseProfileArgs([
      '--layers',
      '784,10,10',
      '--batch',
      '64',
      '--optimizer',
      'sgd',
      '--steps',
      '7',
      '--variant',
      'scalar',
      '--json',
    ]);
    assert.deepEqual(s, {
      layers: [784, 10, 10],
      batch: 64,
      optimizer: 'sgd',
      steps: 7,
      variant: 'scalar',
      json: true,
    });
  });
  it("--preset seed profiles the seed's step: 784-10-10, sgd, the full batch, 20 repetitions", () => {
    assert.deepEqual(parseProfileArgs(['--preset', 'seed']), {
      layers: [784, 10, 10],
      batch: 'full',
      optimizer: 'sgd',
      steps: 20,
      variant: 'auto',
      json: false,
    });
    // Flags given override the preset's, and a mini-batch keeps the mini-batch repetitions.
    assert.deepEqual(parseProfileArgs(['--preset', 'seed', '--batch', '32', '--optimizer', 'adam']), {
      layers: [784, 10, 10],
      batch: 32,
      optimizer: 'adam',
      steps: 500,
      variant: 'auto',
      json: false,
    });
    assert.deepEqual(parseProfileArgs(['--batch', 'full', '--steps', '3']), {
      layers: [784, 128, 10],
      batch: 'full',
      optimizer: 'adam',
      steps: 3,
      variant: 'auto',
      json: false,
    });
  });
  for (const bad of [
    ['--preset', 'keras'],
    ['--batch', '0'],
    ['--batch', 'x'],
    ['--layers', '784'],
    ['--optimizer', 'rmsprop'],
    ['--steps', '-1'],
    ['--bogus'],
    ['stray'],
  ]) {
    it(`rejects ${bad.join(' ')} with a UsageError`, () => assert.throws(() => parseProfileArgs(bad), UsageError));
  }
  it('returns 2 and prints the usage on stderr for a bad flag', async () => {
    const write = process.stderr.write.bind(process.stderr);
    let err = '';
    process.stderr.write = ((chunk: string) => {
      err += chunk;
      return true;
    }) as typeof process.stderr.write;
    try {
      assert.equal(await profileCommand(['--batch', 'nope']), 2);
    } finally {
      process.stderr.write = write;
    }
    assert.match(err, /--batch must be an integer/);
    assert.match(err, /usage: simdnet profile/);
  });
});

describe('profileStep', () => {
  it("times fit's kernel sequence for 784-16-10 with momentum (MNIST-like pixels: the sparse first layer)", async () => {
    const r = await profileStep({ layers: [784, 16, 10], batch: 8, optimizer: 'momentum', steps: 5, variant: 'simd' });
    assert.deepEqual(
      r.calls.map((c) => `${c.phase}:${c.kernel}`),
      [
        'data:gather_labels',
        'forward:sparse_forward_u8',
        'forward:dense_forward',
        'loss:softmax_crossentropy',
        'backward:sgemm',
        'backward:bias_backward',
        'backward:dense_backward_input',
        'backward:sparse_backward_weights_u8',
        'backward:bias_backward',
        'update:momentum_update',
      ],
    );
    const shapes = r.calls.filter((c) => /sgemm|dense_|sparse_/.test(c.kernel)).map((c) => c.label.split('  ')[1]);
    assert.deepEqual(shapes, ['sparse u8 8×16×784', '8×10×16', 'TN 16×10×8', 'NT 8×16×10', 'sparse u8 784×16×8']);
    assert.equal(r.parameters, 784 * 16 + 16 + 16 * 10 + 10);
    for (const c of r.calls) {
      assert.ok(c.seconds > 0 && c.calls >= 5, `${c.label}: ${c.calls} calls`);
      assert.ok(c.ofLimit > 0 && Number.isFinite(c.ofLimit), `${c.label}: of limit ${c.ofLimit}`);
    }
    assert.ok(Math.abs(r.calls.reduce((a, c) => a + c.share, 0) - 1) < 1e-9);
  });

  it('resolves a full batch to the whole pool of images (60000 random ones for inputs other than 784)', async () => {
    const r = await profileStep({ layers: [20, 6, 3], batch: 'full', optimizer: 'sgd', steps: 1, variant: 'simd' });
    assert.equal(r.settings.batch, 60000);
    const firstLayer = r.calls.find((c) => c.phase === 'forward')!;
    assert.match(firstLayer.label, / 60000×6×20$/);
  });
});
