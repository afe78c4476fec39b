// The first dense layer from sparse u8 rows: images stored as their non-zero bytes only.
//   sparse_forward_u8           out = act((scale · X[indices])·W + bias), X given as sparse rows;
//   sparse_backward_weights_u8  dW = (scale · X[indices])ᵀ·dout, the first layer's weight gradient.
// MNIST digits are about 81 % zero bytes: reading a row's ~150 non-zero bytes instead of its 784
// does a fifth of the multiply-adds and moves a fifth of the pixels, and a zero pixel contributes
// exactly +0 to a sum of finite products, so the results are bit for bit those of the dense
// kernels' scalar twins (dense_forward_u8_scalar, dense_backward_weights_u8_scalar), which sum in
// the same order, for finite weights and gradients (except a large call's weight gradient, which
// sums in row blocks: see below).
//
// Sparse rows (built by the host, src/data/sparse.ts), for `count` rows of `inputs` bytes:
//   starts   i32[count + 1]  row r's entries are entries[starts[r] … starts[r + 1]);
//   entries  u32[…]          (column << 8) | byte for every non-zero byte, columns increasing.
// Conventions: see gemm.ts. Weights are inputs×outputs row-major and bias has `outputs` elements
// (as dense.ts); indices are i32 row numbers < count (the host checks them); every kernel
// overwrites its output, which must not overlap its inputs. Each output element is one f32 sum in
// order of increasing column (forward) or of increasing r (weight gradient; in fixed blocks of
// rows for large calls, see below), the same in the SIMD kernels and their scalar twins, so the
// two agree exactly, and so does any split of the work over threads (parallel.ts).
import { madd } from "./simd";

// The weight gradient of a call with at least BLOCKED_MIN_ROWS rows (a full batch) sums its rows
// in ROW_BLOCKS fixed blocks, each into its own partial gradient in the workspace, then adds the
// partials in block order. Threads then split the blocks, each reading only its own rows' entries
// (a split of the columns has every thread read every row of a batch too large for cache), and
// the result still does not depend on the thread count. Smaller calls (mini-batches, whose rows
// are in cache) sum each element over all rows in order and split the columns.
const BLOCKED_MIN_ROWS = 4096;
export const ROW_BLOCKS = 16;

export function sparse_blocked_min_rows(): i32 {
  return BLOCKED_MIN_ROWS;
}

// Bytes of workspace sparse_backward_weights_u8 needs (a number, for it can pass 2³¹): the
// blocks' partial gradients for a blocked call, else nothing (the sums go to dW directly).
export function sparse_workspace_bytes(rows: i32, inputs: i32, outputs: i32): f64 {
  return rows >= BLOCKED_MIN_ROWS ? ROW_BLOCKS * <f64>inputs * <f64>outputs * 4 : 0;
}

// Where block k of ROW_BLOCKS starts among `rows` rows.
// @ts-ignore: decorator
@inline function blockStart(rows: i32, k: i32): i32 {
  return <i32>((<i64>rows * k) / ROW_BLOCKS);
}

