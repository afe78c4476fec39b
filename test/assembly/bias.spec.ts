// bias_forward / bias_backward and their scalar twins against float64 references.
//
// Tolerances: bias_forward rounds once: max(1e-5, 1e-6·|ref|). bias_backward is a rows-term f32
// column sum: max(1e-5, 1e-6·|ref|)·√rows, as the K-term dot products of gemm.spec.ts.
import { bias_backward, bias_backward_scalar, bias_forward, bias_forward_scalar } from "../../assembly/bias";
import { Buffer, close, fail, fillFrom, fillNaN, fillUniform, mismatch, seed, shape2, SIZES } from "./helpers";

const ROWS: i32[] = [1, 2, 3, 4, 5, 8, 9, 17, 32];
// Column counts around the 4-lane width, plus the layer widths of an MNIST MLP.
const COLS: i32[] = SIZES.concat([10, 128, 784]);

function at(name: string, rows: i32, cols: i32, i: i32): string {
  return name + " rows×cols = " + shape2(rows, cols) + (i < 0 ? "" : ": [" + i.toString() + "]");
}

// Runs bias_forward and its twin, out of place or in place, and checks them against inp + bias.
function checkForward(rows: i32, cols: i32, inPlace: bool): void {
  const n = rows * cols;
  const inp = fillUniform(new Buffer<f32>(n), -1, 1), inp0 = inp.copy();
  const bias = fillUniform(new Buffer<f32>(cols), -1, 1), bias0 = bias.copy();
  const out = inPlace ? inp.copy() : fillNaN(new Buffer<f32>(n));
  const twin = inPlace ? inp.copy() : fillNaN(new Buffer<f32>(n));
  bias_forward(out.ptr, inPlace ? out.ptr : inp.ptr, bias.ptr, rows, cols);
  bias_forward_scalar(twin.ptr, inPlace ? twin.ptr : inp.ptr, bias.ptr, rows, cols);
  const name = inPlace ? "in-place bias_forward" : "bias_forward";
  for (let i = 0; i < n; i++) {
    const ref = <f64>inp0[i] + <f64>bias0[i % cols];
    if (!close(out[i], ref)) mismatch(out[i], ref, at(name, rows, cols, i));
    if (!close(twin[i], ref)) mismatch(twin[i], ref, at(name + "_scalar", rows, cols, i));
  }
  if (!out.guardsIntact() || !twin.guardsIntact()) fail(at(name + " wrote outside out", rows, cols, -1));
  if (!inp.sameAs(inp0) || !bias.sameAs(bias0)) fail(at(name + " modified inp or bias", rows, cols, -1));
  inp.free(); inp0.free(); bias.free(); bias0.free(); out.free(); twin.free();
}

// Runs bias_backward and its twin and checks them against the float64 column sums.
function checkBackward(rows: i32, cols: i32, accumulate: i32): void {
  const dout = fillUniform(new Buffer<f32>(rows * cols), -1, 1), dout0 = dout.copy();
  const dbias0 = new Buffer<f32>(cols);
  if (accumulate) fillUniform(dbias0, -1, 1);
  else fillNaN(dbias0);
  const dbias = dbias0.copy(), twin = dbias0.copy();
  bias_backward(dbias.ptr, dout.ptr, rows, cols, accumulate);
  bias_backward_scalar(twin.ptr, dout.ptr, rows, cols, accumulate);
  const name = accumulate ? "bias_backward accumulate=1" : "bias_backward accumulate=0";
  const factor = Math.sqrt(<f64>rows);
  for (let c = 0; c < cols; c++) {
    let ref: f64 = accumulate ? <f64>dbias0[c] : 0;
    for (let r = 0; r < rows; r++) ref += <f64>dout[r * cols + c];
    if (!close(dbias[c], ref, factor)) mismatch(dbias[c], ref, at(name, rows, cols, c));
    if (!close(twin[c], ref, factor)) mismatch(twin[c], ref, at(name + " (scalar twin)", rows, cols, c));
  }
  if (!dbias.guardsIntact() || !twin.guardsIntact()) fail(at(name + " wrote outside dbias", rows, cols, -1));
  if (!dout.sameAs(dout0)) fail(at(name + " modified dout", rows, cols, -1));
  dout.free(); dout0.free(); dbias0.free(); dbias.free(); twin.free();
}

describe("bias_forward", () => {
  test("known values", () => {
    const inp = fillFrom(new Buffer<f32>(4), [1, 2, 3, 4]);
    const bias = fillFrom(new Buffer<f32>(2), [10, 20]);
    const out = fillNaN(new Buffer<f32>(4));
    bias_forward(out.ptr, inp.ptr, bias.ptr, 2, 2);
    const expected: f32[] = [11, 22, 13, 24];
    for (let i = 0; i < 4; i++) expect<f32>(out[i]).toBe(expected[i], at("bias_forward", 2, 2, i));
    inp.free(); bias.free(); out.free();
  });

  test("inp + bias broadcast over rows, for rows × cols around the vector width", () => {
    seed(21);
    for (let r = 0; r < ROWS.length; r++) for (let c = 0; c < COLS.length; c++) checkForward(ROWS[r], COLS[c], false);
  });

  test("in place (out == inp)", () => {
    seed(22);
    for (let r = 0; r < ROWS.length; r++) for (let c = 0; c < COLS.length; c++) checkForward(ROWS[r], COLS[c], true);
  });
});

describe("bias_backward", () => {
  test("known values, overwrite and accumulate", () => {
    const dout = fillFrom(new Buffer<f32>(6), [1, 2, 3, 4, 5, 6]);
    const dbias = fillNaN(new Buffer<f32>(2));
    bias_backward(dbias.ptr, dout.ptr, 3, 2, 0);
    expect<f32>(dbias[0]).toBe(9, "column 0 of [[1,2],[3,4],[5,6]]");
    expect<f32>(dbias[1]).toBe(12, "column 1 of [[1,2],[3,4],[5,6]]");
    bias_backward(dbias.ptr, dout.ptr, 3, 2, 1);
    expect<f32>(dbias[0]).toBe(18, "column 0 accumulated twice");
    expect<f32>(dbias[1]).toBe(24, "column 1 accumulated twice");
    dout.free(); dbias.free();
  });

  test("column sums for rows × cols around the vector width, accumulate = 0", () => {
    seed(23);
    for (let r = 0; r < ROWS.length; r++) for (let c = 0; c < COLS.length; c++) checkBackward(ROWS[r], COLS[c], 0);
  });

  test("column sums for rows × cols around the vector width, accumulate = 1", () => {
    seed(24);
    for (let r = 0; r < ROWS.length; r++) for (let c = 0; c < COLS.length; c++) checkBackward(ROWS[r], COLS[c], 1);
  });
});
