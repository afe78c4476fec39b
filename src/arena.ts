// One arena per network (or per test): every buffer is planned up front and addressed by byte
// offset in a WebAssembly.Memory sized exactly for the plan. The memory never grows, so no view
// can go stale; views are still derived from the current buffer on every use.
import type { KernelExports } from './abi.js';
import { BYTES_PER_ELEMENT, elementCount, Tensor, type DType } from './tensor.js';
import type { ParallelKernels, ThreadBinding } from './threads.js';

export interface TensorSpec {
  dtype?: DType;
  shape: readonly number[];
}
/** Named buffers; a bare shape means f32. */
export type ArenaPlan = Record<string, TensorSpec | readonly number[]>;
export interface ArenaOptions {
  /** Write every page once at creation, so the first training step does not pay the first touch. Default true. */
  touch?: boolean;
}

export const WASM_PAGE_BYTES = 65536;
/** WASM32 addresses at most 65536 pages of 64 KiB. */
export const WASM32_MAX_BYTES = 65536 * WASM_PAGE_BYTES;
/** Every buffer starts on a cache line. */
export const BUFFER_ALIGNMENT = 64;

type Layout = Array<[name: string, dtype: DType, shape: readonly number[], offset: number]>;

/**
 * Byte offsets of every buffer of `plan` placed from `start`, and the end of the last one. Checks
 * the plan (TypeError for a malformed entry, RangeError for a bad dimension or a total beyond
 * WASM32's 4 GiB) without allocating anything, so callers can check a plan before building it.
 */
export function layoutPlan(start: number, plan: ArenaPlan): { layout: Layout; end: number } {
  if (plan === null || typeof plan !== 'object')
    throw new TypeError('createArena: the plan must be an object of named shapes');
  const layout: Layout = [];
  let cursor = start;
  for (const [name, entry] of Object.entries(plan)) {
    const spec: TensorSpec = Array.isArray(entry) ? { shape: entry as readonly number[] } : (entry as TensorSpec);
    const dtype = spec.dtype ?? 'f32';
    if (!(dtype in BYTES_PER_ELEMENT))
      throw new TypeError(`createArena: ${name} has unknown dtype ${JSON.stringify(dtype)} (f32, i32 or u8)`);
    const bytes = elementCount(spec.shape, `createArena: ${name}`) * BYTES_PER_ELEMENT[dtype];
    layout.push([name, dtype, spec.shape, cursor]);
    cursor = Math.ceil((cursor + bytes) / BUFFER_ALIGNMENT) * BUFFER_ALIGNMENT;
  }
  if (cursor > WASM32_MAX_BYTES) {
    throw new RangeError(
      `createArena: the plan needs ${cursor} bytes (${(cursor / 2 ** 30).toFixed(2)} GiB), beyond WASM32's 4 GiB address space; nothing was allocated`,
    );
  }
  return { layout, end: cursor };
}

/** What an arena needs of its runtime (src/runtime.ts): where buffers may start, the module, and the workers. */
export interface ArenaHost {
  readonly threads: number;
  /** First byte an arena may use. */
  readonly arenaBase: number;
  /** Bytes of the control block a threaded arena reserves at its start. */
  readonly controlBytes: number;
  instantiate(memory: WebAssembly.Memory): KernelExports;
  attachArena(arena: object, exports: KernelExports, memory: WebAssembly.Memory, control: number): ThreadBinding;
  /** Throws the TypeError of a use after the host's dispose(), naming `method`. */
  checkLive(method: string): void;
}

/**
 * Writes a zero byte every 4 KiB of a fresh (all-zero) memory: each write maps its page, as
 * filling every byte did, without the fill. A shared memory's buffer fills byte by byte in V8 (no
 * memset), so for a threaded fit of 784-10-10 (45 MB) this took 14 ms off the set-up, medians of 8.
 */
