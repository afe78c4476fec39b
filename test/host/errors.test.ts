// Bad inputs to every kernel wrapper (src/kernels.ts) and to arena planning (src/arena.ts): each
// must throw the documented error (TypeError for the wrong kind of argument, RangeError for a wrong
// size or value, TypeError for use after dispose, as the platform does for a detached buffer)
// naming what is wrong, and write nothing.
// Validation is host code shared by both builds, so these tests run on one runtime.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  Tensor,
  WASM32_MAX_BYTES,
  type Arena,
  type ArenaPlan,
  type DType,
  type Kernels,
  type Runtime,
} from '../../src/index.node.js';
import { expectWritesOnly, f32, i32, makeArena, runtimeFor, u8, type BufferInit } from './reference.js';

let runtime: Runtime;
before(async () => {
  runtime = await runtimeFor('simd');
});

interface ArgSpec {
  name: string;
  rank?: number;
}
interface WrapperCase {
  name: string;
  /** Buffers for a valid call; a spare buffer at the end keeps shifted tensors inside the arena. */
  plan: Record<string, BufferInit>;
  /** Tensor arguments in call order, by buffer name. */
  args: ArgSpec[];
  call(k: Kernels, args: unknown[]): unknown;
}

const labels4 = { dtype: 'i32', shape: [4], data: [0, 9, 3, 3] } as const;
const CASES: WrapperCase[] = [
  {
    name: 'sgemm',
    plan: { C: { shape: [32, 10] }, A: { shape: [32, 784] }, B: { shape: [784, 10] } },
    args: [
      { name: 'C', rank: 2 },
      { name: 'A', rank: 2 },
      { name: 'B', rank: 2 },
    ],
    call: (k, a) => k.sgemm(a[0] as never, a[1] as never, a[2] as never),
  },
  {
    name: 'biasForward',
    plan: { out: { shape: [4, 10] }, inp: { shape: [4, 10] }, bias: { shape: [10] } },
    args: [
      { name: 'out', rank: 2 },
      { name: 'inp', rank: 2 },
      { name: 'bias', rank: 1 },
    ],
    call: (k, a) => k.biasForward(a[0] as never, a[1] as never, a[2] as never),
  },
  {
    name: 'biasBackward',
    plan: { dbias: { shape: [10] }, dout: { shape: [4, 10] } },
    args: [
      { name: 'dbias', rank: 1 },
      { name: 'dout', rank: 2 },
    ],
    call: (k, a) => k.biasBackward(a[0] as never, a[1] as never),
  },
  {
    name: 'reluForward',
    plan: { out: { shape: [4, 10] }, inp: { shape: [4, 10] } },
    args: [{ name: 'out' }, { name: 'inp' }],
    call: (k, a) => k.reluForward(a[0] as never, a[1] as never),
  },
  {
    name: 'reluBackward',
    plan: { dinp: { shape: [4, 10] }, dout: { shape: [4, 10] }, z: { shape: [4, 10] } },
    args: [{ name: 'dinp' }, { name: 'dout' }, { name: 'z' }],
    call: (k, a) => k.reluBackward(a[0] as never, a[1] as never, a[2] as never),
  },
  {
    name: 'softmaxForward',
    plan: { probs: { shape: [4, 10] }, logits: { shape: [4, 10] } },
    args: [
      { name: 'probs', rank: 2 },
      { name: 'logits', rank: 2 },
    ],
    call: (k, a) => k.softmaxForward(a[0] as never, a[1] as never),
  },
  {
    name: 'crossentropyLoss',
    plan: { probs: { shape: [4, 10], fill: 0.1 }, labels: labels4 },
    args: [
      { name: 'probs', rank: 2 },
      { name: 'labels', rank: 1 },
    ],
    call: (k, a) => k.crossentropyLoss(a[0] as never, a[1] as never),
  },
  {
    name: 'softmaxCrossentropyBackward',
    plan: { dlogits: { shape: [4, 10] }, probs: { shape: [4, 10], fill: 0.1 }, labels: labels4 },
    args: [
      { name: 'dlogits', rank: 2 },
      { name: 'probs', rank: 2 },
      { name: 'labels', rank: 1 },
    ],
    call: (k, a) => k.softmaxCrossentropyBackward(a[0] as never, a[1] as never, a[2] as never),
  },
  {
    name: 'argmaxRows',
    plan: { out: { dtype: 'i32', shape: [4] }, x: { shape: [4, 10] } },
    args: [
      { name: 'out', rank: 1 },
      { name: 'x', rank: 2 },
    ],
    call: (k, a) => k.argmaxRows(a[0] as never, a[1] as never),
  },
  {
    name: 'countCorrect',
    plan: { x: { shape: [4, 10] }, labels: labels4 },
    args: [
      { name: 'x', rank: 2 },
      { name: 'labels', rank: 1 },
    ],
    call: (k, a) => k.countCorrect(a[0] as never, a[1] as never),
  },
  {
    name: 'sgdUpdate',
    plan: { params: { shape: [40] }, grads: { shape: [40] } },
    args: [{ name: 'params' }, { name: 'grads' }],
    call: (k, a) => k.sgdUpdate(a[0] as never, a[1] as never, 0.1),
  },
  {
    name: 'momentumUpdate',
    plan: { params: { shape: [40] }, grads: { shape: [40] }, velocity: { shape: [40] } },
    args: [{ name: 'params' }, { name: 'grads' }, { name: 'velocity' }],
    call: (k, a) => k.momentumUpdate(a[0] as never, a[1] as never, a[2] as never, 0.1, 0.9),
  },
  {
    name: 'adamUpdate',
    plan: { params: { shape: [40] }, grads: { shape: [40] }, m: { shape: [40] }, v: { shape: [40] } },
    args: [{ name: 'params' }, { name: 'grads' }, { name: 'm' }, { name: 'v' }],
    call: (k, a) => k.adamUpdate(a[0] as never, a[1] as never, a[2] as never, a[3] as never, { lr: 0.01, step: 1 }),
  },
  {
    name: 'gatherImages',
    plan: {
      out: { shape: [4, 16] },
      pixels: { dtype: 'u8', shape: [6, 16] },
      indices: { dtype: 'i32', shape: [4], data: [0, 5, 5, 2] },
    },
    args: [
      { name: 'out', rank: 2 },
      { name: 'pixels', rank: 2 },
      { name: 'indices', rank: 1 },
    ],
    call: (k, a) => k.gatherImages(a[0] as never, a[1] as never, a[2] as never),
  },
  {
    name: 'gatherLabels',
    plan: {
      out: { dtype: 'i32', shape: [4] },
      labels: { dtype: 'u8', shape: [6] },
      indices: { dtype: 'i32', shape: [4], data: [0, 5, 5, 2] },
    },
    args: [
      { name: 'out', rank: 1 },
      { name: 'labels', rank: 1 },
      { name: 'indices', rank: 1 },
    ],
    call: (k, a) => k.gatherLabels(a[0] as never, a[1] as never, a[2] as never),
  },
];

