// dense_forward, dense_forward_u8, dense_backward_weights_u8 and dense_backward_input (with their
// scalar twins) against float64 references, for sizes around the tiles (4×8 row tiles, 8-row
// transposed tiles for ≤ 10 outputs, 16-column panels, 128-deep K panels) and the MLP's shapes.
//
// Tolerance: as gemm.spec.ts, max(1e-5, 1e-6·|ref|)·√(K + 1) for a dot product of K terms plus
// the bias (K = inputs forward, rows for the weight gradient, outputs for the input gradient).
// The u8 inputs enter the reference as the kernels take them, f32(byte)·f32(scale) rounded to f32,
// so the reference sees the same operands.
import {
  dense_backward_input, dense_backward_input_scalar, dense_backward_weights_u8, dense_backward_weights_u8_scalar,
  dense_forward, dense_forward_scalar, dense_forward_u8, dense_forward_u8_scalar, dense_workspace_bytes,
} from "../../assembly/dense";
import { below, Buffer, close, fail, fillNaN, fillUniform, mismatch, nextU32, seed, SIZES } from "./helpers";

const SCALE: f32 = <f32>1 / <f32>255;
const PIXEL_ROWS = 41;

function shape(name: string, rows: i32, inputs: i32, outputs: i32): string {
  return name + " rows×inputs×outputs = " + rows.toString() + "×" + inputs.toString() + "×" + outputs.toString();
}

function where(name: string, rows: i32, inputs: i32, outputs: i32, i: i32, j: i32): string {
  return shape(name, rows, inputs, outputs) + ": [" + i.toString() + ", " + j.toString() + "]";
}

function randomBytes(n: i32): Buffer<u8> {
  const bytes = new Buffer<u8>(n);
  for (let i = 0; i < n; i++) bytes[i] = <u8>(nextU32() >>> 24);
  return bytes;
}

// Row numbers in [0, PIXEL_ROWS) with repeats; the first and last pixel rows always appear.
function randomIndices(count: i32): Buffer<i32> {
  const indices = new Buffer<i32>(count);
  for (let r = 0; r < count; r++) indices[r] = below(PIXEL_ROWS);
  indices[0] = PIXEL_ROWS - 1;
  if (count > 1) indices[count - 1] = 0;
  return indices;
}

// The input as the u8 kernels use it: f32(byte) · scale, rounded to f32.
// @ts-ignore: decorator
@inline function pixel(pixels: Buffer<u8>, indices: Buffer<i32>, inputs: i32, r: i32, p: i32): f64 {
  return <f64>(<f32>pixels[indices[r] * inputs + p] * SCALE);
}

// Activations as a ReLU leaves them: about a third exact zeros, the rest positive.
function randomActivations(n: i32): Buffer<f32> {
  const act = fillUniform(new Buffer<f32>(n), -0.5, 1);
  for (let i = 0; i < n; i++) if (act[i] < 0) act[i] = 0;
  return act;
}

function checkForward(rows: i32, inputs: i32, outputs: i32, relu: i32): void {
  const x = fillUniform(new Buffer<f32>(rows * inputs), -1, 1), W = fillUniform(new Buffer<f32>(inputs * outputs), -1, 1);
  const b = fillUniform(new Buffer<f32>(outputs), -1, 1);
  const x0 = x.copy(), W0 = W.copy(), b0 = b.copy();
  const out = fillNaN(new Buffer<f32>(rows * outputs)), twin = fillNaN(new Buffer<f32>(rows * outputs));
  dense_forward(out.ptr, x.ptr, W.ptr, b.ptr, rows, inputs, outputs, relu);
  dense_forward_scalar(twin.ptr, x.ptr, W.ptr, b.ptr, rows, inputs, outputs, relu);
  const factor = Math.sqrt(<f64>(inputs + 1));
  const name = relu ? "dense_forward relu" : "dense_forward";
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < outputs; j++) {
      let ref = <f64>b[j];
      for (let p = 0; p < inputs; p++) ref += <f64>x[i * inputs + p] * <f64>W[p * outputs + j];
      if (relu) ref = Math.max(ref, 0);
      const got = <f64>out[i * outputs + j], alt = <f64>twin[i * outputs + j];
      if (!close(got, ref, factor)) mismatch(got, ref, where(name, rows, inputs, outputs, i, j));
      if (!close(alt, ref, factor)) mismatch(alt, ref, where(name + " (scalar twin)", rows, inputs, outputs, i, j));
    }
  }
  if (!out.guardsIntact() || !twin.guardsIntact()) fail(shape(name + " wrote outside out", rows, inputs, outputs));
  if (!x.sameAs(x0) || !W.sameAs(W0) || !b.sameAs(b0)) fail(shape(name + " modified an input", rows, inputs, outputs));
  x.free(); W.free(); b.free(); x0.free(); W0.free(); b0.free(); out.free(); twin.free();
}

