// Node: the packaged builds are read from disk with fs (Node's fetch cannot read file paths);
// http(s) URLs are fetched.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { MessageChannel, Worker } from 'node:worker_threads';
import type { Variant } from './abi.js';
import { compileBytes, loadRuntime, type LoadOptions, type Platform, type Runtime } from './runtime.js';
import { WORKER_LOOP, type WorkerHandle, type WorkerMessage, type WorkerStart } from './threads.js';

export function packagedWasmUrl(variant: Variant | 'threads'): URL {
  return new URL(`../build/simdnet.${variant}.wasm`, import.meta.url);
}

// A worker_threads worker running the shared worker loop as an inline script (no file to resolve,
// with tsx or from dist/ alike); arena bindings reach it on a MessagePort it reads synchronously.
// Unreferenced: an idle worker never keeps the process alive.
function startWorker(start: WorkerStart): WorkerHandle {
  const source = `${WORKER_LOOP}
const { workerData, receiveMessageOnPort } = require('node:worker_threads');
const { performance } = require('node:perf_hooks');
worker(workerData.start, () => performance.now(), () => receiveMessageOnPort(workerData.port)?.message);`;
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(source, { eval: true, workerData: { start, port: port2 }, transferList: [port2] });
  worker.on('error', (err) => { process.emitWarning(`simdnet worker ${start.index}: ${err.message}`); });
  worker.unref();
  port1.unref();
  return { post: (message: WorkerMessage) => port1.postMessage(message), terminate: () => void worker.terminate() };
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
    return compileBytes(await response.arrayBuffer(), String(url));
  }
  const path = url ? fileURLToPath(url) : location as string;
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new TypeError(`cannot read the WebAssembly module at ${path}${code === 'ENOENT' ? ': no such file (run `npm run build:wasm`)' : `: ${(err as Error).message}`}`);
  }
  return compileBytes(bytes, path);
}

export const nodePlatform: Platform = {
  defaultLocation: packagedWasmUrl, compileFrom, threadsLocation: () => packagedWasmUrl('threads'), startWorker,
};

/** Loads and compiles the simdnet module: the packaged simd, scalar or (threads > 1) threads build, or `options.source`. */
export function loadSimdnet(options?: LoadOptions): Promise<Runtime> {
  return loadRuntime(nodePlatform, options);
}