function setUp(c: WrapperCase): { arena: Arena; tensors: Tensor[] } {
  const arena = makeArena(runtime, { ...c.plan, spare: { shape: [64] } });
  // Recognisable contents everywhere, so "nothing was written" compares real data, not zeros.
  for (const [name, b] of Object.entries(c.plan))
    if (b.data === undefined && b.fill === undefined) arena.tensors[name]!.fill(b.dtype === 'i32' ? 1 : 0.5);
  return { arena, tensors: c.args.map((a) => arena.tensors[a.name]!) };
}

/** Calls the wrapper with argument `index` replaced, expecting `error` and no write at all. */
function expectRejected(
  c: WrapperCase,
  index: number,
  replace: (t: Tensor, arena: Arena) => unknown,
  error: ErrorConstructor | RangeErrorConstructor | TypeErrorConstructor,
  message: RegExp,
): void {
  const { arena, tensors } = setUp(c);
  const args: unknown[] = [...tensors];
  args[index] = replace(tensors[index]!, arena);
  expectWritesOnly(arena, [], () =>
    assert.throws(
      () => c.call(arena.kernels, args),
      (err: Error) => {
        assert.equal(
          err.constructor,
          error,
          `${c.name} with a bad ${c.args[index]!.name}: expected ${error.name}, got ${err.constructor.name}: ${err.message}`,
        );
        assert.match(err.message, message);
        return true;
      },
    ),
  );
}

const OTHER_DTYPE: Record<DType, DType> = { f32: 'i32', i32: 'f32', u8: 'i32' };

