// relu_forward / relu_backward (assembly/activations.ts) against tf.relu(x) and tf.mul(dy, tf.step(z))
// (the op tfjs's own Relu gradient runs). Hidden activations of 784-128-10 at each batch size,
// out of place on both sides (tfjs always allocates its result). Rate: GB/s, bytes every input
// and output moves (forward 8, backward 12 per element). ReLU is exact: the bound is 0.
import type { Runtime } from '../src/index.node.js';
import { cached, randomF32 } from './data.js';
import type { Impl, KernelCase, Reference } from './harness.js';
import { tf } from './tfjs.js';

const HIDDEN = 128;

function exact(value: Float64Array): Reference {
  return { value, bound: new Float64Array(value.length), basis: 'exact (bound 0)' };
}

export function reluForwardCase(rows: number, cols: number): KernelCase {
  const n = rows * cols;
  const x = () => cached(`relu-z:${n}`, () => randomF32(n, 11));
  return {
    suite: 'activations',
    kernel: 'relu_forward',
    tfjsOp: 'tf.relu(x)',
    name: `relu forward a = ReLU(z[${rows},${cols}])`,
    shape: `${rows}×${cols}`,
    unit: 'GB/s',
    work: { flops: n, bytes: 8 * n, elements: n },
    skipCpu: n > 4e6 ? "tfjs-cpu runs this in JS at ~0.1 s per call; outside the suite's time budget" : undefined,
    simdnet(runtime: Runtime): Impl {
      const arena = runtime.createArena({ z: [rows, cols], a: [rows, cols] });
      const z = arena.tensor('z', 'f32').write(x()),
        a = arena.tensor('a', 'f32'),
        k = arena.exports;
      return {
        output: () => arena.kernels.reluForward(a, z).read() as Float32Array,
        run: () => k.relu_forward(a.offset, z.offset, n),
        dispose: () => arena.dispose(),
      };
    },
    tfjs(): Impl {
      const z = tf.tensor2d(x(), [rows, cols]);
      return {
        output: () => {
          const a = tf.relu(z);
          const v = (a.dataSync() as Float32Array).slice();
          a.dispose();
          return v;
        },
        run: () => {
          tf.tidy(() => {
            tf.relu(z);
          });
        },
        dispose: () => z.dispose(),
      };
    },
    reference: () => exact(Float64Array.from(x(), (v) => Math.max(v, 0))),
  };
}

export function reluBackwardCase(rows: number, cols: number): KernelCase {
  const n = rows * cols;
  const zs = () => cached(`relu-z:${n}`, () => randomF32(n, 11));
  const dys = () => cached(`relu-dy:${n}`, () => randomF32(n, 12));
  return {
    suite: 'activations',
    kernel: 'relu_backward',
    tfjsOp: 'tf.mul(dy, tf.step(z))',
    name: `relu backward δ ⊙ [z > 0] [${rows},${cols}]`,
    shape: `${rows}×${cols}`,
    unit: 'GB/s',
    work: { flops: n, bytes: 12 * n, elements: n },
    skipCpu: n > 4e6 ? "tfjs-cpu runs this in JS at ~0.2 s per call; outside the suite's time budget" : undefined,
    simdnet(runtime: Runtime): Impl {
      const arena = runtime.createArena({ z: [rows, cols], dy: [rows, cols], dx: [rows, cols] });
      const z = arena.tensor('z', 'f32').write(zs()),
        dy = arena.tensor('dy', 'f32').write(dys()),
        dx = arena.tensor('dx', 'f32');
      const k = arena.exports;
      return {
        output: () => arena.kernels.reluBackward(dx, dy, z).read() as Float32Array,
        run: () => k.relu_backward(dx.offset, dy.offset, z.offset, n),
        dispose: () => arena.dispose(),
      };
    },
    tfjs(): Impl {
      const z = tf.tensor2d(zs(), [rows, cols]),
        dy = tf.tensor2d(dys(), [rows, cols]);
      return {
        output: () => {
          const dx = tf.tidy(() => tf.mul(dy, tf.step(z)));
          const v = (dx.dataSync() as Float32Array).slice();
          dx.dispose();
          return v;
        },
        run: () => {
          tf.tidy(() => {
            tf.mul(dy, tf.step(z));
          });
        },
        dispose: () => {
          z.dispose();
          dy.dispose();
        },
      };
    },
    reference: () => {
      const z = zs(),
        dy = dys();
      return exact(Float64Array.from(dy, (v, i) => (z[i]! > 0 ? v : 0)));
    },
  };
}

export function activationCases(options: { quick: boolean }): KernelCase[] {
  const batches = options.quick ? [32, 128] : [32, 128, 60000];
  return [...batches.map((b) => reluForwardCase(b, HIDDEN)), ...batches.map((b) => reluBackwardCase(b, HIDDEN))];
}
