// Bias broadcast over the batch and its gradient. Conventions: see gemm.ts.

// out[r, c] = inp[r, c] + bias[c] for a rows×cols matrix and a bias of length cols.
// Any rows, cols ≥ 1. out may alias inp (the usual in-place use after a GEMM); bias must not
// overlap out. Overwrites out.
export function bias_forward(out: usize, inp: usize, bias: usize, rows: i32, cols: i32): void {
  const rowBytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    const o = out + <usize>r * rowBytes, x = inp + <usize>r * rowBytes;
    let c = 0;
    if (ASC_FEATURE_SIMD) {
      for (; c + 4 <= cols; c += 4) {
        const off = <usize>c << 2;
        v128.store(o + off, f32x4.add(v128.load(x + off), v128.load(bias + off)));
      }
    }
    addBiasRow(o, x, bias, c, cols);
  }
}

// Scalar twin of bias_forward (same contract).
export function bias_forward_scalar(out: usize, inp: usize, bias: usize, rows: i32, cols: i32): void {
  const rowBytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++) addBiasRow(out + <usize>r * rowBytes, inp + <usize>r * rowBytes, bias, 0, cols);
}

// @ts-ignore: decorator
@inline function addBiasRow(out: usize, inp: usize, bias: usize, from: i32, to: i32): void {
  for (let c = from; c < to; c++) {
    const off = <usize>c << 2;
    store<f32>(out + off, load<f32>(inp + off) + load<f32>(bias + off));
  }
}

// dbias[c] (+)= Σ_r dout[r, c]: the bias gradient, a column sum over the batch of a rows×cols
// matrix. Any rows, cols ≥ 1. dbias must not overlap dout. accumulate = 0 overwrites dbias,
// 1 adds to it. Sums run in row order, in f32.
export function bias_backward(dbias: usize, dout: usize, rows: i32, cols: i32, accumulate: i32): void {
  let c = 0;
  if (ASC_FEATURE_SIMD) {
    const rowBytes = <usize>cols << 2;
    for (; c + 4 <= cols; c += 4) {
      const off = <usize>c << 2;
      let acc = accumulate ? v128.load(dbias + off) : f32x4.splat(0);
      let p = dout + off;
      for (let r = 0; r < rows; r++) {
        acc = f32x4.add(acc, v128.load(p));
        p += rowBytes;
      }
      v128.store(dbias + off, acc);
    }
  }
  sumColumns(dbias, dout, rows, cols, c, accumulate);
}

// Scalar twin of bias_backward (same contract).
export function bias_backward_scalar(dbias: usize, dout: usize, rows: i32, cols: i32, accumulate: i32): void {
  sumColumns(dbias, dout, rows, cols, 0, accumulate);
}

// Column sums of columns [from, cols).
// @ts-ignore: decorator
@inline function sumColumns(dbias: usize, dout: usize, rows: i32, cols: i32, from: i32, accumulate: i32): void {
  for (let c = from; c < cols; c++) {
    const off = <usize>c << 2;
    let acc: f32 = accumulate ? load<f32>(dbias + off) : 0;
    for (let r = 0; r < rows; r++) acc += load<f32>(dout + ((<usize>r * cols) << 2) + off);
    store<f32>(dbias + off, acc);
  }
}
