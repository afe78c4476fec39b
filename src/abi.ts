// The module's ABI, said once: every export of a simdnet WASM module (assembly/index.ts), its
// arguments in order with their kinds, what it returns, whether it has a scalar twin, and, for
// the kernels split over threads, how a call splits. The rest is derived from this table:
//   - KernelExports, the host's typed exports, and KERNEL_EXPORT_NAMES, checked when a module
//     loads (runtime.ts);
//   - the threads' split table: kernel ids, which argument words are f32, the work of a call
//     (threads.ts);
//   - assembly/abi.ts, the control block's layout and the offset of every argument parallel_run
//     reads, written by scripts/abi.ts on every `npm run build:wasm`.
// test/host/abi.test.ts checks that assembly/abi.ts is up to date and that the built modules
// export exactly these functions with these wasm signatures.
//
// Kinds: ptr is a byte offset into linear memory (an i32 in wasm32); i32 and f32 are numbers.
// Sizes are in elements. Nothing here validates: see kernels.ts.

export type Kind = 'ptr' | 'i32' | 'f32';
/** One argument, `name:kind`. */
export type Arg = `${string}:${Kind}`;
export type ArgName<A extends readonly Arg[]> = A[number] extends infer S
  ? S extends `${infer N}:${Kind}`
    ? N
    : never
  : never;

/** How parallel_run (assembly/parallel.ts) splits a call over T threads. */
export interface Split<A extends readonly Arg[]> {
  /** The call's kernel id in the control block. */
  readonly id: number;
  /** The argument whose range [0, axis) the threads share, each a contiguous block. */
  readonly axis: ArgName<A>;
  /** Shares start at multiples of this (the kernel's tile height), or of one per mode. */
  readonly align: number | Readonly<Record<string, number>>;
  /** Multiply-adds (or element operations) of a call: the product of these constants and arguments. */
  readonly work: ReadonlyArray<number | ArgName<A>>;
  /**
   * Calls with less work run on the calling thread alone: below it, waking the other threads costs
   * more than they save (measured on two threads by bench/split-crossover.ts; ∞: never split).
   */
  readonly minWork: number;
  /** The threads' partial results: f64 sums whose total divided by `divideBy` is the return value, i32 counts whose total goes to `countAt`. */
  readonly partials?: { readonly divideBy: ArgName<A>; readonly countAt: ArgName<A> };
  /** A second split call (kernel id `id`) when argument `when` ≥ what the export `atLeast` returns. */
  readonly secondPass?: { readonly id: number; readonly when: ArgName<A>; readonly atLeast: string };
}

export interface Declaration<A extends readonly Arg[] = readonly Arg[]> {
  readonly args: A;
  /** The wasm result type; none for kernels that only write memory. */
  readonly returns?: 'i32' | 'f32' | 'f64';
  /** Exports `<name>_scalar` too, with the same signature: the scalar twin. */
  readonly scalar?: true;
  readonly split?: Split<A>;
}

/** One declaration, typed so that a split can name only the entry's own arguments. */
function entry<const A extends readonly Arg[], const R extends Omit<Declaration<A>, 'args'>>(
  args: A,
  rest: R,
): { readonly args: A } & R {
  return { args, ...rest };
}

