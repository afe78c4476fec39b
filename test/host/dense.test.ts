// The dense-layer kernels (assembly/dense.ts) and the fused output layer (softmax_crossentropy) in
// both variants, kernel and scalar twin, against float64 references: rows, inputs and outputs each
// swept over the boundary sizes, K panels, and the MLP's real shapes.
//
// Tolerances (see reference.ts): a dot product of K f32 products plus the bias, summed in any
// order, is within γ_{K+1}·(Σ|x·w| + |b|) of the exact value (K panels only add roundings of
// partial sums, which the any-order bound covers); ReLU and the [act > 0] mask are exact. The u8
// inputs enter the reference as the kernels form them, f32(byte)·f32(scale) rounded to f32, so the
// reference multiplies the same operands. softmaxCrossentropy must equal, bit for bit, the four
// kernels it fuses (its loss, when split over threads, up to the order of the f64 sum).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Arena, Runtime, Tensor, Variant } from '../../src/index.node.js';
import {
  BATCHES,
  CLASSES,
  HIDDEN,
  PIXELS,
  SIZES,
  TWINS,
  Rng,
  expectClose,
  expectEqual,
  expectInputsUnchanged,
  expectWritesOnly,
  f32,
  forEachVariant,
  gamma,
  i32,
  makeArena,
  u8,
} from './reference.js';

const fr = Math.fround;
const SCALE = 1 / 255;
const POOL = 41;

interface Shape {
  rows: number;
  inputs: number;
  outputs: number;
}

/** Each size swept in one dimension while the other two take (7, 9) and (16, 33); then K panels and the MLP. */
function sweep(extra: Shape[]): Shape[] {
  const shapes: Shape[] = [];
  for (const n of SIZES) {
    for (const [x, y] of [
      [7, 9],
      [16, 33],
    ] as const) {
      shapes.push(
        { rows: n, inputs: x, outputs: y },
        { rows: x, inputs: n, outputs: y },
        { rows: x, inputs: y, outputs: n },
      );
    }
  }
  return [...shapes, ...extra];
}

const MLP: Shape[] = BATCHES.flatMap((b) => [
  { rows: b, inputs: PIXELS, outputs: CLASSES },
  { rows: b, inputs: PIXELS, outputs: HIDDEN },
  { rows: b, inputs: HIDDEN, outputs: CLASSES },
  { rows: b, inputs: CLASSES, outputs: CLASSES },
]);
/**
 * Inputs across the 128-deep K panels, on both sides of the 10-output switch to transposed tiles,
 * and past the 1024 inputs denseForwardU8 packs in one pass.
 */
const PANELS: Shape[] = [127, 128, 129, 257, 1100].flatMap((k) => [
  { rows: 9, inputs: k, outputs: 10 },
  { rows: 9, inputs: k, outputs: 11 },
]);
/** Batches across the 128-row panels of the weight gradient. */
const BATCH_PANELS: Shape[] = [127, 128, 129, 257].flatMap((r) => [
  { rows: r, inputs: 17, outputs: 10 },
  { rows: r, inputs: 33, outputs: 12 },
]);

function describeShape({ rows, inputs, outputs }: Shape): string {
  return `rows×inputs×outputs = ${rows}×${inputs}×${outputs}`;
}

/** Pixel rows (every byte value likely, 0 and 255 present) and row indices with repeats, first and last rows included. */
function pixelData(
  rng: Rng,
  rows: number,
  inputs: number,
): { pixels: Uint8Array; indices: Int32Array; x: Float32Array } {
  const pixels = rng.bytes(POOL * inputs);
  pixels[0] = 255;
  pixels[pixels.length - 1] = 0;
  const indices = rng.ints(rows, POOL);
  indices[0] = POOL - 1;
  if (rows > 1) indices[rows - 1] = 0;
  // The inputs as the kernels form them.
  const x = new Float32Array(rows * inputs);
  for (let r = 0; r < rows; r++)
    for (let p = 0; p < inputs; p++) x[r * inputs + p] = fr(pixels[indices[r]! * inputs + p]! * fr(SCALE));
  return { pixels, indices, x };
}

/** act·W + b (ReLU optional) in float64, with γ_{inputs+1}·(Σ|x·w| + |b|). */
function forwardReference(
  x: Float32Array,
  W: Float32Array,
  b: Float32Array,
  s: Shape,
  relu: boolean,
): { value: Float64Array; tol: Float64Array } {
  const { rows, inputs, outputs } = s;
  const value = new Float64Array(rows * outputs),
    tol = new Float64Array(rows * outputs);
  const g = gamma(inputs + 1);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < outputs; j++) {
      let sum = b[j]!,
        mag = Math.abs(b[j]!);
      for (let p = 0; p < inputs; p++) {
        const t = x[r * inputs + p]! * W[p * outputs + j]!;
        sum += t;
        mag += Math.abs(t);
      }
      value[r * outputs + j] = relu ? Math.max(sum, 0) : sum;
      tol[r * outputs + j] = g * mag;
    }
  }
  return { value, tol };
}

