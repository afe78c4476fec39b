// Dense-layer kernels: the GEMMs of a fully connected layer with their neighbours fused in.
//   dense_forward              out = act(inp·W + bias), act = ReLU or identity (bias and ReLU in
//                              the tile epilogue: C is written once, not three times);
//   dense_forward_u8           the same with the input rows gathered from u8 pixels by index and
//                              scaled (1/255), converted in small packed panels instead of an f32
//                              copy of the batch: a quarter of the memory traffic, no gather pass;
//   dense_backward_weights_u8  dW = (scale·pixels[indices])ᵀ·dout, the first layer's weight
//                              gradient from the same u8 rows;
//   dense_backward_input       dinp = (dout·Wᵀ) ⊙ [act > 0], the input gradient with the ReLU
//                              backward of the layer below in its epilogue.
// Conventions: see gemm.ts. Weights are inputs×outputs row-major (the tfjs Dense layout), bias has
// `outputs` elements; `rows` is the batch. u8 pixel rows are `inputs` bytes long, indices are i32
// row numbers (the host checks them). Every kernel overwrites its output, which must not overlap
// its inputs. The SIMD kernels take a `workspace` of dense_workspace_bytes(inputs) bytes (planned
// by the host, private to one call at a time); the scalar twins take the same arguments and
// ignore it.
import { gemmNT, gemmTiledB } from "./gemm";
import { DEPTH_PANEL } from "./gemm-pack";
import { tilesAdjacent } from "./gemm-nn-4x8";
import { TRANSPOSED_MAX_N, transposedTile } from "./gemm-tn-8x4";

// Most inputs dense_forward_u8 packs for a block of rows in one pass (WHOLE_DEPTH × 8 rows × 4 bytes
// = the workspace); wider inputs are packed one K panel at a time.
const WHOLE_DEPTH = 1024;

// Bytes of workspace dense_forward_u8 and dense_backward_weights_u8 need, whatever the shapes:
// converted inputs for 8 rows × up to WHOLE_DEPTH inputs (32 KiB), which also holds the panels of
// DEPTH_PANEL rows × 16 inputs (8 KiB) the weight gradient packs.
export function dense_workspace_bytes(): i32 {
  return 32 * WHOLE_DEPTH;
}

// out (rows×outputs) = inp (rows×inputs) · W + bias, then ReLU when relu ≠ 0.
export function dense_forward(
  out: usize, inp: usize, weights: usize, bias: usize, rows: i32, inputs: i32, outputs: i32, relu: i32,
): void {
  if (ASC_FEATURE_SIMD) {
    gemmTiledB(rows, outputs, inputs, inp, inputs, 0, weights, out, 0, bias, relu);
    return;
  }
  dense_forward_scalar(out, inp, weights, bias, rows, inputs, outputs, relu);
}

// Scalar twin of dense_forward: per output, Σ_p inp·W in order of increasing p, then + bias, then ReLU.
export function dense_forward_scalar(
  out: usize, inp: usize, weights: usize, bias: usize, rows: i32, inputs: i32, outputs: i32, relu: i32,
): void {
  for (let r = 0; r < rows; r++) {
    const x = inp + ((<usize>r * inputs) << 2);
    for (let j = 0; j < outputs; j++) {
      let acc: f32 = 0;
      for (let p = 0; p < inputs; p++) acc += load<f32>(x + (<usize>p << 2)) * load<f32>(weights + ((<usize>p * outputs + j) << 2));
      store<f32>(out + ((<usize>r * outputs + j) << 2), activate(acc + load<f32>(bias + (<usize>j << 2)), relu));
    }
  }
}

