// The raw exports of a simdnet WASM module (assembly/index.ts). Pointers are byte offsets into
// the module's linear memory; sizes are in elements. Nothing here validates: see kernels.ts.
export interface KernelExports {
  sgemm(transA: number, transB: number, M: number, N: number, K: number,
    A: number, B: number, C: number, accumulate: number): void;
  sgemm_scalar(transA: number, transB: number, M: number, N: number, K: number,
    A: number, B: number, C: number, accumulate: number): void;
  /** Bytes of workspace dense_forward_u8 and dense_backward_weights_u8 need (any shapes). */
  dense_workspace_bytes(): number;
  dense_forward(out: number, inp: number, weights: number, bias: number, rows: number, inputs: number, outputs: number, relu: number): void;
  dense_forward_scalar(out: number, inp: number, weights: number, bias: number, rows: number, inputs: number, outputs: number, relu: number): void;
  dense_forward_u8(out: number, pixels: number, indices: number, weights: number, bias: number,
    rows: number, inputs: number, outputs: number, scale: number, relu: number, workspace: number): void;
  dense_forward_u8_scalar(out: number, pixels: number, indices: number, weights: number, bias: number,
    rows: number, inputs: number, outputs: number, scale: number, relu: number, workspace: number): void;
  dense_backward_weights_u8(dweights: number, pixels: number, indices: number, dout: number,
    rows: number, inputs: number, outputs: number, scale: number, workspace: number): void;
  dense_backward_weights_u8_scalar(dweights: number, pixels: number, indices: number, dout: number,
    rows: number, inputs: number, outputs: number, scale: number, workspace: number): void;
  /** Bytes of workspace sparse_backward_weights_u8 needs for these sizes. */
  sparse_workspace_bytes(rows: number, inputs: number, outputs: number): number;
  /** Rows from which sparse_backward_weights_u8 sums in fixed row blocks (two split calls on threads). */
  sparse_blocked_min_rows(): number;
  sparse_forward_u8(out: number, starts: number, entries: number, indices: number, weights: number, bias: number,
    rows: number, outputs: number, scale: number, relu: number): void;
  sparse_forward_u8_scalar(out: number, starts: number, entries: number, indices: number, weights: number, bias: number,
    rows: number, outputs: number, scale: number, relu: number): void;
  sparse_backward_weights_u8(dweights: number, starts: number, entries: number, indices: number, dout: number,
    rows: number, inputs: number, outputs: number, scale: number, workspace: number): void;
  sparse_backward_weights_u8_scalar(dweights: number, starts: number, entries: number, indices: number, dout: number,
    rows: number, inputs: number, outputs: number, scale: number, workspace: number): void;
  dense_backward_input(dinp: number, dout: number, weights: number, act: number, rows: number, inputs: number, outputs: number): void;
  dense_backward_input_scalar(dinp: number, dout: number, weights: number, act: number, rows: number, inputs: number, outputs: number): void;
  bias_forward(out: number, inp: number, bias: number, rows: number, cols: number): void;
  bias_forward_scalar(out: number, inp: number, bias: number, rows: number, cols: number): void;
  bias_backward(dbias: number, dout: number, rows: number, cols: number, accumulate: number): void;
  bias_backward_scalar(dbias: number, dout: number, rows: number, cols: number, accumulate: number): void;
  relu_forward(out: number, inp: number, n: number): void;
  relu_forward_scalar(out: number, inp: number, n: number): void;
  relu_backward(dinp: number, dout: number, z: number, n: number): void;
  relu_backward_scalar(dinp: number, dout: number, z: number, n: number): void;
  softmax_forward(probs: number, logits: number, rows: number, cols: number): void;
  softmax_forward_scalar(probs: number, logits: number, rows: number, cols: number): void;
  crossentropy_loss(probs: number, labels: number, rows: number, cols: number): number;
  softmax_crossentropy_backward(dlogits: number, probs: number, labels: number,
    rows: number, cols: number, scale: number): void;
  softmax_crossentropy_backward_scalar(dlogits: number, probs: number, labels: number,
    rows: number, cols: number, scale: number): void;
  /** Fused softmax, loss, correct count and gradient; returns the mean loss, stores the count (i32) at `correct`. */
  softmax_crossentropy(dlogits: number, logits: number, labels: number, rows: number, cols: number, scale: number, correct: number): number;
  softmax_crossentropy_scalar(dlogits: number, logits: number, labels: number, rows: number, cols: number, scale: number, correct: number): number;
  argmax_rows(out: number, x: number, rows: number, cols: number): void;
  count_correct(x: number, labels: number, rows: number, cols: number): number;
  sgd_update(params: number, grads: number, n: number, lr: number): void;
  sgd_update_scalar(params: number, grads: number, n: number, lr: number): void;
  momentum_update(params: number, grads: number, velocity: number, n: number, lr: number, momentum: number): void;
  momentum_update_scalar(params: number, grads: number, velocity: number, n: number, lr: number, momentum: number): void;
  adam_update(params: number, grads: number, m: number, v: number, n: number,
    lr: number, beta1: number, beta2: number, epsilon: number, step: number): void;
  adam_update_scalar(params: number, grads: number, m: number, v: number, n: number,
    lr: number, beta1: number, beta2: number, epsilon: number, step: number): void;
  gather_images(out: number, pixels: number, indices: number, count: number, rowLength: number, scale: number): void;
  gather_images_scalar(out: number, pixels: number, indices: number, count: number, rowLength: number, scale: number): void;
  gather_labels(out: number, labels: number, indices: number, count: number): void;
  /** Machine limits (assembly/limits.ts): iterations × 96 f32 FLOPs from registers; returns a checksum. */
  peak_flops(iterations: number): number;
  /** dst[i] = src[i] for n f32 elements: 8 bytes of traffic per element. */
  stream_copy(dst: number, src: number, n: number): void;
  /** Σ ptr[i] over n f32 elements: 4 bytes of traffic per element. */
  stream_sum(ptr: number, n: number): number;
  /** Thread t's share of the call described in the control block (assembly/parallel.ts). */
  parallel_run(control: number, t: number): void;
  /** Bytes of a threaded arena's control block. */
  parallel_control_bytes(): number;
  arena_base(): number;
  simd_build(): number;
}

