// The machine's limits (assembly/limits.ts through src/perf/limits.ts): the f32 FLOP peak of
// WebAssembly SIMD (12 independent mul+add chains from registers) and the copy/sum bandwidth
// curve from L1-sized buffers to 256 MiB, far beyond the last-level cache (every page written
// before timing). Each kernel result elsewhere is reported as a share of its roofline built from
// these. Limits are the fastest sample (a ceiling: interference only slows runs down); the
// mean and its rme are kept beside them. The scalar build's peak is measured too, for scale.
import type { Runtime } from '../src/index.node.js';
import { loadSimdnet } from '../src/index.node.js';
import { DEFAULT_FOOTPRINTS, measureLimits, measurePeakFlops, type MachineLimits } from '../src/perf/limits.js';

export interface LimitsResult {
  limits: MachineLimits;
  /** The scalar build's peak_flops (same 96 FLOPs per iteration, no SIMD). */
  scalarPeakFlops: number;
}

export async function runLimits(runtime: Runtime, options: { quick: boolean }): Promise<LimitsResult> {
  const footprints = options.quick ? [16 << 10, 256 << 10, 4 << 20, 64 << 20] : DEFAULT_FOOTPRINTS;
  const limits = measureLimits(runtime, { footprints, seconds: options.quick ? 0.05 : 0.3 });
  const scalar = await loadSimdnet({ variant: 'scalar' });
  return { limits, scalarPeakFlops: measurePeakFlops(scalar, options.quick ? 0.05 : 0.2).peakFlops };
}

/** Validation only: the limit kernels run and return what they must. */
export function validateLimits(runtime: Runtime): string {
  const arena = runtime.createArena({ src: [1000], dst: [1000] });
  try {
    const k = arena.exports,
      src = arena.tensor('src', 'f32'),
      dst = arena.tensor('dst', 'f32');
    src.write(Float32Array.from({ length: 1000 }, (_, i) => i));
    k.stream_copy(dst.offset, src.offset, 999);
    const out = dst.read();
    if (out[998] !== 998 || out[999] !== 0 || out.some((v, i) => i < 999 && v !== i))
      throw new Error('limits: stream_copy did not copy exactly n = 999 elements');
    const sum = k.stream_sum(src.offset, 999);
    if (sum !== (998 * 999) / 2)
      throw new Error(`limits: stream_sum of 0..998 returned ${sum}, expected ${(998 * 999) / 2}`);
    const c = k.peak_flops(1000);
    if (!Number.isFinite(c) || c <= 0) throw new Error(`limits: peak_flops returned ${c}`);
    return 'stream_copy copies exactly n elements, stream_sum sums them exactly, peak_flops returns a finite checksum';
  } finally {
    arena.dispose();
  }
}