describe('every kernel wrapper rejects bad tensor arguments and writes nothing', () => {
  for (const c of CASES) {
    describe(c.name, () => {
      it('accepts the valid call the other cases spoil', () => {
        const { arena, tensors } = setUp(c);
        c.call(arena.kernels, tensors);
      });

      c.args.forEach((arg, index) => {
        const who = new RegExp(`^${c.name}: ${arg.name}\\b`);
        it(`${arg.name}: not a Tensor → TypeError`, () => {
          for (const bad of [null, undefined, 42, new Float32Array(40), { offset: 0, shape: [4, 10], dtype: 'f32' }]) {
            expectRejected(c, index, () => bad, TypeError, who);
          }
        });
        it(`${arg.name}: wrong dtype → TypeError`, () => {
          expectRejected(
            c,
            index,
            (t, arena) => new Tensor(arena, OTHER_DTYPE[t.dtype], t.shape, t.offset, t.name),
            TypeError,
            /must be (f32|i32|u8), got/,
          );
        });
        it(`${arg.name}: a tensor of another arena → TypeError`, () => {
          const other = setUp(c).arena;
          expectRejected(c, index, (t) => other.tensors[t.name], TypeError, /belongs to another arena/);
        });
        it(`${arg.name}: forged outside the arena (past its end, 2 GiB, in the module's static data) → RangeError`, () => {
          for (const offset of [(arena: Arena) => arena.end, () => 2 ** 31, () => 0]) {
            expectRejected(
              c,
              index,
              (t, arena) => new Tensor(arena, t.dtype, t.shape, offset(arena), t.name),
              RangeError,
              /outside the arena/,
            );
          }
        });
        if (c.plan[arg.name]!.dtype !== 'u8') {
          it(`${arg.name}: misaligned offset → RangeError`, () => {
            expectRejected(
              c,
              index,
              (t, arena) => new Tensor(arena, t.dtype, t.shape, t.offset + 2, t.name),
              RangeError,
              /misaligned/,
            );
          });
        }
        if (arg.rank !== undefined) {
          it(`${arg.name}: rank other than ${arg.rank} → RangeError`, () => {
            expectRejected(
              c,
              index,
              (t) => t.reshape([1, ...t.shape]),
              RangeError,
              new RegExp(`must have rank ${arg.rank}`),
            );
          });
        }
      });

      it('use after arena.dispose() → TypeError', () => {
        const { arena, tensors } = setUp(c);
        arena.dispose();
        assert.throws(
          () => c.call(arena.kernels, tensors),
          (err: Error) => err instanceof TypeError && /after dispose/.test(err.message),
        );
        assert.throws(() => tensors[0]!.read(), /after dispose/);
      });
    });
  }
});

/** Runs `call` on a fresh arena of `plan`, expecting `error` matching `message` and no write. */
function rejects(
  plan: Record<string, BufferInit>,
  call: (arena: Arena) => unknown,
  error: ErrorConstructor | RangeErrorConstructor | TypeErrorConstructor,
  message: RegExp,
): void {
  const arena = makeArena(runtime, plan);
  for (const [name, b] of Object.entries(plan))
    if (b.data === undefined && b.fill === undefined) arena.tensors[name]!.fill(b.dtype === 'i32' ? 1 : 0.25);
  expectWritesOnly(arena, [], () =>
    assert.throws(
      () => call(arena),
      (err: Error) => {
        assert.equal(err.constructor, error, `expected ${error.name}, got ${err.constructor.name}: ${err.message}`);
        assert.match(err.message, message);
        return true;
      },
    ),
  );
}

