// What a network holds between calls: its model, the arena planned for it (re-planned when a call
// needs more rows or another training set), the training set resident in that arena, the
// optimizer state, and the step programs compiled for the arena.
import { layoutPlan, WASM32_MAX_BYTES, type Arena } from '../arena.js';
import type { Dataset } from '../data/dataset.js';
import { sparseByDefault, SPARSE_MAX_WIDTH } from '../data/sparse.js';
import type { KernelArena, Runtime } from '../runtime.js';
import type { Tensor } from '../tensor.js';
import type { Model } from './model.js';
import type { OptimizerName } from './optimizers.js';
import type { WorkspaceSizes } from './layers/layer.js';
import { arenaPlan, INFERENCE_ROWS, STATE_BUFFERS, type Resident } from './plan.js';
import type { StepProgram } from './program.js';
import { PIXEL_FORMATS, type PixelFormat } from './types.js';
import { describeLayers } from './validate.js';

/**
 * Refuses, before anything is allocated or initialised, a model whose parameters, gradients,
 * optimizer state and backup, or whose smallest arena, pass WASM32's 4 GiB: the caller gets a
 * RangeError now, not an engine out-of-memory after minutes of initialisation.
 */
export function checkModelFits(runtime: Runtime, model: Model, who: string): void {
  const P = model.parameterCount,
    regionBytes = (3 + STATE_BUFFERS.length) * 4 * P;
  const layers = describeLayers(model.widths);
  if (regionBytes > WASM32_MAX_BYTES) {
    throw new RangeError(
      `${who}: layers ${layers} hold ${P} parameters; parameters, gradients, optimizer state and backup need ${regionBytes} bytes (${(regionBytes / 2 ** 30).toFixed(2)} GiB), beyond WASM32's 4 GiB address space; nothing was allocated`,
    );
  }
  try {
    layoutPlan(runtime.arenaBase, arenaPlan(model, INFERENCE_ROWS, null, INFERENCE_ROWS, NetworkState.sizes(runtime)));
  } catch (err) {
    throw new RangeError(`${who}: layers ${layers}: ${(err as Error).message}`, { cause: err });
  }
}

/** The `pixelFormat` option of `fn` (fit, evaluate, predict): `auto` when absent. */
export function checkPixelFormat(fn: string, format: unknown): PixelFormat {
  if (format === undefined) return 'auto';
  if (!PIXEL_FORMATS.includes(format as PixelFormat))
    throw new RangeError(
      `${fn}: unknown pixelFormat ${JSON.stringify(format)}; use one of ${PIXEL_FORMATS.join(', ')}`,
    );
  return format as PixelFormat;
}

/** Rows of pixels as their non-zero bytes (src/data/sparse.ts). */
export interface SparseRows {
  starts: Int32Array;
  entries: Int32Array;
}

/**
 * Copies `pixels` (rows of `width` bytes) into the arena's stagingPixels chunk by chunk (the
 * kernels read linear memory), calling `visit` with each chunk's first row and row count.
 */
function forEachStagedChunk(
  arena: Arena,
  pixels: Uint8Array,
  width: number,
  visit: (first: number, rows: number, at: number) => void,
): void {
  const staging = arena.tensor('stagingPixels', 'u8');
  const chunk = staging.shape[0]!,
    rows = pixels.length / width;
  for (let r = 0; r < rows; r += chunk) {
    const n = Math.min(chunk, rows - r);
    staging.write(pixels.subarray(r * width, (r + n) * width));
    visit(r, n, staging.offset);
  }
}

/**
 * The non-zero bytes of `pixels` (rows of `width` bytes), counted by count_nonzero_u8 in the arena:
 * MNIST's 47 MB of training images in 4 ms, copies included, against 19 ms for data/sparse.ts's
 * JavaScript countNonzero.
 */
function countNonzeroStaged(arena: Arena, pixels: Uint8Array, width: number): number {
  let count = 0;
  forEachStagedChunk(arena, pixels, width, (_, rows, at) => {
    count += arena.exports.count_nonzero_u8(at, rows * width);
  });
  return count;
}

/**
 * Packs `pixels` (rows of `width` bytes) into the arena's trainStarts and trainEntries as sparse
 * rows, through stagingPixels, each chunk's entries after the last one's.
 */
