// Kernel calls split over threads that share an arena's memory (assembly/parallel.ts). A threaded
// runtime (loadSimdnet({ threads })) starts threads − 1 workers once, the first time an arena
// needs them, and gives every arena a shared WebAssembly.Memory with a control block at its start.
// Each worker instantiates the module over each arena's memory (the arena's binding is posted to
// it when the arena is made, and dropped when it is disposed or collected).
//
// A call writes its arguments into the arena's control block, then rings the runtime's doorbell (a
// generation counter and the arena's id in a small SharedArrayBuffer). The workers and the calling
// thread each run their share, parallel_run(control, t), and the caller returns when every worker
// has counted itself done. Workers spin briefly after a call (a training step's calls come back to
// back) before they sleep in Atomics.wait.
//
// ParallelKernels has the raw exports' signatures, so the network and the kernel wrappers call the
// same functions whatever the thread count; on one thread they are the exports themselves.
import type { KernelExports } from './abi.js';

/** The kernels parallel_run splits (ids as in assembly/parallel.ts, argument kinds: i = i32 or pointer, f = f32). */
const SPLIT = {
  sgemm: { id: 1, args: 'iiiiipppi' },
  dense_forward: { id: 2, args: 'ppppiiii' },
  dense_forward_u8: { id: 3, args: 'pppppiiifip' },
  dense_backward_weights_u8: { id: 4, args: 'ppppiiifp' },
  dense_backward_input: { id: 5, args: 'ppppiii' },
  sparse_forward_u8: { id: 10, args: 'ppppppiifi' },
  sparse_backward_weights_u8: { id: 11, args: 'pppppiiifp' },
  softmax_crossentropy: { id: 6, args: 'pppiifp' },
  sgd_update: { id: 7, args: 'ppif' },
  momentum_update: { id: 8, args: 'pppiff' },
  adam_update: { id: 9, args: 'ppppiffffi' },
} as const;

export type ParallelKernelName = keyof typeof SPLIT;
export type ParallelKernels = Pick<KernelExports, ParallelKernelName>;

/** The most threads a control block has result slots for. */
export const MAX_THREADS = 16;

/** Control block (in the arena's memory): words 2 and 3, then arguments from byte 24 (see assembly/parallel.ts). */
const KERNEL = 2, THREADS = 3, ARGS_BYTE = 24, RESULTS_F64_BYTE = 128, RESULTS_I32_BYTE = 256;
/** Doorbell words (the runtime's SharedArrayBuffer). */
const GENERATION = 0, ARENA = 1, DONE = 2, STARTED = 3, FAILED = 4, DOORBELL_WORDS = 5;
/** The arena id that tells the workers to end. */
const STOP = -1;

/**
 * Calls below this many multiply-adds (or element operations, for the elementwise kernels) run on
 * the calling thread alone: waking the workers costs more than they would save.
 */
export const MIN_SPLIT_WORK = 1 << 18;

/** What a platform needs to start a worker (loader.node.ts). */
export interface WorkerStart {
  module: WebAssembly.Module;
  /** The runtime's doorbell, DOORBELL_WORDS i32. */
  doorbell: SharedArrayBuffer;
  /** This worker's thread index (1 … threads − 1). */
  index: number;
  /** Workers in all (threads − 1). */
  workers: number;
  /** Milliseconds a worker spins for the next call before it sleeps. */
  spinMs: number;
}
/** A started worker: where arena bindings go, and how to end it. */
export interface WorkerHandle {
  post(message: WorkerMessage): void;
  terminate(): void;
}
export type WorkerMessage = { id: number; memory: WebAssembly.Memory; control: number } | { drop: number };
export type StartWorker = (start: WorkerStart) => WorkerHandle;

/**
 * The body every worker runs, as source text (platforms start it as an inline script):
 * `worker(start, now, receive)` counts itself started and serves calls until STOP; `now()` is the
 * platform's millisecond clock, `receive()` the next posted WorkerMessage or undefined (synchronous).
 */
