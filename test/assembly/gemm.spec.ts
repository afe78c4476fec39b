// sgemm and sgemm_scalar against a float64 triple loop, in every transpose mode, overwriting and
// accumulating, for shapes around the SIMD tiles (4 rows × 8 columns for NN/TN; for NT, 2 rows ×
// 4 columns of dot products 4 lanes along K, or 4×4 blocks with B transposed on the fly when
// K < 32) and the real shapes of an MNIST MLP.
//
// Tolerance: max(1e-5, 1e-6·|ref|)·√K. An f32 dot product of K random-sign terms of magnitude ≤ 1
// drifts from the float64 sum like √K roundings. The largest error these cases produce is 0.084 of
// the tolerance (at K = 784), while a wrong element, index or stride misses it by orders of magnitude.
import { gemmTiledB, sgemm, sgemm_scalar } from "../../assembly/gemm";
import { DEPTH_PANEL, PACK_COLUMNS, packPays } from "../../assembly/gemm-pack";
import {
  Buffer, close, fail, fillFrom, fillNaN, fillUniform, mismatch, seed, shape3,
} from "./helpers";

const MODES: string[] = ["NN", "NT", "TN", "TT"];

// Element (i, p) of op(A) with op(A) M×K; element (p, j) of op(B) with op(B) K×N.
function opA(A: Buffer<f32>, transA: i32, M: i32, K: i32, i: i32, p: i32): f64 {
  return <f64>(transA ? A[p * M + i] : A[i * K + p]);
}
function opB(B: Buffer<f32>, transB: i32, N: i32, K: i32, p: i32, j: i32): f64 {
  return <f64>(transB ? B[j * K + p] : B[p * N + j]);
}

// "sgemm NT M×N×K = 3×5×7 accumulate=1: C[2, 4]" (the element is left out when i < 0).
function where(name: string, transA: i32, transB: i32, M: i32, N: i32, K: i32, accumulate: i32, i: i32, j: i32): string {
  const at = i < 0 ? "" : ": C[" + i.toString() + ", " + j.toString() + "]";
  return name + " " + MODES[transA * 2 + transB] + " " + shape3(M, N, K) + " accumulate=" + accumulate.toString() + at;
}

// Runs sgemm and sgemm_scalar on one case and checks every element of both against the float64
// reference and against each other. `offset` shifts every buffer off the 16-byte boundary.
function checkSgemm(transA: i32, transB: i32, M: i32, N: i32, K: i32, accumulate: i32, offset: usize = 0): void {
  const A = fillUniform(new Buffer<f32>(M * K, offset), -1, 1);
  const B = fillUniform(new Buffer<f32>(K * N, offset), -1, 1);
  const C0 = new Buffer<f32>(M * N, offset);
  if (accumulate) fillUniform(C0, -1, 1);
  else fillNaN(C0);
  const C = C0.copy(), Cs = C0.copy();
  const A0 = A.copy(), B0 = B.copy();

  sgemm(transA, transB, M, N, K, A.ptr, B.ptr, C.ptr, accumulate);
  sgemm_scalar(transA, transB, M, N, K, A.ptr, B.ptr, Cs.ptr, accumulate);

  const factor = Math.sqrt(<f64>K);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let ref: f64 = accumulate ? <f64>C0[i * N + j] : 0;
      for (let p = 0; p < K; p++) ref += opA(A, transA, M, K, i, p) * opB(B, transB, N, K, p, j);
      const got = <f64>C[i * N + j], twin = <f64>Cs[i * N + j];
      if (!close(got, ref, factor)) mismatch(got, ref, where("sgemm", transA, transB, M, N, K, accumulate, i, j));
      if (!close(twin, ref, factor)) mismatch(twin, ref, where("sgemm_scalar", transA, transB, M, N, K, accumulate, i, j));
      if (!close(got, twin, factor)) mismatch(got, twin, where("sgemm vs sgemm_scalar", transA, transB, M, N, K, accumulate, i, j));
    }
  }
  if (!C.guardsIntact()) fail(where("sgemm wrote outside C", transA, transB, M, N, K, accumulate, -1, -1));
  if (!Cs.guardsIntact()) fail(where("sgemm_scalar wrote outside C", transA, transB, M, N, K, accumulate, -1, -1));
  if (!A.sameAs(A0) || !B.sameAs(B0)) fail(where("sgemm modified A or B", transA, transB, M, N, K, accumulate, -1, -1));
  A.free(); B.free(); C0.free(); C.free(); Cs.free(); A0.free(); B0.free();
}

// M around the 4-row tile, N around the 8- and 4-column tiles, K around the 4-lane NT vectors.
const SWEEP_M: i32[] = [1, 2, 3, 4, 5, 7, 8, 9, 17];
const SWEEP_N: i32[] = [1, 2, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17];
const SWEEP_K: i32[] = [1, 2, 3, 4, 5, 7, 8, 9, 17];

