// The pictures the command line draws and the images it reads (issue 16), run as a user runs them:
// train --plot and its --json history, evaluate with --report and --json, compare --report, and
// predict on PNG and JPEG files made from MNIST test digits at several sizes and both polarities,
// which must give the classes the network gives the raw digits. Bad images exit 1 with a clear
// message and no stack trace. Every SVG and HTML written is parsed as XML (test/host/xml.ts).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import { runCli } from './cli-process.js';
import { compareCommand } from '../../src/commands/compare.js';
import { CURVE_POINTS, type ComparisonRow } from '../../src/tfjs/comparison-table.js';
import { subset, type Dataset } from '../../src/data/dataset.js';
import { loadMnist } from '../../src/data/mnist.js';
import { loadNetwork } from '../../src/io.node.js';
import { loadSimdnet, Network } from '../../src/index.node.js';
import { relaxedSimdSupported } from '../../src/runtime.js';
import { TrainingHistory, type HistoryEntry } from '../../src/report/training.js';
import { allElements, allText, parseXml, type XmlElement } from './xml.js';

const SIDE = 28;

const simdnet = runCli;

function lastJson(stdout: string) {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!);
}

const byName = (root: XmlElement, name: string) => allElements(root).filter((e) => e.name === name);

/** The IDX file MNIST ships: magic (u8 dtype 0x08, ndims), big-endian u32 dims, the bytes. */
function idx(dims: number[], body: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + body.length);
  const view = new DataView(out.buffer);
  out[2] = 0x08;
  out[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  out.set(body, 4 + 4 * dims.length);
  return out;
}

/**
 * The 28×28 digit (light ink on black) drawn into a width×height picture: scaled by `scale` with
 * bilinear sampling, its top-left corner at (left, top); `dark` turns it dark ink on white.
 */
function render(
  digit: Uint8Array,
  width: number,
  height: number,
  scale: number,
  left: number,
  top: number,
  dark: boolean,
): Uint8Array {
  const rgba = new Uint8Array(width * height * 4);
  const at = (x: number, y: number) => (x < 0 || y < 0 || x >= SIDE || y >= SIDE ? 0 : digit[y * SIDE + x]!);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const u = (x - left + 0.5) / scale - 0.5,
        v = (y - top + 0.5) / scale - 0.5;
      const x0 = Math.floor(u),
        y0 = Math.floor(v),
        fx = u - x0,
        fy = v - y0;
      const ink =
        (1 - fy) * ((1 - fx) * at(x0, y0) + fx * at(x0 + 1, y0)) +
        fy * ((1 - fx) * at(x0, y0 + 1) + fx * at(x0 + 1, y0 + 1));
      const value = Math.round(dark ? 255 - ink : ink);
      rgba.fill(value, 4 * (y * width + x), 4 * (y * width + x) + 3);
      rgba[4 * (y * width + x) + 3] = 255;
    }
  }
  return rgba;
}

function png(rgba: Uint8Array, width: number, height: number): Buffer {
  return PNG.sync.write(Object.assign(new PNG({ width, height }), { data: Buffer.from(rgba) }));
}

