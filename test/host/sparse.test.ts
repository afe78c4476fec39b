// Sparse u8 rows (src/data/sparse.ts) and the sparse first-layer kernels (assembly/sparse.ts) in
// every variant and thread count, kernel and scalar twin:
//   - bit for bit equal to the dense u8 kernels' scalar twins on the same pixels (each element is
//     the same f32 sum in the same order, and a zero byte adds exactly +0), which makes the result
//     independent of the variant, of the thread count and of the sparse or dense form; from
//     sparse_blocked_min_rows rows the weight gradient sums in fixed row blocks, and is then bit
//     for bit its own scalar twin's in every variant and thread count; the relaxed kernels (not
//     their scalar twins) may fuse multiply-adds, so they are held to the bound below alone;
//   - within the any-order bound of a float64 reference (dense.test.ts's: γ_{K+1}·(Σ|x·w| + |b|));
//   - writing nothing but their outputs (and the workspace);
// for rows, inputs and outputs around the vector width and the 16-output blocks, the MLP's first
// layers, and real MNIST rows. The wrappers refuse malformed sparse rows before any kernel runs.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { countNonzero, loadMnist, packSparseRows, Tensor, type Runtime, type Variant } from '../../src/index.node.js';
import {
  CLASSES,
  HIDDEN,
  PIXELS,
  SIZES,
  TWINS,
  Rng,
  expectClose,
  expectEqual,
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

interface Shape {
  rows: number;
  inputs: number;
  outputs: number;
}

function describeShape({ rows, inputs, outputs }: Shape): string {
  return `rows×inputs×outputs = ${rows}×${inputs}×${outputs}`;
}

/** `pool` rows of pixels, about 70 % zero bytes, with an all-zero row (1) and an all-non-zero row (2) when pool > 2. */
function sparsePixels(rng: Rng, pool: number, inputs: number): Uint8Array {
  const pixels = new Uint8Array(pool * inputs);
  for (let i = 0; i < pixels.length; i++) pixels[i] = rng.next() < 0.7 ? 0 : 1 + rng.int(255);
  if (pool > 2) {
    pixels.fill(0, inputs, 2 * inputs);
    for (let c = 0; c < inputs; c++) pixels[2 * inputs + c] = 1 + rng.int(255);
  }
  return pixels;
}

function sparseOf(pixels: Uint8Array, inputs: number): { starts: Int32Array; entries: Int32Array } {
  const starts = new Int32Array(pixels.length / inputs + 1),
    entries = new Int32Array(countNonzero(pixels));
  packSparseRows(pixels, inputs, starts, entries);
  return { starts, entries };
}

/** Runs both sparse kernels on `pixels` rows picked by `indices` and checks them as the file header says. */
function checkShape(
  runtime: Runtime,
  { variant, twinExact }: { variant: Variant; twinExact: boolean },
  s: Shape,
  pixels: Uint8Array,
  indices: Int32Array,
  rng: Rng,
): void {
  const { rows, inputs, outputs } = s;
  const { starts, entries } = sparseOf(pixels, inputs);
  const W = rng.f32(inputs * outputs),
    b = rng.f32(outputs),
    dout = rng.f32(rows * outputs);
  const x = new Float32Array(rows * inputs);
  for (let r = 0; r < rows; r++)
    for (let p = 0; p < inputs; p++) x[r * inputs + p] = fr(pixels[indices[r]! * inputs + p]! * fr(SCALE));
  const arena = makeArena(runtime, {
    pixels: { dtype: 'u8', shape: [pixels.length / inputs, inputs], data: pixels },
    indices: { dtype: 'i32', shape: [rows], data: indices },
    starts: { dtype: 'i32', shape: [starts.length], data: starts },
    entries: { dtype: 'i32', shape: [Math.max(1, entries.length)], data: entries },
    W: { shape: [inputs, outputs], data: W },
    b: { shape: [outputs], data: b },
    dout: { shape: [rows, outputs], data: dout },
    out: { shape: [rows, outputs] },
    denseOut: { shape: [rows, outputs] },
    dW: { shape: [inputs, outputs] },
    denseDW: { shape: [inputs, outputs] },
    ws: { dtype: 'u8', shape: [Math.max(16, runtime.sparseWorkspaceBytes(rows, inputs, outputs))] },
    denseWs: { dtype: 'u8', shape: [arenaWorkspace(runtime)] },
  });
  const k = arena.kernels;
  const [P, I, S, E, Wt, Bt, D] = [
    u8(arena, 'pixels'),
    i32(arena, 'indices'),
    i32(arena, 'starts'),
    i32(arena, 'entries'),
    f32(arena, 'W'),
    f32(arena, 'b'),
    f32(arena, 'dout'),
  ];
  const [Out, DenseOut, DW, DenseDW, Ws] = [
    f32(arena, 'out'),
    f32(arena, 'denseOut'),
    f32(arena, 'dW'),
    f32(arena, 'denseDW'),
    u8(arena, 'ws'),
  ];
  k.denseForwardU8(DenseOut, P, I, Wt, Bt, u8(arena, 'denseWs'), { relu: true, scalar: true });
  k.denseBackwardWeightsU8(DenseDW, P, I, D, u8(arena, 'denseWs'), { scalar: true });
  // Forward reference (ReLU) and weight-gradient reference, with their bounds.
  const fwd = new Float64Array(rows * outputs),
    fwdTol = new Float64Array(rows * outputs);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < outputs; j++) {
      let sum = b[j]!,
        mag = Math.abs(b[j]!);
      for (let p = 0; p < inputs; p++) {
        const t = x[r * inputs + p]! * W[p * outputs + j]!;
        sum += t;
        mag += Math.abs(t);
      }
      fwd[r * outputs + j] = Math.max(sum, 0);
      fwdTol[r * outputs + j] = gamma(inputs + 1) * mag;
    }
  }
  const grad = new Float64Array(inputs * outputs),
    gradTol = new Float64Array(inputs * outputs);
  for (let p = 0; p < inputs; p++) {
    for (let j = 0; j < outputs; j++) {
      let sum = 0,
        mag = 0;
      for (let r = 0; r < rows; r++) {
        const t = x[r * inputs + p]! * dout[r * outputs + j]!;
        sum += t;
        mag += Math.abs(t);
      }
      grad[p * outputs + j] = sum;
      gradTol[p * outputs + j] = gamma(rows) * mag;
    }
  }
  const blocked = rows >= arena.exports.sparse_blocked_min_rows();
  let twinDW: Float32Array | undefined;
  for (const twin of TWINS) {
    const what = (name: string) => ({
      what: `${name} (${variant} ${twin.label})`,
      shape: describeShape(s),
      cols: outputs,
    });
    const exact = twinExact || twin.scalar;
    Out.fill(NaN);
    expectWritesOnly(arena, [Out], () => k.sparseForwardU8(Out, S, E, I, Wt, Bt, { relu: true, scalar: twin.scalar }));
    if (exact) expectEqual(Out.read(), DenseOut.read(), what('sparseForwardU8 vs denseForwardU8 scalar twin'));
    expectClose(Out.read(), fwd, fwdTol, what('sparseForwardU8'));
    DW.fill(NaN);
    expectWritesOnly(arena, [DW, Ws], () => k.sparseBackwardWeightsU8(DW, S, E, I, D, Ws, { scalar: twin.scalar }));
    if (exact) {
      if (!blocked)
        expectEqual(DW.read(), DenseDW.read(), what('sparseBackwardWeightsU8 vs denseBackwardWeightsU8 scalar twin'));
      else if (twinDW === undefined) twinDW = DW.read() as Float32Array;
      else expectEqual(DW.read(), twinDW, what('sparseBackwardWeightsU8 in row blocks vs the kernel'));
    }
    expectClose(DW.read(), grad, gradTol, what('sparseBackwardWeightsU8'));
  }
}