function touchPages(buffer: ArrayBufferLike): void {
  const bytes = new Uint8Array(buffer);
  for (let at = 0; at < bytes.length; at += 4096) bytes[at] = 0;
}

/** Buffers planned once, in one WebAssembly.Memory, with the module instantiated over it. */
export class Arena {
  readonly memory: WebAssembly.Memory;
  readonly tensors: Record<string, Tensor>;
  /** Byte range the planned buffers occupy. */
  readonly start: number;
  readonly end: number;
  private exportsOrNull: KernelExports | null;
  /** A threaded runtime's binding of this arena to its workers (threads > 1). */
  private readonly pool: ThreadBinding | null;

  constructor(
    readonly runtime: ArenaHost,
    plan: ArenaPlan,
    options: ArenaOptions = {},
  ) {
    // A threaded arena's memory is shared, and starts with the control block its calls go through.
    const threaded = runtime.threads > 1;
    const control = runtime.arenaBase;
    this.start = threaded ? control + runtime.controlBytes : runtime.arenaBase;
    const { layout, end } = layoutPlan(this.start, plan);
    this.end = end;
    const pages = Math.max(1, Math.ceil(this.end / WASM_PAGE_BYTES));
    try {
      this.memory = new WebAssembly.Memory(
        threaded ? { initial: pages, maximum: pages, shared: true } : { initial: pages, maximum: pages },
      );
    } catch (err) {
      throw new RangeError(
        `createArena: this engine refused ${pages} pages (${this.end} bytes) of WebAssembly memory: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
    if (options.touch ?? true) touchPages(this.memory.buffer);
    this.exportsOrNull = runtime.instantiate(this.memory);
    this.pool = threaded ? runtime.attachArena(this, this.exportsOrNull, this.memory, control) : null;
    const tensors: Record<string, Tensor> = {};
    for (const [name, dtype, shape, offset] of layout) tensors[name] = new Tensor(this, dtype, shape, offset, name);
    this.tensors = tensors;
  }

  get disposed(): boolean {
    return this.exportsOrNull === null;
  }

  /** The raw kernel exports; throws once the arena or its runtime is disposed. */
  get exports(): KernelExports {
    this.checkLive('Arena.exports');
    return this.exportsOrNull!;
  }

  /** Throws the TypeError of a use after dispose() (the arena's, or its runtime's: naming `method`). */
  checkLive(method: string): void {
    if (this.exportsOrNull === null) throw new TypeError('this arena was used after dispose()');
    this.runtime.checkLive(method);
  }

  /**
   * The kernels a threaded runtime splits over its threads (src/threads.ts), with the raw exports'
   * signatures; on one thread, the raw exports themselves. Throws once the arena is disposed.
   */
  get parallel(): ParallelKernels {
    const exports = this.exports;
    return this.pool ? this.pool.kernels : exports;
  }

  /** Whether a call of `kernel` with `args` runs split over this arena's threads (src/threads.ts); never on one thread. */
  splits(kernel: string, args: readonly number[]): boolean {
    return this.pool !== null && this.pool.splits(kernel, args);
  }

  /** Threads this arena's split kernels run on. */
  get threads(): number {
    return this.runtime.threads;
  }

  get buffer(): ArrayBuffer {
    this.checkLive('Arena.buffer');
    return this.memory.buffer;
  }

  get byteLength(): number {
    return this.memory.buffer.byteLength;
  }

  /** Typed access to a planned buffer, checking its dtype. */
  tensor<D extends DType>(name: string, dtype: D): Tensor<D> {
    const t = this.tensors[name];
    if (t === undefined) throw new RangeError(`arena has no buffer named ${JSON.stringify(name)}`);
    if (t.dtype !== dtype) throw new TypeError(`arena buffer ${name} is ${t.dtype}, not ${dtype}`);
    return t as Tensor<D>;
  }

  /** Releases the instance (and ends the workers); any later use of this arena or its tensors throws. */
  dispose(): void {
    this.exportsOrNull = null;
    this.pool?.detach();
  }
}
