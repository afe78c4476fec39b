// softmax_forward and softmax_crossentropy_backward (assembly/softmax.ts) against tf.softmax(z)
// and tf.mul(tf.sub(p, tf.oneHot(labels, C)), scale), the gradient of the mean cross-entropy
// with respect to the logits (our kernel fuses the one-hot, the subtraction and the scaling);
// softmax_crossentropy, the training step's output layer in one pass, against the same tfjs ops
// plus the loss and the correct count. The output layer of the MLP: rows × 10 at each batch size
// and the full training set. Rate: GB/s.
import type { Runtime } from '../src/index.node.js';
import { cached, randomF32, randomLabels, U } from './data.js';
import type { Impl, KernelCase } from './harness.js';
import { tf } from './tfjs.js';

const CLASSES = 10;
/** Logits are uniform in ±RANGE/2, so |z − max z| ≤ RANGE. */
const RANGE = 10;

function softmaxRef(z: Float32Array, rows: number, cols: number): Float64Array {
  const p = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    let max = -Infinity,
      sum = 0;
    for (let c = 0; c < cols; c++) max = Math.max(max, z[r * cols + c]!);
    for (let c = 0; c < cols; c++) sum += p[r * cols + c] = Math.exp(z[r * cols + c]! - max);
    for (let c = 0; c < cols; c++) p[r * cols + c]! /= sum;
  }
  return p;
}

export function softmaxCase(rows: number, cols = CLASSES): KernelCase {
  const n = rows * cols;
  const zs = () => cached(`logits:${n}`, () => randomF32(n, 21, -RANGE / 2, RANGE / 2));
  return {
    suite: 'softmax',
    kernel: 'softmax_forward',
    tfjsOp: 'tf.softmax(z)',
    name: `softmax p = softmax(z[${rows},${cols}])`,
    shape: `${rows}×${cols}`,
    unit: 'GB/s',
    work: { flops: 3 * n, bytes: 8 * n, elements: n },
    simdnet(runtime: Runtime): Impl {
      const arena = runtime.createArena({ z: [rows, cols], p: [rows, cols] });
      const z = arena.tensor('z', 'f32').write(zs()),
        p = arena.tensor('p', 'f32'),
        k = arena.exports;
      return {
        output: () => arena.kernels.softmaxForward(p, z).read() as Float32Array,
        run: () => k.softmax_forward(p.offset, z.offset, rows, cols),
        dispose: () => arena.dispose(),
      };
    },
    tfjs(): Impl {
      const z = tf.tensor2d(zs(), [rows, cols]);
      return {
        output: () => {
          const p = tf.softmax(z);
          const v = (p.dataSync() as Float32Array).slice();
          p.dispose();
          return v;
        },
        run: () => {
          tf.tidy(() => {
            tf.softmax(z);
          });
        },
        dispose: () => z.dispose(),
      };
    },
    // Relative error of each probability: the argument z − max (or z − logsumexp) carries up to
    // RANGE·u of absolute error, which exp turns into relative error; exp itself a few u; the row
    // sum γ_cols; the division or scaling one or two u. Doubled for implementations that differ in order.
    reference: () => {
      const value = softmaxRef(zs(), rows, cols);
      const rel = 2 * (RANGE + cols + 8) * U;
      return { value, bound: value.map((p) => rel * p + 1e-30), basis: `2·(${RANGE} + cols + 8)·u·p` };
    },
  };
}

export function softmaxXentCase(rows: number, cols = CLASSES): KernelCase {
  const n = rows * cols;
  // Probabilities as the forward pass leaves them: softmax of the logits, rounded to f32.
  const ps = () =>
    cached(`probs:${n}`, () =>
      Float32Array.from(
        softmaxRef(
          cached(`logits:${n}`, () => randomF32(n, 21, -RANGE / 2, RANGE / 2)),
          rows,
          cols,
        ),
      ),
    );
  const ys = () => cached(`labels:${rows}`, () => randomLabels(rows, cols, 22));
  const scale = Math.fround(1 / rows);
  return {
    suite: 'softmax',
    kernel: 'softmax_crossentropy_backward',
    tfjsOp: 'tf.mul(tf.sub(p, tf.oneHot(y, C)), 1/rows)',
    name: `xent gradient δ = (p − onehot(y))/rows [${rows},${cols}]`,
    shape: `${rows}×${cols}`,
    unit: 'GB/s',
    work: { flops: 2 * n, bytes: 8 * n + 4 * rows, elements: n },
    simdnet(runtime: Runtime): Impl {
      const arena = runtime.createArena({ p: [rows, cols], y: { dtype: 'i32', shape: [rows] }, d: [rows, cols] });
      const p = arena.tensor('p', 'f32').write(ps()),
        y = arena.tensor('y', 'i32').write(ys()),
        d = arena.tensor('d', 'f32');
      const k = arena.exports;
      return {
        output: () => arena.kernels.softmaxCrossentropyBackward(d, p, y, { scale }).read() as Float32Array,
        run: () => k.softmax_crossentropy_backward(d.offset, p.offset, y.offset, rows, cols, scale),
        dispose: () => arena.dispose(),
      };
    },
    tfjs(): Impl {
      const p = tf.tensor2d(ps(), [rows, cols]),
        y = tf.tensor1d(ys(), 'int32');
      const op = () => tf.mul(tf.sub(p, tf.oneHot(y, cols)), scale);
      return {
        output: () => {
          const d = tf.tidy(op);
          const v = (d.dataSync() as Float32Array).slice();
          d.dispose();
          return v;
        },
        run: () => {
          tf.tidy(() => {
            op();
          });
        },
        dispose: () => {
          p.dispose();
          y.dispose();
        },
      };
    },
    // Two roundings on either side: p·s then −s (ours), or p − 1 then ·s (tfjs).
    reference: () => {
      const p = ps(),
        y = ys();
      const value = new Float64Array(n),
        bound = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const hot = y[Math.floor(i / cols)] === i % cols ? 1 : 0;
        value[i] = (p[i]! - hot) * scale;
        bound[i] = 2.02 * U * (p[i]! + hot) * scale + 1e-38;
      }
      return { value, bound, basis: '2·u·(p + onehot)·s' };
    },
  };
}

