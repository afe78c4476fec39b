// dropout_forward, dropout_backward and their scalar twins. The mask is a hash, so the checks are
// exact where the contract is exact (SIMD = scalar twin bit for bit, out = inp · mask · scale in f32,
// a split call = one call) and statistical where it is random: kept fraction within 5σ of 1 − rate
// over 10⁶ elements, neighbours independent, other seeds other masks.
import { dropout_backward, dropout_backward_scalar, dropout_forward, dropout_forward_scalar } from "../../assembly/dropout";
import { Buffer, fail, fillNaN, seed, uniform } from "./helpers";

// n = 0 must touch nothing; 1…17, 31, 33 go around the 4-lane width; 784 and 1280 are real sizes.
const ALL_SIZES: i32[] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 31, 33, 784, 1280];
const RATES: f64[] = [0, 0.2, 0.5, 0.9];

function thresholdOf(rate: f64): u32 {
  return <u32>Math.floor(rate * 4294967296.0);
}

function scaleOf(rate: f64): f32 {
  return <f32>(1 / (1 - rate));
}

function at(name: string, n: i32, rate: f64, i: i32): string {
  return name + " n=" + n.toString() + " rate=" + rate.toString() + (i < 0 ? "" : ": [" + i.toString() + "]");
}

function values(n: i32): Buffer<f32> {
  const x = new Buffer<f32>(n, 4);
  for (let i = 0; i < n; i++) x[i] = uniform(-2, 2);
  return x;
}

// Kept elements of a mask of n from `seed` (first = 0), through the SIMD kernel.
function keptCount(mask: Buffer<u8>, x: Buffer<f32>, out: Buffer<f32>, n: i32, s: u32, rate: f64): i32 {
  dropout_forward(out.ptr, mask.ptr, x.ptr, n, s, 0, thresholdOf(rate), scaleOf(rate));
  let kept = 0;
  for (let i = 0; i < n; i++) kept += mask[i];
  return kept;
}