// out (rows×outputs) = act(Σ over row indices[r]'s entries of (f32(byte) · scale) · W[column, :]
// + bias), act = ReLU when relu ≠ 0. SIMD: blocks of up to 16 outputs in registers, four f32x4
// whose last one is shifted left to end at the row's last output when outputs is not a multiple
// of 4 (the overlapped lanes compute the same sums twice and store the same values), so no read
// passes W's last element; fewer than 4 outputs run the scalar twin.
export function sparse_forward_u8(
  out: usize, starts: usize, entries: usize, indices: usize, weights: usize, bias: usize,
  rows: i32, outputs: i32, scale: f32, relu: i32,
): void {
  if (!ASC_FEATURE_SIMD || outputs < 4) {
    sparse_forward_u8_scalar(out, starts, entries, indices, weights, bias, rows, outputs, scale, relu);
    return;
  }
  if (rows <= TOUCH_MAX_ROWS) touchRows(starts, entries, indices, rows);
  // The seed's and the 784-10-10 presets' first layer: the loop with its width made a constant.
  if (outputs == 10) {
    forwardRows(10, out, starts, entries, indices, weights, bias, rows, scale, relu);
    return;
  }
  const wRowBytes = <usize>outputs << 2;
  for (let r = 0; r < rows; r++) {
    const row = <usize>load<i32>(indices + (<usize>r << 2)) << 2;
    const first = entries + (<usize>load<i32>(starts + row) << 2), end = entries + (<usize>load<i32>(starts + row, 4) << 2);
    const o = out + <usize>r * wRowBytes;
    for (let j = 0; j < outputs; j += 16) {
      const vectors = min(4, (outputs - j + 3) >> 2);
      if (vectors == 4) forwardBlock(4, o, first, end, weights, wRowBytes, bias, j, outputs, scale, relu);
      else if (vectors == 3) forwardBlock(3, o, first, end, weights, wRowBytes, bias, j, outputs, scale, relu);
      else if (vectors == 2) forwardBlock(2, o, first, end, weights, wRowBytes, bias, j, outputs, scale, relu);
      else forwardBlock(1, o, first, end, weights, wRowBytes, bias, j, outputs, scale, relu);
    }
  }
}

// sparse_forward_u8's rows for a constant `outputs` of 4 to 16 (one block): the weight rows'
// stride becomes a constant multiply and the vectors' offsets fold into the loads' addresses, a
// few instructions fewer per entry in a loop that is bound by its instruction count.
// @ts-ignore: decorator
@inline function forwardRows(
  outputs: i32, out: usize, starts: usize, entries: usize, indices: usize, weights: usize, bias: usize,
  rows: i32, scale: f32, relu: i32,
): void {
  const wRowBytes = <usize>outputs << 2;
  for (let r = 0; r < rows; r++) {
    const row = <usize>load<i32>(indices + (<usize>r << 2)) << 2;
    const first = entries + (<usize>load<i32>(starts + row) << 2), end = entries + (<usize>load<i32>(starts + row, 4) << 2);
    forwardBlock((outputs + 3) >> 2, out + <usize>r * wRowBytes, first, end, weights, wRowBytes, bias, 0, outputs, scale, relu);
  }
}

// A mini-batch's rows are drawn at random from the set, so each starts with cache misses, and the
// sums would wait for one row's misses after another's. Touching every cache line of every row
// first, in a loop whose iterations do not depend on each other, has the memory system fetch them
// all at once (a batch of 32 MNIST rows is about 20 KiB, which stays in cache for the sums and for
// the weight gradient after them). Larger calls stream their rows in order, which the hardware
// prefetcher already follows, and are not touched.
// The loads' sum goes unused, but a load can trap, so neither Binaryen nor V8 removes them.
const TOUCH_MAX_ROWS = 256;

function touchRows(starts: usize, entries: usize, indices: usize, rows: i32): void {
  let _unused: u32 = 0;
  for (let r = 0; r < rows; r++) {
    const row = <usize>load<i32>(indices + (<usize>r << 2)) << 2;
    const end = entries + (<usize>load<i32>(starts + row, 4) << 2);
    // From the start of the first entry's cache line (inside memory, as is any address below a valid one),
    // so that the line holding the row's last entry is touched too.
    for (let p = (entries + (<usize>load<i32>(starts + row) << 2)) & ~63; p < end; p += 64) _unused += load<u32>(p);
  }
}

