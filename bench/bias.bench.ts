// bias_forward / bias_backward (assembly/bias.ts) against tf.add(x, b) (broadcast over rows) and
// tf.sum(δ, 0), the bias gradient. Hidden layer of 784-128-10 and its 10-wide output layer.
// Rate: GB/s (forward reads x and b and writes out; backward reads δ and writes db).
import type { Runtime } from '../src/index.node.js';
import { cached, gamma, randomF32, U } from './data.js';
import type { Impl, KernelCase } from './harness.js';
import { tf } from './tfjs.js';

export function biasForwardCase(rows: number, cols: number): KernelCase {
  const n = rows * cols;
  const xs = () => cached(`bias-x:${n}`, () => randomF32(n, 31));
  const bs = () => cached(`bias-b:${cols}`, () => randomF32(cols, 32));
  return {
    suite: 'bias',
    kernel: 'bias_forward',
    tfjsOp: 'tf.add(x, b)',
    name: `bias forward z + b [${rows},${cols}]`,
    shape: `${rows}×${cols}`,
    unit: 'GB/s',
    work: { flops: n, bytes: 4 * (2 * n + cols), elements: n },
    skipCpu: n > 4e6 ? "tfjs-cpu runs this in JS at ~0.1 s per call; outside the suite's time budget" : undefined,
    simdnet(runtime: Runtime): Impl {
      const arena = runtime.createArena({ x: [rows, cols], b: [cols], out: [rows, cols] });
      const x = arena.tensor('x', 'f32').write(xs()),
        b = arena.tensor('b', 'f32').write(bs()),
        out = arena.tensor('out', 'f32');
      const k = arena.exports;
      return {
        output: () => arena.kernels.biasForward(out, x, b).read() as Float32Array,
        run: () => k.bias_forward(out.offset, x.offset, b.offset, rows, cols),
        dispose: () => arena.dispose(),
      };
    },
    tfjs(): Impl {
      const x = tf.tensor2d(xs(), [rows, cols]),
        b = tf.tensor1d(bs());
      return {
        output: () => {
          const o = tf.add(x, b);
          const v = (o.dataSync() as Float32Array).slice();
          o.dispose();
          return v;
        },
        run: () => {
          tf.tidy(() => {
            tf.add(x, b);
          });
        },
        dispose: () => {
          x.dispose();
          b.dispose();
        },
      };
    },
    reference: () => {
      const x = xs(),
        b = bs();
      const value = Float64Array.from(x, (v, i) => v + b[i % cols]!);
      return { value, bound: value.map((v) => U * Math.abs(v) + 1e-45), basis: 'u·|ref| (one rounding)' };
    },
  };
}

export function biasBackwardCase(rows: number, cols: number): KernelCase {
  const n = rows * cols;
  const ds = () => cached(`bias-d:${n}`, () => randomF32(n, 33));
  return {
    suite: 'bias',
    kernel: 'bias_backward',
    tfjsOp: 'tf.sum(δ, 0)',
    name: `bias gradient Σ_rows δ[${rows},${cols}]`,
    shape: `${rows}×${cols}`,
    unit: 'GB/s',
    work: { flops: n, bytes: 4 * (n + cols), elements: n, stream: 'sum' },
    skipCpu: n > 4e6 ? "tfjs-cpu runs this in JS at ~0.7 s per call; outside the suite's time budget" : undefined,
    simdnet(runtime: Runtime): Impl {
      const arena = runtime.createArena({ d: [rows, cols], db: [cols] });
      const d = arena.tensor('d', 'f32').write(ds()),
        db = arena.tensor('db', 'f32'),
        k = arena.exports;
      return {
        output: () => arena.kernels.biasBackward(db, d).read() as Float32Array,
        run: () => k.bias_backward(db.offset, d.offset, rows, cols, 0),
        dispose: () => arena.dispose(),
      };
    },
    tfjs(): Impl {
      const d = tf.tensor2d(ds(), [rows, cols]);
      return {
        output: () => {
          const s = tf.sum(d, 0);
          const v = (s.dataSync() as Float32Array).slice();
          s.dispose();
          return v;
        },
        run: () => {
          tf.tidy(() => {
            tf.sum(d, 0);
          });
        },
        dispose: () => d.dispose(),
      };
    },
    reference: () => {
      const d = ds();
      const value = new Float64Array(cols),
        abs = new Float64Array(cols);
      for (let i = 0; i < n; i++) {
        value[i % cols]! += d[i]!;
        abs[i % cols]! += Math.abs(d[i]!);
      }
      const g = gamma(rows);
      return {
        value,
        bound: abs.map((a, c) => g * a + U * Math.abs(value[c]!) + 1e-45),
        basis: 'γ_rows·Σ|δ| + u·|ref|',
      };
    },
  };
}

export function biasCases(options: { quick: boolean }): KernelCase[] {
  const shapes: Array<[number, number]> = options.quick
    ? [
        [32, 128],
        [32, 10],
      ]
    : [
        [32, 128],
        [128, 128],
        [60000, 128],
        [32, 10],
        [128, 10],
      ];
  return [...shapes.map(([r, c]) => biasForwardCase(r, c)), ...shapes.map(([r, c]) => biasBackwardCase(r, c))];
}
