// Selecting the TensorFlow.js backend the twin runs on, in Node.
//
// wasm: @tensorflow/tfjs-backend-wasm 4.22.0 ships three binaries beside its Node bundle and picks
// one from two feature flags (getPathToWasmBinary in dist/backend_wasm.js):
//   threads && simd → tfjs-backend-wasm-threaded-simd.wasm;  simd → tfjs-backend-wasm-simd.wasm;
//   otherwise tfjs-backend-wasm.wasm.
// WASM_HAS_MULTITHREAD_SUPPORT is hard-wired to false when IS_NODE (tfjs issue #3830), so in Node
// it always loads tfjs-backend-wasm-simd.wasm (on engines with SIMD) and XNNPACK runs on one
// thread; setThreadsCount only matters for the threaded binary, i.e. in browsers. simdnet is
// single-threaded too, so the comparison is one core against one core.
// setWasmPaths gets a file-system directory prefix: the Emscripten glue then reads the binary with
// fs.readFileSync (its Node branch of read_), so nothing is fetched and it works offline.
//
// cpu: the plain-JavaScript reference backend; the oracle tests use it.
import { createRequire } from 'node:module';
import path from 'node:path';
import { TFJS_BACKENDS, type TfjsBackendInfo, type TfjsBackendName } from './backend-info.js';
import { tf, tfWasm } from './peer.js';

export { TFJS_BACKENDS, type TfjsBackendInfo, type TfjsBackendName };

const { getThreadsCount, setThreadsCount, setWasmPaths } = tfWasm;

export interface UseBackendOptions {
  /** Threads for the threaded wasm binary (browsers only; ignored by the single-threaded Node binary). */
  threads?: number;
}

let wasmPathsSet = false;

/** Directory (with trailing separator) holding the .wasm files of the installed tfjs-backend-wasm. */
export function tfjsWasmDirectory(): string {
  const main = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm');
  return path.dirname(main) + path.sep;
}

/** The binary tfjs-backend-wasm picks for these flags (mirrors its getPathToWasmBinary). */
export function wasmBinaryFor(simd: boolean, threads: boolean): string {
  if (simd && threads) return 'tfjs-backend-wasm-threaded-simd.wasm';
  return simd ? 'tfjs-backend-wasm-simd.wasm' : 'tfjs-backend-wasm.wasm';
}

/**
 * Makes `name` the active tfjs backend (process-wide, as tfjs backends are) and reports what it
 * runs. tfjs's "install tfjs-node" banner is silenced with enableProdMode, which in 4.22.0 only
 * gates console warnings.
 */
export async function useTfjsBackend(
  name: TfjsBackendName = 'wasm',
  options: UseBackendOptions = {},
): Promise<TfjsBackendInfo> {
  if (!TFJS_BACKENDS.includes(name)) {
    throw new RangeError(`tfjs backend must be one of ${TFJS_BACKENDS.join(', ')}, got ${JSON.stringify(name)}`);
  }
  tf.enableProdMode();
  const directory = name === 'wasm' ? tfjsWasmDirectory() : null;
  if (name === 'wasm' && !wasmPathsSet) {
    setWasmPaths(directory!);
    if (options.threads !== undefined) setThreadsCount(options.threads);
    wasmPathsSet = true;
  }
  if (tf.getBackend() !== name) {
    // The Emscripten glue of the wasm backend installs process-wide uncaughtException and
    // unhandledRejection handlers that rethrow, which makes Node print the whole minified module
    // source for any later uncaught error. They only serve Emscripten's exit(); remove them.
    const before = {
      uncaughtException: process.listeners('uncaughtException'),
      unhandledRejection: process.listeners('unhandledRejection'),
    };
    let ok: boolean;
    try {
      ok = await tf.setBackend(name);
    } catch (err) {
      throw new Error(`tfjs backend ${name} failed to initialise: ${(err as Error)?.message ?? String(err)}`, {
        cause: err,
      });
    } finally {
      for (const listener of process.listeners('uncaughtException')) {
        if (!before.uncaughtException.includes(listener)) process.removeListener('uncaughtException', listener);
      }
      for (const listener of process.listeners('unhandledRejection')) {
        if (!before.unhandledRejection.includes(listener)) process.removeListener('unhandledRejection', listener);
      }
    }
    if (!ok)
      throw new Error(
        `tfjs backend ${name} failed to initialise${directory ? ` (binaries looked up in ${directory})` : ''}`,
      );
  }
  await tf.ready();
  const simd = name === 'wasm' && Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
  const threaded = name === 'wasm' && Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'));
  return {
    name,
    version: tf.version_core,
    binary: name === 'wasm' ? wasmBinaryFor(simd, threaded) : null,
    directory,
    threads: name === 'wasm' ? getThreadsCount() : 1,
    simd,
  };
}

/** Bytes of WebAssembly memory the wasm backend holds (its heap only grows), or null on cpu. */
export function tfjsWasmMemoryBytes(): number | null {
  if (tf.getBackend() !== 'wasm') return null;
  const backend = tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } };
  return backend.wasm?.HEAPU8?.byteLength ?? null;
}