// One row's outputs j … j + 4·vectors (the last vector shifted to end at `outputs`); `vectors` is
// a constant at every call, so the unused accumulators fold away.
// @ts-ignore: decorator
@inline function forwardBlock(
  vectors: i32, o: usize, first: usize, end: usize, weights: usize, wRowBytes: usize, bias: usize,
  j: i32, outputs: i32, scale: f32, relu: i32,
): void {
  const at0 = <usize>min(j, outputs - 4) << 2, at1 = <usize>min(j + 4, outputs - 4) << 2;
  const at2 = <usize>min(j + 8, outputs - 4) << 2, at3 = <usize>min(j + 12, outputs - 4) << 2;
  let acc0 = f32x4.splat(0), acc1 = f32x4.splat(0), acc2 = f32x4.splat(0), acc3 = f32x4.splat(0);
  for (let e = first; e < end; e += 4) {
    const entry = load<u32>(e);
    const x = entryValue(entry, scale);
    const w = weights + <usize>(entry >> 8) * wRowBytes;
    acc0 = madd(x, v128.load(w + at0), acc0);
    if (vectors > 1) acc1 = madd(x, v128.load(w + at1), acc1);
    if (vectors > 2) acc2 = madd(x, v128.load(w + at2), acc2);
    if (vectors > 3) acc3 = madd(x, v128.load(w + at3), acc3);
  }
  finishOutputs(o + at0, acc0, bias + at0, relu);
  if (vectors > 1) finishOutputs(o + at1, acc1, bias + at1, relu);
  if (vectors > 2) finishOutputs(o + at2, acc2, bias + at2, relu);
  if (vectors > 3) finishOutputs(o + at3, acc3, bias + at3, relu);
}

// An entry's byte times scale, in every lane. The byte is splatted and converted as a vector: the
// scalar conversion (f32.convert_i32_s, then a splat of the product) made the forward loop take
// 1.3–1.4× as long on Node 20 (60000 rows × 10 outputs, 32 × 128; Node 24 1.2–1.4× at 10 outputs,
// the same at 128), for the same values bit for bit. Converted as signed (the byte is below 2³¹
// either way): x64 has no unsigned i32x4 conversion, V8 emulates it.
// @ts-ignore: decorator
@inline function entryValue(entry: u32, scale: f32): v128 {
  return f32x4.mul(f32x4.convert_i32x4_s(i32x4.splat(entry & 255)), f32x4.splat(scale));
}

// @ts-ignore: decorator
@inline function finishOutputs(o: usize, acc: v128, bias: usize, relu: i32): void {
  let v = f32x4.add(acc, v128.load(bias));
  if (relu) v = f32x4.max(v, f32x4.splat(0));
  v128.store(o, v);
}

// Scalar twin of sparse_forward_u8 (same contract): one sum per output, entries in order.
export function sparse_forward_u8_scalar(
  out: usize, starts: usize, entries: usize, indices: usize, weights: usize, bias: usize,
  rows: i32, outputs: i32, scale: f32, relu: i32,
): void {
  for (let r = 0; r < rows; r++) {
    const row = <usize>load<i32>(indices + (<usize>r << 2)) << 2;
    const first = <usize>load<i32>(starts + row), end = <usize>load<i32>(starts + row, 4);
    for (let j = 0; j < outputs; j++) {
      let acc: f32 = 0;
      for (let e = first; e < end; e++) {
        const entry = load<u32>(entries + (e << 2));
        acc += (<f32>(entry & 255) * scale) * load<f32>(weights + ((<usize>(entry >> 8) * outputs + j) << 2));
      }
      const v = acc + load<f32>(bias + (<usize>j << 2));
      store<f32>(out + ((<usize>r * outputs + j) << 2), relu ? Mathf.max(v, 0) : v);
    }
  }
}

// dweights (inputs×outputs) = Σ_r (f32(byte) · scale) · dout[r, :] over the entries of row
// indices[r]: each element summed in order of increasing r, or, for rows ≥ BLOCKED_MIN_ROWS, in
// order within each of ROW_BLOCKS blocks and then over the blocks; zero where no row has the
// column. `workspace` holds sparse_workspace_bytes(rows, inputs, outputs) bytes (unused when that
// is 0) and must not overlap the other arguments.
export function sparse_backward_weights_u8(
  dweights: usize, starts: usize, entries: usize, indices: usize, dout: usize,
  rows: i32, inputs: i32, outputs: i32, scale: f32, workspace: usize,
): void {
  if (!ASC_FEATURE_SIMD) {
    sparse_backward_weights_u8_scalar(dweights, starts, entries, indices, dout, rows, inputs, outputs, scale, workspace);
  } else if (rows >= BLOCKED_MIN_ROWS) {
    sparseWeightBlocks(starts, entries, indices, dout, rows, inputs, outputs, scale, workspace, 0, ROW_BLOCKS);
    reduceWeightBlocks(dweights, workspace, inputs, outputs, 0, inputs);
  } else {
    sparseBackwardWeightsU8(dweights, starts, entries, indices, dout, rows, inputs, outputs, scale, 0, inputs);
  }
}