// out (rows×outputs) = (scale · pixels[indices[r], :]) · W + bias, then ReLU when relu ≠ 0: the
// first layer straight from the resident u8 images. Each input is converted as gather_images
// converts it (f32(byte) · scale, rounded once), so the products are those of gather + sgemm.
// Rows go eight at a time, packed [p][8 rows] into the workspace; for outputs ≤ 10 the transposed
// tiles read them (rows as lanes, every lane useful), the whole depth packed in one sequential pass
// over the rows (up to WHOLE_DEPTH inputs) and read DEPTH_PANEL inputs at a time; above 10 outputs,
// 4×8 row tiles over packed panels. Panels after the first accumulate; bias and ReLU run on the last.
export function dense_forward_u8(
  out: usize, pixels: usize, indices: usize, weights: usize, bias: usize,
  rows: i32, inputs: i32, outputs: i32, scale: f32, relu: i32, workspace: usize,
): void {
  if (ASC_FEATURE_SIMD) {
    denseForwardU8(out, pixels, indices, weights, bias, rows, inputs, outputs, scale, relu, workspace);
    return;
  }
  dense_forward_u8_scalar(out, pixels, indices, weights, bias, rows, inputs, outputs, scale, relu, workspace);
}

function denseForwardU8(
  out: usize, pixels: usize, indices: usize, weights: usize, bias: usize,
  rows: i32, inputs: i32, outputs: i32, scale: f32, relu: i32, workspace: usize,
): void {
  const oRowBytes = <usize>outputs << 2;
  if (outputs <= TRANSPOSED_MAX_N) {
    // Eight rows' outputs stay in L1 across the panels; each panel's weights (5 KiB at 10
    // outputs) and packed inputs (4 KiB) too, where a whole-depth panel would not.
    for (let i = 0; i < rows; i += 8) {
      const count = min(8, rows - i);
      const c = out + <usize>i * oRowBytes, idx = indices + (<usize>i << 2);
      const whole = inputs <= WHOLE_DEPTH;
      if (whole) packRows8(workspace, pixels, idx, count, inputs, 0, inputs, scale);
      for (let p0 = 0; p0 < inputs; p0 += DEPTH_PANEL) {
        const depth = min(DEPTH_PANEL, inputs - p0);
        const last = p0 + depth == inputs;
        if (!whole) packRows8(workspace, pixels, idx, count, inputs, p0, depth, scale);
        const a = whole ? workspace + (<usize>p0 << 5) : workspace;
        transposedTile(outputs, count, depth, a, 32, weights + <usize>p0 * oRowBytes, oRowBytes, c, oRowBytes, p0 > 0 ? 1 : 0, last ? bias : 0, last ? relu : 0);
      }
    }
    return;
  }
  // Blocks of 64 rows keep their pixel rows (50 KiB at 784 inputs) and outputs in cache across
  // the K panels.
  for (let i0 = 0; i0 < rows; i0 += 64) {
    const blockRows = min(64, rows - i0);
    for (let p0 = 0; p0 < inputs; p0 += DEPTH_PANEL) {
      const depth = min(DEPTH_PANEL, inputs - p0);
      const last = p0 + depth == inputs;
      const w = weights + <usize>p0 * oRowBytes;
      for (let i = i0; i < i0 + blockRows; i += 8) {
        const count = min(8, i0 + blockRows - i);
        packRows8(workspace, pixels, indices + (<usize>i << 2), count, inputs, p0, depth, scale);
        const c = out + <usize>i * oRowBytes;
        tilesAdjacent(min(4, count), outputs, depth, workspace, 32, w, c, p0 > 0 ? 1 : 0, last ? bias : 0, last ? relu : 0);
        if (count > 4) tilesAdjacent(count - 4, outputs, depth, workspace + 16, 32, w, c + 4 * oRowBytes, p0 > 0 ? 1 : 0, last ? bias : 0, last ? relu : 0);
      }
    }
  }
}

// Scalar twin of dense_forward_u8: per output, Σ_p (f32(byte)·scale)·W in order of increasing p,
// then + bias, then ReLU. Ignores workspace.
export function dense_forward_u8_scalar(
  out: usize, pixels: usize, indices: usize, weights: usize, bias: usize,
  rows: i32, inputs: i32, outputs: i32, scale: f32, relu: i32, _workspace: usize,
): void {
  for (let r = 0; r < rows; r++) {
    const x = pixels + <usize>load<i32>(indices + (<usize>r << 2)) * <usize>inputs;
    for (let j = 0; j < outputs; j++) {
      let acc: f32 = 0;
      for (let p = 0; p < inputs; p++) acc += (<f32>load<u8>(x + p) * scale) * load<f32>(weights + ((<usize>p * outputs + j) << 2));
      store<f32>(out + ((<usize>r * outputs + j) << 2), activate(acc + load<f32>(bias + (<usize>j << 2)), relu));
    }
  }
}

