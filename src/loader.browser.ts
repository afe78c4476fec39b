// Browsers: the packaged builds are referenced with new URL(…, import.meta.url) so bundlers emit
// them, fetched, status-checked and compiled while streaming.
import type { Variant } from './abi.js';
import { compileBytes, loadRuntime, type LoadOptions, type Platform, type Runtime } from './runtime.js';

export function packagedWasmUrl(variant: Variant): URL {
  return variant === 'simd'
    ? new URL('../build/simdnet.simd.wasm', import.meta.url)
    : new URL('../build/simdnet.scalar.wasm', import.meta.url);
}

async function compileFrom(location: URL | string): Promise<WebAssembly.Module> {
  const response = await fetch(location);
  if (!response.ok) throw new TypeError(`fetching ${response.url || String(location)} failed: HTTP ${response.status} ${response.statusText}`);
  const label = response.url || String(location);
  // Streaming compilation needs the application/wasm type; anything else is read whole so that
  // compileBytes can say what it got instead of a bare CompileError.
  if ((response.headers.get('content-type') ?? '').startsWith('application/wasm')) {
    const fallback = response.clone();
    try {
      return await WebAssembly.compileStreaming(response);
    } catch {
      return compileBytes(await fallback.arrayBuffer(), label);
    }
  }
  return compileBytes(await response.arrayBuffer(), label);
}

export const browserPlatform: Platform = { defaultLocation: packagedWasmUrl, compileFrom };

/** Loads and compiles the simdnet module: the packaged simd or scalar build, or `options.source`. */
export function loadSimdnet(options?: LoadOptions): Promise<Runtime> {
  return loadRuntime(browserPlatform, options);
}
