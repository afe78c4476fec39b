// Browsers: the packaged builds are referenced with new URL(…, import.meta.url) so bundlers emit
// them, fetched, status-checked and compiled while streaming. Bundlers (Vite, webpack 5, Rollup
// and esbuild plugins) only rewrite `new URL('<static string>', import.meta.url)`: keep one literal
// per build, never a template or a variable, or the .wasm files are not emitted.
import type { Variant } from './abi.js';
import { compileBytes, loadRuntime, type LoadOptions, type Platform, type Runtime } from './runtime.js';

export function packagedWasmUrl(variant: Variant): URL {
  return variant === 'simd'
    ? new URL('../build/simdnet.simd.wasm', import.meta.url)
    : new URL('../build/simdnet.scalar.wasm', import.meta.url);
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
    throw new TypeError(`fetching ${String(location)} failed: ${(err as Error).message} (server unreachable, CORS, or a Content-Security-Policy connect-src that excludes it)`, { cause: err });
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
  const served = type === '' ? 'served without a Content-Type' : type.startsWith('text/html')
    ? `served as ${type}: an HTML page, often a server's fallback for a missing file`
    : `served as ${type}`;
  return compileBytes(await response.arrayBuffer(), `${label} (${served}${bundlerAdvice(label)})`);
}

export const browserPlatform: Platform = { defaultLocation: packagedWasmUrl, compileFrom };

// Chromium blames a missing 'unsafe-eval' when a CSP forbids WebAssembly; the narrower
// 'wasm-unsafe-eval' is all simdnet needs, so the message says that instead of inviting eval.
function withCspAdvice(err: unknown): unknown {
  const message = err instanceof Error ? err.message : '';
  if (!/unsafe-eval|blocked by CSP/i.test(message)) return err;
  return new TypeError(`${message} To run simdnet, allow WebAssembly in the page's Content-Security-Policy: ` +
    "add 'wasm-unsafe-eval' to script-src ('unsafe-eval' is not needed).", { cause: err });
}

/** Loads and compiles the simdnet module: the packaged simd or scalar build, or `options.source`. */
export async function loadSimdnet(options?: LoadOptions): Promise<Runtime> {
  try {
    return await loadRuntime(browserPlatform, options);
  } catch (err) {
    throw withCspAdvice(err);
  }
}
