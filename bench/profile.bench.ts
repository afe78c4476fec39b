// Where one training step's time goes: `simdnet profile` (src/commands/profile.ts) for the two
// end-to-end networks, each kernel call of the step timed alone and set against its roofline.
// Validation: the profiled step (src/perf/step.ts, the program fit compiles) computes exactly — bit
// for bit — the gradients a training step of Network.fit computes for the same parameters and
// batch, so the profile times the network's real calls and not an approximation of them.
import { Network, type Dataset, type Runtime } from '../src/index.node.js';
import { profileStep, type ProfileReport } from '../src/commands/profile.js';
import { profiledTrainingStep } from '../src/perf/step.js';
import { ValidationError } from './harness.js';

export const PROFILED = [
  { layers: [784, 128, 10], batch: 32, optimizer: 'adam' as const },
  { layers: [784, 10, 10], batch: 32, optimizer: 'sgd' as const },
];

export async function runProfiles(options: { quick: boolean; log?: (line: string) => void }): Promise<ProfileReport[]> {
  const out: ProfileReport[] = [];
  for (const p of PROFILED)
    out.push(await profileStep({ ...p, steps: options.quick ? 50 : 500, variant: 'simd' }, options.log));
  return out;
}

/** The profiled step's gradients equal those of Network.fit's first step on the same parameters and batch. */
export function validateProfiles(runtime: Runtime): string[] {
  return PROFILED.map((p) => {
    const step = profiledTrainingStep(runtime, { ...p, poolImages: 4 * p.batch, seed: 3 });
    const net = Network.create(runtime, { layers: p.layers, seed: 5 });
    try {
      step.arena.tensor('params', 'f32').write(net.getParameters());
      step.runStep();
      const replayed = step.arena.tensor('grads', 'f32').read();
      // The profiled step's first batch as a training set of its own, in its order: fit's first
      // step (no shuffle, one batch) then computes its gradients from the same rows in the same order.
      const order = step.arena.tensor('order', 'i32').view().subarray(0, p.batch);
      const { pixels, labels } = step.data;
      const inputs = p.layers[0]!;
      const batch: Dataset = {
        count: p.batch,
        rows: 1,
        cols: inputs,
        labels: Uint8Array.from(order, (i) => labels[i]!),
        pixels: new Uint8Array(p.batch * inputs).map(
          (_, k) => pixels[order[Math.floor(k / inputs)]! * inputs + (k % inputs)]!,
        ),
      };
      net.fit(batch, { batchSize: p.batch, iterations: 1, shuffle: false, optimizer: 'sgd', lr: 0.1 });
      const gradients = net.getGradients();
      const differ = gradients.findIndex((g, i) => !Object.is(g, replayed[i]));
      if (differ >= 0) {
        throw new ValidationError(
          `profile ${p.layers.join('-')} batch ${p.batch}: the profiled step's gradient ${differ} is ${replayed[differ]}, Network.fit's step gives ${gradients[differ]}: perf/step.ts no longer runs fit's step`,
        );
      }
      return `${p.layers.join('-')} batch ${p.batch} ${p.optimizer}: the profiled step's ${gradients.length} gradients equal Network.fit's bit for bit`;
    } finally {
      step.dispose();
      net.dispose();
    }
  });
}
