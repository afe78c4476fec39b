// `simdnet predict MODEL IMAGE…`: classifies pictures of digits (PNG or JPEG, any size, dark on
// light or light on dark), each converted as MNIST's digits were (src/data/digit.ts).
import { inkFromRgba, MNIST_SIDE, toMnistImage } from '../data/digit.js';
import { readImage } from '../data/image.node.js';
import { openModel } from './model.js';
import { parseFlagsAndArguments, UsageError } from './usage.js';
import { SIMDNET_VERSION } from './version.js';

export const PREDICT_USAGE = `usage: simdnet predict MODEL IMAGE… [options]
  MODEL                  a checkpoint written by simdnet train --save, or a tfjs model.json
  IMAGE                  PNG or JPEG of one digit, any size, dark on light or light on dark;
                         converted as MNIST was: grayscale, fitted to 20×20, centred by mass in 28×28
  --variant NAME         auto | relaxed | simd | scalar   (default auto)
  --json                 print one JSON object: each image's class and ten probabilities
  -h, --help             this message`;

export interface ImagePrediction {
  image: string;
  class: number;
  probabilities: number[];
}

/** Reads and converts one image file to the 28×28 u8 digit the network reads. */
export async function digitFromFile(path: string): Promise<Uint8Array> {
  const { width, height, data } = await readImage(path);
  return toMnistImage(inkFromRgba(data, width, height, path), width, height);
}

export async function predictCommand(argv: string[]): Promise<number> {
  const { values: v, positionals } = parseFlagsAndArguments(argv, {
    variant: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (v.help) {
    process.stdout.write(`${PREDICT_USAGE}\n`);
    return 0;
  }
  const [model, ...images] = positionals;
  if (model !== undefined && images.length === 0)
    throw new UsageError('give at least one IMAGE to classify after MODEL');
  const net = await openModel(model, v.variant);
  try {
    if (net.inputSize !== MNIST_SIDE * MNIST_SIDE) {
      throw new RangeError(`${model} takes ${net.inputSize} inputs; predict feeds 28×28 = 784-pixel digits`);
    }
    // Every image is read before any is classified: a bad file fails the run before output starts.
    const pixels = new Uint8Array(images.length * net.inputSize);
    for (let i = 0; i < images.length; i++) pixels.set(await digitFromFile(images[i]!), i * net.inputSize);
    const { probabilities, classes } = net.predict(pixels);
    const predictions: ImagePrediction[] = images.map((image, i) => ({
      image,
      class: classes[i]!,
      probabilities: [...probabilities.subarray(i * net.classes, (i + 1) * net.classes)],
    }));
    if (v.json)
      process.stdout.write(
        `${JSON.stringify({ simdnet: SIMDNET_VERSION, model, variant: net.runtime.variant, predictions })}\n`,
      );
    else {
      for (const p of predictions) {
        process.stdout.write(
          `${p.image}: ${p.class} (${(100 * p.probabilities[p.class]!).toFixed(1)}%)\n` +
            `  ${p.probabilities.map((q, c) => `${c}: ${q.toFixed(3)}`).join('  ')}\n`,
        );
      }
    }
  } finally {
    net.dispose();
  }
  return 0;
}