const workspaceSizes = new Map<Runtime, number>();
/** Bytes of workspace the dense u8 kernels need in this runtime's arenas. */
function arenaWorkspace(runtime: Runtime): number {
  let bytes = workspaceSizes.get(runtime);
  if (bytes === undefined)
    workspaceSizes.set(runtime, (bytes = runtime.createArena({ probe: [1] }).kernels.denseWorkspaceBytes));
  return bytes;
}

/** Each size swept as rows, inputs and outputs while the others take (7, 10) and (33, 17); then the MLP's first layers. */
const SHAPES: Shape[] = [
  ...SIZES.flatMap((n) =>
    [
      [7, 10],
      [33, 17],
    ].flatMap(([a, c]) => [
      { rows: n, inputs: a!, outputs: c! },
      { rows: a!, inputs: n, outputs: c! },
      { rows: a!, inputs: c!, outputs: n },
    ]),
  ),
  ...[32, 128].flatMap((rows) => [
    { rows, inputs: PIXELS, outputs: CLASSES },
    { rows, inputs: PIXELS, outputs: HIDDEN },
  ]),
  { rows: 9, inputs: PIXELS, outputs: 100 },
  // From sparse_blocked_min_rows (4096) rows: row blocks.
  { rows: 4096, inputs: 33, outputs: 10 },
  { rows: 4103, inputs: 7, outputs: 17 },
];

