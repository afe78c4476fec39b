// sparse_forward_u8 and sparse_backward_weights_u8 (with their scalar twins) on sparse rows built
// from u8 pixels (70 % zeros, plus an all-zero and an all-non-zero row), for outputs around the
// f32x4 width and the 16-output register blocks, inputs around the column split, and the MLP's
// first layers. Three checks each:
//   - bit for bit equal to their scalar twins, and to the dense kernels' scalar twins on the same
//     pixels (each element is the same f32 sum in the same order; zero bytes add nothing);
//   - against a float64 reference within max(1e-5, 1e-6·|ref|)·√(K + 1) (K = inputs forward, rows
//     for the weight gradient), the tolerance of dense.spec.ts;
//   - nothing written outside the output (or the workspace), no input modified.
// Column shares of the weight gradient (sparseBackwardWeightsU8, as parallel_run splits it) must
// reproduce the whole call exactly (SIMD build; the scalar build never splits a call). From
// sparse_blocked_min_rows() rows the gradient sums in fixed row blocks instead: there the SIMD
// kernel must equal its scalar twin bit for bit, and so must any split of the blocks and of the
// final sum over threads; against the dense twin (one sum over all rows) it differs by rounding.
import {
  sparse_backward_weights_u8, sparse_backward_weights_u8_scalar, sparse_forward_u8, sparse_forward_u8_scalar,
  ROW_BLOCKS, sparse_blocked_min_rows, sparse_workspace_bytes, sparseBackwardWeightsU8, sparseWeightBlocks, reduceWeightBlocks,
} from "../../assembly/sparse";
import { dense_backward_weights_u8_scalar, dense_forward_u8_scalar } from "../../assembly/dense";
import { below, Buffer, close, fail, fillNaN, fillUniform, mismatch, seed, SparseRows } from "./helpers";

const SCALE: f32 = <f32>1 / <f32>255;
const PIXEL_ROWS = 23;

// Pixels with about 70 % zeros; row 1 all zero, row 2 all non-zero.
function sparsePixels(inputs: i32): Buffer<u8> {
  const pixels = new Buffer<u8>(PIXEL_ROWS * inputs);
  for (let i = 0; i < PIXEL_ROWS * inputs; i++) pixels[i] = below(10) < 7 ? 0 : <u8>(1 + below(255));
  for (let c = 0; c < inputs; c++) { pixels[inputs + c] = 0; pixels[2 * inputs + c] = <u8>(1 + below(255)); }
  return pixels;
}

// Row numbers with repeats; the all-zero and all-non-zero rows always appear.
function randomIndices(count: i32): Buffer<i32> {
  const indices = new Buffer<i32>(count);
  for (let r = 0; r < count; r++) indices[r] = below(PIXEL_ROWS);
  indices[0] = 2;
  if (count > 1) indices[count - 1] = 1;
  return indices;
}

function shape(name: string, rows: i32, inputs: i32, outputs: i32): string {
  return name + " rows×inputs×outputs = " + rows.toString() + "×" + inputs.toString() + "×" + outputs.toString();
}

function where(name: string, rows: i32, inputs: i32, outputs: i32, i: i32, j: i32): string {
  return shape(name, rows, inputs, outputs) + ": [" + i.toString() + ", " + j.toString() + "]";
}

function sameBits(got: Buffer<f32>, want: Buffer<f32>, what: string): void {
  if (got.sameAs(want)) return;
  for (let i = 0; i < got.length; i++) {
    if (reinterpret<u32>(got[i]) != reinterpret<u32>(want[i])) {
      fail(what + ": element " + i.toString() + " is " + got[i].toString() + " but " + want[i].toString() + " is expected bit for bit");
      return;
    }
  }
}

