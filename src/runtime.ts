// A compiled simdnet module and the variant it runs; platform loaders (loader.node.ts,
// loader.browser.ts) supply the bytes. Every Arena instantiates this module over its own memory.
import { KERNEL_EXPORT_NAMES, VARIANTS, type KernelExports, type Variant } from './abi.js';
import { Arena, type ArenaPlan, type ArenaOptions } from './arena.js';
import { Kernels } from './kernels.js';
import { MAX_THREADS, WorkerGroup, type StartWorker, type ThreadBinding } from './threads.js';

const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d];
/** Pages of the memory a runtime probes its module with (8 MiB, more than any build's static data). */
const PROBE_PAGES = 128;

// The smallest module that uses a v128 instruction: WebAssembly.validate accepts it only on
// engines with SIMD (the same probe wasm-feature-detect uses).
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11,
]);

// The same function with three splats fed to f32x4.relaxed_madd: valid only where the engine has
// relaxed SIMD (Node 20 lacks it without --experimental-wasm-relaxed-simd).
const RELAXED_SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 19, 1, 17, 0, 65, 0, 253, 15, 65, 0, 253, 15, 65,
  0, 253, 15, 253, 133, 2, 11,
]);

export function simdSupported(): boolean {
  return WebAssembly.validate(SIMD_PROBE);
}

export function relaxedSimdSupported(): boolean {
  return WebAssembly.validate(RELAXED_SIMD_PROBE);
}

/** What a loader may be given instead of the packaged build. */
export type ModuleSource = WebAssembly.Module | ArrayBuffer | ArrayBufferView | URL | string;

export interface LoadOptions {
  /**
   * `auto` (default) picks `relaxed` where the engine validates relaxed SIMD, else `simd` where it
   * validates SIMD, else `scalar`.
   */
  variant?: Variant | 'auto';
  /** Bytes, a compiled module, or a URL/path of a .wasm build to use instead of the packaged one. */
  source?: ModuleSource;
  /**
   * Threads each arena's big kernel calls are split over (default 1). Above 1 the runtime loads a
   * threads build (SIMD with shared memory: threads-relaxed for the relaxed variant) and starts threads − 1 workers (Node's worker_threads,
   * or Web Workers). A browser page that is not cross-origin isolated cannot share memory with
   * workers: there the runtime runs one thread and says why in `singleThreadReason`.
   */
  threads?: number;
  /**
   * With threads > 1: calls with fewer multiply-adds (or element operations) than this run on the
   * calling thread alone, for every kernel. Default: each kernel's own threshold (`minWork` in
   * src/abi.ts, where splitting starts to pay on two threads); 0 splits every call (the tests use
   * it to cover every share boundary).
   */
  minSplitWork?: number;
}

/** How a platform turns a location into a compiled module, and starts workers where it can. */
export interface Platform {
  defaultLocation(variant: Variant): URL;
  compileFrom(location: URL | string): Promise<WebAssembly.Module>;
  /** compileBytes as this platform compiles (Node: synchronously, see loader.node.ts). */
  compileBytes(bytes: ArrayBuffer | ArrayBufferView, label: string): Promise<WebAssembly.Module>;
  /** What `threads` > 1 needs (where the variant's threads build is, how to start a worker), or why it cannot be had here. */
  threads(variant: ThreadedVariant): { location: URL; startWorker: StartWorker } | { unavailable: string };
}

/** The variants with a threads build. */
export type ThreadedVariant = Exclude<Variant, 'scalar'>;
/** The packaged builds, build/simdnet.<build>.wasm: one per variant, and one per threaded variant with shared memory. */
export type PackagedBuild = Variant | 'threads' | 'threads-relaxed';

/** The `variant` option, checked: 'auto' (the default), 'relaxed', 'simd' or 'scalar'. */
function variantOption(requested: Variant | 'auto' | undefined): Variant | 'auto' {
  const variant = requested ?? 'auto';
  if (variant !== 'auto' && !VARIANTS.includes(variant)) {
    throw new TypeError(`variant must be 'auto', 'relaxed', 'simd' or 'scalar', got ${JSON.stringify(requested)}`);
  }
  return variant;
}

export function resolveVariant(requested: Variant | 'auto' | undefined): Variant {
  const variant = variantOption(requested);
  if (variant === 'auto') return relaxedSimdSupported() ? 'relaxed' : simdSupported() ? 'simd' : 'scalar';
  if (variant === 'relaxed' && !relaxedSimdSupported()) {
    throw new RangeError(
      "variant 'relaxed' was requested but this engine does not support WebAssembly relaxed SIMD " +
        `(Node ≥ 22, Chrome ≥ 114, Firefox ≥ 145 do); use ${simdSupported() ? "'simd'" : "'scalar'"} or 'auto'`,
    );
  }
  if (variant === 'simd' && !simdSupported()) {
    throw new RangeError(
      "variant 'simd' was requested but this engine does not support WebAssembly SIMD; use 'scalar' or 'auto'",
    );
  }
  return variant;
}

