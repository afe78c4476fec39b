// argmax_rows and count_correct against a reference scan. Both return indices, so every result
// must be exact; ties go to the lowest column, as tf.argMax.
import { argmax_rows, count_correct } from "../../assembly/metrics";
import { below, Buffer, fail, fillFrom, fillUniform, seed, shape2, SIZES } from "./helpers";

const ROWS: i32[] = [1, 2, 3, 5, 32];
const COLS: i32[] = SIZES.concat([10]);

function referenceArgmax(x: Buffer<f32>, r: i32, cols: i32): i32 {
  let best = 0;
  for (let c = 1; c < cols; c++) if (x[r * cols + c] > x[r * cols + best]) best = c;
  return best;
}

// Random scores; every third row repeats its maximum at a later column, so ties are common.
function scores(rows: i32, cols: i32): Buffer<f32> {
  const x = fillUniform(new Buffer<f32>(rows * cols), -1, 1);
  for (let r = 0; r < rows; r += 3) {
    const best = referenceArgmax(x, r, cols);
    if (best + 1 < cols) x[r * cols + best + 1 + below(cols - best - 1)] = x[r * cols + best];
  }
  return x;
}

function at(name: string, rows: i32, cols: i32, r: i32): string {
  return name + " rows×cols = " + shape2(rows, cols) + (r < 0 ? "" : ": row " + r.toString());
}

describe("argmax_rows", () => {
  test("known values, ties to the lowest column", () => {
    // [1,3,3,2] → 1 (tie); [5,5,5,5] → 0; [-1,-2,-3,-4] → 0; [0,0,0,7] → 3.
    const x = fillFrom(new Buffer<f32>(16), [1, 3, 3, 2, 5, 5, 5, 5, -1, -2, -3, -4, 0, 0, 0, 7]);
    const out = new Buffer<i32>(4);
    argmax_rows(out.ptr, x.ptr, 4, 4);
    expect<i32>(out[0]).toBe(1, "argmax [1, 3, 3, 2]");
    expect<i32>(out[1]).toBe(0, "argmax [5, 5, 5, 5]");
    expect<i32>(out[2]).toBe(0, "argmax [-1, -2, -3, -4]");
    expect<i32>(out[3]).toBe(3, "argmax [0, 0, 0, 7]");
    x.free(); out.free();
  });

  test("rows × cols with random ties", () => {
    seed(41);
    for (let a = 0; a < ROWS.length; a++) {
      for (let b = 0; b < COLS.length; b++) {
        const rows = ROWS[a], cols = COLS[b];
        const x = scores(rows, cols), x0 = x.copy();
        const out = new Buffer<i32>(rows);
        for (let r = 0; r < rows; r++) out[r] = -1;
        argmax_rows(out.ptr, x.ptr, rows, cols);
        for (let r = 0; r < rows; r++) {
          const ref = referenceArgmax(x, r, cols);
          if (out[r] != ref) expect<i32>(out[r]).toBe(ref, at("argmax_rows", rows, cols, r));
        }
        if (!out.guardsIntact()) fail(at("argmax_rows wrote outside out", rows, cols, -1));
        if (!x.sameAs(x0)) fail(at("argmax_rows modified x", rows, cols, -1));
        x.free(); x0.free(); out.free();
      }
    }
  });
});

describe("count_correct", () => {
  test("known values, ties to the lowest column", () => {
    const x = fillFrom(new Buffer<f32>(9), [0.1, 0.7, 0.2, 0.5, 0.5, 0, 0, 0, 1]);
    const labels = new Buffer<i32>(3);
    // Row 0 predicts 1 (right), row 1 predicts 0 by the tie (labelled 1: wrong), row 2 predicts 2 (right).
    labels[0] = 1; labels[1] = 1; labels[2] = 2;
    expect<i32>(count_correct(x.ptr, labels.ptr, 3, 3)).toBe(2, "2 of 3 correct");
    labels[1] = 0;
    expect<i32>(count_correct(x.ptr, labels.ptr, 3, 3)).toBe(3, "3 of 3 correct");
    labels[0] = 2; labels[1] = 2; labels[2] = 0;
    expect<i32>(count_correct(x.ptr, labels.ptr, 3, 3)).toBe(0, "0 of 3 correct");
    x.free(); labels.free();
  });

  test("rows × cols against the reference count", () => {
    seed(42);
    for (let a = 0; a < ROWS.length; a++) {
      for (let b = 0; b < COLS.length; b++) {
        const rows = ROWS[a], cols = COLS[b];
        const x = scores(rows, cols), x0 = x.copy();
        const labels = new Buffer<i32>(rows);
        let ref = 0;
        for (let r = 0; r < rows; r++) {
          // Half the labels are the right answer, so the count is neither 0 nor rows.
          labels[r] = r % 2 ? referenceArgmax(x, r, cols) : below(cols);
          if (labels[r] == referenceArgmax(x, r, cols)) ref++;
        }
        const labels0 = labels.copy();
        const got = count_correct(x.ptr, labels.ptr, rows, cols);
        if (got != ref) expect<i32>(got).toBe(ref, at("count_correct", rows, cols, -1));
        if (!x.sameAs(x0) || !labels.sameAs(labels0)) fail(at("count_correct modified an input", rows, cols, -1));
        x.free(); x0.free(); labels.free(); labels0.free();
      }
    }
  });
});