describe('packSparseRows', () => {
  it('stores (column << 8) | byte for each non-zero byte, row by row', () => {
    const pixels = Uint8Array.from([0, 5, 0, 255, /**/ 0, 0, 0, 0, /**/ 1, 2, 3, 4]);
    const { starts, entries } = sparseOf(pixels, 4);
    assert.deepEqual([...starts], [0, 2, 2, 6]);
    assert.deepEqual([...entries], [(1 << 8) | 5, (3 << 8) | 255, 1, (1 << 8) | 2, (2 << 8) | 3, (3 << 8) | 4]);
    assert.equal(countNonzero(pixels), 6);
  });

  it('agrees with a byte-by-byte reference at every alignment of the pixels and widths 1 to 13', () => {
    // Both functions skip zero 4-byte words: views that start off a word boundary, rows that end
    // inside a word and buffers shorter than a word take the byte-by-byte paths around them.
    const rng = new Rng(41);
    for (let trial = 0; trial < 600; trial++) {
      const width = 1 + rng.int(13),
        rows = 1 + rng.int(9),
        offset = rng.int(4);
      const buffer = new Uint8Array(rows * width + offset + 3).map(() => (rng.next() < 0.6 ? 0 : 1 + rng.int(255)));
      const pixels = buffer.subarray(offset, offset + rows * width);
      const wantStarts: number[] = [],
        wantEntries: number[] = [];
      for (let r = 0; r < rows; r++) {
        wantStarts.push(wantEntries.length);
        for (let c = 0; c < width; c++) if (pixels[r * width + c]) wantEntries.push((c << 8) | pixels[r * width + c]!);
      }
      wantStarts.push(wantEntries.length);
      const shape = `${rows} rows of ${width} at byte offset ${offset}`;
      assert.equal(countNonzero(pixels), wantEntries.length, shape);
      const { starts, entries } = sparseOf(pixels, width);
      assert.deepEqual([...starts], wantStarts, shape);
      assert.deepEqual([...entries], wantEntries, shape);
    }
  });

  it('refuses buffers of the wrong size, naming what they hold', () => {
    const pixels = Uint8Array.from([0, 5, 0, 255, 0, 1]);
    assert.throws(
      () => packSparseRows(pixels, 4, new Int32Array(3), new Int32Array(3)),
      /6 bytes are not whole rows of 4/,
    );
    assert.throws(
      () => packSparseRows(pixels, 3, new Int32Array(2), new Int32Array(3)),
      /starts holds 2 offsets but 2 rows need 3/,
    );
    assert.throws(
      () => packSparseRows(pixels, 3, new Int32Array(3), new Int32Array(2)),
      /entries holds 2 elements, fewer than the 3 non-zero bytes/,
    );
    assert.throws(
      () => packSparseRows(pixels, 3, new Int32Array(3), new Int32Array(4)),
      /entries holds 4 elements but there are 3 non-zero bytes/,
    );
    assert.throws(() => packSparseRows(pixels, 0, new Int32Array(1), new Int32Array(3)), /width must be an integer/);
  });
});

