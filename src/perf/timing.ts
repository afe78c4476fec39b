// A small timer for the profiler and the machine limits, where Benchmark.js's per-cycle setup
// would be larger than the kernels being timed: warm up (so V8 has tiered the WebAssembly up to
// its optimising compiler), then batch calls into samples of at least `minSampleSeconds` each and
// report seconds per call with Benchmark.js's statistics (mean, 95% relative margin of error).

export interface TimingOptions {
  /** Seconds of timed samples (after warm-up). Default 0.25. */
  seconds?: number;
  /** Seconds of untimed warm-up calls. Default a fifth of `seconds`, at least 3 calls. */
  warmupSeconds?: number;
  /** Each sample times enough calls to last this long, so the clock's resolution does not matter. Default 0.002. */
  minSampleSeconds?: number;
  /** At least this many samples, however long they take. Default 5. */
  minSamples?: number;
  /** At least this many timed calls in all. Default 0. */
  minCalls?: number;
}

export interface Timing {
  /** Seconds per call. */
  mean: number;
  median: number;
  /** The fastest sample: what the machine can do when nothing else interferes. */
  min: number;
  /** Relative margin of error of the mean at 95% confidence, in percent (Benchmark.js's `rme`). */
  rme: number;
  samples: number;
  callsPerSample: number;
}

/** Student's t at 95% (two-sided) for df = 1…30; beyond that 1.96. The table Benchmark.js uses. */
const T95 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11,
  2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/** Mean, median and 95% relative margin of error of per-call times (seconds). */
export function summarize(perCall: readonly number[], callsPerSample = 1): Timing {
  const n = perCall.length;
  if (n === 0) throw new RangeError('summarize: no samples');
  const mean = perCall.reduce((a, b) => a + b, 0) / n;
  const sorted = [...perCall].sort((a, b) => a - b);
  const median = n % 2 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
  const variance = n > 1 ? perCall.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1) : 0;
  const sem = Math.sqrt(variance / n);
  const t = n > 1 ? (T95[Math.min(n - 1, T95.length) - 1] ?? 1.96) : 0;
  return {
    mean,
    median,
    min: sorted[0]!,
    rme: mean > 0 ? (100 * sem * (n - 1 > 30 ? 1.96 : t)) / mean : 0,
    samples: n,
    callsPerSample,
  };
}

/** Times `fn` (synchronous) as described above. */
export function timeCalls(fn: () => void, options: TimingOptions = {}): Timing {
  const seconds = options.seconds ?? 0.25;
  const warmup = options.warmupSeconds ?? seconds / 5;
  const minSample = options.minSampleSeconds ?? 0.002;
  const minSamples = options.minSamples ?? 5;
  const minCalls = options.minCalls ?? 0;
  const now = () => performance.now() / 1000;

  let calls = 0;
  const warmStart = now();
  while (calls < 3 || now() - warmStart < warmup) {
    fn();
    calls++;
  }
  const perCallGuess = (now() - warmStart) / calls;
  const callsPerSample = Math.max(1, Math.ceil(minSample / Math.max(perCallGuess, 1e-9)));

  const perCall: number[] = [];
  const start = now();
  while (perCall.length < minSamples || perCall.length * callsPerSample < minCalls || now() - start < seconds) {
    const t0 = now();
    for (let i = 0; i < callsPerSample; i++) fn();
    perCall.push((now() - t0) / callsPerSample);
  }
  return summarize(perCall, callsPerSample);
}
