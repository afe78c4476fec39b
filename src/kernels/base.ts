// The state every kernel family (kernels/*.ts) shares: the arena, its argument checks
// (checks.ts) and the raw and thread-split exports the wrappers call.
import type { KernelExports } from '../abi.js';
import type { ParallelKernels } from '../threads.js';
import { Checks } from '../checks.js';
import type { Arena } from '../arena.js';

export interface ScalarOption {
  /** Run the scalar twin instead of the variant's kernel (the in-module oracle). */
  scalar?: boolean;
}

export class KernelBase {
  protected readonly check: Checks;

  constructor(protected readonly arena: Arena) {
    this.check = new Checks(arena);
  }

  protected get raw(): KernelExports {
    return this.arena.exports;
  }
  /** The kernels a threaded arena splits over its threads; the raw exports on one thread. */
  protected get par(): ParallelKernels {
    return this.arena.parallel;
  }
}