function checkForwardU8(rows: i32, inputs: i32, outputs: i32, relu: i32): void {
  const pixels = randomBytes(PIXEL_ROWS * inputs), indices = randomIndices(rows);
  const W = fillUniform(new Buffer<f32>(inputs * outputs), -1, 1), b = fillUniform(new Buffer<f32>(outputs), -1, 1);
  const pixels0 = pixels.copy(), indices0 = indices.copy(), W0 = W.copy(), b0 = b.copy();
  const ws = new Buffer<u8>(dense_workspace_bytes());
  const out = fillNaN(new Buffer<f32>(rows * outputs)), twin = fillNaN(new Buffer<f32>(rows * outputs));
  dense_forward_u8(out.ptr, pixels.ptr, indices.ptr, W.ptr, b.ptr, rows, inputs, outputs, SCALE, relu, ws.ptr);
  dense_forward_u8_scalar(twin.ptr, pixels.ptr, indices.ptr, W.ptr, b.ptr, rows, inputs, outputs, SCALE, relu, ws.ptr);
  const factor = Math.sqrt(<f64>(inputs + 1));
  const name = relu ? "dense_forward_u8 relu" : "dense_forward_u8";
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < outputs; j++) {
      let ref = <f64>b[j];
      for (let p = 0; p < inputs; p++) ref += pixel(pixels, indices, inputs, i, p) * <f64>W[p * outputs + j];
      if (relu) ref = Math.max(ref, 0);
      const got = <f64>out[i * outputs + j], alt = <f64>twin[i * outputs + j];
      if (!close(got, ref, factor)) mismatch(got, ref, where(name, rows, inputs, outputs, i, j));
      if (!close(alt, ref, factor)) mismatch(alt, ref, where(name + " (scalar twin)", rows, inputs, outputs, i, j));
    }
  }
  if (!out.guardsIntact() || !twin.guardsIntact()) fail(shape(name + " wrote outside out", rows, inputs, outputs));
  if (!ws.guardsIntact()) fail(shape(name + " wrote outside its workspace", rows, inputs, outputs));
  if (!pixels.sameAs(pixels0) || !indices.sameAs(indices0) || !W.sameAs(W0) || !b.sameAs(b0)) fail(shape(name + " modified an input", rows, inputs, outputs));
  pixels.free(); indices.free(); W.free(); b.free(); pixels0.free(); indices0.free(); W0.free(); b0.free();
  ws.free(); out.free(); twin.free();
}