// Columns [c0, c1) of an unblocked sparse_backward_weights_u8 (rows c0 … c1 − 1 of dweights): a
// thread's share.
export function sparseBackwardWeightsU8(
  dweights: usize, starts: usize, entries: usize, indices: usize, dout: usize,
  rows: i32, inputs: i32, outputs: i32, scale: f32, c0: i32, c1: i32,
): void {
  const rowBytes = <usize>outputs << 2;
  memory.fill(dweights + <usize>c0 * rowBytes, 0, <usize>(c1 - c0) * rowBytes);
  accumulateRows(dweights, starts, entries, indices, dout, 0, rows, inputs, outputs, scale, c0, c1);
}

// Blocks [k0, k1) of a blocked sparse_backward_weights_u8: block k's rows summed into partial
// gradient k (inputs×outputs) of the workspace. A thread's share of the first phase.
export function sparseWeightBlocks(
  starts: usize, entries: usize, indices: usize, dout: usize,
  rows: i32, inputs: i32, outputs: i32, scale: f32, workspace: usize, k0: i32, k1: i32,
): void {
  const partial = <usize>inputs * outputs << 2;
  for (let k = k0; k < k1; k++) {
    const sums = workspace + <usize>k * partial;
    memory.fill(sums, 0, partial);
    accumulateRows(sums, starts, entries, indices, dout, blockStart(rows, k), blockStart(rows, k + 1), inputs, outputs, scale, 0, inputs);
  }
}

// Rows c0 … c1 − 1 of dweights = Σ over the ROW_BLOCKS partial gradients, in block order: the
// second phase of a blocked call (a thread's share), and the same code in both builds.
export function reduceWeightBlocks(dweights: usize, workspace: usize, inputs: i32, outputs: i32, c0: i32, c1: i32): void {
  const partial = <usize>inputs * outputs;
  for (let c = c0; c < c1; c++) {
    for (let j = 0; j < outputs; j++) {
      const at = (<usize>c * outputs + j) << 2;
      let sum = load<f32>(workspace + at);
      for (let k = 1; k < ROW_BLOCKS; k++) sum += load<f32>(workspace + at + ((<usize>k * partial) << 2));
      store<f32>(dweights + at, sum);
    }
  }
}

// Adds rows r0 … r1 − 1 into the rows c0 … c1 − 1 of `sums` (inputs×outputs): each row's entries
// in the column range (found by a scan) add x · dout[r, :] into their column's row, dout's row
// held in registers 16 outputs at a time. A last vector of 1 to 3 outputs is read and written
// lane by lane, so no write passes the row's end: threads owning the next rows are safe.
function accumulateRows(
  sums: usize, starts: usize, entries: usize, indices: usize, dout: usize,
  r0: i32, r1: i32, inputs: i32, outputs: i32, scale: f32, c0: i32, c1: i32,
): void {
  const low = <u32>c0 << 8, high = <u32>c1 << 8, rowBytes = <usize>outputs << 2;
  for (let r = r0; r < r1; r++) {
    const row = <usize>load<i32>(indices + (<usize>r << 2)) << 2;
    let first = entries + (<usize>load<i32>(starts + row) << 2), end = entries + (<usize>load<i32>(starts + row, 4) << 2);
    if (c0 > 0) first = firstAtLeast(first, end, low);
    if (c1 < inputs) end = firstAtLeast(first, end, high);
    const d = dout + <usize>r * rowBytes;
    for (let j = 0; j < outputs; j += 16) {
      const left = outputs - j;
      if (left >= 16) backwardBlock(4, 0, sums, rowBytes, first, end, d, j, scale);
      else if (left > 12) lastBackwardBlock(4, left & 3, sums, rowBytes, first, end, d, j, scale);
      else if (left > 8) lastBackwardBlock(3, left & 3, sums, rowBytes, first, end, d, j, scale);
      else if (left > 4) lastBackwardBlock(2, left & 3, sums, rowBytes, first, end, d, j, scale);
      else lastBackwardBlock(1, left & 3, sums, rowBytes, first, end, d, j, scale);
    }
  }
}