// dweights (inputs×outputs) = (scale · pixels[indices])ᵀ · dout, with dout rows×outputs: the
// weight gradient of the first layer, as sgemm TN would compute it from gather_images's f32 rows.
// Input columns go sixteen at a time, DEPTH_PANEL batch rows at a time, packed [p][16 columns]
// into the workspace; the panels after the first accumulate. outputs ≤ 10 runs transposed tiles
// (the gradient's rows as lanes), wider layers 4×8 row tiles.
export function dense_backward_weights_u8(
  dweights: usize, pixels: usize, indices: usize, dout: usize,
  rows: i32, inputs: i32, outputs: i32, scale: f32, workspace: usize,
): void {
  if (ASC_FEATURE_SIMD) {
    denseBackwardWeightsU8(dweights, pixels, indices, dout, rows, inputs, 0, inputs, outputs, scale, workspace);
    return;
  }
  dense_backward_weights_u8_scalar(dweights, pixels, indices, dout, rows, inputs, outputs, scale, workspace);
}

// Rows [from, to) of the gradient (inputs from..to−1; parallel.ts splits there, in multiples of 16).
export function denseBackwardWeightsU8(
  dweights: usize, pixels: usize, indices: usize, dout: usize,
  rows: i32, inputs: i32, from: i32, to: i32, outputs: i32, scale: f32, workspace: usize,
): void {
  const oRowBytes = <usize>outputs << 2;
  for (let p0 = 0; p0 < rows; p0 += DEPTH_PANEL) {
    const depth = min(DEPTH_PANEL, rows - p0);
    const accumulate = p0 > 0 ? 1 : 0;
    const d = dout + <usize>p0 * oRowBytes, idx = indices + (<usize>p0 << 2);
    touchRows(workspace, pixels, idx, depth, inputs, from, to);
    for (let c0 = from; c0 < to; c0 += 16) {
      const width = min(16, to - c0);
      packColumns16(workspace, pixels, idx, depth, inputs, c0, width, scale);
      const c = dweights + <usize>c0 * oRowBytes;
      if (outputs <= TRANSPOSED_MAX_N) {
        transposedTile(outputs, min(8, width), depth, workspace, 64, d, oRowBytes, c, oRowBytes, accumulate, 0, 0);
        if (width > 8) transposedTile(outputs, width - 8, depth, workspace + 32, 64, d, oRowBytes, c + 8 * oRowBytes, oRowBytes, accumulate, 0, 0);
      } else {
        for (let q = 0; q < width; q += 4) {
          tilesAdjacent(min(4, width - q), outputs, depth, workspace + (<usize>q << 2), 64, d, c + <usize>q * oRowBytes, accumulate, 0, 0);
        }
      }
    }
  }
}

// Scalar twin of dense_backward_weights_u8: per gradient element, Σ_r (f32(byte)·scale)·dout in
// order of increasing r. Ignores workspace.
export function dense_backward_weights_u8_scalar(
  dweights: usize, pixels: usize, indices: usize, dout: usize,
  rows: i32, inputs: i32, outputs: i32, scale: f32, _workspace: usize,
): void {
  for (let i = 0; i < inputs; i++) {
    for (let j = 0; j < outputs; j++) {
      let acc: f32 = 0;
      for (let r = 0; r < rows; r++) {
        const x = pixels + <usize>load<i32>(indices + (<usize>r << 2)) * <usize>inputs;
        acc += (<f32>load<u8>(x + i) * scale) * load<f32>(dout + ((<usize>r * outputs + j) << 2));
      }
      store<f32>(dweights + ((<usize>i * outputs + j) << 2), acc);
    }
  }
}