function checkWeightsU8(rows: i32, inputs: i32, outputs: i32): void {
  const pixels = randomBytes(PIXEL_ROWS * inputs), indices = randomIndices(rows);
  const dout = fillUniform(new Buffer<f32>(rows * outputs), -1, 1);
  const pixels0 = pixels.copy(), indices0 = indices.copy(), dout0 = dout.copy();
  const ws = new Buffer<u8>(dense_workspace_bytes());
  const dW = fillNaN(new Buffer<f32>(inputs * outputs)), twin = fillNaN(new Buffer<f32>(inputs * outputs));
  dense_backward_weights_u8(dW.ptr, pixels.ptr, indices.ptr, dout.ptr, rows, inputs, outputs, SCALE, ws.ptr);
  dense_backward_weights_u8_scalar(twin.ptr, pixels.ptr, indices.ptr, dout.ptr, rows, inputs, outputs, SCALE, ws.ptr);
  const factor = Math.sqrt(<f64>rows);
  for (let i = 0; i < inputs; i++) {
    for (let j = 0; j < outputs; j++) {
      let ref: f64 = 0;
      for (let r = 0; r < rows; r++) ref += pixel(pixels, indices, inputs, r, i) * <f64>dout[r * outputs + j];
      const got = <f64>dW[i * outputs + j], alt = <f64>twin[i * outputs + j];
      if (!close(got, ref, factor)) mismatch(got, ref, where("dense_backward_weights_u8", rows, inputs, outputs, i, j));
      if (!close(alt, ref, factor)) mismatch(alt, ref, where("dense_backward_weights_u8_scalar", rows, inputs, outputs, i, j));
    }
  }
  if (!dW.guardsIntact() || !twin.guardsIntact()) fail(shape("dense_backward_weights_u8 wrote outside dweights", rows, inputs, outputs));
  if (!ws.guardsIntact()) fail(shape("dense_backward_weights_u8 wrote outside its workspace", rows, inputs, outputs));
  if (!pixels.sameAs(pixels0) || !indices.sameAs(indices0) || !dout.sameAs(dout0)) fail(shape("dense_backward_weights_u8 modified an input", rows, inputs, outputs));
  pixels.free(); indices.free(); dout.free(); pixels0.free(); indices0.free(); dout0.free(); ws.free(); dW.free(); twin.free();
}

function checkBackwardInput(rows: i32, inputs: i32, outputs: i32): void {
  const dout = fillUniform(new Buffer<f32>(rows * outputs), -1, 1), W = fillUniform(new Buffer<f32>(inputs * outputs), -1, 1);
  const act = randomActivations(rows * inputs);
  const dout0 = dout.copy(), W0 = W.copy(), act0 = act.copy();
  const dinp = fillNaN(new Buffer<f32>(rows * inputs)), twin = fillNaN(new Buffer<f32>(rows * inputs));
  dense_backward_input(dinp.ptr, dout.ptr, W.ptr, act.ptr, rows, inputs, outputs);
  dense_backward_input_scalar(twin.ptr, dout.ptr, W.ptr, act.ptr, rows, inputs, outputs);
  const factor = Math.sqrt(<f64>outputs);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < inputs; i++) {
      let ref: f64 = 0;
      for (let j = 0; j < outputs; j++) ref += <f64>dout[r * outputs + j] * <f64>W[i * outputs + j];
      if (!(act[r * inputs + i] > 0)) ref = 0;
      const got = <f64>dinp[r * inputs + i], alt = <f64>twin[r * inputs + i];
      if (!close(got, ref, factor)) mismatch(got, ref, where("dense_backward_input", rows, inputs, outputs, r, i));
      if (!close(alt, ref, factor)) mismatch(alt, ref, where("dense_backward_input_scalar", rows, inputs, outputs, r, i));
    }
  }
  if (!dinp.guardsIntact() || !twin.guardsIntact()) fail(shape("dense_backward_input wrote outside dinp", rows, inputs, outputs));
  if (!dout.sameAs(dout0) || !W.sameAs(W0) || !act.sameAs(act0)) fail(shape("dense_backward_input modified an input", rows, inputs, outputs));
  dout.free(); W.free(); act.free(); dout0.free(); W0.free(); act0.free(); dinp.free(); twin.free();
}

// While one size is swept, the other two take each of these pairs.
const OTHERS: i32[] = [7, 9, 16, 33];
// The MLP: 784 → 128 → 10 and 784 → 10 → 10 at batch 32 (rows, inputs, outputs).
const REAL: i32[] = [32, 784, 10, 32, 784, 128, 32, 128, 10, 32, 10, 10];

