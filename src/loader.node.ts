// Node: the packaged builds are read from disk with fs (Node's fetch cannot read file paths);
// http(s) URLs are fetched.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
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

// Node compiles synchronously at any size, and under --no-wasm-lazy-compilation (which the simdnet
// command sets, src/cli.ts) Node 24's WebAssembly.compile never settles.
function compileSynchronously(bytes: ArrayBuffer | ArrayBufferView, label: string): Promise<WebAssembly.Module> {
  return compileBytes(bytes, label, true);
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