function packResident(arena: Arena, pixels: Uint8Array, width: number): void {
  const starts = arena.tensor('trainStarts', 'i32').offset,
    entries = arena.tensor('trainEntries', 'i32').offset;
  let written = 0;
  forEachStagedChunk(arena, pixels, width, (first, rows, at) => {
    written += arena.exports.pack_sparse_u8(starts + 4 * first, entries, at, rows, width, written);
  });
}

/**
 * `pixels` (rows of `width` bytes, `entries` of them non-zero) as sparse rows in memory of their
 * own, packed by pack_sparse_u8 chunk by chunk in the arena's staging buffers and copied out.
 * MNIST's test set in a fresh process: 22 ms, against 32 for data/sparse.ts's JavaScript
 * packSparseRows (most of what is left: the first touch of the entries' 4.8 MB).
 */
function packStaged(arena: Arena, pixels: Uint8Array, width: number, entries: number): SparseRows {
  const rows: SparseRows = { starts: new Int32Array(pixels.length / width + 1), entries: new Int32Array(entries) };
  const stagedStarts = arena.tensor('stagingStarts', 'i32'),
    stagedEntries = arena.tensor('stagingEntries', 'i32');
  const starts = stagedStarts.view() as Int32Array,
    packed = stagedEntries.view() as Int32Array;
  let written = 0;
  forEachStagedChunk(arena, pixels, width, (first, count, at) => {
    const n = arena.exports.pack_sparse_u8(stagedStarts.offset, stagedEntries.offset, at, count, width, 0);
    for (let r = 0; r <= count; r++) rows.starts[first + r] = written + starts[r]!;
    rows.entries.set(packed.subarray(0, n), written);
    written += n;
  });
  return rows;
}

export class NetworkState {
  arena: KernelArena;
  /** Rows the activation buffers hold. */
  capacity = INFERENCE_ROWS;
  /** Rows of f32 inputs x holds (grows only for computeGradients on more rows). */
  xCapacity = INFERENCE_ROWS;
  /** The training set resident in the arena, if any. */
  resident: Resident | null = null;
  /**
   * The set evaluate last read: fit's rule for it, its non-zero bytes, and its sparse rows once
   * packed (on the first call that reads them). Like the resident
   * training set, a Dataset is taken not to change between calls.
   */
  evaluated: { data: Dataset; sparseByDefault: boolean; entries: number; rows: SparseRows | null } | null = null;
  /** Optimizer whose state the state regions hold, and its step count. */
  optimizerState: { name: OptimizerName; step: number } | null = null;
  /** Byte offset of every buffer of the current arena, by name. */
  private offsets: Record<string, number> = {};
  /** Programs compiled for the current arena, by what they run. */
  private programs = new Map<string, StepProgram>();

  constructor(
    readonly runtime: Runtime,
    readonly model: Model,
    params: Float32Array,
  ) {
    this.arena = this.buildArena(INFERENCE_ROWS, null, INFERENCE_ROWS);
    this.tensor('params').write(params);
  }

  get inputSize(): number {
    return this.model.widths[0]!;
  }
  get classes(): number {
    return this.model.widths[this.model.widths.length - 1]!;
  }

  /** Workspace sizes of this runtime, for arenaPlan. */
  static sizes(runtime: Runtime): WorkspaceSizes {
    return {
      denseWorkspaceBytes: runtime.workspaceBytes * runtime.threads,
      sparseWorkspaceBytes: (r, i, o) => runtime.sparseWorkspaceBytes(r, i, o),
    };
  }

  /** Byte offset of a buffer of the current arena. */
  ptr(name: string): number {
    const offset = this.offsets[name];
    if (offset === undefined) throw new Error(`internal: arena has no ${name}`);
    return offset;
  }

  tensor(name: string): Tensor {
    const t = this.arena.tensors[name];
    if (t === undefined) throw new Error(`internal: arena has no ${name}`);
    this.arena.checkLive('Network');
    return t;
  }

  /** The program `key` names, compiled by `compile` the first time it is asked for on this arena. */
  program(key: string, compile: () => StepProgram): StepProgram {
    let program = this.programs.get(key);
    if (program === undefined) this.programs.set(key, (program = compile()));
    return program;
  }

