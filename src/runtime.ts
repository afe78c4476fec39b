// A compiled simdnet module and the variant it runs; platform loaders (loader.node.ts,
// loader.browser.ts) supply the bytes. Every Arena instantiates this module over its own memory.
import { KERNEL_EXPORT_NAMES, type KernelExports, type Variant } from './abi.js';
import { Arena, type ArenaPlan, type ArenaOptions } from './arena.js';

const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d];

// The smallest module that uses a v128 instruction: WebAssembly.validate accepts it only on
// engines with SIMD (the same probe wasm-feature-detect uses).
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11,
]);

export function simdSupported(): boolean {
  return WebAssembly.validate(SIMD_PROBE);
}

/** What a loader may be given instead of the packaged build. */
export type ModuleSource = WebAssembly.Module | ArrayBuffer | ArrayBufferView | URL | string;

export interface LoadOptions {
  /** `auto` (default) picks `simd` where the engine validates SIMD, else `scalar`. */
  variant?: Variant | 'auto';
  /** Bytes, a compiled module, or a URL/path of a .wasm build to use instead of the packaged one. */
  source?: ModuleSource;
}

/** How a platform turns a location into a compiled module. */
export interface Platform {
  defaultLocation(variant: Variant): URL;
  compileFrom(location: URL | string): Promise<WebAssembly.Module>;
}

/** The `variant` option, checked: 'auto' (the default), 'simd' or 'scalar'. */
function variantOption(requested: Variant | 'auto' | undefined): Variant | 'auto' {
  const variant = requested ?? 'auto';
  if (variant !== 'auto' && variant !== 'simd' && variant !== 'scalar') {
    throw new TypeError(`variant must be 'auto', 'simd' or 'scalar', got ${JSON.stringify(requested)}`);
  }
  return variant;
}

export function resolveVariant(requested: Variant | 'auto' | undefined): Variant {
  const variant = variantOption(requested);
  if (variant === 'auto') return simdSupported() ? 'simd' : 'scalar';
  if (variant === 'simd' && !simdSupported()) {
    throw new RangeError("variant 'simd' was requested but this engine does not support WebAssembly SIMD; use 'scalar' or 'auto'");
  }
  return variant;
}

/** Compiles bytes after checking the `\0asm` magic, so a wrong file gives a clear error. */
export async function compileBytes(bytes: ArrayBuffer | ArrayBufferView, label: string): Promise<WebAssembly.Module> {
  const view = bytes instanceof ArrayBuffer
    ? new Uint8Array(bytes)
    : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.length < 8 || WASM_MAGIC.some((b, i) => view[i] !== b)) {
    const head = Array.from(view.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new TypeError(`${label} is not a WebAssembly module (${view.length} bytes, starting ${head || '(empty)'}; expected 00 61 73 6d)`);
  }
  try {
    return await WebAssembly.compile(view as Uint8Array<ArrayBuffer>);
  } catch (err) {
    throw new TypeError(`${label} failed to compile: ${(err as Error).message}`);
  }
}

export async function loadRuntime(platform: Platform, options: LoadOptions = {}): Promise<Runtime> {
  // Checked even when a source decides the build, so a mistyped variant is named as the option at fault.
  const requested = variantOption(options.variant);
  const variant = options.source === undefined ? resolveVariant(requested) : undefined;
  let module: WebAssembly.Module;
  const source = options.source ?? platform.defaultLocation(variant!);
  if (source instanceof WebAssembly.Module) module = source;
  else if (source instanceof URL || typeof source === 'string') module = await platform.compileFrom(source);
  else module = await compileBytes(source, 'the supplied bytes');
  const runtime = new Runtime(module);
  if (requested !== 'auto' && runtime.variant !== requested) {
    throw new TypeError(`variant '${requested}' was requested but the supplied module is the '${runtime.variant}' build`);
  }
  return runtime;
}

/** A compiled, checked simdnet module. */
export class Runtime {
  readonly variant: Variant;
  /** First byte an arena may use: past the module's static data. */
  readonly arenaBase: number;
  /** Bytes of workspace the u8 dense kernels need (dense_workspace_bytes), for any shapes. */
  readonly workspaceBytes: number;

  constructor(readonly module: WebAssembly.Module) {
    const probe = this.instantiate(new WebAssembly.Memory({ initial: 1 }));
    this.variant = probe.simd_build() ? 'simd' : 'scalar';
    this.arenaBase = probe.arena_base();
    this.workspaceBytes = probe.dense_workspace_bytes();
  }

  /** Plans one arena: every buffer named up front, one memory sized for them, never grown. */
  createArena(plan: ArenaPlan, options?: ArenaOptions): Arena {
    return new Arena(this, plan, options);
  }

  /** Instantiates the module over `memory`; throws a TypeError naming any missing export. */
  instantiate(memory: WebAssembly.Memory): KernelExports {
    const names = new Set(WebAssembly.Module.exports(this.module).map((e) => e.name));
    const missing = KERNEL_EXPORT_NAMES.filter((n) => !names.has(n));
    if (missing.length) throw new TypeError(`this WebAssembly module is not a simdnet build: it lacks ${missing.join(', ')}`);
    const instance = new WebAssembly.Instance(this.module, { env: { memory } });
    return instance.exports as unknown as KernelExports;
  }
}
