// The roofline probes: stream_copy must copy exactly, stream_sum must sum, and peak_flops must stay
// finite (its contract: every lane is pulled towards 1, no overflow).
//
// Tolerance: stream_sum is an n-term f32 sum in accumulator order: max(1e-5, 1e-6·|ref|)·√n, as
// the K-term dot products of gemm.spec.ts.
import { peak_flops, stream_copy, stream_sum } from "../../assembly/limits";
import { Buffer, close, fail, fillNaN, fillUniform, mismatch, seed, SIZES } from "./helpers";

// n = 0 must touch nothing; around the 4-lane vector and the 16-element (64-byte) unrolled loop.
const ALL_SIZES: i32[] = [0].concat(SIZES).concat([47, 48, 49, 63, 64, 65, 784, 4099]);

describe("stream_copy", () => {
  test("copies n elements exactly and nothing else", () => {
    seed(71);
    for (let s = 0; s < ALL_SIZES.length; s++) {
      const n = ALL_SIZES[s];
      const src = fillUniform(new Buffer<f32>(n), -1, 1), src0 = src.copy();
      const dst = fillNaN(new Buffer<f32>(n));
      stream_copy(dst.ptr, src.ptr, n);
      if (!dst.sameAs(src)) fail("stream_copy n=" + n.toString() + ": dst differs from src");
      if (!dst.guardsIntact()) fail("stream_copy wrote outside dst, n=" + n.toString());
      if (!src.sameAs(src0)) fail("stream_copy modified src, n=" + n.toString());
      src.free(); src0.free(); dst.free();
    }
  });
});

describe("stream_sum", () => {
  test("Σ ptr[i] against a float64 sum", () => {
    seed(72);
    for (let s = 0; s < ALL_SIZES.length; s++) {
      const n = ALL_SIZES[s];
      const x = fillUniform(new Buffer<f32>(n), -1, 1), x0 = x.copy();
      let ref: f64 = 0;
      for (let i = 0; i < n; i++) ref += <f64>x[i];
      const got = <f64>stream_sum(x.ptr, n);
      if (!close(got, ref, Math.max(1, Math.sqrt(<f64>n)))) mismatch(got, ref, "stream_sum n=" + n.toString());
      if (!x.sameAs(x0)) fail("stream_sum modified its input, n=" + n.toString());
      x.free(); x0.free();
    }
  });

  test("known value: 1 + 2 + … + 100 = 5050 (exact in f32)", () => {
    const x = new Buffer<f32>(100);
    for (let i = 0; i < 100; i++) x[i] = <f32>(i + 1);
    expect<f32>(stream_sum(x.ptr, 100)).toBe(5050, "stream_sum 1..100");
    x.free();
  });
});

describe("peak_flops", () => {
  test("stays finite and positive for 0 to 100 000 iterations", () => {
    const counts: i32[] = [0, 1, 7, 1000, 100000];
    for (let c = 0; c < counts.length; c++) {
      const r = peak_flops(counts[c]);
      if (!(isFinite(r) && r > 0)) fail("peak_flops(" + counts[c].toString() + ") = " + r.toString());
    }
  });
});