function sweep(transA: i32, transB: i32): void {
  seed(1 + transA * 2 + transB);
  for (let accumulate = 0; accumulate <= 1; accumulate++) {
    for (let a = 0; a < SWEEP_M.length; a++) {
      for (let b = 0; b < SWEEP_N.length; b++) {
        for (let c = 0; c < SWEEP_K.length; c++) {
          checkSgemm(transA, transB, SWEEP_M[a], SWEEP_N[b], SWEEP_K[c], accumulate);
        }
      }
    }
  }
}

// Exact products of small integers, checked value by value.
function expectExact(transA: i32, transB: i32, expected: f32[], accumulate: i32): void {
  const A = fillFrom(new Buffer<f32>(4), [1, 2, 3, 4]);
  const B = fillFrom(new Buffer<f32>(4), [5, 6, 7, 8]);
  const C = new Buffer<f32>(4);
  if (accumulate) fillFrom(C, [1, 1, 1, 1]);
  else fillNaN(C);
  sgemm(transA, transB, 2, 2, 2, A.ptr, B.ptr, C.ptr, accumulate);
  for (let i = 0; i < 4; i++) {
    expect<f32>(C[i]).toBe(expected[i] + <f32>accumulate, "sgemm " + MODES[transA * 2 + transB] + " C[" + i.toString() + "]");
  }
  A.free(); B.free(); C.free();
}

// Shapes (M, N, K) around where NN and TN pack B (gemm.ts packPays: N ≥ 256 with M ≥ 32, or
// N ≥ 1024 with M ≥ 8) and around its blocks (PACK_COLUMNS = 512 columns × DEPTH_PANEL = 128
// depths), with 4-row, 4-column and partial tails. Eight of the eleven are on the packed side.
const PACKED: i32[] = [
  31, 256, 129, 32, 256, 129, 33, 255, 65, 33, 257, 127,
  33, 511, 257, 37, 512, 128, 34, 513, 65, 35, 1031, 33,
  7, 1024, 20, 8, 1024, 20, 9, 1029, 20,
];

// C from sgemm (which packs B when packPays) and from the same product with B read in place
// (gemmTiledB without scratch), bit for bit: packing moves data, not arithmetic.
function checkPackedBitExact(transA: i32, M: i32, N: i32, K: i32, accumulate: i32): void {
  const A = fillUniform(new Buffer<f32>(M * K), -1, 1), B = fillUniform(new Buffer<f32>(K * N), -1, 1);
  const C = fillUniform(new Buffer<f32>(M * N), -1, 1), inPlace = C.copy();
  sgemm(transA, 0, M, N, K, A.ptr, B.ptr, C.ptr, accumulate);
  gemmTiledB(M, N, K, A.ptr, transA ? M : K, transA, B.ptr, inPlace.ptr, accumulate, 0, 0);
  for (let e = 0; e < M * N; e++) {
    if (reinterpret<u32>(C[e]) != reinterpret<u32>(inPlace[e])) {
      mismatch(<f64>C[e], <f64>inPlace[e], where("packed vs in-place sgemm", transA, 0, M, N, K, accumulate, e / N, e % N));
    }
  }
  A.free(); B.free(); C.free(); inPlace.free();
}

