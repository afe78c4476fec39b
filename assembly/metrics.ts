// Class predictions and accuracy. Conventions: see gemm.ts.

// out[r] = the column of the largest value in row r of a rows×cols matrix; ties go to the lowest
// column (as tf.argMax). out holds rows i32 values and must not overlap x. Overwrites out.
// Row-wise compare-and-branch leaves little to vectorise at these widths: its own scalar twin.
export function argmax_rows(out: usize, x: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) store<i32>(out + (<usize>r << 2), argmaxRow(x + ((<usize>r * cols) << 2), cols));
}

// Number of rows r whose argmax equals labels[r] (i32), for a rows×cols score matrix. Reads only.
export function count_correct(x: usize, labels: usize, rows: i32, cols: i32): i32 {
  let correct = 0;
  for (let r = 0; r < rows; r++) {
    if (argmaxRow(x + ((<usize>r * cols) << 2), cols) == load<i32>(labels + (<usize>r << 2))) correct++;
  }
  return correct;
}

// @ts-ignore: decorator
@inline function argmaxRow(row: usize, cols: i32): i32 {
  let best = 0;
  let bestValue = load<f32>(row);
  for (let c = 1; c < cols; c++) {
    const v = load<f32>(row + (<usize>c << 2));
    if (v > bestValue) { bestValue = v; best = c; }
  }
  return best;
}