/**
 * Compiles bytes after checking the `\0asm` magic, so a wrong file gives a clear error;
 * `synchronously` with new WebAssembly.Module (Node, see loader.node.ts), else WebAssembly.compile.
 */
export async function compileBytes(
  bytes: ArrayBuffer | ArrayBufferView,
  label: string,
  synchronously = false,
): Promise<WebAssembly.Module> {
  const view =
    bytes instanceof ArrayBuffer
      ? new Uint8Array(bytes)
      : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.length < 8 || WASM_MAGIC.some((b, i) => view[i] !== b)) {
    const head = Array.from(view.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new TypeError(
      `${label} is not a WebAssembly module (${view.length} bytes, starting ${head || '(empty)'}; expected 00 61 73 6d)`,
    );
  }
  try {
    const source = view as Uint8Array<ArrayBuffer>;
    return synchronously ? new WebAssembly.Module(source) : await WebAssembly.compile(source);
  } catch (err) {
    throw new TypeError(`${label} failed to compile: ${(err as Error).message}`, { cause: err });
  }
}

/** The `threads` option, checked: an integer in [1, MAX_THREADS], 1 when absent. */
function threadsOption(requested: unknown): number {
  if (requested === undefined) return 1;
  if (typeof requested !== 'number')
    throw new TypeError(`threads must be a number, got ${typeof requested} ${JSON.stringify(requested)}`);
  if (!Number.isInteger(requested) || requested < 1 || requested > MAX_THREADS) {
    throw new RangeError(`threads must be an integer in [1, ${MAX_THREADS}], got ${requested}`);
  }
  return requested;
}

export async function loadRuntime(platform: Platform, options: LoadOptions = {}): Promise<Runtime> {
  // Checked even when a source decides the build, so a mistyped variant is named as the option at fault.
  const requested = variantOption(options.variant);
  const asked = threadsOption(options.threads);
  if (asked > 1 && requested === 'scalar')
    throw new RangeError(`threads: ${asked} runs a SIMD threads build; variant 'scalar' runs on one thread only`);
  const minSplitWork = options.minSplitWork;
  if (minSplitWork !== undefined && (typeof minSplitWork !== 'number' || !(minSplitWork >= 0)))
    throw new RangeError(`minSplitWork must be a number ≥ 0, got ${JSON.stringify(options.minSplitWork)}`);
  // Threads have no scalar build: their 'auto' chooses between the threaded variants only.
  const threadedAuto = relaxedSimdSupported() ? 'relaxed' : 'simd';
  const resolved =
    options.source === undefined
      ? resolveVariant(asked > 1 && requested === 'auto' ? threadedAuto : requested)
      : undefined;
  const platformThreads = asked > 1 ? platform.threads(resolved === 'relaxed' ? 'relaxed' : 'simd') : null;
  const threading = platformThreads !== null && 'location' in platformThreads ? platformThreads : null;
  const singleThreadReason =
    platformThreads !== null && 'unavailable' in platformThreads
      ? `threads: ${asked} was asked for, but ${platformThreads.unavailable}; simdnet runs on one thread`
      : null;
  let module: WebAssembly.Module;
  const source = options.source ?? (threading ? threading.location : platform.defaultLocation(resolved!));
  if (source instanceof WebAssembly.Module) module = source;
  else if (source instanceof URL || typeof source === 'string') module = await platform.compileFrom(source);
  else module = await platform.compileBytes(source, 'the supplied bytes');
  const workers = threading ? new WorkerGroup(asked, module, threading.startWorker, minSplitWork) : null;
  const runtime = new Runtime(module, workers, singleThreadReason);
  if (requested !== 'auto' && runtime.variant !== requested) {
    throw new TypeError(
      `variant '${requested}' was requested but the supplied module is the '${runtime.variant}' build`,
    );
  }
  await workers?.start();
  return runtime;
}

/** An arena and the validated kernels (kernels.ts) over its tensors. */
export type KernelArena = Arena & { readonly kernels: Kernels };

/** A compiled, checked simdnet module. */
export class Runtime {
  readonly variant: Variant;
  /** First byte an arena may use: past the module's static data. */
  readonly arenaBase: number;
  /** Bytes of workspace the u8 dense kernels need per thread (dense_workspace_bytes), for any shapes. */
  readonly workspaceBytes: number;
  /** Bytes of the control block a threaded arena reserves at its start (parallel_control_bytes). */
  readonly controlBytes: number;
  /** Threads each arena's big kernel calls are split over. */
  readonly threads: number;
  /** An instance over a PROBE_PAGES memory, for the module's size queries. */
  private readonly probe: KernelExports;
  /** Set by dispose(): resolves once the workers have exited. */
  private ended: Promise<void> | null = null;