forEachVariant((ctx) => {
  it(`sparseForwardU8 and sparseBackwardWeightsU8: ${SHAPES.length} shapes (sizes, the MLP's first layers)`, () => {
    SHAPES.forEach((s, n) => {
      const rng = new Rng(900 + n);
      const pool = 19;
      const indices = rng.ints(s.rows, pool);
      indices[0] = 2;
      if (s.rows > 1) indices[s.rows - 1] = 1;
      checkShape(ctx.runtime, ctx, s, sparsePixels(rng, pool, s.inputs), indices, rng);
    });
  });

  it('sparseForwardU8 and sparseBackwardWeightsU8 on 300 real MNIST digits (784 → 10 and 784 → 128)', async () => {
    const { train } = await loadMnist();
    const pixels = train.pixels.subarray(0, 300 * PIXELS);
    const rng = new Rng(77);
    const indices = rng.ints(257, 300);
    checkShape(ctx.runtime, ctx, { rows: 257, inputs: PIXELS, outputs: CLASSES }, pixels, indices, rng);
    checkShape(ctx.runtime, ctx, { rows: 257, inputs: PIXELS, outputs: HIDDEN }, pixels, indices, rng);
  });

  it('packSparseU8 (kernel and twin) writes what packSparseRows does, whole or in two chunks, and nothing else', async () => {
    const { train } = await loadMnist();
    const rng = new Rng(43);
    const cases: Array<{ pixels: Uint8Array; width: number }> = [
      { pixels: train.pixels.subarray(0, 300 * PIXELS), width: PIXELS },
    ];
    for (const width of [1, 3, 15, 16, 17, 31, 32, 33, 40, PIXELS]) {
      for (const density of [0, 0.2, 0.7, 1]) {
        const rows = 1 + rng.int(9);
        cases.push({
          width,
          pixels: new Uint8Array(rows * width).map(() => (rng.next() < density ? 1 + rng.int(255) : 0)),
        });
      }
    }
    for (const { pixels, width } of cases) {
      const rows = pixels.length / width;
      const want = sparseOf(pixels, width);
      const split = Math.floor(rows / 2); // rows before the second chunk (none for one row)
      const arena = makeArena(ctx.runtime, {
        pixels: { dtype: 'u8', shape: [rows, width], data: pixels },
        starts: { dtype: 'i32', shape: [rows + 1], fill: -1 },
        entries: { dtype: 'i32', shape: [Math.max(1, want.entries.length)], fill: -1 },
      });
      const [P, S, E] = [u8(arena, 'pixels'), i32(arena, 'starts'), i32(arena, 'entries')];
      const shape = `${rows} rows of ${width}, ${want.entries.length} non-zero`;
      for (const twin of TWINS) {
        const written = expectWritesOnly(arena, [S, E], () => arena.kernels.packSparseU8(S, E, P, twin));
        assert.equal(written, want.entries.length, `${twin.label}: ${shape}`);
        assert.deepEqual(S.read(), want.starts, `${twin.label} starts: ${shape}`);
        assert.deepEqual(E.read().subarray(0, written), want.entries, `${twin.label} entries: ${shape}`);
        if (split === 0) continue;
        S.fill(-1);
        E.fill(-1);
        // The first `split` rows, then the rest from where they ended, as fit packs its training set.
        const head = arena.kernels.packSparseU8(S.slice(0, [split + 1]), E, P.slice(0, [split, width]), twin);
        const rest = [rows - split, width];
        arena.kernels.packSparseU8(S.slice(split, [rows - split + 1]), E, P.slice(split * width, rest), {
          ...twin,
          first: head,
        });
        assert.deepEqual(S.read(), want.starts, `${twin.label} in two chunks, starts: ${shape}`);
        assert.deepEqual(E.read().subarray(0, written), want.entries, `${twin.label} in two chunks: ${shape}`);
      }
    }
  });

  it('countNonzeroU8 (kernel and twin) counts what countNonzero does, for any length and offset, writing nothing', async () => {
    const { train } = await loadMnist();
    const rng = new Rng(44);
    const cases = [train.pixels.subarray(0, 300 * PIXELS)];
    for (const length of [1, 3, 15, 16, 17, 31, 32, 33, 47, 48, 49, PIXELS, 4 * PIXELS + 5]) {
      for (const density of [0, 0.2, 0.7, 1])
        cases.push(new Uint8Array(length).map(() => (rng.next() < density ? 1 + rng.int(255) : 0)));
    }
    for (const pixels of cases) {
      const want = countNonzero(pixels);
      // One byte of padding before the pixels puts them off every alignment but 1.
      const arena = makeArena(ctx.runtime, {
        pixels: { dtype: 'u8', shape: [pixels.length + 1], data: [7, ...pixels] },
      });
      const all = u8(arena, 'pixels');
      for (const [tensor, count] of [
        [all.slice(1, [pixels.length]), want],
        [all, want + 1],
      ] as const) {
        for (const twin of TWINS) {
          const got = expectWritesOnly(arena, [], () => arena.kernels.countNonzeroU8(tensor, twin));
          assert.equal(got, count, `${twin.label}: ${pixels.length} bytes at offset ${tensor.offset}`);
        }
      }
    }
    const arena = makeArena(ctx.runtime, { values: { dtype: 'f32', shape: [4] } });
    assert.throws(
      () => arena.kernels.countNonzeroU8(f32(arena, 'values') as never),
      /countNonzeroU8: pixels must be u8, got f32/,
    );
  });

  it('packSparseU8 refuses too few entries, starts of the wrong length, a bad first and overlaps, writing nothing', () => {
    const arena = makeArena(ctx.runtime, {
      pixels: { dtype: 'u8', shape: [2, 4], data: [0, 5, 0, 255, 1, 0, 0, 0] },
      starts: { dtype: 'i32', shape: [3] },
      entries: { dtype: 'i32', shape: [3] },
    });
    const k = arena.kernels;
    const [P, S, E] = [u8(arena, 'pixels'), i32(arena, 'starts'), i32(arena, 'entries')];
    const refused = (fn: () => unknown, message: RegExp) =>
      expectWritesOnly(arena, [], () =>
        assert.throws(fn, (e: Error) => e instanceof RangeError && message.test(e.message)),
      );
    refused(() => k.packSparseU8(S, E.slice(0, [2]), P), /entries \[2\] holds 2 elements but pixels \[2,4\] need 3/);
    refused(() => k.packSparseU8(S, E, P, { first: 1 }), /need 4 from first 1/);
    refused(() => k.packSparseU8(S.slice(0, [2]), E, P), /starts \[2\] must hold one offset per row of pixels \[2,4\]/);
    refused(() => k.packSparseU8(S, E, P, { first: -1 }), /first must be an integer ≥ 0, got -1/);
    refused(() => k.packSparseU8(S, E, P, { first: 0.5 }), /first must be an integer ≥ 0, got 0.5/);
    refused(
      () => k.packSparseU8(new Tensor(arena, 'i32', [3], P.offset), E, P),
      /starts \[3\] must not overlap pixels/,
    );
  });

  it('the wrappers refuse malformed sparse rows, bad indices, a small workspace and overlaps, writing nothing', () => {
    const BLOCKED_ROWS = 4096;
    const { starts, entries } = sparseOf(Uint8Array.from([0, 5, 0, 255, 0, 0, 7, 0]), 4);
    const arena = makeArena(ctx.runtime, {
      starts: { dtype: 'i32', shape: [3], data: starts },
      entries: { dtype: 'i32', shape: [3], data: entries },
      backwards: { dtype: 'i32', shape: [3], data: [0, 2, 1] },
      beyond: { dtype: 'i32', shape: [3], data: [0, 2, 4] },
      unsorted: { dtype: 'i32', shape: [3], data: [(3 << 8) | 255, (1 << 8) | 5, (2 << 8) | 7] },
      wide: { dtype: 'i32', shape: [3], data: [(1 << 8) | 5, (4 << 8) | 255, (2 << 8) | 7] },
      indices: { dtype: 'i32', shape: [2], data: [1, 0] },
      bad: { dtype: 'i32', shape: [2], data: [1, 2] },
      W: { shape: [4, 5] },
      b: { shape: [5] },
      out: { shape: [2, 5] },
      dout: { shape: [2, 5] },
      dW: { shape: [4, 5] },
      dW6: { shape: [4, 6] },
      // Only a call of sparse_blocked_min_rows rows or more needs a workspace.
      manyIndices: { dtype: 'i32', shape: [BLOCKED_ROWS] },
      manyDout: { shape: [BLOCKED_ROWS, 5] },
      ws: { dtype: 'u8', shape: [16] },
      small: { dtype: 'u8', shape: [16] },
    });
    assert.equal(arena.exports.sparse_blocked_min_rows(), BLOCKED_ROWS);
    const k = arena.kernels;
    const [S, E, I, W, b, out, dout, dW, ws] = [
      i32(arena, 'starts'),
      i32(arena, 'entries'),
      i32(arena, 'indices'),
      f32(arena, 'W'),
      f32(arena, 'b'),
      f32(arena, 'out'),
      f32(arena, 'dout'),
      f32(arena, 'dW'),
      u8(arena, 'ws'),
    ];
    const refused = (fn: () => unknown, message: RegExp) =>
      expectWritesOnly(arena, [], () =>
        assert.throws(fn, (e: Error) => e instanceof RangeError && message.test(e.message)),
      );
    refused(() => k.sparseForwardU8(out, i32(arena, 'backwards'), E, I, W, b), /row 1 spans entries \[2, 1\)/);
    refused(
      () => k.sparseForwardU8(out, i32(arena, 'beyond'), E, I, W, b),
      /row 1 spans entries \[2, 4\), not a range within entries \[3\]/,
    );
    refused(
      () => k.sparseForwardU8(out, S, i32(arena, 'unsorted'), I, W, b),
      /entries\[1\] \(row 0\) has column 1; columns must increase/,
    );
    refused(
      () => k.sparseForwardU8(out, S, i32(arena, 'wide'), I, W, b),
      /entries\[1\] \(row 0\) has column 4; .* below 4/,
    );
    refused(() => k.sparseForwardU8(out, S, E, i32(arena, 'bad'), W, b), /indices\[1\] = 2 is not a valid sparse row/);
    refused(
      () => k.sparseBackwardWeightsU8(f32(arena, 'dW6'), S, E, I, dout, ws),
      /dweights \[4,6\] must have 5 columns, one per column of dout \[2,5\]/,
    );
    refused(
      () => k.sparseBackwardWeightsU8(dW, S, E, i32(arena, 'manyIndices'), f32(arena, 'manyDout'), u8(arena, 'small')),
      /workspace small \[16\] holds 16 bytes but dweights \[4,5\] needs 1280/,
    );
    refused(
      () => k.sparseBackwardWeightsU8(dW, S, E, I, dW.slice(0, [2, 5]), ws),
      /dweights \[4,5\] must not overlap dout/,
    );
    assert.throws(() => k.sparseWorkspaceBytes(2, 0, 5), /inputs must be an integer/);
    assert.throws(() => k.sparseWorkspaceBytes(-1, 4, 5), /rows must be an integer/);
  });
});