describe("dropout_forward", () => {
  test("out = inp · mask · scale, mask 0/1, SIMD = scalar twin bit for bit, for every n and rate", () => {
    seed(31);
    for (let r = 0; r < RATES.length; r++) {
      const rate = RATES[r], threshold = thresholdOf(rate), scale = scaleOf(rate);
      for (let s = 0; s < ALL_SIZES.length; s++) {
        const n = ALL_SIZES[s];
        const x = values(n), x0 = x.copy();
        const out = fillNaN(new Buffer<f32>(n)), twin = fillNaN(new Buffer<f32>(n));
        const mask = new Buffer<u8>(n, 3), twinMask = new Buffer<u8>(n, 1);
        dropout_forward(out.ptr, mask.ptr, x.ptr, n, 1234 + <u32>n, 77, threshold, scale);
        dropout_forward_scalar(twin.ptr, twinMask.ptr, x.ptr, n, 1234 + <u32>n, 77, threshold, scale);
        for (let i = 0; i < n; i++) {
          if (mask[i] > 1) fail(at("dropout_forward mask", n, rate, i) + " is " + mask[i].toString());
          if (rate == 0 && mask[i] != 1) fail(at("dropout_forward at rate 0 dropped", n, rate, i));
          const ref: f32 = x0[i] * (<f32>mask[i] * scale);
          if (reinterpret<u32>(out[i]) != reinterpret<u32>(ref)) expect<f32>(out[i]).toBe(ref, at("dropout_forward", n, rate, i));
          if (mask[i] != twinMask[i] || reinterpret<u32>(out[i]) != reinterpret<u32>(twin[i])) fail(at("dropout_forward_scalar differs", n, rate, i));
        }
        if (!out.guardsIntact() || !mask.guardsIntact() || !twin.guardsIntact() || !twinMask.guardsIntact()) fail(at("dropout_forward wrote outside", n, rate, -1));
        if (!x.sameAs(x0)) fail(at("dropout_forward modified inp", n, rate, -1));
        x.free(); x0.free(); out.free(); twin.free(); mask.free(); twinMask.free();
      }
    }
  });

  test("in place (out == inp) gives the same result", () => {
    seed(32);
    for (let s = 0; s < ALL_SIZES.length; s++) {
      const n = ALL_SIZES[s];
      const x = values(n), y = x.copy(), out = new Buffer<f32>(n), mask = new Buffer<u8>(n), mask2 = new Buffer<u8>(n);
      dropout_forward(out.ptr, mask.ptr, x.ptr, n, 9, 0, thresholdOf(0.3), scaleOf(0.3));
      dropout_forward(y.ptr, mask2.ptr, y.ptr, n, 9, 0, thresholdOf(0.3), scaleOf(0.3));
      if (!y.sameAs(out) || !mask.sameAs(mask2)) fail(at("in-place dropout_forward", n, 0.3, -1));
      x.free(); y.free(); out.free(); mask.free(); mask2.free();
    }
  });

  test("a call split at any point (as threads split it) gives the mask of one call", () => {
    const n = 1280, rate = 0.5;
    const x = values(n), whole = new Buffer<f32>(n), wholeMask = new Buffer<u8>(n);
    dropout_forward(whole.ptr, wholeMask.ptr, x.ptr, n, 42, 0, thresholdOf(rate), scaleOf(rate));
    const cuts: i32[] = [1, 3, 5, 640, 1279];
    for (let c = 0; c < cuts.length; c++) {
      const k = cuts[c];
      const out = new Buffer<f32>(n), mask = new Buffer<u8>(n);
      dropout_forward(out.ptr, mask.ptr, x.ptr, k, 42, 0, thresholdOf(rate), scaleOf(rate));
      dropout_forward(out.ptr + (<usize>k << 2), mask.ptr + <usize>k, x.ptr + (<usize>k << 2), n - k, 42, <u32>k, thresholdOf(rate), scaleOf(rate));
      if (!out.sameAs(whole) || !mask.sameAs(wholeMask)) fail("split at " + k.toString() + " differs from one call");
      out.free(); mask.free();
    }
    x.free(); whole.free(); wholeMask.free();
  });

  test("kept fraction within 5σ of 1 − rate over 10⁶ elements; neighbours independent", () => {
    const n = 1000000;
    const x = values(n), out = new Buffer<f32>(n), mask = new Buffer<u8>(n);
    for (let r = 1; r < RATES.length; r++) {
      const rate = RATES[r], p = 1 - rate;
      const kept = keptCount(mask, x, out, n, 2026 + <u32>r, rate);
      const sigma = Math.sqrt(<f64>n * p * rate);
      if (Math.abs(<f64>kept - n * p) > 5 * sigma) fail(at("kept " + kept.toString() + " of", n, rate, -1));
      // P(mask[i] = mask[i+1] = 1) = p² for independent neighbours.
      let pairs = 0;
      for (let i = 0; i + 1 < n; i++) pairs += mask[i] & mask[i + 1];
      const pairSigma = Math.sqrt(<f64>(n - 1) * p * p * (1 - p * p) * 3); // neighbouring pairs overlap: ×3 variance bound
      if (Math.abs(<f64>pairs - (n - 1) * p * p) > 5 * pairSigma) fail(at("kept pairs " + pairs.toString() + " of", n, rate, -1));
    }
    x.free(); out.free(); mask.free();
  });

  test("different seeds (also seeds one bit apart) give masks that agree only by chance", () => {
    const n = 100000, rate = 0.5;
    const x = values(n), out = new Buffer<f32>(n), a = new Buffer<u8>(n), b = new Buffer<u8>(n);
    const seeds: u32[] = [0, 1, 2, 3, 0x80000000, 0xffffffff];
    for (let i = 0; i < seeds.length; i++) {
      dropout_forward(out.ptr, a.ptr, x.ptr, n, seeds[i], 0, thresholdOf(rate), scaleOf(rate));
      for (let j = i + 1; j < seeds.length; j++) {
        dropout_forward(out.ptr, b.ptr, x.ptr, n, seeds[j], 0, thresholdOf(rate), scaleOf(rate));
        let agree = 0;
        for (let k = 0; k < n; k++) agree += <i32>(a[k] == b[k]);
        // Independent masks at rate 0.5 agree on n/2 ± 5·√n/2 elements.
        if (Math.abs(<f64>agree - n / 2) > 5 * Math.sqrt(<f64>n) / 2) fail("seeds " + seeds[i].toString() + " and " + seeds[j].toString() + " agree on " + agree.toString() + " of " + n.toString());
      }
    }
    x.free(); out.free(); a.free(); b.free();
  });

  test("a dropped NaN or ∞ stays NaN (inp · 0), a kept one passes", () => {
    const n = 64;
    const x = new Buffer<f32>(n), out = new Buffer<f32>(n), mask = new Buffer<u8>(n);
    for (let i = 0; i < n; i++) x[i] = i & 1 ? NaN : Infinity;
    dropout_forward(out.ptr, mask.ptr, x.ptr, n, 5, 0, thresholdOf(0.5), scaleOf(0.5));
    for (let i = 0; i < n; i++) {
      const ok = mask[i] == 0 || (i & 1) == 1 ? isNaN(out[i]) : out[i] == Infinity;
      if (!ok) fail("element " + i.toString() + " mask " + mask[i].toString() + " out " + out[i].toString());
    }
    x.free(); out.free(); mask.free();
  });
});