  /**
   * A threaded runtime has `workers` (threads > 1 needs the threads build, whose memory is shared;
   * loadRuntime starts them). `singleThreadReason` says why a runtime runs on one thread although
   * more were asked for (a browser page without cross-origin isolation); null otherwise.
   */
  constructor(
    readonly module: WebAssembly.Module,
    private readonly workers: WorkerGroup | null = null,
    readonly singleThreadReason: string | null = null,
  ) {
    const threads = (this.threads = workers?.threads ?? 1);
    // The probe's memory must hold the module's static data, GEMM pack blocks included (66 pages in
    // the threads build, assembly/gemm-pack.ts); untouched, its pages cost address space only.
    const memory = new WebAssembly.Memory(
      threads > 1 ? { initial: PROBE_PAGES, maximum: PROBE_PAGES, shared: true } : { initial: PROBE_PAGES },
    );
    try {
      this.probe = this.instantiate(memory);
    } catch (err) {
      if (!(err instanceof WebAssembly.LinkError)) throw err;
      throw new TypeError(
        threads > 1
          ? `threads: ${threads} needs the threads build (shared memory), and this module is not it: ${err.message}`
          : `this module imports shared memory (the threads build); ${singleThreadReason ?? 'load it with threads > 1'}: ${err.message}`,
        { cause: err },
      );
    }
    const probe = this.probe;
    this.variant = (['scalar', 'simd', 'relaxed'] as const)[probe.simd_build()]!;
    if (threads > 1 && this.variant === 'scalar')
      throw new TypeError(`threads: ${threads} needs a SIMD build, got the '${this.variant}' build`);
    this.arenaBase = probe.arena_base();
    this.workspaceBytes = probe.dense_workspace_bytes();
    this.controlBytes = probe.parallel_control_bytes();
  }

  get disposed(): boolean {
    return this.ended !== null;
  }

  /**
   * Ends the runtime's workers (threads > 1) and resolves once they have exited; calling it again
   * returns the same promise. From then on every use of the runtime, and of the networks and arenas
   * made on it, throws a TypeError naming the method.
   */
  dispose(): Promise<void> {
    this.ended ??= this.workers?.end() ?? Promise.resolve();
    return this.ended;
  }

  /** Throws the TypeError of a use after dispose(), naming `method`. */
  checkLive(method: string): void {
    if (this.ended !== null)
      throw new TypeError(
        `Runtime.dispose() was called: ${method} cannot use this runtime any more (load another with loadSimdnet())`,
      );
  }

  /** Bytes of workspace sparse_backward_weights_u8 needs for `rows` rows and a weight gradient of inputs×outputs (one for all threads). */
  sparseWorkspaceBytes(rows: number, inputs: number, outputs: number): number {
    this.checkLive('Runtime.sparseWorkspaceBytes');
    return this.probe.sparse_workspace_bytes(rows, inputs, outputs);
  }

  /**
   * Binds a threaded arena (its shared memory, with the control block at `control`) to this
   * runtime's workers; returns its split kernels and how to release the binding.
   */
  attachArena(arena: object, exports: KernelExports, memory: WebAssembly.Memory, control: number): ThreadBinding {
    this.checkLive('Runtime.attachArena');
    if (this.workers === null) throw new Error('internal: attachArena on a single-threaded runtime');
    return this.workers.attach(arena, exports, memory, control);
  }

  /** Plans one arena: every buffer named up front, one memory sized for them, never grown; with its validated kernels. */
  createArena(plan: ArenaPlan, options?: ArenaOptions): KernelArena {
    this.checkLive('Runtime.createArena');
    const arena = new Arena(this, plan, options);
    return Object.assign(arena, { kernels: new Kernels(arena) });
  }

  /** Instantiates the module over `memory`; throws a TypeError naming any missing export. */
  instantiate(memory: WebAssembly.Memory): KernelExports {
    this.checkLive('Runtime.instantiate');
    const names = new Set(WebAssembly.Module.exports(this.module).map((e) => e.name));
    const missing = KERNEL_EXPORT_NAMES.filter((n) => !names.has(n));
    if (missing.length)
      throw new TypeError(`this WebAssembly module is not a simdnet build: it lacks ${missing.join(', ')}`);
    const instance = new WebAssembly.Instance(this.module, { env: { memory } });
    return instance.exports as unknown as KernelExports;
  }
}
