// The machine's limits as WebAssembly sees them: the arithmetic peak (assembly/limits.ts
// peak_flops) and a bandwidth curve (stream_copy / stream_sum over buffers from L1-sized to far
// beyond the last-level cache). Every benchmark and the profiler report a kernel as a share of the
// limit that binds it: the FLOP peak for GEMM, the bandwidth at the kernel's own footprint for
// elementwise kernels (a 16 KiB ReLU runs from L1, a 60 MB one from DRAM, and neither should be
// compared with the other's limit). A limit is a ceiling, so each is the fastest sample seen:
// on a shared machine interference only ever slows a run down. Sizes in bytes, rates in FLOP/s
// and bytes/s.
import type { Runtime } from '../runtime.js';
import { timeCalls } from './timing.js';

/** FLOPs one iteration of peak_flops performs, in both builds (see assembly/limits.ts). */
export const PEAK_FLOPS_PER_ITERATION = 96;

export interface BandwidthPoint {
  /** Bytes of the buffer streamed (copy: source + destination). */
  footprint: number;
  /** Bytes per second, STREAM's count: copy moves 8 bytes per element, sum reads 4. Fastest sample. */
  copy: number;
  sum: number;
  /** The same from the mean time, with its 95% relative margin of error (%). */
  copyMean: number;
  copyRme: number;
  sumMean: number;
  sumRme: number;
}

export interface MachineLimits {
  variant: string;
  /** f32 FLOP/s of independent mul+add chains from registers: fastest sample, mean, rme (%). */
  peakFlops: number;
  peakFlopsMean: number;
  peakRme: number;
  /** Ascending by footprint. */
  bandwidth: BandwidthPoint[];
}

export interface LimitOptions {
  /** Footprints to measure; default 16 KiB … 256 MiB. */
  footprints?: readonly number[];
  /** Seconds spent timing each figure (after warm-up). Default 0.25. */
  seconds?: number;
}

export const DEFAULT_FOOTPRINTS: readonly number[] = [
  16 << 10,
  64 << 10,
  256 << 10,
  1 << 20,
  4 << 20,
  16 << 20,
  64 << 20,
  256 << 20,
];

/** Measures the FLOP peak and the copy/sum bandwidth at each footprint. Allocates and frees one arena per footprint. */
export function measureLimits(runtime: Runtime, options: LimitOptions = {}): MachineLimits {
  const seconds = options.seconds ?? 0.25;
  const footprints = [...(options.footprints ?? DEFAULT_FOOTPRINTS)].sort((a, b) => a - b);
  const peak = measurePeakFlops(runtime, seconds);
  return { variant: runtime.variant, ...peak, bandwidth: footprints.map((f) => measureBandwidth(runtime, f, seconds)) };
}

export function measurePeakFlops(
  runtime: Runtime,
  seconds = 0.25,
): { peakFlops: number; peakFlopsMean: number; peakRme: number } {
  const arena = runtime.createArena({ unused: [16] });
  try {
    const k = arena.exports;
    const iterations = 1 << 16; // ~6.3 MFLOP, ~0.5 ms a call: long enough to hide the call
    if (!Number.isFinite(k.peak_flops(16))) throw new Error('peak_flops returned a non-finite checksum');
    const t = timeCalls(
      () => {
        k.peak_flops(iterations);
      },
      { seconds },
    );
    const flops = iterations * PEAK_FLOPS_PER_ITERATION;
    return { peakFlops: flops / t.min, peakFlopsMean: flops / t.mean, peakRme: t.rme };
  } finally {
    arena.dispose();
  }
}

/**
 * Bandwidth of stream_copy and stream_sum over `footprint` bytes. Copy streams two buffers of
 * footprint/2; sum reads one buffer of `footprint`. Both are written first (the arena touches every page).
 */
