// Node: the packaged builds are read from disk with fs (Node's fetch cannot read file paths);
// http(s) URLs are fetched.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Variant } from './abi.js';
import { compileBytes, loadRuntime, type LoadOptions, type Platform, type Runtime } from './runtime.js';

export function packagedWasmUrl(variant: Variant): URL {
  return new URL(`../build/simdnet.${variant}.wasm`, import.meta.url);
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

export const nodePlatform: Platform = { defaultLocation: packagedWasmUrl, compileFrom };

/** Loads and compiles the simdnet module: the packaged simd or scalar build, or `options.source`. */
export function loadSimdnet(options?: LoadOptions): Promise<Runtime> {
  return loadRuntime(nodePlatform, options);
}