describe('shape, overlap and value errors', () => {
  describe('sgemm', () => {
    it('inner-dimension mismatch names both shapes', () => {
      rejects(
        { C: { shape: [32, 128] }, A: { shape: [32, 784] }, B: { shape: [10, 128] } },
        (a) => a.kernels.sgemm(f32(a, 'C'), f32(a, 'A'), f32(a, 'B')),
        RangeError,
        /inner dimensions differ.*\[32,784\].*\[10,128\]/,
      );
      rejects(
        { C: { shape: [32, 128] }, A: { shape: [32, 10] }, B: { shape: [10, 128] } },
        (a) => a.kernels.sgemm(f32(a, 'C'), f32(a, 'A'), f32(a, 'B'), { transB: true }),
        RangeError,
        /\[32,10\].*\[10,128\], transposed/,
      );
      rejects(
        { C: { shape: [784, 10] }, A: { shape: [32, 784] }, B: { shape: [10, 32] } },
        (a) => a.kernels.sgemm(f32(a, 'C'), f32(a, 'A'), f32(a, 'B'), { transA: true }),
        RangeError,
        /\[32,784\], transposed.*\[10,32\]/,
      );
    });
    it('C of the wrong shape names C and the product shape', () => {
      rejects(
        { C: { shape: [32, 11] }, A: { shape: [32, 784] }, B: { shape: [784, 10] } },
        (a) => a.kernels.sgemm(f32(a, 'C'), f32(a, 'A'), f32(a, 'B')),
        RangeError,
        /C \[32,11\] must be \[32,10\]/,
      );
      rejects(
        { C: { shape: [10, 32] }, A: { shape: [32, 784] }, B: { shape: [784, 10] } },
        (a) => a.kernels.sgemm(f32(a, 'C'), f32(a, 'A'), f32(a, 'B'), { accumulate: true }),
        RangeError,
        /C \[10,32\] must be \[32,10\]/,
      );
    });
    it('C overlapping A or B (even exactly) → RangeError', () => {
      const plan = { big: { shape: [64] }, B: { shape: [4, 4] } };
      rejects(
        plan,
        (a) => a.kernels.sgemm(f32(a, 'big').slice(8, [4, 4]), f32(a, 'big').slice(0, [4, 4]), f32(a, 'B')),
        RangeError,
        /C \[4,4\] must not overlap A \[4,4\]/,
      );
      rejects(
        plan,
        (a) => a.kernels.sgemm(f32(a, 'B'), f32(a, 'big').slice(0, [4, 4]), f32(a, 'B')),
        RangeError,
        /must not overlap B/,
      );
      rejects(
        plan,
        (a) => {
          const X = f32(a, 'big').slice(0, [8, 8]);
          return a.kernels.sgemm(X, X, X);
        },
        RangeError,
        /must not overlap/,
      );
    });
  });

  describe('biasForward', () => {
    it('out/inp shapes and bias length', () => {
      rejects(
        { out: { shape: [4, 10] }, inp: { shape: [5, 10] }, bias: { shape: [10] } },
        (a) => a.kernels.biasForward(f32(a, 'out'), f32(a, 'inp'), f32(a, 'bias')),
        RangeError,
        /out \[4,10\] and inp \[5,10\]/,
      );
      rejects(
        { out: { shape: [4, 10] }, inp: { shape: [4, 10] }, bias: { shape: [9] } },
        (a) => a.kernels.biasForward(f32(a, 'out'), f32(a, 'inp'), f32(a, 'bias')),
        RangeError,
        /bias \[9\] must have 10 elements for inp \[4,10\]/,
      );
    });
    it('out partly overlapping inp, or overlapping bias → RangeError', () => {
      const plan = { big: { shape: [50] }, bias: { shape: [10] } };
      rejects(
        plan,
        (a) => a.kernels.biasForward(f32(a, 'big').slice(10, [4, 10]), f32(a, 'big').slice(0, [4, 10]), f32(a, 'bias')),
        RangeError,
        /out \[4,10\] partly overlaps inp \[4,10\]/,
      );
      rejects(
        plan,
        (a) =>
          a.kernels.biasForward(
            f32(a, 'big').slice(0, [4, 10]),
            f32(a, 'big').slice(0, [4, 10]),
            f32(a, 'big').slice(30, [10]),
          ),
        RangeError,
        /out \[4,10\] must not overlap bias \[10\]/,
      );
    });
  });

  describe('biasBackward', () => {
    it('dbias length; dbias overlapping dout', () => {
      rejects(
        { dbias: { shape: [11] }, dout: { shape: [4, 10] } },
        (a) => a.kernels.biasBackward(f32(a, 'dbias'), f32(a, 'dout')),
        RangeError,
        /dbias \[11\] must have 10 elements for dout \[4,10\]/,
      );
      rejects(
        { big: { shape: [50] } },
        (a) => a.kernels.biasBackward(f32(a, 'big').slice(40, [10]), f32(a, 'big').slice(0, [5, 10])),
        RangeError,
        /must not overlap/,
      );
    });
  });

  describe('reluForward / reluBackward', () => {
    it('shape mismatch names both shapes', () => {
      rejects(
        { out: { shape: [4, 10] }, inp: { shape: [40] } },
        (a) => a.kernels.reluForward(f32(a, 'out'), f32(a, 'inp')),
        RangeError,
        /out \[4,10\] and inp \[40\] must have the same shape/,
      );
      rejects(
        { dinp: { shape: [4, 10] }, dout: { shape: [4, 10] }, z: { shape: [10, 4] } },
        (a) => a.kernels.reluBackward(f32(a, 'dinp'), f32(a, 'dout'), f32(a, 'z')),
        RangeError,
        /dinp \[4,10\] and z \[10,4\]/,
      );
    });
    it('partial overlap; z aliasing dinp', () => {
      rejects(
        { big: { shape: [80] } },
        (a) => a.kernels.reluForward(f32(a, 'big').slice(1, [40]), f32(a, 'big').slice(0, [40])),
        RangeError,
        /partly overlaps/,
      );
      rejects(
        { dinp: { shape: [40] }, dout: { shape: [40] } },
        (a) => a.kernels.reluBackward(f32(a, 'dinp'), f32(a, 'dout'), f32(a, 'dinp')),
        RangeError,
        /dinp \[40\] must not overlap z \[40\]/,
      );
      rejects(
        { big: { shape: [80] }, z: { shape: [40] } },
        (a) => a.kernels.reluBackward(f32(a, 'big').slice(0, [40]), f32(a, 'big').slice(39, [40]), f32(a, 'z')),
        RangeError,
        /partly overlaps/,
      );
    });
  });

  describe('softmaxForward', () => {
    it('shape mismatch; partial overlap', () => {
      rejects(
        { probs: { shape: [4, 10] }, logits: { shape: [4, 9] } },
        (a) => a.kernels.softmaxForward(f32(a, 'probs'), f32(a, 'logits')),
        RangeError,
        /probs \[4,10\] and logits \[4,9\]/,
      );
      rejects(
        { big: { shape: [50] } },
        (a) => a.kernels.softmaxForward(f32(a, 'big').slice(10, [4, 10]), f32(a, 'big').slice(0, [4, 10])),
        RangeError,
        /partly overlaps/,
      );
    });
  });

  describe('labels: crossentropyLoss, softmaxCrossentropyBackward, countCorrect', () => {
    const calls: Array<[string, (a: Arena) => unknown]> = [
      ['crossentropyLoss', (a) => a.kernels.crossentropyLoss(f32(a, 'probs'), i32(a, 'labels'))],
      [
        'softmaxCrossentropyBackward',
        (a) => a.kernels.softmaxCrossentropyBackward(f32(a, 'dlogits'), f32(a, 'probs'), i32(a, 'labels')),
      ],
      ['countCorrect', (a) => a.kernels.countCorrect(f32(a, 'probs'), i32(a, 'labels'))],
    ];
    for (const [name, call] of calls) {
      it(`${name}: labels out of [0, cols) → RangeError naming the entry`, () => {
        for (const [bad, at] of [
          [[0, 10, 1, 2], 1],
          [[0, 1, 2, -1], 3],
          [[2 ** 31 - 1, 0, 0, 0], 0],
        ] as const) {
          rejects(
            {
              dlogits: { shape: [4, 10] },
              probs: { shape: [4, 10], fill: 0.1 },
              labels: { dtype: 'i32', shape: [4], data: bad },
            },
            call,
            RangeError,
            new RegExp(`^${name}: labels\\[${at}\\] = ${bad[at]} is not a valid class index \\(0 ≤ value < 10\\)`),
          );
        }
      });
      it(`${name}: one label per row`, () => {
        rejects(
          { dlogits: { shape: [4, 10] }, probs: { shape: [4, 10], fill: 0.1 }, labels: { dtype: 'i32', shape: [5] } },
          call,
          RangeError,
          /labels \[5\] must have one entry per row of (probs|x) \[4,10\]/,
        );
      });
    }
    it('softmaxCrossentropyBackward: dlogits partly overlapping probs or overlapping labels; NaN scale', () => {
      rejects(
        { big: { shape: [50] }, labels: { dtype: 'i32', shape: [4] } },
        (a) =>
          a.kernels.softmaxCrossentropyBackward(
            f32(a, 'big').slice(10, [4, 10]),
            f32(a, 'big').slice(0, [4, 10]),
            i32(a, 'labels'),
          ),
        RangeError,
        /partly overlaps/,
      );
      // dlogits holds zeros, so the labels forged over it are valid class indices: only the overlap is wrong.
      rejects(
        { dlogits: { shape: [4, 10], fill: 0 }, probs: { shape: [4, 10] } },
        (a) =>
          a.kernels.softmaxCrossentropyBackward(
            f32(a, 'dlogits'),
            f32(a, 'probs'),
            new Tensor(a, 'i32', [4], f32(a, 'dlogits').offset, 'labels'),
          ),
        RangeError,
        /dlogits \[4,10\] must not overlap labels \[4\]/,
      );
      for (const scale of [NaN, Infinity]) {
        rejects(
          { dlogits: { shape: [4, 10] }, probs: { shape: [4, 10] }, labels: { dtype: 'i32', shape: [4] } },
          (a) => a.kernels.softmaxCrossentropyBackward(f32(a, 'dlogits'), f32(a, 'probs'), i32(a, 'labels'), { scale }),
          RangeError,
          new RegExp(`scale must be a finite number.*got ${scale}`),
        );
      }
    });
  });

  describe('argmaxRows', () => {
    it('out length; out overlapping x', () => {
      rejects(
        { out: { dtype: 'i32', shape: [5] }, x: { shape: [4, 10] } },
        (a) => a.kernels.argmaxRows(i32(a, 'out'), f32(a, 'x')),
        RangeError,
        /out \[5\] must have one entry per row of x \[4,10\]/,
      );
      rejects(
        { x: { shape: [4, 10] } },
        (a) => a.kernels.argmaxRows(new Tensor(a, 'i32', [4], f32(a, 'x').offset + 16, 'out'), f32(a, 'x')),
        RangeError,
        /out \[4\] must not overlap x \[4,10\]/,
      );
    });
  });

  describe('optimizers', () => {
    const plan = {
      params: { shape: [40] },
      grads: { shape: [40] },
      velocity: { shape: [40] },
      m: { shape: [40] },
      v: { shape: [40] },
      short: { shape: [39] },
    };
    it('NaN or infinite lr → RangeError; a string → TypeError', () => {
      for (const lr of [NaN, Infinity, -Infinity]) {
        rejects(
          plan,
          (a) => a.kernels.sgdUpdate(f32(a, 'params'), f32(a, 'grads'), lr),
          RangeError,
          /^sgdUpdate: lr must be a finite number/,
        );
        rejects(
          plan,
          (a) => a.kernels.momentumUpdate(f32(a, 'params'), f32(a, 'grads'), f32(a, 'velocity'), lr, 0.9),
          RangeError,
          /^momentumUpdate: lr/,
        );
        rejects(
          plan,
          (a) => a.kernels.adamUpdate(f32(a, 'params'), f32(a, 'grads'), f32(a, 'm'), f32(a, 'v'), { lr, step: 1 }),
          RangeError,
          /^adamUpdate: lr/,
        );
      }
      rejects(
        plan,
        (a) => a.kernels.sgdUpdate(f32(a, 'params'), f32(a, 'grads'), '0.1' as never),
        TypeError,
        /lr must be a number, got string/,
      );
      rejects(
        plan,
        (a) => a.kernels.momentumUpdate(f32(a, 'params'), f32(a, 'grads'), f32(a, 'velocity'), 0.1, NaN),
        RangeError,
        /momentum must be a finite number/,
      );
    });
    it('lengths must match; regions must not overlap (not even exactly)', () => {
      rejects(
        plan,
        (a) => a.kernels.sgdUpdate(f32(a, 'params'), f32(a, 'short'), 0.1),
        RangeError,
        /grads \[39\] must have as many elements as params \[40\]/,
      );
      rejects(
        plan,
        (a) =>
          a.kernels.adamUpdate(f32(a, 'params'), f32(a, 'grads'), f32(a, 'm'), f32(a, 'short'), { lr: 0.1, step: 1 }),
        RangeError,
        /v \[39\]/,
      );
      rejects(
        plan,
        (a) => a.kernels.sgdUpdate(f32(a, 'params'), f32(a, 'params'), 0.1),
        RangeError,
        /params \[40\] must not overlap grads \[40\]/,
      );
      rejects(
        plan,
        (a) => a.kernels.momentumUpdate(f32(a, 'params'), f32(a, 'grads'), f32(a, 'grads'), 0.1, 0.9),
        RangeError,
        /grads \[40\] must not overlap velocity \[40\]/,
      );
      rejects(
        plan,
        (a) => a.kernels.adamUpdate(f32(a, 'params'), f32(a, 'grads'), f32(a, 'm'), f32(a, 'm'), { lr: 0.1, step: 1 }),
        RangeError,
        /m \[40\] must not overlap v \[40\]/,
      );
    });
    it('adamUpdate: step 0, negative, fractional or NaN; β ≥ 1; negative ε; missing options', () => {
      const adam = (options: unknown) => (a: Arena) =>
        a.kernels.adamUpdate(f32(a, 'params'), f32(a, 'grads'), f32(a, 'm'), f32(a, 'v'), options as never);
      rejects(plan, adam({ lr: 0.01, step: 0 }), RangeError, /step must be a finite number ≥ 1, got 0/);
      rejects(plan, adam({ lr: 0.01, step: -3 }), RangeError, /step must be/);
      rejects(plan, adam({ lr: 0.01, step: NaN }), RangeError, /step must be/);
      rejects(plan, adam({ lr: 0.01, step: 1.5 }), RangeError, /step must be an integer/);
      rejects(plan, adam({ lr: 0.01, step: 2 ** 31 }), RangeError, /step must be an integer in \[1, 2³¹\)/);
      rejects(plan, adam({ lr: 0.01 }), TypeError, /step must be a number, got undefined/);
      rejects(plan, adam({ lr: 0.01, step: 1, beta1: 1 }), RangeError, /beta1 and beta2 must be < 1/);
      rejects(plan, adam({ lr: 0.01, step: 1, beta2: 1.5 }), RangeError, /beta1 and beta2 must be < 1/);
      rejects(plan, adam({ lr: 0.01, step: 1, epsilon: -1e-7 }), RangeError, /epsilon must be a finite number ≥ 0/);
      rejects(plan, adam(undefined), TypeError, /adamUpdate/);
    });
  });

  describe('gatherImages / gatherLabels', () => {
    const plan = (indices: number[]): Record<string, BufferInit> => ({
      out: { shape: [indices.length, 16] },
      pixels: { dtype: 'u8', shape: [6, 16] },
      indices: { dtype: 'i32', shape: [indices.length], data: indices },
      labelsOut: { dtype: 'i32', shape: [indices.length] },
      labels: { dtype: 'u8', shape: [6] },
    });
    it('indices out of [0, rows) → RangeError naming the entry', () => {
      for (const [bad, at] of [
        [[0, 6, 1], 1],
        [[0, 1, -1], 2],
        [[99999999, 0, 0], 0],
      ] as const) {
        rejects(
          plan([...bad]),
          (a) => a.kernels.gatherImages(f32(a, 'out'), u8(a, 'pixels'), i32(a, 'indices')),
          RangeError,
          new RegExp(`^gatherImages: indices\\[${at}\\] = ${bad[at]} is not a valid row of pixels \\(0 ≤ value < 6\\)`),
        );
        rejects(
          plan([...bad]),
          (a) => a.kernels.gatherLabels(i32(a, 'labelsOut'), u8(a, 'labels'), i32(a, 'indices')),
          RangeError,
          new RegExp(
            `^gatherLabels: indices\\[${at}\\] = ${bad[at]} is not a valid index into labels \\(0 ≤ value < 6\\)`,
          ),
        );
      }
    });
    it('row length, count and overlap mismatches; NaN scale', () => {
      rejects(
        { out: { shape: [3, 15] }, pixels: { dtype: 'u8', shape: [6, 16] }, indices: { dtype: 'i32', shape: [3] } },
        (a) => a.kernels.gatherImages(f32(a, 'out'), u8(a, 'pixels'), i32(a, 'indices')),
        RangeError,
        /out \[3,15\] and pixels \[6,16\] must have rows of the same length/,
      );
      rejects(
        { out: { shape: [3, 16] }, pixels: { dtype: 'u8', shape: [6, 16] }, indices: { dtype: 'i32', shape: [4] } },
        (a) => a.kernels.gatherImages(f32(a, 'out'), u8(a, 'pixels'), i32(a, 'indices')),
        RangeError,
        /indices \[4\] must have one entry per row of out \[3,16\]/,
      );
      rejects(
        {
          out: { dtype: 'i32', shape: [3] },
          labels: { dtype: 'u8', shape: [6] },
          indices: { dtype: 'i32', shape: [4] },
        },
        (a) => a.kernels.gatherLabels(i32(a, 'out'), u8(a, 'labels'), i32(a, 'indices')),
        RangeError,
        /indices \[4\] and out \[3\] must have the same length/,
      );
      rejects(
        { out: { shape: [3, 16], fill: 0 }, pixels: { dtype: 'u8', shape: [6, 16] } },
        (a) =>
          a.kernels.gatherImages(
            f32(a, 'out'),
            u8(a, 'pixels'),
            new Tensor(a, 'i32', [3], f32(a, 'out').offset, 'indices'),
          ),
        RangeError,
        /out \[3,16\] must not overlap indices \[3\]/,
      );
      rejects(
        { out: { shape: [3, 16] }, indices: { dtype: 'i32', shape: [3] } },
        (a) =>
          a.kernels.gatherImages(
            f32(a, 'out'),
            new Tensor(a, 'u8', [6, 16], f32(a, 'out').offset + 64, 'pixels'),
            i32(a, 'indices'),
          ),
        RangeError,
        /out \[3,16\] must not overlap pixels \[6,16\]/,
      );
      rejects(
        plan([0, 1, 2]),
        (a) => a.kernels.gatherImages(f32(a, 'out'), u8(a, 'pixels'), i32(a, 'indices'), { scale: NaN }),
        RangeError,
        /scale must be a finite number/,
      );
    });
  });
});