export const WORKER_LOOP = `
function worker(start, now, receive) {
  const { module, doorbell, index, workers, spinMs } = start;
  const bell = new Int32Array(doorbell);
  const arenas = new Map();
  const drain = () => {
    for (let m; (m = receive()) !== undefined;) {
      if (m.drop !== undefined) arenas.delete(m.drop);
      else arenas.set(m.id, { exports: new WebAssembly.Instance(module, { env: { memory: m.memory } }).exports, control: m.control });
    }
  };
  // The generation is read before the worker counts itself started: the caller may ring the
  // moment it sees the count, and that call must look new to this worker.
  let seen = Atomics.load(bell, ${GENERATION});
  Atomics.add(bell, ${STARTED}, 1);
  Atomics.notify(bell, ${STARTED});
  try {
  for (;;) {
    let g = Atomics.load(bell, ${GENERATION});
    if (g === seen) {
      const until = now() + spinMs;
      while ((g = Atomics.load(bell, ${GENERATION})) === seen && now() < until) {}
      while ((g = Atomics.load(bell, ${GENERATION})) === seen) Atomics.wait(bell, ${GENERATION}, seen);
    }
    seen = g;
    const id = Atomics.load(bell, ${ARENA});
    if (id === ${STOP}) return;
    drain();
    const arena = arenas.get(id);
    if (arena === undefined) throw new Error('simdnet worker ' + index + ': no binding for arena ' + id);
    arena.exports.parallel_run(arena.control, index);
    if (Atomics.add(bell, ${DONE}, 1) + 1 === workers) Atomics.notify(bell, ${DONE});
  }
  } catch (err) {
    // The caller waits on DONE: wake it with the failure instead of leaving it waiting.
    Atomics.store(bell, ${FAILED}, index);
    Atomics.notify(bell, ${DONE});
    throw err;
  }
}`;

/** Multiply-adds (or element operations) of a call, to decide whether splitting it pays. */
function work(name: ParallelKernelName, a: readonly number[]): number {
  switch (name) {
    case 'sgemm': return a[2]! * a[3]! * a[4]!;
    case 'dense_forward': return a[4]! * a[5]! * a[6]!;
    case 'dense_forward_u8': return a[5]! * a[6]! * a[7]!;
    case 'dense_backward_weights_u8': return a[4]! * a[5]! * a[6]!;
    case 'dense_backward_input': return a[4]! * a[5]! * a[6]!;
    // The sparse kernels' work is rows·outputs per non-zero input, and a row has tens of them.
    case 'sparse_forward_u8': return 64 * a[6]! * a[7]!;
    case 'sparse_backward_weights_u8': return 64 * a[5]! * a[7]!;
    case 'softmax_crossentropy': return 16 * a[3]! * a[4]!; // an exp, a log share and a few divisions per element
    case 'sgd_update': return a[2]!;
    case 'momentum_update': return 2 * a[3]!;
    case 'adam_update': return 8 * a[4]!;
  }
}

/** A runtime's workers (threads − 1), started on first use, serving every arena of the runtime. */
export class WorkerGroup {
  private readonly bell = new Int32Array(new SharedArrayBuffer(4 * DOORBELL_WORDS));
  private workers: WorkerHandle[] | null = null;
  private nextId = 1;
  // Arenas collected without dispose() still free their instances in the workers.
  private readonly collected = new FinalizationRegistry<number>((id) => this.drop(id));

  constructor(
    readonly threads: number, private readonly module: WebAssembly.Module, private readonly startWorker: StartWorker,
    /** Calls with less work than this run on the calling thread alone (0: every call is split). */
    private readonly minSplitWork = MIN_SPLIT_WORK,
    /** Milliseconds a worker spins after a call before it sleeps. */
    private readonly spinMs = 2,
  ) {}

  /** The workers, started (and waited for) the first time. */
  private get started(): WorkerHandle[] {
    if (this.workers) return this.workers;
    const workers: WorkerHandle[] = [];
    const count = this.threads - 1;
    try {
      for (let index = 1; index <= count; index++) {
        workers.push(this.startWorker({ module: this.module, doorbell: this.bell.buffer as SharedArrayBuffer, index, workers: count, spinMs: this.spinMs }));
      }
      const deadline = Date.now() + 30_000;
      for (let started; (started = Atomics.load(this.bell, STARTED)) < count;) {
        if (Date.now() > deadline) throw new Error(`only ${started} of ${count} simdnet workers started within 30 s`);
        Atomics.wait(this.bell, STARTED, started, 100);
      }
    } catch (err) {
      for (const w of workers) w.terminate();
      throw err;
    }
    return (this.workers = workers);
  }