/** Every export a simdnet build must provide, checked when a module is instantiated. */
export const KERNEL_EXPORT_NAMES: ReadonlyArray<keyof KernelExports> = [
  'sgemm', 'sgemm_scalar', 'dense_workspace_bytes', 'dense_forward', 'dense_forward_scalar', 'dense_forward_u8', 'dense_forward_u8_scalar',
  'dense_backward_weights_u8', 'dense_backward_weights_u8_scalar', 'dense_backward_input', 'dense_backward_input_scalar',
  'sparse_workspace_bytes', 'sparse_blocked_min_rows', 'sparse_forward_u8', 'sparse_forward_u8_scalar', 'sparse_backward_weights_u8', 'sparse_backward_weights_u8_scalar',
  'bias_forward', 'bias_forward_scalar', 'bias_backward', 'bias_backward_scalar',
  'relu_forward', 'relu_forward_scalar', 'relu_backward', 'relu_backward_scalar',
  'softmax_forward', 'softmax_forward_scalar', 'crossentropy_loss',
  'softmax_crossentropy_backward', 'softmax_crossentropy_backward_scalar', 'softmax_crossentropy', 'softmax_crossentropy_scalar', 'argmax_rows', 'count_correct',
  'sgd_update', 'sgd_update_scalar', 'momentum_update', 'momentum_update_scalar', 'adam_update', 'adam_update_scalar',
  'gather_images', 'gather_images_scalar', 'gather_labels', 'arena_base', 'simd_build',
  'peak_flops', 'stream_copy', 'stream_sum', 'parallel_run', 'parallel_control_bytes',
];

/** Which build of the module runs: `simd` (128-bit WASM SIMD) or `scalar` (no SIMD feature). */
export type Variant = 'simd' | 'scalar';
export const VARIANTS: readonly Variant[] = ['simd', 'scalar'];