function checkForward(rows: i32, inputs: i32, outputs: i32, relu: i32): void {
  const pixels = sparsePixels(inputs), sparse = new SparseRows(pixels, PIXEL_ROWS, inputs), indices = randomIndices(rows);
  const W = fillUniform(new Buffer<f32>(inputs * outputs), -1, 1), b = fillUniform(new Buffer<f32>(outputs), -1, 1);
  const starts0 = sparse.starts.copy(), entries0 = sparse.entries.copy(), indices0 = indices.copy(), W0 = W.copy(), b0 = b.copy();
  const out = fillNaN(new Buffer<f32>(rows * outputs)), twin = fillNaN(new Buffer<f32>(rows * outputs)), dense = fillNaN(new Buffer<f32>(rows * outputs));
  sparse_forward_u8(out.ptr, sparse.starts.ptr, sparse.entries.ptr, indices.ptr, W.ptr, b.ptr, rows, outputs, SCALE, relu);
  sparse_forward_u8_scalar(twin.ptr, sparse.starts.ptr, sparse.entries.ptr, indices.ptr, W.ptr, b.ptr, rows, outputs, SCALE, relu);
  dense_forward_u8_scalar(dense.ptr, pixels.ptr, indices.ptr, W.ptr, b.ptr, rows, inputs, outputs, SCALE, relu, 0);
  const name = relu ? "sparse_forward_u8 relu" : "sparse_forward_u8";
  sameBits(out, twin, shape(name + " against its scalar twin", rows, inputs, outputs));
  sameBits(out, dense, shape(name + " against dense_forward_u8_scalar", rows, inputs, outputs));
  const factor = Math.sqrt(<f64>(inputs + 1));
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < outputs; j++) {
      let ref = <f64>b[j];
      for (let p = 0; p < inputs; p++) ref += <f64>(<f32>pixels[indices[i] * inputs + p] * SCALE) * <f64>W[p * outputs + j];
      if (relu) ref = Math.max(ref, 0);
      const got = <f64>out[i * outputs + j];
      if (!close(got, ref, factor)) mismatch(got, ref, where(name, rows, inputs, outputs, i, j));
    }
  }
  if (!out.guardsIntact() || !twin.guardsIntact()) fail(shape(name + " wrote outside out", rows, inputs, outputs));
  if (!sparse.starts.sameAs(starts0) || !sparse.entries.sameAs(entries0) || !indices.sameAs(indices0) || !W.sameAs(W0) || !b.sameAs(b0)) {
    fail(shape(name + " modified an input", rows, inputs, outputs));
  }
  pixels.free(); sparse.free(); indices.free(); W.free(); b.free();
  starts0.free(); entries0.free(); indices0.free(); W0.free(); b0.free(); out.free(); twin.free(); dense.free();
}

function checkWeights(rows: i32, inputs: i32, outputs: i32): void {
  const pixels = sparsePixels(inputs), sparse = new SparseRows(pixels, PIXEL_ROWS, inputs), indices = randomIndices(rows);
  const dout = fillUniform(new Buffer<f32>(rows * outputs), -1, 1);
  const starts0 = sparse.starts.copy(), entries0 = sparse.entries.copy(), indices0 = indices.copy(), dout0 = dout.copy();
  const ws = new Buffer<u8>(<i32>sparse_workspace_bytes(rows, inputs, outputs));
  const blocked = rows >= sparse_blocked_min_rows();
  const dW = fillNaN(new Buffer<f32>(inputs * outputs)), twin = fillNaN(new Buffer<f32>(inputs * outputs)), dense = fillNaN(new Buffer<f32>(inputs * outputs));
  sparse_backward_weights_u8(dW.ptr, sparse.starts.ptr, sparse.entries.ptr, indices.ptr, dout.ptr, rows, inputs, outputs, SCALE, ws.ptr);
  sparse_backward_weights_u8_scalar(twin.ptr, sparse.starts.ptr, sparse.entries.ptr, indices.ptr, dout.ptr, rows, inputs, outputs, SCALE, ws.ptr);
  dense_backward_weights_u8_scalar(dense.ptr, pixels.ptr, indices.ptr, dout.ptr, rows, inputs, outputs, SCALE, 0);
  sameBits(dW, twin, shape("sparse_backward_weights_u8 against its scalar twin", rows, inputs, outputs));
  if (!blocked) sameBits(dW, dense, shape("sparse_backward_weights_u8 against dense_backward_weights_u8_scalar", rows, inputs, outputs));
  const factor = Math.sqrt(<f64>rows);
  for (let i = 0; i < inputs; i++) {
    for (let j = 0; j < outputs; j++) {
      let ref: f64 = 0;
      for (let r = 0; r < rows; r++) ref += <f64>(<f32>pixels[indices[r] * inputs + i] * SCALE) * <f64>dout[r * outputs + j];
      const got = <f64>dW[i * outputs + j];
      if (!close(got, ref, factor)) mismatch(got, ref, where("sparse_backward_weights_u8", rows, inputs, outputs, i, j));
    }
  }
  // Column shares, as parallel_run gives them to T threads (SIMD builds only), in an order other than 0, 1, …
  const THREADS: i32[] = [2, 3, 7];
  for (let k = 0; ASC_FEATURE_SIMD && k < THREADS.length; k++) {
    const T = THREADS[k];
    const shares = fillNaN(new Buffer<f32>(inputs * outputs));
    for (let t = T - 1; t >= 0; t--) {
      if (blocked) sparseWeightBlocks(sparse.starts.ptr, sparse.entries.ptr, indices.ptr, dout.ptr, rows, inputs, outputs, SCALE, ws.ptr, ROW_BLOCKS * t / T, ROW_BLOCKS * (t + 1) / T);
      else sparseBackwardWeightsU8(shares.ptr, sparse.starts.ptr, sparse.entries.ptr, indices.ptr, dout.ptr, rows, inputs, outputs, SCALE, inputs * t / T, inputs * (t + 1) / T);
    }
    for (let t = 0; blocked && t < T; t++) reduceWeightBlocks(shares.ptr, ws.ptr, inputs, outputs, inputs * (T - 1 - t) / T, inputs * (T - t) / T);
    sameBits(shares, dW, shape("sparse_backward_weights_u8 in " + T.toString() + " column shares against the whole call", rows, inputs, outputs));
    shares.free();
  }
  if (!dW.guardsIntact() || !twin.guardsIntact()) fail(shape("sparse_backward_weights_u8 wrote outside dweights", rows, inputs, outputs));
  if (!ws.guardsIntact()) fail(shape("sparse_backward_weights_u8 wrote outside its workspace", rows, inputs, outputs));
  if (!sparse.starts.sameAs(starts0) || !sparse.entries.sameAs(entries0) || !indices.sameAs(indices0) || !dout.sameAs(dout0)) {
    fail(shape("sparse_backward_weights_u8 modified an input", rows, inputs, outputs));
  }
  pixels.free(); sparse.free(); indices.free(); dout.free(); starts0.free(); entries0.free(); indices0.free(); dout0.free();
  ws.free(); dW.free(); twin.free(); dense.free();
}

