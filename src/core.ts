// Everything that is the same in Node and in browsers; index.node.ts and index.browser.ts add
// the platform's loadSimdnet.
export type { KernelExports, Variant } from './abi.js';
export { VARIANTS } from './abi.js';
export {
  Runtime,
  simdSupported,
  relaxedSimdSupported,
  resolveVariant,
  compileBytes,
  type KernelArena,
  type LoadOptions,
  type ModuleSource,
} from './runtime.js';
export { Arena, WASM32_MAX_BYTES, type ArenaPlan, type ArenaOptions, type TensorSpec } from './arena.js';
export { Tensor, formatShape, type DType } from './tensor.js';
export {
  Kernels,
  ADAM_DEFAULTS,
  dropoutThreshold,
  dropoutScale,
  type GemmOptions,
  type AdamOptions,
  type ScalarOption,
  type DropoutOptions,
  type DropoutForwardOptions,
} from './kernels.js';
export * from './network.js';
export {
  encodeCheckpoint,
  decodeCheckpoint,
  parameterCount,
  CHECKPOINT_VERSION,
  type Checkpoint,
} from './checkpoint.js';
export { SimdnetError, type SimdnetErrorCode } from './errors.js';
export { parseIdx, parseImages, parseLabels, type IdxImages, type IdxLabels } from './data/idx.js';
export { makeDataset, subset, type Dataset } from './data/dataset.js';
export { countNonzero, packSparseRows, sparseByDefault, SPARSE_MAX_DENSITY } from './data/sparse.js';
export { toMnistImage, inkFromRgba, MNIST_SIDE } from './data/digit.js';
