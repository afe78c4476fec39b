// parallel_run's shares, run one after another on this thread for T = 2, 3 and 5: together they
// must write exactly what the single call writes (bit for bit: every share computes its elements
// as the whole call does), nothing else, and, for softmax_crossentropy, partial loss sums and
// counts that add up to the whole. Shapes go around the share alignments (8 rows for the NN/TN
// GEMM and the u8 forward, 4 for dense_forward, 2 for NT, 16 inputs for the u8 weight gradient,
// 16 elements for the updates; any row or column for the sparse kernels). In the scalar build thread
// 0 runs the whole call.
import { parallel_control_bytes, parallel_run } from "../../assembly/parallel";
import {
  ADAM_UPDATE, CONTROL_ARGS, CONTROL_KERNEL, CONTROL_RESULTS_F64, CONTROL_RESULTS_I32, CONTROL_THREADS, DENSE_BACKWARD_INPUT,
  DENSE_BACKWARD_WEIGHTS_U8, DENSE_FORWARD, DENSE_FORWARD_U8, MOMENTUM_UPDATE, SGD_UPDATE, SGEMM, SOFTMAX_CROSSENTROPY,
  SPARSE_BACKWARD_WEIGHTS_U8, SPARSE_FORWARD_U8,
} from "../../assembly/abi";
import { sgemm } from "../../assembly/gemm";
import {
  dense_backward_input, dense_backward_weights_u8, dense_forward, dense_forward_u8, dense_workspace_bytes,
} from "../../assembly/dense";
import { sparse_backward_weights_u8, sparse_blocked_min_rows, sparse_forward_u8, sparse_workspace_bytes } from "../../assembly/sparse";
import { softmax_crossentropy } from "../../assembly/softmax";
import { adam_update, momentum_update, sgd_update } from "../../assembly/optim";
import { below, Buffer, fail, fillNaN, fillUniform, nextU32, seed, SparseRows } from "./helpers";

const THREADS: i32[] = [2, 3, 5];

// A control block describing one call: kernel id, T, then the arguments as 32-bit words in
// their declared order (src/abi.ts), which puts each where assembly/abi.ts says it is.
class Call {
  control: Buffer<u8> = new Buffer<u8>(parallel_control_bytes());
  private n: i32 = 0;
  constructor(kernel: i32) { store<i32>(this.control.ptr + CONTROL_KERNEL, kernel); }
  i(v: i32): Call { store<i32>(this.next(), v); return this; }
  p(v: usize): Call { return this.i(<i32>v); }
  f(v: f32): Call { store<f32>(this.next(), v); return this; }
  private next(): usize { const at = this.control.ptr + CONTROL_ARGS + (<usize>this.n << 2); this.n++; return at; }
  // Runs every thread's share in turn.
  run(T: i32): void {
    store<i32>(this.control.ptr + CONTROL_THREADS, T);
    for (let t = 0; t < T; t++) parallel_run(this.control.ptr, t);
  }
  f64(t: i32): f64 { return load<f64>(this.control.ptr + CONTROL_RESULTS_F64 + (<usize>t << 3)); }
  i32(t: i32): i32 { return load<i32>(this.control.ptr + CONTROL_RESULTS_I32 + (<usize>t << 2)); }
  free(): void { this.control.free(); }
}

function same(got: Buffer<f32>, want: Buffer<f32>, what: string): void {
  if (!got.sameAs(want)) {
    for (let i = 0; i < got.length; i++) {
      if (reinterpret<u32>(got[i]) != reinterpret<u32>(want[i])) {
        fail(what + ": element " + i.toString() + " is " + got[i].toString() + ", the whole call wrote " + want[i].toString());
        return;
      }
    }
  }
  if (!got.guardsIntact()) fail(what + " wrote outside its output");
}

function label(name: string, T: i32, a: i32, b: i32, c: i32): string {
  return name + " T=" + T.toString() + " " + a.toString() + "×" + b.toString() + "×" + c.toString();
}

function randomBytes(n: i32): Buffer<u8> {
  const bytes = new Buffer<u8>(n);
  for (let i = 0; i < n; i++) bytes[i] = <u8>(nextU32() >>> 24);
  return bytes;
}

