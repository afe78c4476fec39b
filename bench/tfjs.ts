// TensorFlow.js for the benchmarks, set up by the twin's backend module (src/tfjs/backend.ts: the
// wasm backend read from node_modules' own dist folder, no network), plus a way to run code on one
// backend at a time. Tensors belong to the backend they were made on: every contender creates its
// inputs after switching, so no hidden copy between backends is ever timed.
import * as tf from '@tensorflow/tfjs';
import { useTfjsBackend, type TfjsBackendName } from '../src/tfjs/backend.js';

export { tf };
export type TfBackend = TfjsBackendName;

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
    await useTfjsBackend('cpu');
    const wasm = await useTfjsBackend('wasm');
    return { version: wasm.version, wasmSimd: wasm.simd, wasmThreads: wasm.threads };
  })();
  return ready;
}

/** Makes `backend` current (after setupTfjs). */
export async function useBackend(backend: TfBackend): Promise<void> {
  await setupTfjs();
  await useTfjsBackend(backend);
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