// dinp (rows×inputs) = (dout (rows×outputs) · Wᵀ) ⊙ [act > 0], with act (rows×inputs) the
// layer's input as the ReLU below produced it (act > 0 exactly where its pre-activation was):
// the input gradient and relu_backward in one pass. act must not overlap dinp.
export function dense_backward_input(
  dinp: usize, dout: usize, weights: usize, act: usize, rows: i32, inputs: i32, outputs: i32,
): void {
  if (ASC_FEATURE_SIMD) {
    gemmNT(rows, inputs, outputs, dout, weights, dinp, 0, act);
    return;
  }
  dense_backward_input_scalar(dinp, dout, weights, act, rows, inputs, outputs);
}

// Scalar twin of dense_backward_input: per element, Σ_j dout·W in order of increasing j, kept
// where act > 0, else 0.
export function dense_backward_input_scalar(
  dinp: usize, dout: usize, weights: usize, act: usize, rows: i32, inputs: i32, outputs: i32,
): void {
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < inputs; i++) {
      let acc: f32 = 0;
      for (let j = 0; j < outputs; j++) {
        acc += load<f32>(dout + ((<usize>r * outputs + j) << 2)) * load<f32>(weights + ((<usize>i * outputs + j) << 2));
      }
      const at = (<usize>r * inputs + i) << 2;
      store<f32>(dinp + at, load<f32>(act + at) > 0 ? acc : 0);
    }
  }
}

// @ts-ignore: decorator
@inline function activate(v: f32, relu: i32): f32 {
  return relu ? Mathf.max(v, 0) : v;
}

// ---- Packing: u8 pixels → f32 panels in the workspace. --------------------------------------------

// Four f32x4 of the 16 bytes of v, widened and converted in byte order, each times s. The
// widened bytes are 0..255, so the signed conversion (one instruction on x86; the unsigned one
// is emulated with eight) gives the same floats.
// @ts-ignore: decorator
@inline function widen0(v: v128, s: v128): v128 {
  return f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v))), s);
}
// @ts-ignore: decorator
@inline function widen1(v: v128, s: v128): v128 {
  return f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_u(i16x8.extend_low_i8x16_u(v))), s);
}
// @ts-ignore: decorator
@inline function widen2(v: v128, s: v128): v128 {
  return f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_u(i16x8.extend_high_i8x16_u(v))), s);
}
// @ts-ignore: decorator
@inline function widen3(v: v128, s: v128): v128 {
  return f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_u(i16x8.extend_high_i8x16_u(v))), s);
}