export const ABI = {
  // Shares of NN and TN in blocks of 8 rows (the transposed tiles' height), NT in pairs (its dot
  // products' blocks); TT runs on one thread.
  sgemm: entry(['transA:i32', 'transB:i32', 'M:i32', 'N:i32', 'K:i32', 'A:ptr', 'B:ptr', 'C:ptr', 'accumulate:i32'], {
    scalar: true,
    split: { id: 1, axis: 'M', align: { NN: 8, TN: 8, NT: 2 }, work: ['M', 'N', 'K'], minWork: 2 ** 17 },
  }),
  /** Bytes of workspace dense_forward_u8 and dense_backward_weights_u8 need (any shapes). */
  dense_workspace_bytes: entry([], { returns: 'i32' }),
  dense_forward: entry(
    ['out:ptr', 'inp:ptr', 'weights:ptr', 'bias:ptr', 'rows:i32', 'inputs:i32', 'outputs:i32', 'relu:i32'],
    {
      scalar: true,
      split: { id: 2, axis: 'rows', align: 4, work: ['rows', 'inputs', 'outputs'], minWork: 2 ** 17 },
    },
  ),
  dense_forward_u8: entry(
    [
      'out:ptr',
      'pixels:ptr',
      'indices:ptr',
      'weights:ptr',
      'bias:ptr',
      'rows:i32',
      'inputs:i32',
      'outputs:i32',
      'scale:f32',
      'relu:i32',
      'workspace:ptr',
    ],
    { scalar: true, split: { id: 3, axis: 'rows', align: 8, work: ['rows', 'inputs', 'outputs'], minWork: 2 ** 17 } },
  ),
  dense_backward_weights_u8: entry(
    [
      'dweights:ptr',
      'pixels:ptr',
      'indices:ptr',
      'dout:ptr',
      'rows:i32',
      'inputs:i32',
      'outputs:i32',
      'scale:f32',
      'workspace:ptr',
    ],
    {
      scalar: true,
      split: { id: 4, axis: 'inputs', align: 16, work: ['rows', 'inputs', 'outputs'], minWork: 2 ** 17 },
    },
  ),
  dense_backward_input: entry(
    ['dinp:ptr', 'dout:ptr', 'weights:ptr', 'act:ptr', 'rows:i32', 'inputs:i32', 'outputs:i32'],
    {
      scalar: true,
      split: { id: 5, axis: 'rows', align: 2, work: ['rows', 'inputs', 'outputs'], minWork: 2 ** 17 },
    },
  ),
  /** Bytes of workspace sparse_backward_weights_u8 needs for these sizes. */
  sparse_workspace_bytes: entry(['rows:i32', 'inputs:i32', 'outputs:i32'], { returns: 'f64' }),
  /** Rows from which sparse_backward_weights_u8 sums in fixed row blocks (two split calls on threads). */
  sparse_blocked_min_rows: entry([], { returns: 'i32' }),
  // The sparse kernels' work is rows·outputs per non-zero input, and a row has tens of them.
  sparse_forward_u8: entry(
    [
      'out:ptr',
      'starts:ptr',
      'entries:ptr',
      'indices:ptr',
      'weights:ptr',
      'bias:ptr',
      'rows:i32',
      'outputs:i32',
      'scale:f32',
      'relu:i32',
    ],
    {
      scalar: true,
      // Timed alone a split pays from 2¹⁶; inside Adam b32 steps, splitting 32 rows × 128 or 256
      // outputs made the step slower (the worker's share, 16 rows, is a few µs of work that waits
      // on its wake-up, and on a shared VM on a descheduled core). Mini-batches stay on one thread.
      split: { id: 10, axis: 'rows', align: 1, work: [64, 'rows', 'outputs'], minWork: 2 ** 21 },
    },
  ),
  // A blocked call splits its ROW_BLOCKS blocks first, then (secondPass) the columns of their sum.
  // A smaller call splits its columns, every thread reading every row: it gains little (≤ 1.2×).
  sparse_backward_weights_u8: entry(
    [
      'dweights:ptr',
      'starts:ptr',
      'entries:ptr',
      'indices:ptr',
      'dout:ptr',
      'rows:i32',
      'inputs:i32',
      'outputs:i32',
      'scale:f32',
      'workspace:ptr',
    ],
    {
      scalar: true,
      split: {
        id: 11,
        axis: 'inputs',
        align: 1,
        work: [64, 'rows', 'outputs'],
        minWork: 2 ** 21,
        secondPass: { id: 12, when: 'rows', atLeast: 'sparse_blocked_min_rows' },
      },
    },
  ),
  bias_forward: entry(['out:ptr', 'inp:ptr', 'bias:ptr', 'rows:i32', 'cols:i32'], { scalar: true }),
  bias_backward: entry(['dbias:ptr', 'dout:ptr', 'rows:i32', 'cols:i32', 'accumulate:i32'], { scalar: true }),
  relu_forward: entry(['out:ptr', 'inp:ptr', 'n:i32'], { scalar: true }),
  relu_backward: entry(['dinp:ptr', 'dout:ptr', 'z:ptr', 'n:i32'], { scalar: true }),
  sigmoid_forward: entry(['out:ptr', 'inp:ptr', 'n:i32'], { scalar: true }),
  /** From the forward output y: dinp = dout·y(1 − y). */
  sigmoid_backward: entry(['dinp:ptr', 'dout:ptr', 'y:ptr', 'n:i32'], { scalar: true }),
  tanh_forward: entry(['out:ptr', 'inp:ptr', 'n:i32'], { scalar: true }),
  /** From the forward output y: dinp = dout·(1 − y)(1 + y). */
  tanh_backward: entry(['dinp:ptr', 'dout:ptr', 'y:ptr', 'n:i32'], { scalar: true }),
  /** seed and threshold (⌊rate·2³²⌋) are u32 bit patterns; `first` is element 0's index in the whole tensor. */
  dropout_forward: entry(
    ['out:ptr', 'mask:ptr', 'inp:ptr', 'n:i32', 'seed:i32', 'first:i32', 'threshold:i32', 'scale:f32'],
    {
      scalar: true,
    },
  ),
  dropout_backward: entry(['dinp:ptr', 'dout:ptr', 'mask:ptr', 'n:i32', 'scale:f32'], { scalar: true }),
  softmax_forward: entry(['probs:ptr', 'logits:ptr', 'rows:i32', 'cols:i32'], { scalar: true }),
  crossentropy_loss: entry(['probs:ptr', 'labels:ptr', 'rows:i32', 'cols:i32'], { returns: 'f64' }),
  softmax_crossentropy_backward: entry(
    ['dlogits:ptr', 'probs:ptr', 'labels:ptr', 'rows:i32', 'cols:i32', 'scale:f32'],
    { scalar: true },
  ),
  /** Fused softmax, loss, correct count and gradient; returns the mean loss, stores the count (i32) at `correct`. */
  softmax_crossentropy: entry(
    ['dlogits:ptr', 'logits:ptr', 'labels:ptr', 'rows:i32', 'cols:i32', 'scale:f32', 'correct:ptr'],
    {
      returns: 'f64',
      scalar: true,
      // An exp, a log share and a few divisions per element.
      split: {
        id: 6,
        axis: 'rows',
        align: 1,
        work: [16, 'rows', 'cols'],
        minWork: 2 ** 16,
        partials: { divideBy: 'rows', countAt: 'correct' },
      },
    },
  ),
  argmax_rows: entry(['out:ptr', 'x:ptr', 'rows:i32', 'cols:i32'], {}),
  count_correct: entry(['x:ptr', 'labels:ptr', 'rows:i32', 'cols:i32'], { returns: 'i32' }),
  sgd_update: entry(['params:ptr', 'grads:ptr', 'n:i32', 'lr:f32'], {
    scalar: true,
    split: { id: 7, axis: 'n', align: 16, work: ['n'], minWork: 2 ** 17 },
  }),
  momentum_update: entry(['params:ptr', 'grads:ptr', 'velocity:ptr', 'n:i32', 'lr:f32', 'momentum:f32'], {
    scalar: true,
    split: { id: 8, axis: 'n', align: 16, work: [2, 'n'], minWork: 2 ** 17 },
  }),
  adam_update: entry(
    [
      'params:ptr',
      'grads:ptr',
      'm:ptr',
      'v:ptr',
      'n:i32',
      'lr:f32',
      'beta1:f32',
      'beta2:f32',
      'epsilon:f32',
      'step:i32',
    ],
    {
      scalar: true,
      // Not from bench/split-crossover.ts: timed alone, with every buffer in both cores' caches, a
      // split pays from 2¹⁸. In a training step the main thread has just written the gradients
      // and reads the parameters next, so each step moves half of them from core to core: Adam
      // b32 784-128-10 (102k parameters) and 784-256-10 ran 1.0× and 0.6× of one thread split,
      // 784-1024-10 (814k) 1.27×.
      split: { id: 9, axis: 'n', align: 16, work: [8, 'n'], minWork: 2 ** 22 },
    },
  ),
  gather_images: entry(['out:ptr', 'pixels:ptr', 'indices:ptr', 'count:i32', 'rowLength:i32', 'scale:f32'], {
    scalar: true,
  }),
  gather_labels: entry(['out:ptr', 'labels:ptr', 'indices:ptr', 'count:i32'], {}),
  /** Non-zero bytes of `bytes` u8 (assembly/data.ts): the entries pack_sparse_u8 writes for them. */
  count_nonzero_u8: entry(['pixels:ptr', 'bytes:i32'], { returns: 'i32', scalar: true }),
  /** Sparse rows of u8 rows (assembly/data.ts); returns the entries written. */
  pack_sparse_u8: entry(['starts:ptr', 'entries:ptr', 'pixels:ptr', 'rows:i32', 'width:i32', 'first:i32'], {
    returns: 'i32',
    scalar: true,
  }),
  /** order[i] = i (assembly/order.ts). */
  order_identity: entry(['order:ptr', 'count:i32'], {}),
  /** Rng.shuffle of order in place from mulberry32 state `state` (u32 bits); returns the state after. */
  order_shuffle: entry(['order:ptr', 'count:i32', 'state:i32'], { returns: 'i32' }),
  /** Machine limits (assembly/limits.ts): iterations × 96 f32 FLOPs from registers; returns a checksum. */
  peak_flops: entry(['iterations:i32'], { returns: 'f32' }),
  /** dst[i] = src[i] for n f32 elements: 8 bytes of traffic per element. */
  stream_copy: entry(['dst:ptr', 'src:ptr', 'n:i32'], {}),
  /** Σ ptr[i] over n f32 elements: 4 bytes of traffic per element. */
  stream_sum: entry(['ptr:ptr', 'n:i32'], { returns: 'f32' }),
  /** Thread t's share of the call described in the control block (assembly/parallel.ts). */
  parallel_run: entry(['control:ptr', 't:i32'], {}),
  /** Bytes of a threaded arena's control block (CONTROL.BYTES). */
  parallel_control_bytes: entry([], { returns: 'i32' }),
  /** First byte the host may use for its arena. */
  arena_base: entry([], { returns: 'i32' }),
  /** 2 in a relaxed-SIMD build, 1 in a SIMD one, 0 in the scalar one. */
  simd_build: entry([], { returns: 'i32' }),
} as const;

