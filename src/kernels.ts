// Typed, validated wrappers over the raw kernels of one arena. The kernels trust their inputs;
// everything that could make them read or write out of place is checked here first, with the
// checks in checks.ts: that each argument is a Tensor of this arena, its dtype, its rank and shape
// against the others, its bounds, forbidden overlaps, and index values (labels, row indices).
// Errors are TypeError (wrong kind of argument) or RangeError (wrong size or value) and name the
// argument and both shapes.
//
// The wrappers live by kernel family in kernels/: gemm.ts (sgemm, dense and sparse layers),
// elementwise.ts (bias, ReLU, sigmoid, tanh, dropout, gathers), softmax.ts (softmax,
// cross-entropy, metrics) and optim.ts (SGD, momentum, Adam). Each family's class extends the
// one before it, from base.ts up, only so that Kernels is one object with every method; no family
// calls another's methods.
import { OptimKernels } from './kernels/optim.js';

export type { ScalarOption } from './kernels/base.js';
export type { GemmOptions } from './kernels/gemm.js';
export {
  dropoutThreshold,
  dropoutScale,
  type DropoutOptions,
  type DropoutForwardOptions,
} from './kernels/elementwise.js';
export { ADAM_DEFAULTS, type AdamOptions } from './kernels/optim.js';

export class Kernels extends OptimKernels {}
