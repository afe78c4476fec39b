// TensorFlow.js for the benchmarks: the wasm backend loaded from node_modules' own dist folder
// (no network), the cpu backend beside it, and a way to run code on one backend at a time.
// Tensors belong to the backend they were made on: every contender creates its inputs after
// switching, so no hidden copy between backends is ever timed.
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

export { tf };
export type TfBackend = 'wasm' | 'cpu';

export interface TfjsInfo {
  version: string;
  /** What the wasm backend runs: SIMD and threads as tfjs detected them in this process. */
  wasmSimd: boolean;
  wasmThreads: number;
}

let ready: Promise<TfjsInfo> | null = null;

/** Registers both backends once per process; resolves with what the wasm backend runs. */
export function setupTfjs(): Promise<TfjsInfo> {
  ready ??= (async () => {
    const entry = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm');
    setWasmPaths(`${path.dirname(entry)}${path.sep}`);
    // Production mode, as a deployed app runs it: no debug checks (and no "install tfjs-node" banner).
    tf.enableProdMode();
    if (!(await tf.setBackend('wasm'))) throw new Error('tfjs: the wasm backend failed to initialise');
    const wasmSimd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
    const wasmThreads = getThreadsCount();
    if (!(await tf.setBackend('cpu'))) throw new Error('tfjs: the cpu backend failed to initialise');
    await tf.setBackend('wasm');
    return { version: tf.version.tfjs, wasmSimd, wasmThreads };
  })();
  return ready;
}

/** Makes `backend` current (after setupTfjs). */
export async function useBackend(backend: TfBackend): Promise<void> {
  await setupTfjs();
  if (tf.getBackend() !== backend && !(await tf.setBackend(backend))) throw new Error(`tfjs: cannot switch to the ${backend} backend`);
}

/** Runs `fn` with `backend` current and checks it leaked no tensor. */
export async function onBackend<T>(backend: TfBackend, fn: () => T | Promise<T>): Promise<T> {
  await useBackend(backend);
  const before = tf.memory().numTensors;
  const result = await fn();
  const leaked = tf.memory().numTensors - before;
  if (leaked > 0) throw new Error(`tfjs ${backend}: ${leaked} tensors leaked by a benchmark`);
  return result;
}
