// Kernel calls split over threads that share an arena's memory (assembly/parallel.ts). A threaded
// runtime (loadSimdnet({ threads })) starts threads − 1 workers when it loads (src/worker.ts is
// their loop, in Node and in browsers), and gives every arena a shared WebAssembly.Memory with a
// control block at its start. Each worker instantiates the module over each arena's memory (the
// arena's binding is posted to it when the arena is made, and dropped when it is disposed or
// collected).
//
// A call writes its arguments into the arena's control block, then rings the runtime's doorbell (a
// generation counter and the arena's id in a small SharedArrayBuffer). The workers and the calling
// thread each run their share, parallel_run(control, t), and the caller returns when every worker
// has counted itself done. Workers spin briefly after a call (a training step's calls come back to
// back) before they sleep in Atomics.wait; the caller sleeps too where it may, and spins on a
// browser's main thread, where Atomics.wait throws (kernel calls are short).
//
// ParallelKernels has the raw exports' signatures, so the network and the kernel wrappers call the
// same functions whatever the thread count; on one thread they are the exports themselves.
import { ABI, CONTROL, MAX_THREADS, argsOf, type Declaration, type KernelExports } from './abi.js';

type Table = typeof ABI;
export type ParallelKernelName = {
  [N in keyof Table]: Table[N] extends { readonly split: object } ? N : never;
}[keyof Table];
export type ParallelKernels = Pick<KernelExports, ParallelKernelName>;

export { MAX_THREADS };

/** An arena bound to a runtime's workers: its split kernels, and the end of the binding. */
export interface ThreadBinding {
  kernels: ParallelKernels;
  /** Whether a call of `name` with `args` runs split over the threads (false for a kernel without a split version, or a call with too little work). */
  splits(name: string, args: readonly number[]): boolean;
  detach(): void;
}

/** A split kernel's declaration (src/abi.ts) resolved to argument positions, once. */
interface SplitCall {
  name: ParallelKernelName;
  id: number;
  /** Per argument word: whether it is written as f32 (else i32). */
  floats: boolean[];
  /** Multiply-adds (or element operations) of a call, to decide whether splitting it pays. */
  work(a: readonly number[]): number;
  /** Calls with less work run on the calling thread alone (the declaration's minWork). */
  minWork: number;
  /** Second split call of a blocked call, when argument `when` reaches the export's threshold. */
  secondPass?: { id: number; when: number; atLeast: (exports: KernelExports) => number };
  /** Where the f64 sums are divided (the call's result) and the i32 counts stored. */
  partials?: { divideBy: number; countAt: number };
}

function splitCall(name: ParallelKernelName, d: Declaration): SplitCall {
  const split = d.split!,
    args = argsOf(d);
  const at = (arg: string) => {
    const k = args.findIndex((a) => a.name === arg);
    if (k < 0) throw new Error(`internal: ${name} has no argument ${arg}`);
    return k;
  };
  const factor = split.work.reduce<number>((f, w) => (typeof w === 'number' ? f * w : f), 1);
  const sizes = split.work.filter((w): w is string => typeof w === 'string').map(at);
  const second = split.secondPass;
  return {
    name,
    id: split.id,
    floats: args.map((a) => a.kind === 'f32'),
    work: (a) => sizes.reduce((w, k) => w * a[k]!, factor),
    minWork: split.minWork,
    secondPass: second && {
      id: second.id,
      when: at(second.when),
      atLeast: (e) => (e as unknown as Record<string, () => number>)[second.atLeast]!(),
    },
    partials: split.partials && { divideBy: at(split.partials.divideBy), countAt: at(split.partials.countAt) },
  };
}

const SPLIT = Object.fromEntries(
  Object.entries(ABI as Record<string, Declaration>)
    .filter(([, d]) => d.split)
    .map(([name, d]) => [name, splitCall(name as ParallelKernelName, d)]),
) as Record<ParallelKernelName, SplitCall>;

/** Least work of a `name` call that is split: loadSimdnet's minSplitWork when given, else the kernel's minWork (src/abi.ts). */
export function minSplitWorkOf(name: ParallelKernelName, minSplitWork?: number): number {
  return minSplitWork ?? SPLIT[name].minWork;
}

/**
 * Words of a runtime's doorbell (a small SharedArrayBuffer), shared with src/worker.ts. EVENTS moves
 * on with every call and every posted message: it is what idle workers wait on.
 */