describe("dropout_backward", () => {
  test("dinp = dout · mask · scale, SIMD = scalar twin bit for bit, dinp == dout too", () => {
    seed(33);
    for (let s = 0; s < ALL_SIZES.length; s++) {
      const n = ALL_SIZES[s], rate = 0.25, scale = scaleOf(rate);
      const x = values(n), out = new Buffer<f32>(n), mask = new Buffer<u8>(n, 1);
      dropout_forward(out.ptr, mask.ptr, x.ptr, n, 7, 0, thresholdOf(rate), scale);
      const dout = values(n), dout0 = dout.copy(), inPlace = dout.copy();
      const dinp = fillNaN(new Buffer<f32>(n)), twin = fillNaN(new Buffer<f32>(n));
      dropout_backward(dinp.ptr, dout.ptr, mask.ptr, n, scale);
      dropout_backward_scalar(twin.ptr, dout.ptr, mask.ptr, n, scale);
      dropout_backward(inPlace.ptr, inPlace.ptr, mask.ptr, n, scale);
      for (let i = 0; i < n; i++) {
        const ref: f32 = dout0[i] * (<f32>mask[i] * scale);
        if (reinterpret<u32>(dinp[i]) != reinterpret<u32>(ref)) expect<f32>(dinp[i]).toBe(ref, at("dropout_backward", n, rate, i));
        if (reinterpret<u32>(twin[i]) != reinterpret<u32>(ref)) expect<f32>(twin[i]).toBe(ref, at("dropout_backward_scalar", n, rate, i));
        if (reinterpret<u32>(inPlace[i]) != reinterpret<u32>(ref)) expect<f32>(inPlace[i]).toBe(ref, at("in-place dropout_backward", n, rate, i));
      }
      if (!dinp.guardsIntact() || !twin.guardsIntact() || !inPlace.guardsIntact()) fail(at("dropout_backward wrote outside dinp", n, rate, -1));
      if (!dout.sameAs(dout0)) fail(at("dropout_backward modified dout", n, rate, -1));
      x.free(); out.free(); mask.free(); dout.free(); dout0.free(); inPlace.free(); dinp.free(); twin.free();
    }
  });
});