function randomIndices(count: i32, limit: i32): Buffer<i32> {
  const indices = new Buffer<i32>(count);
  for (let r = 0; r < count; r++) indices[r] = below(limit);
  return indices;
}

const ROWS: i32[] = [1, 2, 3, 7, 8, 9, 15, 16, 17, 33];

describe("parallel_run", () => {
  test("sgemm in every mode: the shares equal the whole call", () => {
    seed(81);
    const Ns: i32[] = [1, 3, 10, 17];
    const Ks: i32[] = [1, 7, 33, 129];
    for (let mode = 0; mode < 4; mode++) {
      const tA = mode >> 1, tB = mode & 1;
      for (let a = 0; a < ROWS.length; a++) {
        for (let b = 0; b < Ns.length; b++) {
          const M = ROWS[a], N = Ns[b], K = Ks[(a + b) % Ks.length];
          const A = fillUniform(new Buffer<f32>(M * K), -1, 1), B = fillUniform(new Buffer<f32>(K * N), -1, 1);
          const want = fillUniform(new Buffer<f32>(M * N), -1, 1);
          const C0 = want.copy();
          sgemm(tA, tB, M, N, K, A.ptr, B.ptr, want.ptr, mode & 1);
          for (let k = 0; k < THREADS.length; k++) {
            const got = C0.copy();
            const call = new Call(SGEMM.ID).i(tA).i(tB).i(M).i(N).i(K).p(A.ptr).p(B.ptr).p(got.ptr).i(mode & 1);
            call.run(THREADS[k]);
            same(got, want, label("sgemm mode " + mode.toString(), THREADS[k], M, N, K));
            got.free(); call.free();
          }
          A.free(); B.free(); want.free(); C0.free();
        }
      }
    }
  });

  test("dense_forward, dense_forward_u8 (a workspace per thread) and dense_backward_input", () => {
    seed(82);
    const pool = 23;
    const outs: i32[] = [1, 10, 11, 17];
    const ins: i32[] = [5, 16, 33, 129];
    for (let a = 0; a < ROWS.length; a++) {
      for (let b = 0; b < outs.length; b++) {
        const rows = ROWS[a], outputs = outs[b], inputs = ins[(a + b) % ins.length];
        const x = fillUniform(new Buffer<f32>(rows * inputs), -1, 1), W = fillUniform(new Buffer<f32>(inputs * outputs), -1, 1);
        const bias = fillUniform(new Buffer<f32>(outputs), -1, 1);
        const pixels = randomBytes(pool * inputs), indices = randomIndices(rows, pool);
        const dout = fillUniform(new Buffer<f32>(rows * outputs), -1, 1), act = fillUniform(new Buffer<f32>(rows * inputs), -1, 1);
        const ws = new Buffer<u8>(5 * dense_workspace_bytes());
        const f = fillNaN(new Buffer<f32>(rows * outputs)), u = fillNaN(new Buffer<f32>(rows * outputs)), d = fillNaN(new Buffer<f32>(rows * inputs));
        dense_forward(f.ptr, x.ptr, W.ptr, bias.ptr, rows, inputs, outputs, 1);
        dense_forward_u8(u.ptr, pixels.ptr, indices.ptr, W.ptr, bias.ptr, rows, inputs, outputs, 1.0 / 255, 1, ws.ptr);
        dense_backward_input(d.ptr, dout.ptr, W.ptr, act.ptr, rows, inputs, outputs);
        for (let k = 0; k < THREADS.length; k++) {
          const T = THREADS[k];
          const f2 = fillNaN(new Buffer<f32>(rows * outputs)), u2 = fillNaN(new Buffer<f32>(rows * outputs)), d2 = fillNaN(new Buffer<f32>(rows * inputs));
          const c1 = new Call(DENSE_FORWARD.ID).p(f2.ptr).p(x.ptr).p(W.ptr).p(bias.ptr).i(rows).i(inputs).i(outputs).i(1);
          c1.run(T);
          same(f2, f, label("dense_forward", T, rows, inputs, outputs));
          const c2 = new Call(DENSE_FORWARD_U8.ID).p(u2.ptr).p(pixels.ptr).p(indices.ptr).p(W.ptr).p(bias.ptr).i(rows).i(inputs).i(outputs).f(1.0 / 255).i(1).p(ws.ptr);
          c2.run(T);
          same(u2, u, label("dense_forward_u8", T, rows, inputs, outputs));
          const c3 = new Call(DENSE_BACKWARD_INPUT.ID).p(d2.ptr).p(dout.ptr).p(W.ptr).p(act.ptr).i(rows).i(inputs).i(outputs);
          c3.run(T);
          same(d2, d, label("dense_backward_input", T, rows, inputs, outputs));
          f2.free(); u2.free(); d2.free(); c1.free(); c2.free(); c3.free();
        }
        if (!ws.guardsIntact()) fail(label("dense_forward_u8 wrote outside the threads' workspaces", 5, rows, inputs, outputs));
        x.free(); W.free(); bias.free(); pixels.free(); indices.free(); dout.free(); act.free(); ws.free(); f.free(); u.free(); d.free();
      }
    }
  });

  test("dense_backward_weights_u8 split in blocks of 16 inputs", () => {
    seed(83);
    const pool = 19;
    const ins: i32[] = [1, 15, 16, 17, 33, 47, 64, 100];
    const outs: i32[] = [1, 10, 12];
    const batches: i32[] = [1, 9, 130];
    for (let a = 0; a < ins.length; a++) {
      for (let b = 0; b < outs.length; b++) {
        const inputs = ins[a], outputs = outs[b], rows = batches[(a + b) % batches.length];
        const pixels = randomBytes(pool * inputs), indices = randomIndices(rows, pool);
        const dout = fillUniform(new Buffer<f32>(rows * outputs), -1, 1);
        const ws = new Buffer<u8>(5 * dense_workspace_bytes());
        const want = fillNaN(new Buffer<f32>(inputs * outputs));
        dense_backward_weights_u8(want.ptr, pixels.ptr, indices.ptr, dout.ptr, rows, inputs, outputs, 1.0 / 255, ws.ptr);
        for (let k = 0; k < THREADS.length; k++) {
          const got = fillNaN(new Buffer<f32>(inputs * outputs));
          const call = new Call(DENSE_BACKWARD_WEIGHTS_U8.ID).p(got.ptr).p(pixels.ptr).p(indices.ptr).p(dout.ptr).i(rows).i(inputs).i(outputs).f(1.0 / 255).p(ws.ptr);
          call.run(THREADS[k]);
          same(got, want, label("dense_backward_weights_u8", THREADS[k], rows, inputs, outputs));
          got.free(); call.free();
        }
        pixels.free(); indices.free(); dout.free(); ws.free(); want.free();
      }
    }
  });

  test("sparse_forward_u8 split by rows, sparse_backward_weights_u8 by columns (one shared workspace)", () => {
    seed(88);
    const pool = 17;
    const ins: i32[] = [1, 3, 16, 33, 100];
    const outs: i32[] = [1, 4, 10, 17];
    for (let a = 0; a < ROWS.length; a++) {
      for (let b = 0; b < outs.length; b++) {
        const rows = ROWS[a], outputs = outs[b], inputs = ins[(a + b) % ins.length];
        const pixels = new Buffer<u8>(pool * inputs);
        for (let i = 0; i < pool * inputs; i++) pixels[i] = below(3) == 0 ? <u8>(nextU32() >>> 24) : 0;
        const sparse = new SparseRows(pixels, pool, inputs), indices = randomIndices(rows, pool);
        const W = fillUniform(new Buffer<f32>(inputs * outputs), -1, 1), bias = fillUniform(new Buffer<f32>(outputs), -1, 1);
        const dout = fillUniform(new Buffer<f32>(rows * outputs), -1, 1);
        const ws = new Buffer<u8>(<i32>sparse_workspace_bytes(rows, inputs, outputs));
        const f = fillNaN(new Buffer<f32>(rows * outputs)), dW = fillNaN(new Buffer<f32>(inputs * outputs));
        sparse_forward_u8(f.ptr, sparse.starts.ptr, sparse.entries.ptr, indices.ptr, W.ptr, bias.ptr, rows, outputs, 1.0 / 255, 1);
        sparse_backward_weights_u8(dW.ptr, sparse.starts.ptr, sparse.entries.ptr, indices.ptr, dout.ptr, rows, inputs, outputs, 1.0 / 255, ws.ptr);
        for (let k = 0; k < THREADS.length; k++) {
          const T = THREADS[k];
          const f2 = fillNaN(new Buffer<f32>(rows * outputs)), dW2 = fillNaN(new Buffer<f32>(inputs * outputs));
          const c1 = new Call(SPARSE_FORWARD_U8.ID).p(f2.ptr).p(sparse.starts.ptr).p(sparse.entries.ptr).p(indices.ptr).p(W.ptr).p(bias.ptr).i(rows).i(outputs).f(1.0 / 255).i(1);
          c1.run(T);
          same(f2, f, label("sparse_forward_u8", T, rows, inputs, outputs));
          const c2 = new Call(SPARSE_BACKWARD_WEIGHTS_U8.ID).p(dW2.ptr).p(sparse.starts.ptr).p(sparse.entries.ptr).p(indices.ptr).p(dout.ptr).i(rows).i(inputs).i(outputs).f(1.0 / 255).p(ws.ptr);
          c2.run(T);
          same(dW2, dW, label("sparse_backward_weights_u8", T, rows, inputs, outputs));
          f2.free(); dW2.free(); c1.free(); c2.free();
        }
        if (!ws.guardsIntact()) fail(label("sparse_backward_weights_u8 wrote outside its workspace", 5, rows, inputs, outputs));
        pixels.free(); sparse.free(); indices.free(); W.free(); bias.free(); dout.free(); ws.free(); f.free(); dW.free();
      }
    }
  });

  test("sparse_backward_weights_u8 from sparse_blocked_min_rows() rows: row blocks by thread, then their sum by columns (kernel 12)", () => {
    seed(89);
    const pool = 13, inputs = 21;
    const from = sparse_blocked_min_rows();
    const rowCounts: i32[] = [from, from + 5];
    const outs: i32[] = [3, 10, 16];
    for (let a = 0; a < rowCounts.length; a++) {
      for (let b = 0; b < outs.length; b++) {
        const rows = rowCounts[a], outputs = outs[b];
        const pixels = new Buffer<u8>(pool * inputs);
        for (let i = 0; i < pool * inputs; i++) pixels[i] = below(3) == 0 ? <u8>(nextU32() >>> 24) : 0;
        const sparse = new SparseRows(pixels, pool, inputs), indices = randomIndices(rows, pool);
        const dout = fillUniform(new Buffer<f32>(rows * outputs), -1, 1);
        const ws = new Buffer<u8>(<i32>sparse_workspace_bytes(rows, inputs, outputs));
        const dW = fillNaN(new Buffer<f32>(inputs * outputs));
        sparse_backward_weights_u8(dW.ptr, sparse.starts.ptr, sparse.entries.ptr, indices.ptr, dout.ptr, rows, inputs, outputs, 1.0 / 255, ws.ptr);
        for (let k = 0; k < THREADS.length; k++) {
          const T = THREADS[k];
          const dW2 = fillNaN(new Buffer<f32>(inputs * outputs));
          const blocks = new Call(SPARSE_BACKWARD_WEIGHTS_U8.ID).p(dW2.ptr).p(sparse.starts.ptr).p(sparse.entries.ptr).p(indices.ptr).p(dout.ptr).i(rows).i(inputs).i(outputs).f(1.0 / 255).p(ws.ptr);
          const sum = new Call(SPARSE_BACKWARD_WEIGHTS_U8.SECOND_PASS_ID).p(dW2.ptr).p(sparse.starts.ptr).p(sparse.entries.ptr).p(indices.ptr).p(dout.ptr).i(rows).i(inputs).i(outputs).f(1.0 / 255).p(ws.ptr);
          blocks.run(T);
          sum.run(T);
          same(dW2, dW, label("sparse_backward_weights_u8 in row blocks", T, rows, inputs, outputs));
          dW2.free(); blocks.free(); sum.free();
        }
        if (!ws.guardsIntact()) fail(label("sparse_backward_weights_u8 wrote outside its workspace", 5, rows, inputs, outputs));
        pixels.free(); sparse.free(); indices.free(); dout.free(); ws.free(); dW.free();
      }
    }
  });

  test("softmax_crossentropy: the shares' gradient, and partial sums and counts that add up", () => {
    seed(84);
    for (let a = 0; a < ROWS.length; a++) {
      const rows = ROWS[a], cols = 10;
      const logits = fillUniform(new Buffer<f32>(rows * cols), -5, 5), labels = randomIndices(rows, cols);
      const want = fillNaN(new Buffer<f32>(rows * cols)), correct = new Buffer<i32>(1);
      const loss = softmax_crossentropy(want.ptr, logits.ptr, labels.ptr, rows, cols, <f32>1 / <f32>rows, correct.ptr);
      for (let k = 0; k < THREADS.length; k++) {
        const T = THREADS[k];
        const got = fillNaN(new Buffer<f32>(rows * cols));
        const call = new Call(SOFTMAX_CROSSENTROPY.ID).p(got.ptr).p(logits.ptr).p(labels.ptr).i(rows).i(cols).f(<f32>1 / <f32>rows).p(0);
        call.run(T);
        same(got, want, label("softmax_crossentropy", T, rows, cols, 1));
        let sum: f64 = 0, right = 0;
        const used = ASC_FEATURE_SIMD ? T : 1;
        for (let t = 0; t < used; t++) { sum += call.f64(t); right += call.i32(t); }
        expect<i32>(right).toBe(correct[0], label("softmax_crossentropy correct rows", T, rows, cols, 1));
        if (Math.abs(sum / rows - loss) > (rows + 1) * Math.pow(2, -53) * loss) {
          fail(label("softmax_crossentropy loss", T, rows, cols, 1) + ": " + (sum / rows).toString() + " vs " + loss.toString());
        }
        got.free(); call.free();
      }
      logits.free(); labels.free(); want.free(); correct.free();
    }
  });

  test("sgd, momentum and adam updates split in blocks of 16 elements", () => {
    seed(85);
    const sizes: i32[] = [1, 15, 16, 17, 33, 100];
    for (let s = 0; s < sizes.length; s++) {
      const n = sizes[s];
      const g = fillUniform(new Buffer<f32>(n), -1, 1);
      const p0 = fillUniform(new Buffer<f32>(n), -1, 1), m0 = fillUniform(new Buffer<f32>(n), -1, 1), v0 = fillUniform(new Buffer<f32>(n), 0, 1);
      const p = p0.copy(), m = m0.copy(), v = v0.copy();
      sgd_update(p.ptr, g.ptr, n, 0.1);
      momentum_update(p.ptr, g.ptr, m.ptr, n, 0.1, 0.9);
      adam_update(p.ptr, g.ptr, m.ptr, v.ptr, n, 0.01, 0.9, 0.999, 1e-7, 3);
      for (let k = 0; k < THREADS.length; k++) {
        const T = THREADS[k];
        const q = p0.copy(), mq = m0.copy(), vq = v0.copy();
        const c1 = new Call(SGD_UPDATE.ID).p(q.ptr).p(g.ptr).i(n).f(0.1);
        c1.run(T);
        const c2 = new Call(MOMENTUM_UPDATE.ID).p(q.ptr).p(g.ptr).p(mq.ptr).i(n).f(0.1).f(0.9);
        c2.run(T);
        const c3 = new Call(ADAM_UPDATE.ID).p(q.ptr).p(g.ptr).p(mq.ptr).p(vq.ptr).i(n).f(0.01).f(0.9).f(0.999).f(1e-7).i(3);
        c3.run(T);
        same(q, p, label("updates: params", T, n, 1, 1));
        same(mq, m, label("updates: moments", T, n, 1, 1));
        same(vq, v, label("updates: second moments", T, n, 1, 1));
        q.free(); mq.free(); vq.free(); c1.free(); c2.free(); c3.free();
      }
      g.free(); p0.free(); m0.free(); v0.free(); p.free(); m.free(); v.free();
    }
  });
});
