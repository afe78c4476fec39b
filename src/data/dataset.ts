// A labelled image set as the trainer consumes it, browser-safe. count images of rows×cols u8 pixels,
// row-major, image i at pixels[i·rows·cols .. (i+1)·rows·cols), and one u8 label per image.
// Arrays are usually views into a file's bytes (see idx.ts): treat them as read-only.

import { SimdnetError } from '../errors.js';
import type { IdxImages, IdxLabels } from './idx.js';

export interface Dataset {
  readonly count: number;
  readonly rows: number;
  readonly cols: number;
  readonly pixels: Uint8Array; // count×rows×cols
  readonly labels: Uint8Array; // count
}

// Pairs parsed images with parsed labels; the names only label the error message.
export function makeDataset(
  images: IdxImages,
  labels: IdxLabels,
  imagesName = 'images',
  labelsName = 'labels',
): Dataset {
  if (images.count !== labels.count) {
    throw new SimdnetError(
      'IDX_COUNT_MISMATCH',
      `${imagesName} holds ${images.count} images but ${labelsName} holds ${labels.count} labels`,
    );
  }
  return {
    count: images.count,
    rows: images.rows,
    cols: images.cols,
    pixels: images.pixels,
    labels: labels.labels,
  };
}

// Items start .. start+count-1 as a view (no copy). count may be 0.
export function subset(dataset: Dataset, start: number, count: number): Dataset {
  if (!Number.isInteger(start) || start < 0) {
    throw new RangeError(`subset: start must be a non-negative integer, got ${start}`);
  }
  if (!Number.isInteger(count) || count < 0) {
    throw new RangeError(`subset: count must be a non-negative integer, got ${count}`);
  }
  if (start + count > dataset.count) {
    throw new RangeError(
      `subset: start ${start} + count ${count} = ${start + count} exceeds dataset count ${dataset.count}`,
    );
  }
  const size = dataset.rows * dataset.cols;
  return {
    count,
    rows: dataset.rows,
    cols: dataset.cols,
    pixels: dataset.pixels.subarray(start * size, (start + count) * size),
    labels: dataset.labels.subarray(start, start + count),
  };
}