function run<T>(arena: Arena, outputs: Tensor[], inputs: Tensor[], fn: () => T): T {
  return expectWritesOnly(arena, outputs, () => expectInputsUnchanged(inputs, fn));
}

function checkForward(runtime: Runtime, variant: Variant, s: Shape, relu: boolean, seed: number): void {
  const { rows, inputs, outputs } = s;
  const rng = new Rng(seed);
  const x = rng.f32(rows * inputs),
    W = rng.f32(inputs * outputs),
    b = rng.f32(outputs);
  const ref = forwardReference(x, W, b, s, relu);
  const arena = makeArena(runtime, {
    inp: { shape: [rows, inputs], data: x },
    W: { shape: [inputs, outputs], data: W },
    b: { shape: [outputs], data: b },
    out: { shape: [rows, outputs] },
  });
  const Out = f32(arena, 'out');
  for (const twin of TWINS) {
    Out.fill(NaN);
    run(arena, [Out], [f32(arena, 'inp'), f32(arena, 'W'), f32(arena, 'b')], () =>
      arena.kernels.denseForward(Out, f32(arena, 'inp'), f32(arena, 'W'), f32(arena, 'b'), {
        relu,
        scalar: twin.scalar,
      }),
    );
    expectClose(Out.read(), ref.value, ref.tol, {
      what: `denseForward${relu ? ' relu' : ''} (${variant} ${twin.label})`,
      shape: describeShape(s),
      cols: outputs,
    });
  }
}

function checkForwardU8(runtime: Runtime, variant: Variant, s: Shape, relu: boolean, seed: number): void {
  const { rows, inputs, outputs } = s;
  const rng = new Rng(seed);
  const { pixels, indices, x } = pixelData(rng, rows, inputs);
  const W = rng.f32(inputs * outputs),
    b = rng.f32(outputs);
  const ref = forwardReference(x, W, b, s, relu);
  const arena = makeArena(runtime, {
    pixels: { dtype: 'u8', shape: [POOL, inputs], data: pixels },
    indices: { dtype: 'i32', shape: [rows], data: indices },
    W: { shape: [inputs, outputs], data: W },
    b: { shape: [outputs], data: b },
    out: { shape: [rows, outputs] },
    ws: { dtype: 'u8', shape: [workspaceBytes(runtime)] },
  });
  const Out = f32(arena, 'out'),
    Ws = u8(arena, 'ws');
  for (const twin of TWINS) {
    Out.fill(NaN);
    run(arena, [Out, Ws], [u8(arena, 'pixels'), i32(arena, 'indices'), f32(arena, 'W'), f32(arena, 'b')], () =>
      arena.kernels.denseForwardU8(
        Out,
        u8(arena, 'pixels'),
        i32(arena, 'indices'),
        f32(arena, 'W'),
        f32(arena, 'b'),
        Ws,
        { relu, scalar: twin.scalar },
      ),
    );
    expectClose(Out.read(), ref.value, ref.tol, {
      what: `denseForwardU8${relu ? ' relu' : ''} (${variant} ${twin.label})`,
      shape: describeShape(s),
      cols: outputs,
    });
  }
}

function checkWeightsU8(runtime: Runtime, variant: Variant, s: Shape, seed: number): void {
  const { rows, inputs, outputs } = s;
  const rng = new Rng(seed);
  const { pixels, indices, x } = pixelData(rng, rows, inputs);
  const dout = rng.f32(rows * outputs);
  const value = new Float64Array(inputs * outputs),
    tol = new Float64Array(inputs * outputs);
  for (let i = 0; i < inputs; i++) {
    for (let j = 0; j < outputs; j++) {
      let sum = 0,
        mag = 0;
      for (let r = 0; r < rows; r++) {
        const t = x[r * inputs + i]! * dout[r * outputs + j]!;
        sum += t;
        mag += Math.abs(t);
      }
      value[i * outputs + j] = sum;
      tol[i * outputs + j] = gamma(rows) * mag;
    }
  }
  const arena = makeArena(runtime, {
    pixels: { dtype: 'u8', shape: [POOL, inputs], data: pixels },
    indices: { dtype: 'i32', shape: [rows], data: indices },
    dout: { shape: [rows, outputs], data: dout },
    dW: { shape: [inputs, outputs] },
    ws: { dtype: 'u8', shape: [workspaceBytes(runtime)] },
  });
  const DW = f32(arena, 'dW'),
    Ws = u8(arena, 'ws');
  for (const twin of TWINS) {
    DW.fill(NaN);
    run(arena, [DW, Ws], [u8(arena, 'pixels'), i32(arena, 'indices'), f32(arena, 'dout')], () =>
      arena.kernels.denseBackwardWeightsU8(DW, u8(arena, 'pixels'), i32(arena, 'indices'), f32(arena, 'dout'), Ws, {
        scalar: twin.scalar,
      }),
    );
    expectClose(DW.read(), value, tol, {
      what: `denseBackwardWeightsU8 (${variant} ${twin.label})`,
      shape: describeShape(s),
      cols: outputs,
    });
  }
}

