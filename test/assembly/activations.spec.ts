// relu_forward / relu_backward and their scalar twins. ReLU only selects values, so every result
// must equal its reference exactly (−0 and +0 compare equal).
import { relu_backward, relu_backward_scalar, relu_forward, relu_forward_scalar } from "../../assembly/activations";
import { Buffer, fail, fillFrom, fillNaN, fillUniform, seed, SIZES, uniform } from "./helpers";

// Uniform in [-1, 1) with exact zeros and negative zeros mixed in, where ReLU's branch flips.
function preActivations(n: i32): Buffer<f32> {
  const z = new Buffer<f32>(n);
  for (let i = 0; i < n; i++) z[i] = i % 5 == 2 ? 0 : i % 7 == 3 ? -0.0 : uniform(-1, 1);
  return z;
}

function at(name: string, n: i32, i: i32): string {
  return name + " n=" + n.toString() + (i < 0 ? "" : ": [" + i.toString() + "]");
}

// n = 0 must touch nothing; the rest go around the 4-lane width; 784 and 32·128 are real sizes.
const ALL_SIZES: i32[] = [0].concat(SIZES).concat([784, 4096]);

describe("relu_forward", () => {
  test("known values", () => {
    const x = fillFrom(new Buffer<f32>(6), [-2, -0.5, 0, 0.5, 2, -1e-30]);
    const out = fillNaN(new Buffer<f32>(6));
    relu_forward(out.ptr, x.ptr, 6);
    const expected: f32[] = [0, 0, 0, 0.5, 2, 0];
    for (let i = 0; i < 6; i++) expect<f32>(out[i]).toBe(expected[i], at("relu_forward", 6, i));
    x.free(); out.free();
  });

  test("max(x, 0) for every n, and equal to relu_forward_scalar", () => {
    seed(3);
    for (let s = 0; s < ALL_SIZES.length; s++) {
      const n = ALL_SIZES[s];
      const x = preActivations(n), x0 = x.copy();
      const out = fillNaN(new Buffer<f32>(n)), twin = fillNaN(new Buffer<f32>(n));
      relu_forward(out.ptr, x.ptr, n);
      relu_forward_scalar(twin.ptr, x.ptr, n);
      for (let i = 0; i < n; i++) {
        const ref: f32 = x[i] > 0 ? x[i] : 0;
        if (out[i] != ref) expect<f32>(out[i]).toBe(ref, at("relu_forward", n, i));
        if (twin[i] != ref) expect<f32>(twin[i]).toBe(ref, at("relu_forward_scalar", n, i));
      }
      if (!out.guardsIntact() || !twin.guardsIntact()) fail(at("relu_forward wrote outside out", n, -1));
      if (!x.sameAs(x0)) fail(at("relu_forward modified inp", n, -1));
      x.free(); x0.free(); out.free(); twin.free();
    }
  });

  test("in place (out == inp)", () => {
    seed(4);
    for (let s = 0; s < ALL_SIZES.length; s++) {
      const n = ALL_SIZES[s];
      const x = preActivations(n), x0 = x.copy(), y = x.copy();
      relu_forward(x.ptr, x.ptr, n);
      relu_forward_scalar(y.ptr, y.ptr, n);
      for (let i = 0; i < n; i++) {
        const ref: f32 = x0[i] > 0 ? x0[i] : 0;
        if (x[i] != ref) expect<f32>(x[i]).toBe(ref, at("in-place relu_forward", n, i));
        if (y[i] != ref) expect<f32>(y[i]).toBe(ref, at("in-place relu_forward_scalar", n, i));
      }
      if (!x.guardsIntact() || !y.guardsIntact()) fail(at("in-place relu_forward wrote outside", n, -1));
      x.free(); x0.free(); y.free();
    }
  });
});

describe("relu_backward", () => {
  test("known values: the gradient passes where z > 0 only", () => {
    const z = fillFrom(new Buffer<f32>(5), [-1, 0, -0.0, 1e-30, 3]);
    const dout = fillFrom(new Buffer<f32>(5), [10, 20, 30, 40, 50]);
    const dinp = fillNaN(new Buffer<f32>(5));
    relu_backward(dinp.ptr, dout.ptr, z.ptr, 5);
    const expected: f32[] = [0, 0, 0, 40, 50];
    for (let i = 0; i < 5; i++) expect<f32>(dinp[i]).toBe(expected[i], at("relu_backward", 5, i));
    z.free(); dout.free(); dinp.free();
  });

  test("dout where z > 0 else 0 for every n, and equal to relu_backward_scalar", () => {
    seed(5);
    for (let s = 0; s < ALL_SIZES.length; s++) {
      const n = ALL_SIZES[s];
      // dout has no zeros of its own, so passing it where z == 0 would show.
      const z = preActivations(n), dout = fillUniform(new Buffer<f32>(n), 0.5, 1);
      const z0 = z.copy(), dout0 = dout.copy();
      const dinp = fillNaN(new Buffer<f32>(n)), twin = fillNaN(new Buffer<f32>(n));
      relu_backward(dinp.ptr, dout.ptr, z.ptr, n);
      relu_backward_scalar(twin.ptr, dout.ptr, z.ptr, n);
      for (let i = 0; i < n; i++) {
        const ref: f32 = z[i] > 0 ? dout[i] : 0;
        if (dinp[i] != ref) expect<f32>(dinp[i]).toBe(ref, at("relu_backward", n, i));
        if (twin[i] != ref) expect<f32>(twin[i]).toBe(ref, at("relu_backward_scalar", n, i));
      }
      if (!dinp.guardsIntact() || !twin.guardsIntact()) fail(at("relu_backward wrote outside dinp", n, -1));
      if (!z.sameAs(z0) || !dout.sameAs(dout0)) fail(at("relu_backward modified z or dout", n, -1));
      z.free(); dout.free(); z0.free(); dout0.free(); dinp.free(); twin.free();
    }
  });

  test("in place (dinp == dout)", () => {
    seed(6);
    for (let s = 0; s < ALL_SIZES.length; s++) {
      const n = ALL_SIZES[s];
      const z = preActivations(n), d = fillUniform(new Buffer<f32>(n), 0.5, 1);
      const d0 = d.copy(), e = d.copy();
      relu_backward(d.ptr, d.ptr, z.ptr, n);
      relu_backward_scalar(e.ptr, e.ptr, z.ptr, n);
      for (let i = 0; i < n; i++) {
        const ref: f32 = z[i] > 0 ? d0[i] : 0;
        if (d[i] != ref) expect<f32>(d[i]).toBe(ref, at("in-place relu_backward", n, i));
        if (e[i] != ref) expect<f32>(e[i]).toBe(ref, at("in-place relu_backward_scalar", n, i));
      }
      if (!d.guardsIntact() || !e.guardsIntact()) fail(at("in-place relu_backward wrote outside", n, -1));
      z.free(); d.free(); d0.free(); e.free();
    }
  });
});
