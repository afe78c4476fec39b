// The demo's data: the compact MNIST subset build.ts wrote as gzip'd IDX files next to the page,
// fetched and unpacked with DecompressionStream, parsed by simdnet's browser-safe IDX reader.
import { makeDataset, parseImages, parseLabels, type Dataset } from '../src/index.browser.js';
import { DATA_FILES } from './config.js';

async function fetchGunzipped(url: URL): Promise<Uint8Array> {
  const response = await fetch(url);
  if (!response.ok || response.body === null) {
    throw new TypeError(
      `fetching ${url.href} failed: HTTP ${response.status} ${response.statusText} (was the demo built with demo/build.ts?)`.trimEnd(),
    );
  }
  const unpacked = response.body.pipeThrough(new DecompressionStream('gzip'));
  try {
    return new Uint8Array(await new Response(unpacked).arrayBuffer());
  } catch (err) {
    throw new TypeError(`${url.href} is not gzip data: ${(err as Error).message}`, { cause: err });
  }
}

async function fetchDataset(base: URL, images: string, labels: string): Promise<Dataset> {
  const imagesUrl = new URL(images, base),
    labelsUrl = new URL(labels, base);
  const [imageBytes, labelBytes] = await Promise.all([fetchGunzipped(imagesUrl), fetchGunzipped(labelsUrl)]);
  return makeDataset(
    parseImages(imageBytes, imagesUrl.href),
    parseLabels(labelBytes, labelsUrl.href),
    imagesUrl.href,
    labelsUrl.href,
  );
}

/** The train and held-out sets under `base` (default: data/ beside the page). */
export async function fetchMnistSubset(
  base = new URL('data/', document.baseURI),
): Promise<{ train: Dataset; test: Dataset }> {
  const [train, test] = await Promise.all([
    fetchDataset(base, DATA_FILES.trainImages, DATA_FILES.trainLabels),
    fetchDataset(base, DATA_FILES.testImages, DATA_FILES.testLabels),
  ]);
  return { train, test };
}
