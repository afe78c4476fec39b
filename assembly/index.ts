// The module's ABI: every kernel, re-exported from its family's file.
export { sgemm, sgemm_scalar } from "./gemm";
export {
  dense_workspace_bytes, dense_forward, dense_forward_scalar, dense_forward_u8, dense_forward_u8_scalar,
  dense_backward_weights_u8, dense_backward_weights_u8_scalar, dense_backward_input, dense_backward_input_scalar,
} from "./dense";
export {
  sparse_workspace_bytes, sparse_blocked_min_rows, sparse_forward_u8, sparse_forward_u8_scalar, sparse_backward_weights_u8, sparse_backward_weights_u8_scalar,
} from "./sparse";
export { bias_forward, bias_forward_scalar, bias_backward, bias_backward_scalar } from "./bias";
export { relu_forward, relu_forward_scalar, relu_backward, relu_backward_scalar } from "./activations";
export {
  sigmoid_forward, sigmoid_forward_scalar, sigmoid_backward, sigmoid_backward_scalar,
  tanh_forward, tanh_forward_scalar, tanh_backward, tanh_backward_scalar,
} from "./sigmoid-tanh";
export { dropout_forward, dropout_forward_scalar, dropout_backward, dropout_backward_scalar } from "./dropout";
export {
  softmax_forward, softmax_forward_scalar, crossentropy_loss,
  softmax_crossentropy_backward, softmax_crossentropy_backward_scalar, softmax_crossentropy, softmax_crossentropy_scalar,
} from "./softmax";
export { argmax_rows, count_correct } from "./metrics";
export {
  sgd_update, sgd_update_scalar, momentum_update, momentum_update_scalar,
  adam_update, adam_update_scalar,
} from "./optim";
export {
  gather_images, gather_images_scalar, gather_labels, count_nonzero_u8, count_nonzero_u8_scalar, pack_sparse_u8, pack_sparse_u8_scalar,
} from "./data";
export { order_identity, order_shuffle } from "./order";
export { peak_flops, stream_copy, stream_sum } from "./limits";
export { parallel_run, parallel_control_bytes } from "./parallel";

// First byte the host may use for its arena: past the module's static data, 64-byte aligned.
export function arena_base(): usize {
  return (__heap_base + 63) & ~<usize>63;
}

// 2 in the relaxed-SIMD builds, 1 in the SIMD ones, 0 in the scalar one: the host reports the
// variant it really runs.
export function simd_build(): i32 {
  return ASC_FEATURE_RELAXED_SIMD ? 2 : ASC_FEATURE_SIMD ? 1 : 0;
}