export function measureBandwidth(runtime: Runtime, footprint: number, seconds = 0.25): BandwidthPoint {
  const n = Math.max(16, Math.floor(footprint / 8 / 16) * 16); // f32 elements per copy buffer
  const arena = runtime.createArena({ src: [2 * n], dst: [n] });
  try {
    const k = arena.exports;
    const src = arena.tensor('src', 'f32'),
      dst = arena.tensor('dst', 'f32');
    src.fill(1);
    const copy = timeCalls(() => k.stream_copy(dst.offset, src.offset, n), { seconds });
    const sum = timeCalls(
      () => {
        k.stream_sum(src.offset, 2 * n);
      },
      { seconds },
    );
    if (k.stream_sum(dst.offset, n) !== n)
      throw new Error(`stream_copy over ${n} elements did not copy the ones it was given`);
    const bytes = 8 * n;
    return {
      footprint: bytes,
      copy: bytes / copy.min,
      sum: bytes / sum.min,
      copyMean: bytes / copy.mean,
      copyRme: copy.rme,
      sumMean: bytes / sum.mean,
      sumRme: sum.rme,
    };
  } finally {
    arena.dispose();
  }
}

/**
 * The bandwidth limit for a kernel whose buffers span `footprint` bytes: the measured curve
 * interpolated log-linearly in footprint (clamped at both ends). `kind` is `copy` for kernels that
 * write about as much as they read, `sum` for reductions that mostly read.
 */
export function bandwidthAt(limits: MachineLimits, footprint: number, kind: 'copy' | 'sum' = 'copy'): number {
  const curve = limits.bandwidth;
  if (curve.length === 0) throw new RangeError('bandwidthAt: the limits hold no bandwidth measurement');
  const first = curve[0]!,
    last = curve[curve.length - 1]!;
  if (footprint <= first.footprint) return first[kind];
  if (footprint >= last.footprint) return last[kind];
  for (let i = 1; i < curve.length; i++) {
    const hi = curve[i]!,
      lo = curve[i - 1]!;
    if (footprint <= hi.footprint) {
      const t = Math.log(footprint / lo.footprint) / Math.log(hi.footprint / lo.footprint);
      return Math.exp(Math.log(lo[kind]) * (1 - t) + Math.log(hi[kind]) * t);
    }
  }
  return last[kind];
}

/** Human size: 16 KiB, 4 MiB, 256 MiB. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1 << 30) return `${+(bytes / 2 ** 30).toFixed(1)} GiB`;
  if (bytes >= 1 << 20) return `${+(bytes / 2 ** 20).toFixed(1)} MiB`;
  if (bytes >= 1 << 10) return `${+(bytes / 2 ** 10).toFixed(1)} KiB`;
  return `${bytes} B`;
}

/** What one kernel call does, for the roofline. */
export interface Work {
  /** f32 floating-point operations (2·M·N·K for a GEMM). */
  flops: number;
  /** Bytes that must cross the memory hierarchy at least once: every input read, every output written. */
  bytes: number;
  /** Distinct bytes the call touches (its working set): chooses the level of the bandwidth curve. Default `bytes`. */
  footprint?: number;
  /** `sum` for reductions that mostly read; `copy` (default) for kernels that write as much as they read. */
  stream?: 'copy' | 'sum';
}

export interface Roofline {
  /** The least time the call could take: max(flops / peak, bytes / bandwidth at its footprint). */
  seconds: number;
  /** Which of the two sets that time. */
  bound: 'compute' | 'memory';
  /** The bandwidth that applies at this footprint (bytes/s). */
  bandwidth: number;
  peakFlops: number;
}

/** The roofline time of one call of `work` on a machine with `limits`. */
export function roofline(limits: MachineLimits, work: Work): Roofline {
  const bandwidth = bandwidthAt(limits, work.footprint ?? work.bytes, work.stream ?? 'copy');
  const compute = work.flops / limits.peakFlops,
    memory = work.bytes / bandwidth;
  return {
    seconds: Math.max(compute, memory),
    bound: compute >= memory ? 'compute' : 'memory',
    bandwidth,
    peakFlops: limits.peakFlops,
  };
}