  /** Binds an arena's memory and control block in every worker; returns the arena's split kernels. */
  attach(owner: object, exports: KernelExports, memory: WebAssembly.Memory, control: number): { kernels: ParallelKernels; detach(): void } {
    const id = this.nextId++;
    for (const w of this.started) w.post({ id, memory, control });
    const token = {};
    this.collected.register(owner, id, token);
    const words = new Int32Array(memory.buffer, control, ARGS_BYTE / 4);
    const args = new Int32Array(memory.buffer, control + ARGS_BYTE, (RESULTS_F64_BYTE - ARGS_BYTE) / 4);
    const argsF32 = new Float32Array(args.buffer, args.byteOffset, args.length);
    Atomics.store(words, THREADS, this.threads);
    let detached = false;
    const run = (name: ParallelKernelName, a: readonly number[]): number | void => {
      if (detached) throw new TypeError('this arena was used after dispose()');
      const { id: kernel, args: kinds } = SPLIT[name];
      for (let k = 0; k < kinds.length; k++) {
        if (kinds[k] === 'f') argsF32[k] = a[k]!;
        else args[k] = a[k]!;
      }
      words[KERNEL] = kernel;
      this.ring(id, () => exports.parallel_run(control, 0));
      if (name !== 'softmax_crossentropy') return;
      // The threads' partial loss sums and counts: the mean, and the count stored where the kernel stores it.
      const sums = new Float64Array(memory.buffer, control + RESULTS_F64_BYTE, this.threads);
      const counts = new Int32Array(memory.buffer, control + RESULTS_I32_BYTE, this.threads);
      let sum = 0, correct = 0;
      for (let t = 0; t < this.threads; t++) { sum += sums[t]!; correct += counts[t]!; }
      new Int32Array(memory.buffer, a[6]!, 1)[0] = correct;
      return sum / a[3]!;
    };
    const kernels: Partial<Record<ParallelKernelName, (...a: number[]) => number | void>> = {};
    for (const name of Object.keys(SPLIT) as ParallelKernelName[]) {
      const direct = exports[name] as (...a: number[]) => number | void;
      kernels[name] = (...a: number[]) => (work(name, a) < this.minSplitWork ? direct(...a) : run(name, a));
    }
    return {
      kernels: kernels as ParallelKernels,
      detach: () => {
        if (detached) return;
        detached = true;
        this.collected.unregister(token);
        this.drop(id);
      },
    };
  }

  /** Rings the doorbell for arena `id`, runs the caller's share, and waits for every worker. */
  private ring(id: number, own: () => void): void {
    const bell = this.bell;
    Atomics.store(bell, ARENA, id);
    Atomics.store(bell, DONE, 0);
    Atomics.add(bell, GENERATION, 1);
    Atomics.notify(bell, GENERATION);
    try {
      own();
    } finally {
      // Even if the caller's share threw, the workers finish theirs before the next call reuses
      // the control block and the done count.
      this.awaitWorkers();
    }
  }

  /** Waits until every worker has counted itself done with the current call. */
  private awaitWorkers(): void {
    const bell = this.bell;
    const workers = this.threads - 1;
    let deadline = 0;
    for (let spins = 0, done; (done = Atomics.load(bell, DONE)) < workers; spins++) {
      const failed = Atomics.load(bell, FAILED);
      if (failed) throw new Error(`simdnet worker ${failed} failed (its error is reported on the worker); the runtime's threads are unusable`);
      if (spins < 20_000) continue;
      // A worker that vanished without a word (terminated from outside) must not hang the caller.
      if (deadline === 0) deadline = Date.now() + 120_000;
      else if (Date.now() > deadline) throw new Error(`simdnet workers finished ${done} of ${workers} shares of a call in 120 s; the runtime's threads are unusable`);
      Atomics.wait(bell, DONE, done, 1);
    }
  }

  private drop(id: number): void {
    if (this.workers) for (const w of this.workers) w.post({ drop: id });
  }
}