describe('pictures and images on the command line', () => {
  let dir: string;
  let dataDir: string;
  let model: string;
  let small: { train: Dataset; test: Dataset };
  let fullTest: Dataset;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'simdnet-pictures-'));
    const mnist = await loadMnist();
    fullTest = mnist.test;
    small = { train: subset(mnist.train, 0, 3000), test: subset(mnist.test, 0, 500) };
    dataDir = join(dir, 'data');
    await (await import('node:fs/promises')).mkdir(dataDir);
    for (const [name, set] of [
      ['train', small.train],
      ['t10k', small.test],
    ] as const) {
      await writeFile(join(dataDir, `${name}-images-idx3-ubyte`), idx([set.count, SIDE, SIDE], set.pixels));
      await writeFile(join(dataDir, `${name}-labels-idx1-ubyte`), idx([set.count], set.labels));
    }
    model = join(dir, 'net.snet');
    const run = simdnet('train', '--layers', '784,32,10', '--optimizer', 'adam', '--epochs', '1', '--save', model);
    assert.equal(run.code, 0, run.stderr);
  });

  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('train --plot draws loss and accuracy, train and test, per epoch; --json carries the same history', async () => {
    const plot = join(dir, 'train.svg');
    const run = simdnet(
      'train',
      '--data',
      dataDir,
      '--layers',
      '784,16,10',
      '--epochs',
      '3',
      '--batch',
      '50',
      '--plot',
      plot,
      '--json',
    );
    assert.equal(run.code, 0, run.stderr);
    const report = lastJson(run.stdout);
    assert.equal(report.history.length, 3);
    report.history.forEach((h: HistoryEntry, i: number) => {
      assert.deepEqual(Object.keys(h).sort(), ['accuracy', 'epoch', 'loss', 'ms', 'steps', 'testAccuracy', 'testLoss']);
      assert.equal(h.epoch, i + 1);
      assert.equal(h.steps, 60);
      assert.ok(h.loss > 0 && h.testLoss > 0 && h.accuracy > 0 && h.accuracy <= 1 && h.ms > 0, JSON.stringify(h));
    });
    const last = report.history[2];
    assert.equal(last.testAccuracy, report.testAccuracy, 'the last entry is the final test evaluation');
    assert.equal(last.testLoss, report.testLoss);

    const svg = parseXml(await readFile(plot, 'utf8'));
    assert.equal(svg.name, 'svg');
    const text = allText(svg);
    for (const label of [
      '784-16-10',
      'sgd',
      'lr 0.1',
      'batch 50',
      'simd',
      'epoch',
      'cross-entropy loss',
      'accuracy (%)',
      'train (mean over the epoch)',
      'test (after the epoch)',
    ]) {
      assert.ok(text.includes(label), `the plot lacks ${JSON.stringify(label)}`);
    }
    const lines = byName(svg, 'polyline');
    assert.deepEqual(
      lines.map((l) => l.attrs['data-series']),
      [
        'train (mean over the epoch)',
        'test (after the epoch)',
        'train (mean over the epoch)',
        'test (after the epoch)',
      ],
    );
    for (const l of lines) assert.equal(l.attrs.points!.trim().split(/\s+/).length, 3, 'one point per epoch');
  });

  it('full batch: one history entry every N iterations, at most 100', () => {
    const run = simdnet(
      'train',
      '--data',
      dataDir,
      '--layers',
      '784,10',
      '--batch',
      'full',
      '--iterations',
      '250',
      '--json',
    );
    assert.equal(run.code, 0, run.stderr);
    const { history } = lastJson(run.stdout);
    assert.equal(history.length, 84);
    assert.deepEqual(
      history.slice(0, 3).map((h: { epoch: number; steps: number }) => [h.epoch, h.steps]),
      [
        [3, 3],
        [6, 3],
        [9, 3],
      ],
    );
    assert.deepEqual([history[83].epoch, history[83].steps], [250, 1]);
  });

  it('testing inside the epoch callback leaves training unchanged, and its time is taken out of the timings', async () => {
    const runtime = await loadSimdnet();
    const train = subset(small.train, 0, 1000);
    const plain = Network.create(runtime, { layers: [784, 16, 10], seed: 5 });
    plain.fit(train, { optimizer: 'adam', lr: 0.001, epochs: 3, batchSize: 64 });
    const watched = Network.create(runtime, { layers: [784, 16, 10], seed: 5 });
    // The whole test set: its evaluations take far longer than fit's own bookkeeping between epochs.
    const history = new TrainingHistory(watched, fullTest, 3, Math.ceil(1000 / 64));
    const result = history.withoutTestTime(
      watched.fit(train, { optimizer: 'adam', lr: 0.001, epochs: 3, batchSize: 64, onEpoch: (e) => history.epoch(e) }),
    );
    assert.deepEqual(watched.getParameters(), plain.getParameters());
    assert.equal(history.entries.length, 3);
    assert.equal(history.entries[2]!.testAccuracy, watched.evaluate(fullTest).accuracy);
    const epochsMs = history.entries.reduce((a, h) => a + h.ms, 0);
    assert.ok(history.testSeconds > 0);
    assert.ok(
      Math.abs(epochsMs - 1000 * result.seconds) < 250 * history.testSeconds,
      `the epochs' ${epochsMs} ms and the run's ${1000 * result.seconds} ms differ by more than a quarter of the ${1000 * history.testSeconds} ms of testing`,
    );
    assert.ok(Math.abs(result.msPerStep * result.steps - 1000 * result.seconds) < 1e-9 * result.seconds);
    plain.dispose();
    watched.dispose();
  });

  it('evaluate --json: accuracy and loss, per-class precision and recall, the confusion matrix, the mistakes most confident first', async () => {
    const run = simdnet('evaluate', model, '--json');
    assert.equal(run.code, 0, run.stderr);
    const r = lastJson(run.stdout);
    const net = await loadNetwork(await loadSimdnet(), model);
    const expected = net.evaluate(fullTest);
    const { probabilities, classes } = net.predict(fullTest.pixels);
    assert.equal(r.count, 10000);
    assert.equal(r.accuracy, expected.accuracy);
    assert.equal(r.loss, expected.loss);
    const confusion: number[][] = Array.from({ length: 10 }, () => new Array(10).fill(0));
    for (let i = 0; i < fullTest.count; i++) confusion[fullTest.labels[i]!]![classes[i]!]!++;
    assert.deepEqual(r.confusion, confusion);
    const trace = confusion.reduce((a, row, c) => a + row[c]!, 0);
    assert.equal(trace / 10000, r.accuracy);
    for (let c = 0; c < 10; c++) {
      const column = confusion.reduce((a, row) => a + row[c]!, 0),
        support = confusion[c]!.reduce((a, b) => a + b, 0);
      assert.deepEqual(r.perClass[c], {
        class: c,
        precision: confusion[c]![c]! / column,
        recall: confusion[c]![c]! / support,
        support,
      });
    }
    assert.equal(r.mistakes.length, 10000 - trace);
    for (let k = 1; k < r.mistakes.length; k++)
      assert.ok(r.mistakes[k - 1].confidence >= r.mistakes[k].confidence, `mistake ${k} out of order`);
    const top = r.mistakes[0];
    assert.notEqual(top.predicted, top.label);
    assert.equal(top.label, fullTest.labels[top.index]);
    assert.equal(top.confidence, probabilities[top.index * 10 + top.predicted]);
    net.dispose();
  });

  it('evaluate --data DIR --report: one self-contained page with the figures, the confusion matrix and the digit sheet', async () => {
    const page = join(dir, 'evaluate.html');
    const run = simdnet('evaluate', model, '--data', dataDir, '--report', page, '--json');
    assert.equal(run.code, 0, run.stderr);
    const r = lastJson(run.stdout);
    assert.equal(r.count, 500);
    const html = await readFile(page, 'utf8');
    assert.doesNotMatch(html, /<script|<link|https?:\/\/(?!www\.w3\.org\/2000\/svg)/, 'no script and no fetch');
    const root = parseXml(html);
    const text = allText(root);
    for (const label of [
      'Accuracy and loss',
      'Per class',
      'Confusion matrix',
      'predicted class',
      'true class',
      'Test digits, labelled predicted / true',
      `${(100 * r.accuracy).toFixed(2)}%`,
    ]) {
      assert.ok(text.includes(label), `the report lacks ${JSON.stringify(label)}`);
    }
    const cells = allElements(root).filter((e) => e.name === 'rect' && e.attrs['data-cell']);
    assert.equal(cells.length, 100, 'a 10×10 confusion matrix');
    const sheet = allElements(root).filter((e) => e.name === 'g' && e.attrs['data-cell']);
    assert.equal(sheet.length, 96);
    const mistakes = sheet.filter((g) => g.attrs['data-mistake'] === 'true');
    assert.equal(mistakes.length, Math.min(60, r.mistakes.length));
    assert.ok(
      sheet.slice(0, mistakes.length).every((g) => g.attrs['data-mistake'] === 'true'),
      'mistakes come first',
    );
    const first = r.mistakes[0];
    assert.equal(sheet[0]!.children.find((c) => c.name === 'text')!.text, `${first.predicted} / ${first.label}`);
    for (const image of byName(root, 'image')) assert.match(image.attrs.href!, /^data:image\/png;base64,/);
  });

  it("compare --quick --report: both engines' curves against epoch and time, speedup bars, the table, machine and versions", async () => {
    const page = join(dir, 'compare.html');
    const out: string[] = [],
      err: string[] = [];
    const code = await compareCommand(['--quick', '--report', page, '--json'], {
      stdout: (s) => {
        out.push(s);
      },
      stderr: (s) => {
        err.push(s);
      },
    });
    assert.equal(code, 0, err.join(''));
    for (const r of JSON.parse(out.join('')).rows as ComparisonRow[]) {
      const last = r.curve[r.curve.length - 1]!;
      assert.ok(
        r.curve.length >= Math.min(r.steps, 30) && r.curve.length <= CURVE_POINTS,
        `${r.engine} ${r.model}: ${r.curve.length} points`,
      );
      // tfjs's full-batch row times the iterations after the one its memory was measured on.
      assert.ok(
        Math.abs(last.epoch - r.epochs - (r.extrapolated ? 1 : 0)) < 1e-9,
        `${r.engine} ${r.model}: the curve ends at epoch ${last.epoch}, the run at ${r.epochs}`,
      );
      if (!r.extrapolated)
        assert.ok(
          Math.abs(last.seconds - r.trainSeconds) < 1e-9,
          `${r.engine} ${r.model}: the curve ends at ${last.seconds} s, the run at ${r.trainSeconds} s`,
        );
      r.curve.forEach((p, k) => {
        assert.ok(Number.isFinite(p.loss) && p.loss > 0 && p.seconds >= 0);
        if (k > 0)
          assert.ok(
            p.seconds >= r.curve[k - 1]!.seconds && p.epoch > r.curve[k - 1]!.epoch,
            `${r.engine} ${r.model}: point ${k} goes back`,
          );
      });
    }
    const html = await readFile(page, 'utf8');
    assert.doesNotMatch(html, /<script|<link|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    const root = parseXml(html);
    const text = allText(root);
    for (const label of [
      '784-10-10 sgd b32: training loss',
      '784-10-10 sgd full (seed): training loss',
      '784-128-10 adam b32: training loss',
      'epochs',
      'training seconds (wall clock, set-up excluded as in the table)',
      'speedup of simdnet',
      'simdnet speedup',
      'machine',
      'Node',
      process.version,
      'TensorFlow.js',
      'date',
    ]) {
      assert.ok(text.includes(label), `the report lacks ${JSON.stringify(label)}`);
    }
    const series = byName(root, 'polyline').map((p) => p.attrs['data-series']);
    // auto's build: relaxed where the engine has relaxed SIMD (Node ≥ 22), simd otherwise.
    const simdnetSeries = `simdnet-${relaxedSimdSupported() ? 'relaxed' : 'simd'}`;
    assert.equal(series.filter((s) => s === simdnetSeries).length, 6, 'simdnet: 3 models × (epoch, time)');
    assert.equal(series.filter((s) => s === 'tfjs-wasm').length, 4, 'tfjs: 2 mini-batch models × (epoch, time)');
    assert.equal(
      series.filter((s) => s === 'tfjs-wasm (timed iteration 2 only)').length,
      2,
      'tfjs full batch: its one timed iteration',
    );
    const bars = allElements(root)
      .filter((e) => e.name === 'rect' && e.attrs['data-bar'])
      .map((e) => e.attrs['data-bar']);
    assert.deepEqual(bars, [
      '784-10-10 sgd b32: vs tfjs-wasm',
      '784-10-10 sgd full (seed): vs tfjs-wasm',
      '784-128-10 adam b32: vs tfjs-wasm',
    ]);
    assert.equal(byName(root, 'tr').length, 7, 'header and six rows');
  });

  it('the library entry and the train command load neither image decoder', () => {
    const modules = ['../../src/index.node.ts', '../../src/commands/train.ts'].map((m) =>
      JSON.stringify(new URL(m, import.meta.url).href),
    );
    const script = `const Module = (await import('node:module')).createRequire(import.meta.url)('node:module');
      ${modules.map((m) => `await import(${m});`).join(' ')}
      process.stdout.write(JSON.stringify(Object.keys(Module._cache).filter((k) => /pngjs|jpeg-js/.test(k))));`;
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, '[]');
  });

  describe('predict', () => {
    let digits: Array<{ index: number; pixels: Uint8Array; class: number }>;

    before(async () => {
      // Digits the network reads with confidence: a borderline digit may flip under any resampling.
      const net = await loadNetwork(await loadSimdnet(), model);
      const { probabilities, classes } = net.predict(fullTest.pixels.subarray(0, 100 * SIDE * SIDE));
      digits = [];
      for (let i = 0; i < 100 && digits.length < 12; i++) {
        if (probabilities[i * 10 + classes[i]!]! >= 0.9)
          digits.push({ index: i, pixels: fullTest.pixels.slice(i * 784, (i + 1) * 784), class: classes[i]! });
      }
      net.dispose();
      assert.ok(new Set(digits.map((d) => d.class)).size >= 6, 'the digits cover several classes');
    });

    const pictures: Array<[string, (d: Uint8Array, dark: boolean) => { file: Uint8Array; ext: string }]> = [
      ['28×28', (d, dark) => ({ file: png(render(d, 28, 28, 1, 0, 0, dark), 28, 28), ext: 'png' })],
      ['56×56', (d, dark) => ({ file: png(render(d, 56, 56, 2, 0, 0, dark), 56, 56), ext: 'png' })],
      [
        '100×80, off centre',
        (d, dark) => ({ file: png(render(d, 100, 80, 80 / 28, 17, 0, dark), 100, 80), ext: 'png' }),
      ],
      ['300×300', (d, dark) => ({ file: png(render(d, 300, 300, 300 / 28, 0, 0, dark), 300, 300), ext: 'png' })],
      [
        '120×120 JPEG',
        (d, dark) => ({
          file: jpeg.encode(
            { width: 120, height: 120, data: Buffer.from(render(d, 120, 120, 120 / 28, 0, 0, dark)) },
            95,
          ).data,
          ext: 'jpg',
        }),
      ],
    ];

    for (const [size, make] of pictures) {
      it(`${size}, light on dark and dark on light: the classes of the raw digits, and ten probabilities summing to 1`, async () => {
        const files: string[] = [];
        for (const dark of [false, true]) {
          for (const d of digits) {
            const { file, ext } = make(d.pixels, dark);
            const name = join(dir, `digit-${d.index}-${size.replace(/\W+/g, '_')}-${dark ? 'dark' : 'light'}.${ext}`);
            await writeFile(name, file);
            files.push(name);
          }
        }
        const run = simdnet('predict', model, ...files, '--json');
        assert.equal(run.code, 0, run.stderr);
        const { predictions } = lastJson(run.stdout);
        assert.deepEqual(
          predictions.map((p: { image: string }) => p.image),
          files,
        );
        const expected = [...digits, ...digits].map((d) => d.class);
        assert.deepEqual(
          predictions.map((p: { class: number }) => p.class),
          expected,
          `${size}: ${files.length} pictures`,
        );
        for (const p of predictions) {
          assert.equal(p.probabilities.length, 10);
          assert.ok(Math.abs(p.probabilities.reduce((a: number, b: number) => a + b, 0) - 1) < 1e-5);
          assert.equal(p.probabilities.indexOf(Math.max(...p.probabilities)), p.class);
        }
      });
    }

    it('a dark digit on a transparent sheet reads as dark on white; the plain output names the class and the ten probabilities', async () => {
      const d = digits[0]!;
      const rgba = render(d.pixels, 64, 64, 2, 4, 4, false);
      for (let i = 0; i < 64 * 64; i++) {
        rgba[4 * i + 3] = rgba[4 * i]!;
        rgba.fill(0, 4 * i, 4 * i + 3);
      }
      const name = join(dir, 'transparent.png');
      await writeFile(name, png(rgba, 64, 64));
      const run = simdnet('predict', model, name);
      assert.equal(run.code, 0, run.stderr);
      assert.match(
        run.stdout,
        new RegExp(
          `^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ${d.class} \\(\\d+\\.\\d%\\)\\n  0: [01]\\.\\d{3}  1: .*  9: [01]\\.\\d{3}\\n$`,
        ),
      );
    });

    it('bad images: a clear message naming the file, exit 1, no stack trace', async () => {
      const good = png(render(digits[0]!.pixels, 28, 28, 1, 0, 0, false), 28, 28);
      const cases: Array<[string, Uint8Array | null, RegExp]> = [
        ['notes.png', new TextEncoder().encode('not an image at all'), /not a PNG or JPEG image/],
        ['empty.png', new Uint8Array(0), /the file is empty \(0 bytes\)/],
        ['truncated.png', good.subarray(0, good.length - 30), /not a readable PNG \(truncated or corrupt/],
        ['header-only.png', good.subarray(0, 20), /truncated before its header ends/],
        [
          'truncated.jpg',
          jpeg.encode({ width: 32, height: 32, data: Buffer.alloc(32 * 32 * 4, 200) }, 90).data.subarray(0, 200),
          /not a readable JPEG|fewer pixels than its header/,
        ],
        ['blank.png', png(new Uint8Array(40 * 30 * 4).fill(255), 40, 30), /shows no digit/],
        ['missing.png', null, /cannot read image .*missing\.png/],
      ];
      for (const [file, bytes, pattern] of cases) {
        const name = join(dir, file);
        if (bytes) await writeFile(name, bytes);
        const run = simdnet('predict', model, name);
        assert.equal(run.code, 1, `${file}: ${run.stderr}`);
        assert.match(run.stderr, pattern, file);
        assert.ok(run.stderr.includes(name), `${file}: the message names the file: ${run.stderr}`);
        assert.doesNotMatch(run.stderr, /\n\s+at /, file);
        assert.equal(run.stdout, '', `${file}: nothing printed`);
      }
    });

    it('usage errors exit 2: no MODEL, no IMAGE, an unknown flag', () => {
      for (const [args, pattern] of [
        [[], /give the MODEL/],
        [[model], /give at least one IMAGE/],
        [[model, 'x.png', '--bogus'], /Unknown option '--bogus'/],
      ] as Array<[string[], RegExp]>) {
        const run = simdnet('predict', ...args);
        assert.equal(run.code, 2, run.stderr);
        assert.match(run.stderr, pattern);
      }
    });
  });
});