type Table = typeof ABI;
type Signature<D> = D extends { readonly args: infer A extends readonly Arg[] }
  ? (...args: { -readonly [I in keyof A]: number }) => D extends { readonly returns: string } ? number : void
  : never;
type Twins = {
  [N in keyof Table as Table[N] extends { readonly scalar: true } ? `${N}_scalar` : never]: Signature<Table[N]>;
};

/** The raw exports of a simdnet WASM module, typed from ABI. */
export type KernelExports = { [N in keyof Table]: Signature<Table[N]> } & Twins;
export type ExportName = keyof KernelExports;

/** Every export a simdnet build must provide, checked when a module is instantiated. */
export const KERNEL_EXPORT_NAMES: readonly ExportName[] = Object.entries(ABI as Record<string, Declaration>).flatMap(
  ([name, d]) => (d.scalar ? [name, `${name}_scalar`] : [name]) as ExportName[],
);

/** The declaration of an export (a twin's is its kernel's). */
export function declarationOf(name: ExportName): Declaration {
  return (ABI as Record<string, Declaration>)[name.replace(/_scalar$/, '')]!;
}

/** Name and kind of each argument of a declaration. */
export function argsOf(d: Declaration): Array<{ name: string; kind: Kind }> {
  return d.args.map((a) => {
    const [name, kind] = a.split(':') as [string, Kind];
    return { name, kind };
  });
}

/**
 * A threaded arena's control block (bytes from its start; assembly/parallel.ts reads it): the
 * kernel id and thread count words, the call's arguments as 32-bit words (i32 or f32) in
 * declaration order, then each thread's partial results: f64 sums, then i32 counts.
 */
export const CONTROL = { KERNEL: 8, THREADS: 12, ARGS: 24, RESULTS_F64: 128, RESULTS_I32: 256, BYTES: 512 } as const;
/** The most threads a control block has result slots for (and the threads build pack blocks). */
export const MAX_THREADS = 16;

/**
 * Which build of the module runs: `relaxed` (SIMD with relaxed-SIMD multiply-adds, which the
 * engine may fuse), `simd` (128-bit WASM SIMD, bit-identical to the scalar twins) or `scalar`
 * (no SIMD feature).
 */
export const VARIANTS = ['relaxed', 'simd', 'scalar'] as const;
export type Variant = (typeof VARIANTS)[number];
