// Node: the packaged builds are read from disk with fs (Node's fetch cannot read file paths);
// http(s) URLs are fetched.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import {
  compileBytes,
  loadRuntime,
  type LoadOptions,
  type PackagedBuild,
  type Platform,
  type Runtime,
} from './runtime.js';
import type { WorkerEvents, WorkerHandle } from './threads.js';

export function packagedWasmUrl(build: PackagedBuild): URL {
  return new URL(`../build/simdnet.${build}.wasm`, import.meta.url);
}

// A worker_threads worker running worker.node.ts, the file beside this one. From the TypeScript
// source (tsx, as the tests and benchmarks run), a worker would not read .ts: tsx registers its
// hooks on the main thread only, so a one-line bootstrap imports the entry through tsx's own API.
// Unreferenced: an idle worker never keeps the process alive.
function startWorker(index: number, events: WorkerEvents): WorkerHandle {
  const fromSource = import.meta.url.endsWith('.ts');
  const entry = new URL(fromSource ? './worker.node.ts' : './worker.node.js', import.meta.url);
  const worker = fromSource
    ? new Worker(
        `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => tsx.tsImport(${JSON.stringify(entry.href)}, ${JSON.stringify(import.meta.url)}))`,
        { eval: true, name: `simdnet worker ${index}` },
      )
    : new Worker(entry, { name: `simdnet worker ${index}` });
  worker.on('message', events.message);
  worker.on('error', events.error);
  worker.unref();
  return {
    post: (message) => worker.postMessage(message),
    terminate: async () => {
      await worker.terminate();
    },
  };
}

async function compileFrom(location: URL | string): Promise<WebAssembly.Module> {
  const url = location instanceof URL ? location : /^[a-z][a-z0-9+.-]*:\/\//i.test(location) ? new URL(location) : null;
  if (url && (url.protocol === 'http:' || url.protocol === 'https:')) {
    let response: Response;
    try {
      response = await fetch(url);
    } catch (err) {
      throw new TypeError(`fetching ${url} failed: ${(err as Error).message}`, { cause: err });
    }
    if (!response.ok) throw new TypeError(`fetching ${url} failed: HTTP ${response.status} ${response.statusText}`);
    return compileSynchronously(await response.arrayBuffer(), String(url));
  }
  const path = url ? fileURLToPath(url) : (location as string);
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new TypeError(
      `cannot read the WebAssembly module at ${path}${code === 'ENOENT' ? ': no such file (run `npm run build:wasm`)' : `: ${(err as Error).message}`}`,
      { cause: err },
    );
  }
  return compileSynchronously(bytes, path);
}

/**
 * V8 compiles WebAssembly lazily, each function with its baseline compiler at its first call, and
 * optimizes a function only after it has run a while: a fresh process's first epoch ran mostly on
 * baseline code. These V8 flags, set only while simdnet's module compiles, have V8 compile all of it
 * at load (10–20 ms more in loadSimdnet) and optimize every function in the background, while the
 * caller reads its data. The first epoch of `net.fit` in a fresh process, medians of alternating
 * runs: 784-10-10 SGD b32 92 → 44 ms on Node 20 (8 each), 87 → 52 on 22 and 75 → 47 on 24 (6 each),
 * the next epoch 38–40 ms; 784-128-10 Adam b32 455 → 396 ms on Node 20 (4 each). Modules compiled
 * afterwards (tfjs-backend-wasm's, say) compile as before. A flag the process's own command line
 * sets (`node --no-wasm-lazy-compilation app.js`) is left as it is.
 */
const EAGER_COMPILATION_FLAGS = ['wasm-lazy-compilation', 'wasm-dynamic-tiering'] as const;

/** Which of EAGER_COMPILATION_FLAGS the loader may turn off and back on: those `execArgv` leaves unset. */
export function scopedCompilationFlags(execArgv: readonly string[]): string[] {
  const named = execArgv.map((arg) => arg.replaceAll('_', '-'));
  return EAGER_COMPILATION_FLAGS.filter((flag) => {
    const set = new RegExp(`^--(no-)?${flag}(=|$)`);
    return !named.some((arg) => set.test(arg));
  });
}

// Synchronously: Node allows new WebAssembly.Module at any size, and the flags must be back before
// any other code runs (compileBytes compiles before it returns when asked to compile synchronously).
function compileSynchronously(bytes: ArrayBuffer | ArrayBufferView, label: string): Promise<WebAssembly.Module> {
  const flags = scopedCompilationFlags(process.execArgv);
  for (const flag of flags) setFlagsFromString(`--no-${flag}`);
  try {
    return compileBytes(bytes, label, true);
  } finally {
    for (const flag of flags) setFlagsFromString(`--${flag}`);
  }
}

export const nodePlatform: Platform = {
  defaultLocation: packagedWasmUrl,
  compileFrom,
  compileBytes: compileSynchronously,
  threads: (variant) => ({
    location: packagedWasmUrl(variant === 'relaxed' ? 'threads-relaxed' : 'threads'),
    startWorker,
  }),
};

/** Loads and compiles the simdnet module: the packaged relaxed, simd or scalar build, its threads build (threads > 1), or `options.source`. */
export function loadSimdnet(options?: LoadOptions): Promise<Runtime> {
  return loadRuntime(nodePlatform, options);
}
