// ReLU forward and backward. Conventions (units, alignment, trust): see gemm.ts.

// out[i] = max(inp[i], 0) for i < n. Any n ≥ 0. out may alias inp (in-place ReLU); overwrites out.
export function relu_forward(out: usize, inp: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const zero = f32x4.splat(0);
    for (; i + 4 <= n; i += 4) {
      const off = <usize>i << 2;
      v128.store(out + off, f32x4.max(v128.load(inp + off), zero));
    }
  }
  const off = <usize>i << 2;
  relu_forward_scalar(out + off, inp + off, n - i);
}

// Scalar twin of relu_forward (same contract): the SIMD tail, the no-SIMD build, the oracle.
export function relu_forward_scalar(out: usize, inp: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const off = <usize>i << 2;
    store<f32>(out + off, Mathf.max(load<f32>(inp + off), 0));
  }
}

// dinp[i] = dout[i] if z[i] > 0 else 0, for i < n, where z is the ReLU's input (pre-activation).
// Any n ≥ 0. dinp may alias dout (in-place); z must not alias dinp. Overwrites dinp.
export function relu_backward(dinp: usize, dout: usize, z: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const zero = f32x4.splat(0);
    for (; i + 4 <= n; i += 4) {
      const off = <usize>i << 2;
      const active = f32x4.gt(v128.load(z + off), zero);
      v128.store(dinp + off, v128.and(v128.load(dout + off), active));
    }
  }
  const off = <usize>i << 2;
  relu_backward_scalar(dinp + off, dout + off, z + off, n - i);
}

// Scalar twin of relu_backward (same contract).
export function relu_backward_scalar(dinp: usize, dout: usize, z: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const off = <usize>i << 2;
    store<f32>(dinp + off, load<f32>(z + off) > 0 ? load<f32>(dout + off) : 0);
  }
}