function checkBackwardInput(runtime: Runtime, variant: Variant, s: Shape, seed: number): void {
  const { rows, inputs, outputs } = s;
  const rng = new Rng(seed);
  const dout = rng.f32(rows * outputs),
    W = rng.f32(inputs * outputs);
  // Activations as a ReLU leaves them: about a third exact zeros, the rest positive.
  const act = Float32Array.from(rng.f32(rows * inputs, -0.5, 1), (a) => Math.max(a, 0));
  const value = new Float64Array(rows * inputs),
    tol = new Float64Array(rows * inputs);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < inputs; i++) {
      let sum = 0,
        mag = 0;
      for (let j = 0; j < outputs; j++) {
        const t = dout[r * outputs + j]! * W[i * outputs + j]!;
        sum += t;
        mag += Math.abs(t);
      }
      const live = act[r * inputs + i]! > 0;
      value[r * inputs + i] = live ? sum : 0;
      tol[r * inputs + i] = live ? gamma(outputs) * mag : 0;
    }
  }
  const arena = makeArena(runtime, {
    dout: { shape: [rows, outputs], data: dout },
    W: { shape: [inputs, outputs], data: W },
    act: { shape: [rows, inputs], data: act },
    dinp: { shape: [rows, inputs] },
  });
  const Dinp = f32(arena, 'dinp');
  for (const twin of TWINS) {
    Dinp.fill(NaN);
    run(arena, [Dinp], [f32(arena, 'dout'), f32(arena, 'W'), f32(arena, 'act')], () =>
      arena.kernels.denseBackwardInput(Dinp, f32(arena, 'dout'), f32(arena, 'W'), f32(arena, 'act'), {
        scalar: twin.scalar,
      }),
    );
    expectClose(Dinp.read(), value, tol, {
      what: `denseBackwardInput (${variant} ${twin.label})`,
      shape: describeShape(s),
      cols: inputs,
    });
  }
}