// backwardBlock with `partial` made a constant in each branch, so that the lane-by-lane reads and
// writes of the last vector are chosen once per block, not once per entry.
// @ts-ignore: decorator
@inline function lastBackwardBlock(
  vectors: i32, partial: i32, sums: usize, rowBytes: usize, first: usize, end: usize, d: usize, j: i32, scale: f32,
): void {
  if (partial == 0) backwardBlock(vectors, 0, sums, rowBytes, first, end, d, j, scale);
  else if (partial == 1) backwardBlock(vectors, 1, sums, rowBytes, first, end, d, j, scale);
  else if (partial == 2) backwardBlock(vectors, 2, sums, rowBytes, first, end, d, j, scale);
  else backwardBlock(vectors, 3, sums, rowBytes, first, end, d, j, scale);
}

// The first entry in [first, end) whose column is ≥ key >> 8 (entries are sorted by column). A
// linear scan: a row's entries arrive in sequence from memory, where a binary search would wait
// for one cache miss after another (a full batch's rows are not in cache).
function firstAtLeast(first: usize, end: usize, key: u32): usize {
  let e = first;
  while (e < end && load<u32>(e) < key) e += 4;
  return e;
}

// Adds x · dout[r, j … j + 4·vectors) into each entry's column row of `sums`; the last vector
// holds `partial` (1 to 3) outputs when partial ≠ 0. `vectors` and `partial` are constants at
// every call, so each is a loop of its own without branches.
// @ts-ignore: decorator
@inline function backwardBlock(
  vectors: i32, partial: i32, sums: usize, rowBytes: usize, first: usize, end: usize, d: usize, j: i32, scale: f32,
): void {
  const dj = d + (<usize>j << 2);
  const d0 = vectors == 1 && partial ? loadPartial(dj, partial) : v128.load(dj);
  const d1 = vectors < 2 ? d0 : vectors == 2 && partial ? loadPartial(dj + 16, partial) : v128.load(dj + 16);
  const d2 = vectors < 3 ? d0 : vectors == 3 && partial ? loadPartial(dj + 32, partial) : v128.load(dj + 32);
  const d3 = vectors < 4 ? d0 : partial ? loadPartial(dj + 48, partial) : v128.load(dj + 48);
  const column = sums + (<usize>j << 2);
  // Four entries a pass (a row's entries have distinct columns, so they touch distinct rows of sums
  // and each element's sum keeps its order): V8 does not unroll this loop as it does the forward's,
  // and its per-entry loop overhead was ~10 % of the call. Best of 30 alternating calls, Node 20:
  // 60000 rows × 10 outputs 11.1 → 9.7 ms, 32 × 10 5.8 → 5.3 µs, × 128 1.03× (Node 24 simd and
  // relaxed 1.01–1.07×); by two entries a pass it was 1.06× at 10 outputs.
  let e = first;
  for (; e + 12 < end; e += 16) {
    addEntry(vectors, partial, column, rowBytes, load<u32>(e), scale, d0, d1, d2, d3);
    addEntry(vectors, partial, column, rowBytes, load<u32>(e, 4), scale, d0, d1, d2, d3);
    addEntry(vectors, partial, column, rowBytes, load<u32>(e, 8), scale, d0, d1, d2, d3);
    addEntry(vectors, partial, column, rowBytes, load<u32>(e, 12), scale, d0, d1, d2, d3);
  }
  for (; e < end; e += 4) addEntry(vectors, partial, column, rowBytes, load<u32>(e), scale, d0, d1, d2, d3);
}