describe("dense_forward", () => {
  test("rows, inputs and outputs swept around the tiles, with and without ReLU", () => {
    seed(61);
    for (let s = 0; s < SIZES.length; s++) {
      for (let o = 0; o < OTHERS.length; o += 2) {
        const n = SIZES[s], x = OTHERS[o], y = OTHERS[o + 1];
        for (let relu = 0; relu <= 1; relu++) {
          checkForward(n, x, y, relu); checkForward(x, n, y, relu); checkForward(x, y, n, relu);
        }
      }
    }
  });

  test("K panels (inputs 127 to 257) and the MLP's shapes", () => {
    seed(62);
    const depths: i32[] = [127, 128, 129, 257];
    for (let d = 0; d < depths.length; d++) checkForward(9, depths[d], 10, 1);
    for (let s = 0; s < REAL.length; s += 3) checkForward(REAL[s], REAL[s + 1], REAL[s + 2], 1);
  });
});

describe("dense_forward_u8", () => {
  test("rows, inputs and outputs swept around the tiles and the 16-byte rows, with and without ReLU", () => {
    seed(63);
    for (let s = 0; s < SIZES.length; s++) {
      for (let o = 0; o < OTHERS.length; o += 2) {
        const n = SIZES[s], x = OTHERS[o], y = OTHERS[o + 1];
        for (let relu = 0; relu <= 1; relu++) {
          checkForwardU8(n, x, y, relu); checkForwardU8(x, n, y, relu); checkForwardU8(x, y, n, relu);
        }
      }
    }
  });

  test("both paths (10 and 11 outputs) over K panels (inputs 127 to 257, and 1100), and the MLP's first layers", () => {
    seed(64);
    const depths: i32[] = [127, 128, 129, 143, 257];
    for (let d = 0; d < depths.length; d++) {
      checkForwardU8(9, depths[d], 10, 1);
      checkForwardU8(9, depths[d], 11, 1);
    }
    checkForwardU8(32, 784, 10, 1);
    checkForwardU8(32, 784, 128, 1);
    checkForwardU8(70, 784, 10, 0);
    // Past the whole-depth packing (1024 inputs): packed one K panel at a time.
    checkForwardU8(9, 1100, 10, 1);
  });
});

describe("dense_backward_weights_u8", () => {
  test("rows, inputs and outputs swept around the tiles and the 16-column panels", () => {
    seed(65);
    for (let s = 0; s < SIZES.length; s++) {
      for (let o = 0; o < OTHERS.length; o += 2) {
        const n = SIZES[s], x = OTHERS[o], y = OTHERS[o + 1];
        checkWeightsU8(n, x, y); checkWeightsU8(x, n, y); checkWeightsU8(x, y, n);
      }
    }
  });

  test("batch panels (rows 127 to 257) for both paths, and the MLP's first layers", () => {
    seed(66);
    const depths: i32[] = [127, 128, 129, 257];
    for (let d = 0; d < depths.length; d++) {
      checkWeightsU8(depths[d], 17, 10);
      checkWeightsU8(depths[d], 17, 12);
    }
    checkWeightsU8(32, 784, 10);
    checkWeightsU8(32, 784, 128);
  });
});

describe("dense_backward_input", () => {
  test("rows, inputs and outputs swept (outputs around the NT switch at 32), masked by [act > 0]", () => {
    seed(67);
    for (let s = 0; s < SIZES.length; s++) {
      for (let o = 0; o < OTHERS.length; o += 2) {
        const n = SIZES[s], x = OTHERS[o], y = OTHERS[o + 1];
        checkBackwardInput(n, x, y); checkBackwardInput(x, n, y); checkBackwardInput(x, y, n);
      }
    }
  });

  test("the MLP's hidden layers: δ[32,10]·W[128,10]ᵀ and δ[32,10]·W[10,10]ᵀ, and deep K", () => {
    seed(68);
    checkBackwardInput(32, 128, 10);
    checkBackwardInput(32, 10, 10);
    checkBackwardInput(9, 17, 129);
  });
});
