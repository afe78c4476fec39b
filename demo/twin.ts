// The TensorFlow.js twin: the same network as a tf.sequential (dense ReLU hidden layers, dense
// softmax output) on the tfjs wasm backend, started from simdnet's initial weights, trained with the
// same optimizer on the same batches. Single-threaded: tfjs's threaded build starts its workers
// from blob: URLs, which the page's CSP (worker-src 'self') refuses, so it is switched off even
// though the page is cross-origin isolated.
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
// ?url: Vite emits the files and gives their URLs, so they are served from this origin.
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

export interface TfjsInfo {
  backend: string;
  version: string;
  simd: boolean;
  threads: number;
}

export interface LayerParameters {
  weights: Float32Array;
  bias: Float32Array;
  shape: [number, number];
}

/** Selects the wasm backend, with its .wasm files served beside the page. */
export async function initTfjs(): Promise<TfjsInfo> {
  setWasmPaths({
    'tfjs-backend-wasm.wasm': wasmPlain,
    'tfjs-backend-wasm-simd.wasm': wasmSimd,
    'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
  });
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  if (!(await tf.setBackend('wasm'))) throw new TypeError('TensorFlow.js could not initialise its wasm backend');
  await tf.ready();
  const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
  const threaded = Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'));
  return {
    backend: tf.getBackend(),
    version: tf.version.tfjs,
    simd,
    threads: threaded ? navigator.hardwareConcurrency : 1,
  };
}

export class TfjsTwin {
  private readonly model: tf.Sequential;
  private readonly inputs: number;
  private readonly classes: number;

  /** `layers` as Network.getLayerParameters() returns them: weights in×out (the Dense kernel layout) and bias. */
  constructor(layers: readonly LayerParameters[], lr: number) {
    const first = layers[0],
      last = layers[layers.length - 1];
    if (first === undefined || last === undefined) throw new RangeError('TfjsTwin needs at least one layer');
    this.inputs = first.shape[0];
    this.classes = last.shape[1];
    this.model = tf.sequential();
    layers.forEach((layer, l) => {
      this.model.add(
        tf.layers.dense({
          units: layer.shape[1],
          activation: l === layers.length - 1 ? 'softmax' : 'relu',
          ...(l === 0 ? { inputShape: [layer.shape[0]] } : {}),
        }),
      );
    });
    this.model.layers.forEach((dense, l) => {
      const p = layers[l]!;
      tf.tidy(() => dense.setWeights([tf.tensor2d(p.weights, p.shape), tf.tensor1d(p.bias)]));
    });
    this.model.compile({ optimizer: tf.train.sgd(lr), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  }

  /** One SGD step on rows×inputs features (already scaled to 0..1); loss and accuracy before the update. */
  async trainBatch(
    features: Float32Array,
    labels: ArrayLike<number>,
    rows: number,
  ): Promise<{ loss: number; accuracy: number }> {
    const xs = tf.tensor2d(features.subarray(0, rows * this.inputs), [rows, this.inputs]);
    const ys = tf.tidy(() =>
      tf
        .oneHot(
          tf.tensor1d(
            Array.from({ length: rows }, (_, i) => labels[i]!),
            'int32',
          ),
          this.classes,
        )
        .toFloat(),
    );
    try {
      const result = await this.model.trainOnBatch(xs, ys);
      const [loss, accuracy] = result as number[];
      return { loss: loss!, accuracy: accuracy! };
    } finally {
      xs.dispose();
      ys.dispose();
    }
  }

  /** Probabilities for rows of u8 pixels (scaled by 1/255, as simdnet does). */
  predict(pixels: Uint8Array): Float32Array {
    const rows = pixels.length / this.inputs;
    return tf.tidy(() => {
      const x = tf.tensor2d(Float32Array.from(pixels), [rows, this.inputs]).div(255);
      return (this.model.predict(x) as tf.Tensor).dataSync() as Float32Array;
    });
  }

  /** Mean cross-entropy and accuracy over a labelled set of u8 images. */
  evaluate(pixels: Uint8Array, labels: Uint8Array): { loss: number; accuracy: number } {
    const probabilities = this.predict(pixels);
    let loss = 0,
      correct = 0;
    for (let i = 0; i < labels.length; i++) {
      const row = probabilities.subarray(i * this.classes, (i + 1) * this.classes);
      const label = labels[i]!;
      loss -= Math.log(Math.max(row[label]!, 1e-7));
      let best = 0;
      for (let c = 1; c < this.classes; c++) if (row[c]! > row[best]!) best = c;
      if (best === label) correct++;
    }
    return { loss: loss / labels.length, accuracy: correct / labels.length };
  }

  dispose(): void {
    this.model.dispose();
  }
}