export function softmaxXentFusedCase(rows: number, cols = CLASSES): KernelCase {
  const n = rows * cols;
  const zs = () => cached(`logits:${n}`, () => randomF32(n, 21, -RANGE / 2, RANGE / 2));
  const ys = () => cached(`labels:${rows}`, () => randomLabels(rows, cols, 22));
  const scale = Math.fround(1 / rows);
  return {
    suite: 'softmax',
    kernel: 'softmax_crossentropy',
    tfjsOp: 'tf.softmax(z), the xent gradient, −mean ln p[y], Σ [argMax = y]',
    name: `output layer: softmax, loss, correct, δ = (p − onehot(y))/rows [${rows},${cols}]`,
    shape: `${rows}×${cols}`,
    unit: 'GB/s',
    work: { flops: 5 * n, bytes: 8 * n + 4 * rows, elements: n },
    simdnet(runtime: Runtime): Impl {
      const arena = runtime.createArena({
        z: [rows, cols],
        y: { dtype: 'i32', shape: [rows] },
        d: [rows, cols],
        c: { dtype: 'i32', shape: [1] },
      });
      const z = arena.tensor('z', 'f32').write(zs()),
        y = arena.tensor('y', 'i32').write(ys());
      const d = arena.tensor('d', 'f32'),
        c = arena.tensor('c', 'i32'),
        k = arena.exports;
      return {
        output: () => {
          arena.kernels.softmaxCrossentropy(d, z, y, c, { scale });
          return d.read() as Float32Array;
        },
        run: () => k.softmax_crossentropy(d.offset, z.offset, y.offset, rows, cols, scale, c.offset),
        dispose: () => arena.dispose(),
      };
    },
    tfjs(): Impl {
      const z = tf.tensor2d(zs(), [rows, cols]),
        y = tf.tensor1d(ys(), 'int32');
      const op = () => {
        const p = tf.softmax(z),
          hot = tf.oneHot(y, cols);
        tf.neg(tf.mean(tf.log(tf.maximum(tf.sum(tf.mul(p, hot), 1), 1e-7))));
        tf.sum(tf.cast(tf.equal(tf.argMax(p, 1), y), 'int32'));
        return tf.mul(tf.sub(p, hot), scale);
      };
      return {
        output: () => {
          const d = tf.tidy(op);
          const v = (d.dataSync() as Float32Array).slice();
          d.dispose();
          return v;
        },
        run: () => {
          tf.tidy(() => {
            op();
          });
        },
        dispose: () => {
          z.dispose();
          y.dispose();
        },
      };
    },
    // The softmax's relative bound on p (see softmaxCase), scaled, plus the gradient's two roundings.
    reference: () => {
      const p = softmaxRef(zs(), rows, cols),
        y = ys();
      const rel = 2 * (RANGE + cols + 8) * U;
      const value = new Float64Array(n),
        bound = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const hot = y[Math.floor(i / cols)] === i % cols ? 1 : 0;
        value[i] = (p[i]! - hot) * scale;
        bound[i] = (rel * p[i]! + 2.02 * U * (p[i]! + hot)) * scale + 1e-38;
      }
      return { value, bound, basis: `(2·(${RANGE} + cols + 8)·u·p + 2·u·(p + onehot))·s` };
    },
  };
}

export function softmaxCases(options: { quick: boolean }): KernelCase[] {
  const rows = options.quick ? [32, 128] : [32, 128, 10000, 60000];
  return [
    ...rows.map((r) => softmaxCase(r)),
    ...rows.map((r) => softmaxXentCase(r)),
    ...rows.map((r) => softmaxXentFusedCase(r)),
  ];
}