// Adds one entry's x · dout[r, j … j + 4·vectors) into its column's row of sums (see backwardBlock).
// @ts-ignore: decorator
@inline function addEntry(
  vectors: i32, partial: i32, column: usize, rowBytes: usize, entry: u32, scale: f32, d0: v128, d1: v128, d2: v128, d3: v128,
): void {
  const x = entryValue(entry, scale);
  const s = column + <usize>(entry >> 8) * rowBytes;
  addAt(vectors == 1 ? partial : 0, s, x, d0);
  if (vectors > 1) addAt(vectors == 2 ? partial : 0, s + 16, x, d1);
  if (vectors > 2) addAt(vectors == 3 ? partial : 0, s + 32, x, d2);
  if (vectors > 3) addAt(partial, s + 48, x, d3);
}

// s[0 … 4) += x · d, or only its first `count` (1 to 3) lanes when count ≠ 0 (a constant).
// @ts-ignore: decorator
@inline function addAt(count: i32, s: usize, x: v128, d: v128): void {
  if (count == 0) v128.store(s, madd(x, d, v128.load(s)));
  else storePartial(s, madd(x, d, loadPartial(s, count)), count);
}

// The first `count` (1 to 3) f32 at p, zeros in the other lanes; reads only those elements.
// @ts-ignore: decorator
@inline function loadPartial(p: usize, count: i32): v128 {
  if (count == 1) return v128.load32_zero(p);
  const pair = v128.load64_zero(p);
  return count == 2 ? pair : f32x4.replace_lane(pair, 2, load<f32>(p, 8));
}

// Writes the first `count` (1 to 3) lanes of v to p, nothing beyond.
// @ts-ignore: decorator
@inline function storePartial(p: usize, v: v128, count: i32): void {
  if (count == 1) v128.store32_lane(p, v, 0);
  else v128.store64_lane(p, v, 0);
  if (count == 3) v128.store32_lane(p, v, 2, 8);
}

// Scalar twin of sparse_backward_weights_u8 (same contract; the workspace holds the partial
// gradients of a blocked call).
export function sparse_backward_weights_u8_scalar(
  dweights: usize, starts: usize, entries: usize, indices: usize, dout: usize,
  rows: i32, inputs: i32, outputs: i32, scale: f32, workspace: usize,
): void {
  if (rows < BLOCKED_MIN_ROWS) {
    memory.fill(dweights, 0, (<usize>inputs * outputs) << 2);
    accumulateRowsScalar(dweights, starts, entries, indices, dout, 0, rows, outputs, scale);
    return;
  }
  const partial = <usize>inputs * outputs;
  for (let k = 0; k < ROW_BLOCKS; k++) {
    const sums = workspace + ((<usize>k * partial) << 2);
    memory.fill(sums, 0, partial << 2);
    accumulateRowsScalar(sums, starts, entries, indices, dout, blockStart(rows, k), blockStart(rows, k + 1), outputs, scale);
  }
  reduceWeightBlocks(dweights, workspace, inputs, outputs, 0, inputs);
}

// Adds rows r0 … r1 − 1 into `sums` (inputs×outputs), one element at a time.
function accumulateRowsScalar(
  sums: usize, starts: usize, entries: usize, indices: usize, dout: usize, r0: i32, r1: i32, outputs: i32, scale: f32,
): void {
  for (let r = r0; r < r1; r++) {
    const row = <usize>load<i32>(indices + (<usize>r << 2)) << 2;
    const first = <usize>load<i32>(starts + row), end = <usize>load<i32>(starts + row, 4);
    for (let e = first; e < end; e++) {
      const entry = load<u32>(entries + (e << 2));
      const x = <f32>(entry & 255) * scale;
      const w = sums + ((<usize>(entry >> 8) * outputs) << 2);
      for (let j = 0; j < outputs; j++) {
        const p = w + (<usize>j << 2);
        store<f32>(p, load<f32>(p) + x * load<f32>(dout + ((<usize>r * outputs + j) << 2)));
      }
    }
  }
}
