// The step as data: one list of kernel calls, each with its arguments, compiled once per arena
// plan (model/step.ts) and run by fit, evaluate, predict, computeGradients and the profile alike.
// A call's arguments are fixed when it is compiled except for the slots, values only known per
// step (where the batch's row indices start, the optimizer's step count), patched in place.
import type { KernelExports } from '../abi.js';
import type { Work } from '../perf/limits.js';
import type { ParallelKernels } from '../threads.js';

export type Phase = 'data' | 'forward' | 'loss' | 'backward' | 'update' | 'output';
/**
 * A per-step argument: byte offset of the batch's row indices, the optimizer's 1-based step count,
 * or the step's dropout seed (u32 bits); `plus` is added to the value (each Dropout layer adds its position).
 */
export type Slot = 'indices' | 'step' | 'seed';
export type Arg = number | { slot: Slot; plus?: number };
export type KernelName = keyof KernelExports;

export interface CallSpec extends Work {
  /** Export name, e.g. sgemm; a threaded arena runs its split version where there is one. */
  kernel: KernelName;
  /** The export's arguments in its order: byte offsets, sizes in elements, scalars. */
  args: readonly Arg[];
  /** What the call does in the step, e.g. `L1 z = a·W  NN 32×128×784`. */
  label: string;
  phase: Phase;
}

export interface KernelCall extends Work {
  kernel: KernelName;
  /** Current arguments (slots hold their last value). */
  readonly args: readonly number[];
  label: string;
  phase: Phase;
}

/** Collects the calls of one program in order (what layers and optimizers write to). */
export type Emit = (call: CallSpec) => void;

type Callable = (...args: number[]) => number | void;

/** What a program runs its calls on: an arena's raw exports, its split kernels, and which calls split. */
export interface KernelHost {
  readonly exports: KernelExports;
  readonly parallel: ParallelKernels;
  splits(kernel: string, args: readonly number[]): boolean;
}

export class StepProgram {
  readonly calls: readonly KernelCall[];
  private readonly fns: readonly Callable[];
  private readonly argv: number[][];
  /** Per slot, flat (call, argument, plus) triples: set runs at every step, in the interpreter too while fit's loop warms up. */
  private readonly slots: Record<Slot, number[]> = { indices: [], step: [], seed: [] };
  private readonly firstOfPhase = new Map<Phase, number>();

  /**
   * A call runs the arena's split kernel when it splits over threads (too little work stays on
   * the calling thread, decided here once, not on every call), else the raw export.
   */
  constructor(specs: readonly CallSpec[], arena: KernelHost) {
    this.argv = specs.map((spec, c) =>
      taggedList(
        spec.args.map((arg, a) => {
          if (typeof arg === 'number') return arg;
          this.slots[arg.slot].push(c, a, arg.plus ?? 0);
          return arg.plus ?? 0;
        }),
      ),
    );
    this.calls = specs.map(({ args: _, ...rest }, c) => ({ ...rest, args: this.argv[c]! }));
    specs.forEach(({ phase }, c) => {
      if (!this.firstOfPhase.has(phase)) this.firstOfPhase.set(phase, c);
    });
    this.fns = specs.map(
      ({ kernel }, c) =>
        (arena.splits(kernel, this.argv[c]!)
          ? (arena.parallel as Partial<KernelExports>)[kernel]!
          : arena.exports[kernel]) as Callable,
    );
  }

  /** Sets every argument that is `slot` to `value` plus its `plus` (a no-op when no call takes it; until set, each holds its `plus`). */
  set(slot: Slot, value: number): void {
    const triples = this.slots[slot];
    for (let t = 0; t < triples.length; t += 3)
      this.argv[triples[t]!]![triples[t + 1]!] = (value + triples[t + 2]!) | 0;
  }

  /** Index of the first call of `phase`, or the number of calls when there is none. */
  indexOf(phase: Phase): number {
    return this.firstOfPhase.get(phase) ?? this.calls.length;
  }

  /** Runs call `i` once; returns what the kernel returns (the loss, for softmax_crossentropy). */
  call(i: number): number | void {
    return this.fns[i]!(...this.argv[i]!);
  }

  /** Runs calls [from, to) in order. */
  run(from = 0, to = this.calls.length): void {
    for (let i = from; i < to; i++) this.fns[i]!(...this.argv[i]!);
  }
}

/**
 * `values` in an array that V8 stores as tagged values, not as the unboxed doubles an array of
 * numbers with one fraction among them becomes. Spreading unboxed doubles into a call boxes every
 * one into a new heap number, at every call: 208 bytes for eight arguments, ~1.3 KB per training
 * step of ten calls. Until a minor GC has run twice, the young generation's pages are touched for
 * the first time, and a page fault here costs ~10 µs (a VM): a cold process's first two epochs of
 * 784-10-10 SGD b32 ran about a third of their steps ~25 % slower, between one GC and the next. Holding
 * tagged values, spreading copies them and allocates nothing. An array's elements only become more
 * general, so one that once held a non-number keeps tagged elements after it is emptied.
 */
function taggedList(values: readonly number[]): number[] {
  const list: unknown[] = [null];
  list.pop();
  list.push(...values);
  return list as number[];
}