describe("sgemm", () => {
  test("2×2 products of small integers are exact in every mode", () => {
    // A = [[1,2],[3,4]], B = [[5,6],[7,8]] as stored.
    for (let accumulate = 0; accumulate <= 1; accumulate++) {
      expectExact(0, 0, [19, 22, 43, 50], accumulate); // A·B
      expectExact(0, 1, [17, 23, 39, 53], accumulate); // A·Bᵀ
      expectExact(1, 0, [26, 30, 38, 44], accumulate); // Aᵀ·B
      expectExact(1, 1, [23, 31, 34, 46], accumulate); // Aᵀ·Bᵀ
    }
  });

  test("NN: M, N, K around the 4×8 tile, overwrite and accumulate", () => {
    sweep(0, 0);
  });

  test("NT: M, N, K around the 4-lane dot products, overwrite and accumulate", () => {
    sweep(0, 1);
  });

  test("TN: M, N, K around the 4×8 tile with strided A, overwrite and accumulate", () => {
    sweep(1, 0);
  });

  test("TT: M, N, K sweep, overwrite and accumulate", () => {
    sweep(1, 1);
  });

  test("MNIST shapes (batch 32, 784 inputs, 10 and 128 outputs) in every mode", () => {
    seed(42);
    // Forward X·W (32×784 · 784×10), its gradients Xᵀ·dY (784×10, K = 32) and dY·Wᵀ (32×784, K = 10),
    // the same with W stored 10×784 (10×784 = dYᵀ·X, TN), and a 128-unit hidden layer.
    const shapes: i32[] = [32, 10, 784, 784, 10, 32, 32, 784, 10, 10, 784, 32, 32, 128, 784, 128, 10, 32];
    for (let s = 0; s < shapes.length; s += 3) {
      for (let mode = 0; mode < 4; mode++) {
        for (let accumulate = 0; accumulate <= 1; accumulate++) {
          checkSgemm(mode >> 1, mode & 1, shapes[s], shapes[s + 1], shapes[s + 2], accumulate);
        }
      }
    }
  });

  test("deep K: one, several and part of a 128-deep panel, in every mode", () => {
    seed(13);
    const depths: i32[] = [127, 128, 129, 255, 256, 257];
    const sizes: i32[] = [1, 4, 5, 9];
    for (let d = 0; d < depths.length; d++) {
      for (let a = 0; a < sizes.length; a++) {
        for (let mode = 0; mode < 4; mode++) {
          for (let accumulate = 0; accumulate <= 1; accumulate++) {
            checkSgemm(mode >> 1, mode & 1, sizes[a], sizes[(a + d) % sizes.length], depths[d], accumulate);
          }
        }
      }
    }
  });

  test("NN and TN with packed B: M, N, K around the packing threshold and its block edges", () => {
    seed(29);
    expect<i32>(DEPTH_PANEL).toBe(128, "the shapes straddle 128-deep panels");
    expect<i32>(PACK_COLUMNS).toBe(512, "the shapes straddle 512-column blocks");
    for (let s = 0; s < PACKED.length; s += 3) {
      for (let transA = 0; transA <= 1; transA++) {
        for (let accumulate = 0; accumulate <= 1; accumulate++) {
          checkSgemm(transA, 0, PACKED[s], PACKED[s + 1], PACKED[s + 2], accumulate);
        }
      }
    }
  });

  test("packed B gives C bit-identical to B read in place (NN and TN)", () => {
    if (!ASC_FEATURE_SIMD) return; // the scalar build never packs
    seed(31);
    let packed = 0;
    for (let s = 0; s < PACKED.length; s += 3) {
      const M = PACKED[s], N = PACKED[s + 1], K = PACKED[s + 2];
      if (packPays(M, N)) packed++;
      for (let transA = 0; transA <= 1; transA++) {
        for (let accumulate = 0; accumulate <= 1; accumulate++) checkPackedBitExact(transA, M, N, K, accumulate);
      }
    }
    expect<i32>(packed).toBe(8, "shapes on the packed side of the threshold");
  });

  test("NT: K around the switch from transposed-B blocks (K < 32) to dot products", () => {
    seed(23);
    const depths: i32[] = [30, 31, 32, 33, 34, 35, 36];
    const sizes: i32[] = [1, 2, 3, 4, 5, 7, 9];
    for (let d = 0; d < depths.length; d++) {
      for (let a = 0; a < sizes.length; a++) {
        for (let accumulate = 0; accumulate <= 1; accumulate++) {
          checkSgemm(0, 1, sizes[a], sizes[(a + d) % sizes.length], depths[d], accumulate);
        }
      }
    }
  });

  test("buffers 4 bytes off the 16-byte boundary", () => {
    seed(7);
    const sizes: i32[] = [1, 3, 4, 5, 8, 9, 17];
    for (let mode = 0; mode < 4; mode++) {
      for (let a = 0; a < sizes.length; a++) {
        for (let b = 0; b < sizes.length; b++) {
          checkSgemm(mode >> 1, mode & 1, sizes[a], sizes[b], sizes[(a + b) % sizes.length], mode & 1, 4);
        }
      }
    }
  });

  test("A and B may alias: Aᵀ·A (TN) and A·Aᵀ (NT)", () => {
    seed(11);
    const sizes: i32[] = [1, 3, 4, 5, 8, 9, 17];
    for (let a = 0; a < sizes.length; a++) {
      for (let b = 0; b < sizes.length; b++) {
        const M = sizes[a], K = sizes[b];
        for (let transA = 0; transA <= 1; transA++) {
          // TN: A stored K×M, C = Aᵀ·A.  NT: A stored M×K, C = A·Aᵀ.  Both are M×M.
          const A = fillUniform(new Buffer<f32>(M * K), -1, 1);
          const A0 = A.copy();
          const C = fillNaN(new Buffer<f32>(M * M));
          sgemm(transA, 1 - transA, M, M, K, A.ptr, A.ptr, C.ptr, 0);
          for (let i = 0; i < M; i++) {
            for (let j = 0; j < M; j++) {
              let ref: f64 = 0;
              for (let p = 0; p < K; p++) {
                ref += transA ? <f64>A[p * M + i] * <f64>A[p * M + j] : <f64>A[i * K + p] * <f64>A[j * K + p];
              }
              const got = <f64>C[i * M + j];
              if (!close(got, ref, Math.sqrt(<f64>K))) {
                mismatch(got, ref, where("sgemm aliased", transA, 1 - transA, M, M, K, 0, i, j));
              }
            }
          }
          if (!C.guardsIntact()) fail(where("aliased sgemm wrote outside C", transA, 1 - transA, M, M, K, 0, -1, -1));
          if (!A.sameAs(A0)) fail(where("aliased sgemm modified A", transA, 1 - transA, M, M, K, 0, -1, -1));
          A.free(); A0.free(); C.free();
        }
      }
    }
  });
});