describe('arena planning', () => {
  it('a plan beyond 4 GiB → RangeError before anything is allocated', () => {
    const plans: ArenaPlan[] = [
      { huge: [70000, 16384] },
      { a: [40000, 16384], b: [40000, 16384] },
      { bytes: { dtype: 'u8', shape: [2 ** 32] } },
    ];
    for (const plan of plans) {
      const started = performance.now();
      assert.throws(
        () => runtime.createArena(plan),
        (err: Error) =>
          err instanceof RangeError && /beyond WASM32's 4 GiB address space; nothing was allocated/.test(err.message),
      );
      // Failing before allocation also means failing at once (touching 4 GiB would take seconds).
      assert.ok(performance.now() - started < 200, 'the plan was rejected slowly: did it allocate first?');
    }
    assert.equal(WASM32_MAX_BYTES, 2 ** 32);
  });

  it('bad entries: zero, negative, fractional, NaN or unsafe dimensions → RangeError', () => {
    for (const shape of [[0, 4], [4, -1], [2.5], [NaN], [Infinity], [2 ** 53]]) {
      assert.throws(
        () => runtime.createArena({ x: [8], bad: shape }),
        (err: Error) =>
          err instanceof RangeError &&
          err.message.startsWith('createArena: bad: every dimension must be an integer ≥ 1'),
        `shape ${JSON.stringify(shape)}`,
      );
    }
  });

  it('bad entries: empty or missing shape, unknown dtype, a plan that is not an object → TypeError', () => {
    assert.throws(
      () => runtime.createArena({ x: [] }),
      (err: Error) => err instanceof TypeError && /x: shape must be a non-empty array/.test(err.message),
    );
    assert.throws(() => runtime.createArena({ x: { dtype: 'f32' } as never }), TypeError);
    assert.throws(
      () => runtime.createArena({ x: { dtype: 'f16' as never, shape: [4] } }),
      (err: Error) => err instanceof TypeError && /x has unknown dtype "f16" \(f32, i32 or u8\)/.test(err.message),
    );
    assert.throws(() => runtime.createArena(null as never), TypeError);
    assert.throws(() => runtime.createArena(42 as never), TypeError);
  });

  it('arena.tensor: unknown name → RangeError, wrong dtype → TypeError', () => {
    const arena = runtime.createArena({ A: [4], L: { dtype: 'i32', shape: [4] } });
    assert.throws(() => arena.tensor('B', 'f32'), RangeError);
    assert.throws(() => arena.tensor('A', 'i32'), /A is f32, not i32/);
    assert.throws(() => arena.tensor('L', 'f32'), TypeError);
  });

  it('Tensor.write, slice, reshape and rows stay inside the tensor', () => {
    const arena = runtime.createArena({ A: [4, 3], B: [4] });
    const A = f32(arena, 'A');
    expectWritesOnly(arena, [], () => {
      assert.throws(() => A.write(new Float32Array(13)), RangeError);
      assert.throws(() => A.write([1, 2], 11), RangeError);
      assert.throws(() => A.write([1], -1), RangeError);
    });
    assert.throws(() => A.slice(10, [3]), RangeError);
    assert.throws(() => A.reshape([5, 3]), /\[5,3\] has 15 elements but \[4,3\] has 12/);
    assert.throws(() => A.rows(5), RangeError);
    assert.throws(() => A.rows(0), RangeError);
  });
});