forEachVariant((ctx) => {
  const { variant } = ctx;

  describe('denseForward', () => {
    const shapes = sweep([...PANELS, ...MLP]);
    for (const relu of [false, true]) {
      it(`out = inp·W + b${relu ? ', ReLU' : ''}: ${shapes.length} shapes (sizes, K panels, the MLP)`, () => {
        shapes.forEach((s, k) => checkForward(ctx.runtime, variant, s, relu, 100 + k));
      });
    }
  });

  describe('denseForwardU8', () => {
    const shapes = sweep([...PANELS, ...MLP]);
    for (const relu of [false, true]) {
      it(`out = (pixels[indices]/255)·W + b${relu ? ', ReLU' : ''}: ${shapes.length} shapes (sizes, K panels, the MLP)`, () => {
        shapes.forEach((s, k) => checkForwardU8(ctx.runtime, variant, s, relu, 300 + k));
      });
    }
  });

  describe('denseBackwardWeightsU8', () => {
    const shapes = sweep([...BATCH_PANELS, ...MLP.filter((s) => s.inputs === PIXELS)]);
    it(`dW = (pixels[indices]/255)ᵀ·dout: ${shapes.length} shapes (sizes, batch panels, the MLP)`, () => {
      shapes.forEach((s, k) => checkWeightsU8(ctx.runtime, variant, s, 500 + k));
    });
  });

  describe('denseBackwardInput', () => {
    const shapes = sweep([{ rows: 9, inputs: 17, outputs: 129 }, ...MLP.filter((s) => s.inputs !== PIXELS)]);
    it(`dinp = (dout·Wᵀ) ⊙ [act > 0]: ${shapes.length} shapes (sizes across the NT switch at 32 outputs, the MLP)`, () => {
      shapes.forEach((s, k) => checkBackwardInput(ctx.runtime, variant, s, 700 + k));
    });
  });

  describe('softmaxCrossentropy', () => {
    const shapes: Array<[number, number]> = [
      ...SIZES.map((c) => [3, c] as [number, number]),
      ...SIZES.map((r) => [r, CLASSES] as [number, number]),
      [BATCHES[1], CLASSES],
    ];
    for (const inPlace of [false, true]) {
      it(`equals softmaxForward → crossentropyLoss, countCorrect, softmaxCrossentropyBackward${inPlace ? ', in place' : ''}: ${shapes.length} shapes`, () => {
        const rng = new Rng(inPlace ? 902 : 901);
        for (const [rows, cols] of shapes) {
          const logits = rng.f32(rows * cols, -6, 6),
            labels = rng.ints(rows, cols);
          if (cols > 1) logits[0] = logits[1] = 7; // a tie for the largest probability
          const arena = makeArena(ctx.runtime, {
            logits: { shape: [rows, cols], data: logits },
            labels: { dtype: 'i32', shape: [rows], data: labels },
            probs: { shape: [rows, cols] },
            expected: { shape: [rows, cols] },
            dlogits: { shape: [rows, cols] },
            correct: { dtype: 'i32', shape: [1] },
          });
          const k = arena.kernels,
            L = f32(arena, 'logits'),
            Y = i32(arena, 'labels');
          k.softmaxForward(f32(arena, 'probs'), L);
          const loss = k.crossentropyLoss(f32(arena, 'probs'), Y);
          const right = k.countCorrect(f32(arena, 'probs'), Y);
          k.softmaxCrossentropyBackward(f32(arena, 'expected'), f32(arena, 'probs'), Y, { scale: 1 / rows });
          const D = inPlace ? L : f32(arena, 'dlogits');
          const got = run(arena, [D, i32(arena, 'correct')], inPlace ? [Y] : [L, Y], () =>
            k.softmaxCrossentropy(D, L, Y, i32(arena, 'correct')),
          );
          const context = {
            what: `softmaxCrossentropy${inPlace ? ' in place' : ''} (${variant})`,
            shape: `rows×cols = ${rows}×${cols}`,
            cols,
          };
          // On one thread the same f64 sum in the same order; split over threads, the sum of the
          // threads' partial sums: the same terms in another order, within (rows + 1)·2⁻⁵³ relative.
          if (ctx.threads === 1) assert.equal(got.loss, loss, `${context.what} loss, ${context.shape}`);
          else
            assert.ok(
              Math.abs(got.loss - loss) <= (rows + 1) * 2 ** -53 * loss,
              `${context.what} loss ${got.loss} vs ${loss}, ${context.shape}`,
            );
          assert.equal(got.correct, right, `${context.what} correct rows, ${context.shape}`);
          expectEqual(D.read(), f32(arena, 'expected').read(), context);
        }
      });
    }
  });

  it('the u8 kernels equal gather_images followed by sgemm, bias and ReLU (same products, same sums)', () => {
    const rng = new Rng(77);
    for (const s of [
      { rows: 32, inputs: PIXELS, outputs: CLASSES },
      { rows: 33, inputs: PIXELS, outputs: HIDDEN },
      { rows: 130, inputs: 40, outputs: 10 },
    ]) {
      const { rows, inputs, outputs } = s;
      const { pixels, indices } = pixelData(rng, rows, inputs);
      const arena = makeArena(ctx.runtime, {
        pixels: { dtype: 'u8', shape: [POOL, inputs], data: pixels },
        indices: { dtype: 'i32', shape: [rows], data: indices },
        W: { shape: [inputs, outputs], data: rng.f32(inputs * outputs) },
        b: { shape: [outputs], data: rng.f32(outputs) },
        dout: { shape: [rows, outputs], data: rng.f32(rows * outputs) },
        x: { shape: [rows, inputs] },
        out: { shape: [rows, outputs] },
        out2: { shape: [rows, outputs] },
        dW: { shape: [inputs, outputs] },
        dW2: { shape: [inputs, outputs] },
        ws: { dtype: 'u8', shape: [workspaceBytes(ctx.runtime)] },
      });
      const k = arena.kernels;
      k.gatherImages(f32(arena, 'x'), u8(arena, 'pixels'), i32(arena, 'indices'));
      k.sgemm(f32(arena, 'out2'), f32(arena, 'x'), f32(arena, 'W'));
      k.biasForward(f32(arena, 'out2'), f32(arena, 'out2'), f32(arena, 'b'));
      k.reluForward(f32(arena, 'out2'), f32(arena, 'out2'));
      k.sgemm(f32(arena, 'dW2'), f32(arena, 'x'), f32(arena, 'dout'), { transA: true });
      k.denseForwardU8(
        f32(arena, 'out'),
        u8(arena, 'pixels'),
        i32(arena, 'indices'),
        f32(arena, 'W'),
        f32(arena, 'b'),
        u8(arena, 'ws'),
        { relu: true },
      );
      k.denseBackwardWeightsU8(
        f32(arena, 'dW'),
        u8(arena, 'pixels'),
        i32(arena, 'indices'),
        f32(arena, 'dout'),
        u8(arena, 'ws'),
      );
      expectEqual(f32(arena, 'out').read(), f32(arena, 'out2').read(), {
        what: `denseForwardU8 vs gather + sgemm (${variant})`,
        shape: describeShape(s),
        cols: outputs,
      });
      expectEqual(f32(arena, 'dW').read(), f32(arena, 'dW2').read(), {
        what: `denseBackwardWeightsU8 vs gather + sgemm TN (${variant})`,
        shape: describeShape(s),
        cols: outputs,
      });
    }
  });

  it('wrappers refuse bad shapes, a small workspace and overlaps, naming both shapes', () => {
    const arena = makeArena(ctx.runtime, {
      pixels: { dtype: 'u8', shape: [4, 20] },
      indices: { dtype: 'i32', shape: [3], data: [0, 3, 1] },
      bad: { dtype: 'i32', shape: [3], data: [0, 4, 1] },
      W: { shape: [20, 5] },
      Wt: { shape: [5, 20] },
      b: { shape: [5] },
      b6: { shape: [6] },
      out: { shape: [3, 5] },
      x: { shape: [3, 20] },
      ws: { dtype: 'u8', shape: [workspaceBytes(ctx.runtime)] },
      small: { dtype: 'u8', shape: [64] },
      correct: { dtype: 'i32', shape: [2] },
      labels: { dtype: 'i32', shape: [3] },
      wsf: { shape: [workspaceBytes(ctx.runtime) / 4] },
    });
    const k = arena.kernels,
      P = u8(arena, 'pixels'),
      I = i32(arena, 'indices'),
      W = f32(arena, 'W'),
      b = f32(arena, 'b'),
      out = f32(arena, 'out'),
      ws = u8(arena, 'ws');
    const refused = (fn: () => unknown, error: ErrorConstructor, message: RegExp) =>
      expectWritesOnly(arena, [], () => assert.throws(fn, (e: Error) => e instanceof error && message.test(e.message)));
    refused(
      () => k.denseForwardU8(out, P, I, f32(arena, 'Wt'), b, ws),
      RangeError,
      /weights \[5,20\] must be \[20,5\]/,
    );
    refused(() => k.denseForwardU8(out, P, I, W, f32(arena, 'b6'), ws), RangeError, /bias \[6\] must have 5 elements/);
    refused(() => k.denseForwardU8(out, P, i32(arena, 'bad'), W, b, ws), RangeError, /indices\[1\] = 4/);
    refused(
      () => k.denseForwardU8(out, P, I, W, b, u8(arena, 'small')),
      RangeError,
      /workspace small \[64\] holds 64 bytes/,
    );
    const wsf = f32(arena, 'wsf');
    refused(
      () => k.denseForwardU8(wsf.slice(0, [3, 5]), P, I, W, b, wsf),
      RangeError,
      /out \[3,5\] must not overlap workspace/,
    );
    refused(
      () => k.denseForward(out, f32(arena, 'x'), f32(arena, 'Wt'), b),
      RangeError,
      /weights \[5,20\] must be \[20,5\]/,
    );
    refused(
      () => k.denseBackwardWeightsU8(f32(arena, 'Wt'), P, I, out, ws),
      RangeError,
      /dweights \[5,20\] must be \[20,5\]/,
    );
    refused(
      () => k.denseBackwardInput(f32(arena, 'x'), out, W, out),
      RangeError,
      /dinp \[3,20\] and act \[3,5\] must have the same shape/,
    );
    refused(
      () => k.softmaxCrossentropy(out, out, i32(arena, 'labels'), i32(arena, 'correct')),
      RangeError,
      /correct \[2\] must hold exactly one element/,
    );
  });
});

const workspaceSizes = new Map<Runtime, number>();
/** Bytes of workspace the u8 kernels need (the same in every arena of a runtime). */
function workspaceBytes(runtime: Runtime): number {
  let bytes = workspaceSizes.get(runtime);
  if (bytes === undefined)
    workspaceSizes.set(runtime, (bytes = runtime.createArena({ probe: [1] }).kernels.denseWorkspaceBytes));
  return bytes;
}