  /**
   * Re-plans the arena when it lacks rows, rows of f32 inputs (`xRows`) or the training set;
   * parameters and optimizer state move over, compiled programs are dropped.
   */
  ensureCapacity(rows: number, train: Resident | null, xRows = 0): void {
    const keepTrain = train ?? this.resident;
    if (rows <= this.capacity && xRows <= this.xCapacity && keepTrain === this.resident) return;
    const carried = ['params', ...STATE_BUFFERS].map((name) => [name, this.tensor(name).read()] as const);
    const capacity = Math.max(rows, this.capacity),
      xCapacity = Math.max(xRows, this.xCapacity);
    const arena = this.buildArena(capacity, keepTrain, xCapacity);
    for (const [name, values] of carried) arena.tensor(name, 'f32').write(values);
    this.arena.dispose();
    this.arena = arena;
    this.capacity = capacity;
    this.xCapacity = xCapacity;
    this.resident = keepTrain;
  }

  private buildArena(rows: number, train: Resident | null, xRows: number): KernelArena {
    const arena = this.runtime.createArena(arenaPlan(this.model, rows, train, xRows, NetworkState.sizes(this.runtime)));
    this.offsets = Object.fromEntries(Object.entries(arena.tensors).map(([name, t]) => [name, t.offset]));
    this.programs = new Map();
    const identity = arena.tensor('stagingOrder', 'i32').view();
    for (let i = 0; i < identity.length; i++) identity[i] = i;
    if (train) {
      if (train.sparse) packResident(arena, train.data.pixels, this.inputSize);
      else arena.tensor('trainPixels', 'u8').write(train.data.pixels);
      arena.tensor('trainLabels', 'u8').write(train.data.labels);
    }
    return arena;
  }

  /**
   * How `train` is to be held for training in `format`: the current resident itself when it
   * already fits (so nothing is re-planned), else counted afresh.
   */
  residentFor(train: Dataset, format: PixelFormat): Resident {
    const current = this.resident;
    if (current?.data === train && (format === 'auto' || current.sparse === (format === 'sparse'))) return current;
    return { data: train, ...this.pixelForm('fit', train.pixels, format) };
  }

  /**
   * Whether `fn` reads `pixels` (whole rows) as sparse rows in `format`, the rule fit, evaluate
   * and predict share, and their non-zero bytes (counted only when it asks for them).
   */
  pixelForm(fn: string, pixels: Uint8Array, format: PixelFormat): { sparse: boolean; entries: number } {
    if (format === 'sparse') this.checkSparseWidth(fn);
    // Only sparse rows need the count (dense rows hold every byte).
    const entries = format === 'dense' ? 0 : countNonzeroStaged(this.arena, pixels, this.inputSize);
    const sparse =
      format === 'sparse' || (format === 'auto' && sparseByDefault(entries, pixels.length, this.inputSize));
    return { sparse, entries };
  }

  private checkSparseWidth(fn: string): void {
    if (this.inputSize > SPARSE_MAX_WIDTH) {
      throw new RangeError(
        `${fn}: pixelFormat 'sparse' addresses at most ${SPARSE_MAX_WIDTH} inputs, but the network ${describeLayers(this.model.widths)} takes ${this.inputSize}`,
      );
    }
  }

  /** `data` as sparse rows when evaluate reads it so in `format` (packed on the first call), else null. */
  evaluationRows(data: Dataset, format: PixelFormat): SparseRows | null {
    if (format === 'dense') return null;
    if (format === 'sparse') this.checkSparseWidth('evaluate');
    let cached = this.evaluated?.data === data ? this.evaluated : null;
    if (cached === null) {
      const { sparse, entries } = this.pixelForm('evaluate', data.pixels, 'auto');
      cached = this.evaluated = { data, sparseByDefault: sparse, entries, rows: null };
    }
    if (format === 'auto' && !cached.sparseByDefault) return null;
    if (cached.rows === null) {
      cached.rows = packStaged(this.arena, data.pixels, this.inputSize, cached.entries);
    }
    return cached.rows;
  }

  /** Before an update: zeroes the state regions when another optimizer held them; returns the update's 1-based step count. */
  beginUpdate(name: OptimizerName): number {
    if (this.optimizerState?.name !== name) {
      for (const buffer of STATE_BUFFERS) this.tensor(buffer).fill(0);
      this.optimizerState = { name, step: 0 };
    }
    return ++this.optimizerState.step;
  }
}
