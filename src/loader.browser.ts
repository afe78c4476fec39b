// Browsers: the packaged builds are referenced with new URL(…, import.meta.url) so bundlers emit
// them, fetched, status-checked and compiled while streaming. Bundlers (Vite, webpack 5, Rollup
// and esbuild plugins) only rewrite `new URL('<static string>', import.meta.url)`: keep one literal
// per build, never a template or a variable, or the .wasm files are not emitted. The same holds for
// the worker file, and for `new Worker(new URL(…))` written as one expression.
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
  switch (build) {
    case 'relaxed':
      return new URL('../build/simdnet.relaxed.wasm', import.meta.url);
    case 'simd':
      return new URL('../build/simdnet.simd.wasm', import.meta.url);
    case 'scalar':
      return new URL('../build/simdnet.scalar.wasm', import.meta.url);
    case 'threads':
      return new URL('../build/simdnet.threads.wasm', import.meta.url);
    case 'threads-relaxed':
      return new URL('../build/simdnet.threads-relaxed.wasm', import.meta.url);
  }
}

// A module Web Worker from worker.browser.ts, a file of the package: no blob, no eval, so a CSP
// with script-src 'self' 'wasm-unsafe-eval' (and worker-src 'self') allows it.
function startWorker(index: number, events: WorkerEvents): WorkerHandle {
  const worker = new Worker(new URL('./worker.browser.js', import.meta.url), {
    type: 'module',
    name: `simdnet worker ${index}`,
  });
  worker.addEventListener('message', (event) => events.message(event.data));
  // A script that fails to load gives a bare Event: say what the usual causes are.
  worker.addEventListener('error', (event) =>
    events.error(
      new Error(
        event instanceof ErrorEvent && event.message
          ? `simdnet worker ${index}: ${event.message}`
          : `simdnet worker ${index} did not start: its script (worker.browser.js beside the simdnet loader, or the file a bundler emitted for it) failed to load; ` +
              "check for a 404, a Content-Security-Policy worker-src without 'self', or a missing Cross-Origin-Embedder-Policy on the script",
      ),
    ),
  );
  worker.addEventListener('messageerror', () =>
    events.error(
      new Error(
        `simdnet worker ${index} could not receive a message (WebAssembly.Module or shared memory not transferable here)`,
      ),
    ),
  );
  return { post: (message) => worker.postMessage(message), terminate: () => worker.terminate() };
}

/**
 * Why this context cannot share memory with workers, or null when it can. SharedArrayBuffer (and
 * so shared WebAssembly memory) exists only in cross-origin isolated contexts.
 */
function threadsUnavailable(): string | null {
  if (globalThis.crossOriginIsolated !== true || typeof SharedArrayBuffer === 'undefined') {
    return (
      'this page is not cross-origin isolated, so it cannot share memory with workers ' +
      '(serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)'
    );
  }
  if (typeof Worker === 'undefined') return 'this context cannot start Web Workers';
  return null;
}

// Vite's dev server pre-bundles dependencies into node_modules/.vite/deps/, where '../build/…'
// points at nothing; a production build is fine. Said in the error, since the symptom is a 404 or an HTML page.
function bundlerAdvice(url: string): string {
  return /\/\.vite\//.test(url)
    ? "; Vite's dev server pre-bundled simdnet away from its .wasm files: add optimizeDeps: { exclude: ['simdnet'] } to the Vite config"
    : '';
}

async function compileFrom(location: URL | string): Promise<WebAssembly.Module> {
  let response: Response;
  try {
    response = await fetch(location);
  } catch (err) {
    // fetch rejects with a bare "Failed to fetch": name the URL (and the usual causes).
    throw new TypeError(
      `fetching ${String(location)} failed: ${(err as Error).message} (server unreachable, CORS, or a Content-Security-Policy connect-src that excludes it)`,
      { cause: err },
    );
  }
  const label = response.url || String(location);
  if (!response.ok) {
    const status = `HTTP ${response.status} ${response.statusText}`.trimEnd();
    throw new TypeError(`fetching ${label} failed: ${status}${bundlerAdvice(label)}`);
  }
  const type = response.headers.get('content-type') ?? '';
  // Streaming compilation needs the application/wasm type; anything else is read whole so that
  // compileBytes can say what it got instead of a bare CompileError.
  if (type.startsWith('application/wasm')) {
    const fallback = response.clone();
    try {
      return await WebAssembly.compileStreaming(response);
    } catch {
      return compileBytes(await fallback.arrayBuffer(), label);
    }
  }
  // An HTML page here is nearly always a server's fallback page for a file it does not have.
  const served =
    type === ''
      ? 'served without a Content-Type'
      : type.startsWith('text/html')
        ? `served as ${type}: an HTML page, often a server's fallback for a missing file`
        : `served as ${type}`;
  return compileBytes(await response.arrayBuffer(), `${label} (${served}${bundlerAdvice(label)})`);
}

export const browserPlatform: Platform = {
  defaultLocation: packagedWasmUrl,
  compileFrom,
  compileBytes,
  threads: (variant) => {
    const unavailable = threadsUnavailable();
    if (unavailable !== null) return { unavailable };
    return { location: packagedWasmUrl(variant === 'relaxed' ? 'threads-relaxed' : 'threads'), startWorker };
  },
};

// Chromium blames a missing 'unsafe-eval' when a CSP forbids WebAssembly; the narrower
// 'wasm-unsafe-eval' is all simdnet needs, so the message says that instead of inviting eval.
function withCspAdvice(err: unknown): unknown {
  const message = err instanceof Error ? err.message : '';
  if (!/unsafe-eval|blocked by CSP/i.test(message)) return err;
  return new TypeError(
    `${message} To run simdnet, allow WebAssembly in the page's Content-Security-Policy: ` +
      "add 'wasm-unsafe-eval' to script-src ('unsafe-eval' is not needed).",
    { cause: err },
  );
}

/**
 * Loads and compiles the simdnet module: the packaged relaxed, simd or scalar build, or `options.source`;
 * with threads > 1 in a cross-origin isolated page, the variant's threads build and threads − 1 Web Workers.
 */
export async function loadSimdnet(options?: LoadOptions): Promise<Runtime> {
  try {
    return await loadRuntime(browserPlatform, options);
  } catch (err) {
    throw withCspAdvice(err);
  }
}