// ws[p][r] = f32(pixels[indices[r]·inputs + p0 + p]) · scale for p < depth, r < 8, as 32-byte
// rows of eight floats; rows r ≥ count are zero. Sixteen inputs at a time per quad of rows: four
// 16-byte loads, a 4×16 byte transpose (unpack low/high of bytes, then of byte pairs), widening.
function packRows8(ws: usize, pixels: usize, indices: usize, count: i32, inputs: i32, p0: i32, depth: i32, scale: f32): void {
  const s = f32x4.splat(scale);
  for (let q = 0; q < 2; q++) {
    const r0 = q * 4;
    const x0 = rowAt(pixels, indices, r0, count, inputs, p0), x1 = rowAt(pixels, indices, r0 + 1, count, inputs, p0);
    const x2 = rowAt(pixels, indices, r0 + 2, count, inputs, p0), x3 = rowAt(pixels, indices, r0 + 3, count, inputs, p0);
    const out = ws + (<usize>r0 << 2);
    let p = 0;
    for (; p + 16 <= depth; p += 16) {
      const v0 = x0 ? v128.load(x0 + p) : f32x4.splat(0), v1 = x1 ? v128.load(x1 + p) : f32x4.splat(0);
      const v2 = x2 ? v128.load(x2 + p) : f32x4.splat(0), v3 = x3 ? v128.load(x3 + p) : f32x4.splat(0);
      // Bytes interleaved by row pairs, then by pairs of pairs: o_k holds inputs p+4k..p+4k+3,
      // each as the four rows' bytes in row order.
      const a = i8x16.shuffle(v0, v1, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
      const b = i8x16.shuffle(v0, v1, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
      const c = i8x16.shuffle(v2, v3, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
      const d = i8x16.shuffle(v2, v3, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
      const o0 = i8x16.shuffle(a, c, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23);
      const o1 = i8x16.shuffle(a, c, 8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31);
      const o2 = i8x16.shuffle(b, d, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23);
      const o3 = i8x16.shuffle(b, d, 8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31);
      const at = out + (<usize>p << 5);
      v128.store(at, widen0(o0, s), 0); v128.store(at, widen1(o0, s), 32);
      v128.store(at, widen2(o0, s), 64); v128.store(at, widen3(o0, s), 96);
      v128.store(at, widen0(o1, s), 128); v128.store(at, widen1(o1, s), 160);
      v128.store(at, widen2(o1, s), 192); v128.store(at, widen3(o1, s), 224);
      v128.store(at, widen0(o2, s), 256); v128.store(at, widen1(o2, s), 288);
      v128.store(at, widen2(o2, s), 320); v128.store(at, widen3(o2, s), 352);
      v128.store(at, widen0(o3, s), 384); v128.store(at, widen1(o3, s), 416);
      v128.store(at, widen2(o3, s), 448); v128.store(at, widen3(o3, s), 480);
    }
    for (; p < depth; p++) {
      const at = out + (<usize>p << 5);
      store<f32>(at, x0 ? <f32>load<u8>(x0 + p) * scale : 0, 0);
      store<f32>(at, x1 ? <f32>load<u8>(x1 + p) * scale : 0, 4);
      store<f32>(at, x2 ? <f32>load<u8>(x2 + p) * scale : 0, 8);
      store<f32>(at, x3 ? <f32>load<u8>(x3 + p) * scale : 0, 12);
    }
  }
}

// Reads a byte of every cache line of bytes [from, to) of each of `count` pixel rows, in order,
// and stores their OR at ws (which packing overwrites next): WebAssembly has no prefetch, and the column panels that follow
// visit each row sixteen bytes at a time, a pattern the hardware prefetchers follow poorly, while
// this pass streams the rows into cache at full bandwidth (1.1 ms for MNIST's 47 MB, against
// 6 to 8 ms of stalls without it).
function touchRows(ws: usize, pixels: usize, indices: usize, count: i32, inputs: i32, from: i32, to: i32): void {
  let any: u32 = 0;
  for (let r = 0; r < count; r++) {
    const x = pixels + <usize>load<i32>(indices + (<usize>r << 2)) * <usize>inputs;
    for (let c = from; c < to; c += 64) any |= load<u8>(x + <usize>c); // one byte per cache line
    any |= load<u8>(x + <usize>to - 1);
  }
  store<u32>(ws, any);
}

// Address of input p0 of packed row r (pixels[indices[r]·inputs + p0]), or 0 past `count`.
// @ts-ignore: decorator
@inline function rowAt(pixels: usize, indices: usize, r: i32, count: i32, inputs: i32, p0: i32): usize {
  return r < count ? pixels + <usize>load<i32>(indices + (<usize>r << 2)) * <usize>inputs + <usize>p0 : 0;
}

// ws[p][k] = f32(pixels[indices[p]·inputs + c0 + k]) · scale for p < depth, k < width (≤ 16), as
// 64-byte rows of sixteen floats; columns k ≥ width are zero.
function packColumns16(ws: usize, pixels: usize, indices: usize, depth: i32, inputs: i32, c0: i32, width: i32, scale: f32): void {
  const s = f32x4.splat(scale);
  if (width == 16) {
    for (let p = 0; p < depth; p++) {
      const v = v128.load(pixels + <usize>load<i32>(indices + (<usize>p << 2)) * <usize>inputs + <usize>c0);
      const at = ws + (<usize>p << 6);
      v128.store(at, widen0(v, s), 0); v128.store(at, widen1(v, s), 16);
      v128.store(at, widen2(v, s), 32); v128.store(at, widen3(v, s), 48);
    }
    return;
  }
  for (let p = 0; p < depth; p++) {
    const x = pixels + <usize>load<i32>(indices + (<usize>p << 2)) * <usize>inputs + <usize>c0;
    const at = ws + (<usize>p << 6);
    for (let k = 0; k < 16; k++) store<f32>(at + (<usize>k << 2), k < width ? <f32>load<u8>(x + k) * scale : 0);
  }
}