// Outputs around the f32x4 width and the 16-output blocks; inputs around the shares' boundaries.
const OUTPUTS: i32[] = [1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 13, 15, 16, 17, 19, 20, 31, 32, 33];
const INPUTS: i32[] = [1, 2, 3, 7, 16, 33];
const ROWS: i32[] = [1, 2, 5, 9];

describe("sparse_forward_u8", () => {
  test("outputs swept around 4 and 16, with and without ReLU", () => {
    seed(91);
    for (let o = 0; o < OUTPUTS.length; o++) {
      for (let s = 0; s < INPUTS.length; s++) {
        checkForward(ROWS[s % ROWS.length], INPUTS[s], OUTPUTS[o], 1);
        checkForward(ROWS[(s + 1) % ROWS.length], INPUTS[s], OUTPUTS[o], 0);
      }
    }
  });

  test("the MLP's first layers (784 → 10 and 784 → 128, batch 32)", () => {
    seed(92);
    checkForward(32, 784, 10, 1);
    checkForward(32, 784, 128, 1);
    checkForward(7, 784, 100, 0);
  });
});

describe("sparse_backward_weights_u8", () => {
  test("outputs swept around 4 and 16, inputs around the column shares", () => {
    seed(93);
    for (let o = 0; o < OUTPUTS.length; o++) {
      for (let s = 0; s < INPUTS.length; s++) checkWeights(ROWS[s % ROWS.length], INPUTS[s], OUTPUTS[o]);
    }
  });

  test("the MLP's first layers (784 → 10 and 784 → 128, batch 32)", () => {
    seed(94);
    checkWeights(32, 784, 10);
    checkWeights(32, 784, 128);
    checkWeights(7, 784, 100);
  });

  test("row blocks from sparse_blocked_min_rows() rows (a full batch): around the block edges, 10 and 17 outputs", () => {
    seed(95);
    const from = sparse_blocked_min_rows();
    checkWeights(from - 1, 5, 10);
    checkWeights(from, 5, 10);
    checkWeights(from + 7, 3, 17);
  });

  test("the workspace: none below sparse_blocked_min_rows() rows, then 16 partial gradients", () => {
    const from = sparse_blocked_min_rows();
    expect<f64>(sparse_workspace_bytes(32, 784, 128)).toBe(0);
    expect<f64>(sparse_workspace_bytes(32, 784, 10)).toBe(0);
    expect<f64>(sparse_workspace_bytes(from - 1, 3, 1)).toBe(0);
    expect<f64>(sparse_workspace_bytes(from, 784, 10)).toBe(16 * 784 * 10 * 4);
    expect<f64>(sparse_workspace_bytes(from, 784, 128)).toBe(16 * 784 * 128 * 4);
  });
});