export const DOORBELL = { EVENTS: 0, GENERATION: 1, ARENA: 2, DONE: 3, POSTED: 4, FAILED: 5 } as const;
const DOORBELL_WORDS = 6;

/** A worker's first message: what it serves calls with. */
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
/** Every later message: an arena's binding, or that the arena is gone. */
export type WorkerMessage = { id: number; memory: WebAssembly.Memory; control: number } | { drop: number };

/** A started worker (running src/worker.ts's runWorker): where messages go, and how to end it. */
export interface WorkerHandle {
  post(message: WorkerStart | WorkerMessage): void;
  /** Ends the worker; a promise resolves once it has exited (Node), where the platform says so. */
  terminate(): Promise<void> | void;
}
/** What the platform tells about a worker: the messages it posts, and errors it dies of. */
export interface WorkerEvents {
  message(message: unknown): void;
  error(error: Error): void;
}
/** How a platform starts worker `index` (loader.node.ts, loader.browser.ts). */
export type StartWorker = (index: number, events: WorkerEvents) => WorkerHandle;

/** Milliseconds loadSimdnet waits for its workers to start. */
const START_TIMEOUT_MS = 30_000;

/** Whether this thread may block in Atomics.wait (a browser's main thread may not: it throws). */
function threadMayBlock(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

/** A runtime's workers (threads − 1), serving every arena of the runtime. */
export class WorkerGroup {
  private readonly bell = new Int32Array(new SharedArrayBuffer(4 * DOORBELL_WORDS));
  private workers: WorkerHandle[] | null = null;
  private ended = false;
  private nextId = 1;
  // A browser's main thread spins for the workers where Node (and any worker) sleeps.
  private readonly mayBlock = threadMayBlock();
  // Arenas collected without dispose() still free their instances in the workers.
  private readonly collected = new FinalizationRegistry<number>((id) => this.post({ drop: id }));

  constructor(
    readonly threads: number,
    private readonly module: WebAssembly.Module,
    private readonly startWorker: StartWorker,
    /**
     * Calls with less work than this run on the calling thread alone, for every kernel (0: every
     * call is split); by default each kernel's own minWork (src/abi.ts).
     */
    private readonly minSplitWork?: number,
    /** Milliseconds a worker spins after a call before it sleeps. */
    private readonly spinMs = 2,
  ) {}

  /**
   * Starts the workers and resolves once each has said it serves calls. Asynchronous because a
   * browser starts a worker only when the page returns to its event loop; rejects (and ends every
   * worker) if one fails to start or they take longer than 30 s.
   */
  async start(): Promise<void> {
    const count = this.threads - 1;
    const workers: WorkerHandle[] = [];
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const started: Array<Promise<void>> = [];
      for (let index = 1; index <= count; index++) {
        started.push(
          new Promise<void>((resolve, reject) => {
            workers.push(
              this.startWorker(index, {
                message: (message) => {
                  if ((message as { started?: number }).started === index) resolve();
                },
                // Before every worker has started, the error is loadSimdnet's; later, calls see the
                // failure on the doorbell, and this says what it was.
                error: (err) =>
                  this.workers ? console.error(`simdnet worker ${index} failed: ${err.message}`) : reject(err),
              }),
            );
          }),
        );
      }
      const start = {
        module: this.module,
        doorbell: this.bell.buffer as SharedArrayBuffer,
        workers: count,
        spinMs: this.spinMs,
      };
      workers.forEach((worker, i) => worker.post({ ...start, index: i + 1 }));
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(new Error(`the ${count} simdnet worker(s) did not all start within ${START_TIMEOUT_MS / 1000} s`)),
          START_TIMEOUT_MS,
        );
      });
      await Promise.race([Promise.all(started), timeout]);
    } catch (err) {
      for (const worker of workers) worker.terminate();
      throw err;
    } finally {
      clearTimeout(timer);
    }
    this.workers = workers;
  }

  /** Binds an arena's memory and control block in every worker; returns the arena's split kernels. */
  attach(owner: object, exports: KernelExports, memory: WebAssembly.Memory, control: number): ThreadBinding {
    if (this.workers === null) throw new Error('internal: attach before the workers started');
    const id = this.nextId++;
    this.post({ id, memory, control });
    const token = {};
    this.collected.register(owner, id, token);
    const words = new Int32Array(memory.buffer, control, CONTROL.ARGS / 4);
    const args = new Int32Array(memory.buffer, control + CONTROL.ARGS, (CONTROL.RESULTS_F64 - CONTROL.ARGS) / 4);
    const argsF32 = new Float32Array(args.buffer, args.byteOffset, args.length);
    Atomics.store(words, CONTROL.THREADS / 4, this.threads);
    let detached = false;
    const ringFor = (kernel: number) => {
      words[CONTROL.KERNEL / 4] = kernel;
      this.ring(id, () => exports.parallel_run(control, 0));
    };
    const run = (
      { name, id: kernel, floats, secondPass, partials }: SplitCall,
      a: readonly number[],
    ): number | void => {
      if (detached) throw new TypeError('this arena was used after dispose()');
      if (this.ended) throw new TypeError(`Runtime.dispose() was called: ${name} cannot run on its ended workers`);
      for (let k = 0; k < floats.length; k++) {
        if (floats[k]) argsF32[k] = a[k]!;
        else args[k] = a[k]!;
      }
      ringFor(kernel);
      if (secondPass && a[secondPass.when]! >= secondPass.atLeast(exports)) ringFor(secondPass.id);
      if (!partials) return;
      // The threads' partial sums and counts: the result, and the count stored where the kernel stores it.
      const sums = new Float64Array(memory.buffer, control + CONTROL.RESULTS_F64, this.threads);
      const counts = new Int32Array(memory.buffer, control + CONTROL.RESULTS_I32, this.threads);
      let sum = 0,
        count = 0;
      for (let t = 0; t < this.threads; t++) {
        sum += sums[t]!;
        count += counts[t]!;
      }
      new Int32Array(memory.buffer, a[partials.countAt]!, 1)[0] = count;
      return sum / a[partials.divideBy]!;
    };
    const minWork = new Map(
      (Object.keys(SPLIT) as ParallelKernelName[]).map((name) => [name, minSplitWorkOf(name, this.minSplitWork)]),
    );
    const splits = (name: string, a: readonly number[]): boolean => {
      const least = minWork.get(name as ParallelKernelName);
      return least !== undefined && SPLIT[name as ParallelKernelName].work(a) >= least;
    };
    const kernels: Partial<Record<ParallelKernelName, (...a: number[]) => number | void>> = {};
    for (const name of Object.keys(SPLIT) as ParallelKernelName[]) {
      const direct = exports[name] as (...a: number[]) => number | void,
        call = SPLIT[name];
      kernels[name] = (...a: number[]) => (splits(name, a) ? run(call, a) : direct(...a));
    }
    return {
      kernels: kernels as ParallelKernels,
      splits,
      detach: () => {
        if (detached) return;
        detached = true;
        this.collected.unregister(token);
        this.post({ drop: id });
      },
    };
  }

  /** Ends every worker; resolves once they have exited. Posts after it are dropped, split calls throw. */
  async end(): Promise<void> {
    const workers = this.workers ?? [];
    this.workers = null;
    this.ended = true;
    await Promise.all(workers.map((worker) => worker.terminate()));
  }

  /** Posts `message` to every worker, counts it, and wakes them to take it (src/worker.ts). */
  private post(message: WorkerMessage): void {
    if (this.workers === null) return;
    for (const worker of this.workers) worker.post(message);
    Atomics.add(this.bell, DOORBELL.POSTED, 1);
    this.wake();
  }

  private wake(): void {
    Atomics.add(this.bell, DOORBELL.EVENTS, 1);
    Atomics.notify(this.bell, DOORBELL.EVENTS);
  }

  /** Rings the doorbell for arena `id`, runs the caller's share, and waits for every worker. */
  private ring(id: number, own: () => void): void {
    const bell = this.bell;
    Atomics.store(bell, DOORBELL.ARENA, id);
    Atomics.store(bell, DOORBELL.DONE, 0);
    Atomics.add(bell, DOORBELL.GENERATION, 1);
    this.wake();
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
    for (let spins = 0, done; (done = Atomics.load(bell, DOORBELL.DONE)) < workers; spins++) {
      const failed = Atomics.load(bell, DOORBELL.FAILED);
      if (failed)
        throw new Error(
          `simdnet worker ${failed} failed (its error is reported on the worker); the runtime's threads are unusable`,
        );
      if (spins < 20_000) continue;
      // A worker that vanished without a word (terminated from outside) must not hang the caller.
      if (deadline === 0) deadline = Date.now() + 120_000;
      else if (Date.now() > deadline)
        throw new Error(
          `simdnet workers finished ${done} of ${workers} shares of a call in 120 s; the runtime's threads are unusable`,
        );
      if (this.mayBlock) Atomics.wait(bell, DOORBELL.DONE, done, 1);
    }
  }
}
